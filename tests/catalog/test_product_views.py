"""Pages of products (CAT-02) and packages (CAT-03): permission matrix, other organisation,
exact rows and filters, export, the product form with its unit choices, the package editor
(allocation stored, refusals shown in place, nothing written), detail pages, query counts, menu."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils.translation import gettext, pgettext

from medspa.catalog import product_services as services
from medspa.catalog.models import Package, PackageComponent, Product
from medspa.core.menu import menu_for
from tests.catalog.product_factories import (
    ALL_PERMS,
    CatalogCategoryFactory,
    PackageComponentFactory,
    PackageFactory,
    ProductFactory,
    ProjectFactory,
    catalog_user,
    state,
)
from tests.factories import BranchFactory
from tests.inventory.factories import ItemFactory

pytestmark = pytest.mark.django_db

NS = "catalog_products"
D = Decimal
VIEW_PRODUCT, ADD_PRODUCT, CHANGE_PRODUCT, DELETE_PRODUCT, EXPORT_PRODUCT = (
    f"catalog.{a}_product" for a in ("view", "add", "change", "delete", "export")
)
VIEW_PACKAGE, ADD_PACKAGE, CHANGE_PACKAGE, DELETE_PACKAGE, EXPORT_PACKAGE = (
    f"catalog.{a}_package" for a in ("view", "add", "change", "delete", "export")
)


def url(name, *args):
    return reverse(f"{NS}:{name}", args=args)


def rows_of(response):
    return list(response.context["page"].object_list)


@pytest.fixture
def admin(branch):
    return catalog_user(branch, username="catalog-admin")


@pytest.fixture
def o(branch, admin):
    """Categories 皮肤管理 (SKIN) and 零售商品 (RETAIL, child 面膜类), project P003 水光针, item G001
    (片, 1 盒 = 5 片) sold as R001 per 盒 (¥198), R002 防晒霜 (Rx), and package PKG001 = 3 × P003 +
    1 × R001 at ¥3,500."""
    org = branch.organisation
    skin = CatalogCategoryFactory(organisation=org, code="SKIN", name="皮肤管理")
    retail = CatalogCategoryFactory(organisation=org, code="RETAIL", name="零售商品")
    masks = CatalogCategoryFactory(organisation=org, code="MASK", name="面膜类", parent=retail)
    water = ProjectFactory(organisation=org, code="P003", name="水光针", category=skin, list_price=D("1280"))
    item = ItemFactory(
        organisation=org,
        code="G001",
        name="医用修复面膜",
        specification="",
        base_unit="片",
        pack_units=[("盒", 5)],
    )
    box = item.pack_units.get()
    mask = ProductFactory(
        organisation=org,
        code="R001",
        name="医用修复面膜",
        category=masks,
        item=item,
        pack_unit=box,
        retail_price=D("198"),
    )
    sun_item = ItemFactory(organisation=org, code="G002", name="防晒霜", specification="", base_unit="支")
    sun = ProductFactory(
        organisation=org,
        code="R002",
        name="防晒霜 SPF50",
        category=retail,
        item=sun_item,
        retail_price=D("268"),
        is_prescription=True,
    )
    package = services.package_create(
        actor=admin,
        code="PKG001",
        name="水光焕颜套餐",
        price="3500",
        validity_days=365,
        category_id=skin.pk,
        components=[
            services.ComponentInput(kind="project", project_id=water.pk, quantity=3),
            services.ComponentInput(kind="product", product_id=mask.pk, quantity=1),
        ],
    )
    return {
        "skin": skin,
        "retail": retail,
        "masks": masks,
        "water": water,
        "item": item,
        "box": box,
        "mask": mask,
        "sun_item": sun_item,
        "sun": sun,
        "package": package,
    }


def product_post(o, **overrides):
    data = {
        "code": "R003",
        "name": "补水喷雾",
        "category": o["retail"].pk,
        "item": ItemFactory(organisation=o["retail"].organisation, base_unit="瓶").pk,
        "pack_unit": "",
        "retail_price": "128",
    }
    data.update(overrides)
    return data


def package_post(o, rows, **overrides):
    """The editor's POST: the package fields and one ``component`` token per row."""
    data = {"code": "PKG002", "name": "焕肤套餐", "price": "3000", "validity_days": "180", "category": ""}
    data.update(overrides)
    tokens = []
    for index, (target, quantity) in enumerate(rows):
        token = f"r{index}"
        tokens.append(token)
        data[f"comp-{token}-target"] = target
        data[f"comp-{token}-quantity"] = str(quantity)
    data["component"] = tokens
    return data


