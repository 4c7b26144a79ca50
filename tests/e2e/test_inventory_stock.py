"""Stock query flow in Chromium at 1440 and 375 px (INV-03, INV-09, INV-10): a storekeeper opens
库存查询 from the menu, switches between the views, filters, opens a lot ("where did it go"),
checks the near-expiry tab and marks alerts read by ticking them."""

from __future__ import annotations

import re

import pytest
from django.utils.translation import gettext
from playwright.sync_api import expect

from medspa.inventory import stock_services
from medspa.inventory.models import StockAlert
from tests.e2e.helpers import login, open_menu_item
from tests.factories import PASSWORD
from tests.inventory.test_stock_support import (  # noqa: F401  (clear_cache is a fixture)
    add_levels,
    build_world,
    clear_cache,
    stock_user,
    today,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.req("INV-03", "INV-09", "INV-10"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def permissions():
    """Permissions come from migrations' post_migrate signal, which a transactional browser test
    cannot restore from a snapshot: recreate them."""
    from django.core.management.sql import emit_post_migrate_signal

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


def rows(tab):
    return tab.get_by_test_id("object-table").locator("tbody tr")


def test_storekeeper_queries_stock_and_reads_alerts(page, permissions, branch, other_branch, viewport):
    world = build_world(branch, other_branch)
    add_levels(world)
    stock_services.alerts_generate(day=today())
    keeper = stock_user(world.branch, username="keeper")

    login(page, keeper.username, PASSWORD)
    open_menu_item(page, "inventory-stock")
    expect(page.get_by_role("heading", name=gettext("Stock query"))).to_be_visible()
    expect(rows(page)).to_have_count(3)
    expect(page.get_by_test_id("totals")).to_contain_text("¥2,636.75")
    page.shot("stock-by-item")

    page.get_by_test_id("view-warehouse").click()
    expect(rows(page)).to_have_count(4)
    expect(rows(page).nth(2)).to_contain_text("美容科库")
    page.shot("stock-by-warehouse")

    page.get_by_label(gettext("Search")).fill("bns")
    page.get_by_role("button", name=gettext("Filter")).click()
    expect(rows(page)).to_have_count(2)
    expect(page.get_by_test_id("totals")).to_contain_text("137 支")
    page.shot("stock-filtered")

    page.get_by_test_id("view-lot").click()
    expect(rows(page)).to_have_count(4)
    rows(page).nth(2).get_by_role("link", name="HA-2401").click()
    expect(page.get_by_test_id("lot-locations").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("lot-moves").locator("tbody tr")).to_have_count(4)
    expect(page.get_by_test_id("lot-value")).to_have_text("¥142.50")
    page.shot("lot")

    page.goto("/inventory/stock/")
    page.get_by_test_id("tab-near_expiry").click()
    expect(rows(page)).to_have_count(2)
    page.shot("near-expiry")
    page.get_by_test_id("tab-shortages").click()
    expect(rows(page)).to_have_count(2)
    page.shot("shortages")

    open_menu_item(page, "inventory-alerts")
    expect(rows(page)).to_have_count(6)
    page.shot("alerts")
    page.get_by_test_id("select-all").check()
    page.get_by_test_id("mark-read").click()
    expect(page.locator("#messages")).to_contain_text("6")
    expect(rows(page)).to_have_count(1)  # "no alerts"
    expect(rows(page).first).to_have_text(re.compile(r"\S"))
    page.shot("alerts-read")
    assert StockAlert.objects.filter(branch=world.branch, read_by=keeper).count() == 6
