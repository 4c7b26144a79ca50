"""The stock document pages (INV-04 receipt / other inbound, INV-05 issue, INV-06 transfer,
INV-08 unpacking): lists and queries, the editor with line rows (hand-typed and pack units),
inline refusals that write nothing, the document page with its buttons, the permission matrix,
the department scope and pinned query counts."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from medspa.accounts.choices import DataScope
from medspa.audit.models import AuditEvent
from medspa.configuration.services import parameter_set
from medspa.core.menu import menu_for
from medspa.inventory import document_services as svc
from medspa.inventory.choices import DocumentStatus, DocumentType, IssueKind, MoveType
from medspa.inventory.ledger import verify
from medspa.inventory.models import Lot, StockBalance, StockDocument, StockDocumentLine, StockMove
from tests.factories import UserFactory
from tests.inventory.factories import (
    BinFactory,
    CertificateFactory,
    CompanyFactory,
    DepartmentWarehouseFactory,
    ItemFactory,
    WarehouseFactory,
)
from tests.inventory.support import STOREKEEPER_PERMS, scoped_user
from tests.organization.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

PERMS = (*STOREKEEPER_PERMS, "inventory.approve_stockdocument")
TODAY = timezone.localdate


def days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


# --- fixtures (also used by the API and scan tests) -------------------------------------------------


@pytest.fixture
def keeper(branch):
    return scoped_user("keeper", branch, PERMS)


@pytest.fixture
def central(branch):
    return WarehouseFactory(branch=branch, code="ZK", name="中心库")


@pytest.fixture
def department(branch):
    return DepartmentFactory(branch=branch, name="注射科")


@pytest.fixture
def dept_wh(department):
    return DepartmentWarehouseFactory(department=department, code="ZS", name="注射科库")


@pytest.fixture
def supplier(branch):
    return CompanyFactory(organisation=branch.organisation, code="S01", name="华东医药")


@pytest.fixture
def item(branch):
    return ItemFactory(
        organisation=branch.organisation, code="HA01", name="玻尿酸", pack_units=[("盒", 10), ("箱", 100)]
    )


def receive(actor, warehouse, supplier, item, quantity, batch="B1", expiry=None, price="10"):
    """Posted stock through the services (setup, not under test)."""
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
                batch_no=batch,
                expiry_date=expiry or days(300),
            )
        ],
    )
    svc.document_submit(actor=actor, document=doc)
    return svc.document_post(actor=actor, document=doc)


def on_hand(warehouse, item) -> Decimal:
    return sum((b.quantity for b in StockBalance.objects.filter(warehouse=warehouse, item=item)), Decimal(0))


def editor_data(header: dict, lines: list[dict]) -> dict:
    """The editor's POST body: header fields, then one ``line`` token per row."""
    data = dict(header)
    data["line"] = [f"t{n}" for n in range(1, len(lines) + 1)]
    for n, line in enumerate(lines, start=1):
        for key, value in line.items():
            data[f"line-t{n}-{key}"] = value
    return data


def state():
    """Everything a refused page action must leave alone."""
    return (
        list(StockDocument.objects.order_by("pk").values()),
        list(StockDocumentLine.objects.order_by("pk").values()),
        list(StockMove.objects.order_by("pk").values()),
        list(StockBalance.objects.order_by("pk").values()),
        AuditEvent.objects.filter(module="inventory", result="success").count(),
    )


def url(name, *args):
    return reverse(f"inventory_docs:{name}", args=args)


LIST_PAGES = [
    "receipt_list",
    "other_inbound_list",
    "issue_list",
    "transfer_list",
    "unpacking_list",
    "inbound_query",
    "outbound_query",
]


# --- lists and queries ------------------------------------------------------------------------------


@pytest.mark.req("INV-04", "INV-05", "INV-06", "INV-08")
@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_pages_render_with_filter_bar(logged_in, keeper, central, name):
    response = logged_in(keeper).get(url(name))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="filter-bar"' in body
    assert 'name="warehouse"' in body and 'name="status"' in body and 'name="date_from"' in body
    assert ('name="supplier"' in body) == (name in ("receipt_list", "inbound_query"))
    assert ('name="type"' in body) == (name in ("inbound_query", "outbound_query"))
    assert ('data-testid="create"' in body) == name.endswith("_list")


