"""Stock pages (INV-03, INV-09, INV-10): permission matrix and data scope, the stock page's three
views with totals and export, the shortage / overstock / expiry tabs, the movement history,
a lot's page, the alert list with "mark read", bad filter input, query counts and the menu."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from medspa.accounts.choices import DataScope
from medspa.core.menu import menu_for
from medspa.inventory import stock_services
from medspa.inventory.models import StockAlert
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

STOCK = reverse("inventory_stock:stock")
SHORTAGES = reverse("inventory_stock:shortages")
OVERSTOCKS = reverse("inventory_stock:overstocks")
NEAR = reverse("inventory_stock:near_expiry")
EXPIRED = reverse("inventory_stock:expired")
MOVES = reverse("inventory_stock:moves")
ALERTS = reverse("inventory_stock:alerts")
READ = reverse("inventory_stock:alert_read")


@pytest.fixture
def world(branch, other_branch):
    world = build_world(branch, other_branch)
    add_levels(world)
    return world


@pytest.fixture
def keeper(world):
    return stock_user(world.branch, username="keeper")


def body(response):
    """The table's cells as text, row by row (what the page shows)."""
    return [[cell.text for cell in cells] for cells in response.context["table"].body()]


def lot_url(lot_):
    return reverse("inventory_stock:lot_detail", args=[lot_.pk])


def pages(world):
    """(url, permission it needs)"""
    return [
        (STOCK, "inventory.view_stockbalance"),
        (SHORTAGES, "inventory.view_stockbalance"),
        (OVERSTOCKS, "inventory.view_stockbalance"),
        (NEAR, "inventory.view_stockbalance"),
        (EXPIRED, "inventory.view_stockbalance"),
        (MOVES, "inventory.view_stockmove"),
        (lot_url(world.ha1), "inventory.view_lot"),
        (ALERTS, "inventory.view_stockalert"),
    ]


@pytest.mark.req("INV-09", "INV-03")
def test_permission_matrix(client, logged_in, world):
    stock_services.alerts_generate(day=today())
    for url, perm in pages(world):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}"), url
        others = [p for p in STOCK_PERMS if p != perm]
        denied = logged_in(stock_user(world.branch, others))
        assert denied.get(url).status_code == 403, url
        client.logout()
        allowed = logged_in(stock_user(world.branch, [perm]))
        assert allowed.get(url).status_code == 200, url
        client.logout()
    alert = StockAlert.objects.filter(branch=world.branch).first()
    before = state()
    assert client.post(READ, {"id": [alert.pk]})["Location"] == f"/accounts/login/?next={READ}"
    viewer = logged_in(stock_user(world.branch, ["inventory.view_stockalert"]))
    assert viewer.post(READ, {"id": [alert.pk]}).status_code == 403
    assert state() == before
    client.logout()
    assert logged_in(stock_user(world.branch)).get(READ).status_code == 405


