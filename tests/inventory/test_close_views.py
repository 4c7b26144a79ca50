"""The monthly close pages and stock as of a date (INV-10): permission matrix, another branch and
department, closing and reopening through the pages, the close detail with its totals, the as-of
page and its export, query counts, menu."""

# ruff: noqa: F811  (the fixtures imported from test_stocktake_support are parameters here)
from __future__ import annotations

import datetime
import itertools

import pytest
import time_machine
from django.urls import reverse
from django.utils.translation import gettext

from medspa.core.menu import menu_for
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


@pytest.fixture
def march(closer, central, history):
    return svc.close_month(actor=closer, warehouse=central, month=MARCH)


def url(name, close=None):
    return reverse(f"inventory_close:{name}", args=[close.pk] if close else [])


def user_with(branch, perms):
    base = [p for p in STOREKEEPER_PERMS if p not in (VIEW, VIEW_STOCK)]
    return scoped_user(f"closeuser{next(SEQUENCE)}", branch, [*base, *perms])


def pages(close, central):
    """(method, url, POST data or None, permissions needed)."""
    as_of = f"{url('as_of')}?warehouse={central.pk}&at=2026-04-10T12:00"
    return [
        ("get", url("list"), None, [VIEW]),
        ("get", url("create"), None, [VIEW, ADD]),
        ("post", url("create"), {"warehouse": central.pk, "month": "2026-04"}, [VIEW, ADD]),
        ("get", url("detail", close), None, [VIEW]),
        ("get", url("reopen", close), None, [VIEW, REOPEN]),
        ("post", url("reopen", close), {"reason": "调整"}, [VIEW, REOPEN]),
        ("get", as_of, None, [VIEW_STOCK]),
    ]


@pytest.mark.req("INV-10")
def test_pages_permission_matrix(client, logged_in, branch, central, march):
    for method, address, data, perms in pages(march, central):
        before = state()
        response = getattr(client, method)(address, data)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next="), (
            address
        )
        for granted in ([], perms[:-1]):
            denied = logged_in(user_with(branch, granted))
            assert getattr(denied, method)(address, data).status_code == 403, (method, address, granted)
            client.logout()
        assert state() == before, (method, address)
        if method == "get":
            allowed = logged_in(user_with(branch, perms))
            assert allowed.get(address).status_code == 200, address
            client.logout()


@pytest.mark.req("INV-10", "PLT-05")
def test_other_branch_and_department_get_404(client, logged_in, east_keeper, dept_keeper, central, march):
    for outsider in (east_keeper, dept_keeper):
        browser = logged_in(outsider)
        before = state()
        assert browser.get(url("detail", march)).status_code == 404
        assert browser.get(url("reopen", march)).status_code == 404
        assert browser.post(url("reopen", march), {"reason": "x"}).status_code == 404
        assert (
            browser.get(url("as_of"), {"warehouse": central.pk, "at": "2026-04-10T12:00"}).status_code == 422
        )
        assert browser.post(url("create"), {"warehouse": central.pk, "month": "2026-04"}).status_code == 422
        assert "2026-03" not in browser.get(url("list")).content.decode()
        assert state() == before
        client.logout()


@pytest.mark.req("INV-10")
def test_close_and_reopen_through_the_pages(logged_in, closer, central, history):
    client = logged_in(closer)
    page = client.get(url("create")).content.decode()
    assert 'type="month"' in page and 'value="2026-04"' in page  # the month just ended
    before = state()
    for month, message in [
        (
            "2026-05",
            gettext("%(month)s has not ended yet; it can be closed from %(date)s.")
            % {"month": "2026-05", "date": "2026-06-01"},
        ),
        ("2026-13", gettext("Enter a month as YYYY-MM, for example 2026-03.")),
        ("March", gettext("Enter a month as YYYY-MM, for example 2026-03.")),
    ]:
        response = client.post(url("create"), {"warehouse": central.pk, "month": month})
        assert response.status_code == 422
        assert message in response.content.decode(), month
    assert state() == before
    response = client.post(url("create"), {"warehouse": central.pk, "month": "2026-03"})
    close = MonthClose.objects.get()
    assert (response.status_code, response["Location"]) == (302, url("detail", close))
    page = client.get(url("detail", close)).content.decode()
    assert page.count('data-testid="close-line"') == 1
    assert '<div class="fw-bold" data-testid="closing-value">¥170.00</div>' in page
    assert '<td class="text-end" data-testid="total-value">¥170.00</td>' in page
    assert 'data-testid="reopen"' in page
    april = svc.close_month(actor=closer, warehouse=central, month=APRIL)
    page = client.get(url("detail", close)).content.decode()
    assert 'data-testid="reopen"' not in page  # only the latest closed month reopens
    assert client.post(url("reopen", close), {"reason": "x"}).status_code == 422
    response = client.post(url("reopen", april), {"reason": ""})
    assert response.status_code == 422
    assert MonthClose.objects.get(pk=april.pk).status == "closed"
    response = client.post(url("reopen", april), {"reason": "补录四月领用"})
    assert (response.status_code, response["Location"]) == (302, url("detail", april))
    april.refresh_from_db()
    assert (april.status, april.lines.count()) == ("reopened", 0)
    page = client.get(url("detail", april)).content.decode()
    assert 'data-testid="reopen"' not in page and gettext("Reopened") in page