@pytest.mark.req("INV-04", "INV-05", "INV-06")
def test_inbound_and_outbound_queries_list_their_types_and_filter(
    logged_in, keeper, central, dept_wh, supplier, item, branch
):
    other = CompanyFactory(organisation=branch.organisation, code="S02", name="华南医药")
    first = receive(keeper, central, supplier, item, 5, batch="A")
    second = receive(keeper, central, other, item, 5, batch="B")
    gift = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.OTHER_INBOUND,
        warehouse=central,
        inbound_kind="gift",
        lines=[svc.LineInput(item_id=item.pk, quantity=1, batch_no="G", expiry_date=days(90))],
    )
    issue = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.ISSUE,
        warehouse=central,
        issue_kind=IssueKind.DEPARTMENT,
        to_warehouse=dept_wh,
        lines=[svc.LineInput(item_id=item.pk, quantity=2)],
    )
    transfer = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.TRANSFER,
        warehouse=central,
        to_warehouse=WarehouseFactory(branch=branch, code="FK", name="分库"),
        lines=[svc.LineInput(item_id=item.pk, quantity=1)],
    )
    client = logged_in(keeper)

    def numbers(name, **query):
        body = client.get(url(name), query).content.decode()
        return [doc.number for doc in StockDocument.objects.order_by("pk") if doc.number in body]

    assert numbers("inbound_query") == [first.number, second.number, gift.number]
    assert numbers("inbound_query", type="other_inbound") == [gift.number]
    assert numbers("inbound_query", supplier=other.pk) == [second.number]
    assert numbers("inbound_query", status="draft") == [gift.number]
    assert numbers("inbound_query", number=second.number[-4:]) == [second.number]
    assert numbers("inbound_query", item="HA01") == [first.number, second.number, gift.number]
    assert numbers("inbound_query", item="nothing") == []
    assert numbers("inbound_query", date_from=f"{days(1):%Y-%m-%d}") == []
    assert numbers("inbound_query", date_to=f"{TODAY():%Y-%m-%d}") == [
        first.number,
        second.number,
        gift.number,
    ]
    assert numbers("outbound_query") == [issue.number, transfer.number]
    assert numbers("outbound_query", type="transfer") == [transfer.number]
    assert numbers("outbound_query", warehouse=dept_wh.pk) == [issue.number]
    assert numbers("receipt_list") == [first.number, second.number]
    assert numbers("issue_list") == [issue.number]