@pytest.mark.req("INV-09", "INV-10")
def test_stock_page_by_item_warehouse_and_lot(logged_in, world, keeper):
    client = logged_in(keeper)
    response = client.get(STOCK)
    assert body(response) == [
        ["BT01", "肉毒素", "100U", "支", "3", "¥2,400.00"],
        ["GZ01", "纱布", "10片", "包", "50", "¥6.26"],
        ["HA01", "玻尿酸", "1ml", "支", "137", "¥230.50"],
    ]
    # Σ qty × lot cost rounded once; mixed units: no total quantity
    assert [cell.text for cell in response.context["footer"]] == [
        gettext("Total"),
        "",
        "",
        "",
        "",
        "¥2,636.75",
    ]
    content = response.content.decode()
    assert 'data-testid="totals-row"' in content and 'data-testid="view-item"' in content
    assert (
        f'href="{STOCK}?{urlencode({"view": "lot", "item": world.ha.pk})}"'.replace("&", "&amp;") in content
    )

    response = client.get(STOCK, {"view": "warehouse"})
    assert body(response) == [
        ["中心库", "BT01", "肉毒素", "100U", "支", "3", "¥2,400.00"],
        ["中心库", "HA01", "玻尿酸", "1ml", "支", "120", "¥206.00"],
        ["美容科库", "HA01", "玻尿酸", "1ml", "支", "17", "¥24.50"],
        ["皮肤科库", "GZ01", "纱布", "10片", "包", "50", "¥6.26"],
    ]
    response = client.get(STOCK, {"view": "lot", "item": world.ha.pk})
    assert body(response) == [
        ["HA01", "玻尿酸", "1ml", "HA-2399", f"{today():%Y-%m-%d}", "¥1.0000", "支", "2", "¥2.00"],
        ["HA01", "玻尿酸", "1ml", "HA-2402", f"{days(30):%Y-%m-%d}", "¥2.3333", "支", "30", "¥70.00"],
        ["HA01", "玻尿酸", "1ml", "HA-2401", f"{days(200):%Y-%m-%d}", "¥1.5000", "支", "95", "¥142.50"],
        ["HA01", "玻尿酸", "1ml", "HA-2401", f"{days(200):%Y-%m-%d}", "¥1.6000", "支", "10", "¥16.00"],
    ]
    assert [cell.text for cell in response.context["footer"]] == [
        gettext("Total"),
        "",
        "",
        "",
        "",
        "",
        "支",
        "137",
        "¥230.50",
    ]
    assert f'href="{lot_url(world.ha1)}"' in response.content.decode()
    # the filter bar keeps the hidden item filter and the view
    assert f'name="item" value="{world.ha.pk}"' in response.content.decode()
    response = client.get(STOCK, {"view": "warehouse", "warehouse": world.beauty.pk, "sort": "-value"})
    assert body(response) == [["美容科库", "HA01", "玻尿酸", "1ml", "支", "17", "¥24.50"]]
    response = client.get(STOCK, {"category": world.drugs.pk, "sort": "-on_hand"})
    assert [row[0] for row in body(response)] == ["HA01", "BT01"]
    response = client.get(STOCK, {"owner": "consignment"})
    assert [row[0] for row in body(response)] == ["GZ01"]
    # sorting and paging with htmx swap the results only, totals included
    response = client.get(STOCK, {"sort": "-value"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert "<html" not in content and 'data-testid="totals-row"' in content and "¥2,636.75" in content
    assert [row[0] for row in body(response)] == ["BT01", "HA01", "GZ01"]


@pytest.mark.req("INV-09", "PLT-05")
def test_stock_page_data_scope(logged_in, client, world):
    response = logged_in(department_user(world)).get(STOCK, {"view": "warehouse"})
    assert body(response) == [["美容科库", "HA01", "玻尿酸", "1ml", "支", "17", "¥24.50"]]
    assert [cell.text for cell in response.context["footer"]][-3:] == ["支", "17", "¥24.50"]
    # her filter offers only her warehouse; another one is a bad choice, not a leak
    form = response.context["filterset"].form
    assert [w.code for w in form.fields["warehouse"].queryset] == ["D01"]
    response = client.get(STOCK, {"warehouse": world.central.pk})
    assert body(response) == []
    assert "filter-bar" in response.content.decode()
    client.logout()
    east = logged_in(stock_user(world.east, username="eastkeeper"))
    assert body(east.get(STOCK, {"view": "warehouse"})) == [
        ["东区库", "HA01", "玻尿酸", "1ml", "支", "10", "¥15.00"]
    ]
    client.logout()
    director = stock_user(
        world.branch, scope=DataScope.ORGANISATION, branches=[world.branch, world.east], username="boss"
    )
    assert body(logged_in(director).get(STOCK))[-1] == ["HA01", "玻尿酸", "1ml", "支", "147", "¥245.50"]


@pytest.mark.req("INV-09")
def test_bad_filter_input_gets_a_message(logged_in, world, keeper):
    client = logged_in(keeper)
    cases = [
        (STOCK, {"warehouse": "abc"}, "warehouse"),
        (STOCK, {"warehouse": "999999"}, "warehouse"),
        (STOCK, {"view": "bins"}, "view"),
        (STOCK, {"item": "x"}, "item"),
        (STOCK, {"item": "-3"}, "item"),
        (STOCK, {"owner": "nobody"}, "owner"),
        (STOCK, {"q": "x" * 101}, "q"),
        (NEAR, {"days": "-1"}, "days"),
        (NEAR, {"days": "abc"}, "days"),
        (NEAR, {"days": "99999"}, "days"),
        (SHORTAGES, {"category": "0"}, "category"),
        (MOVES, {"date_from": "2026-02-30"}, "date_from"),
        (MOVES, {"date_from": f"{today():%Y-%m-%d}", "date_to": f"{days(-1):%Y-%m-%d}"}, "date_from"),
        (MOVES, {"direction": "sideways"}, "direction"),
        (MOVES, {"move_type": "teleport"}, "move_type"),
        (MOVES, {"lot": "1e9"}, "lot"),
        (ALERTS, {"status": "maybe"}, "status"),
    ]
    for url, params, field in cases:
        response = client.get(url, params)
        assert response.status_code == 200, (url, params)
        errors = response.context["filterset"].form.errors
        assert list(errors) == [field], (url, params, errors)
        assert body(response) == [], (url, params)
        message = str(errors[field][0])
        assert message in response.content.decode(), (url, params, message)


@pytest.mark.req("INV-09", "INV-10")
def test_export(logged_in, world, keeper):
    client = logged_in(keeper)
    response = client.get(STOCK, {"view": "warehouse", "export": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1:] == [
        ["中心库", "BT01", "肉毒素", "100U", "支", "3", "¥2,400.00"],
        ["中心库", "HA01", "玻尿酸", "1ml", "支", "120", "¥206.00"],
        ["美容科库", "HA01", "玻尿酸", "1ml", "支", "17", "¥24.50"],
        ["皮肤科库", "GZ01", "纱布", "10片", "包", "50", "¥6.26"],
    ]
    response = client.get(MOVES, {"batch_no": "HA-2401", "export": "xlsx"})
    assert response.status_code == 200
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 1 + 5
    assert [row[9] for row in values[1:]] == [D("10"), D("-5"), D("20"), D("-20"), D("100")]
    assert client.get(STOCK, {"export": "pdf"}).status_code == 404


@pytest.mark.req("INV-09")
def test_tabs_shortage_overstock_and_expiry(logged_in, world, keeper):
    client = logged_in(keeper)
    response = client.get(SHORTAGES)
    assert body(response) == [
        ["中心库", "HA01", "玻尿酸", "1ml", "支", "200", "500", "120", "80"],
        ["美容科库", "BT01", "肉毒素", "100U", "支", "5", "10", "0", "5"],
    ]
    tabs = response.context["tabs"]
    assert [(t["key"], t["active"]) for t in tabs] == [
        ("stock", False),
        ("shortages", True),
        ("overstocks", False),
        ("near_expiry", False),
        ("expired", False),
    ]
    assert body(client.get(OVERSTOCKS)) == [["中心库", "BT01", "肉毒素", "100U", "支", "1", "2", "3", "1"]]
    # the tabs carry the item / warehouse filters along
    response = client.get(SHORTAGES, {"warehouse": world.beauty.pk})
    assert body(response) == [["美容科库", "BT01", "肉毒素", "100U", "支", "5", "10", "0", "5"]]
    assert response.context["tabs"][3]["url"] == f"{NEAR}?warehouse={world.beauty.pk}"

    response = client.get(NEAR)
    own = gettext("Own stock")
    assert body(response) == [
        [
            "美容科库",
            "",
            "HA01",
            "玻尿酸",
            "1ml",
            "HA-2399",
            f"{today():%Y-%m-%d}",
            "0",
            own,
            "支",
            "2",
            "¥2.00",
        ],
        [
            "中心库",
            "",
            "HA01",
            "玻尿酸",
            "1ml",
            "HA-2402",
            f"{days(30):%Y-%m-%d}",
            "30",
            own,
            "支",
            "30",
            "¥70.00",
        ],
    ]
    assert [cell.text for cell in response.context["footer"]][-3:] == ["支", "32", "¥72.00"]
    assert response.context["subtitle"] == ngettext(
        "Lots expiring within %(days)s day from today.", "Lots expiring within %(days)s days from today.", 90
    ) % {"days": 90}
    assert [row[5] for row in body(client.get(NEAR, {"days": "0"}))] == ["HA-2399"]
    assert [row[5] for row in body(client.get(NEAR, {"days": "200"}))] == ["HA-2399", "HA-2402"] + [
        "HA-2401"
    ] * 3
    response = client.get(EXPIRED)
    assert body(response) == [
        [
            "中心库",
            "",
            "BT01",
            "肉毒素",
            "100U",
            "BTX-01",
            f"{days(-5):%Y-%m-%d}",
            "5",
            own,
            "支",
            "3",
            "¥2,400.00",
        ]
    ]


@pytest.mark.req("INV-09", "INV-10")
def test_movement_history_page(logged_in, world, keeper):
    client = logged_in(keeper)
    response = client.get(MOVES, {"batch_no": "HA-2401"})
    rows = body(response)
    assert [(r[1], r[2], r[3], r[6], r[9], r[10], r[11], r[12]) for r in rows] == [
        ("T-6", gettext("Purchase receipt"), "中心库", "HA-2401", "10", "支", "¥1.6000", "¥16.00"),
        ("T-5", gettext("Usage"), "美容科库", "HA-2401", "-5", "支", "¥1.5000", "-¥7.50"),
        ("T-2", gettext("Transfer in"), "美容科库", "HA-2401", "20", "支", "¥1.5000", "¥30.00"),
        ("T-2", gettext("Transfer out"), "中心库", "HA-2401", "-20", "支", "¥1.5000", "-¥30.00"),
        ("T-1", gettext("Purchase receipt"), "中心库", "HA-2401", "100", "支", "¥1.5000", "¥150.00"),
    ]
    assert body(client.get(MOVES, {"direction": "out"}))[0][9] == "-5"
    assert [r[1] for r in body(client.get(MOVES, {"document_number": "T-2"}))] == ["T-2", "T-2"]
    assert [r[9] for r in body(client.get(MOVES, {"q": "纱布"}))] == ["50"]
    assert body(client.get(MOVES, {"lot": world.ha1b.pk}))[0][11] == "¥1.6000"
    period = {"date_from": f"{days(-2):%Y-%m-%d}", "date_to": f"{days(-1):%Y-%m-%d}"}
    assert [r[1] for r in body(client.get(MOVES, period))] == ["T-3", "T-2", "T-2"]
    client.logout()
    dept = logged_in(department_user(world))
    assert [r[1] for r in body(dept.get(MOVES))] == ["T-7", "T-5", "T-2"]


@pytest.mark.req("INV-03", "INV-09")
def test_lot_page_where_did_the_lot_go(logged_in, client, world, keeper):
    response = logged_in(keeper).get(lot_url(world.ha1))
    assert response.context["title"] == gettext("Lot %(batch)s of %(item)s") % {
        "batch": "HA-2401",
        "item": "玻尿酸",
    }
    facts = dict(response.context["facts"])
    assert facts[gettext("Batch no")] == "HA-2401"
    assert facts[gettext("Expiry date")] == f"{days(200):%Y-%m-%d}"
    assert facts[gettext("Production date")] == "—"
    assert facts[gettext("Unit cost")] == "¥1.5000"
    assert facts[gettext("On hand")] == "95 支"
    assert response.context["value"] == D("142.5")
    assert [(b.warehouse.code, b.quantity_text) for b in response.context["locations"]] == [
        ("C01", "80"),
        ("D01", "15"),
    ]
    assert [(m.document_number, m.quantity_text) for m in response.context["moves"]] == [
        ("T-5", "-5"),
        ("T-2", "20"),
        ("T-2", "-20"),
        ("T-1", "100"),
    ]
    content = response.content.decode()
    assert "¥142.50" in content and f"{MOVES}?lot={world.ha1.pk}" in content
    client.logout()
    # the department storekeeper sees her part of the lot's journey only
    response = logged_in(department_user(world)).get(lot_url(world.ha1))
    assert [b.warehouse.code for b in response.context["locations"]] == ["D01"]
    assert [m.quantity_text for m in response.context["moves"]] == ["-5", "20"]
    client.logout()
    # without the stock and move permissions the page shows the lot only
    response = logged_in(stock_user(world.branch, ["inventory.view_lot"], username="lots")).get(
        lot_url(world.ha1)
    )
    assert ("locations" in response.context, "moves" in response.context) == (False, False)
    foreign = lot(ItemFactory(organisation=OrganisationFactory(code="far")), "X", "1", None)
    client.logout()
    client = logged_in(keeper)
    assert client.get(lot_url(foreign)).status_code == 404
    assert client.get("/inventory/lots/999999/").status_code == 404


@pytest.mark.req("INV-09")
def test_alert_page_and_mark_read(logged_in, world, keeper):
    add_certificates(world)
    stock_services.alerts_generate(day=today())
    client = logged_in(keeper)
    response = client.get(ALERTS)
    assert len(body(response)) == 8  # main branch: 6 stock alerts + 2 certificate alerts, all unread
    assert response.context["mark_read"]["url"] == READ
    content = response.content.decode()
    assert 'data-testid="mark-read"' in content and 'form="alert-read"' in content
    shortages = list(
        StockAlert.objects.filter(branch=world.branch, kind="shortage")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    response = client.post(READ, {"id": shortages, "query": "kind=shortage"})
    assert response["Location"] == f"{ALERTS}?kind=shortage"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        ngettext("%(count)s alert marked as read.", "%(count)s alerts marked as read.", 2) % {"count": 2}
    ]
    assert set(StockAlert.objects.filter(pk__in=shortages).values_list("read_by", flat=True)) == {keeper.pk}
    assert len(body(client.get(ALERTS))) == 6
    assert len(body(client.get(ALERTS, {"status": "all", "kind": "shortage"}))) == 2
    read = body(client.get(ALERTS, {"status": "read"}))
    read_at = timezone.localtime(StockAlert.objects.get(pk=shortages[0]).read_at)
    state_text = gettext("Read by %(name)s at %(when)s") % {
        "name": keeper,
        "when": f"{read_at:%Y-%m-%d %H:%M}",
    }
    assert [(row[1], row[4]) for row in read] == [(gettext("Below minimum"), state_text)] * 2
    # nothing ticked, or an alert of another branch: a message, nothing changed
    east = StockAlert.objects.filter(branch=world.east).first()
    for data, message in (
        ({}, gettext("Tick at least one alert.")),
        ({"id": ["abc"]}, gettext("Tick at least one alert.")),
        ({"id": [east.pk]}, gettext("Some of the chosen alerts no longer exist or are not yours to see.")),
    ):
        before = state()
        response = client.post(READ, data, follow=True)
        assert response.redirect_chain == [(ALERTS, 302)]
        assert [str(m) for m in response.context["messages"]] == [message]
        assert state() == before
    # a viewer without the change permission gets no checkboxes
    client.logout()
    viewer = logged_in(stock_user(world.branch, ["inventory.view_stockalert"], username="viewer"))
    response = viewer.get(ALERTS)
    assert "mark_read" not in response.context and 'form="alert-read"' not in response.content.decode()
    client.logout()
    dept = logged_in(department_user(world))
    assert {row[3] for row in body(dept.get(ALERTS, {"status": "all"}))} == {"美容科库"}


# --- query counts and menu ------------------------------------------------------------------------


def grow(world, start, n):
    """``n`` more items, each over its maximum in 中心库 and short in 美容科库, with a lot near
    expiry and an expired one, stock, moves and alerts."""
    for i in range(start, start + n):
        item = ItemFactory(
            organisation=world.branch.organisation, code=f"X{i:03d}", name=f"耗材{i}", category=world.fillers
        )
        StockLevelFactory(item=item, warehouse=world.central, min_quantity=D("1"), max_quantity=D("2"))
        StockLevelFactory(item=item, warehouse=world.beauty, min_quantity=D("100"), max_quantity=None)
        near = lot(item, f"N{i}", "2.0000", days(10))
        gone = lot(item, f"G{i}", "3.0000", days(-10))
        receive(world.poster, world.central, near, "5")
        receive(world.poster, world.beauty, gone, "5")
        receive(world.poster, world.central, world.ha1, "1")
    stock_services.alerts_generate(day=today())


@pytest.mark.req("INV-09")
@pytest.mark.parametrize(
    ("url", "params", "queries"),
    [
        (STOCK, {}, 11),  # session, user, branches, 2× permissions, data scope; count, totals,
        (STOCK, {"view": "warehouse", "q": "耗材"}, 11),  # the filter's warehouses and categories, the page
        (STOCK, {"view": "lot", "category": "__drugs__"}, 13),  # + the category and its subtree
        (SHORTAGES, {}, 10),
        (OVERSTOCKS, {}, 10),
        (NEAR, {}, 11),
        (EXPIRED, {}, 11),
        (MOVES, {}, 9),
        (MOVES, {"q": "耗材", "date_from": "2020-01-01"}, 9),
        (ALERTS, {}, 8),
        ("__lot__", {}, 9),
    ],
)
def test_query_counts(logged_in, world, keeper, django_assert_num_queries, url, params, queries):
    """The same number of queries for a few rows and for many (no query per row)."""
    params = {k: (world.drugs.pk if v == "__drugs__" else v) for k, v in params.items()}
    url = lot_url(world.ha1) if url == "__lot__" else url
    client = logged_in(keeper)
    sizes = []
    for start, n in ((0, 2), (2, 6)):
        grow(world, start, n)
        client.get(url, params)
        with django_assert_num_queries(queries):
            response = client.get(url, params)
        assert response.status_code == 200
        sizes.append(len(body(response)) if "table" in response.context else len(response.context["moves"]))
    assert sizes[0] < sizes[1], sizes


@pytest.mark.req("INV-09")
def test_menu(world):
    user = stock_user(world.branch, username="menu")
    mine = {"inventory-stock", "inventory-moves", "inventory-expiry", "inventory-alerts"}
    groups = {str(g.label): [(i.key, i.url, i.order) for i in g.items] for g in menu_for(user)}
    assert [item for item in groups[gettext("Inventory")] if item[0] in mine] == [
        ("inventory-stock", STOCK, 500),
        ("inventory-moves", MOVES, 502),
        ("inventory-expiry", NEAR, 504),
        ("inventory-alerts", ALERTS, 506),
    ]
    none = stock_user(world.branch, [], username="nomenu")
    assert not mine & {item.key for group in menu_for(none) for item in group.items}
    alerts_only = stock_user(world.branch, ["inventory.view_stockalert"], username="alertsonly")
    assert mine & {item.key for group in menu_for(alerts_only) for item in group.items} == {
        "inventory-alerts"
    }


@pytest.mark.req("INV-09")
def test_the_stock_page_at_phone_and_desktop_width(logged_in, world, keeper):
    """The table scrolls sideways inside .table-responsive; tabs scroll; filters stack (col-12)."""
    content = logged_in(keeper).get(SHORTAGES).content.decode()
    assert 'class="table-responsive"' in content
    assert "nav nav-tabs card-header-tabs flex-nowrap overflow-auto" in content
    assert 'class="col-12 col-sm-6 col-lg-3"' in content
