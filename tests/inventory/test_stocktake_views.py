"""The stocktake pages (INV-07): permission matrix, another branch and department, starting,
typing and scanning counts (htmx swaps the scanned row), submitting, the approval page with its
gains and losses (the button only for a different approver), cancelling, query counts, menu."""

# ruff: noqa: F811  (the fixtures imported from test_stocktake_support are parameters here)
from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from medspa.core.menu import menu_for
from medspa.inventory import stocktake_services as svc
from medspa.inventory.models import StockMove, Stocktake, StocktakeLine
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

VIEW, ADD, APPROVE = "inventory.view_stocktake", "inventory.add_stocktake", "inventory.approve_stocktake"
HTMX = {"HX-Request": "true"}
SEQUENCE = itertools.count()


def url(name, stocktake=None):
    return reverse(f"inventory_stocktake:{name}", args=[stocktake.pk] if stocktake else [])


@pytest.fixture
def counting(keeper, central, stocked):
    stocktake = svc.stocktake_start(actor=keeper, warehouse=central)
    lines = {line.lot.batch_no or "gauze": line for line in stocktake.lines.select_related("lot")}
    return stocktake, lines


def user_with(branch, perms, name):
    return scoped_user(name, branch, [*[p for p in STOREKEEPER_PERMS if not p.endswith("stocktake")], *perms])


def pages(stocktake, lines, central):
    """(method, url, POST data, permissions needed)."""
    b1 = lines["B1"].pk
    return [
        ("get", url("list"), None, [VIEW]),
        ("get", url("create"), None, [VIEW, ADD]),
        ("post", url("create"), {"warehouse": central.pk}, [VIEW, ADD]),
        ("get", url("detail", stocktake), None, [VIEW]),
        ("post", url("count", stocktake), {f"count-{b1}": "19", f"was-{b1}": ""}, [VIEW, ADD]),
        ("post", url("scan", stocktake), {"code": "SB01"}, [VIEW, ADD]),
        ("get", url("submit", stocktake), None, [VIEW, ADD]),
        ("post", url("submit", stocktake), {"uncounted_as_zero": "on"}, [VIEW, ADD]),
        ("get", url("approve", stocktake), None, [VIEW]),
        ("get", url("cancel", stocktake), None, [VIEW, ADD]),
        ("post", url("cancel", stocktake), {}, [VIEW, ADD]),
    ]


@pytest.mark.req("INV-07")
def test_pages_permission_matrix(client, logged_in, branch, central, counting):
    stocktake, lines = counting
    for method, address, data, perms in pages(stocktake, lines, central):
        before = state()
        response = getattr(client, method)(address, data)
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={address}"), (
            address
        )
        for granted in ([], perms[:-1]):
            denied = logged_in(user_with(branch, granted, f"denied{next(SEQUENCE)}"))
            assert getattr(denied, method)(address, data).status_code == 403, (method, address, granted)
            client.logout()
        assert state() == before, (method, address)
    allowed = logged_in(user_with(branch, [VIEW, ADD], "allowed"))
    for method, address, _data, _perms in pages(stocktake, lines, central):
        if method == "get":
            assert allowed.get(address).status_code == 200, address
    client.logout()
    # approving needs its own permission
    svc.stocktake_submit(actor=stocktake.created_by, stocktake=stocktake, uncounted_as_zero=True)
    before = state()
    viewer = logged_in(user_with(branch, [VIEW, ADD], "noapprove"))
    assert viewer.post(url("approve", stocktake), {}).status_code == 403
    page = viewer.get(url("approve", stocktake)).content.decode()
    assert 'data-testid="approve-button"' not in page
    assert gettext("You may not approve stocktakes.") in page
    assert state() == before


@pytest.mark.req("INV-07", "PLT-05")
def test_other_branch_and_department_get_404(client, logged_in, east_keeper, dept_keeper, central, counting):
    stocktake, lines = counting
    for outsider in (east_keeper, dept_keeper):
        browser = logged_in(outsider)
        before = state()
        for method, address, data, _perms in pages(stocktake, lines, central)[3:]:
            assert getattr(browser, method)(address, data).status_code == 404, (outsider, method, address)
        assert browser.post(url("approve", stocktake), {}).status_code == 404
        assert state() == before
        listed = browser.get(url("list")).content.decode()
        assert stocktake.number not in listed
        # nor can she start one in a warehouse she does not see
        response = browser.post(url("create"), {"warehouse": central.pk})
        assert response.status_code == 422
        assert state() == before
        client.logout()


