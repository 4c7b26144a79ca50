"""INV-10 under real concurrency (PostgreSQL): the one posting function never lets stock go
negative and never loses a receipt, whatever the interleaving.

- 16 storekeepers each issue 1 unit of a lot that holds 10, all posting at the same instant:
  exactly 10 succeed, 6 are refused with ``InsufficientStock`` and post nothing, the balance is 0.
- 8 storekeepers receive into the same balance key at once (a lot that exists, or a brand-new lot,
  into a warehouse that has no balance row for it yet): one balance row holding the sum — the
  create race in ``ledger._apply_delta`` (and ``_lot_for_receipt``) resolves to an update.

Each thread has its own database connection and prepares its document; then all post at once
(a barrier).
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from medspa.inventory import document_services as svc
from medspa.inventory.choices import DocumentStatus, DocumentType, IssueKind, MoveType
from medspa.inventory.ledger import InsufficientStock, verify
from medspa.inventory.models import Lot, StockBalance, StockDocument, StockMove
from tests.factories import BranchFactory, OrganisationFactory
from tests.inventory.factories import CompanyFactory, ItemFactory, WarehouseFactory
from tests.inventory.support import STOREKEEPER_PERMS, scoped_user

pytestmark = [
    pytest.mark.req("INV-10"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only: SQLite serialises writers, so there is no concurrent posting to test",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


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
    branch = BranchFactory(organisation=OrganisationFactory(code="race"), code="main")
    keepers = [scoped_user(f"keeper{i}", branch, STOREKEEPER_PERMS) for i in range(16)]
    central = WarehouseFactory(branch=branch, name="中心库")
    supplier = CompanyFactory(organisation=branch.organisation, name="华东医药")
    item = ItemFactory(organisation=branch.organisation, name="玻尿酸")
    return {"branch": branch, "keepers": keepers, "central": central, "supplier": supplier, "item": item}


def _receive(actor, warehouse, supplier, item, quantity, *, batch_no="A", price="12.5") -> StockDocument:
    doc = svc.document_create(
        actor=actor,
        doc_type=DocumentType.RECEIPT,
        warehouse=warehouse,
        supplier=supplier,
        lines=[
            svc.LineInput(
                item_id=item.pk,
                quantity=quantity,
                unit_price=price,
                batch_no=batch_no,
                expiry_date=_days(365),
            )
        ],
    )
    svc.document_submit(actor=actor, document=doc)
    return svc.document_post(actor=actor, document=doc)


def test_sixteen_issues_of_ten_units_post_exactly_ten(setting):
    keepers, central, item = setting["keepers"], setting["central"], setting["item"]
    _receive(keepers[0], central, setting["supplier"], item, 10)
    lot = Lot.objects.get(item=item)

    def issue_one(i: int, barrier: threading.Barrier) -> int:
        actor = keepers[i]
        doc = svc.document_create(
            actor=actor,
            doc_type=DocumentType.ISSUE,
            warehouse=central.pk,
            issue_kind=IssueKind.USAGE,
            lines=[svc.LineInput(item_id=item.pk, quantity=1, lot_id=lot.pk)],
        )
        svc.document_submit(actor=actor, document=doc.pk)
        barrier.wait()  # all sixteen post at the same instant
        svc.document_post(actor=actor, document=doc.pk)
        return doc.pk

    posted, errors = _in_threads(16, issue_one)

    assert len(posted) == 10
    assert len(errors) == 6
    assert all(isinstance(exc, InsufficientStock) for exc in errors), errors
    assert {exc.code for exc in errors} == {"insufficient_stock"}  # type: ignore[attr-defined]
    balance = StockBalance.objects.get(item=item)
    assert (balance.warehouse_id, balance.lot_id, balance.quantity) == (central.pk, lot.pk, Decimal("0.000"))
    issues = StockMove.objects.filter(move_type=MoveType.USAGE)
    assert issues.count() == 10
    assert set(issues.values_list("quantity", flat=True)) == {Decimal("-1.000")}
    assert sorted(issues.values_list("document_id", flat=True)) == sorted(posted)
    documents = StockDocument.objects.filter(doc_type=DocumentType.ISSUE)
    assert documents.filter(status=DocumentStatus.POSTED).count() == 10
    assert documents.filter(status=DocumentStatus.SUBMITTED).count() == 6  # refused: nothing posted
    assert (
        StockMove.objects.filter(document_id__in=documents.filter(status=DocumentStatus.SUBMITTED)).count()
        == 0
    )
    assert len(set(documents.values_list("number", flat=True))) == 16
    assert verify() == []


@pytest.mark.parametrize("lot_exists", [True, False], ids=["existing-lot", "new-lot"])
def test_eight_receipts_into_one_new_balance_key_sum_into_one_row(setting, lot_exists):
    keepers, supplier, item = setting["keepers"], setting["supplier"], setting["item"]
    other = WarehouseFactory(branch=setting["branch"], name="二号库")
    if lot_exists:  # the lot exists (received elsewhere); the balance key in `other` does not
        _receive(keepers[0], setting["central"], supplier, item, 1, batch_no="SAME")
    quantities = [Decimal(n) for n in range(1, 9)]  # 1 + 2 + … + 8 = 36

    def receive(i: int, barrier: threading.Barrier) -> int:
        actor = keepers[i]
        doc = svc.document_create(
            actor=actor,
            doc_type=DocumentType.RECEIPT,
            warehouse=other.pk,
            supplier=supplier.pk,
            lines=[
                svc.LineInput(
                    item_id=item.pk,
                    quantity=quantities[i],
                    unit_price="12.5",
                    batch_no="SAME",
                    expiry_date=_days(365),
                )
            ],
        )
        svc.document_submit(actor=actor, document=doc.pk)
        barrier.wait()  # all eight post at the same instant
        svc.document_post(actor=actor, document=doc.pk)
        return doc.pk

    posted, errors = _in_threads(8, receive)

    assert errors == []
    assert len(posted) == 8
    lot = Lot.objects.get(item=item)  # one cost layer, whoever created it
    assert (lot.batch_no, lot.unit_cost) == ("SAME", Decimal("12.5000"))
    balance = StockBalance.objects.get(warehouse=other)
    assert (balance.lot_id, balance.quantity) == (lot.pk, Decimal("36.000"))
    assert StockMove.objects.filter(warehouse=other, move_type=MoveType.RECEIPT).count() == 8
    assert verify() == []
