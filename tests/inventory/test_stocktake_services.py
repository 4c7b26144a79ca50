"""The stocktake services (INV-07): the snapshot, typed and scanned counts, submitting, approval by
someone other than the counter with the gains and losses posted through the ledger, cancelling;
every refusal leaves everything as it was."""

# ruff: noqa: F811  (the fixtures imported from test_stocktake_support are parameters here)
from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from medspa.audit.models import AuditEvent
from medspa.core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationError
from medspa.inventory import stocktake_services as svc
from medspa.inventory.choices import MoveType, StocktakeStatus
from medspa.inventory.ledger import InsufficientStock, verify
from medspa.inventory.models import Lot, Serial, StockBalance, StockMove, Stocktake, StocktakeLine
from tests.inventory.factories import (
    ItemBarcodeFactory,
    ItemCategoryFactory,
    ItemFactory,
    SerialItemFactory,
)
from tests.inventory.support import STOREKEEPER_PERMS, scoped_user
from tests.inventory.test_stocktake_support import (  # noqa: F401  (fixtures)
    APPROVER_PERMS,
    approver,
    central,
    department,
    dept_keeper,
    dept_wh,
    east_keeper,
    gauze,
    in_days,
    issue,
    item,
    keeper,
    receive,
    state,
    stocked,
    supplier,
)

pytestmark = pytest.mark.django_db

BOX_GS1 = "(01)16901234567899(17){expiry}(10){batch}"
UNIT_GS1 = "(01)06901234567892(17){expiry}(10){batch}"


def gs1(template, lot):
    return template.format(expiry=f"{lot.expiry_date:%y%m%d}", batch=lot.batch_no)


def lines_of(stocktake):
    return [
        (line.item.code, line.lot.batch_no, line.book_quantity, line.counted_quantity)
        for line in stocktake.lines.select_related("item", "lot").order_by("pk")
    ]


def balance(lot):
    return StockBalance.objects.get(lot=lot).quantity


def counted(stocktake, lot):
    return StocktakeLine.objects.get(stocktake=stocktake, lot=lot).counted_quantity


