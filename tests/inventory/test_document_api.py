"""The stock document API (INV-04…06, INV-08): /api/v1/inventory/receipts (receipt and other
inbound), /issues, /transfers, /unpackings — create, read, update a draft, the five transitions,
exact bodies, problem JSON with ``errors[].field`` and nothing written on refusal, the permission
matrix, another type through the wrong resource, the department scope and query counts."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import get_args

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

from medspa.accounts import services as account_services
from medspa.accounts.choices import DataScope
from medspa.configuration.services import parameter_set
from medspa.inventory import document_schemas
from medspa.inventory import document_services as svc
from medspa.inventory.choices import DocumentStatus, DocumentType, IssueKind, MoveType
from medspa.inventory.ledger import verify
from medspa.inventory.models import Lot, StockDocument, StockMove
from tests.factories import UserFactory
from tests.inventory import test_document_pages as pages
from tests.inventory.factories import BinFactory, ItemFactory, WarehouseFactory
from tests.inventory.support import STOREKEEPER_PERMS, scoped_user

pytestmark = pytest.mark.django_db

# fixtures and helpers shared with the page tests
central = pages.central
department = pages.department
dept_wh = pages.dept_wh
item = pages.item
keeper = pages.keeper
supplier = pages.supplier
PERMS = pages.PERMS
days = pages.days
on_hand = pages.on_hand
receive = pages.receive
state = pages.state

PROBLEM = "application/problem+json"
BASE = "/api/v1/inventory"


def send(client, method, url, body=None, headers=None):
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers or {},
    )


def iso(value):
    return timezone.localtime(value).isoformat()


def errors_of(response):
    return [(e["field"], e["message"]) for e in response.json()["errors"]]


def receipt_body(central, supplier, item, **extra):
    box = item.pack_units.get(name="盒")
    return {
        "warehouse_id": central.pk,
        "supplier_id": supplier.pk,
        "invoice_no": "FP-1",
        "lines": [
            {
                "item_id": item.pk,
                "pack_unit_id": box.pk,
                "quantity": "2",
                "unit_price": "150.125",
                "batch_no": "B1",
                "expiry_date": f"{days(400):%Y-%m-%d}",
                "production_date": f"{days(-10):%Y-%m-%d}",
            },
            {
                "item_id": item.pk,
                "quantity": 3,
                "unit_price": "15.5",
                "batch_no": "B2",
                "expiry_date": f"{days(200):%Y-%m-%d}",
            },
        ],
        **extra,
    }


# --- receipts ---------------------------------------------------------------------------------------


@pytest.mark.req("INV-04")
def test_receipt_create_read_update_submit_post_reverse(logged_in, keeper, central, supplier, item):
    client = logged_in(keeper)
    box = item.pack_units.get(name="盒")
    response = send(client, "post", f"{BASE}/receipts", receipt_body(central, supplier, item))
    assert response.status_code == 201, response.content
    doc = StockDocument.objects.get()
    body = response.json()
    assert body == {
        "id": doc.pk,
        "number": f"RK-{timezone.localdate():%Y%m%d}-0001",
        "type": "receipt",
        "status": "draft",
        "warehouse": {"id": central.pk, "code": "ZK", "name": "中心库"},
        "to_warehouse": None,
        "supplier": {"id": supplier.pk, "code": "S01", "name": "华东医药"},
        "department": None,
        "inbound_kind": "",
        "issue_kind": "",
        "invoice_no": "FP-1",
        "note": "",
        "reverses": None,
        "reversed_by": None,
        "total_amount": "346.75",  # 2 × 150.125 = 300.25 + 3 × 15.5 = 46.50
        "warnings": [],
        "created_at": iso(doc.created_at),
        "submitted_at": None,
        "approved_at": None,
        "posted_at": None,
        "lines": [
            {
                "line_no": 1,
                "item": {
                    "id": item.pk,
                    "code": "HA01",
                    "name": "玻尿酸",
                    "specification": "1ml",
                    "base_unit": "支",
                },
                "pack_unit": {"id": box.pk, "name": "盒", "factor": "10.000"},
                "unit": "盒",
                "quantity": "2.000",
                "base_quantity": "20.000",
                "unit_price": "150.1250",
                "amount": "300.25",
                "lot": None,
                "batch_no": "B1",
                "production_date": f"{days(-10):%Y-%m-%d}",
                "expiry_date": f"{days(400):%Y-%m-%d}",
                "serial_no": "",
                "bin": None,
                "to_bin": None,
            },
            {
                "line_no": 2,
                "item": {
                    "id": item.pk,
                    "code": "HA01",
                    "name": "玻尿酸",
                    "specification": "1ml",
                    "base_unit": "支",
                },
                "pack_unit": None,
                "unit": "支",
                "quantity": "3.000",
                "base_quantity": "3.000",
                "unit_price": "15.5000",
                "amount": "46.50",
                "lot": None,
                "batch_no": "B2",
                "production_date": None,
                "expiry_date": f"{days(200):%Y-%m-%d}",
                "serial_no": "",
                "bin": None,
                "to_bin": None,
            },
        ],
    }
    assert send(client, "get", f"{BASE}/receipts/{doc.pk}").json() == body

    shelf = BinFactory(warehouse=central, code="A-01")
    update = receipt_body(central, supplier, item, note="改")
    update["lines"] = update["lines"][:1]
    update["lines"][0]["bin_id"] = shelf.pk
    response = send(client, "put", f"{BASE}/receipts/{doc.pk}", update)
    assert response.status_code == 200
    assert (response.json()["note"], len(response.json()["lines"]), response.json()["lines"][0]["bin"]) == (
        "改",
        1,
        {"id": shelf.pk, "code": "A-01"},
    )

    response = send(client, "post", f"{BASE}/receipts/{doc.pk}/submit")
    assert (response.status_code, response.json()["status"]) == (200, "submitted")
    response = send(client, "post", f"{BASE}/receipts/{doc.pk}/post")
    assert (response.status_code, response.json()["status"]) == (200, "posted")
    posted = response.json()
    lot = Lot.objects.get()
    assert posted["lines"][0]["lot"] == {
        "id": lot.pk,
        "batch_no": "B1",
        "expiry_date": f"{days(400):%Y-%m-%d}",
        "unit_cost": "15.0125",
    }
    assert on_hand(central, item) == Decimal(20)

    response = send(client, "post", f"{BASE}/receipts/{doc.pk}/reverse", {"note": "退货"})
    reversal = StockDocument.objects.get(reverses=doc)
    assert (response.status_code, response.json()["id"], response.json()["note"]) == (
        200,
        reversal.pk,
        "退货",
    )
    assert response.json()["reverses"] == {"id": doc.pk, "number": doc.number}
    original = send(client, "get", f"{BASE}/receipts/{doc.pk}").json()
    assert (original["status"], original["reversed_by"]) == (
        "reversed",
        {"id": reversal.pk, "number": reversal.number},
    )
    assert on_hand(central, item) == Decimal(0)
    assert verify() == []


@pytest.mark.req("INV-04")
def test_other_inbound_through_receipts_and_the_type_filter(logged_in, keeper, central, supplier, item):
    client = logged_in(keeper)
    body = {
        "type": "other_inbound",
        "warehouse_id": central.pk,
        "inbound_kind": "gift",
        "lines": [
            {"item_id": item.pk, "quantity": "4", "batch_no": "G", "expiry_date": f"{days(30):%Y-%m-%d}"}
        ],
    }
    response = send(client, "post", f"{BASE}/receipts", body)
    assert response.status_code == 201
    gift = response.json()
    assert (gift["type"], gift["inbound_kind"], gift["number"][:3], gift["lines"][0]["unit_price"]) == (
        "other_inbound",
        "gift",
        "QR-",
        "100.0000",
    )
    receipt = send(client, "post", f"{BASE}/receipts", receipt_body(central, supplier, item)).json()
    listed = send(client, "get", f"{BASE}/receipts").json()
    assert (listed["count"], [i["id"] for i in listed["items"]]) == (2, [receipt["id"], gift["id"]])
    listed = send(client, "get", f"{BASE}/receipts?type=other_inbound").json()
    assert listed == {
        "count": 1,
        "items": [
            {
                "id": gift["id"],
                "number": gift["number"],
                "type": "other_inbound",
                "status": "draft",
                "warehouse": {"id": central.pk, "code": "ZK", "name": "中心库"},
                "to_warehouse": None,
                "supplier": None,
                "inbound_kind": "gift",
                "issue_kind": "",
                "invoice_no": "",
                "line_count": 1,
                "amount": "400.00",
                "created_at": gift["created_at"],
                "posted_at": None,
            }
        ],
    }
    assert send(client, "get", f"{BASE}/receipts?supplier={supplier.pk}").json()["count"] == 1
    assert send(client, "get", f"{BASE}/receipts?item=HA01&status=draft&limit=1").json()["count"] == 2
    assert len(send(client, "get", f"{BASE}/receipts?limit=1&offset=1").json()["items"]) == 1
    assert send(client, "get", f"{BASE}/receipts?number={gift['number']}").json()["count"] == 1
    assert send(client, "get", f"{BASE}/receipts?date_from={days(1):%Y-%m-%d}").json()["count"] == 0
    response = send(client, "get", f"{BASE}/receipts?type=issue")
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)


# --- issues, transfers, unpackings ------------------------------------------------------------------


@pytest.mark.req("INV-05")
def test_issue_fefo_submit_post(logged_in, keeper, central, dept_wh, supplier, item):
    receive(keeper, central, supplier, item, 30, batch="LATE", expiry=days(300))
    receive(keeper, central, supplier, item, 10, batch="SOON", expiry=days(30))
    client = logged_in(keeper)
    body = {
        "warehouse_id": central.pk,
        "issue_kind": "department",
        "to_warehouse_id": dept_wh.pk,
        "lines": [{"item_id": item.pk, "quantity": "15"}],
    }
    response = send(client, "post", f"{BASE}/issues", body)
    assert response.status_code == 201, response.content
    issue = response.json()
    assert [(line["lot"]["batch_no"], line["quantity"], line["amount"]) for line in issue["lines"]] == [
        ("SOON", "10.000", "100.00"),
        ("LATE", "5.000", "50.00"),
    ]
    assert (issue["to_warehouse"]["id"], issue["department"]["id"], issue["total_amount"]) == (
        dept_wh.pk,
        dept_wh.department_id,
        "150.00",
    )
    send(client, "post", f"{BASE}/issues/{issue['id']}/submit")
    response = send(client, "post", f"{BASE}/issues/{issue['id']}/post", {})
    assert response.json()["status"] == "posted"
    assert (on_hand(central, item), on_hand(dept_wh, item)) == (Decimal(25), Decimal(15))
    assert set(StockMove.objects.filter(document_id=issue["id"]).values_list("move_type", flat=True)) == {
        MoveType.ISSUE_OUT,
        MoveType.ISSUE_IN,
    }
    listed = send(client, "get", f"{BASE}/issues?warehouse={dept_wh.pk}").json()
    assert [i["id"] for i in listed["items"]] == [issue["id"]]


@pytest.mark.req("INV-05")
def test_issue_refused_for_lack_of_stock_writes_nothing(logged_in, keeper, central, supplier, item):
    receive(keeper, central, supplier, item, 2)
    client = logged_in(keeper)
    before = state()
    body = {
        "warehouse_id": central.pk,
        "issue_kind": "usage",
        "lines": [{"item_id": item.pk, "quantity": "3"}],
    }
    response = send(client, "post", f"{BASE}/issues", body)
    assert (response.status_code, response["Content-Type"], response.json()["code"]) == (
        409,
        PROBLEM,
        "insufficient_stock",
    )
    assert errors_of(response)[0][0] == "lines"
    assert state() == before


@pytest.mark.req("INV-06")
def test_transfer_put_and_post_with_a_posting_time(logged_in, keeper, central, supplier, item, branch):
    receive(keeper, central, supplier, item, 10)
    east = WarehouseFactory(branch=branch, code="FK", name="分库")
    client = logged_in(keeper)
    body = {
        "warehouse_id": central.pk,
        "to_warehouse_id": east.pk,
        "lines": [{"item_id": item.pk, "quantity": "1"}],
    }
    transfer = send(client, "post", f"{BASE}/transfers", body).json()
    body["lines"][0]["quantity"] = "4"
    body["note"] = "补货"
    response = send(client, "put", f"{BASE}/transfers/{transfer['id']}", body)
    assert (response.json()["lines"][0]["quantity"], response.json()["note"]) == ("4.000", "补货")
    send(client, "post", f"{BASE}/transfers/{transfer['id']}/submit")
    before = state()
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    response = send(client, "post", f"{BASE}/transfers/{transfer['id']}/post", {"posted_at": future})
    assert response.status_code == 422
    assert errors_of(response) == [("posted_at", gettext("A document cannot be posted with a future date."))]
    assert state() == before
    moment = timezone.now() - datetime.timedelta(minutes=30)
    response = send(
        client, "post", f"{BASE}/transfers/{transfer['id']}/post", {"posted_at": moment.isoformat()}
    )
    assert (response.status_code, response.json()["posted_at"]) == (200, iso(moment))
    assert (on_hand(central, item), on_hand(east, item)) == (Decimal(6), Decimal(4))
    assert {m.posted_at for m in StockMove.objects.filter(document_id=transfer["id"])} == {moment}


@pytest.mark.req("INV-08")
def test_unpacking_endpoints(logged_in, keeper, central, supplier, branch):
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
    response = send(
        client,
        "post",
        f"{BASE}/unpackings",
        {"warehouse_id": central.pk, "lines": [{"item_id": box.pk, "quantity": 1}]},
    )
    assert response.status_code == 201
    doc = response.json()
    assert (doc["type"], doc["lines"][0]["lot"]["batch_no"], doc["total_amount"]) == (
        "unpacking",
        "BT1",
        "1500.00",
    )
    send(client, "post", f"{BASE}/unpackings/{doc['id']}/submit")
    assert send(client, "post", f"{BASE}/unpackings/{doc['id']}/post").json()["status"] == "posted"
    assert (on_hand(central, box), on_hand(central, vial)) == (Decimal(1), Decimal(10))
    before = state()
    response = send(
        client,
        "post",
        f"{BASE}/unpackings",
        {"warehouse_id": central.pk, "lines": [{"item_id": vial.pk, "quantity": 1}]},
    )
    assert response.status_code == 422
    assert errors_of(response) == [
        (
            "lines.1.item",
            gettext("Line %(n)s: %(item)s has no unpacking rule (what one unit becomes).")
            % {"n": 1, "item": "肉毒素 支"},
        )
    ]
    assert state() == before


# --- transitions ------------------------------------------------------------------------------------


@pytest.mark.req("INV-04")
def test_approval_when_configured_and_cancel(logged_in, keeper, central, supplier, item, branch):
    admin = scoped_user(
        "admin", branch, ["configuration.view_parametervalue", "configuration.change_parametervalue"]
    )
    parameter_set(actor=admin, key="inventory.approval_receipt", value=True)
    client = logged_in(keeper)
    doc = send(client, "post", f"{BASE}/receipts", receipt_body(central, supplier, item)).json()
    before = state()
    response = send(client, "post", f"{BASE}/receipts/{doc['id']}/approve")
    assert (response.status_code, response.json()["code"]) == (409, "illegal_transition")
    assert state() == before
    send(client, "post", f"{BASE}/receipts/{doc['id']}/submit")
    before = state()
    response = send(client, "post", f"{BASE}/receipts/{doc['id']}/post")
    assert (response.status_code, response.json()["code"]) == (409, "illegal_transition")
    assert state() == before
    response = send(client, "post", f"{BASE}/receipts/{doc['id']}/approve")
    assert (response.status_code, response.json()["code"]) == (403, "self_approval")
    assert state() == before
    head = logged_in(scoped_user("head", branch, PERMS))
    response = send(head, "post", f"{BASE}/receipts/{doc['id']}/approve")
    assert (response.status_code, response.json()["status"]) == (200, "approved")
    assert response.json()["approved_at"] == iso(StockDocument.objects.get().approved_at)
    client = logged_in(keeper)
    response = send(client, "post", f"{BASE}/receipts/{doc['id']}/cancel")
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert StockMove.objects.count() == 0
    before = state()
    response = send(client, "put", f"{BASE}/receipts/{doc['id']}", receipt_body(central, supplier, item))
    assert (response.status_code, response.json()["code"]) == (409, "illegal_transition")
    response = send(client, "post", f"{BASE}/receipts/{doc['id']}/post")
    assert (response.status_code, response.json()["code"]) == (409, "illegal_transition")
    assert state() == before


@pytest.mark.req("INV-04", "INV-05", "INV-06", "INV-08")
def test_a_document_through_the_wrong_resource_is_404(logged_in, keeper, central, supplier, item):
    doc = receive(keeper, central, supplier, item, 3)
    client = logged_in(keeper)
    before = state()
    for resource in ("issues", "transfers", "unpackings"):
        assert send(client, "get", f"{BASE}/{resource}/{doc.pk}").status_code == 404
        for action in ("submit", "approve", "post", "cancel", "reverse"):
            response = send(client, "post", f"{BASE}/{resource}/{doc.pk}/{action}")
            assert (response.status_code, response["Content-Type"]) == (404, PROBLEM)
    assert send(client, "get", f"{BASE}/receipts/-1").status_code == 404
    assert send(client, "get", f"{BASE}/receipts/{doc.pk}").status_code == 200
    assert state() == before


# --- bad input --------------------------------------------------------------------------------------


@pytest.mark.req("INV-04")
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"lines": [{"quantity": "abc"}]}, "lines.1.quantity", "Enter a number, for example 10 or 2.5."),
        ({"lines": [{}, {"quantity": "0"}]}, "lines.2.quantity", "The quantity must be greater than zero."),
        (
            {"lines": [{}, {"quantity": 2.5}]},
            "lines.2.quantity",
            'Send a decimal as a string, for example "2.5".',
        ),
        ({"lines": [{}, {"quantity": "1e30"}]}, "lines.2.quantity", "Enter a number, for example 10 or 2.5."),
        ({"lines": [{"quantity": "9" * 26}]}, "lines.1.quantity", "Enter a number, for example 10 or 2.5."),
        (
            {"lines": [{"unit_price": "NaN"}]},
            "lines.1.unit_price",
            "Enter a valid amount, for example 1234.50.",
        ),
        (
            {"lines": [{"unit_price": "1e30"}]},
            "lines.1.unit_price",
            "Enter a valid amount, for example 1234.50.",
        ),
        ({"lines": [{"unit_price": "-1"}]}, "lines.1.unit_price", "The unit price must be zero or more."),
        ({"lines": [{"expiry_date": "2026-02-31"}]}, "lines.1.expiry_date", "Enter a date as YYYY-MM-DD."),
        ({"lines": [{"pack_unit_id": -5}]}, "lines.1.pack_unit", None),
        ({"lines": []}, "lines", "Add at least one line."),
        ({"supplier_id": None}, "supplier", "Choose the supplier."),
        ({"warehouse_id": -1}, "warehouse", None),
        ({"lines": [{"item_id": "x"}]}, "lines.0.item_id", None),
        ({"type": "issue"}, "type", None),
    ],
)
def test_bad_receipt_input_is_422_and_writes_nothing(
    logged_in, keeper, central, supplier, item, change, field, message
):
    body = receipt_body(central, supplier, item)
    for key, value in change.items():
        if key == "lines" and value:
            body["lines"] = [{**body["lines"][n], **patch} for n, patch in enumerate(value)]
        else:
            body[key] = value
    before = state()
    response = send(logged_in(keeper), "post", f"{BASE}/receipts", body)
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM), response.content
    assert errors_of(response)[0][0] == field
    if message is not None:
        assert errors_of(response)[0][1] == gettext(message)
    assert state() == before


@pytest.mark.req("INV-04")
def test_malformed_json_is_400(logged_in, keeper):
    response = logged_in(keeper).post(f"{BASE}/receipts", data="{", content_type="application/json")
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM)
    assert StockDocument.objects.count() == 0


# --- permissions and scope --------------------------------------------------------------------------


@pytest.mark.req("INV-04", "INV-05", "INV-06", "INV-08")
def test_permission_matrix(client, logged_in, branch, other_branch, keeper, central, supplier, item):
    doc = receive(keeper, central, supplier, item, 3)
    body = receipt_body(central, supplier, item)
    before = state()
    # anonymous
    for method, path in (
        ("get", "/receipts"),
        ("get", f"/receipts/{doc.pk}"),
        ("post", f"/receipts/{doc.pk}/reverse"),
    ):
        assert send(client, method, f"{BASE}{path}").status_code == 401
    assert send(client, "post", f"{BASE}/receipts", body).status_code == 401
    # no permission
    nobody = logged_in(UserFactory(username="nobody", branches=[branch]))
    for resource in ("receipts", "issues", "transfers", "unpackings"):
        assert send(nobody, "get", f"{BASE}/{resource}").status_code == 403
    assert send(nobody, "get", f"{BASE}/receipts/{doc.pk}").status_code == 403
    assert send(nobody, "post", f"{BASE}/receipts", body).status_code == 403
    assert send(nobody, "post", f"{BASE}/receipts/{doc.pk}/reverse").status_code == 403
    # may read, may not post or reverse
    clerk = logged_in(
        scoped_user("clerk", branch, ["inventory.view_stockdocument", "inventory.add_stockdocument"])
    )
    assert send(clerk, "get", f"{BASE}/receipts/{doc.pk}").status_code == 200
    assert send(clerk, "post", f"{BASE}/receipts/{doc.pk}/reverse").status_code == 403
    # another branch of the organisation
    east = logged_in(scoped_user("east", other_branch, PERMS))
    assert send(east, "get", f"{BASE}/receipts").json() == {"items": [], "count": 0}
    assert send(east, "get", f"{BASE}/receipts/{doc.pk}").status_code == 404
    assert send(east, "post", f"{BASE}/receipts/{doc.pk}/reverse").status_code == 404
    assert send(east, "put", f"{BASE}/receipts/{doc.pk}", body).status_code == 404
    assert state() == before
    # permission
    assert send(logged_in(keeper), "get", f"{BASE}/receipts").json()["count"] == 1


@pytest.mark.req("INV-04", "INV-05")
def test_department_scope_lists_only_her_warehouses(
    logged_in, branch, department, keeper, central, dept_wh, supplier, item
):
    receive(keeper, central, supplier, item, 3)
    ours = svc.document_create(
        actor=keeper,
        doc_type=DocumentType.OTHER_INBOUND,
        warehouse=dept_wh,
        inbound_kind="other",
        lines=[svc.LineInput(item_id=item.pk, quantity=1, batch_no="D", expiry_date=days(90))],
    )
    nurse = logged_in(scoped_user("nurse", branch, PERMS, scope=DataScope.DEPARTMENT, department=department))
    listed = send(nurse, "get", f"{BASE}/receipts").json()
    assert (listed["count"], [i["id"] for i in listed["items"]]) == (1, [ours.pk])
    # and she cannot start a document in the central warehouse she does not see
    before = state()
    response = send(nurse, "post", f"{BASE}/receipts", receipt_body(central, supplier, item))
    assert (response.status_code, errors_of(response)[0][0]) == (422, "warehouse")
    assert state() == before


@pytest.mark.req("INV-04")
def test_bearer_token_works(branch, keeper, central, supplier, item):
    token_user = scoped_user("integration", branch, [*STOREKEEPER_PERMS, "accounts.add_apitoken"])
    secret = account_services.api_token_create(actor=token_user, name="t", days=1).secret
    headers = {"Authorization": f"Bearer {secret}"}
    response = send(Client(), "post", f"{BASE}/receipts", receipt_body(central, supplier, item), headers)
    assert response.status_code == 201
    assert send(Client(), "get", f"{BASE}/receipts", headers=headers).json()["count"] == 1


# --- query counts -----------------------------------------------------------------------------------


def populate(keeper, central, dept_wh, supplier, item, branch, n, tag):
    vial_box = ItemFactory(
        organisation=branch.organisation, base_unit="盒", unpack_item=item, unpack_quantity=Decimal(10)
    )
    receive(keeper, central, supplier, vial_box, n, batch=f"{tag}X")
    for i in range(n):
        two = [
            svc.LineInput(
                item_id=item.pk, quantity=5, unit_price="1", batch_no=f"{tag}B{i}", expiry_date=days(90)
            ),
            svc.LineInput(
                item_id=item.pk, quantity=5, unit_price="2", batch_no=f"{tag}C{i}", expiry_date=days(95)
            ),
        ]
        receipt = svc.document_create(
            actor=keeper, doc_type=DocumentType.RECEIPT, warehouse=central, supplier=supplier, lines=two
        )
        svc.document_submit(actor=keeper, document=receipt)
        svc.document_post(actor=keeper, document=receipt)
        lot = Lot.objects.get(batch_no=f"{tag}B{i}")
        one = [svc.LineInput(item_id=item.pk, quantity=1, lot_id=lot.pk)] * 2
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.ISSUE,
            warehouse=central,
            issue_kind=IssueKind.DEPARTMENT,
            to_warehouse=dept_wh,
            lines=one,
        )
        svc.document_create(
            actor=keeper, doc_type=DocumentType.TRANSFER, warehouse=central, to_warehouse=dept_wh, lines=one
        )
        svc.document_create(
            actor=keeper,
            doc_type=DocumentType.UNPACKING,
            warehouse=central,
            lines=[svc.LineInput(item_id=vial_box.pk, quantity=1)],
        )


@pytest.mark.req("INV-04", "INV-05", "INV-06", "INV-08")
@pytest.mark.parametrize(
    ("resource", "counts", "queries"),
    [("receipts", (4, 8), 8), ("issues", (3, 6), 8), ("transfers", (3, 6), 8), ("unpackings", (3, 6), 8)],
)
def test_list_endpoint_query_counts_do_not_grow(
    logged_in,
    keeper,
    central,
    dept_wh,
    supplier,
    item,
    branch,
    django_assert_num_queries,
    resource,
    counts,
    queries,
):
    client = logged_in(keeper)
    for tag, count in zip("PQ", counts, strict=True):
        populate(keeper, central, dept_wh, supplier, item, branch, 3, tag)
        send(client, "get", f"{BASE}/{resource}")
        with django_assert_num_queries(queries):
            response = send(client, "get", f"{BASE}/{resource}")
        assert (response.status_code, response.json()["count"], len(response.json()["items"])) == (
            200,
            count,
            count,
        )


@pytest.mark.req("INV-04")
def test_the_status_filter_offers_every_status():
    assert set(get_args(document_schemas.Status)) == set(DocumentStatus.values)


# --- fuzz -------------------------------------------------------------------------------------------

DOCUMENT_PATHS = (
    f"{BASE}/receipts",
    f"{BASE}/issues",
    f"{BASE}/transfers",
    f"{BASE}/unpackings",
    f"{BASE}/scan",
)


@pytest.mark.req("INV-04", "INV-05", "INV-06", "INV-08", "SPD-10")
def test_document_endpoints_never_fail(branch, keeper, central, dept_wh, supplier, item):
    """Whatever a storekeeper's client sends, never a 5xx; every error is problem JSON."""
    from tests.fuzz import assert_never_fails, operations, wsgi_schema

    user = scoped_user("fuzzer", branch, [*PERMS, "accounts.add_apitoken"])
    doc = receive(user, central, supplier, item, 5)
    svc.document_create(
        actor=user,
        doc_type=DocumentType.ISSUE,
        warehouse=central,
        issue_kind=IssueKind.USAGE,
        lines=[svc.LineInput(item_id=item.pk, quantity=1)],
    )
    assert doc.pk
    headers = {
        "Authorization": f"Bearer {account_services.api_token_create(actor=user, name='f', days=1).secret}"
    }
    with wsgi_schema() as schema:
        ops = operations(schema, DOCUMENT_PATHS)
        assert len(ops) == 4 * 9 + 1
        for operation in ops:
            assert_never_fails(operation, headers, max_examples=25)


@pytest.mark.req("INV-05")
def test_issue_saved_and_posted_in_one_request(logged_in, keeper, central, supplier, item):
    receive(keeper, central, supplier, item, 5)
    client = logged_in(keeper)
    body = {
        "warehouse_id": central.pk,
        "issue_kind": "usage",
        "post": True,
        "lines": [{"item_id": item.pk, "quantity": "2"}],
    }
    response = send(client, "post", f"{BASE}/issues", body)
    assert (response.status_code, response.json()["status"]) == (201, "posted")
    assert on_hand(central, item) == Decimal(3)
    before = state()
    body["lines"] = [{"item_id": item.pk, "quantity": "4"}]
    response = send(client, "post", f"{BASE}/issues", body)
    assert (response.status_code, response.json()["code"]) == (409, "insufficient_stock")
    assert state() == before
