"""The monthly close API and stock as of a moment (INV-10): /api/v1/inventory/closes and
/api/v1/inventory/balances-as-of — exact bodies, refusals as problem JSON with nothing written,
permission matrix, another branch and department, query counts."""

# ruff: noqa: F811  (the fixtures imported from test_stocktake_support are parameters here)
from __future__ import annotations

import datetime
import itertools
import json

import pytest
import time_machine

from medspa.inventory import close_services as svc
from medspa.inventory.models import Lot, MonthClose
from tests.inventory.factories import WarehouseFactory
from tests.inventory.support import STOREKEEPER_PERMS, scoped_user
from tests.inventory.test_stocktake_support import (  # noqa: F401  (fixtures)
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

pytestmark = pytest.mark.django_db

NOW = local(2026, 5, 15, 10)
MARCH, APRIL = datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)
CLOSES, AS_OF = "/api/v1/inventory/closes", "/api/v1/inventory/balances-as-of"
PROBLEM = "application/problem+json"
VIEW, ADD, REOPEN = "inventory.view_monthclose", "inventory.add_monthclose", "inventory.reopen_monthclose"
VIEW_STOCK = "inventory.view_stockbalance"
SEQUENCE = itertools.count()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(keeper, central, supplier, item, gauze):
    """Mar 10: 玻尿酸 B1 ×20 at 10; Mar 20 use 3; Apr 5: 纱布 ×8 at 2.3."""
    receive(
        keeper,
        central,
        supplier,
        [(item, 20, "10", "B1", datetime.date(2027, 12, 31))],
        posted_at=local(2026, 3, 10),
    )
    issue(keeper, central, item, 3, posted_at=local(2026, 3, 20))
    receive(keeper, central, supplier, [(gauze, 8, "2.3", "", None)], posted_at=local(2026, 4, 5))
    return {"b1": Lot.objects.get(batch_no="B1"), "gauze": Lot.objects.get(item=gauze)}


def send(client, method, url, body=None):
    return getattr(client, method)(
        url, data=json.dumps(body) if body is not None else None, content_type="application/json"
    )


def user_with(branch, perms):
    base = [p for p in STOREKEEPER_PERMS if p not in (VIEW, VIEW_STOCK)]
    return scoped_user(f"apiclose{next(SEQUENCE)}", branch, [*base, *perms])


@pytest.mark.req("INV-10")
def test_close_detail_and_reopen_bodies(logged_in, closer, central, item, gauze, history):
    client = logged_in(closer)
    response = send(client, "post", CLOSES, {"warehouse": central.pk, "month": "2026-03"})
    assert response.status_code == 201, response.content
    close = MonthClose.objects.get()
    b1 = history["b1"]
    expected = {
        "id": close.pk,
        "warehouse": {"id": central.pk, "name": "中心库"},
        "month": "2026-03",
        "status": "closed",
        "closing_value": "170.00",
        "line_count": 1,
        "closed_at": NOW.isoformat(),
        "closed_by": {"id": closer.pk, "name": str(closer)},
        "updated_at": NOW.isoformat(),
        "lines": [
            {
                "item": {
                    "id": item.pk,
                    "code": "HA01",
                    "name": "玻尿酸",
                    "specification": "1ml",
                    "base_unit": "支",
                },
                "lot": {"id": b1.pk, "batch_no": "B1", "expiry_date": "2027-12-31", "unit_cost": "10.0000"},
                "owner": None,
                "quantity": "17.000",
                "value": "170.00",
            }
        ],
    }
    assert response.json() == expected
    assert send(client, "get", f"{CLOSES}/{close.pk}").json() == expected
    response = send(client, "post", f"{CLOSES}/{close.pk}/reopen", {"reason": "补录"})
    assert response.status_code == 200
    assert {key: response.json()[key] for key in ("status", "closing_value", "line_count", "lines")} == {
        "status": "reopened",
        "closing_value": "0.00",
        "line_count": 0,
        "lines": [],
    }