@pytest.mark.req("INV-04")
def test_receipt_list_exports_what_it_shows(logged_in, keeper, central, supplier, item):
    doc = receive(keeper, central, supplier, item, 3, price="12.345")
    response = logged_in(keeper).get(url("receipt_list"), {"export": "csv", "status": "posted"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    posted = timezone.localtime(doc.posted_at)
    created = timezone.localtime(doc.created_at)
    assert rows == [
        [
            gettext("Document no"),
            gettext("Status"),
            gettext("Warehouse"),
            gettext("Supplier"),
            gettext("Invoice no"),
            gettext("Line count"),
            gettext("Amount"),
            gettext("Document date"),
            gettext("Posted at"),
            gettext("Created by"),
        ],
        [
            doc.number,
            gettext("Posted"),
            "中心库",
            "华东医药",
            "",
            "1",
            "¥37.04",  # 3 × 12.345 = 37.035, half-up
            f"{created:%Y-%m-%d %H:%M}",
            f"{posted:%Y-%m-%d %H:%M}",
            keeper.display_name,
        ],
    ]


# --- the editor: create through the page ------------------------------------------------------------


@pytest.mark.req("INV-04")
@pytest.mark.parametrize("name", ["receipt", "other_inbound", "issue", "transfer", "unpacking"])
def test_new_pages_render(logged_in, keeper, central, name):
    response = logged_in(keeper).get(url(f"{name}_create"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="scan-input"' in body and 'form="scan-form"' in body
    assert 'id="scan-form"' in body and 'data-testid="add-line"' in body
    # the only warehouse is chosen already
    assert f'<option value="{central.pk}" selected>' in body


@pytest.mark.req("INV-04")
def test_receipt_through_the_page_with_a_pack_unit_then_submit_and_post(
    logged_in, keeper, central, supplier, item
):
    box = item.pack_units.get(name="盒")
    client = logged_in(keeper)
    data = editor_data(
        {"warehouse": central.pk, "supplier": supplier.pk, "invoice_no": "INV-9", "note": "到货"},
        [
            {
                "item": item.pk,
                "pack_unit": box.pk,
                "quantity": "2",
                "unit_price": "150.00",
                "batch_no": "B1",
                "expiry_date": f"{days(400):%Y-%m-%d}",
                "production_date": f"{days(-30):%Y-%m-%d}",
            },
            {
                "item": item.pk,
                "pack_unit": "",
                "quantity": "3",
                "unit_price": "15.5",
                "batch_no": "B2",
                "expiry_date": f"{days(200):%Y-%m-%d}",
            },
        ],
    )
    response = client.post(url("receipt_create"), data)
    doc = StockDocument.objects.get()
    assert response.status_code == 302 and response["Location"] == url("receipt_detail", doc.pk)
    assert (doc.doc_type, doc.status, doc.supplier_id, doc.invoice_no, doc.note) == (
        DocumentType.RECEIPT,
        DocumentStatus.DRAFT,
        supplier.pk,
        "INV-9",
        "到货",
    )
    lines = [
        (line.line_no, line.pack_unit_id, line.quantity, line.base_quantity, line.unit_price, line.batch_no)
        for line in doc.lines.order_by("line_no")
    ]
    assert lines == [
        (1, box.pk, Decimal("2.000"), Decimal("20.000"), Decimal("150.0000"), "B1"),
        (2, None, Decimal("3.000"), Decimal("3.000"), Decimal("15.5000"), "B2"),
    ]
    assert StockMove.objects.count() == 0

    detail = client.get(url("receipt_detail", doc.pk)).content.decode()
    assert 'data-testid="action-submit"' in detail and 'data-testid="action-post"' not in detail
    assert "¥300.00" in detail and "¥46.50" in detail and "¥346.50" in detail
    assert client.post(url("receipt_action", doc.pk, "submit")).status_code == 302
    detail = client.get(url("receipt_detail", doc.pk)).content.decode()
    assert 'data-testid="action-post"' in detail and 'data-testid="action-approve"' not in detail
    response = client.post(url("receipt_action", doc.pk, "post"))
    assert response.status_code == 302 and response["Location"] == url("receipt_detail", doc.pk)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.POSTED
    assert on_hand(central, item) == Decimal("23.000")
    assert sorted((m.quantity, m.unit_cost) for m in StockMove.objects.all()) == [
        (Decimal("3.000"), Decimal("15.5000")),
        (Decimal("20.000"), Decimal("15.0000")),
    ]
    detail = client.get(url("receipt_detail", doc.pk)).content.decode()
    assert detail.count('data-testid="move"') == 2
    assert 'data-testid="action-reverse-open"' in detail and 'data-testid="action-submit"' not in detail
    assert verify() == []


@pytest.mark.req("INV-04")
def test_other_inbound_through_the_page_defaults_to_the_purchase_price(logged_in, keeper, central, item):
    client = logged_in(keeper)
    data = editor_data(
        {"warehouse": central.pk, "inbound_kind": "gift"},
        [
            {"item": item.pk, "quantity": "4", "batch_no": "G1", "expiry_date": f"{days(90):%Y-%m-%d}"},
            {
                "item": item.pk,
                "pack_unit": item.pack_units.get(name="盒").pk,
                "quantity": "1",
                "batch_no": "G2",
                "expiry_date": f"{days(95):%Y-%m-%d}",
            },
        ],
    )
    assert client.post(url("other_inbound_create"), data).status_code == 302
    doc = StockDocument.objects.get()
    client.post(url("other_inbound_action", doc.pk, "submit"))
    client.post(url("other_inbound_action", doc.pk, "post"))
    assert (StockDocument.objects.get().status, on_hand(central, item)) == (
        DocumentStatus.POSTED,
        Decimal(14),
    )
    assert set(StockMove.objects.values_list("move_type", flat=True)) == {MoveType.OTHER_INBOUND}
    assert Lot.objects.get(batch_no="G1").unit_cost == Decimal("100.0000")


@pytest.mark.req("INV-05")
def test_issue_through_the_page_fefo_and_a_chosen_lot(logged_in, keeper, central, dept_wh, supplier, item):
    receive(keeper, central, supplier, item, 30, batch="LATE", expiry=days(300))
    receive(keeper, central, supplier, item, 10, batch="SOON", expiry=days(30))
    late = Lot.objects.get(batch_no="LATE")
    client = logged_in(keeper)
    box = item.pack_units.get(name="盒")
    data = editor_data(
        {"warehouse": central.pk, "issue_kind": IssueKind.DEPARTMENT, "to_warehouse": dept_wh.pk},
        [
            {"item": item.pk, "pack_unit": box.pk, "quantity": "1", "lot": ""},
            {"item": item.pk, "quantity": "5", "lot": late.pk},
        ],
    )
    assert client.post(url("issue_create"), data).status_code == 302
    doc = StockDocument.objects.get(doc_type=DocumentType.ISSUE)
    assert [(line.lot.batch_no, line.base_quantity) for line in doc.lines.order_by("line_no")] == [
        ("SOON", Decimal(10)),
        ("LATE", Decimal(5)),
    ]
    assert doc.department_id == dept_wh.department_id
    client.post(url("issue_action", doc.pk, "submit"))
    client.post(url("issue_action", doc.pk, "post"))
    assert (on_hand(central, item), on_hand(dept_wh, item)) == (Decimal(25), Decimal(15))
    detail = client.get(url("issue_detail", doc.pk)).content.decode()
    assert detail.count('data-testid="move"') == 4  # out and in per line
    assert verify() == []


@pytest.mark.req("INV-05")
def test_issue_editor_offers_the_lots_on_hand_in_fefo_order(logged_in, keeper, central, supplier, item):
    receive(keeper, central, supplier, item, 30, batch="LATE", expiry=days(300))
    receive(keeper, central, supplier, item, 10, batch="SOON", expiry=days(30))
    response = logged_in(keeper).get(
        url("line_row"), {"doc_type": "issue", "token": "abc", "item": item.pk, "warehouse": central.pk}
    )
    body = response.content.decode()
    soon, late = body.index(">SOON · "), body.index(">LATE · ")
    assert response.status_code == 200 and soon < late
    assert gettext("on hand %(qty)s %(unit)s") % {"qty": "10", "unit": "支"} in body
    assert gettext("Earliest expiry first (FEFO)") in body
    assert 'name="line-abc-quantity"' in body and 'value="1"' in body
    assert f'<option value="{item.pack_units.get(name="盒").pk}">盒（10 支）</option>' in body


@pytest.mark.req("INV-04", "INV-08")
def test_item_search_offers_matching_items_and_picking_one_fills_the_row(
    logged_in, keeper, central, item, branch
):
    vial_box = ItemFactory(
        organisation=branch.organisation,
        code="HA10",
        name="玻尿酸整盒",
        base_unit="盒",
        unpack_item=item,
        unpack_quantity=Decimal(10),
    )
    ItemFactory(organisation=branch.organisation, code="HA99", name="玻尿酸停用", is_active=False)
    client = logged_in(keeper)

    def found(doc_type, q):
        body = client.get(url("item_lookup"), {"q": q, "doc_type": doc_type, "token": "abc"}).content.decode()
        return [int(pk) for pk in re.findall(r'data-item="(\d+)"', body)]

    assert found("receipt", "玻尿酸") == [item.pk, vial_box.pk]
    assert found("receipt", "bns") == [item.pk, vial_box.pk]  # pinyin initials
    assert found("unpacking", "玻尿酸") == [vial_box.pk]
    assert found("receipt", "") == []
    body = client.get(url("item_lookup"), {"q": "无此产品", "doc_type": "receipt"}).content.decode()
    assert gettext("No active item matches.") in body
    assert client.get(url("item_lookup"), {"q": "x", "doc_type": "bogus"}).status_code == 404
    # picking keeps what the row held, and a new item drops the old unit and lot
    box = item.pack_units.get(name="盒")
    query = {
        "doc_type": "receipt",
        "token": "abc",
        "item": vial_box.pk,
        "warehouse": central.pk,
        "line-abc-item": item.pk,
        "line-abc-pack_unit": box.pk,
        "line-abc-quantity": "4",
        "line-abc-batch_no": "K9",
    }
    body = client.get(url("line_row"), query).content.decode()
    assert f'name="line-abc-item" value="{vial_box.pk}"' in body
    assert 'name="line-abc-quantity" value="4"' in body and 'name="line-abc-batch_no" value="K9"' in body
    assert '<option value="" selected>盒</option>' in body
    body = client.get(url("line_row"), {"doc_type": "receipt", "token": "BAD<>"}).content.decode()
    assert 'data-testid="item-search"' in body and "BAD" not in body


@pytest.mark.req("INV-06")
def test_transfer_through_the_page(logged_in, keeper, central, supplier, item, branch):
    receive(keeper, central, supplier, item, 20)
    east = WarehouseFactory(branch=branch, code="FK", name="分库")
    shelf = BinFactory(warehouse=east, code="A-01")
    client = logged_in(keeper)
    data = editor_data(
        {"warehouse": central.pk, "to_warehouse": east.pk},
        [
            {
                "item": item.pk,
                "pack_unit": item.pack_units.get(name="盒").pk,
                "quantity": "1",
                "to_bin": shelf.pk,
            }
        ],
    )
    assert client.post(url("transfer_create"), data).status_code == 302
    doc = StockDocument.objects.get(doc_type=DocumentType.TRANSFER)
    client.post(url("transfer_action", doc.pk, "submit"))
    client.post(url("transfer_action", doc.pk, "post"))
    assert (on_hand(central, item), on_hand(east, item)) == (Decimal(10), Decimal(10))
    assert StockBalance.objects.get(warehouse=east).bin_id == shelf.pk


@pytest.mark.req("INV-08")
def test_unpacking_through_the_page(logged_in, keeper, central, supplier, branch):
    vial = ItemFactory(organisation=branch.organisation, code="BT01", name="肉毒素 支")
    box = ItemFactory(
        organisation=branch.organisation,
        code="BT10",
        name="肉毒素 盒",
        base_unit="盒",
        unpack_item=vial,
        unpack_quantity=Decimal(10),
    )
    receive(keeper, central, supplier, box, 2, batch="BT1", price="1500")
    client = logged_in(keeper)
    assert (
        client.post(
            url("unpacking_create"),
            editor_data({"warehouse": central.pk}, [{"item": box.pk, "quantity": "1"}]),
        ).status_code
        == 302
    )
    doc = StockDocument.objects.get(doc_type=DocumentType.UNPACKING)
    client.post(url("unpacking_action", doc.pk, "submit"))
    client.post(url("unpacking_action", doc.pk, "post"))
    assert (on_hand(central, box), on_hand(central, vial)) == (Decimal(1), Decimal(10))
    assert Lot.objects.get(item=vial).unit_cost == Decimal("150.0000")


# --- the editor: refusals come back inline and write nothing ----------------------------------------


@pytest.mark.req("INV-04")
def test_service_refusal_shows_next_to_the_line_field_and_writes_nothing(
    logged_in, keeper, central, supplier, item
):
    client = logged_in(keeper)
    before = state()
    good = {
        "item": item.pk,
        "quantity": "1",
        "unit_price": "1",
        "batch_no": "A",
        "expiry_date": f"{days(9):%Y-%m-%d}",
    }
    data = editor_data(
        {"warehouse": central.pk, "supplier": supplier.pk}, [good, {**good, "quantity": "0", "batch_no": "B"}]
    )
    response = client.post(url("receipt_create"), data)
    assert response.status_code == 422
    body = response.content.decode()
    message = gettext("The quantity must be greater than zero.")
    # the message sits in the second row, under its quantity
    second = body.index('data-token="t2"')
    assert body.index(message) > second
    assert 'name="line-t2-quantity"' in body and 'value="0"' in body
    assert state() == before

    data = editor_data({"warehouse": central.pk, "supplier": supplier.pk}, [{**good, "expiry_date": ""}])
    body = client.post(url("receipt_create"), data).content.decode()
    assert (
        gettext("Line %(n)s: %(item)s is expiry tracked; enter its expiry date.") % {"n": 1, "item": "玻尿酸"}
        in body
    )
    data = editor_data(
        {"warehouse": central.pk, "supplier": supplier.pk}, [{**good, "expiry_date": "2026-02-31"}]
    )
    body = client.post(url("receipt_create"), data).content.decode()
    assert gettext("Enter a valid date.") in body
    data = editor_data({"warehouse": central.pk, "supplier": supplier.pk}, [{**good, "quantity": "1e30"}])
    body = client.post(url("receipt_create"), data).content.decode()
    assert gettext("Enter a number, for example 10 or 2.5.") in body
    data = editor_data({"warehouse": central.pk, "supplier": supplier.pk}, [{**good, "unit_price": "1e30"}])
    body = client.post(url("receipt_create"), data).content.decode()
    assert gettext("Enter a valid amount, for example 1234.50.") in body
    body = client.post(
        url("receipt_create"), editor_data({"warehouse": central.pk, "supplier": supplier.pk}, [])
    ).content.decode()
    assert gettext("Add at least one line.") in body
    body = client.post(url("receipt_create"), editor_data({"warehouse": central.pk}, [good])).content.decode()
    assert 'data-testid="field-error-supplier"' in body
    assert state() == before


@pytest.mark.req("INV-05")
def test_issue_of_more_than_on_hand_is_refused_inline(logged_in, keeper, central, supplier, item):
    receive(keeper, central, supplier, item, 2)
    before = state()
    data = editor_data(
        {"warehouse": central.pk, "issue_kind": IssueKind.USAGE}, [{"item": item.pk, "quantity": "3"}]
    )
    response = logged_in(keeper).post(url("issue_create"), data)
    assert response.status_code == 422
    message = gettext(
        "Insufficient stock: %(item)s in %(warehouse)s has %(have)s %(unit)s usable, "
        "%(want)s %(unit)s requested."
    ) % {"item": "玻尿酸", "warehouse": "中心库", "have": "2", "want": "3", "unit": "支"}
    assert message in response.content.decode()
    assert state() == before


@pytest.mark.req("INV-04")
def test_refresh_redraws_the_editor_without_writing(logged_in, keeper, central, supplier, item, branch):
    other = WarehouseFactory(branch=branch, code="FK", name="分库")
    BinFactory(warehouse=other, code="B-07")
    before = state()
    data = editor_data(
        {"warehouse": other.pk, "supplier": supplier.pk, "_refresh": "1"},
        [{"item": item.pk, "quantity": "7", "batch_no": "X"}],
    )
    response = logged_in(keeper).post(url("receipt_create"), data, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="7"' in body and 'value="X"' in body and ">B-07</option>" in body
    assert "<html" not in body  # the editor fragment only
    assert gettext("This field is required.") not in body
    assert state() == before


@pytest.mark.req("INV-04")
def test_edit_a_draft_through_the_page(logged_in, keeper, central, supplier, item):
    doc = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.RECEIPT,
        warehouse=central,
        supplier=supplier,
        lines=[
            svc.LineInput(item_id=item.pk, quantity=2, unit_price="5", batch_no="E1", expiry_date=days(50))
        ],
    )
    client = logged_in(keeper)
    body = client.get(url("receipt_edit", doc.pk)).content.decode()
    assert 'name="line-l1-quantity"' in body and 'value="2"' in body and 'value="E1"' in body
    data = editor_data(
        {"warehouse": central.pk, "supplier": supplier.pk},
        [
            {
                "item": item.pk,
                "quantity": "6",
                "unit_price": "5",
                "batch_no": "E2",
                "expiry_date": f"{days(60):%Y-%m-%d}",
            }
        ],
    )
    response = client.post(url("receipt_edit", doc.pk), data)
    assert response.status_code == 302
    assert [(line.quantity, line.batch_no) for line in doc.lines.all()] == [(Decimal("6.000"), "E2")]
    svc.document_submit(actor=keeper, document=doc)
    response = client.get(url("receipt_edit", doc.pk))
    assert response.status_code == 302 and response["Location"] == url("receipt_detail", doc.pk)
    before = state()
    body = client.post(url("receipt_edit", doc.pk), data).content.decode()
    assert (
        gettext("Document %(number)s is %(status)s; this action is not allowed now.")
        % {
            "number": doc.number,
            "status": gettext("Submitted"),
        }
        in body
    )
    assert state() == before


# --- the document page ------------------------------------------------------------------------------


@pytest.mark.req("INV-04")
def test_approval_button_only_when_configured_and_permitted(
    logged_in, keeper, central, supplier, item, branch
):
    admin = scoped_user(
        "admin", branch, ["configuration.view_parametervalue", "configuration.change_parametervalue"]
    )
    parameter_set(actor=admin, key="inventory.approval_receipt", value=True)
    doc = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.RECEIPT,
        warehouse=central,
        supplier=supplier,
        lines=[svc.LineInput(item_id=item.pk, quantity=1, unit_price="1", batch_no="A", expiry_date=days(9))],
    )
    svc.document_submit(actor=keeper, document=doc)
    clerk = scoped_user("clerk", branch, STOREKEEPER_PERMS)
    body = logged_in(clerk).get(url("receipt_detail", doc.pk)).content.decode()
    assert 'data-testid="action-approve"' not in body and 'data-testid="action-post"' not in body
    before = state()
    assert logged_in(clerk).post(url("receipt_action", doc.pk, "approve")).status_code == 403
    # she submitted it: no button, a note, and a forged request is refused (four eyes)
    body = logged_in(keeper).get(url("receipt_detail", doc.pk)).content.decode()
    assert 'data-testid="action-approve"' not in body and 'data-testid="action-post"' not in body
    assert gettext("You submitted this document; someone else must approve it.") in body
    assert logged_in(keeper).post(url("receipt_action", doc.pk, "approve")).status_code == 403
    assert state() == before
    head = scoped_user("head", branch, PERMS)
    client = logged_in(head)
    body = client.get(url("receipt_detail", doc.pk)).content.decode()
    assert 'data-testid="action-approve"' in body and 'data-testid="action-post"' not in body
    assert 'data-testid="own-submission"' not in body
    client.post(url("receipt_action", doc.pk, "approve"))
    assert StockDocument.objects.get().approved_by_id == head.pk
    body = client.get(url("receipt_detail", doc.pk)).content.decode()
    assert 'data-testid="action-approve"' not in body and 'data-testid="action-post"' in body


@pytest.mark.req("INV-04")
def test_supplier_certificate_warning_is_a_yellow_alert(logged_in, keeper, central, item, branch):
    company = CompanyFactory(
        organisation=branch.organisation,
        name="临期公司",
        certificates=[{"number": "LIC-1", "expires_on": days(10)}],
    )
    doc = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.RECEIPT,
        warehouse=central,
        supplier=company,
        lines=[svc.LineInput(item_id=item.pk, quantity=1, unit_price="1", batch_no="A", expiry_date=days(9))],
    )
    body = logged_in(keeper).get(url("receipt_detail", doc.pk)).content.decode()
    warning = gettext("%(company)s: the %(kind)s %(number)s expires on %(date)s.") % {
        "company": "临期公司",
        "kind": gettext("Business licence"),
        "number": "LIC-1",
        "date": f"{days(10):%Y-%m-%d}",
    }
    assert 'class="alert alert-warning"' in body and warning in body


@pytest.mark.req("INV-04")
def test_refused_action_is_an_alert_and_changes_nothing(logged_in, keeper, central, supplier, item, branch):
    doc = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.RECEIPT,
        warehouse=central,
        supplier=supplier,
        lines=[svc.LineInput(item_id=item.pk, quantity=1, unit_price="1", batch_no="A", expiry_date=days(9))],
    )
    svc.document_submit(actor=keeper, document=doc)
    CertificateFactory(company=supplier, number="OLD", expires_on=days(-1))
    client = logged_in(keeper)
    before = state()
    response = client.post(url("receipt_action", doc.pk, "post"), follow=True)
    body = response.content.decode()
    assert 'class="alert alert-danger' in body and "OLD" in body
    assert state() == before
    assert client.post(url("receipt_action", doc.pk, "frobnicate")).status_code == 404
    assert client.get(url("receipt_action", doc.pk, "post")).status_code == 405


@pytest.mark.req("INV-04")
def test_reverse_with_a_reason_links_both_documents(logged_in, keeper, central, supplier, item):
    doc = receive(keeper, central, supplier, item, 4)
    client = logged_in(keeper)
    response = client.post(url("receipt_action", doc.pk, "reverse"), {"note": "供应商错发"})
    reversal = StockDocument.objects.get(reverses=doc)
    assert response.status_code == 302 and response["Location"] == url("receipt_detail", reversal.pk)
    assert (reversal.note, on_hand(central, item)) == ("供应商错发", Decimal(0))
    body = client.get(url("receipt_detail", reversal.pk)).content.decode()
    assert f'href="{url("receipt_detail", doc.pk)}" data-testid="reverses-link"' in body
    assert 'data-testid="action-reverse-open"' not in body
    body = client.get(url("receipt_detail", doc.pk)).content.decode()
    assert f'href="{url("receipt_detail", reversal.pk)}" data-testid="reversed-by-link"' in body
    assert gettext("Reversed") in body


@pytest.mark.req("INV-04")
def test_cancel_a_draft(logged_in, keeper, central, supplier, item):
    doc = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.RECEIPT,
        warehouse=central,
        supplier=supplier,
        lines=[svc.LineInput(item_id=item.pk, quantity=1, unit_price="1", batch_no="A", expiry_date=days(9))],
    )
    logged_in(keeper).post(url("receipt_action", doc.pk, "cancel"))
    doc.refresh_from_db()
    assert (doc.status, StockMove.objects.count()) == (DocumentStatus.CANCELLED, 0)


