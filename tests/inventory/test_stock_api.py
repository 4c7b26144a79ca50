"""The stock query API (INV-03, INV-09, INV-10): /api/v1/inventory/balances (+ shortages,
overstocks, near-expiry, expired), /moves, /lots, /lots/{id}, /alerts, /alerts/read — exact
bodies, the permission matrix with nothing changed on denial, the data scope, problem JSON for
bad input, and pinned query counts."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from medspa.accounts import services as account_services
from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.inventory import stock_services
from medspa.inventory.models import StockAlert, StockMove
from tests.factories import OrganisationFactory
from tests.inventory.factories import ItemFactory, StockLevelFactory
from tests.inventory.test_stock_support import (  # noqa: F401  (clear_cache is a fixture)
    STOCK_PERMS,
    D,
    add_certificates,
    add_levels,
    build_world,
    clear_cache,
    days,
    department_user,
    lot,
    receive,
    state,
    stock_user,
    today,
)

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
API = "/api/v1/inventory"


@pytest.fixture
def world(branch, other_branch):
    world = build_world(branch, other_branch)
    add_levels(world)
    return world


@pytest.fixture
def keeper(world):
    return stock_user(world.branch, username="keeper")


def send(client, method, url, body=None, headers=None, **params):
    if method == "get":
        return client.get(url, params, headers=headers or {})
    return client.post(
        url,
        data=json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/json",
        headers=headers or {},
    )


def bearer(user, branch=None):
    group, _created = Group.objects.get_or_create(name="api-tokens")
    group.permissions.add(Permission.objects.get(codename="add_apitoken"))
    user.groups.add(group)
    user = User.objects.get(pk=user.pk)
    secret = account_services.api_token_create(actor=user, name="t", days=1).secret
    headers = {"Authorization": f"Bearer {secret}"}
    if branch is not None:
        headers["X-Branch"] = str(branch.pk)
    return headers


def iso(value):
    return timezone.localtime(value).isoformat()


def item(it):
    return {
        "id": it.pk,
        "code": it.code,
        "name": it.name,
        "specification": it.specification,
        "base_unit": it.base_unit,
    }


def wh(w):
    return {"id": w.pk, "code": w.code, "name": w.name}


def lot_ref(lt):
    expiry = lt.expiry_date.isoformat() if lt.expiry_date else None
    return {"id": lt.pk, "batch_no": lt.batch_no, "expiry_date": expiry, "unit_cost": f"{lt.unit_cost:.4f}"}


def endpoints(world):
    """(method, url, body, permissions needed)"""
    alert = StockAlert.objects.filter(branch=world.branch).order_by("pk").first()
    return [
        ("get", f"{API}/balances", None, ["inventory.view_stockbalance"]),
        ("get", f"{API}/balances/shortages", None, ["inventory.view_stockbalance"]),
        ("get", f"{API}/balances/overstocks", None, ["inventory.view_stockbalance"]),
        ("get", f"{API}/balances/near-expiry", None, ["inventory.view_stockbalance"]),
        ("get", f"{API}/balances/expired", None, ["inventory.view_stockbalance"]),
        ("get", f"{API}/moves", None, ["inventory.view_stockmove"]),
        ("get", f"{API}/lots", None, ["inventory.view_lot"]),
        (
            "get",
            f"{API}/lots/{world.ha1.pk}",
            None,
            ["inventory.view_stockbalance", "inventory.view_stockmove", "inventory.view_lot"],
        ),
        ("get", f"{API}/alerts", None, ["inventory.view_stockalert"]),
        (
            "post",
            f"{API}/alerts/read",
            {"alert_ids": [alert.pk]},
            ["inventory.view_stockalert", "inventory.change_stockalert"],
        ),
    ]


@pytest.mark.req("INV-09", "INV-03")
def test_permission_matrix(client, logged_in, world):
    stock_services.alerts_generate(day=today())
    for method, url, body, perms in endpoints(world):
        before = state()
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), url
        denied = logged_in(stock_user(world.branch, perms[:-1]))
        response = send(denied, method, url, body)
        assert (response.status_code, response["Content-Type"], response.json()["code"]) == (
            403,
            PROBLEM,
            "permission_denied",
        ), url
        assert state() == before, url
        client.logout()
        allowed = logged_in(stock_user(world.branch, perms))
        assert send(allowed, method, url, body).status_code == 200, (
            url,
            send(allowed, method, url, body).content,
        )
        client.logout()


@pytest.mark.req("INV-09", "INV-10")
def test_balances_grouped(logged_in, world, keeper):
    client = logged_in(keeper)
    response = send(client, "get", f"{API}/balances", group_by="item")
    assert response.json() == {
        "items": [
            {
                "item": item(world.btx),
                "warehouse": None,
                "lot": None,
                "bin": None,
                "owner": None,
                "quantity": "3.000",
                "value": "2400.00",
            },
            {
                "item": item(world.gauze),
                "warehouse": None,
                "lot": None,
                "bin": None,
                "owner": None,
                "quantity": "50.000",
                "value": "6.26",
            },
            {
                "item": item(world.ha),
                "warehouse": None,
                "lot": None,
                "bin": None,
                "owner": None,
                "quantity": "137.000",
                "value": "230.50",
            },
        ],
        "count": 3,
        "total_value": "2636.75",
        "total_quantity": None,
        "unit": None,
    }
    response = send(client, "get", f"{API}/balances", group_by="warehouse", q="玻尿酸", limit=1, offset=1)
    assert response.json() == {
        "items": [
            {
                "item": item(world.ha),
                "warehouse": wh(world.beauty),
                "lot": None,
                "bin": None,
                "owner": None,
                "quantity": "17.000",
                "value": "24.50",
            }
        ],
        "count": 2,
        "total_value": "230.50",
        "total_quantity": "137.000",
        "unit": "支",
    }
    response = send(client, "get", f"{API}/balances", group_by="lot", item=world.ha.pk, limit=2)
    body = response.json()
    assert [(row["lot"], row["quantity"], row["value"]) for row in body["items"]] == [
        (lot_ref(world.ha0), "2.000", "2.00"),
        (lot_ref(world.ha2), "30.000", "70.00"),
    ]
    assert (body["count"], body["total_quantity"], body["total_value"]) == (4, "137.000", "230.50")


@pytest.mark.req("INV-09", "INV-10")
def test_balance_rows(logged_in, world, keeper):
    client = logged_in(keeper)
    response = send(client, "get", f"{API}/balances", warehouse=world.skin_wh.pk)
    assert response.json() == {
        "items": [
            {
                "item": item(world.gauze),
                "warehouse": wh(world.skin_wh),
                "lot": lot_ref(world.gauze1),
                "bin": None,
                "owner": {"id": world.supplier.pk, "name": "华东医药"},
                "quantity": "50.000",
                "value": "6.26",
            }
        ],
        "count": 1,
        "total_value": "6.26",
        "total_quantity": "50.000",
        "unit": "包",
    }
    body = send(client, "get", f"{API}/balances", owner="own").json()
    assert (body["count"], body["total_value"]) == (6, "2630.50")


@pytest.mark.req("INV-09")
def test_views_shortage_overstock_expiry(logged_in, world, keeper):
    client = logged_in(keeper)
    short = send(client, "get", f"{API}/balances/shortages").json()
    assert [
        (
            r["warehouse"]["code"],
            r["item"]["code"],
            r["min_quantity"],
            r["max_quantity"],
            r["on_hand"],
            r["missing"],
        )
        for r in short["items"]
    ] == [
        ("C01", "HA01", "200.000", "500.000", "120.000", "80.000"),
        ("D01", "BT01", "5.000", "10.000", "0.000", "5.000"),
    ]
    assert short["count"] == 2
    over = send(client, "get", f"{API}/balances/overstocks").json()
    assert over["items"] == [
        {
            "id": over["items"][0]["id"],
            "item": item(world.btx),
            "warehouse": wh(world.central),
            "min_quantity": "1.000",
            "max_quantity": "2.000",
            "on_hand": "3.000",
            "excess": "1.000",
        }
    ]
    near = send(client, "get", f"{API}/balances/near-expiry").json()
    assert [(r["lot"]["batch_no"], r["days_left"], r["quantity"], r["value"]) for r in near["items"]] == [
        ("HA-2399", 0, "2.000", "2.00"),
        ("HA-2402", 30, "30.000", "70.00"),
    ]
    assert (near["total_value"], near["total_quantity"], near["unit"]) == ("72.00", "32.000", "支")
    assert send(client, "get", f"{API}/balances/near-expiry", days=0).json()["count"] == 1
    assert (
        send(client, "get", f"{API}/balances/near-expiry", days=200, warehouse=world.beauty.pk).json()[
            "count"
        ]
        == 2
    )
    gone = send(client, "get", f"{API}/balances/expired").json()
    assert [
        (r["warehouse"]["code"], r["lot"]["batch_no"], r["days_left"], r["value"]) for r in gone["items"]
    ] == [("C01", "BTX-01", -5, "2400.00")]


@pytest.mark.req("INV-09", "INV-10")
def test_moves_where_did_the_lot_go(logged_in, world, keeper):
    client = logged_in(keeper)
    response = send(client, "get", f"{API}/moves", batch_no="HA-2401", limit=2)
    body = response.json()
    assert body["count"] == 5
    t6, t5 = StockMove.objects.filter(document_number__in=["T-6", "T-5"]).order_by("-pk")
    assert body["items"] == [
        {
            "id": t6.pk,
            "posted_at": iso(t6.posted_at),
            "move_type": "receipt",
            "document_type": "test",
            "document_id": 6,
            "document_number": "T-6",
            "warehouse": wh(world.central),
            "bin": None,
            "item": item(world.ha),
            "lot": lot_ref(world.ha1b),
            "serial_no": None,
            "owner": None,
            "quantity": "10.000",
            "unit_cost": "1.6000",
            "value": "16.00",
            "posted_by": str(world.poster),
        },
        {
            "id": t5.pk,
            "posted_at": iso(t5.posted_at),
            "move_type": "usage",
            "document_type": "test",
            "document_id": 5,
            "document_number": "T-5",
            "warehouse": wh(world.beauty),
            "bin": None,
            "item": item(world.ha),
            "lot": lot_ref(world.ha1),
            "serial_no": None,
            "owner": None,
            "quantity": "-5.000",
            "unit_cost": "1.5000",
            "value": "-7.50",
            "posted_by": str(world.poster),
        },
    ]
    director = stock_user(
        world.branch, scope=DataScope.ORGANISATION, branches=[world.branch, world.east], username="boss"
    )
    client.logout()
    client = logged_in(director)
    body = send(client, "get", f"{API}/moves", batch_no="HA-2401", limit=200).json()
    assert sorted((m["warehouse"]["code"], m["quantity"]) for m in body["items"]) == [
        ("C01", "-20.000"),
        ("C01", "10.000"),
        ("C01", "100.000"),
        ("D01", "-5.000"),
        ("D01", "20.000"),
        ("E01", "10.000"),
    ]
    assert send(client, "get", f"{API}/moves", direction="out").json()["count"] == 2
    period = {"date_from": f"{days(-1):%Y-%m-%d}", "date_to": f"{days(-1):%Y-%m-%d}"}
    assert [m["document_number"] for m in send(client, "get", f"{API}/moves", **period).json()["items"]] == [
        "T-4",
        "T-3",
    ]


@pytest.mark.req("INV-03")
def test_lots(logged_in, world, keeper):
    client = logged_in(keeper)
    body = send(client, "get", f"{API}/lots", item=world.ha.pk, expiring_within=30).json()
    assert body == {
        "items": [
            {
                "id": world.ha0.pk,
                "item": item(world.ha),
                "batch_no": "HA-2399",
                "production_date": None,
                "expiry_date": today().isoformat(),
                "unit_cost": "1.0000",
                "supplier": None,
                "on_hand": "2.000",
                "value": "2.00",
            },
            {
                "id": world.ha2.pk,
                "item": item(world.ha),
                "batch_no": "HA-2402",
                "production_date": None,
                "expiry_date": days(30).isoformat(),
                "unit_cost": "2.3333",
                "supplier": None,
                "on_hand": "30.000",
                "value": "70.00",
            },
        ],
        "count": 2,
    }
    detail = send(client, "get", f"{API}/lots/{world.ha1.pk}").json()
    assert (detail["batch_no"], detail["on_hand"], detail["value"], detail["moves_count"]) == (
        "HA-2401",
        "95.000",
        "142.50",
        4,
    )
    assert [(b["warehouse"]["code"], b["quantity"], b["value"]) for b in detail["locations"]] == [
        ("C01", "80.000", "120.00"),
        ("D01", "15.000", "22.50"),
    ]
    assert [(m["document_number"], m["quantity"]) for m in detail["moves"]] == [
        ("T-5", "-5.000"),
        ("T-2", "20.000"),
        ("T-2", "-20.000"),
        ("T-1", "100.000"),
    ]
    client.logout()
    dept = logged_in(department_user(world))
    detail = send(dept, "get", f"{API}/lots/{world.ha1.pk}").json()
    assert (
        [b["warehouse"]["code"] for b in detail["locations"]],
        detail["on_hand"],
        detail["moves_count"],
    ) == (
        ["D01"],
        "15.000",
        2,
    )
    foreign = lot(ItemFactory(organisation=OrganisationFactory(code="far")), "X", "1", None)
    for pk in (foreign.pk, 999999):
        response = send(dept, "get", f"{API}/lots/{pk}")
        assert (response.status_code, response["Content-Type"]) == (404, PROBLEM)


@pytest.mark.req("INV-09")
def test_alerts_and_mark_read(logged_in, world, keeper):
    add_certificates(world)
    stock_services.alerts_generate(day=today())
    client = logged_in(keeper)
    body = send(client, "get", f"{API}/alerts", kind="shortage").json()
    shortages = StockAlert.objects.filter(branch=world.branch, kind="shortage").order_by("-pk")
    assert body == {
        "items": [
            {
                "id": a.pk,
                "day": today().isoformat(),
                "kind": "shortage",
                "message": a.message,
                "branch_id": world.branch.pk,
                "warehouse": wh(a.warehouse),
                "item_id": a.item_id,
                "lot_id": None,
                "certificate_id": None,
                "read_at": None,
                "read_by": None,
            }
            for a in shortages
        ],
        "count": 2,
    }
    ids = [a.pk for a in shortages]
    response = send(client, "post", f"{API}/alerts/read", {"alert_ids": ids})
    assert (response.status_code, response.json()) == (200, {"marked": 2})
    assert send(client, "post", f"{API}/alerts/read", {"alert_ids": ids}).json() == {"marked": 0}
    read = send(client, "get", f"{API}/alerts", status="read").json()["items"]
    assert [(a["id"], a["read_by"]) for a in read] == [(pk, str(keeper)) for pk in ids]
    assert read[0]["read_at"] == iso(StockAlert.objects.get(pk=ids[0]).read_at)
    assert send(client, "get", f"{API}/alerts").json()["count"] == 6
    assert send(client, "get", f"{API}/alerts", status="all").json()["count"] == 8
    # out of scope or missing: 404, nothing changes
    east = StockAlert.objects.filter(branch=world.east).first()
    unread = StockAlert.objects.filter(branch=world.branch, read_at=None).first()
    for ids in ([east.pk], [unread.pk, 999999]):
        before = state()
        response = send(client, "post", f"{API}/alerts/read", {"alert_ids": ids})
        assert (response.status_code, response["Content-Type"], response.json()["errors"][0]["field"]) == (
            404,
            PROBLEM,
            "alert_ids",
        )
        assert state() == before


@pytest.mark.req("INV-09")
def test_bad_input_is_problem_json(logged_in, world, keeper):
    client = logged_in(keeper)
    cases = [
        ("get", f"{API}/balances", {"group_by": "bin"}, 422, "group_by"),
        ("get", f"{API}/balances", {"warehouse": "abc"}, 422, "warehouse"),
        ("get", f"{API}/balances", {"warehouse": str(world.east_wh.pk)}, 422, "warehouse"),
        ("get", f"{API}/balances", {"owner": "someone"}, 422, "owner"),
        ("get", f"{API}/balances", {"limit": "0"}, 422, "limit"),
        ("get", f"{API}/balances", {"q": "x" * 101}, 422, "q"),
        ("get", f"{API}/balances/shortages", {"category": "999999"}, 422, "category"),
        ("get", f"{API}/balances/near-expiry", {"days": "-1"}, 422, "days"),
        ("get", f"{API}/moves", {"date_from": "2026-02-30"}, 422, "date_from"),
        (
            "get",
            f"{API}/moves",
            {"date_from": f"{today():%Y-%m-%d}", "date_to": f"{days(-1):%Y-%m-%d}"},
            422,
            "date_from",
        ),
        ("get", f"{API}/moves", {"move_type": "teleport"}, 422, "move_type"),
        ("get", f"{API}/moves", {"direction": "up"}, 422, "direction"),
        ("get", f"{API}/lots", {"expiring_within": "-5"}, 422, "expiring_within"),
        ("get", f"{API}/alerts", {"status": "maybe"}, 422, "status"),
    ]
    for method, url, params, status, field in cases:
        response = send(client, method, url, **params)
        assert (response.status_code, response["Content-Type"]) == (status, PROBLEM), (
            url,
            params,
            response.content,
        )
        assert [e["field"] for e in response.json()["errors"]] == [field], (url, params, response.json())
    before = state()
    for body, status, field in (
        ({"alert_ids": []}, 422, "alert_ids"),
        ({"alert_ids": ["x"]}, 422, "alert_ids.0"),
        ({"alert_ids": [0]}, 422, "alert_ids"),
        ({}, 422, "alert_ids"),
        ("{not json", 400, None),
    ):
        response = send(client, "post", f"{API}/alerts/read", body)
        assert (response.status_code, response["Content-Type"]) == (status, PROBLEM), (body, response.content)
        if field:
            assert response.json()["errors"][0]["field"] == field, (body, response.json())
    assert state() == before


@pytest.mark.req("INV-09", "PLT-05")
def test_token_and_data_scope(client, world):
    dept = department_user(world)
    body = client.get(f"{API}/balances", {"group_by": "warehouse"}, headers=bearer(dept)).json()
    assert [(r["warehouse"]["code"], r["quantity"]) for r in body["items"]] == [("D01", "17.000")]
    both = stock_user(world.branch, branches=[world.branch, world.east], username="both")
    east = client.get(f"{API}/balances", {"group_by": "warehouse"}, headers=bearer(both, world.east)).json()
    assert [(r["warehouse"]["code"], r["quantity"]) for r in east["items"]] == [("E01", "10.000")]
    main = client.get(f"{API}/balances", {"group_by": "warehouse"}, headers=bearer(both)).json()
    assert [r["warehouse"]["code"] for r in main["items"]] == ["C01", "C01", "D01", "D02"]


def grow(world, start, n):
    for i in range(start, start + n):
        it = ItemFactory(organisation=world.branch.organisation, code=f"X{i:03d}", name=f"耗材{i}")
        StockLevelFactory(item=it, warehouse=world.central, min_quantity=D("1"), max_quantity=D("2"))
        StockLevelFactory(item=it, warehouse=world.beauty, min_quantity=D("100"), max_quantity=None)
        near = lot(it, f"N{i}", "2.0000", days(10))
        gone = lot(it, f"G{i}", "3.0000", days(-10))
        receive(world.poster, world.central, near, "5")
        receive(world.poster, world.beauty, gone, "5")
        receive(world.poster, world.central, world.ha1, "1")
    stock_services.alerts_generate(day=today())


@pytest.mark.req("INV-09")
@pytest.mark.parametrize(
    ("path", "params", "queries"),
    [
        ("/balances", {}, 9),  # session, user, branches, 2× permissions, data scope; count, page, totals
        ("/balances", {"group_by": "lot", "q": "耗材"}, 9),
        ("/balances/shortages", {}, 8),
        ("/balances/overstocks", {"warehouse": "__central__"}, 9),  # + the warehouse choice
        ("/balances/near-expiry", {}, 9),
        ("/balances/expired", {}, 9),
        ("/moves", {}, 8),
        ("/lots", {}, 8),
        ("/alerts", {"status": "all"}, 8),
        ("/lots/__ha1__", {}, 10),  # the lot, its locations, its moves and their count
    ],
)
def test_query_counts(logged_in, world, keeper, django_assert_num_queries, path, params, queries):
    """The same number of queries for a few rows and for many."""
    params = {k: (world.central.pk if v == "__central__" else v) for k, v in params.items()}
    url = API + path.replace("__ha1__", str(world.ha1.pk))
    client = logged_in(keeper)
    sizes = []
    for start, n in ((0, 2), (2, 6)):
        grow(world, start, n)
        client.get(url, {**params, "limit": 200})
        with django_assert_num_queries(queries):
            response = client.get(url, {**params, "limit": 200})
        assert response.status_code == 200, response.content
        body = response.json()
        sizes.append(len(body["items"]) if "items" in body else body["moves_count"])
    assert sizes[0] < sizes[1], sizes


STOCK_PATHS = {
    "/api/v1/inventory/balances",
    "/api/v1/inventory/balances/shortages",
    "/api/v1/inventory/balances/overstocks",
    "/api/v1/inventory/balances/near-expiry",
    "/api/v1/inventory/balances/expired",
    "/api/v1/inventory/moves",
    "/api/v1/inventory/lots",
    "/api/v1/inventory/lots/{lot_id}",
    "/api/v1/inventory/alerts",
    "/api/v1/inventory/alerts/read",
}


@pytest.mark.req("INV-09", "INT-01")
def test_no_input_makes_the_stock_api_fail(world):
    """Whatever schemathesis sends to the stock endpoints, never a 5xx; errors are problem JSON."""
    from tests.fuzz import assert_never_fails, operations, wsgi_schema

    stock_services.alerts_generate(day=today())
    keeper = stock_user(world.branch, username="fuzzkeeper")
    headers = bearer(keeper)
    with wsgi_schema() as schema:
        ops = [op for op in operations(schema, ("/api/v1/inventory/",)) if op.path in STOCK_PATHS]
        assert {op.path for op in ops} == STOCK_PATHS
        for operation in ops:
            assert_never_fails(operation, headers, max_examples=20)