@pytest.mark.req("INV-10")
def test_refusals_are_problem_json_and_nothing_is_written(logged_in, closer, central, history):
    client = logged_in(closer)
    svc.close_month(actor=closer, warehouse=central, month=MARCH)
    april = svc.close_month(actor=closer, warehouse=central, month=APRIL)
    march = MonthClose.objects.get(month=MARCH)
    before = state()
    cases = [
        (CLOSES, {"warehouse": central.pk, "month": "2026-05"}, 422, "month", "invalid"),
        (CLOSES, {"warehouse": central.pk, "month": "2026-13"}, 422, "month", "invalid"),
        (CLOSES, {"warehouse": central.pk, "month": "May"}, 422, "month", None),
        (CLOSES, {"warehouse": central.pk, "month": "2026-04"}, 409, "month", "conflict"),
        (CLOSES, {"warehouse": central.pk, "month": "2026-02"}, 422, "month", "invalid"),
        (CLOSES, {"warehouse": -1, "month": "2026-04"}, 422, "warehouse", "invalid"),
        (f"{CLOSES}/{march.pk}/reopen", {"reason": "x"}, 409, "__all__", "illegal_transition"),
        (f"{CLOSES}/{april.pk}/reopen", {"reason": ""}, 422, "reason", None),
        (f"{CLOSES}/{april.pk}/reopen", {"reason": "   "}, 422, "reason", "invalid"),
        (f"{CLOSES}/-1/reopen", {"reason": "x"}, 404, "__all__", "not_found"),
    ]
    for address, body, status, field, code in cases:
        response = send(client, "post", address, body)
        assert (response.status_code, response["Content-Type"]) == (status, PROBLEM), (
            address,
            body,
            response.content,
        )
        problem = response.json()
        assert problem["errors"][0]["field"] == field, (address, body, problem)
        if code is not None:
            assert problem["code"] == code, (address, body, problem)
    assert state() == before


@pytest.mark.req("INV-10")
def test_balances_as_of(logged_in, keeper, central, item, gauze, history):
    client = logged_in(keeper)
    response = send(client, "get", f"{AS_OF}?warehouse={central.pk}&at=2026-04-10T12:00:00%2B08:00")
    assert response.status_code == 200, response.content
    b1, lot_gauze = history["b1"], history["gauze"]
    assert response.json() == {
        "warehouse": {"id": central.pk, "name": "中心库"},
        "at": "2026-04-10T12:00:00+08:00",
        "count": 2,
        "total_value": "188.40",
        "items": [
            {
                "item": {
                    "id": item.pk,
                    "code": "HA01",
                    "name": "玻尿酸",
                    "specification": "1ml",
                    "base_unit": "支",
                },
                "lot": {"id": b1.pk, "batch_no": "B1", "expiry_date": "2027-12-31", "unit_cost": "10.0000"},
                "owner": None,
                "quantity": "17.000",
                "unit_cost": "10.0000",
                "value": "170.00",
            },
            {
                "item": {
                    "id": gauze.pk,
                    "code": "SB01",
                    "name": "纱布",
                    "specification": "1ml",
                    "base_unit": "包",
                },
                "lot": {"id": lot_gauze.pk, "batch_no": "", "expiry_date": None, "unit_cost": "2.3000"},
                "owner": None,
                "quantity": "8.000",
                "unit_cost": "2.3000",
                "value": "18.40",
            },
        ],
    }
    # without an offset: clinic time; limit/offset page the rows, the totals stay whole
    response = send(client, "get", f"{AS_OF}?warehouse={central.pk}&at=2026-04-10T12:00&limit=1&offset=1")
    body = response.json()
    assert (body["at"], body["count"], body["total_value"]) == ("2026-04-10T12:00:00+08:00", 2, "188.40")
    assert [row["item"]["code"] for row in body["items"]] == ["SB01"]
    before = state()
    for query, status in [
        (f"warehouse={central.pk}", 422),
        ("at=2026-04-10T12:00", 422),
        ("warehouse=-1&at=2026-04-10T12:00", 404),
    ]:
        response = send(client, "get", f"{AS_OF}?{query}")
        assert (response.status_code, response["Content-Type"]) == (status, PROBLEM), query
    assert state() == before


