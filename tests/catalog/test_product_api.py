"""The product and package API: /api/v1/catalog/products (CAT-02) and /api/v1/catalog/packages
(CAT-03) — exact bodies, problem JSON for bad input with nothing written, permission matrix,
another organisation, query counts of the lists."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone, translation

from medspa.catalog import product_services as services
from medspa.catalog.models import Package, PackageComponent, Product
from tests.catalog.product_factories import (
    ALL_PERMS,
    PROBLEM,
    CatalogCategoryFactory,
    PackageComponentFactory,
    PackageFactory,
    ProductFactory,
    ProjectFactory,
    catalog_user,
    errors_of,
    send,
    state,
)
from tests.factories import BranchFactory
from tests.inventory.factories import ItemFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/catalog"
D = Decimal


def iso(value):
    return timezone.localtime(value).isoformat()


@pytest.fixture(autouse=True)
def english():
    """Problem messages in English (the request's language follows the active one)."""
    with translation.override("en"):
        yield


@pytest.fixture
def admin(branch):
    return catalog_user(branch, username="catalog-admin")


@pytest.fixture
def o(branch, admin):
    org = branch.organisation
    skin = CatalogCategoryFactory(organisation=org, code="SKIN", name="皮肤管理")
    retail = CatalogCategoryFactory(organisation=org, code="RETAIL", name="零售商品")
    water = ProjectFactory(organisation=org, code="P003", name="水光针", category=skin, list_price=D("1280"))
    item = ItemFactory(
        organisation=org, code="G001", name="医用修复面膜", base_unit="片", pack_units=[("盒", 5)]
    )
    box = item.pack_units.get()
    mask = ProductFactory(
        organisation=org,
        code="R001",
        name="医用修复面膜",
        category=retail,
        item=item,
        pack_unit=box,
        retail_price=D("198"),
    )
    sun_item = ItemFactory(organisation=org, code="G002", name="防晒霜", base_unit="支")
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
        "water": water,
        "item": item,
        "box": box,
        "mask": mask,
        "sun_item": sun_item,
        "package": package,
    }


def product_body(o, **overrides):
    body = {
        "code": "R002",
        "name": "防晒霜 SPF50",
        "category_id": o["retail"].pk,
        "item_id": o["sun_item"].pk,
        "retail_price": "268",
        "is_prescription": True,
    }
    body.update(overrides)
    return body


def package_body(o, **overrides):
    body = {
        "code": "PKG002",
        "name": "焕肤套餐",
        "price": "2000.00",
        "components": [{"kind": "project", "project_id": o["water"].pk, "quantity": 2}],
    }
    body.update(overrides)
    return body


def endpoints(o):
    """(method, url, body, permissions needed)"""
    mask, package = o["mask"], o["package"]
    return [
        ("get", f"{API}/products", None, ["catalog.view_product"]),
        ("post", f"{API}/products", product_body(o), ["catalog.add_product"]),
        ("get", f"{API}/products/{mask.pk}", None, ["catalog.view_product"]),
        ("patch", f"{API}/products/{mask.pk}", {"retail_price": "188"}, ["catalog.change_product"]),
        ("get", f"{API}/packages", None, ["catalog.view_package"]),
        ("post", f"{API}/packages", package_body(o), ["catalog.add_package"]),
        ("get", f"{API}/packages/{package.pk}", None, ["catalog.view_package"]),
        ("patch", f"{API}/packages/{package.pk}", {"price": "3600"}, ["catalog.change_package"]),
        ("post", f"{API}/packages/{package.pk}/deactivate", None, ["catalog.delete_package"]),
        ("post", f"{API}/products/{mask.pk}/deactivate", None, ["catalog.delete_product"]),
    ]