# --- permissions and scope --------------------------------------------------------------------------


@pytest.fixture
def documents(keeper, central, supplier, item, dept_wh):
    """A receipt in the central warehouse and an other-inbound in the department warehouse."""
    receipt = receive(keeper, central, supplier, item, 5)
    dept_doc = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.OTHER_INBOUND,
        warehouse=dept_wh,
        inbound_kind="other",
        lines=[svc.LineInput(item_id=item.pk, quantity=1, batch_no="D", expiry_date=days(90))],
    )
    return receipt, dept_doc


@pytest.mark.req("INV-04", "INV-05", "INV-06", "INV-08")
def test_anonymous_is_sent_to_login(client, documents):
    receipt, _dept = documents
    for target in [url(name) for name in LIST_PAGES] + [
        url("receipt_create"),
        url("receipt_detail", receipt.pk),
    ]:
        response = client.get(target)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    before = state()
    assert client.post(url("receipt_action", receipt.pk, "reverse")).status_code == 302
    assert state() == before


@pytest.mark.req("INV-04", "INV-05", "INV-06", "INV-08")
def test_no_permission_is_403_and_changes_nothing(logged_in, branch, documents, central, supplier, item):
    receipt, _dept = documents
    nobody = UserFactory(username="nobody", branches=[branch])
    client = logged_in(nobody)
    for target in [url(name) for name in LIST_PAGES] + [
        url("receipt_create"),
        url("receipt_detail", receipt.pk),
    ]:
        assert client.get(target).status_code == 403
    before = state()
    good = {
        "item": item.pk,
        "quantity": "1",
        "unit_price": "1",
        "batch_no": "A",
        "expiry_date": f"{days(9):%Y-%m-%d}",
    }
    assert (
        client.post(
            url("receipt_create"), editor_data({"warehouse": central.pk, "supplier": supplier.pk}, [good])
        ).status_code
        == 403
    )
    assert client.post(url("receipt_action", receipt.pk, "reverse")).status_code == 403
    assert client.post(url("scan"), {"code": "HA01", "doc_type": "receipt"}).status_code == 403
    assert state() == before
    # may read but not write: the editor and a write button are refused
    reader = scoped_user("reader", branch, ["inventory.view_stockdocument"])
    client = logged_in(reader)
    assert client.get(url("receipt_detail", receipt.pk)).status_code == 200
    assert (
        'data-testid="action-reverse-open"'
        not in client.get(url("receipt_detail", receipt.pk)).content.decode()
    )
    assert client.get(url("receipt_create")).status_code == 403
    assert client.post(url("receipt_action", receipt.pk, "reverse")).status_code == 403
    assert state() == before