def actions(stocktake):
    return list(
        AuditEvent.objects.filter(
            module="inventory", object_type="inventory.stocktake", object_id=str(stocktake.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


def audit_event(stocktake, action):
    return AuditEvent.objects.get(
        module="inventory", object_type="inventory.stocktake", object_id=str(stocktake.pk), action=action
    )


# --- start -----------------------------------------------------------------------------------------


@pytest.mark.req("INV-07")
def test_start_snapshots_one_line_per_balance_on_hand(keeper, central, stocked, gauze):
    issue(keeper, central, gauze, 8)  # 纱布 is gone: its zero balance is no line
    stocktake = svc.stocktake_start(actor=keeper, warehouse=central, note=" 年中盘点 ")
    today = timezone.localdate()
    assert stocktake.number == f"PD-{today:%Y%m%d}-0001"
    assert (stocktake.status, stocktake.note, stocktake.branch_id) == (
        "counting",
        "年中盘点",
        central.branch_id,
    )
    assert lines_of(stocktake) == [
        ("HA01", "B1", Decimal("20.000"), None),
        ("HA01", "B2", Decimal("5.000"), None),
    ]
    event = audit_event(stocktake, "create")
    assert event.changes["lines"] == [None, 2]
    assert event.changes["warehouse"] == [None, central.pk]


@pytest.mark.req("INV-07")
def test_start_limited_to_a_category_subtree(keeper, central, supplier, stocked, item, branch):
    child = ItemCategoryFactory(organisation=branch.organisation, parent=item.category, name="注射剂")
    filler = ItemFactory(organisation=branch.organisation, code="HA02", category=child)
    receive(keeper, central, supplier, [(filler, 3, "7", "F1", in_days(200))])
    stocktake = svc.stocktake_start(actor=keeper, warehouse=central, category_id=item.category_id)
    assert [(code, batch) for code, batch, _b, _c in lines_of(stocktake)] == [
        ("HA01", "B1"),
        ("HA01", "B2"),
        ("HA02", "F1"),
    ]
    assert Stocktake.objects.get(pk=stocktake.pk).category_id == item.category_id


@pytest.mark.req("INV-07")
def test_only_the_subtree_of_the_chosen_category(keeper, central, supplier, stocked, item, branch):
    child = ItemCategoryFactory(organisation=branch.organisation, parent=item.category, name="注射剂")
    filler = ItemFactory(organisation=branch.organisation, code="HA02", category=child)
    receive(keeper, central, supplier, [(filler, 3, "7", "F1", in_days(200))])
    stocktake = svc.stocktake_start(actor=keeper, warehouse=central, category_id=child.pk)
    assert lines_of(stocktake) == [("HA02", "F1", Decimal("3.000"), None)]


@pytest.mark.req("INV-07")
def test_one_open_stocktake_per_warehouse(keeper, approver, central, stocked):
    first = svc.stocktake_start(actor=keeper, warehouse=central)
    before = state()
    with pytest.raises(Conflict) as refused:
        svc.stocktake_start(actor=approver, warehouse=central)
    assert refused.value.message == gettext(
        "%(warehouse)s already has stocktake %(number)s (%(status)s); finish or cancel it "
        "before starting another."
    ) % {"warehouse": "中心库", "number": first.number, "status": StocktakeStatus.COUNTING.label}
    assert refused.value.field == "warehouse"
    assert state() == before
    svc.stocktake_submit(actor=keeper, stocktake=first, uncounted_as_zero=True)
    with pytest.raises(Conflict):
        svc.stocktake_start(actor=approver, warehouse=central)
    svc.stocktake_cancel(actor=keeper, stocktake=first)
    second = svc.stocktake_start(actor=approver, warehouse=central)
    assert second.number.endswith("-0002")


@pytest.mark.req("INV-07")
def test_start_refusals_write_nothing(branch, keeper, central, dept_wh, dept_keeper, east_keeper, stocked):
    before = state()
    plain = scoped_user("viewer", branch, [p for p in STOREKEEPER_PERMS if p != "inventory.add_stocktake"])
    with pytest.raises(PermissionDenied):
        svc.stocktake_start(actor=plain, warehouse=central)
    with pytest.raises(ValidationError) as refused:
        svc.stocktake_start(actor=east_keeper, warehouse=central)  # another branch
    assert (refused.value.field, refused.value.message) == (
        "warehouse",
        gettext("The warehouse was not found or is not active."),
    )
    with pytest.raises(ValidationError):
        svc.stocktake_start(actor=dept_keeper, warehouse=central)  # not her department
    with pytest.raises(ValidationError) as refused:
        svc.stocktake_start(actor=keeper, warehouse=central, category_id=-1)
    assert refused.value.field == "category"
    with pytest.raises(ValidationError) as refused:
        svc.stocktake_start(actor=keeper, warehouse=central, note="长" * 501)
    assert refused.value.field == "note"
    with pytest.raises(ValidationError) as refused:
        svc.stocktake_start(actor=keeper, warehouse=None)  # type: ignore[arg-type]
    assert refused.value.field == "warehouse"
    assert state() == before
    mine = svc.stocktake_start(actor=dept_keeper, warehouse=dept_wh)
    assert (mine.warehouse_id, mine.lines.count()) == (dept_wh.pk, 0)


# --- typed counts ----------------------------------------------------------------------------------


@pytest.fixture
def counting(keeper, central, stocked):
    stocktake = svc.stocktake_start(actor=keeper, warehouse=central)
    lines = {line.lot.batch_no or "gauze": line for line in stocktake.lines.select_related("lot")}
    return stocktake, lines


@pytest.mark.req("INV-07")
def test_typed_counts_are_stored_exactly(keeper, counting):
    stocktake, lines = counting
    svc.stocktake_count(
        actor=keeper,
        stocktake=stocktake,
        counts=[(lines["B1"].pk, "18"), (lines["B2"].pk, Decimal("5.5")), (lines["gauze"].pk, 0)],
    )
    assert lines_of(stocktake) == [
        ("HA01", "B1", Decimal("20.000"), Decimal("18.000")),
        ("HA01", "B2", Decimal("5.000"), Decimal("5.500")),
        ("SB01", "", Decimal("8.000"), Decimal("0.000")),
    ]
    event = audit_event(stocktake, "count")
    assert event.changes["counted_quantity"] == [
        {str(lines["B1"].pk): None, str(lines["B2"].pk): None, str(lines["gauze"].pk): None},
        {str(lines["B1"].pk): "18.000", str(lines["B2"].pk): "5.500", str(lines["gauze"].pk): "0.000"},
    ]
    # clearing a count, and an unchanged count writes nothing
    svc.stocktake_count(actor=keeper, stocktake=stocktake.pk, counts=[(lines["B2"].pk, None)])
    assert counted(stocktake, lines["B2"].lot) is None
    before = state()
    svc.stocktake_count(actor=keeper, stocktake=stocktake.pk, counts=[(lines["B1"].pk, "18.000")])
    assert state() == before


@pytest.mark.req("INV-07")
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "The quantity must be greater than zero."),
        ("1.2345", "A quantity has at most three decimal places."),
        ("abc", "Enter a number, for example 10 or 2.5."),
    ],
)
def test_bad_counts_are_refused_and_nothing_is_written(keeper, counting, value, message):
    stocktake, lines = counting
    before = state()
    with pytest.raises(ValidationError) as refused:
        svc.stocktake_count(
            actor=keeper, stocktake=stocktake, counts=[(lines["B2"].pk, "3"), (lines["B1"].pk, value)]
        )
    assert refused.value.field == f"counts.{lines['B1'].pk}"
    assert refused.value.message == gettext(message)
    assert state() == before