@pytest.mark.req("INV-10")
def test_balances_as_of_page_and_export(logged_in, keeper, central, march, history):
    client = logged_in(keeper)
    page = client.get(url("as_of")).content.decode()
    assert 'type="datetime-local"' in page and 'data-testid="as-of-totals"' not in page
    response = client.get(url("as_of"), {"warehouse": central.pk, "at": "2026-04-10T12:00"})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<span data-testid="as-of-total">¥188.40</span>' in page
    assert page.count("<tr>") == 3  # header + two rows
    assert "<td>17.000</td><td>支</td><td>10.0000</td>" in page
    assert "<td>8.000</td><td>包</td><td>2.3000</td>" in page
    response = client.get(url("as_of"), {"warehouse": central.pk, "at": "2026-03-15T12:00"})
    assert '<span data-testid="as-of-total">¥200.00</span>' in response.content.decode()
    response = client.get(url("as_of"), {"warehouse": central.pk, "at": "2026-04-10T12:00", "export": "csv"})
    assert response.status_code == 200
    rows = response.content.decode("utf-8-sig").splitlines()
    assert len(rows) == 3
    assert rows[1].split(",")[-4:] == ["17.000", "支", "10.0000", "¥170.00"]
    response = client.get(url("as_of"), {"warehouse": central.pk, "at": "2026-03-10T11:00"})
    page = response.content.decode()
    assert 'data-testid="as-of-empty"' in page and '<span data-testid="as-of-total">¥0.00</span>' in page
    response = client.get(url("as_of"), {"warehouse": central.pk, "at": "not a time"})
    assert response.status_code == 422


@pytest.mark.req("INV-10")
@pytest.mark.parametrize("n", [3, 15])
def test_list_query_count(logged_in, branch, closer, django_assert_num_queries, n):
    for i in range(n):
        svc.close_month(
            actor=closer, warehouse=WarehouseFactory(branch=branch, code=f"Q{i:02d}"), month=MARCH
        )
    client = logged_in(closer)
    client.get(url("list"))
    with django_assert_num_queries(9):
        response = client.get(url("list"))
    assert response.status_code == 200
    assert response.content.decode().count("<tr") == n + 1


@pytest.mark.req("INV-10")
@pytest.mark.parametrize("n", [2, 12])
def test_as_of_page_query_count(logged_in, keeper, central, supplier, item, django_assert_num_queries, n):
    receive(
        keeper,
        central,
        supplier,
        [(item, 1, str(i + 1), f"L{i:02d}", datetime.date(2027, 12, 31)) for i in range(n)],
        posted_at=local(2026, 3, 10),
    )
    client = logged_in(keeper)
    address = f"{url('as_of')}?warehouse={central.pk}&at=2026-04-10T12:00"
    client.get(address)
    with django_assert_num_queries(12):
        response = client.get(address)
    assert response.content.decode().count("<tr>") == n + 1


def test_menu_items(branch):
    viewer = scoped_user("menuclose", branch, [VIEW, VIEW_STOCK])
    items = {item.key: (item.order, str(item.group)) for group in menu_for(viewer) for item in group.items}
    assert items["inventory-closes"] == (560, gettext("Inventory"))
    assert items["inventory-as-of"] == (562, gettext("Inventory"))
    assert not {"inventory-closes", "inventory-as-of"} & {
        item.key for group in menu_for(scoped_user("menunone", branch, [])) for item in group.items
    }