def endpoints(close, central):
    """(method, url, body, permissions needed)."""
    return [
        ("get", f"{CLOSES}/{close.pk}", None, [VIEW]),
        ("post", f"{CLOSES}/{close.pk}/reopen", {"reason": "调整"}, [REOPEN]),
        ("get", f"{AS_OF}?warehouse={central.pk}&at=2026-04-10T12:00", None, [VIEW_STOCK]),
        ("get", CLOSES, None, [VIEW]),
        ("post", CLOSES, {"warehouse": central.pk, "month": "2026-04"}, [ADD]),
    ]


@pytest.mark.req("INV-10")
def test_api_permission_matrix(client, logged_in, branch, closer, central, history):
    close = svc.close_month(actor=closer, warehouse=central, month=MARCH)
    for method, address, body, perms in endpoints(close, central):
        before = state()
        response = send(client, method, address, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), address
        others = [p for p in (VIEW, ADD, REOPEN, VIEW_STOCK) if p not in perms]
        response = send(logged_in(user_with(branch, others)), method, address, body)
        assert (response.status_code, response["Content-Type"]) == (403, PROBLEM), (method, address)
        assert state() == before, (method, address)
        client.logout()
        response = send(logged_in(user_with(branch, [VIEW, *perms])), method, address, body)
        assert response.status_code in (200, 201), (method, address, response.content)
        client.logout()


@pytest.mark.req("INV-10", "PLT-05")
def test_other_branch_and_department_get_404(
    client, logged_in, closer, east_keeper, dept_keeper, central, history
):
    close = svc.close_month(actor=closer, warehouse=central, month=MARCH)
    for outsider in (east_keeper, dept_keeper):
        browser = logged_in(outsider)
        before = state()
        for method, address, body, _perms in endpoints(close, central)[:3]:
            response = send(browser, method, address, body)
            assert (response.status_code, response["Content-Type"]) == (404, PROBLEM), (method, address)
        assert send(browser, "get", CLOSES).json() == {"items": [], "count": 0}
        response = send(browser, "post", CLOSES, {"warehouse": central.pk, "month": "2026-04"})
        assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "warehouse")
        assert state() == before
        client.logout()


@pytest.mark.req("INV-10")
@pytest.mark.parametrize("n", [3, 15])
def test_list_endpoint_query_count_and_filters(logged_in, branch, closer, django_assert_num_queries, n):
    warehouses = [WarehouseFactory(branch=branch, code=f"Q{i:02d}") for i in range(n)]
    for warehouse in warehouses:
        svc.close_month(actor=closer, warehouse=warehouse, month=MARCH)
    svc.close_month(actor=closer, warehouse=warehouses[0], month=APRIL)
    client = logged_in(closer)
    send(client, "get", CLOSES)
    with django_assert_num_queries(8):
        response = send(client, "get", f"{CLOSES}?limit=100")
    assert response.status_code == 200
    assert response.json()["count"] == n + 1
    body = send(client, "get", f"{CLOSES}?warehouse={warehouses[0].pk}").json()
    assert [item["month"] for item in body["items"]] == ["2026-04", "2026-03"]
    reopened = MonthClose.objects.get(warehouse=warehouses[0], month=APRIL)
    svc.reopen_month(actor=closer, close=reopened, reason="调整")
    body = send(client, "get", f"{CLOSES}?status=reopened").json()
    assert [item["id"] for item in body["items"]] == [reopened.pk]
    assert send(client, "get", f"{CLOSES}?year=2025").json() == {"items": [], "count": 0}