@pytest.mark.req("INV-07")
def test_count_refusals(keeper, east_keeper, counting):
    stocktake, lines = counting
    before = state()
    with pytest.raises(ValidationError) as refused:
        svc.stocktake_count(actor=keeper, stocktake=stocktake, counts=[(-1, "1")])
    assert refused.value.field == "counts.-1"
    with pytest.raises(ValidationError) as refused:
        svc.stocktake_count(
            actor=keeper, stocktake=stocktake, counts=[(lines["B1"].pk, 1), (lines["B1"].pk, 2)]
        )
    assert refused.value.field == "counts"
    with pytest.raises(ValidationError):
        svc.stocktake_count(actor=keeper, stocktake=stocktake, counts=[])
    with pytest.raises(NotFound):
        svc.stocktake_count(actor=east_keeper, stocktake=stocktake, counts=[(lines["B1"].pk, 1)])
    assert state() == before
    svc.stocktake_submit(actor=keeper, stocktake=stocktake, uncounted_as_zero=True)
    before = state()
    with pytest.raises(IllegalTransition):
        svc.stocktake_count(actor=keeper, stocktake=stocktake, counts=[(lines["B1"].pk, 1)])
    assert state() == before


# --- scanned counts --------------------------------------------------------------------------------


@pytest.mark.req("INV-07")
def test_scans_add_the_pack_factor_to_the_line_of_the_batch(keeper, counting, stocked):
    stocktake, lines = counting
    b1, b2 = stocked["b1"], stocked["b2"]
    line = svc.stocktake_scan(actor=keeper, stocktake=stocktake, code=gs1(BOX_GS1, b1))
    assert (line.pk, line.counted_quantity) == (lines["B1"].pk, Decimal("10.000"))
    svc.stocktake_scan(actor=keeper, stocktake=stocktake, code=gs1(UNIT_GS1, b1), quantity="3")
    svc.stocktake_scan(actor=keeper, stocktake=stocktake, code=gs1(BOX_GS1, b2), quantity=1)
    assert counted(stocktake, b1) == Decimal("13.000")
    assert counted(stocktake, b2) == Decimal("10.000")
    # an item that is not lot tracked is found by its item code
    svc.stocktake_scan(actor=keeper, stocktake=stocktake, code="SB01", quantity="8")
    assert counted(stocktake, stocked["gauze"]) == Decimal("8.000")
    assert actions(stocktake) == ["create", "scan", "scan", "scan", "scan"]
    assert StocktakeLine.objects.filter(stocktake=stocktake).count() == 3