@pytest.mark.req("CAT-02", "CAT-03")
def test_api_permission_matrix(client, logged_in, branch, o):
    for method, url, body, perms in endpoints(o):
        before = state()
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), url
        denied = logged_in(catalog_user(branch, []))
        response = send(denied, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (403, PROBLEM), (method, url)
        assert state() == before, (method, url)
        client.logout()
        allowed = logged_in(catalog_user(branch, perms))
        response = send(allowed, method, url, body)
        assert response.status_code == (
            201 if url.endswith(("/products", "/packages")) and method == "post" else 200
        ), (
            method,
            url,
            response.content,
        )
        client.logout()
    assert Product.objects.get(code="R002").retail_price == D("268.00")
    assert Product.objects.get(code="R001").is_active is False  # its package was deactivated first
    assert Package.objects.get(code="PKG001").price == D("3600.00")


@pytest.mark.req("CAT-02", "CAT-03")
def test_other_organisation_is_not_found(logged_in, o):
    stranger = catalog_user(BranchFactory(), username="stranger")
    client = logged_in(stranger)
    before = state()
    for method, url, body in [
        ("get", f"{API}/products/{o['mask'].pk}", None),
        ("patch", f"{API}/products/{o['mask'].pk}", {"name": "x"}),
        ("post", f"{API}/products/{o['mask'].pk}/deactivate", None),
        ("get", f"{API}/packages/{o['package'].pk}", None),
        ("patch", f"{API}/packages/{o['package'].pk}", {"name": "x"}),
        ("post", f"{API}/packages/{o['package'].pk}/deactivate", None),
        ("get", f"{API}/products/-1", None),
        ("get", f"{API}/packages/-1", None),
    ]:
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (404, PROBLEM), (method, url)
    assert state() == before
    assert send(client, "get", f"{API}/products").json() == {"items": [], "count": 0}
    assert send(client, "get", f"{API}/packages").json() == {"items": [], "count": 0}
    # another organisation's item, project or product cannot be used either
    response = send(
        client,
        "post",
        f"{API}/products",
        product_body(o, category_id=CatalogCategoryFactory(organisation=stranger.organisation).pk),
    )
    assert (response.status_code, errors_of(response)) == (
        422,
        [("item", "That inventory item does not exist.")],
    )
    assert state() == before


@pytest.mark.req("CAT-02")
def test_product_endpoints(logged_in, admin, o):
    client = logged_in(admin)
    response = send(client, "post", f"{API}/products", product_body(o))
    product = Product.objects.get(code="R002")
    assert response.status_code == 201
    assert response.json() == {
        "id": product.pk,
        "code": "R002",
        "name": "防晒霜 SPF50",
        "category_id": o["retail"].pk,
        "item_id": o["sun_item"].pk,
        "item_code": "G002",
        "item_name": "防晒霜",
        "pack_unit_id": None,
        "unit": "支",
        "base_units_per_unit": "1.000",
        "retail_price": "268.00",
        "is_prescription": True,
        "description": "",
        "is_active": True,
        "created_at": iso(product.created_at),
        "updated_at": iso(product.updated_at),
    }
    mask = send(client, "get", f"{API}/products/{o['mask'].pk}").json()
    assert (mask["unit"], mask["base_units_per_unit"], mask["retail_price"], mask["pack_unit_id"]) == (
        "盒",
        "5.000",
        "198.00",
        o["box"].pk,
    )
    response = send(
        client, "patch", f"{API}/products/{o['mask'].pk}", {"retail_price": "49.9", "pack_unit_id": None}
    )
    assert (response.status_code, response.json()["retail_price"], response.json()["unit"]) == (
        200,
        "49.90",
        "片",
    )
    listing = send(client, "get", f"{API}/products?is_prescription=true").json()
    assert (listing["count"], [row["code"] for row in listing["items"]]) == (1, ["R002"])
    listing = send(client, "get", f"{API}/products?category={o['retail'].pk}").json()
    assert (listing["count"], [row["code"] for row in listing["items"]]) == (2, ["R001", "R002"])
    response = send(client, "get", f"{API}/products?category=999999")
    assert (response.status_code, errors_of(response)[0][0]) == (422, "category")
    listing = send(client, "get", f"{API}/products?q=xiufu&limit=1").json()
    assert (listing["count"], [row["code"] for row in listing["items"]]) == (1, ["R001"])
    response = send(client, "post", f"{API}/products/{product.pk}/deactivate")
    assert (response.status_code, response.json()["is_active"]) == (200, False)


@pytest.mark.req("CAT-02")
def test_product_bad_input_is_refused_and_nothing_written(logged_in, admin, o, branch):
    client = logged_in(admin)
    retired = ItemFactory(organisation=branch.organisation, code="G009", name="旧面膜", is_active=False)
    before = state()
    for body, expected in [
        (
            product_body(o, item_id=retired.pk),
            [("item", "The inventory item G009 旧面膜 is deactivated; a product must sell an active item.")],
        ),
        (
            product_body(o, pack_unit_id=o["box"].pk),
            [("pack_unit", "That unit is not a pack unit of G002 防晒霜; choose one of its units.")],
        ),
        (product_body(o, retail_price="-1"), [("retail_price", "The retail price cannot be negative.")]),
        (product_body(o, code="R001"), [("code", "Code R001 is already in use.")]),
        (
            product_body(o, item_id=o["item"].pk, pack_unit_id=o["box"].pk),
            [
                (
                    "pack_unit",
                    "Product R001 医用修复面膜 already sells G001 医用修复面膜 per 盒. "
                    "Change or deactivate that product instead of adding a second one.",
                )
            ],
        ),
        (
            {"code": "R9"},
            [
                ("name", "This field is required."),
                ("category_id", "This field is required."),
                ("item_id", "This field is required."),
                ("retail_price", "This field is required."),
            ],
        ),
    ]:
        response = send(client, "post", f"{API}/products", body)
        assert (response.status_code, response["Content-Type"], errors_of(response)) == (
            422,
            PROBLEM,
            expected,
        )
    response = send(
        client,
        "patch",
        f"{API}/products/{o['mask'].pk}",
        {"item_id": o["sun_item"].pk, "pack_unit_id": o["box"].pk},
    )
    assert errors_of(response) == [
        ("pack_unit", "That unit is not a pack unit of G002 防晒霜; choose one of its units.")
    ]
    response = send(client, "post", f"{API}/products/{o['mask'].pk}/deactivate")
    assert (response.status_code, response.json()["detail"]) == (
        409,
        "R001 医用修复面膜 is a component of the active packages PKG001 水光焕颜套餐; "
        "change or deactivate them first.",
    )
    assert state() == before


def package_json(package, o, *, components):
    return {
        "id": package.pk,
        "code": package.code,
        "name": package.name,
        "category_id": package.category_id,
        "price": f"{package.price:.2f}",
        "validity_days": package.validity_days,
        "description": package.description,
        "is_active": package.is_active,
        "list_value": components["list_value"],
        "discount": components["discount"],
        "price_above_list": components["price_above_list"],
        "components": components["rows"],
        "created_at": iso(package.created_at),
        "updated_at": iso(package.updated_at),
    }


@pytest.mark.req("CAT-03")
def test_package_endpoints(logged_in, admin, o):
    client = logged_in(admin)
    package = o["package"]
    water_row, mask_row = PackageComponent.objects.filter(package=package).order_by("order")
    assert send(client, "get", f"{API}/packages/{package.pk}").json() == package_json(
        package,
        o,
        components={
            "list_value": "4038.00",
            "discount": "538.00",
            "price_above_list": False,
            "rows": [
                {
                    "id": water_row.pk,
                    "kind": "project",
                    "project_id": o["water"].pk,
                    "product_id": None,
                    "code": "P003",
                    "name": "水光针",
                    "quantity": 3,
                    "list_price": "1280.00",
                    "list_value": "3840.00",
                    "allocated_amount": "3328.38",
                    "discount": "511.62",
                },
                {
                    "id": mask_row.pk,
                    "kind": "product",
                    "project_id": None,
                    "product_id": o["mask"].pk,
                    "code": "R001",
                    "name": "医用修复面膜",
                    "quantity": 1,
                    "list_price": "198.00",
                    "list_value": "198.00",
                    "allocated_amount": "171.62",
                    "discount": "26.38",
                },
            ],
        },
    )
    body = package_body(
        o,
        price="3000",
        validity_days=90,
        components=[
            {"kind": "project", "project_id": o["water"].pk, "quantity": 2},
            {"kind": "product", "product_id": o["mask"].pk, "quantity": 3},
        ],
    )
    response = send(client, "post", f"{API}/packages", body)
    created = Package.objects.get(code="PKG002")
    assert response.status_code == 201
    data = response.json()
    assert (data["id"], data["price"], data["validity_days"], data["list_value"], data["discount"]) == (
        created.pk,
        "3000.00",
        90,
        "3154.00",
        "154.00",
    )
    assert [(c["code"], c["quantity"], c["allocated_amount"]) for c in data["components"]] == [
        ("P003", 2, "2435.00"),
        ("R001", 3, "565.00"),
    ]
    # PATCH without components keeps them and recomputes with today's list prices
    o["water"].list_price = D("1500")
    o["water"].save()
    response = send(client, "patch", f"{API}/packages/{created.pk}", {"price": "3500", "validity_days": None})
    data = response.json()
    assert (response.status_code, data["price"], data["validity_days"], data["price_above_list"]) == (
        200,
        "3500.00",
        None,
        False,
    )
    assert [(c["list_price"], c["allocated_amount"]) for c in data["components"]] == [
        ("1500.00", "2921.54"),
        ("198.00", "578.46"),
    ]
    response = send(client, "patch", f"{API}/packages/{created.pk}", {"price": "5000"})
    assert (response.json()["price_above_list"], response.json()["discount"]) == (True, "-1406.00")
    listing = send(client, "get", f"{API}/packages?category={o['skin'].pk}").json()
    assert (listing["count"], [row["code"] for row in listing["items"]]) == (1, ["PKG001"])
    listing = send(client, "get", f"{API}/packages?q=PKG00&limit=1&offset=1").json()
    assert (listing["count"], [row["code"] for row in listing["items"]]) == (2, ["PKG002"])
    response = send(client, "post", f"{API}/packages/{created.pk}/deactivate")
    assert (response.status_code, response.json()["is_active"]) == (200, False)


@pytest.mark.req("CAT-03")
def test_package_bad_input_is_refused_and_nothing_written(logged_in, admin, o, branch):
    client = logged_in(admin)
    stopped = ProjectFactory(organisation=branch.organisation, code="P099", name="旧项目", is_active=False)
    foreign = ProductFactory()
    water = {"kind": "project", "project_id": o["water"].pk, "quantity": 1}
    before = state()
    for body, expected in [
        (
            package_body(o, components=[]),
            [("components", "Add at least one component: sessions of a project or units of a product.")],
        ),
        (
            package_body(o, components=[water, {"kind": "project", "project_id": stopped.pk}]),
            [("components.1.project", "P099 旧项目 is deactivated and cannot be put in a package.")],
        ),
        (
            package_body(o, components=[{**water, "quantity": 0}]),
            [("components.0.quantity", "The quantity of P003 水光针 must be a whole number from 1 to 9999.")],
        ),
        (
            package_body(o, components=[water, water]),
            [("components.1.project", "P003 水光针 is listed twice; put its total quantity in one row.")],
        ),
        (package_body(o, price="-1"), [("price", "The package price cannot be negative.")]),
        (
            package_body(o, components=[{"kind": "product", "product_id": foreign.pk}]),
            [("components.0.product", "That product does not exist.")],
        ),
    ]:
        response = send(client, "post", f"{API}/packages", body)
        assert (response.status_code, response["Content-Type"], errors_of(response)) == (
            422,
            PROBLEM,
            expected,
        )
    response = send(client, "patch", f"{API}/packages/{o['package'].pk}", {"components": []})
    assert errors_of(response) == [
        ("components", "Add at least one component: sessions of a project or units of a product.")
    ]
    assert state() == before


@pytest.mark.req("CAT-02", "CAT-03")
@pytest.mark.parametrize(("path", "queries"), [("products", 7), ("packages", 8)])
@pytest.mark.parametrize("n", [3, 15])
def test_list_endpoint_query_counts(logged_in, admin, branch, django_assert_num_queries, path, queries, n):
    org = branch.organisation
    for _i in range(n):
        ProductFactory(organisation=org, item=ItemFactory(organisation=org, pack_units=[("盒", 10)]))
        package = PackageFactory(organisation=org)
        PackageComponentFactory(package=package, allocated_amount=D("600"))
        PackageComponentFactory(
            package=package,
            kind="product",
            project=None,
            product=ProductFactory(organisation=org),
            allocated_amount=D("400"),
        )
    client = logged_in(admin)
    send(client, "get", f"{API}/{path}")
    with django_assert_num_queries(queries):
        response = send(client, "get", f"{API}/{path}?limit=200")
    expected = 2 * n if path == "products" else n
    assert (response.status_code, response.json()["count"], len(response.json()["items"])) == (
        200,
        expected,
        expected,
    )


@pytest.mark.req("CAT-02", "CAT-03")
def test_no_input_makes_the_product_and_package_api_fail(branch, o):
    """Whatever schemathesis sends to these endpoints as a catalog administrator — valid,
    malformed, out of range — the answer is never a 5xx and every error is problem JSON."""
    from medspa.accounts import services as account_services
    from tests.fuzz import assert_never_fails, operations, wsgi_schema

    fuzzer = catalog_user(branch, [*ALL_PERMS, "accounts.add_apitoken"], username="fuzzer")
    token = account_services.api_token_create(actor=fuzzer, name="fuzz", days=1).secret
    with wsgi_schema() as schema:
        ops = operations(schema, ("/api/v1/catalog/products", "/api/v1/catalog/packages"))
        assert len(ops) == 10
        for operation in ops:
            assert_never_fails(operation, {"Authorization": f"Bearer {token}"}, max_examples=30)
