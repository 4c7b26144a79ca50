"""The nightly lifecycle-status refresh (CRM-12): statuses follow the days without a visit, per
organisation's dormant/lost parameters; counts are exact; a second run changes nothing."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from medspa.audit.models import AuditEvent
from medspa.configuration.models import ParameterValue
from medspa.customers import services
from medspa.customers.choices import LifecycleStatus as S
from medspa.customers.models import Customer
from medspa.customers.tasks import _refresh, refresh_customer_statuses
from tests.customers.factories import CustomerFactory
from tests.factories import BranchFactory, OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("CRM-12")]

START = datetime.datetime(2026, 1, 10, 10, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()


def status_events() -> int:
    return AuditEvent.objects.filter(module="customers", action="status").count()


def statuses(*customers: Customer) -> list[str]:
    by_pk = dict(Customer.objects.values_list("pk", "status"))
    return [by_pk[c.pk] for c in customers]


def visited(branch, days_ago: float, visits: int = 1, status: str = S.NEW, **kwargs) -> Customer:
    """A customer whose last visit was ``days_ago`` before START."""
    return CustomerFactory(
        branch=branch,
        visit_count=visits,
        first_visit_at=START - days_ago * DAY,
        last_visit_at=START - days_ago * DAY,
        status=status,
        **kwargs,
    )


def run() -> int:
    result = refresh_customer_statuses.enqueue()
    return result.return_value


def test_statuses_move_as_time_passes(branch):
    """Defaults: dormant after 180 days without a visit, lost after 365."""
    never = CustomerFactory(branch=branch)  # 潜在: stays potential
    once = visited(branch, 0, status=S.POTENTIAL)  # status not yet refreshed after her first visit
    regular = visited(branch, 10, visits=5, status=S.RETURNING)
    long_ago = visited(branch, 200, visits=3, status=S.RETURNING)
    customers = (never, once, regular, long_ago)
    with time_machine.travel(START, tick=False):
        assert run() == 2
        assert statuses(*customers) == [S.POTENTIAL, S.NEW, S.RETURNING, S.DORMANT]
        assert status_events() == 2
        assert run() == 0  # idempotent
        assert status_events() == 2
    with time_machine.travel(START + 165 * DAY, tick=False):  # long_ago: 365 days idle
        assert run() == 1
        assert statuses(*customers) == [S.POTENTIAL, S.NEW, S.RETURNING, S.LOST]
    with time_machine.travel(START + 170 * DAY - datetime.timedelta(seconds=1), tick=False):
        assert run() == 0  # regular: one second short of 180 days
    with time_machine.travel(START + 170 * DAY, tick=False):  # regular: 180 days idle
        assert run() == 1
        assert statuses(*customers) == [S.POTENTIAL, S.NEW, S.DORMANT, S.LOST]
    with time_machine.travel(START + 180 * DAY, tick=False):  # once: 180 days idle
        assert run() == 1
        assert statuses(*customers) == [S.POTENTIAL, S.DORMANT, S.DORMANT, S.LOST]
    with time_machine.travel(START + 365 * DAY, tick=False):
        assert run() == 2
        assert statuses(*customers) == [S.POTENTIAL, S.LOST, S.LOST, S.LOST]
        assert run() == 0
    assert status_events() == 7
    event = AuditEvent.objects.filter(action="status", object_id=str(once.pk)).order_by("pk").first()
    assert (event.actor_id, event.actor_name, event.changes, event.organisation_id) == (
        None,
        "system",
        {"status": [S.POTENTIAL, S.NEW]},
        branch.organisation_id,
    )


def test_a_new_visit_brings_a_customer_back(branch):
    lost = visited(branch, 400, visits=2, status=S.LOST)
    with time_machine.travel(START, tick=False):
        assert run() == 0
        Customer.objects.filter(pk=lost.pk).update(visit_count=3, last_visit_at=START - DAY)
        assert run() == 1
        assert statuses(lost) == [S.RETURNING]


def test_each_organisation_uses_its_own_parameters(branch):
    other = BranchFactory(organisation=OrganisationFactory(code="other"))
    ParameterValue.objects.create(organisation=branch.organisation, key="crm.dormant_days", value=30)
    ParameterValue.objects.create(organisation=branch.organisation, key="crm.lost_days", value=60)
    mine = [visited(branch, days) for days in (29, 30, 59, 60)]
    theirs = [visited(other, days) for days in (29, 30, 59, 60, 180)]
    with time_machine.travel(START, tick=False):
        assert run() == 4
    assert statuses(*mine) == [S.NEW, S.DORMANT, S.DORMANT, S.LOST]
    assert statuses(*theirs) == [S.NEW, S.NEW, S.NEW, S.NEW, S.DORMANT]


def test_batches_cover_every_customer_and_skip_merged_ones(branch):
    customers = [visited(branch, 200 + i) for i in range(7)]
    survivor = customers[0]
    Customer.objects.filter(pk=customers[-1].pk).update(merged_into=survivor)
    with time_machine.travel(START, tick=False):
        result = refresh_customer_statuses.enqueue(batch_size=2)
        assert result.return_value == 6
    assert statuses(*customers) == [S.DORMANT] * 6 + [S.NEW]


def test_a_visit_recorded_during_the_run_wins(branch):
    """The batch was read before a visit was recorded: the stale status is rolled back and the
    fresh row decides."""
    customer = visited(branch, 200, visits=2, status=S.RETURNING)
    stale = Customer.objects.get(pk=customer.pk)
    Customer.objects.filter(pk=customer.pk).update(visit_count=3, last_visit_at=START - DAY)
    with time_machine.travel(START, tick=False):
        assert _refresh(stale, timezone.now()) is False  # fresh row: still returning
    assert statuses(customer) == [S.RETURNING]
    assert status_events() == 0
    # the stale row would turn dormant; the fresh one (its last visit corrected) is lost
    Customer.objects.filter(pk=customer.pk).update(visit_count=2, last_visit_at=START - 200 * DAY)
    stale = Customer.objects.get(pk=customer.pk)
    Customer.objects.filter(pk=customer.pk).update(visit_count=1, last_visit_at=START - 400 * DAY)
    with time_machine.travel(START, tick=False):
        assert _refresh(stale, timezone.now()) is True
    assert statuses(customer) == [S.LOST]
    event = AuditEvent.objects.filter(module="customers", action="status").get()
    assert event.changes == {"status": [S.RETURNING, S.LOST]}


def test_the_service_alone_agrees_with_the_task(branch):
    customer = visited(branch, 200, visits=2, status=S.RETURNING)
    with time_machine.travel(START, tick=False):
        assert services.customer_status_refresh(customer=customer) is True
        assert run() == 0


def test_the_refresh_is_scheduled_daily_at_0230_shanghai_time():
    from crontask import scheduler

    job = next(j for j in scheduler.get_jobs() if j.name == "refresh_customer_statuses")
    assert str(job.trigger.timezone) == "Asia/Shanghai"
    assert "hour='2'" in str(job.trigger) and "minute='30'" in str(job.trigger)