@pytest.mark.req("INV-07")
def test_start_from_the_page(logged_in, keeper, central, stocked):
    client = logged_in(keeper)
    page = client.get(url("create")).content.decode()
    assert "中心库" in page and 'name="category"' in page
    response = client.post(url("create"), {"warehouse": central.pk, "note": "季度盘点"})
    stocktake = Stocktake.objects.get()
    assert (response.status_code, response["Location"]) == (302, url("detail", stocktake))
    assert (stocktake.note, stocktake.lines.count()) == ("季度盘点", 3)
    before = state()
    response = client.post(url("create"), {"warehouse": central.pk})
    assert response.status_code == 422
    assert stocktake.number in response.content.decode()
    assert state() == before


@pytest.mark.req("INV-07")
def test_counting_page_shows_book_quantities_and_saves_typed_counts(logged_in, keeper, counting):
    stocktake, lines = counting
    client = logged_in(keeper)
    page = client.get(url("detail", stocktake)).content.decode()
    assert page.count('data-testid="line"') == 3
    assert page.count('data-testid="count-input"') == 3
    assert '<td class="text-end" data-testid="book">20 支</td>' in page
    assert '<td class="text-end" data-testid="book">8 包</td>' in page
    b1, b2, gauze = lines["B1"].pk, lines["B2"].pk, lines["gauze"].pk
    response = client.post(
        url("count", stocktake),
        {f"count-{b1}": "18", f"was-{b1}": "", f"count-{b2}": "", f"was-{b2}": "", f"count-{gauze}": "8.5"},
    )
    assert (response.status_code, response["Location"]) == (302, url("detail", stocktake))
    assert dict(StocktakeLine.objects.filter(stocktake=stocktake).values_list("pk", "counted_quantity")) == {
        b1: Decimal("18.000"),
        b2: None,
        gauze: Decimal("8.500"),
    }
    page = client.get(url("detail", stocktake)).content.decode()
    assert f'name="count-{b1}" value="18"' in page
    assert '<td class="d-none d-sm-table-cell text-end text-danger" data-testid="difference">-2</td>' in page
    assert '<td class="d-none d-md-table-cell text-end" data-testid="difference-value">-¥20.00</td>' in page
    # a count scanned meanwhile on another device is not overwritten by the unchanged input
    svc.stocktake_scan(actor=keeper, stocktake=stocktake, code="SB01")
    client.post(
        url("count", stocktake),
        {f"count-{gauze}": "8.5", f"was-{gauze}": "8.5", f"count-{b2}": "5", f"was-{b2}": ""},
    )
    assert StocktakeLine.objects.get(pk=gauze).counted_quantity == Decimal("9.500")
    assert StocktakeLine.objects.get(pk=b2).counted_quantity == Decimal("5.000")


@pytest.mark.req("INV-07")
def test_a_bad_count_comes_back_with_the_message_and_nothing_is_written(logged_in, keeper, counting):
    stocktake, lines = counting
    client = logged_in(keeper)
    b1, b2 = lines["B1"].pk, lines["B2"].pk
    before = state()
    response = client.post(url("count", stocktake), {f"count-{b1}": "-3", f"count-{b2}": "4"})
    assert response.status_code == 422
    page = response.content.decode()
    assert gettext("The quantity must be greater than zero.") in page
    assert f'name="count-{b1}" value="-3"' in page  # what was typed is kept
    assert f'name="count-{b2}" value="4"' in page
    assert state() == before


