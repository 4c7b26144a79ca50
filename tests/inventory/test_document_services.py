"""The stock document services (INV-03…06, INV-08, INV-10): receipt, other inbound, issue with
FEFO, transfer, unpacking, reversal, approval and the refusals that must post nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from medspa.configuration.services import parameter_set
from medspa.core.errors import IllegalTransition, PermissionDenied, ValidationError
from medspa.inventory import document_services as svc
from medspa.inventory.choices import CloseStatus, DocumentStatus, DocumentType, IssueKind, MoveType
from medspa.inventory.ledger import InsufficientStock, PeriodClosed, month_start, verify
from medspa.inventory.models import Lot, MonthClose, Serial, StockBalance, StockDocument, StockMove
from tests.factories import UserFactory
from tests.inventory.factories import (
    CertificateFactory,
    CompanyFactory,
    DepartmentWarehouseFactory,
    ItemFactory,
    SerialItemFactory,
    WarehouseFactory,
)
from tests.inventory.support import STOREKEEPER_PERMS, scoped_user
from tests.organization.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in their English source text (the catalog is checked elsewhere)."""
    with translation.override("en"):
        yield


PERMS = (*STOREKEEPER_PERMS, "inventory.approve_stockdocument")
TODAY = timezone.localdate


def _days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


@pytest.fixture
def keeper(branch):
    return scoped_user("keeper", branch, PERMS)


@pytest.fixture
def central(branch):
    return WarehouseFactory(branch=branch, name="中心库")


@pytest.fixture
def dept_wh(branch):
    return DepartmentWarehouseFactory(department=DepartmentFactory(branch=branch), name="注射科库")


@pytest.fixture
def supplier(branch):
    return CompanyFactory(organisation=branch.organisation, name="华东医药")


@pytest.fixture
def item(branch):
    return ItemFactory(organisation=branch.organisation, name="玻尿酸", pack_units=[("盒", 10)])


def _receive(actor, warehouse, supplier, lines, **extra):
    doc = svc.document_create(
        actor=actor,
        doc_type=DocumentType.RECEIPT,
        warehouse=warehouse,
        supplier=supplier,
        lines=lines,
        **extra,
    )
    svc.document_submit(actor=actor, document=doc)
    return svc.document_post(actor=actor, document=doc)


def _issue(actor, warehouse, lines, kind=IssueKind.USAGE, **extra):
    doc = svc.document_create(
        actor=actor, doc_type=DocumentType.ISSUE, warehouse=warehouse, issue_kind=kind, lines=lines, **extra
    )
    svc.document_submit(actor=actor, document=doc)
    return svc.document_post(actor=actor, document=doc)


def _on_hand(warehouse, item) -> Decimal:
    return sum((b.quantity for b in StockBalance.objects.filter(warehouse=warehouse, item=item)), Decimal(0))


@pytest.mark.req("INV-04")
def test_receipt_in_pack_units_creates_lot_at_unit_cost_and_posts(keeper, central, supplier, item):
    box = item.pack_units.get(name="盒")
    doc = _receive(
        keeper,
        central,
        supplier,
        [
            svc.LineInput(
                item_id=item.pk,
                quantity="2",
                pack_unit_id=box.pk,
                unit_price="150.00",
                batch_no="B1",
                expiry_date=_days(400),
            )
        ],
    )
    assert doc.status == DocumentStatus.POSTED
    assert doc.number == f"RK-{TODAY():%Y%m%d}-0001"
    lot = Lot.objects.get(item=item)
    assert (lot.batch_no, lot.unit_cost, lot.expiry_date, lot.supplier_id) == (
        "B1",
        Decimal("15.0000"),
        _days(400),
        supplier.pk,
    )
    move = StockMove.objects.get()
    assert (move.quantity, move.unit_cost, move.move_type, move.document_number) == (
        Decimal("20.000"),
        Decimal("15.0000"),
        MoveType.RECEIPT,
        doc.number,
    )
    assert _on_hand(central, item) == Decimal(20)
    line = doc.lines.get()
    assert (line.quantity, line.base_quantity, line.lot_id) == (Decimal(2), Decimal(20), lot.pk)
    assert verify() == []