@pytest.mark.req("INV-04", "INV-05", "INV-06", "INV-08")
def test_other_branch_sees_nothing_and_gets_404(logged_in, other_branch, documents):
    receipt, dept_doc = documents
    east = scoped_user("east", other_branch, PERMS)
    client = logged_in(east)
    body = client.get(url("inbound_query")).content.decode()
    assert receipt.number not in body and dept_doc.number not in body
    before = state()
    assert client.get(url("receipt_detail", receipt.pk)).status_code == 404
    assert client.get(url("receipt_edit", receipt.pk)).status_code == 404
    assert client.post(url("receipt_action", receipt.pk, "reverse")).status_code == 404
    assert state() == before


@pytest.mark.req("INV-04", "INV-05")
def test_department_scope_sees_only_her_department_warehouses(logged_in, branch, department, documents):
    receipt, dept_doc = documents
    nurse = scoped_user("nurse", branch, PERMS, scope=DataScope.DEPARTMENT, department=department)
    client = logged_in(nurse)
    body = client.get(url("inbound_query")).content.decode()
    assert dept_doc.number in body and receipt.number not in body
    assert client.get(url("other_inbound_detail", dept_doc.pk)).status_code == 200
    assert client.get(url("receipt_detail", receipt.pk)).status_code == 404