@pytest.mark.req("INV-07")
def test_scanning_with_htmx_updates_the_row_in_place(logged_in, keeper, counting, stocked):
    stocktake, lines = counting
    client = logged_in(keeper)
    b1 = stocked["b1"]
    code = f"(01)16901234567899(17){b1.expiry_date:%y%m%d}(10)B1"
    response = client.post(url("scan", stocktake), {"code": code, "quantity": "2"}, headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="scan-message"' in body
    assert f'<tr id="line-{lines["B1"].pk}" hx-swap-oob="true"' in body
    assert f'name="count-{lines["B1"].pk}" value="20"' in body
    assert "<template>" in body and "<html" not in body
    assert '<div id="stocktake-summary" class="card" hx-swap-oob="true">' in body
    assert '<dd class="col-5 text-end" data-testid="counted-lines">1</dd>' in body
    assert StocktakeLine.objects.get(pk=lines["B1"].pk).counted_quantity == Decimal("20.000")
    before = state()
    response = client.post(url("scan", stocktake), {"code": "NOPE-1"}, headers=HTMX)
    body = response.content.decode()
    assert (response.status_code, 'data-testid="scan-error"' in body, "NOPE-1" in body) == (200, True, True)
    assert "<template>" not in body
    assert state() == before
    # without htmx: a message and back to the page
    response = client.post(url("scan", stocktake), {"code": "SB01"})
    assert (response.status_code, response["Location"]) == (302, url("detail", stocktake))
    assert StocktakeLine.objects.get(pk=lines["gauze"].pk).counted_quantity == Decimal("1.000")


@pytest.mark.req("INV-07")
def test_a_lot_found_on_the_shelf_is_appended_to_the_table(logged_in, keeper, central, supplier, item):
    from tests.inventory.test_stocktake_support import in_days, issue, receive

    receive(keeper, central, supplier, [(item, 1, "9", "N1", in_days(100))])
    issue(keeper, central, item, 1)
    stocktake = svc.stocktake_start(actor=keeper, warehouse=central)
    client = logged_in(keeper)
    page = client.get(url("detail", stocktake)).content.decode()
    assert 'id="lines-empty"' in page
    lot = item.lots.get()
    response = client.post(
        url("scan", stocktake),
        {"code": f"(01)06901234567892(17){lot.expiry_date:%y%m%d}(10)N1"},
        headers=HTMX,
    )
    body = response.content.decode()
    line = StocktakeLine.objects.get(stocktake=stocktake)
    assert '<tbody hx-swap-oob="beforeend:#lines-body">' in body
    assert f'<tr id="line-{line.pk}" data-testid="line"' in body
    assert '<tr id="lines-empty" hx-swap-oob="delete">' in body


@pytest.mark.req("INV-07")
def test_submit_page_needs_confirmation_for_uncounted_lines(logged_in, keeper, counting):
    stocktake, lines = counting
    client = logged_in(keeper)
    svc.stocktake_count(actor=keeper, stocktake=stocktake, counts=[(lines["B1"].pk, "20")])
    page = client.get(url("submit", stocktake)).content.decode()
    assert 'data-testid="uncounted-warning"' in page and 'name="uncounted_as_zero"' in page
    before = state()
    response = client.post(url("submit", stocktake), {})
    assert response.status_code == 422
    assert (
        "2" in response.content.decode() and 'class="invalid-feedback d-block"' in response.content.decode()
    )
    assert state() == before
    response = client.post(url("submit", stocktake), {"uncounted_as_zero": "on"})
    assert (response.status_code, response["Location"]) == (302, url("detail", stocktake))
    stocktake.refresh_from_db()
    assert (stocktake.status, stocktake.submitted_by_id) == ("submitted", keeper.pk)
    page = client.get(url("detail", stocktake)).content.decode()
    assert 'data-testid="count-input"' not in page and 'data-testid="scan-form"' not in page
    assert 'data-testid="approve"' in page


@pytest.fixture
def submitted(keeper, counting):
    stocktake, lines = counting
    svc.stocktake_count(
        actor=keeper,
        stocktake=stocktake,
        counts=[(lines["B1"].pk, "18"), (lines["B2"].pk, "6"), (lines["gauze"].pk, "8")],
    )
    svc.stocktake_submit(actor=keeper, stocktake=stocktake)
    return stocktake


@pytest.mark.req("INV-07")
def test_approve_page_shows_gains_and_losses_and_the_button_only_to_another_approver(
    logged_in, client, branch, keeper, approver, submitted
):
    page = logged_in(approver).get(url("approve", submitted)).content.decode()
    assert page.count('data-testid="difference-row"') == 2
    assert '<div class="text-success" data-testid="gain-value">¥12.50</div>' in page
    assert '<div class="text-danger" data-testid="loss-value">-¥20.00</div>' in page
    assert '<div data-testid="net-value">-¥7.50</div>' in page
    assert 'data-testid="approve-button"' in page
    client.logout()
    # the counter, even holding the approval permission, gets no button and is refused
    counter = scoped_user("counterapprover", branch, APPROVER_PERMS)
    svc.stocktake_cancel(actor=counter, stocktake=submitted)
    own = svc.stocktake_start(actor=counter, warehouse=submitted.warehouse)
    svc.stocktake_submit(actor=counter, stocktake=own, uncounted_as_zero=True)
    browser = logged_in(counter)
    page = browser.get(url("approve", own)).content.decode()
    assert 'data-testid="approve-button"' not in page
    assert gettext("You counted this stocktake, so someone else must approve it.") in page
    before = state()
    response = browser.post(url("approve", own), {})
    assert response.status_code == 422
    assert own.number in response.content.decode()
    assert state() == before
    client.logout()
    response = logged_in(approver).post(url("approve", own), {})
    assert (response.status_code, response["Location"]) == (302, url("detail", own))
    own.refresh_from_db()
    assert (own.status, own.approved_by_id) == ("posted", approver.pk)
    assert StockMove.objects.filter(document_type="stocktake", document_id=own.pk).count() == 3


@pytest.mark.req("INV-07")
def test_approve_from_the_page_posts_the_differences(logged_in, approver, submitted):
    client = logged_in(approver)
    response = client.post(url("approve", submitted), {"posted_at": "2999-01-01T10:00"})
    assert response.status_code == 422
    assert 'class="invalid-feedback d-block"' in response.content.decode()
    assert StockMove.objects.filter(document_type="stocktake").count() == 0
    response = client.post(url("approve", submitted), {"posted_at": ""})
    assert response.status_code == 302
    assert sorted(
        StockMove.objects.filter(document_type="stocktake", document_id=submitted.pk).values_list(
            "quantity", flat=True
        )
    ) == [Decimal("-2.000"), Decimal("1.000")]
    page = client.get(url("approve", submitted)).content.decode()
    assert 'data-testid="approve-button"' not in page and 'data-testid="approve-unavailable"' in page


@pytest.mark.req("INV-07")
def test_cancel_from_the_page(logged_in, keeper, counting):
    stocktake, _lines = counting
    client = logged_in(keeper)
    response = client.post(url("cancel", stocktake), {})
    assert (response.status_code, response["Location"]) == (302, url("detail", stocktake))
    assert Stocktake.objects.get(pk=stocktake.pk).status == "cancelled"
    before = state()
    response = client.post(url("cancel", stocktake), {})
    assert response.status_code == 422
    assert state() == before


def populate(branch, keeper, n):
    for i in range(n):
        warehouse = WarehouseFactory(branch=branch, code=f"Q{i:02d}")
        svc.stocktake_start(actor=keeper, warehouse=warehouse)


@pytest.mark.req("INV-07")
@pytest.mark.parametrize("n", [3, 15])
def test_list_query_count(logged_in, branch, keeper, django_assert_num_queries, n):
    populate(branch, keeper, n)
    client = logged_in(keeper)
    client.get(url("list"))
    with django_assert_num_queries(9):
        response = client.get(url("list"))
    assert response.status_code == 200
    assert response.content.decode().count("<tr") == n + 1


@pytest.mark.req("INV-07")
def test_list_filters_by_warehouse_and_status(logged_in, branch, keeper, central, counting):
    stocktake, _lines = counting
    other = WarehouseFactory(branch=branch, code="QT", name="其他库")
    second = svc.stocktake_start(actor=keeper, warehouse=other)
    svc.stocktake_cancel(actor=keeper, stocktake=second)
    client = logged_in(keeper)
    page = client.get(url("list"), {"warehouse": central.pk}).content.decode()
    assert stocktake.number in page and second.number not in page
    page = client.get(url("list"), {"status": "cancelled"}).content.decode()
    assert second.number in page and stocktake.number not in page


def test_menu_item(branch):
    viewer = scoped_user("menuviewer", branch, [VIEW])
    items = {item.key: (item.order, str(item.group)) for group in menu_for(viewer) for item in group.items}
    assert items["inventory-stocktakes"] == (550, gettext("Inventory"))
    assert "inventory-stocktakes" not in {
        item.key for group in menu_for(scoped_user("nobody", branch, [])) for item in group.items
    }
