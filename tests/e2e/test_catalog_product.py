"""Packages in Chromium at 1440 and 375 px (CAT-03): a catalog manager creates the package 水光焕颜
套餐 — 3 sessions of P003 水光针 (¥1,280) and 1 box of R001 医用修复面膜 (¥198) at ¥3,500 — through
the package editor, adding the second component row with the editor's button, and sees on the
package page the allocation stored for each component (¥3,328.38 and ¥171.62) with its list value
and discount.

Page labels go through ``gettext`` so that the test reads the words the page shows; names, codes
and amounts are asserted literally."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from medspa.catalog.models import Package, PackageComponent
from tests.catalog.product_factories import (
    CatalogCategoryFactory,
    ProductFactory,
    ProjectFactory,
    catalog_user,
)
from tests.e2e.helpers import choose, htmx_settled, login, open_menu_item
from tests.factories import PASSWORD
from tests.inventory.factories import ItemFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.req("CAT-03"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def permissions():
    """Permissions come from migrations' post_migrate signal, which a transactional browser test
    cannot restore from a snapshot: recreate them."""
    from django.core.management.sql import emit_post_migrate_signal

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


def catalog(organisation):
    """SKIN and RETAIL, project P003 水光针 and product R001 医用修复面膜 sold per 盒 (5 片)."""
    skin = CatalogCategoryFactory(organisation=organisation, code="SKIN", name="皮肤管理")
    retail = CatalogCategoryFactory(organisation=organisation, code="RETAIL", name="零售商品")
    ProjectFactory(
        organisation=organisation, code="P001", name="玻尿酸填充-鼻部", category=skin, list_price=6800
    )
    ProjectFactory(organisation=organisation, code="P003", name="水光针", category=skin, list_price=1280)
    item = ItemFactory(
        organisation=organisation, code="G001", name="医用修复面膜", base_unit="片", pack_units=[("盒", 5)]
    )
    ProductFactory(
        organisation=organisation,
        code="R001",
        name="医用修复面膜",
        category=retail,
        item=item,
        pack_unit=item.pack_units.get(),
        retail_price=198,
    )


def test_catalog_manager_creates_a_package_and_sees_its_allocation(page, permissions, branch, viewport):
    catalog(branch.organisation)
    manager = catalog_user(branch, username="catalog", display_name="项目主管")

    login(page, manager.username, PASSWORD)
    open_menu_item(page, "catalog-packages")
    expect(page.get_by_role("heading", name=gettext("Packages"))).to_be_visible()
    page.shot("packages-empty")

    page.get_by_test_id("create").click()
    expect(page).to_have_url(re.compile(r"/catalog/packages/new/$"))
    page.locator("#id_code").fill("PKG001")
    page.locator("#id_name").fill("水光焕颜套餐")
    choose(page.locator("#id_category"), "皮肤管理")
    page.locator("#id_price").fill("3500")
    page.locator("#id_validity_days").fill("365")
    rows = page.get_by_test_id("component-row")
    expect(rows).to_have_count(1)
    choose(rows.nth(0).locator("select"), "P003 水光针")
    rows.nth(0).locator("input[name$='-quantity']").fill("3")
    page.get_by_test_id("add-component").click()
    expect(rows).to_have_count(2)
    htmx_settled(page)
    choose(rows.nth(1).locator("select"), "R001 医用修复面膜")
    expect(rows.nth(1).locator("input[name$='-quantity']")).to_have_value("1")
    page.shot("package-form")
    page.get_by_test_id("submit").click()

    package = Package.objects.get(code="PKG001")
    expect(page).to_have_url(re.compile(rf"/catalog/packages/{package.pk}/$"))
    expect(page.get_by_test_id("price")).to_have_text("¥3,500.00")
    expect(page.get_by_test_id("list-value")).to_have_text("¥4,038.00")
    components = page.get_by_test_id("component")
    expect(components).to_have_count(2)
    expect(components.nth(0).get_by_test_id("component-name")).to_have_text("P003 水光针")
    expect(components.nth(0).get_by_test_id("component-quantity")).to_have_text(
        f"3 {pgettext('catalog', 'sessions')}"
    )
    expect(components.nth(0).get_by_test_id("component-list-value")).to_have_text("¥3,840.00")
    expect(components.nth(0).get_by_test_id("component-allocated")).to_have_text("¥3,328.38")
    expect(components.nth(0).get_by_test_id("component-discount")).to_have_text("¥511.62")
    expect(components.nth(1).get_by_test_id("component-name")).to_have_text("R001 医用修复面膜")
    expect(components.nth(1).get_by_test_id("component-quantity")).to_have_text("1 盒")
    expect(components.nth(1).get_by_test_id("component-allocated")).to_have_text("¥171.62")
    expect(page.get_by_test_id("total-allocated")).to_have_text("¥3,500.00")
    expect(page.get_by_test_id("price-warning")).to_have_count(0)
    page.shot("package-detail")
    assert list(
        PackageComponent.objects.filter(package=package)
        .order_by("order")
        .values_list("quantity", "allocated_amount")
    ) == [(3, Decimal("3328.38")), (1, Decimal("171.62"))]

    # the list shows it with its list value
    open_menu_item(page, "catalog-packages")
    expect(page.get_by_test_id("object-table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("object-table")).to_contain_text("¥4,038.00")
    page.shot("packages-list")


@pytest.mark.req("CAT-02")
def test_catalog_manager_registers_a_product_sold_per_box(page, permissions, branch, viewport):
    """The unit choices follow the inventory item picked; the price is per the unit sold."""
    catalog(branch.organisation)
    ItemFactory(
        organisation=branch.organisation,
        code="G002",
        name="防晒霜",
        specification="",
        base_unit="支",
        pack_units=[("盒", 2)],
    )
    manager = catalog_user(branch, username="catalog", display_name="项目主管")

    login(page, manager.username, PASSWORD)
    open_menu_item(page, "catalog-products")
    expect(page.get_by_test_id("object-table").locator("tbody tr")).to_have_count(1)
    page.get_by_test_id("create").click()
    expect(page).to_have_url(re.compile(r"/catalog/products/new/$"))
    page.locator("#id_code").fill("R002")
    page.locator("#id_name").fill("防晒霜 SPF50")
    choose(page.locator("#id_category"), "零售商品")
    choose(page.get_by_test_id("item-select"), "G002 防晒霜")
    expect(page.locator("#id_pack_unit option")).to_have_count(2)
    choose(page.locator("#id_pack_unit"), "盒（1 盒 = 2 支）")
    page.locator("#id_retail_price").fill("498")
    page.shot("product-form")
    page.get_by_test_id("submit").click()

    expect(page.get_by_test_id("unit")).to_have_text("盒（1 盒 = 2 支）")
    expect(page.get_by_test_id("retail-price")).to_have_text("¥498.00 / 盒")
    page.shot("product-detail")