@pytest.mark.req("INV-04")
def test_other_inbound_gift_defaults_to_purchase_price(keeper, central, item):
    doc = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.OTHER_INBOUND,
        warehouse=central,
        inbound_kind="gift",
        lines=[svc.LineInput(item_id=item.pk, quantity=3, batch_no="G1", expiry_date=_days(100))],
    )
    svc.document_submit(actor=keeper, document=doc)
    svc.document_post(actor=keeper, document=doc)
    assert StockMove.objects.get().move_type == MoveType.OTHER_INBOUND
    assert Lot.objects.get().unit_cost == Decimal("100.0000")
    assert doc.number.startswith("QR-")


@pytest.mark.req("INV-03")
def test_issue_takes_earliest_expiry_first_and_skips_expired(keeper, central, supplier, item):
    _receive(
        keeper,
        central,
        supplier,
        [
            svc.LineInput(
                item_id=item.pk, quantity=5, unit_price="10", batch_no="LATE", expiry_date=_days(300)
            ),
            svc.LineInput(
                item_id=item.pk, quantity=4, unit_price="10", batch_no="SOON", expiry_date=_days(30)
            ),
        ],
    )
    expired = Lot.objects.create(item=item, batch_no="OLD", expiry_date=_days(-1), unit_cost=Decimal(1))
    from django.db import transaction

    from medspa.inventory.ledger import DocumentRef, MoveInput, post_moves

    with transaction.atomic():
        post_moves(
            actor=keeper,
            moves=[MoveInput(central, expired, Decimal(7), MoveType.RECEIPT)],
            document=DocumentRef("test", 1, "T-1"),
        )
    doc = _issue(keeper, central, [svc.LineInput(item_id=item.pk, quantity=6)])
    lines = [(line.lot.batch_no, line.base_quantity) for line in doc.lines.select_related("lot")]
    assert lines == [("SOON", Decimal(4)), ("LATE", Decimal(2))]
    assert _on_hand(central, item) == Decimal(10)  # 3 LATE + 7 expired OLD
    with pytest.raises(ValidationError, match=r"lot OLD of .* expired on"):
        _issue(keeper, central, [svc.LineInput(item_id=item.pk, quantity=1, lot_id=expired.pk)])
    scrap = _issue(
        keeper, central, [svc.LineInput(item_id=item.pk, quantity=7, lot_id=expired.pk)], kind=IssueKind.SCRAP
    )
    assert StockMove.objects.filter(document_id=scrap.pk).get().move_type == MoveType.SCRAP
    assert verify() == []


@pytest.mark.req("INV-05")
def test_issue_more_than_on_hand_is_refused_and_posts_nothing(keeper, central, supplier, item):
    _receive(
        keeper,
        central,
        supplier,
        [svc.LineInput(item_id=item.pk, quantity=2, unit_price="1", batch_no="A", expiry_date=_days(90))],
    )
    with pytest.raises(InsufficientStock, match="2 支 usable, 3 支 requested"):
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.ISSUE,
            warehouse=central,
            issue_kind=IssueKind.USAGE,
            lines=[svc.LineInput(item_id=item.pk, quantity=3)],
        )
    lot = Lot.objects.get()
    doc = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.ISSUE,
        warehouse=central,
        issue_kind=IssueKind.USAGE,
        lines=[svc.LineInput(item_id=item.pk, quantity=2, lot_id=lot.pk)],
    )
    svc.document_submit(actor=keeper, document=doc)
    _issue(keeper, central, [svc.LineInput(item_id=item.pk, quantity=1, lot_id=lot.pk)])
    moves_before = StockMove.objects.count()
    with pytest.raises(InsufficientStock, match="has 1 支, 2 支 requested"):
        svc.document_post(actor=keeper, document=doc)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.SUBMITTED
    assert StockMove.objects.count() == moves_before
    assert _on_hand(central, item) == Decimal(1)


