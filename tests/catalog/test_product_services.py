"""Services of products (CAT-02) and packages (CAT-03): the allocation function (exact figures and
properties), every rule with its message, and that a refusal writes nothing."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from medspa.audit.models import AuditEvent
from medspa.catalog import product_services as services
from medspa.catalog.models import Package, PackageComponent, Product
from medspa.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from medspa.inventory.models import PackUnit
from tests.catalog.product_factories import (
    CatalogCategoryFactory,
    ProductFactory,
    ProjectFactory,
    catalog_user,
    state,
    writes,
)
from tests.factories import BranchFactory
from tests.inventory.factories import ItemFactory

pytestmark = pytest.mark.django_db

D = Decimal
Component = services.ComponentInput


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def actor(branch):
    return catalog_user(branch, username="catalog-admin")


@pytest.fixture
def catalog(branch):
    """RETAIL and SKIN categories, P003 水光针 (¥1,280), item G001 面膜 (片, 1 盒 = 5 片) with
    product R001 sold per 盒 at ¥198."""
    org = branch.organisation
    retail = CatalogCategoryFactory(organisation=org, code="RETAIL", name="零售商品")
    skin = CatalogCategoryFactory(organisation=org, code="SKIN", name="皮肤管理")
    item = ItemFactory(
        organisation=org, code="G001", name="医用修复面膜", base_unit="片", pack_units=[("盒", 5)]
    )
    box = item.pack_units.get()
    water = ProjectFactory(
        organisation=org, code="P003", name="水光针", category=skin, list_price=D("1280.00")
    )
    sunscreen = ItemFactory(organisation=org, code="G002", name="防晒霜", base_unit="支")
    mask = ProductFactory(
        organisation=org,
        code="R001",
        name="医用修复面膜",
        category=retail,
        item=item,
        pack_unit=box,
        retail_price=D("198.00"),
    )
    return {
        "retail": retail,
        "skin": skin,
        "item": item,
        "box": box,
        "water": water,
        "mask": mask,
        "sunscreen": sunscreen,
    }


def refused(error_class, call, **kwargs):
    """Run the service, expect ``error_class``; assert nothing was written; (field, message)."""
    before = state()
    with pytest.raises(error_class) as info:
        call(**kwargs)
    assert state() == before
    return info.value.field, info.value.message


# --- allocation -----------------------------------------------------------------------------------


@pytest.mark.req("CAT-03")
@pytest.mark.parametrize(
    ("price", "values", "expected"),
    [
        ("3500", ["3840", "198"], ["3328.38", "171.62"]),
        ("100", ["1", "1", "1"], ["33.34", "33.33", "33.33"]),  # the odd fen: earliest tie
        ("0.02", ["1", "1", "1"], ["0.01", "0.01", "0.00"]),
        ("0", ["5", "7"], ["0.00", "0.00"]),
        ("9999.99", ["0", "12.50"], ["0.00", "9999.99"]),
        ("10", ["3", "3", "4"], ["3.00", "3.00", "4.00"]),
        ("1000", ["1280", "1280", "198"], ["464.11", "464.10", "71.79"]),  # equal remainders: the first
    ],
)
def test_allocate_exact_figures(price, values, expected):
    assert services.allocate(D(price), [D(v) for v in values]) == [D(e) for e in expected]


@pytest.mark.req("CAT-03")
@pytest.mark.parametrize(
    ("price", "values"),
    [("10", []), ("10", ["0", "0"]), ("-1", ["1"]), ("10", ["1", "-1"])],
)
def test_allocate_refuses_what_cannot_be_split(price, values):
    with pytest.raises(ValueError):
        services.allocate(D(price), [D(v) for v in values])


fen = st.integers(min_value=0, max_value=10**10)
weights = st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=12).filter(any)


@pytest.mark.req("CAT-03")
@settings(max_examples=300, deadline=None)
@given(price_fen=fen, value_fen=weights)
def test_allocation_properties(price_fen, value_fen):
    price = D(price_fen) / 100
    values = [D(v) / 100 for v in value_fen]
    shares = services.allocate(price, values)
    assert sum(shares, D(0)) == price
    assert all(share >= 0 for share in shares)
    assert all(share == share.quantize(D("0.01")) for share in shares)
    total = sum(value_fen)
    for share, value in zip(shares, value_fen, strict=True):
        exact = Fraction(price_fen * value, total) / 100
        assert abs(Fraction(share) - exact) < Fraction(1, 100)
    assert services.allocate(price, list(values)) == shares  # deterministic


# --- products (CAT-02) ----------------------------------------------------------------------------


def product_args(catalog, **overrides):
    args = {
        "code": "R002",
        "name": "防晒霜 SPF50",
        "category_id": catalog["retail"].pk,
        "item_id": catalog["sunscreen"].pk,
        "retail_price": "268",
    }
    args.update(overrides)
    return args


@pytest.mark.req("CAT-02")
def test_product_create_stores_the_product_and_audits(actor, catalog):
    product = services.product_create(actor=actor, is_prescription=True, **product_args(catalog))
    stored = Product.objects.get(code="R002")
    assert stored == product
    assert (
        stored.name,
        stored.pinyin,
        stored.category,
        stored.item.code,
        stored.pack_unit,
        stored.retail_price,
        stored.is_prescription,
        stored.is_active,
        stored.organisation_id,
        stored.created_by,
    ) == (
        "防晒霜 SPF50",
        "fangshaishuangspf50 fsss",
        catalog["retail"],
        "G002",
        None,
        D("268.00"),
        True,
        True,
        actor.organisation_id,
        actor,
    )
    event = AuditEvent.objects.get(module="catalog", object_id=str(product.pk))
    assert (event.action, event.object_type, event.changes["retail_price"]) == (
        "create",
        "catalog.product",
        [None, "268.00"],
    )


@pytest.mark.req("CAT-02")
def test_product_sold_per_a_pack_unit(actor, catalog):
    item = ItemFactory(organisation=catalog["retail"].organisation, code="G003", pack_units=[("盒", 10)])
    unit = item.pack_units.get()
    product = services.product_create(
        actor=actor, **product_args(catalog, item_id=item.pk, pack_unit_id=unit.pk, code="R003")
    )
    assert (product.pack_unit, product.item) == (unit, item)


@pytest.mark.req("CAT-02")
def test_product_refusals_write_nothing(actor, catalog, branch):
    org = branch.organisation
    retired = ItemFactory(organisation=org, code="G009", name="旧面膜", is_active=False)
    foreign_item = ItemFactory(code="X1")
    other_unit = PackUnit.objects.create(item=ItemFactory(organisation=org), name="箱", factor=D(20))
    closed = CatalogCategoryFactory(organisation=org, name="停用类", is_active=False)
    foreign_category = CatalogCategoryFactory()
    create = services.product_create
    cases = [
        (
            {"item_id": retired.pk},
            ("item", "The inventory item G009 旧面膜 is deactivated; a product must sell an active item."),
        ),
        ({"item_id": foreign_item.pk}, ("item", "That inventory item does not exist.")),
        ({"item_id": None}, ("item", "Choose the inventory item the product is issued from.")),
        (
            {"pack_unit_id": other_unit.pk},
            ("pack_unit", "That unit is not a pack unit of G002 防晒霜; choose one of its units."),
        ),
        ({"retail_price": "-1"}, ("retail_price", "The retail price cannot be negative.")),
        (
            {"retail_price": "1.005"},
            ("retail_price", "The retail price may have at most two decimal places (fen)."),
        ),
        (
            {"retail_price": "abc"},
            ("retail_price", "Enter the retail price as an amount in yuan, for example 198 or 1280.50."),
        ),
        ({"code": "r001"}, ("code", "Code r001 is already in use.")),
        ({"code": "R 1"}, ("code", "The code may contain only letters, digits, hyphens and underscores.")),
        ({"name": " "}, ("name", "Enter the name.")),
        ({"category_id": closed.pk}, ("category", f"The category {closed.name} is deactivated.")),
        ({"category_id": foreign_category.pk}, ("category", "That category does not exist.")),
        ({"category_id": None}, ("category", "Choose a category.")),
    ]
    for overrides, expected in cases:
        assert refused(ValidationError, create, actor=actor, **product_args(catalog, **overrides)) == expected


@pytest.mark.req("CAT-02")
def test_one_active_product_per_item_and_unit(actor, catalog):
    mask = catalog["mask"]
    field, message = refused(
        ValidationError,
        services.product_create,
        actor=actor,
        **product_args(catalog, item_id=catalog["item"].pk, pack_unit_id=catalog["box"].pk),
    )
    assert (field, message) == (
        "pack_unit",
        "Product R001 医用修复面膜 already sells G001 医用修复面膜 per 盒. Change or deactivate that "
        "product instead of adding a second one.",
    )
    # per piece (the base unit) is another product
    piece = services.product_create(actor=actor, **product_args(catalog, item_id=catalog["item"].pk))
    assert (piece.pack_unit, piece.is_active) == (None, True)
    # once R001 is deactivated, another product may sell the item per 盒 …
    services.product_deactivate(actor=actor, product_id=mask.pk)
    again = services.product_create(
        actor=actor,
        **product_args(catalog, code="R005", item_id=catalog["item"].pk, pack_unit_id=catalog["box"].pk),
    )
    # … and R001 cannot come back while it does
    field, message = refused(
        ValidationError,
        services.product_update,
        actor=actor,
        product_id=mask.pk,
        code="R001",
        name=mask.name,
        category_id=mask.category_id,
        item_id=mask.item_id,
        pack_unit_id=mask.pack_unit_id,
        retail_price="198",
        is_active=True,
    )
    assert field == "pack_unit"
    assert message.startswith(f"Product {again.code} {again.name} already sells")


@pytest.mark.req("CAT-02")
def test_the_database_backs_one_active_product_per_item_and_unit(catalog):
    mask = catalog["mask"]
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(organisation=mask.organisation, item=mask.item, pack_unit=mask.pack_unit)
    ProductFactory(organisation=mask.organisation, item=mask.item)  # per 片, the base unit
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(organisation=mask.organisation, item=mask.item)
    ProductFactory(organisation=mask.organisation, item=mask.item, pack_unit=mask.pack_unit, is_active=False)
    assert Product.objects.filter(item=mask.item).count() == 3


@pytest.mark.req("CAT-02")
def test_product_update_changes_and_audits(actor, catalog):
    mask = catalog["mask"]
    services.product_update(
        actor=actor,
        product_id=mask.pk,
        code="R001",
        name="医用修复面膜（大）",
        category_id=mask.category_id,
        item_id=mask.item_id,
        pack_unit_id=None,
        retail_price=D("49.90"),
        is_prescription=False,
        description="单片",
    )
    mask.refresh_from_db()
    assert (mask.name, mask.pack_unit, mask.retail_price, mask.description, mask.is_active) == (
        "医用修复面膜（大）",
        None,
        D("49.90"),
        "单片",
        True,
    )
    event = AuditEvent.objects.get(module="catalog", action="update")
    assert event.changes == {
        "description": ["", "单片"],
        "name": ["医用修复面膜", "医用修复面膜（大）"],
        "pack_unit": [catalog["box"].pk, None],
        "retail_price": ["198.00", "49.90"],
    }


@pytest.mark.req("CAT-02")
def test_an_inactive_item_stays_on_an_inactive_product_but_blocks_reactivation(actor, catalog):
    mask, item = catalog["mask"], catalog["item"]
    services.product_deactivate(actor=actor, product_id=mask.pk)
    item.is_active = False
    item.save()
    args = {
        "actor": actor,
        "product_id": mask.pk,
        "code": "R001",
        "name": mask.name,
        "category_id": mask.category_id,
        "item_id": item.pk,
        "pack_unit_id": catalog["box"].pk,
        "retail_price": "188",
    }
    services.product_update(**args)
    assert Product.objects.get(pk=mask.pk).retail_price == D("188.00")
    assert refused(ValidationError, services.product_update, is_active=True, **args) == (
        "item",
        "The inventory item G001 医用修复面膜 is deactivated; a product must sell an active item.",
    )


@pytest.mark.req("CAT-02")
def test_product_permissions_and_scope(branch, catalog):
    mask = catalog["mask"]
    viewer = catalog_user(branch, ["catalog.view_product"], username="viewer")
    assert (
        refused(PermissionDenied, services.product_create, actor=viewer, **product_args(catalog))[0] is None
    )
    assert refused(PermissionDenied, services.product_deactivate, actor=viewer, product_id=mask.pk)[0] is None
    stranger = catalog_user(BranchFactory(), username="stranger")
    refused(NotFound, services.product_deactivate, actor=stranger, product_id=mask.pk)
    refused(NotFound, services.product_deactivate, actor=stranger, product_id=-1)


@pytest.mark.req("CAT-02", "CAT-03")
def test_a_product_in_an_active_package_cannot_be_deactivated(actor, catalog):
    mask = catalog["mask"]
    services.package_create(
        actor=actor,
        code="PKG001",
        name="水光焕颜套餐",
        price="3500",
        components=[Component(kind="product", product_id=mask.pk)],
    )
    assert refused(Conflict, services.product_deactivate, actor=actor, product_id=mask.pk) == (
        None,
        "R001 医用修复面膜 is a component of the active packages PKG001 水光焕颜套餐; "
        "change or deactivate them first.",
    )
    services.package_deactivate(actor=actor, package_id=Package.objects.get().pk)
    assert services.product_deactivate(actor=actor, product_id=mask.pk).is_active is False


# --- packages (CAT-03) ----------------------------------------------------------------------------


def water_glow(catalog, **overrides):
    args = {
        "code": "PKG001",
        "name": "水光焕颜套餐",
        "price": "3500",
        "validity_days": 365,
        "category_id": catalog["skin"].pk,
        "components": [
            Component(kind="project", project_id=catalog["water"].pk, quantity=3),
            Component(kind="product", product_id=catalog["mask"].pk, quantity=1),
        ],
    }
    args.update(overrides)
    return args


def components_of(package):
    return [
        (c.kind, c.project_id or c.product_id, c.quantity, c.list_price, c.allocated_amount, c.order)
        for c in PackageComponent.objects.filter(package=package).order_by("order")
    ]


@pytest.mark.req("CAT-03")
def test_package_create_stores_the_allocation(actor, catalog):
    package = services.package_create(actor=actor, description="三次水光", **water_glow(catalog))
    stored = Package.objects.get(code="PKG001")
    assert (stored, stored.name, stored.pinyin, stored.price, stored.validity_days, stored.category) == (
        package,
        "水光焕颜套餐",
        "shuiguanghuanyantaocan sghytc",
        D("3500.00"),
        365,
        catalog["skin"],
    )
    assert components_of(package) == [
        ("project", catalog["water"].pk, 3, D("1280.00"), D("3328.38"), 0),
        ("product", catalog["mask"].pk, 1, D("198.00"), D("171.62"), 1),
    ]
    event = AuditEvent.objects.get(module="catalog", object_id=str(package.pk))
    assert event.action == "create"
    assert event.changes["components"] == [
        None,
        [
            {
                "kind": "project",
                "project": catalog["water"].pk,
                "product": None,
                "quantity": 3,
                "list_price": "1280.00",
                "allocated_amount": "3328.38",
            },
            {
                "kind": "product",
                "project": None,
                "product": catalog["mask"].pk,
                "quantity": 1,
                "list_price": "198.00",
                "allocated_amount": "171.62",
            },
        ],
    ]


@pytest.mark.req("CAT-03")
def test_a_price_above_list_value_is_allowed(actor, catalog):
    package = services.package_create(actor=actor, **water_glow(catalog, price="5000", validity_days=None))
    assert package.validity_days is None
    assert components_of(package) == [
        ("project", catalog["water"].pk, 3, D("1280.00"), D("4754.83"), 0),
        ("product", catalog["mask"].pk, 1, D("198.00"), D("245.17"), 1),
    ]


@pytest.mark.req("CAT-03")
def test_a_component_without_list_value_gets_nothing(actor, catalog, branch):
    free = ProjectFactory(organisation=branch.organisation, code="P900", name="皮肤检测", list_price=D(0))
    components = [
        *water_glow(catalog)["components"],
        Component(kind="project", project_id=free.pk, quantity=2),
    ]
    package = services.package_create(actor=actor, **water_glow(catalog, components=components))
    assert [row[4] for row in components_of(package)] == [D("3328.38"), D("171.62"), D("0.00")]


@pytest.mark.req("CAT-03")
def test_package_refusals_write_nothing(actor, catalog, branch):
    org = branch.organisation
    water, mask = catalog["water"], catalog["mask"]
    stopped = ProjectFactory(organisation=org, code="P099", name="旧项目", is_active=False)
    retired = ProductFactory(organisation=org, code="R099", name="旧产品", is_active=False)
    foreign_project, foreign_product = ProjectFactory(), ProductFactory()
    free = ProjectFactory(organisation=org, code="P900", name="皮肤检测", list_price=D(0))
    project = Component(kind="project", project_id=water.pk, quantity=3)
    cases = [
        (
            {"components": []},
            ("components", "Add at least one component: sessions of a project or units of a product."),
        ),
        (
            {"components": [project, Component(kind="project", project_id=stopped.pk)]},
            ("components.1.project", "P099 旧项目 is deactivated and cannot be put in a package."),
        ),
        (
            {"components": [Component(kind="product", product_id=retired.pk)]},
            ("components.0.product", "R099 旧产品 is deactivated and cannot be put in a package."),
        ),
        (
            {"components": [Component(kind="project", project_id=foreign_project.pk)]},
            ("components.0.project", "That project does not exist."),
        ),
        (
            {"components": [Component(kind="product", product_id=foreign_product.pk)]},
            ("components.0.product", "That product does not exist."),
        ),
        (
            {"components": [Component(kind="project", project_id=water.pk, quantity=0)]},
            ("components.0.quantity", "The quantity of P003 水光针 must be a whole number from 1 to 9999."),
        ),
        (
            {"components": [Component(kind="project", project_id=water.pk, quantity="1.5")]},
            ("components.0.quantity", "The quantity of P003 水光针 must be a whole number from 1 to 9999."),
        ),
        (
            {"components": [project, Component(kind="project", project_id=water.pk, quantity=1)]},
            ("components.1.project", "P003 水光针 is listed twice; put its total quantity in one row."),
        ),
        (
            {"components": [Component(kind="project", project_id=free.pk)]},
            (
                "components",
                "The components have no list value (every list price is zero), so there is nothing to "
                "allocate the package price in proportion to.",
            ),
        ),
        (
            {"components": [Component(kind="service", project_id=water.pk)]},
            ("components.0.kind", "A component is a project or a product."),
        ),
        (
            {"components": [Component(kind="project", product_id=mask.pk)]},
            ("components.0.project", "Choose the project of the component (and no product)."),
        ),
        ({"price": "-0.01"}, ("price", "The package price cannot be negative.")),
        (
            {"validity_days": 0},
            (
                "validity_days",
                "The validity is a number of days from 1 to 36500; leave it empty for no expiry.",
            ),
        ),
        ({"category_id": CatalogCategoryFactory().pk}, ("category", "That category does not exist.")),
        ({"code": ""}, ("code", "Enter the code.")),
    ]
    for overrides, expected in cases:
        assert refused(
            ValidationError, services.package_create, actor=actor, **water_glow(catalog, **overrides)
        ) == (expected), overrides
    services.package_create(actor=actor, **water_glow(catalog))
    assert refused(
        ValidationError, services.package_create, actor=actor, **water_glow(catalog, code="pkg001")
    ) == (
        "code",
        "Code pkg001 is already in use.",
    )


@pytest.mark.req("CAT-03")
def test_package_update_recomputes_the_allocation(actor, catalog, branch):
    package = services.package_create(actor=actor, **water_glow(catalog))
    project_row = PackageComponent.objects.get(package=package, kind="project")
    water = catalog["water"]
    water.list_price = D("1500.00")
    water.save()
    cleanse = ProjectFactory(
        organisation=branch.organisation, code="P007", name="小气泡清洁", list_price=D("298")
    )
    services.package_update(
        actor=actor,
        package_id=package.pk,
        **water_glow(
            catalog,
            price="4000",
            components=[
                Component(kind="project", project_id=cleanse.pk, quantity=2),
                Component(kind="project", project_id=water.pk, quantity=2),
            ],
        ),
    )
    assert components_of(package) == [
        ("project", cleanse.pk, 2, D("298.00"), D("662.96"), 0),
        ("project", water.pk, 2, D("1500.00"), D("3337.04"), 1),
    ]
    assert PackageComponent.objects.get(package=package, project=water).pk == project_row.pk  # kept, updated
    assert Package.objects.get().price == D("4000.00")
    event = AuditEvent.objects.get(module="catalog", action="update")
    assert event.changes["price"] == ["3500.00", "4000.00"]


@pytest.mark.req("CAT-03")
def test_package_update_refusal_keeps_the_package(actor, catalog):
    package = services.package_create(actor=actor, **water_glow(catalog))
    field, _message = refused(
        ValidationError,
        services.package_update,
        actor=actor,
        package_id=package.pk,
        **water_glow(catalog, components=[]),
    )
    assert field == "components"


@pytest.mark.req("CAT-03")
def test_package_deactivate_and_permissions(actor, catalog, branch):
    package = services.package_create(actor=actor, **water_glow(catalog))
    viewer = catalog_user(branch, ["catalog.view_package"], username="viewer")
    refused(PermissionDenied, services.package_create, actor=viewer, **water_glow(catalog, code="PKG002"))
    refused(PermissionDenied, services.package_deactivate, actor=viewer, package_id=package.pk)
    stranger = catalog_user(BranchFactory(), username="stranger")
    refused(NotFound, services.package_update, actor=stranger, package_id=package.pk, **water_glow(catalog))
    before = writes()
    assert services.package_deactivate(actor=actor, package_id=package.pk).is_active is False
    assert services.package_deactivate(actor=actor, package_id=package.pk).is_active is False
    assert writes() == before + 1
    assert Package.objects.get().is_active is False