def pages(o):
    """(url, permissions needed, POST data or None for GET-only pages)"""
    mask, package = o["mask"], o["package"]
    edit_product = {
        "code": "R001",
        "name": "面膜",
        "category": o["masks"].pk,
        "item": o["item"].pk,
        "pack_unit": o["box"].pk,
        "retail_price": "188",
        "is_active": "on",
    }
    rows = [(f"project:{o['water'].pk}", 2)]
    return [
        (url("product_list"), [VIEW_PRODUCT], None),
        (url("product_create"), [VIEW_PRODUCT, ADD_PRODUCT], product_post(o)),
        (url("product_detail", o["sun"].pk), [VIEW_PRODUCT], None),
        (url("product_edit", mask.pk), [VIEW_PRODUCT, CHANGE_PRODUCT], edit_product),
        (url("product_deactivate", o["sun"].pk), [VIEW_PRODUCT, DELETE_PRODUCT], {}),
        (url("unit_options") + f"?item={o['item'].pk}", [VIEW_PRODUCT, ADD_PRODUCT], None),
        (url("package_list"), [VIEW_PACKAGE], None),
        (url("package_create"), [VIEW_PACKAGE, ADD_PACKAGE], package_post(o, rows)),
        (url("component_row"), [VIEW_PACKAGE, ADD_PACKAGE], None),
        (url("package_detail", package.pk), [VIEW_PACKAGE], None),
        (
            url("package_edit", package.pk),
            [VIEW_PACKAGE, CHANGE_PACKAGE],
            package_post(o, rows, code="PKG001", is_active="on"),
        ),
        (url("package_deactivate", package.pk), [VIEW_PACKAGE, DELETE_PACKAGE], {}),
    ]


@pytest.mark.req("CAT-02", "CAT-03")
def test_pages_permission_matrix(client, logged_in, branch, o):
    for page, perms, data in pages(o):
        before = state()
        response = client.get(page)
        assert (response.status_code, response["Location"]) == (
            302,
            f"/accounts/login/?next={page.replace('?', '%3F').replace('=', '%3D')}",
        ), page
        if data is not None:
            assert client.post(page, data).status_code == 302, page
        for granted in ([], perms[:-1]):
            denied = logged_in(catalog_user(branch, granted))
            assert denied.get(page).status_code == 403, page
            if data is not None:
                assert denied.post(page, data).status_code == 403, page
            client.logout()
        assert state() == before, page
        allowed = logged_in(catalog_user(branch, perms))
        assert allowed.get(page).status_code == 200, page
        client.logout()


@pytest.mark.req("CAT-02", "CAT-03")
def test_every_post_succeeds_with_its_permissions(client, logged_in, branch, o):
    for page, perms, data in sorted(pages(o), key=lambda p: "deactivate" in p[0]):
        if data is None:
            continue
        allowed = logged_in(catalog_user(branch, perms))
        response = allowed.post(page, data)
        assert response.status_code == 302, (page, response.content.decode()[:3000])
        client.logout()
    assert Product.objects.get(code="R003").retail_price == D("128.00")
    assert Product.objects.get(code="R001").retail_price == D("188.00")
    assert Product.objects.get(code="R002").is_active is False
    assert Package.objects.get(code="PKG002").price == D("3000.00")
    package = Package.objects.get(code="PKG001")
    assert (package.is_active, package.price) == (False, D("3000.00"))
    assert list(
        PackageComponent.objects.filter(package=package).values_list("quantity", "allocated_amount")
    ) == [(2, D("3000.00"))]


