"""The monthly close and stock as of any moment (INV-10): closing quantities and values, months
closed in order and only once ended, postings into a closed month refused (documents and
stocktakes), reopening the latest month with a reason, and as-of = last close + moves since."""

# ruff: noqa: F811  (the fixtures imported from test_stocktake_support are parameters here)
from __future__ import annotations

import datetime
import threading
from collections import defaultdict
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from medspa.audit.models import AuditEvent
from medspa.core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationError
from medspa.inventory import close_selectors as sel
from medspa.inventory import close_services as svc
from medspa.inventory import document_services as docs
from medspa.inventory import stocktake_services as stocktakes
from medspa.inventory.choices import CloseStatus, DocumentStatus, DocumentType, IssueKind, MoveType
from medspa.inventory.ledger import DocumentRef, MoveInput, PeriodClosed, post_moves
from medspa.inventory.models import Lot, MonthClose, StockBalance, StockDocument, StockMove
from tests.factories import BranchFactory
from tests.inventory.factories import ItemFactory, WarehouseFactory
from tests.inventory.support import scoped_user
from tests.inventory.test_stocktake_support import (  # noqa: F401  (fixtures)
    APPROVER_PERMS,
    CLOSER_PERMS,
    approver,
    central,
    closer,
    department,
    dept_keeper,
    dept_wh,
    east_keeper,
    gauze,
    issue,
    item,
    keeper,
    local,
    receive,
    state,
    supplier,
)

NOW = local(2026, 5, 15, 10)
pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY = datetime.date(2026, 3, 1), datetime.date(2026, 4, 1), datetime.date(2026, 5, 1)


