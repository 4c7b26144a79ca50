"""Demo products and packages (CAT-02, CAT-03): the retail goods R001 医用修复面膜 (sold per 盒 of
5 片, ¥198) and R002 防晒霜 SPF50 (per 支, ¥268) in category RETAIL, issued from the inventory
items G001 and G002 (created like the inventory demo creates its items when they are missing),
and the package PKG001 水光焕颜套餐 = 3 × P003 水光针 + 1 × R001 at ¥3,500, valid 365 days.

Idempotent: rows whose code exists are skipped; so is whatever needs a category or project the
project family has not created. Products and packages go through the services (each a durable
transaction), so this runs outside the seed's atomic block."""

from __future__ import annotations

from decimal import Decimal

from medspa.accounts.models import User
from medspa.catalog import product_services as services
from medspa.catalog.models import Category, Package, Product, Project
from medspa.core.pinyin import search_key
from medspa.inventory.choices import CategoryKind, StorageCondition
from medspa.inventory.models import Item, ItemCategory, PackUnit
from medspa.organization.models import Branch, Organisation

# code, name, specification, base unit, pack unit (name, factor) or None, purchase price per base unit
ITEMS = (
    ("G001", "医用修复面膜", "5片/盒", "片", ("盒", Decimal(5)), Decimal("22.00")),
    ("G002", "防晒霜 SPF50", "50ml/支", "支", None, Decimal("95.00")),
)
# code, name, item code, sold per (pack unit name or None: base unit), retail price, description
PRODUCTS = (
    ("R001", "医用修复面膜", "G001", "盒", Decimal("198.00"), "术后修复，每盒 5 片。"),
    ("R002", "防晒霜 SPF50", "G002", None, Decimal("268.00"), "光电项目后日常防晒。"),
)


def _goods_category(organisation: Organisation) -> ItemCategory:
    """The inventory demo's 商品 root (code ``goods``), else any goods category, else a new root."""
    category = (
        ItemCategory.objects.filter(organisation=organisation, code="goods").first()
        or ItemCategory.objects.filter(organisation=organisation, kind=CategoryKind.GOODS, is_active=True)
        .order_by("pk")
        .first()
    )
    if category is None:
        category = ItemCategory.objects.create(
            organisation=organisation, code="goods", name="商品", kind=CategoryKind.GOODS, order=30
        )
    return category


def _items(organisation: Organisation) -> dict[str, Item]:
    """G001 and G002 with their pack units, created the way the inventory demo creates items."""
    items: dict[str, Item] = {}
    for code, name, specification, base_unit, pack, price in ITEMS:
        item = Item.objects.filter(organisation=organisation, code=code).first()
        if item is None:
            item = Item.objects.create(
                organisation=organisation,
                code=code,
                name=name,
                pinyin=search_key(name),
                specification=specification,
                base_unit=base_unit,
                category=_goods_category(organisation),
                storage_condition=StorageCondition.ROOM,
                shelf_life_days=1095,
                purchase_price=price,
            )
        if pack is not None:
            PackUnit.objects.get_or_create(item=item, name=pack[0], defaults={"factor": pack[1]})
        items[code] = item
    return items


def seed_demo(*, actor: User, organisation: Organisation, branch: Branch) -> None:
    """R001, R002 and PKG001 through the services, as ``actor`` (who may add products and
    packages); anything already there, or lacking its category or project, is left alone."""
    retail = Category.objects.filter(organisation=organisation, code="RETAIL").first()
    if retail is not None:
        items = _items(organisation)
        for code, name, item_code, unit_name, price, description in PRODUCTS:
            if Product.objects.filter(organisation=organisation, code=code).exists():
                continue
            item = items[item_code]
            unit = PackUnit.objects.filter(item=item, name=unit_name).first() if unit_name else None
            services.product_create(
                actor=actor,
                code=code,
                name=name,
                category_id=retail.pk,
                item_id=item.pk,
                pack_unit_id=unit.pk if unit is not None else None,
                retail_price=price,
                description=description,
            )
    if Package.objects.filter(organisation=organisation, code="PKG001").exists():
        return
    water = Project.objects.filter(organisation=organisation, code="P003", is_active=True).first()
    mask = Product.objects.filter(organisation=organisation, code="R001", is_active=True).first()
    if water is None or mask is None:
        return
    skin = Category.objects.filter(organisation=organisation, code="SKIN").first()
    services.package_create(
        actor=actor,
        code="PKG001",
        name="水光焕颜套餐",
        price=Decimal("3500.00"),
        validity_days=365,
        category_id=skin.pk if skin is not None else None,
        description="水光针 3 次，配医用修复面膜 1 盒，自购买起一年内有效。",
        components=[
            services.ComponentInput(kind="project", project_id=water.pk, quantity=3),
            services.ComponentInput(kind="product", product_id=mask.pk, quantity=1),
        ],
    )