@pytest.mark.req("CAT-02", "CAT-03")
def test_other_organisation_rows_are_not_found(logged_in, branch, o):
    stranger = catalog_user(BranchFactory(), username="stranger")
    client = logged_in(stranger)
    before = state()
    for page in [
        url("product_detail", o["mask"].pk),
        url("product_edit", o["mask"].pk),
        url("product_deactivate", o["mask"].pk),
        url("package_detail", o["package"].pk),
        url("package_edit", o["package"].pk),
        url("package_deactivate", o["package"].pk),
        url("product_detail", 999999),
        url("package_detail", 999999),
    ]:
        assert client.get(page).status_code == 404, page
        if re.fullmatch(r".*/\d+/", page):
            continue
        assert client.post(page, package_post(o, [(f"project:{o['water'].pk}", 1)])).status_code == 404, page
    assert state() == before
    assert rows_of(client.get(url("product_list"))) == []
    assert rows_of(client.get(url("package_list"))) == []
    # the other organisation's item gives no units
    options = client.get(url("unit_options") + f"?item={o['item'].pk}").content.decode()
    assert options.strip() == '<option value="">---------</option>'


# --- lists ----------------------------------------------------------------------------------------


@pytest.mark.req("CAT-02")
def test_product_list_rows_and_filters(logged_in, admin, o):
    retired = ProductFactory(organisation=o["mask"].organisation, code="R009", name="旧品", is_active=False)
    client = logged_in(admin)
    response = client.get(url("product_list"))
    assert rows_of(response) == [o["mask"], o["sun"], retired]
    table = response.context["table"]
    assert [cell.text for cell in table.body()[0]] == [
        "R001",
        "医用修复面膜",
        "面膜类",
        "G001 医用修复面膜",
        "盒（1 盒 = 5 片）",
        "¥198.00",
        gettext("No"),
        gettext("Yes"),
    ]
    assert [cell.text for cell in table.body()[1]][4:7] == ["支", "¥268.00", gettext("Yes")]
    for query, expected in [
        ("q=fss", [o["sun"]]),  # pinyin initials of 防晒霜
        ("q=xiufu", [o["mask"]]),
        ("q=r00", [o["mask"], o["sun"], retired]),
        (f"category={o['retail'].pk}", [o["mask"], o["sun"]]),  # 面膜类 is below 零售商品
        (f"category={o['masks'].pk}", [o["mask"]]),
        ("is_prescription=true", [o["sun"]]),
        ("is_prescription=false", [o["mask"], retired]),
        ("is_active=false", [retired]),
        ("sort=-retail_price", [o["sun"], o["mask"], retired]),
    ]:
        assert rows_of(client.get(url("product_list") + "?" + query)) == expected, query


@pytest.mark.req("CAT-02")
def test_product_export(logged_in, branch, o):
    client = logged_in(catalog_user(branch, [VIEW_PRODUCT, EXPORT_PRODUCT]))
    response = client.get(url("product_list") + "?export=csv&is_prescription=true")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        ",".join(
            [
                gettext("Code"),
                gettext("Name"),
                gettext("Category"),
                gettext("Inventory item"),
                gettext("Sold per"),
                gettext("Retail price"),
                gettext("Rx"),
                gettext("Active"),
            ]
        ),
        f"R002,防晒霜 SPF50,零售商品,G002 防晒霜,支,¥268.00,{gettext('Yes')},{gettext('Yes')}",
    ]
    assert logged_in(catalog_user(branch, [VIEW_PRODUCT])).get(
        url("product_list") + "?export=csv"
    ).status_code == (403)


