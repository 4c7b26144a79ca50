"""The product family's demo data (CAT-02, CAT-03): R001, R002 on their inventory items and the
package PKG001 with its stored allocation; running it again changes nothing; without the project
family's categories and projects it quietly does nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medspa.catalog import product_demo
from medspa.catalog.models import Package, PackageComponent, Product
from medspa.inventory.models import Item, ItemCategory
from tests.catalog.product_factories import CatalogCategoryFactory, ProjectFactory, catalog_user, rows, writes

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.mark.req("CAT-02", "CAT-03")
def test_seed_demo_creates_products_and_package_once(branch):
    org = branch.organisation
    actor = catalog_user(branch, username="director")
    CatalogCategoryFactory(organisation=org, code="RETAIL", name="零售商品")
    skin = CatalogCategoryFactory(organisation=org, code="SKIN", name="皮肤管理")
    water = ProjectFactory(organisation=org, code="P003", name="水光针", category=skin, list_price=D("1280"))
    product_demo.seed_demo(actor=actor, organisation=org, branch=branch)
    assert list(
        Product.objects.order_by("code").values_list(
            "code", "name", "item__code", "pack_unit__name", "retail_price"
        )
    ) == [
        ("R001", "医用修复面膜", "G001", "盒", D("198.00")),
        ("R002", "防晒霜 SPF50", "G002", None, D("268.00")),
    ]
    assert ItemCategory.objects.get(organisation=org).code == "goods"
    assert list(Item.objects.order_by("code").values_list("code", "base_unit", "category__kind")) == [
        ("G001", "片", "goods"),
        ("G002", "支", "goods"),
    ]
    package = Package.objects.get()
    assert (package.code, package.name, package.price, package.validity_days, package.category) == (
        "PKG001",
        "水光焕颜套餐",
        D("3500.00"),
        365,
        skin,
    )
    assert list(
        PackageComponent.objects.filter(package=package)
        .order_by("order")
        .values_list("project", "product__code", "quantity", "list_price", "allocated_amount")
    ) == [(water.pk, None, 3, D("1280.00"), D("3328.38")), (None, "R001", 1, D("198.00"), D("171.62"))]
    before = (rows(Product), rows(Package), rows(PackageComponent), rows(Item), writes())
    product_demo.seed_demo(actor=actor, organisation=org, branch=branch)
    assert (rows(Product), rows(Package), rows(PackageComponent), rows(Item), writes()) == before


@pytest.mark.req("CAT-02", "CAT-03")
def test_seed_demo_skips_what_it_cannot_make(branch):
    org = branch.organisation
    actor = catalog_user(branch, username="director")
    product_demo.seed_demo(actor=actor, organisation=org, branch=branch)  # no RETAIL, no P003
    assert (Product.objects.count(), Package.objects.count(), Item.objects.count(), writes()) == (0, 0, 0, 0)
    CatalogCategoryFactory(organisation=org, code="RETAIL")
    product_demo.seed_demo(actor=actor, organisation=org, branch=branch)  # products, but no P003
    assert (Product.objects.count(), Package.objects.count()) == (2, 0)