@pytest.mark.req("INV-05")
def test_issue_to_department_moves_stock_out_and_in(keeper, central, dept_wh, supplier, item):
    _receive(
        keeper,
        central,
        supplier,
        [svc.LineInput(item_id=item.pk, quantity=10, unit_price="2", batch_no="A", expiry_date=_days(90))],
    )
    doc = _issue(
        keeper,
        central,
        [svc.LineInput(item_id=item.pk, quantity=3)],
        kind=IssueKind.DEPARTMENT,
        to_warehouse=dept_wh,
    )
    assert doc.department_id == dept_wh.department_id
    assert sorted(StockMove.objects.filter(document_id=doc.pk).values_list("move_type", "quantity")) == [
        (MoveType.ISSUE_IN, Decimal(3)),
        (MoveType.ISSUE_OUT, Decimal(-3)),
    ]
    assert (_on_hand(central, item), _on_hand(dept_wh, item)) == (Decimal(7), Decimal(3))
    with pytest.raises(ValidationError, match="department warehouse"):
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.ISSUE,
            warehouse=dept_wh,
            issue_kind=IssueKind.DEPARTMENT,
            to_warehouse=WarehouseFactory(branch=central.branch),
            lines=[svc.LineInput(item_id=item.pk, quantity=1)],
        )


@pytest.mark.req("INV-06")
def test_transfer_posts_out_and_in_atomically(keeper, central, supplier, item, branch):
    other = WarehouseFactory(branch=branch, name="二号库")
    _receive(
        keeper,
        central,
        supplier,
        [svc.LineInput(item_id=item.pk, quantity=5, unit_price="2", batch_no="A", expiry_date=_days(90))],
    )
    doc = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.TRANSFER,
        warehouse=central,
        to_warehouse=other,
        lines=[svc.LineInput(item_id=item.pk, quantity=5)],
    )
    svc.document_submit(actor=keeper, document=doc)
    svc.document_post(actor=keeper, document=doc)
    assert (_on_hand(central, item), _on_hand(other, item)) == (Decimal(0), Decimal(5))
    with pytest.raises(ValidationError, match="must differ"):
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.TRANSFER,
            warehouse=other,
            to_warehouse=other,
            lines=[svc.LineInput(item_id=item.pk, quantity=1)],
        )


@pytest.mark.req("INV-08")
def test_unpacking_splits_the_box_cost_over_its_units(keeper, central, supplier, branch):
    vial = ItemFactory(organisation=branch.organisation, name="肉毒素 支", base_unit="支")
    box = ItemFactory(
        organisation=branch.organisation,
        name="肉毒素 盒",
        base_unit="盒",
        unpack_item=vial,
        unpack_quantity=Decimal(10),
    )
    _receive(
        keeper,
        central,
        supplier,
        [
            svc.LineInput(
                item_id=box.pk, quantity=1, unit_price="1500", batch_no="BT1", expiry_date=_days(200)
            )
        ],
    )
    doc = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.UNPACKING,
        warehouse=central,
        lines=[svc.LineInput(item_id=box.pk, quantity=1)],
    )
    svc.document_submit(actor=keeper, document=doc)
    svc.document_post(actor=keeper, document=doc)
    unit_lot = Lot.objects.get(item=vial)
    assert (unit_lot.batch_no, unit_lot.unit_cost, unit_lot.expiry_date) == (
        "BT1",
        Decimal("150.0000"),
        _days(200),
    )
    assert (_on_hand(central, box), _on_hand(central, vial)) == (Decimal(0), Decimal(10))
    with pytest.raises(ValidationError, match="no unpacking rule"):
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.UNPACKING,
            warehouse=central,
            lines=[svc.LineInput(item_id=vial.pk, quantity=1)],
        )


@pytest.mark.req("INV-04")
def test_expired_supplier_certificate_refuses_receipt_and_near_expiry_warns(keeper, central, item, branch):
    expired = CompanyFactory(
        organisation=branch.organisation,
        name="过期公司",
        certificates=[{"number": "LIC-OLD", "expires_on": _days(-1)}],
    )
    with pytest.raises(ValidationError, match="过期公司: the Business licence LIC-OLD expired on"):
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.RECEIPT,
            warehouse=central,
            supplier=expired,
            lines=[
                svc.LineInput(item_id=item.pk, quantity=1, unit_price="1", batch_no="A", expiry_date=_days(9))
            ],
        )
    assert StockDocument.objects.count() == 0
    soon = CompanyFactory(
        organisation=branch.organisation,
        name="将到期",
        certificates=[{"number": "LIC-S", "expires_on": _days(10)}],
    )
    assert svc.certificate_check(soon, on=TODAY()) == [
        f"将到期: the Business licence LIC-S expires on {_days(10):%Y-%m-%d}."
    ]
    CertificateFactory(company=soon, number="AUTH", is_required=False, expires_on=_days(-5))
    assert len(svc.certificate_check(soon, on=TODAY())) == 1