@pytest.mark.req("CAT-03")
def test_package_list_rows_filters_and_export(logged_in, branch, o):
    other = PackageFactory(organisation=branch.organisation, code="PKG009", name="旧套餐", is_active=False)
    PackageComponentFactory(package=other, project=o["water"], quantity=2, allocated_amount=other.price)
    client = logged_in(catalog_user(branch, [VIEW_PACKAGE, EXPORT_PACKAGE]))
    response = client.get(url("package_list"))
    assert rows_of(response) == [o["package"], other]
    assert [cell.text for cell in response.context["table"].body()[0]] == [
        "PKG001",
        "水光焕颜套餐",
        "皮肤管理",
        "2",
        "¥4,038.00",
        "¥3,500.00",
        gettext("%(days)s days") % {"days": 365},
        gettext("Yes"),
    ]
    assert rows_of(client.get(url("package_list") + "?q=hy")) == [o["package"]]
    assert rows_of(client.get(url("package_list") + f"?category={o['skin'].pk}")) == [o["package"]]
    assert rows_of(client.get(url("package_list") + "?is_active=false")) == [other]
    assert rows_of(client.get(url("package_list") + "?sort=-list_value")) == [o["package"], other]
    lines = client.get(url("package_list") + "?export=csv").content.decode("utf-8-sig").splitlines()
    assert lines[1:] == [
        f'PKG001,水光焕颜套餐,皮肤管理,2,"¥4,038.00","¥3,500.00",{gettext("%(days)s days") % {"days": 365}},'
        f"{gettext('Yes')}",
        f'PKG009,旧套餐,,1,"¥2,560.00","¥1,000.00",{gettext("No expiry")},{gettext("No")}',
    ]


@pytest.mark.req("CAT-02", "CAT-03")
@pytest.mark.parametrize(("name", "queries"), [("product_list", 9), ("package_list", 9)])
@pytest.mark.parametrize("n", [3, 15])
def test_list_query_counts(logged_in, admin, branch, django_assert_num_queries, name, queries, n):
    org = branch.organisation
    parent = CatalogCategoryFactory(organisation=org)
    for _i in range(n):
        category = CatalogCategoryFactory(organisation=org, parent=parent)
        ProductFactory(
            organisation=org, category=category, item=ItemFactory(organisation=org, pack_units=[("盒", 10)])
        )
        package = PackageFactory(organisation=org, category=category)
        PackageComponentFactory(package=package, allocated_amount=D("600"))
        PackageComponentFactory(package=package, allocated_amount=D("400"))
    client = logged_in(admin)
    client.get(url(name))
    with django_assert_num_queries(queries):
        response = client.get(url(name))
    assert (response.status_code, response.context["paginator"].count, len(rows_of(response))) == (200, n, n)


# --- product form ---------------------------------------------------------------------------------


@pytest.mark.req("CAT-02")
def test_product_form_offers_the_items_units(logged_in, admin, o):
    client = logged_in(admin)
    options = client.get(url("unit_options") + f"?item={o['item'].pk}").content.decode()
    assert re.findall(r'<option value="(\d*)">([^<]*)</option>', options) == [
        ("", gettext("%(unit)s (base unit)") % {"unit": "片"}),
        (str(o["box"].pk), "盒（1 盒 = 5 片）"),
    ]
    page = client.get(url("product_edit", o["mask"].pk)).content.decode()
    assert f'<option value="{o["box"].pk}" selected>盒（1 盒 = 5 片）</option>' in page
    assert 'hx-get="/catalog/products/units/"' in page


@pytest.mark.req("CAT-02")
def test_product_create_through_the_page(logged_in, admin, o):
    client = logged_in(admin)
    item = ItemFactory(
        organisation=o["mask"].organisation, code="G005", base_unit="支", pack_units=[("盒", 10)]
    )
    data = product_post(
        o, code="R005", item=item.pk, pack_unit=item.pack_units.get().pk, is_prescription="on"
    )
    response = client.post(url("product_create"), data)
    product = Product.objects.get(code="R005")
    assert (response.status_code, response["Location"]) == (302, url("product_detail", product.pk))
    assert (product.item, product.pack_unit.name, product.retail_price, product.is_prescription) == (
        item,
        "盒",
        D("128.00"),
        True,
    )
    page = client.get(url("product_detail", product.pk)).content.decode()
    assert '<dd class="col-12 col-sm-8 col-lg-9" data-testid="unit">盒（1 盒 = 10 支）</dd>' in page
    assert "¥128.00 / 盒" in page