@pytest.mark.req("INV-04")
def test_a_document_through_another_types_page_is_404(logged_in, keeper, documents):
    receipt, dept_doc = documents
    client = logged_in(keeper)
    assert client.get(url("issue_detail", receipt.pk)).status_code == 404
    assert client.get(url("receipt_detail", dept_doc.pk)).status_code == 404
    assert client.get(url("other_inbound_detail", dept_doc.pk)).status_code == 200


# --- query counts -----------------------------------------------------------------------------------


def populate(keeper, central, dept_wh, supplier, item, branch, n, tag):
    """``n`` documents of every type (receipts posted, the others drafts), two lines each."""
    box = ItemFactory(
        organisation=branch.organisation, base_unit="盒", unpack_item=item, unpack_quantity=Decimal(10)
    )
    receive(keeper, central, supplier, box, n, batch=f"{tag}X")
    for i in range(n):
        two = [
            svc.LineInput(
                item_id=item.pk, quantity=5, unit_price="1", batch_no=f"{tag}B{i}", expiry_date=days(90)
            ),
            svc.LineInput(
                item_id=item.pk, quantity=5, unit_price="2", batch_no=f"{tag}C{i}", expiry_date=days(95)
            ),
        ]
        doc = svc.document_create(
            actor=keeper, doc_type=DocumentType.RECEIPT, warehouse=central, supplier=supplier, lines=two
        )
        svc.document_submit(actor=keeper, document=doc)
        svc.document_post(actor=keeper, document=doc)
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.OTHER_INBOUND,
            warehouse=central,
            inbound_kind="gift",
            lines=two,
        )
        one = [svc.LineInput(item_id=item.pk, quantity=1, lot_id=Lot.objects.get(batch_no=f"{tag}B{i}").pk)]
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.ISSUE,
            warehouse=central,
            issue_kind=IssueKind.DEPARTMENT,
            to_warehouse=dept_wh,
            lines=one * 2,
        )
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.TRANSFER,
            warehouse=central,
            to_warehouse=dept_wh,
            lines=one * 2,
        )
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.UNPACKING,
            warehouse=central,
            lines=[svc.LineInput(item_id=box.pk, quantity=1)],
        )