@pytest.mark.req("INV-03")
def test_serials_are_unique_per_item_and_move_with_stock(keeper, central, supplier, branch, dept_wh):
    implant = SerialItemFactory(organisation=branch.organisation)
    line = {
        "item_id": implant.pk,
        "quantity": 1,
        "unit_price": "5000",
        "batch_no": "S1",
        "expiry_date": _days(500),
    }
    _receive(
        keeper,
        central,
        supplier,
        [svc.LineInput(serial_no="SN1", **line), svc.LineInput(serial_no="SN2", **line)],
    )
    assert set(Serial.objects.values_list("serial_no", "warehouse_id")) == {
        ("SN1", central.pk),
        ("SN2", central.pk),
    }
    with pytest.raises(ValidationError, match=r"serial no SN1 of .* already exists"):
        _receive(keeper, central, supplier, [svc.LineInput(serial_no="SN1", **line)])
    assert StockMove.objects.count() == 2
    with pytest.raises(ValidationError, match="appears twice"):
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.RECEIPT,
            warehouse=central,
            supplier=supplier,
            lines=[svc.LineInput(serial_no="X", **line), svc.LineInput(serial_no="X", **line)],
        )
    _issue(
        keeper,
        central,
        [svc.LineInput(item_id=implant.pk, quantity=1, serial_no="SN2")],
        kind=IssueKind.DEPARTMENT,
        to_warehouse=dept_wh,
    )
    assert Serial.objects.get(serial_no="SN2").warehouse_id == dept_wh.pk
    with pytest.raises(ValidationError, match="SN2 is not in stock in 中心库"):
        _issue(keeper, central, [svc.LineInput(item_id=implant.pk, quantity=1, serial_no="SN2")])


@pytest.mark.req("INV-04")
@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"quantity": "0"}, "greater than zero"),
        ({"quantity": "-2"}, "greater than zero"),
        ({"quantity": "abc"}, "Enter a number"),
        ({"quantity": "1.0001"}, "three decimal places"),
        ({"quantity": "1e30"}, "too large"),
        ({"quantity": "1" * 26}, "too large"),
        ({"unit_price": "1e30"}, "twelve digits"),
        ({"pack_unit_id": -1}, "has no such unit"),
        ({"batch_no": ""}, "enter its batch no"),
        ({"expiry_date": None}, "enter its expiry date"),
        ({"expiry_date": datetime.date(2020, 1, 1)}, "cannot be received"),
        ({"unit_price": None}, "Enter the unit price"),
        ({"unit_price": "-1"}, "zero or more"),
        ({"serial_no": "X1"}, "not serial tracked"),
    ],
)
def test_bad_receipt_lines_get_a_clear_message_and_write_nothing(
    keeper, central, supplier, item, line, message
):
    values = {
        "item_id": item.pk,
        "quantity": 1,
        "unit_price": "1",
        "batch_no": "A",
        "expiry_date": _days(30),
    } | line
    with pytest.raises(ValidationError, match=message):
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.RECEIPT,
            warehouse=central,
            supplier=supplier,
            lines=[svc.LineInput(**values)],
        )
    assert (StockDocument.objects.count(), Lot.objects.count(), StockMove.objects.count()) == (0, 0, 0)


@pytest.mark.req("INV-10")
def test_reversal_posts_the_opposite_moves_and_is_refused_when_stock_moved_on(
    keeper, central, supplier, item
):
    receipt = _receive(
        keeper,
        central,
        supplier,
        [svc.LineInput(item_id=item.pk, quantity=4, unit_price="3", batch_no="A", expiry_date=_days(60))],
    )
    reversal = svc.document_reverse(actor=keeper, document=receipt, note="供应商发错货")
    receipt.refresh_from_db()
    assert (receipt.status, reversal.status, reversal.reverses_id) == (
        DocumentStatus.REVERSED,
        DocumentStatus.POSTED,
        receipt.pk,
    )
    assert StockMove.objects.get(document_id=reversal.pk).quantity == Decimal(-4)
    assert _on_hand(central, item) == 0
    with pytest.raises(IllegalTransition):
        svc.document_reverse(actor=keeper, document=receipt)
    second = _receive(
        keeper,
        central,
        supplier,
        [svc.LineInput(item_id=item.pk, quantity=4, unit_price="3", batch_no="A", expiry_date=_days(60))],
    )
    _issue(keeper, central, [svc.LineInput(item_id=item.pk, quantity=1)])
    with pytest.raises(InsufficientStock):
        svc.document_reverse(actor=keeper, document=second)
    second.refresh_from_db()
    assert second.status == DocumentStatus.POSTED
    assert verify() == []