@pytest.mark.req("CAT-02")
def test_product_form_refusals_are_shown_inline(logged_in, admin, o):
    client = logged_in(admin)
    before = state()
    duplicate = product_post(o, item=o["item"].pk, pack_unit=o["box"].pk)
    response = client.post(url("product_create"), duplicate, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    with_names = {"code": "R001", "name": "医用修复面膜", "item": "G001 医用修复面膜", "unit": "盒"}
    assert (
        gettext(
            "Product %(code)s %(name)s already sells %(item)s per %(unit)s. Change or deactivate "
            "that product instead of adding a second one."
        )
        % with_names
    ) in html
    response = client.post(url("product_create"), product_post(o, retail_price="-5"))
    assert response.status_code == 422
    assert (
        gettext("The %(field)s cannot be negative.") % {"field": gettext("retail price")}
        in response.content.decode()
    )
    assert state() == before


@pytest.mark.req("CAT-02")
def test_product_detail_and_deactivate_buttons(logged_in, branch, o):
    reader = logged_in(catalog_user(branch, [VIEW_PRODUCT]))
    page = reader.get(url("product_detail", o["mask"].pk)).content.decode()
    assert 'data-testid="edit"' not in page and 'data-testid="deactivate"' not in page
    assert '<dd class="col-12 col-sm-8 col-lg-9" data-testid="item">G001 医用修复面膜</dd>' in page
    reader.logout()
    admin = logged_in(catalog_user(branch, [*ALL_PERMS, "inventory.view_item"]))
    page = admin.get(url("product_detail", o["mask"].pk)).content.decode()
    assert 'data-testid="edit"' in page and 'data-testid="deactivate"' in page
    assert reverse("inventory_master:item_detail", args=[o["item"].pk]) in page
    # R001 is in the active package: deactivating it is refused with the reason, nothing written
    before = state()
    response = admin.post(url("product_deactivate", o["mask"].pk))
    assert response.status_code == 422
    assert "PKG001 水光焕颜套餐" in response.content.decode()
    assert state() == before


# --- package editor and detail --------------------------------------------------------------------


@pytest.mark.req("CAT-03")
def test_package_editor_stores_the_allocation(logged_in, admin, o):
    client = logged_in(admin)
    page = client.get(url("package_create")).content.decode()
    assert page.count('data-testid="component-row"') == 1
    assert (
        f'<option value="project:{o["water"].pk}">'
        f"P003 水光针 · ¥1,280.00/{pgettext('catalog', 'session')}</option>" in page
    )
    assert f'<option value="product:{o["mask"].pk}">R001 医用修复面膜 · ¥198.00/盒</option>' in page
    row = client.get(url("component_row")).content.decode()
    assert re.search(r'name="component" value="([0-9a-f]{8})"', row)
    data = package_post(
        o,
        [(f"project:{o['water'].pk}", 3), (f"product:{o['mask'].pk}", 1)],
        price="3500",
        category=o["skin"].pk,
    )
    response = client.post(url("package_create"), data)
    package = Package.objects.get(code="PKG002")
    assert (response.status_code, response["Location"]) == (302, url("package_detail", package.pk))
    assert list(
        PackageComponent.objects.filter(package=package).values_list(
            "kind", "quantity", "list_price", "allocated_amount"
        )
    ) == [("project", 3, D("1280.00"), D("3328.38")), ("product", 1, D("198.00"), D("171.62"))]
    detail = client.get(url("package_detail", package.pk)).content.decode()
    allocated = re.findall(r'data-testid="component-allocated">([^<]*)<', detail)
    assert allocated == ["¥3,328.38", "¥171.62"]
    assert re.findall(r'data-testid="component-discount">([^<]*)<', detail) == ["¥511.62", "¥26.38"]
    assert re.findall(r'data-testid="total-allocated">([^<]*)<', detail) == ["¥3,500.00"]
    assert 'data-testid="price-warning"' not in detail


@pytest.mark.req("CAT-03")
def test_package_editor_refusals_are_shown_in_place(logged_in, admin, o, branch):
    stopped = ProjectFactory(organisation=branch.organisation, code="P099", name="旧项目", is_active=False)
    client = logged_in(admin)
    before = state()
    response = client.post(url("package_create"), package_post(o, []))
    assert response.status_code == 422
    html = response.content.decode()
    assert re.findall(r'data-testid="form-error">([^<]*)<', html) == [
        gettext("Add at least one component: sessions of a project or units of a product.")
    ]
    water = f"project:{o['water'].pk}"
    response = client.post(url("package_create"), package_post(o, [(water, 1), (f"project:{stopped.pk}", 1)]))
    html = response.content.decode()
    assert re.findall(r'data-testid="component-target-error">([^<]*)<', html) == [
        gettext("%(target)s is deactivated and cannot be put in a package.") % {"target": "P099 旧项目"}
    ]
    assert html.count('data-testid="component-row"') == 2  # both rows drawn again as posted
    response = client.post(url("package_create"), package_post(o, [(water, 0)]))
    assert re.findall(r'data-testid="component-quantity-error">([^<]*)<', response.content.decode()) == [
        gettext("The quantity of %(target)s must be a whole number from 1 to %(max)s.")
        % {"target": "P003 水光针", "max": 9999}
    ]
    response = client.post(url("package_create"), package_post(o, [(water, 1), (water, 2)]))
    assert re.findall(r'data-testid="component-target-error">([^<]*)<', response.content.decode()) == [
        gettext("%(target)s is listed twice; put its total quantity in one row.") % {"target": "P003 水光针"}
    ]
    response = client.post(url("package_create"), package_post(o, [(water, 1)], price="-1"))
    assert re.findall(r'data-testid="field-error-price">([^<]*)<', response.content.decode()) == [
        gettext("The %(field)s cannot be negative.") % {"field": gettext("package price")}
    ]
    response = client.post(url("package_create"), package_post(o, [("project:abc", 1)]))
    assert re.findall(r'data-testid="component-target-error">([^<]*)<', response.content.decode()) == [
        gettext("Choose a project or a product.")
    ]
    assert state() == before


@pytest.mark.req("CAT-03")
def test_a_price_above_list_is_saved_with_a_warning(logged_in, admin, o):
    client = logged_in(admin)
    data = package_post(o, [(f"product:{o['mask'].pk}", 2)], price="500", validity_days="")
    response = client.post(url("package_create"), data, follow=True)
    package = Package.objects.get(code="PKG002")
    assert (package.price, package.validity_days) == (D("500.00"), None)
    warning = gettext(
        "The package price %(price)s is above the components' list value %(value)s: customers pay "
        "%(extra)s more than buying them separately."
    ) % {"price": "¥500.00", "value": "¥396.00", "extra": "¥104.00"}
    html = unescape(response.content.decode())
    assert warning in html
    assert re.findall(r'data-testid="price-warning">.*?</i>([^<]*)<', html) == [warning]
    assert re.findall(r'data-testid="validity">([^<]*)<', html) == [gettext("No expiry")]


@pytest.mark.req("CAT-03")
def test_package_edit_keeps_rows_and_recomputes(logged_in, admin, o):
    client = logged_in(admin)
    package = o["package"]
    page = client.get(url("package_edit", package.pk)).content.decode()
    assert page.count('data-testid="component-row"') == 2
    assert f'<option value="project:{o["water"].pk}" selected>' in page
    o["water"].list_price = D("1500")
    o["water"].save()
    data = package_post(
        o,
        [(f"project:{o['water'].pk}", 3), (f"product:{o['mask'].pk}", 1)],
        code="PKG001",
        name="水光焕颜套餐",
        price="3500",
        is_active="on",
    )
    assert client.post(url("package_edit", package.pk), data).status_code == 302
    assert list(
        PackageComponent.objects.filter(package=package).values_list("list_price", "allocated_amount")
    ) == [
        (D("1500.00"), D("3352.49")),
        (D("198.00"), D("147.51")),
    ]


@pytest.mark.req("CAT-02", "CAT-03")
def test_menu_entries(branch):
    groups = {
        str(group.label): [(item.key, item.order) for item in group.items]
        for group in menu_for(catalog_user(branch, ALL_PERMS))
    }
    entries = [entry for entry in groups[gettext("Catalog")] if 320 <= entry[1] <= 329]
    assert entries == [("catalog-products", 320), ("catalog-packages", 322)]
    keys = [item.key for group in menu_for(catalog_user(branch, [VIEW_PACKAGE])) for item in group.items]
    assert "catalog-packages" in keys and "catalog-products" not in keys