@pytest.fixture(autouse=True)
def frozen(request):
    """Today is 2026-05-15 10:00 in Shanghai (not for the transactional concurrency test)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        yield
        return
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(keeper, central, supplier, item, gauze):
    """Mar 10 receive 玻尿酸 B1 ×20 at 10 and B2 ×5 at 12.5; Mar 20 use 3 of B1; Apr 5 receive
    纱布 ×8 at 2.3 and use 2 of B2; May 2 use 1 of B1."""
    expiry = datetime.date(2027, 12, 31)
    receive(
        keeper,
        central,
        supplier,
        [(item, 20, "10", "B1", expiry), (item, 5, "12.5", "B2", expiry)],
        posted_at=local(2026, 3, 10),
    )
    b1, b2 = Lot.objects.get(batch_no="B1"), Lot.objects.get(batch_no="B2")
    issue(keeper, central, item, 3, lot=b1, posted_at=local(2026, 3, 20))
    receive(keeper, central, supplier, [(gauze, 8, "2.3", "", None)], posted_at=local(2026, 4, 5))
    issue(keeper, central, item, 2, lot=b2, posted_at=local(2026, 4, 5, 15))
    issue(keeper, central, item, 1, lot=b1, posted_at=local(2026, 5, 2))
    return {"b1": b1, "b2": b2, "gauze": Lot.objects.get(item=gauze)}


def lines_of(close):
    return [
        (line.lot.batch_no or line.item.code, line.quantity, line.value) for line in sel.close_lines(close)
    ]


def balances_now(warehouse):
    totals = defaultdict(Decimal)
    rows = StockBalance.objects.filter(warehouse=warehouse).values("item_id", "lot_id", "owner_id")
    for row in rows.annotate(total=Sum("quantity")).order_by():
        totals[(row["item_id"], row["lot_id"], row["owner_id"])] += row["total"]
    return {key: value for key, value in totals.items() if value}


# --- closing ---------------------------------------------------------------------------------------


@pytest.mark.req("INV-10")
def test_months_close_with_exact_quantities_and_values(closer, central, history):
    march = svc.close_month(actor=closer, warehouse=central, month=datetime.date(2026, 3, 17))
    assert (march.month, march.status, march.closing_value, march.closed_by_id) == (
        MARCH,
        CloseStatus.CLOSED,
        Decimal("232.50"),
        closer.pk,
    )
    assert march.closed_at == NOW
    assert lines_of(march) == [
        ("B1", Decimal("17.000"), Decimal("170.00")),
        ("B2", Decimal("5.000"), Decimal("62.50")),
    ]
    april = svc.close_month(actor=closer, warehouse=central.pk, month=APRIL)
    assert april.closing_value == Decimal("225.90")
    assert lines_of(april) == [
        ("B1", Decimal("17.000"), Decimal("170.00")),
        ("B2", Decimal("3.000"), Decimal("37.50")),
        ("SB01", Decimal("8.000"), Decimal("18.40")),
    ]
    event = AuditEvent.objects.get(
        object_type="inventory.monthclose", object_id=str(april.pk), action="close"
    )
    assert event.changes == {
        "status": [None, "closed"],
        "month": [None, "2026-04"],
        "lines": [None, 3],
        "closing_value": [None, "225.90"],
    }


@pytest.mark.req("INV-10")
def test_zero_rows_are_left_out(closer, keeper, central, history, item):
    issue(
        keeper, central, item, 3, lot=history["b2"], posted_at=local(2026, 3, 25)
    )  # B2 is gone by April's end
    svc.close_month(actor=closer, warehouse=central, month=MARCH)
    april = svc.close_month(actor=closer, warehouse=central, month=APRIL)
    assert lines_of(april) == [
        ("B1", Decimal("17.000"), Decimal("170.00")),
        ("SB01", Decimal("8.000"), Decimal("18.40")),
    ]
    assert april.closing_value == Decimal("188.40")


@pytest.mark.req("INV-10")
def test_the_first_close_may_be_any_ended_month_then_months_follow_in_order(closer, central, history):
    before = state()
    with pytest.raises(ValidationError) as refused:
        svc.close_month(actor=closer, warehouse=central, month=MAY)
    assert (refused.value.field, refused.value.message) == (
        "month",
        gettext("%(month)s has not ended yet; it can be closed from %(date)s.")
        % {"month": "2026-05", "date": "2026-06-01"},
    )
    assert state() == before
    february = svc.close_month(actor=closer, warehouse=central, month=datetime.date(2026, 2, 1))
    assert (lines_of(february), february.closing_value) == ([], Decimal("0.00"))
    before = state()
    for month in (datetime.date(2026, 1, 1), APRIL):
        with pytest.raises(ValidationError) as refused:
            svc.close_month(actor=closer, warehouse=central, month=month)
        assert (refused.value.field, refused.value.message) == (
            "month",
            gettext(
                "%(warehouse)s is closed up to %(last)s; months are closed in order, so the next "
                "month to close is %(next)s."
            )
            % {"warehouse": "中心库", "last": "2026-02", "next": "2026-03"},
        )
    with pytest.raises(Conflict) as refused:
        svc.close_month(actor=closer, warehouse=central, month=datetime.date(2026, 2, 1))
    assert refused.value.message == gettext("%(month)s of %(warehouse)s is already closed.") % {
        "month": "2026-02",
        "warehouse": "中心库",
    }
    with pytest.raises(ValidationError):
        svc.close_month(actor=closer, warehouse=central, month="2026-03")  # type: ignore[arg-type]
    assert state() == before
    assert svc.close_month(actor=closer, warehouse=central, month=MARCH).closing_value == Decimal("232.50")


@pytest.mark.req("INV-10")
def test_a_month_ends_at_local_midnight(closer, central, history):
    with time_machine.travel(local(2026, 4, 30, 23, 59), tick=False), pytest.raises(ValidationError):
        svc.close_month(actor=closer, warehouse=central, month=APRIL)
    with time_machine.travel(local(2026, 5, 1, 0, 0), tick=False):
        svc.close_month(actor=closer, warehouse=central, month=MARCH)
        assert svc.close_month(actor=closer, warehouse=central, month=APRIL).status == "closed"


@pytest.mark.req("INV-10")
def test_close_permission_and_scope(keeper, east_keeper, dept_keeper, central, history):
    before = state()
    with pytest.raises(PermissionDenied):
        svc.close_month(actor=keeper, warehouse=central, month=MARCH)
    for outsider in (east_keeper, dept_keeper):
        with pytest.raises(ValidationError) as refused:
            svc.close_month(actor=outsider, warehouse=central, month=MARCH)
        assert refused.value.field == "warehouse"
    assert state() == before


# --- closed months refuse postings ------------------------------------------------------------------


@pytest.mark.req("INV-10")
def test_posting_into_a_closed_month_is_refused_until_reopened(
    closer, keeper, central, supplier, item, history
):
    svc.close_month(actor=closer, warehouse=central, month=MARCH)
    late = docs.document_create(
        actor=keeper,
        doc_type=DocumentType.ISSUE,
        warehouse=central,
        issue_kind=IssueKind.USAGE,
        lines=[docs.LineInput(item_id=item.pk, quantity=1, lot_id=history["b1"].pk)],
    )
    docs.document_submit(actor=keeper, document=late)
    before = state()
    with pytest.raises(PeriodClosed) as refused:
        docs.document_post(actor=keeper, document=late, posted_at=local(2026, 3, 31, 18))
    assert refused.value.field == "posted_at"
    with pytest.raises(PeriodClosed):  # an earlier month is covered by the later close too
        docs.document_post(actor=keeper, document=late, posted_at=local(2026, 2, 10))
    assert state() == before
    assert StockDocument.objects.get(pk=late.pk).status == DocumentStatus.SUBMITTED

    march = MonthClose.objects.get(warehouse=central, month=MARCH)
    reopened = svc.reopen_month(actor=closer, close=march, reason="补录3月31日漏记领用")
    assert (reopened.status, reopened.closing_value, reopened.lines.count()) == (
        "reopened",
        Decimal("0.00"),
        0,
    )
    docs.document_post(actor=keeper, document=late, posted_at=local(2026, 3, 31, 18))
    again = svc.close_month(actor=closer, warehouse=central, month=MARCH)
    assert again.pk == march.pk
    assert (again.status, again.closing_value) == ("closed", Decimal("222.50"))
    assert lines_of(again) == [
        ("B1", Decimal("16.000"), Decimal("160.00")),
        ("B2", Decimal("5.000"), Decimal("62.50")),
    ]
    event = AuditEvent.objects.get(
        object_type="inventory.monthclose", object_id=str(march.pk), action="reopen"
    )
    assert event.changes == {
        "status": ["closed", "reopened"],
        "month": [None, "2026-03"],
        "closing_value": ["232.50", None],
        "lines": [2, 0],
        "reason": [None, "补录3月31日漏记领用"],
    }


@pytest.mark.req("INV-07", "INV-10")
def test_a_stocktake_cannot_post_into_a_closed_month(keeper, approver, closer, central, supplier, item):
    with time_machine.travel(local(2026, 3, 20, 9), tick=False):
        receive(keeper, central, supplier, [(item, 10, "10", "S1", datetime.date(2027, 6, 30))])
        stocktake = stocktakes.stocktake_start(actor=keeper, warehouse=central)
        line = stocktake.lines.get()
        stocktakes.stocktake_count(actor=keeper, stocktake=stocktake, counts=[(line.pk, "9")])
        stocktakes.stocktake_submit(actor=keeper, stocktake=stocktake)
    svc.close_month(actor=closer, warehouse=central, month=MARCH)
    before = state()
    with pytest.raises(PeriodClosed):
        stocktakes.stocktake_approve(actor=approver, stocktake=stocktake, posted_at=local(2026, 3, 31, 17))
    assert state() == before
    march = MonthClose.objects.get(warehouse=central, month=MARCH)
    svc.reopen_month(actor=closer, close=march, reason="盘点差异计入3月")
    stocktakes.stocktake_approve(actor=approver, stocktake=stocktake, posted_at=local(2026, 3, 31, 17))
    loss = StockMove.objects.get(document_type="stocktake", document_id=stocktake.pk)
    assert (loss.quantity, loss.move_type, loss.posted_at) == (
        Decimal("-1.000"),
        MoveType.STOCKTAKE_LOSS,
        local(2026, 3, 31, 17),
    )
    assert svc.close_month(actor=closer, warehouse=central, month=MARCH).closing_value == Decimal("90.00")


# --- reopening -------------------------------------------------------------------------------------


@pytest.mark.req("INV-10")
def test_only_the_latest_closed_month_reopens_with_a_reason_and_permission(
    closer, keeper, east_keeper, dept_keeper, central, history
):
    march = svc.close_month(actor=closer, warehouse=central, month=MARCH)
    april = svc.close_month(actor=closer, warehouse=central, month=APRIL)
    before = state()
    with pytest.raises(IllegalTransition) as refused:
        svc.reopen_month(actor=closer, close=march, reason="x")
    assert refused.value.message == gettext(
        "Only the latest closed month (%(latest)s) of %(warehouse)s can be reopened."
    ) % {"latest": "2026-04", "warehouse": "中心库"}
    for reason in ("", "   ", "长" * 501):
        with pytest.raises(ValidationError) as refused:
            svc.reopen_month(actor=closer, close=april, reason=reason)
        assert refused.value.field == "reason"
    no_reopen = scoped_user("closeonly", central.branch, CLOSER_PERMS[:-1])
    with pytest.raises(PermissionDenied):
        svc.reopen_month(actor=no_reopen, close=april, reason="x")
    with pytest.raises(PermissionDenied):
        svc.reopen_month(actor=keeper, close=april, reason="x")
    for outsider in (east_keeper, dept_keeper):
        with pytest.raises(NotFound):
            svc.reopen_month(actor=outsider, close=april, reason="x")
    with pytest.raises(NotFound):
        svc.reopen_month(actor=closer, close=-1, reason="x")
    assert state() == before
    svc.reopen_month(actor=closer, close=april, reason="四月账务调整")
    with pytest.raises(IllegalTransition):
        svc.reopen_month(actor=closer, close=april, reason="again")
    # April reopened: March is now the latest closed month, and closing May waits for April
    with time_machine.travel(local(2026, 6, 2), tick=False), pytest.raises(ValidationError):
        svc.close_month(actor=closer, warehouse=central, month=MAY)
    svc.reopen_month(actor=closer, close=march, reason="三月账务调整")
    assert list(MonthClose.objects.order_by("month").values_list("status", flat=True)) == [
        "reopened",
        "reopened",
    ]


# --- stock as of a moment --------------------------------------------------------------------------


@pytest.mark.req("INV-10")
def test_as_of_is_the_last_close_plus_the_moves_since(closer, central, history):
    b1, b2, gauze = history["b1"], history["b2"], history["gauze"]
    key = lambda lot: (lot.item_id, lot.pk, None)  # noqa: E731

    def as_of(moment):
        return sel.quantities_as_of(warehouse_id=central.pk, at=moment)

    expected = {
        local(2026, 3, 10, 11): {},
        local(2026, 3, 15): {key(b1): Decimal("20.000"), key(b2): Decimal("5.000")},
        local(2026, 4, 10): {
            key(b1): Decimal("17.000"),
            key(b2): Decimal("3.000"),
            key(gauze): Decimal("8.000"),
        },
        NOW: {key(b1): Decimal("16.000"), key(b2): Decimal("3.000"), key(gauze): Decimal("8.000")},
    }
    for moment, quantities in expected.items():
        assert as_of(moment) == quantities, moment
    assert as_of(NOW) == balances_now(central)
    svc.close_month(actor=closer, warehouse=central, month=MARCH)
    svc.close_month(actor=closer, warehouse=central, month=APRIL)
    for moment, quantities in expected.items():
        assert as_of(moment) == quantities, moment
    assert as_of(NOW) == balances_now(central)
    # the close's lines are what as-of uses: a close whose lines were tampered with shows through
    april = MonthClose.objects.get(month=APRIL)
    april.lines.filter(lot=gauze).update(quantity=Decimal("7"))
    assert as_of(NOW)[key(gauze)] == Decimal("7.000")
    assert as_of(local(2026, 4, 30, 23, 59))[key(gauze)] == Decimal(
        "8.000"
    )  # before April's end: March + moves


@pytest.mark.req("INV-10", "PLT-05")
def test_balances_as_of_rows_values_and_scope(closer, keeper, east_keeper, dept_keeper, central, history):
    svc.close_month(actor=closer, warehouse=central, month=MARCH)
    result = sel.balances_as_of(keeper, warehouse_id=central.pk, at=local(2026, 4, 10))
    assert [
        (row.lot.batch_no, row.item.code, row.quantity, row.unit_cost, row.value) for row in result.rows
    ] == [
        ("B1", "HA01", Decimal("17.000"), Decimal("10.0000"), Decimal("170.00")),
        ("B2", "HA01", Decimal("3.000"), Decimal("12.5000"), Decimal("37.50")),
        ("", "SB01", Decimal("8.000"), Decimal("2.3000"), Decimal("18.40")),
    ]
    assert (result.total_value, result.total_quantity) == (Decimal("225.90"), Decimal("28.000"))
    for outsider in (east_keeper, dept_keeper):
        with pytest.raises(NotFound):
            sel.balances_as_of(outsider, warehouse_id=central.pk, at=NOW)
    with pytest.raises(ValidationError):
        sel.balances_as_of(keeper, warehouse_id=central.pk, at=datetime.datetime(2026, 4, 10))  # noqa: DTZ001


@pytest.mark.req("INV-10")
def test_consigned_stock_is_its_own_row(closer, keeper, central, item, supplier):
    lot = Lot.objects.create(
        item=item, batch_no="C1", unit_cost=Decimal("3.3333"), expiry_date=datetime.date(2027, 1, 1)
    )
    with transaction.atomic():
        post_moves(
            actor=keeper,
            moves=[
                MoveInput(
                    warehouse=central, lot=lot, quantity=Decimal("3"), move_type=MoveType.OTHER_INBOUND
                ),
                MoveInput(
                    warehouse=central,
                    lot=lot,
                    quantity=Decimal("2"),
                    move_type=MoveType.OTHER_INBOUND,
                    owner_id=supplier.pk,
                ),
            ],
            document=DocumentRef("test", 1, "T-1"),
            posted_at=local(2026, 3, 5),
        )
    march = svc.close_month(actor=closer, warehouse=central, month=MARCH)
    assert sorted((line.owner_id or 0, line.quantity, line.value) for line in march.lines.all()) == [
        (0, Decimal("3.000"), Decimal("10.00")),
        (supplier.pk, Decimal("2.000"), Decimal("6.67")),
    ]
    assert march.closing_value == Decimal("16.67")


# --- concurrency -----------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (real row locks)")
@pytest.mark.req("INV-10")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_closing_the_same_month_at_once_close_it_once():
    branch = BranchFactory()
    actor = scoped_user("racecloser", branch, CLOSER_PERMS)
    warehouse = WarehouseFactory(branch=branch)
    item = ItemFactory(organisation=branch.organisation)
    lot = Lot.objects.create(item=item, batch_no="R1", unit_cost=Decimal("2.5000"))
    today = timezone.localdate()
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    moment = datetime.datetime.combine(month, datetime.time(12), tzinfo=datetime.UTC)
    with transaction.atomic():
        post_moves(
            actor=actor,
            moves=[
                MoveInput(
                    warehouse=warehouse, lot=lot, quantity=Decimal("4"), move_type=MoveType.OTHER_INBOUND
                )
            ],
            document=DocumentRef("test", 1, "T-1"),
            posted_at=moment,
        )
    start = threading.Barrier(2)
    results: list[str] = []

    def work() -> None:
        try:
            start.wait()
            svc.close_month(actor=actor, warehouse=warehouse.pk, month=month)
            results.append("closed")
        except Conflict:
            results.append("refused")
        except BaseException as exc:  # reported by the assertion below
            results.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["closed", "refused"]
    close = MonthClose.objects.get(warehouse=warehouse)
    assert (close.month, close.closing_value, close.lines.count()) == (month, Decimal("10.00"), 1)
    assert AuditEvent.objects.filter(object_type="inventory.monthclose", action="close").count() == 1
