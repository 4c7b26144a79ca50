"""Periodic jobs of coupons (MKT-02): the daily expiry. Registered with django-crontask when the
catalog's ``tasks`` module imports this one (crontask loads ``<app>.tasks``)."""

from __future__ import annotations

import logging

from crontask import cron
from django.tasks import task
from django.utils import timezone

from medspa.catalog import coupon_services

logger = logging.getLogger(__name__)


@cron("5 0 * * *")  # every day at 00:05 Asia/Shanghai
@task
def expire_coupons() -> int:
    """Expire every issued coupon whose last valid day has passed; returns how many expired.
    Running it again the same day expires nothing more."""
    expired = coupon_services.coupon_expire_due(now=timezone.now())
    logger.info("coupons expired: %s", expired)
    return expired
