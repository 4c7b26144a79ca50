"""MKT-02 under real concurrency (PostgreSQL): the per-customer limit and the state machine hold
whatever the interleaving.

- 8 marketers issue 1 coupon of a limit-1 type to the same customer at the same instant: exactly
  one coupon, 7 refusals naming the limit (the coupon type's row is locked while counting).
- 8 submits of one issue with the same idempotency key: one batch, every caller gets it.
- 8 cashiers redeem the same coupon at once: one redemption, 7 illegal transitions.

Each thread has its own database connection; all start together (a barrier). Run with
``--nomigrations`` (COMMON.md): the test creates what it needs itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, connections
from django.utils import translation

from medspa.catalog import coupon_services as services
from medspa.catalog.models import Coupon, CouponBatch, CouponEvent
from medspa.core.errors import IllegalTransition, ValidationError
from tests.catalog.coupon_factories import CouponTypeFactory, coupon_user
from tests.customers.factories import CustomerFactory
from tests.factories import BranchFactory, OrganisationFactory

pytestmark = [
    pytest.mark.req("MKT-02"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only: SQLite serialises writers, so there is no concurrent issuing to test",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREADS = 8


def _in_threads(
    n: int, work: Callable[[int, threading.Barrier], object]
) -> tuple[list[object], list[BaseException]]:
    """Run ``work(i, barrier)`` in ``n`` threads (each with its own connection); return the
    results and the exceptions raised."""
    barrier = threading.Barrier(n)
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            with translation.override("en"):
                result = work(i, barrier)
            with lock:
                results.append(result)
        except BaseException as exc:  # collected and asserted by the test
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results, errors


@pytest.fixture
def setting():
    # Without migrations nothing is serialized, so the flush after a transactional test also
    # removed the permissions: create them again (what post_migrate does).
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    branch = BranchFactory(organisation=OrganisationFactory(code="race"), code="main")
    marketers = [coupon_user(branch, username=f"marketer{i}") for i in range(THREADS)]
    customer = CustomerFactory(branch=branch, name="张三")
    limited = CouponTypeFactory(organisation=branch.organisation, name="新客券", per_customer_limit=1)
    return {"marketers": marketers, "customer": customer, "limited": limited}


def test_eight_simultaneous_issues_to_one_customer_of_a_limit_one_type(setting):
    marketers, customer, limited = setting["marketers"], setting["customer"], setting["limited"]

    def issue_one(i: int, barrier: threading.Barrier) -> int:
        barrier.wait()
        result = services.coupon_issue(actor=marketers[i], coupon_type_id=limited.pk, customer_id=customer.pk)
        return result.coupons[0].pk

    results, errors = _in_threads(THREADS, issue_one)
    assert len(results) == 1
    assert [(type(e), e.field, e.message) for e in errors] == [
        (
            ValidationError,
            "customer_id",
            "张三 already holds 1 of 新客券; at most 1 per customer are allowed.",
        )
    ] * (THREADS - 1)
    assert list(Coupon.objects.values_list("pk", flat=True)) == results
    assert (CouponBatch.objects.count(), CouponEvent.objects.count()) == (1, 1)
    assert services.coupon_verify() == ([], 1, 1)


def test_one_idempotency_key_issues_once(setting):
    marketers, customer = setting["marketers"], setting["customer"]
    unlimited = CouponTypeFactory(organisation=setting["limited"].organisation)

    def submit(i: int, barrier: threading.Barrier) -> tuple[int, list[int]]:
        barrier.wait()
        result = services.coupon_issue(
            actor=marketers[0],
            coupon_type_id=unlimited.pk,
            customer_id=customer.pk,
            idempotency_key="same-submit",
        )
        return result.batch.pk, [c.pk for c in result.coupons]

    results, errors = _in_threads(THREADS, submit)
    assert errors == []
    batch = CouponBatch.objects.get()
    coupon = Coupon.objects.get()
    assert results == [(batch.pk, [coupon.pk])] * THREADS


def test_eight_simultaneous_redemptions_of_one_coupon(setting):
    marketers, customer = setting["marketers"], setting["customer"]
    coupon = services.coupon_issue(
        actor=marketers[0], coupon_type_id=setting["limited"].pk, customer_id=customer.pk
    ).coupons[0]

    def redeem(i: int, barrier: threading.Barrier) -> str:
        barrier.wait()
        return services.coupon_redeem(
            actor=marketers[i], coupon_id=coupon.pk, customer_id=customer.pk, ref=f"ORD-{i}"
        ).state

    results, errors = _in_threads(THREADS, redeem)
    assert results == ["redeemed"]
    assert [(type(e), e.message) for e in errors] == [
        (IllegalTransition, "Only an issued coupon can be redeemed; this one is redeemed.")
    ] * (THREADS - 1)
    assert CouponEvent.objects.filter(action="redeem").count() == 1
    assert services.coupon_verify() == ([], 1, 2)
