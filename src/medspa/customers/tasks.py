"""Periodic jobs of the customers app: the nightly lifecycle-status refresh (CRM-12)."""

from __future__ import annotations

import datetime
import logging

from crontask import cron
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from medspa.customers import services
from medspa.customers.choices import LifecycleStatus
from medspa.customers.models import Customer

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# What the lifecycle rule reads, and what the audit record names.
_FIELDS = ("organisation", "branch", "name", "status", "visit_count", "last_visit_at")


class _Stale(Exception):
    """The customer had a visit recorded between reading the batch and writing the status."""


def _refresh(customer: Customer, now: datetime.datetime) -> bool:
    """Recompute one customer's status in its own transaction (the status and its audit event
    commit together). When it changes, the row is locked and re-checked: if a visit was recorded
    meanwhile, the stale write is rolled back and the status recomputed from the fresh row."""
    try:
        with transaction.atomic():
            if not services.customer_status_refresh(customer=customer, now=now):
                return False
            fresh = (
                Customer.objects.select_for_update()
                .filter(pk=customer.pk)
                .values_list("visit_count", "last_visit_at")
                .first()
            )
            if fresh == (customer.visit_count, customer.last_visit_at):
                return True
            raise _Stale
    except _Stale:
        with transaction.atomic():
            locked = Customer.objects.select_for_update().only(*_FIELDS).get(pk=customer.pk)
            return services.customer_status_refresh(customer=locked, now=now)


@cron("30 2 * * *")  # every day at 02:30 Asia/Shanghai
@task
def refresh_customer_statuses(batch_size: int = BATCH_SIZE) -> int:
    """Recompute every customer's lifecycle status (潜在/新客/老客/沉睡/流失) as of now, so that
    customers turn dormant or lost as days pass without a visit. Walks the customers in pk order,
    ``batch_size`` at a time; returns how many statuses changed. Running it twice changes nothing
    the second time. Customers merged into another and never-visited ones still marked potential
    are skipped (their status cannot change)."""
    now = timezone.now()
    customers = (
        Customer.objects.filter(merged_into=None)
        .exclude(status=LifecycleStatus.POTENTIAL, visit_count=0)
        .only(*_FIELDS)
        .order_by("pk")
    )
    changed = 0
    last_pk = 0
    while True:
        batch = list(customers.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            break
        for customer in batch:
            changed += _refresh(customer, now)
        last_pk = batch[-1].pk
    logger.info("lifecycle statuses refreshed: %s changed", changed)
    return changed