@pytest.mark.req("INV-04", "INV-05", "INV-06", "INV-08")
@pytest.mark.parametrize(
    ("name", "rows", "queries"),
    [
        ("receipt_list", (4, 8), 10),  # one more receipt per round: the boxes to unpack
        ("other_inbound_list", (3, 6), 9),
        ("issue_list", (3, 6), 9),
        ("transfer_list", (3, 6), 9),
        ("unpacking_list", (3, 6), 9),
        ("inbound_query", (7, 14), 10),
        ("outbound_query", (6, 12), 9),
    ],
)
def test_list_page_query_counts_do_not_grow(
    logged_in,
    keeper,
    central,
    dept_wh,
    supplier,
    item,
    branch,
    django_assert_num_queries,
    name,
    rows,
    queries,
):
    client = logged_in(keeper)
    for tag, expected in zip("PQ", rows, strict=True):
        populate(keeper, central, dept_wh, supplier, item, branch, 3, tag)
        client.get(url(name))
        with django_assert_num_queries(queries):
            response = client.get(url(name))
        assert response.status_code == 200
        assert response.content.decode().count("<tr>") == expected + 1


def test_menu_lists_the_document_pages_in_order(branch, keeper):
    groups = {str(group.label): [item.key for item in group.items] for group in menu_for(keeper)}
    keys = groups[gettext("Inventory")]
    ours = [key for key in keys if key.startswith("inventory-docs-")]
    assert ours == [
        "inventory-docs-receipt-list",
        "inventory-docs-other-inbound-list",
        "inventory-docs-issue-list",
        "inventory-docs-transfer-list",
        "inventory-docs-unpacking-list",
        "inventory-docs-inbound-query",
        "inventory-docs-outbound-query",
    ]


