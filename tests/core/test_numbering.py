"""Document numbers (PLT-09): ORD-20261122-0001 per branch, type and day; gap-free, concurrency-safe."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections, transaction

from medspa.core.models import DocumentCounter
from medspa.core.numbering import format_number, next_number
from tests.factories import BranchFactory

pytestmark = pytest.mark.req("PLT-09")

DAY = datetime.date(2026, 11, 22)


def take(branch, doc_type="ORD", day=DAY):
    with transaction.atomic():
        return next_number(branch, doc_type, day)


@pytest.mark.django_db
def test_numbers_follow_each_other(branch):
    assert [take(branch) for _ in range(3)] == ["ORD-20261122-0001", "ORD-20261122-0002", "ORD-20261122-0003"]
    counter = DocumentCounter.objects.get()
    assert (counter.branch_id, counter.doc_type, counter.day, counter.last_value) == (
        branch.pk,
        "ORD",
        DAY,
        3,
    )


@pytest.mark.django_db
def test_branch_id_is_accepted(branch):
    assert take(branch.pk) == "ORD-20261122-0001"
    assert take(branch) == "ORD-20261122-0002"


@pytest.mark.django_db
def test_sequences_are_independent_per_day_branch_and_type(branch, other_branch):
    assert take(branch) == "ORD-20261122-0001"
    assert take(branch, day=DAY + datetime.timedelta(days=1)) == "ORD-20261123-0001"
    assert take(other_branch) == "ORD-20261122-0001"
    assert take(branch, doc_type="PO") == "PO-20261122-0001"
    assert take(branch) == "ORD-20261122-0002"
    assert DocumentCounter.objects.count() == 4


@pytest.mark.django_db
def test_a_rolled_back_number_is_given_again(branch):
    assert take(branch) == "ORD-20261122-0001"

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        assert next_number(branch, "ORD", DAY) == "ORD-20261122-0002"
        raise Boom
    assert take(branch) == "ORD-20261122-0002"


@pytest.mark.django_db
def test_the_first_number_of_a_day_rolled_back_leaves_no_gap(branch):
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_number(branch, "ORD", DAY) == "ORD-20261122-0001"
        raise RuntimeError
    assert take(branch) == "ORD-20261122-0001"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_it_refuses(branch):
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        next_number(branch, "ORD", DAY)
    assert DocumentCounter.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("doc_type", ["", "ord", "ORD-1", "O" * 17, "1AB"])
def test_bad_document_types_are_refused(branch, doc_type):
    with pytest.raises(ValueError), transaction.atomic():
        next_number(branch, doc_type, DAY)


@pytest.mark.django_db
def test_a_datetime_is_not_a_day(branch):
    with pytest.raises(TypeError), transaction.atomic():
        next_number(branch, "ORD", datetime.datetime(2026, 11, 22, 10, tzinfo=datetime.UTC))


def test_sequences_past_9999_grow():
    assert format_number("ORD", DAY, 9999) == "ORD-20261122-9999"
    assert format_number("ORD", DAY, 10000) == "ORD-20261122-10000"


@pytest.mark.django_db
def test_counter_past_9999(branch):
    DocumentCounter.objects.create(branch=branch, doc_type="ORD", day=DAY, last_value=9999)
    assert take(branch) == "ORD-20261122-10000"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only (real concurrent transactions)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_callers_get_distinct_consecutive_numbers():
    branch = BranchFactory()
    threads, per_thread = 8, 50
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def work() -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                with transaction.atomic():
                    number = next_number(branch.pk, "ORD", DAY)
                with lock:
                    results.append(number)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert len(results) == threads * per_thread == 400
    assert sorted(results) == [f"ORD-20261122-{n:04d}" for n in range(1, 401)]
    assert DocumentCounter.objects.get(branch=branch).last_value == 400
