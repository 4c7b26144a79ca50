"""The stocktake API (INV-07): /api/v1/inventory/stocktakes — exact bodies, the whole flow by
bearer token, problem JSON with nothing written for bad input, permission matrix, another branch
and department, query counts."""

# ruff: noqa: F811  (the fixtures imported from test_stocktake_support are parameters here)
from __future__ import annotations

import itertools
import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

from medspa.accounts import services as account_services
from medspa.accounts.models import User
from medspa.inventory import stocktake_services as svc
from medspa.inventory.models import StockMove, Stocktake
from tests.inventory.factories import WarehouseFactory
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
    item,
    keeper,
    state,
    stocked,
    supplier,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/inventory/stocktakes"
PROBLEM = "application/problem+json"
VIEW, ADD, APPROVE = "inventory.view_stocktake", "inventory.add_stocktake", "inventory.approve_stocktake"
SEQUENCE = itertools.count()


def send(client, method, url, body=None, headers=None):
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers or {},
    )


def bearer(user):
    group, _created = Group.objects.get_or_create(name="api-tokens")
    group.permissions.add(Permission.objects.get(codename="add_apitoken"))
    user.groups.add(group)
    user = User.objects.get(pk=user.pk)
    secret = account_services.api_token_create(actor=user, name="t", days=1).secret
    return {"Authorization": f"Bearer {secret}"}


def iso(value):
    return timezone.localtime(value).isoformat() if value else None


def user_with(branch, perms):
    base = [p for p in STOREKEEPER_PERMS if not p.endswith("stocktake")]
    return scoped_user(f"api{next(SEQUENCE)}", branch, [*base, *perms])


@pytest.fixture
def counting(keeper, central, stocked):
    stocktake = svc.stocktake_start(actor=keeper, warehouse=central)
    lines = {line.lot.batch_no or "gauze": line for line in stocktake.lines.select_related("lot")}
    return stocktake, lines


@pytest.mark.req("INV-07")
def test_the_whole_flow_by_token(keeper, approver, central, stocked, item, gauze):
    counter = Client()
    headers = bearer(keeper)
    response = send(counter, "post", API, {"warehouse": central.pk, "note": "年终"}, headers)
    assert response.status_code == 201, response.content
    stocktake = Stocktake.objects.get()
    body = response.json()
    b1, b2, lot_gauze = stocked["b1"], stocked["b2"], stocked["gauze"]
    line_ids = list(stocktake.lines.order_by("pk").values_list("pk", flat=True))
    assert body == {
        "id": stocktake.pk,
        "number": stocktake.number,
        "warehouse": {"id": central.pk, "name": "中心库"},
        "status": "counting",
        "category": None,
        "snapshot_at": iso(stocktake.snapshot_at),
        "note": "年终",
        "line_count": 3,
        "counted_count": 0,
        "created_by": {"id": keeper.pk, "name": str(keeper)},
        "created_at": iso(stocktake.created_at),
        "submitted_by": None,
        "submitted_at": None,
        "approved_by": None,
        "approved_at": None,
        "gain_value": "0.00",
        "loss_value": "0.00",
        "lines": [
            {
                "id": line_ids[0],
                "item": {
                    "id": item.pk,
                    "code": "HA01",
                    "name": "玻尿酸",
                    "specification": "1ml",
                    "base_unit": "支",
                },
                "lot": {
                    "id": b1.pk,
                    "batch_no": "B1",
                    "expiry_date": b1.expiry_date.isoformat(),
                    "unit_cost": "10.0000",
                },
                "bin": None,
                "owner": None,
                "book_quantity": "20.000",
                "counted_quantity": None,
                "difference": None,
                "difference_value": None,
            },
            {
                "id": line_ids[1],
                "item": {
                    "id": item.pk,
                    "code": "HA01",
                    "name": "玻尿酸",
                    "specification": "1ml",
                    "base_unit": "支",
                },
                "lot": {
                    "id": b2.pk,
                    "batch_no": "B2",
                    "expiry_date": b2.expiry_date.isoformat(),
                    "unit_cost": "12.5000",
                },
                "bin": None,
                "owner": None,
                "book_quantity": "5.000",
                "counted_quantity": None,
                "difference": None,
                "difference_value": None,
            },
            {
                "id": line_ids[2],
                "item": {
                    "id": gauze.pk,
                    "code": "SB01",
                    "name": "纱布",
                    "specification": "1ml",
                    "base_unit": "包",
                },
                "lot": {"id": lot_gauze.pk, "batch_no": "", "expiry_date": None, "unit_cost": "2.3000"},
                "bin": None,
                "owner": None,
                "book_quantity": "8.000",
                "counted_quantity": None,
                "difference": None,
                "difference_value": None,
            },
        ],
    }
    response = send(
        counter,
        "post",
        f"{API}/{stocktake.pk}/counts",
        {"counts": [{"line": line_ids[0], "quantity": "18"}, {"line": line_ids[2], "quantity": 8}]},
        headers,
    )
    assert response.status_code == 200, response.content
    assert [line["counted_quantity"] for line in response.json()["lines"]] == ["18.000", None, "8.000"]
    assert response.json()["loss_value"] == "-20.00"
    code = f"(01)06901234567892(17){b2.expiry_date:%y%m%d}(10)B2"
    response = send(counter, "post", f"{API}/{stocktake.pk}/scan", {"code": code, "quantity": 6}, headers)
    assert response.status_code == 200, response.content
    assert {
        key: response.json()[key] for key in ("id", "counted_quantity", "difference", "difference_value")
    } == {
        "id": line_ids[1],
        "counted_quantity": "6.000",
        "difference": "1.000",
        "difference_value": "12.50",
    }
    response = send(counter, "post", f"{API}/{stocktake.pk}/submit", {}, headers)
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["submitted_by"]) == (
        "submitted",
        {"id": keeper.pk, "name": str(keeper)},
    )
    # the counter may not approve, even by API
    response = send(counter, "post", f"{API}/{stocktake.pk}/approve", {}, headers)
    assert (response.status_code, response["Content-Type"]) == (403, PROBLEM)
    response = send(Client(), "post", f"{API}/{stocktake.pk}/approve", {}, bearer(approver))
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["approved_by"]["id"]) == ("posted", approver.pk)
    assert StockMove.objects.filter(document_type="stocktake", document_id=stocktake.pk).count() == 2