@pytest.mark.req("INV-05")
def test_save_and_post_an_issue_in_one_step_through_the_page(logged_in, keeper, central, supplier, item):
    receive(keeper, central, supplier, item, 10, batch="SOON", expiry=days(30))
    client = logged_in(keeper)
    assert 'data-testid="save-and-post"' in client.get(url("issue_create")).content.decode()
    data = editor_data(
        {"warehouse": central.pk, "issue_kind": IssueKind.USAGE},
        [{"item": item.pk, "quantity": "4", "lot": ""}],
    )
    response = client.post(url("issue_create"), {**data, "post": "1"})
    doc = StockDocument.objects.get(doc_type=DocumentType.ISSUE)
    assert (response.status_code, response["Location"]) == (302, url("issue_detail", doc.pk))
    assert doc.status == DocumentStatus.POSTED
    assert on_hand(central, item) == Decimal(6)
    too_many = editor_data(
        {"warehouse": central.pk, "issue_kind": IssueKind.USAGE},
        [{"item": item.pk, "quantity": "7", "lot": ""}],
    )
    assert client.post(url("issue_create"), {**too_many, "post": "1"}).status_code == 422
    assert StockDocument.objects.filter(doc_type=DocumentType.ISSUE).count() == 1
    assert on_hand(central, item) == Decimal(6)
    assert verify() == []