@pytest.mark.req("INV-07")
def test_a_lot_on_the_shelf_but_not_in_the_book_gets_a_line_with_book_zero(
    keeper, central, supplier, item, stocked
):
    receive(keeper, central, supplier, [(item, 2, "11", "B3", in_days(500))])
    b3 = Lot.objects.get(item=item, batch_no="B3")
    issue(keeper, central, item, 2, lot=b3)  # the book says none is left
    stocktake = svc.stocktake_start(actor=keeper, warehouse=central)
    assert StocktakeLine.objects.filter(stocktake=stocktake, lot=b3).count() == 0
    line = svc.stocktake_scan(actor=keeper, stocktake=stocktake, code=gs1(UNIT_GS1, b3))
    assert (line.lot_id, line.book_quantity, line.counted_quantity, line.bin_id, line.owner_id) == (
        b3.pk,
        Decimal("0"),
        Decimal("1"),
        None,
        None,
    )
    svc.stocktake_scan(actor=keeper, stocktake=stocktake, code=gs1(UNIT_GS1, b3))
    assert counted(stocktake, b3) == Decimal("2.000")


@pytest.mark.req("INV-07")
@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("06901234567885", "06901234567885"),  # a valid GTIN nobody has
        ("NOPE-1", "NOPE-1"),  # an unknown code
        ("(01)06901234567892(17)271231(10)ZZ9", "ZZ9"),  # a batch never received
        ("06901234567892", "UDI"),  # lot tracked, two batches in the book, no batch in the code
        ("(01)06901234567892(17)200101(10)B1", "2020-01-01"),  # the code's expiry is not the lot's
        ("", ""),
    ],
)
def test_bad_scans_are_refused_with_a_clear_message(keeper, counting, code, fragment):
    stocktake, _lines = counting
    before = state()
    with pytest.raises(ValidationError) as refused:
        svc.stocktake_scan(actor=keeper, stocktake=stocktake, code=code)
    assert refused.value.field == "code"
    assert fragment in refused.value.message
    assert state() == before


@pytest.mark.req("INV-07")
def test_scan_quantity_must_be_positive(keeper, counting, stocked):
    stocktake, _lines = counting
    before = state()
    for bad in ("0", "-2", "x"):
        with pytest.raises(ValidationError) as refused:
            svc.stocktake_scan(
                actor=keeper, stocktake=stocktake, code=gs1(UNIT_GS1, stocked["b1"]), quantity=bad
            )
        assert refused.value.field == "quantity"
    assert state() == before


@pytest.mark.req("INV-07")
def test_serial_tracked_scans_count_one_per_serial(keeper, central, supplier, branch):
    implant = SerialItemFactory(organisation=branch.organisation, code="ZR01", name="假体")
    barcode = ItemBarcodeFactory(item=implant)
    doc_lines = []
    from medspa.inventory import document_services as docs
    from medspa.inventory.choices import DocumentType

    for serial in ("SN1", "SN2"):
        doc_lines.append(
            docs.LineInput(
                item_id=implant.pk,
                quantity=1,
                unit_price="5000",
                batch_no="Z1",
                expiry_date=in_days(700),
                serial_no=serial,
            )
        )
    doc = docs.document_create(
        actor=keeper, doc_type=DocumentType.RECEIPT, warehouse=central, supplier=supplier, lines=doc_lines
    )
    docs.document_submit(actor=keeper, document=doc)
    docs.document_post(actor=keeper, document=doc)
    stocktake = svc.stocktake_start(actor=keeper, warehouse=central)
    lot = Lot.objects.get(item=implant)
    line = svc.stocktake_scan(
        actor=keeper, stocktake=stocktake, code=f"(01){barcode.code}(21)SN1", quantity=5
    )
    assert (line.lot_id, line.counted_quantity) == (lot.pk, Decimal("1.000"))
    before = state()
    with pytest.raises(ValidationError) as refused:
        svc.stocktake_scan(actor=keeper, stocktake=stocktake, code=f"(01){barcode.code}(21)SN9")
    assert "SN9" in refused.value.message
    with pytest.raises(ValidationError) as refused:
        svc.stocktake_scan(actor=keeper, stocktake=stocktake, code=f"(01){barcode.code}(10)Z1")
    assert refused.value.field == "code"
    with pytest.raises(ValidationError) as refused:  # typed counts of serial items are whole units
        svc.stocktake_count(actor=keeper, stocktake=stocktake, counts=[(line.pk, "1.5")])
    assert refused.value.field == f"counts.{line.pk}"
    assert state() == before
    # a serial-level difference is not posted as a bulk gain or loss
    svc.stocktake_submit(actor=keeper, stocktake=stocktake, uncounted_as_zero=True)
    approver = scoped_user("approver", branch, APPROVER_PERMS)
    before = state()
    with pytest.raises(ValidationError) as refused:
        svc.stocktake_approve(actor=approver, stocktake=stocktake)
    assert "-1" in refused.value.message
    assert state() == before
    assert Serial.objects.filter(warehouse=central).count() == 2