@pytest.mark.req("INV-07")
def test_self_approval_is_a_clear_problem(logged_in, branch, central, stocked):
    both = scoped_user("both", branch, APPROVER_PERMS)
    stocktake = svc.stocktake_start(actor=both, warehouse=central)
    svc.stocktake_submit(actor=both, stocktake=stocktake, uncounted_as_zero=True)
    before = state()
    response = send(logged_in(both), "post", f"{API}/{stocktake.pk}/approve", {})
    assert (response.status_code, response["Content-Type"]) == (403, PROBLEM)
    message = gettext("You counted stocktake %(number)s, so someone else must approve it.") % {
        "number": stocktake.number
    }
    assert (response.json()["code"], response.json()["detail"]) == ("self_approval", message)
    assert state() == before


@pytest.mark.req("INV-07")
def test_bad_input_is_problem_json_and_nothing_is_written(logged_in, keeper, approver, counting):
    stocktake, lines = counting
    client = logged_in(keeper)
    b1 = lines["B1"].pk
    before = state()
    cases = [
        (
            "post",
            f"{API}/{stocktake.pk}/counts",
            {"counts": [{"line": b1, "quantity": "-1"}]},
            422,
            f"counts.{b1}",
        ),
        (
            "post",
            f"{API}/{stocktake.pk}/counts",
            {"counts": [{"line": b1, "quantity": "1.0001"}]},
            422,
            f"counts.{b1}",
        ),
        (
            "post",
            f"{API}/{stocktake.pk}/counts",
            {"counts": [{"line": -1, "quantity": "1"}]},
            422,
            "counts.-1",
        ),
        ("post", f"{API}/{stocktake.pk}/counts", {"counts": []}, 422, "counts"),
        (
            "post",
            f"{API}/{stocktake.pk}/counts",
            {"counts": [{"line": b1, "quantity": "x"}]},
            422,
            "counts.0.quantity",
        ),
        ("post", f"{API}/{stocktake.pk}/scan", {"code": "06901234567885"}, 422, "code"),
        ("post", f"{API}/{stocktake.pk}/scan", {"code": "SB01", "quantity": 0}, 422, "quantity"),
        ("post", f"{API}/{stocktake.pk}/submit", {}, 422, "uncounted_as_zero"),
        ("post", f"{API}/{stocktake.pk}/approve", {}, 403, "__all__"),  # keeper lacks approval
        ("post", API, {"warehouse": stocktake.warehouse_id}, 409, "warehouse"),
        ("post", API, {"warehouse": -1}, 422, "warehouse"),
        ("post", API, {"warehouse": stocktake.warehouse_id, "note": "x" * 501}, 422, "note"),
        ("post", f"{API}/-1/cancel", None, 404, "__all__"),
    ]
    for method, address, body, status, field in cases:
        response = send(client, method, address, body)
        assert (response.status_code, response["Content-Type"]) == (status, PROBLEM), (
            address,
            body,
            response.content,
        )
        assert response.json()["errors"][0]["field"] == field, (address, body, response.json())
    assert state() == before
    response = send(logged_in(approver), "post", f"{API}/{stocktake.pk}/approve", {})
    assert (response.status_code, response.json()["code"]) == (409, "illegal_transition")
    assert state() == before