@pytest.mark.req("INV-04")
def test_batch_keeps_its_expiry_and_a_new_price_is_a_new_cost_layer(keeper, central, supplier, item):
    base = {"item_id": item.pk, "quantity": 1, "batch_no": "A", "expiry_date": _days(60)}
    _receive(keeper, central, supplier, [svc.LineInput(unit_price="3", **base)])
    _receive(keeper, central, supplier, [svc.LineInput(unit_price="4", **base)])
    assert sorted(Lot.objects.values_list("batch_no", "unit_cost")) == [
        ("A", Decimal("3.0000")),
        ("A", Decimal("4.0000")),
    ]
    doc = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.RECEIPT,
        warehouse=central,
        supplier=supplier,
        lines=[svc.LineInput(unit_price="3", **(base | {"expiry_date": _days(61)}))],
    )
    svc.document_submit(actor=keeper, document=doc)
    with pytest.raises(ValidationError, match="batch A is already recorded with expiry"):
        svc.document_post(actor=keeper, document=doc)
    assert StockMove.objects.count() == 2


@pytest.mark.req("INV-04")
def test_approval_when_configured_and_illegal_transitions(keeper, central, supplier, item, branch):
    admin = scoped_user(
        "admin", branch, ["configuration.view_parametervalue", "configuration.change_parametervalue"]
    )
    unconfigured = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.RECEIPT,
        warehouse=central,
        supplier=supplier,
        lines=[
            svc.LineInput(item_id=item.pk, quantity=1, unit_price="1", batch_no="A", expiry_date=_days(9))
        ],
    )
    svc.document_submit(actor=keeper, document=unconfigured)
    with pytest.raises(IllegalTransition, match="need no approval"):
        svc.document_approve(
            actor=scoped_user("boss", branch, ["inventory.approve_stockdocument"]), document=unconfigured
        )
    svc.document_cancel(actor=keeper, document=unconfigured)
    parameter_set(actor=admin, key="inventory.approval_receipt", value=True)
    doc = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.RECEIPT,
        warehouse=central,
        supplier=supplier,
        lines=[
            svc.LineInput(item_id=item.pk, quantity=1, unit_price="1", batch_no="A", expiry_date=_days(9))
        ],
    )
    with pytest.raises(IllegalTransition):
        svc.document_post(actor=keeper, document=doc)
    svc.document_submit(actor=keeper, document=doc)
    with pytest.raises(IllegalTransition, match="Submitted"):
        svc.document_post(actor=keeper, document=doc)
    with pytest.raises(svc.SelfApproval, match="someone else must approve"):
        svc.document_approve(actor=keeper, document=doc)
    assert StockDocument.objects.get(pk=doc.pk).status == DocumentStatus.SUBMITTED
    director = scoped_user("director", branch, ["inventory.approve_stockdocument"])
    svc.document_approve(actor=director, document=doc)
    svc.document_post(actor=keeper, document=doc)
    with pytest.raises(IllegalTransition):
        svc.document_cancel(actor=keeper, document=doc)
    assert StockMove.objects.count() == 1


@pytest.mark.req("INV-10")
def test_posting_into_a_closed_month_is_refused(keeper, central, supplier, item):
    last_month = month_start(TODAY() - datetime.timedelta(days=TODAY().day))
    MonthClose.objects.create(
        warehouse=central,
        month=last_month,
        status=CloseStatus.CLOSED,
        closed_at=timezone.now(),
        closed_by=keeper,
    )
    doc = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.RECEIPT,
        warehouse=central,
        supplier=supplier,
        lines=[
            svc.LineInput(item_id=item.pk, quantity=1, unit_price="1", batch_no="A", expiry_date=_days(9))
        ],
    )
    svc.document_submit(actor=keeper, document=doc)
    backdated = timezone.make_aware(
        datetime.datetime.combine(last_month + datetime.timedelta(days=3), datetime.time(10))
    )
    with pytest.raises(PeriodClosed, match=f"closed for {last_month:%Y-%m}"):
        svc.document_post(actor=keeper, document=doc, posted_at=backdated)
    assert StockMove.objects.count() == 0
    svc.document_post(actor=keeper, document=doc)
    assert StockMove.objects.count() == 1