# --- submit, approve, cancel -----------------------------------------------------------------------


@pytest.mark.req("INV-07")
def test_submit_refuses_uncounted_lines_unless_confirmed(keeper, counting):
    stocktake, lines = counting
    svc.stocktake_count(actor=keeper, stocktake=stocktake, counts=[(lines["B1"].pk, "20")])
    before = state()
    with pytest.raises(ValidationError) as refused:
        svc.stocktake_submit(actor=keeper, stocktake=stocktake)
    assert refused.value.field == "uncounted_as_zero"
    assert refused.value.message == ngettext(
        "%(n)s line is not counted yet: count it, or confirm that uncounted lines count as zero.",
        "%(n)s lines are not counted yet: count them, or confirm that uncounted lines count as zero.",
        2,
    ) % {"n": 2}
    assert state() == before
    done = svc.stocktake_submit(actor=keeper, stocktake=stocktake, uncounted_as_zero=True)
    assert (done.status, done.submitted_by_id) == ("submitted", keeper.pk)
    assert done.submitted_at is not None
    assert [c for _i, _b, _book, c in lines_of(stocktake)] == [
        Decimal("20.000"),
        Decimal("0.000"),
        Decimal("0.000"),
    ]
    event = audit_event(stocktake, "submit")
    assert event.changes == {"status": ["counting", "submitted"], "uncounted_as_zero": [None, 2]}


@pytest.fixture
def submitted(keeper, counting):
    """B1 counted 18 (book 20), B2 counted 6 (book 5), 纱布 counted 8 (book 8)."""
    stocktake, lines = counting
    svc.stocktake_count(
        actor=keeper,
        stocktake=stocktake,
        counts=[(lines["B1"].pk, "18"), (lines["B2"].pk, "6"), (lines["gauze"].pk, "8")],
    )
    svc.stocktake_submit(actor=keeper, stocktake=stocktake)
    return stocktake


@pytest.mark.req("INV-07")
def test_the_counter_cannot_approve_her_own_stocktake(branch, submitted):
    counter_with_approval = scoped_user("both", branch, APPROVER_PERMS)
    svc.stocktake_cancel(actor=counter_with_approval, stocktake=submitted)
    stocktake = svc.stocktake_start(actor=counter_with_approval, warehouse=submitted.warehouse)
    svc.stocktake_submit(actor=counter_with_approval, stocktake=stocktake, uncounted_as_zero=True)
    before = state()
    with pytest.raises(svc.SelfApproval) as refused:
        svc.stocktake_approve(actor=counter_with_approval, stocktake=stocktake)
    assert stocktake.number in refused.value.message
    assert refused.value.status == 403
    assert state() == before


@pytest.mark.req("INV-07", "INV-10")
def test_approval_posts_gains_and_losses_at_lot_cost(approver, submitted, stocked):
    b1, b2, gauze = stocked["b1"], stocked["b2"], stocked["gauze"]
    done = svc.stocktake_approve(actor=approver, stocktake=submitted)
    assert (done.status, done.approved_by_id) == (StocktakeStatus.POSTED, approver.pk)
    moves = list(
        StockMove.objects.filter(document_type="stocktake", document_id=submitted.pk)
        .order_by("pk")
        .values_list("lot_id", "quantity", "unit_cost", "move_type", "document_number")
    )
    assert moves == [
        (b1.pk, Decimal("-2.000"), Decimal("10.0000"), MoveType.STOCKTAKE_LOSS, submitted.number),
        (b2.pk, Decimal("1.000"), Decimal("12.5000"), MoveType.STOCKTAKE_GAIN, submitted.number),
    ]
    assert (balance(b1), balance(b2), balance(gauze)) == (
        Decimal("18.000"),
        Decimal("6.000"),
        Decimal("8.000"),
    )
    assert verify() == []
    event = audit_event(submitted, "approve")
    assert (event.changes["moves"], event.changes["gain_value"], event.changes["loss_value"]) == (
        [None, 2],
        [None, "12.50"],
        [None, "-20.00"],
    )
    assert actions(submitted) == ["create", "count", "submit", "approve"]