def endpoints(stocktake, line_id, warehouse_id):
    """(method, url, body, permissions needed)."""
    return [
        ("get", API, None, [VIEW]),
        ("post", API, {"warehouse": warehouse_id}, [ADD]),
        ("get", f"{API}/{stocktake.pk}", None, [VIEW]),
        ("post", f"{API}/{stocktake.pk}/counts", {"counts": [{"line": line_id, "quantity": "3"}]}, [ADD]),
        ("post", f"{API}/{stocktake.pk}/scan", {"code": "SB01"}, [ADD]),
        ("post", f"{API}/{stocktake.pk}/cancel", None, [ADD]),
    ]


@pytest.mark.req("INV-07")
def test_api_permission_matrix(client, logged_in, branch, central, counting):
    stocktake, lines = counting
    other = WarehouseFactory(branch=branch, code="QT", name="其他库")
    for method, address, body, perms in endpoints(stocktake, lines["B1"].pk, other.pk):
        before = state()
        response = send(client, method, address, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), address
        denied = logged_in(user_with(branch, [p for p in (VIEW, ADD, APPROVE) if p not in perms]))
        response = send(denied, method, address, body)
        assert (response.status_code, response["Content-Type"]) == (403, PROBLEM), (method, address)
        assert state() == before, (method, address)
        client.logout()
        allowed = logged_in(user_with(branch, [VIEW, *perms]))
        response = send(allowed, method, address, body)
        assert response.status_code in (200, 201), (method, address, response.content)
        client.logout()


@pytest.mark.req("INV-07", "PLT-05")
def test_other_branch_and_department_get_404(client, logged_in, east_keeper, dept_keeper, counting):
    stocktake, lines = counting
    for outsider in (east_keeper, dept_keeper):
        browser = logged_in(outsider)
        before = state()
        for method, address, body, _perms in endpoints(stocktake, lines["B1"].pk, 0)[2:]:
            response = send(browser, method, address, body)
            assert (response.status_code, response["Content-Type"]) == (404, PROBLEM), (method, address)
        for action in ("submit", "approve"):
            assert send(browser, "post", f"{API}/{stocktake.pk}/{action}", {}).status_code == 404
        assert send(browser, "get", API).json() == {"items": [], "count": 0}
        response = send(browser, "post", API, {"warehouse": stocktake.warehouse_id})
        assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "warehouse")
        assert state() == before
        client.logout()


@pytest.mark.req("INV-07")
@pytest.mark.parametrize("n", [3, 15])
def test_list_endpoint_query_count_and_filters(logged_in, branch, keeper, django_assert_num_queries, n):
    warehouses = [WarehouseFactory(branch=branch, code=f"Q{i:02d}") for i in range(n)]
    made = [svc.stocktake_start(actor=keeper, warehouse=warehouse) for warehouse in warehouses]
    svc.stocktake_cancel(actor=keeper, stocktake=made[0])
    client = logged_in(keeper)
    send(client, "get", API)
    with django_assert_num_queries(8):
        response = send(client, "get", f"{API}?limit=100")
    assert response.status_code == 200
    assert response.json()["count"] == n
    assert [item["number"] for item in response.json()["items"]] == [s.number for s in reversed(made)]
    filtered = send(client, "get", f"{API}?status=cancelled").json()
    assert [item["id"] for item in filtered["items"]] == [made[0].pk]
    filtered = send(client, "get", f"{API}?warehouse={warehouses[1].pk}").json()
    assert [item["id"] for item in filtered["items"]] == [made[1].pk]
    response = send(client, "get", f"{API}?status=nope")
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