@pytest.mark.req("INV-05")
def test_permissions_and_scope(keeper, central, supplier, item, branch, other_branch):
    nobody = UserFactory(username="nobody", branches=[branch])
    line = [svc.LineInput(item_id=item.pk, quantity=1, unit_price="1", batch_no="A", expiry_date=_days(9))]
    with pytest.raises(PermissionDenied):
        svc.document_create(
            actor=nobody, doc_type=DocumentType.RECEIPT, warehouse=central, supplier=supplier, lines=line
        )
    elsewhere = scoped_user("east", other_branch, PERMS)
    with pytest.raises(ValidationError, match="warehouse was not found"):
        svc.document_create(
            actor=elsewhere, doc_type=DocumentType.RECEIPT, warehouse=central, supplier=supplier, lines=line
        )
    doc = svc.document_create(
        actor=keeper, doc_type=DocumentType.RECEIPT, warehouse=central, supplier=supplier, lines=line
    )
    clerk = scoped_user("clerk", branch, ["inventory.add_stockdocument"])
    svc.document_submit(actor=clerk, document=doc)
    with pytest.raises(PermissionDenied):
        svc.document_post(actor=clerk, document=doc)
    assert StockDocument.objects.get().status == DocumentStatus.SUBMITTED
    assert StockMove.objects.count() == 0


@pytest.mark.req("INV-05")
def test_save_and_post_in_one_step(keeper, central, supplier, item, branch):
    _receive(
        keeper,
        central,
        supplier,
        [svc.LineInput(item_id=item.pk, quantity=5, unit_price="2", batch_no="A", expiry_date=_days(90))],
    )
    doc = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.ISSUE,
        warehouse=central,
        issue_kind=IssueKind.USAGE,
        lines=[svc.LineInput(item_id=item.pk, quantity=2)],
        post=True,
    )
    doc.refresh_from_db()
    assert (doc.status, doc.submitted_by_id, doc.posted_by_id) == (
        DocumentStatus.POSTED,
        keeper.pk,
        keeper.pk,
    )
    assert _on_hand(central, item) == Decimal(3)
    documents = StockDocument.objects.count()
    with pytest.raises(InsufficientStock):
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.ISSUE,
            warehouse=central,
            issue_kind=IssueKind.USAGE,
            lines=[svc.LineInput(item_id=item.pk, quantity=4, lot_id=Lot.objects.get().pk)],
            post=True,
        )
    assert StockDocument.objects.count() == documents  # the draft rolled back with the posting
    svc.document_create(
        actor=keeper,
        doc_type=DocumentType.ISSUE,
        warehouse=central,
        issue_kind=IssueKind.USAGE,
        lines=[svc.LineInput(item_id=item.pk, quantity=3, lot_id=Lot.objects.get().pk)],
        post=True,
    )
    assert StockDocument.objects.count() == documents + 1
    clerk = scoped_user("clerk2", branch, ["inventory.add_stockdocument"])
    with pytest.raises(PermissionDenied):
        svc.document_create(
            actor=clerk,
            doc_type=DocumentType.ISSUE,
            warehouse=central,
            issue_kind=IssueKind.USAGE,
            lines=[svc.LineInput(item_id=item.pk, quantity=1)],
            post=True,
        )
    admin = scoped_user(
        "admin", branch, ["configuration.view_parametervalue", "configuration.change_parametervalue"]
    )
    parameter_set(actor=admin, key="inventory.approval_issue", value=True)
    with pytest.raises(IllegalTransition, match="need approval here"):
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.ISSUE,
            warehouse=central,
            issue_kind=IssueKind.USAGE,
            lines=[svc.LineInput(item_id=item.pk, quantity=1)],
            post=True,
        )
    assert StockDocument.objects.count() == documents + 1
    assert _on_hand(central, item) == Decimal(0)
    assert verify() == []