@pytest.mark.req("INV-07")
def test_approval_without_differences_posts_nothing(keeper, approver, counting):
    stocktake, lines = counting
    svc.stocktake_count(
        actor=keeper,
        stocktake=stocktake,
        counts=[(lines["B1"].pk, "20"), (lines["B2"].pk, "5"), (lines["gauze"].pk, "8")],
    )
    svc.stocktake_submit(actor=keeper, stocktake=stocktake)
    moves = StockMove.objects.count()
    assert svc.stocktake_approve(actor=approver, stocktake=stocktake).status == "posted"
    assert StockMove.objects.count() == moves


@pytest.mark.req("INV-07", "INV-10")
def test_a_loss_beyond_what_is_left_now_is_refused_and_nothing_posted(
    keeper, approver, central, item, submitted, stocked
):
    issue(keeper, central, item, 19, lot=stocked["b1"])  # after the snapshot: 1 of B1 left
    before = state()
    with pytest.raises(InsufficientStock):
        svc.stocktake_approve(actor=approver, stocktake=submitted)
    assert state() == before
    assert Stocktake.objects.get(pk=submitted.pk).status == "submitted"


@pytest.mark.req("INV-07")
def test_approve_refusals(keeper, approver, east_keeper, dept_keeper, submitted):
    before = state()
    with pytest.raises(PermissionDenied):
        svc.stocktake_approve(actor=keeper, stocktake=submitted)  # no approval permission
    with pytest.raises(NotFound):
        svc.stocktake_approve(actor=east_keeper, stocktake=submitted)
    with pytest.raises(NotFound):
        svc.stocktake_approve(actor=dept_keeper, stocktake=submitted)
    with pytest.raises(ValidationError) as refused:
        svc.stocktake_approve(
            actor=approver, stocktake=submitted, posted_at=timezone.now() + timezone.timedelta(days=1)
        )
    assert refused.value.field == "posted_at"
    with pytest.raises(ValidationError) as refused:
        svc.stocktake_approve(
            actor=approver, stocktake=submitted, posted_at=submitted.snapshot_at - timezone.timedelta(hours=1)
        )
    assert refused.value.field == "posted_at"
    assert state() == before
    svc.stocktake_approve(actor=approver, stocktake=submitted)
    before = state()
    with pytest.raises(IllegalTransition):
        svc.stocktake_approve(actor=approver, stocktake=submitted)
    with pytest.raises(IllegalTransition):
        svc.stocktake_cancel(actor=keeper, stocktake=submitted)
    assert state() == before


@pytest.mark.req("INV-07")
def test_cancel_from_counting_and_from_submitted(keeper, central, counting):
    stocktake, _lines = counting
    assert svc.stocktake_cancel(actor=keeper, stocktake=stocktake).status == "cancelled"
    with pytest.raises(IllegalTransition):
        svc.stocktake_cancel(actor=keeper, stocktake=stocktake)
    second = svc.stocktake_start(actor=keeper, warehouse=central)
    svc.stocktake_submit(actor=keeper, stocktake=second, uncounted_as_zero=True)
    assert svc.stocktake_cancel(actor=keeper, stocktake=second).status == "cancelled"
    assert actions(second) == ["create", "submit", "cancel"]


@pytest.mark.req("INV-07", "PLT-05")
def test_other_branch_and_department_cannot_touch_the_stocktake(east_keeper, dept_keeper, counting):
    stocktake, _lines = counting
    before = state()
    for actor in (east_keeper, dept_keeper):
        with pytest.raises(NotFound):
            svc.stocktake_scan(actor=actor, stocktake=stocktake, code="SB01")
        with pytest.raises(NotFound):
            svc.stocktake_submit(actor=actor, stocktake=stocktake, uncounted_as_zero=True)
        with pytest.raises(NotFound):
            svc.stocktake_cancel(actor=actor, stocktake=stocktake)
    assert state() == before
