"""Services of the inventory master data: warehouses and bins (INV-01), categories and items with
pack units, barcodes and levels (INV-02), suppliers and manufacturers with certificates (SPD-01).
Exact results; bad input → the message on its field and nothing written."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils.translation import gettext

from medspa.accounts.choices import DataScope
from medspa.audit.models import AuditEvent
from medspa.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from medspa.inventory import master_services as services
from medspa.inventory.choices import CategoryKind, CertificateKind, MoveType, StorageCondition, WarehouseKind
from medspa.inventory.ledger import DocumentRef, MoveInput, post_moves
from medspa.inventory.models import (
    Certificate,
    Company,
    Item,
    ItemBarcode,
    ItemCategory,
    Lot,
    PackUnit,
    StockLevel,
    Warehouse,
)
from medspa.organization.models import Organisation
from tests.inventory.factories import (
    BinFactory,
    CompanyFactory,
    DepartmentWarehouseFactory,
    ItemBarcodeFactory,
    ItemCategoryFactory,
    ItemFactory,
    ManufacturerFactory,
    PackUnitFactory,
    SerialItemFactory,
    WarehouseFactory,
)
from tests.inventory.test_master_support import master_user, state, writes
from tests.organization.factories import DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db

GTIN13 = "6901234567892"  # a valid EAN-13 (GS1 China prefix)
GTIN14 = "06901234567892"


def t(message: str, **params: object) -> str:
    """The message as the services word it in the active language."""
    text = gettext(message)
    return text % params if params else text


def refused(exc_type, call, *, field, message):
    """``call()`` raises ``exc_type`` with ``message`` on ``field`` and writes nothing."""
    before = state()
    with pytest.raises(exc_type) as info:
        call()
    assert (info.value.field, info.value.message) == (field, message)
    assert state() == before


def receive(actor, warehouse, item, quantity, *, bin_id=None):
    """Put stock on hand through the one ledger writer."""
    lot, _created = Lot.objects.get_or_create(item=item, batch_no="B1", unit_cost=Decimal("1.0000"))
    with transaction.atomic():
        post_moves(
            actor=actor,
            moves=[
                MoveInput(
                    warehouse=warehouse,
                    lot=lot,
                    quantity=Decimal(quantity),
                    move_type=MoveType.RECEIPT,
                    bin_id=bin_id,
                )
            ],
            document=DocumentRef(doc_type="receipt", doc_id=1, number="RK-TEST-1"),
        )


@pytest.fixture
def org(branch) -> Organisation:
    return branch.organisation


@pytest.fixture
def admin(branch):
    return master_user(branch, username="keeper")


@pytest.fixture
def aesthetics(branch):
    return DepartmentFactory(branch=branch, code="aesthetics", name="医学美容科")


@pytest.fixture
def drug(org):
    return ItemCategoryFactory(organisation=org, code="drug", name="药品", kind=CategoryKind.DRUG)


# --- warehouses (INV-01) ------------------------------------------------------------------------------


@pytest.mark.req("INV-01")
def test_warehouse_create_central_and_department(admin, branch, aesthetics):
    central = services.warehouse_create(actor=admin, code="WH01", name="中心库", address=" 一楼 ")
    dept = services.warehouse_create(
        actor=admin, code="WH02", name="美容科二级库", kind="department", department_id=aesthetics.pk
    )
    assert Warehouse.objects.filter(pk=central.pk).values(
        "branch", "code", "name", "kind", "department", "address", "is_active", "created_by"
    ).get() == {
        "branch": branch.pk,
        "code": "WH01",
        "name": "中心库",
        "kind": WarehouseKind.CENTRAL,
        "department": None,
        "address": "一楼",
        "is_active": True,
        "created_by": admin.pk,
    }
    assert (dept.kind, dept.department_id, dept.branch_id) == (
        WarehouseKind.DEPARTMENT,
        aesthetics.pk,
        branch.pk,
    )
    event = AuditEvent.objects.get(
        module="inventory", object_id=str(dept.pk), object_type="inventory.warehouse"
    )
    assert (event.action, event.branch_id, event.changes["department"]) == (
        "create",
        branch.pk,
        [None, aesthetics.pk],
    )


@pytest.mark.req("INV-01")
def test_warehouse_bad_input_writes_nothing(admin, branch, other_branch, aesthetics):
    WarehouseFactory(branch=branch, code="WH01")
    far = DepartmentFactory(branch=other_branch, code="far", name="东区科室")
    closed = DepartmentFactory(branch=branch, code="closed", name="停用科室", is_active=False)
    cases = [
        (
            {"code": "wh01", "name": "x"},
            "code",
            t("Warehouse code %(code)s is already in use in this branch.", code="wh01"),
        ),
        (
            {"code": "WH 9", "name": "x"},
            "code",
            t("The code may contain only letters, digits, hyphens and underscores."),
        ),
        ({"code": "WH9", "name": " "}, "name", t("Enter the %(field)s.", field=gettext("name"))),
        ({"code": "WH9", "name": "x", "kind": "bulk"}, "kind", t("Choose central or department warehouse.")),
        (
            {"code": "WH9", "name": "x", "department_id": aesthetics.pk},
            "department",
            t("A central warehouse belongs to no department."),
        ),
        (
            {"code": "WH9", "name": "x", "kind": "department"},
            "department",
            t("Choose the department of the department warehouse."),
        ),
        (
            {"code": "WH9", "name": "x", "kind": "department", "department_id": far.pk},
            "department",
            t("The department must belong to the warehouse's branch."),
        ),
        (
            {"code": "WH9", "name": "x", "kind": "department", "department_id": closed.pk},
            "department",
            t("That department is deactivated."),
        ),
        (
            {"code": "WH9", "name": "x", "kind": "department", "department_id": -1},
            "department",
            t("That department does not exist."),
        ),
        (
            {"code": "WH9", "name": "x", "branch_id": other_branch.pk},
            "branch",
            t("You may not record warehouses in that branch."),
        ),
        (
            {"code": "WH9", "name": "x", "address": "长" * 201},
            "address",
            t("The %(field)s may have at most %(max)s characters.", field=gettext("location"), max=200),
        ),
    ]
    for kwargs, field, message in cases:
        refused(
            ValidationError,
            lambda kw=kwargs: services.warehouse_create(actor=admin, **kw),
            field=field,
            message=message,
        )


@pytest.mark.req("INV-01")
def test_organisation_scope_creates_in_another_branch(branch, other_branch):
    director = master_user(branch, scope=DataScope.ORGANISATION, branches=[branch, other_branch])
    warehouse = services.warehouse_create(actor=director, code="E1", name="东区库", branch_id=other_branch.pk)
    assert warehouse.branch_id == other_branch.pk


@pytest.mark.req("INV-01")
def test_department_scoped_keeper_keeps_only_her_departments_warehouses(branch, aesthetics):
    skin = DepartmentFactory(branch=branch, code="skin", name="皮肤科")
    keeper = master_user(
        branch, scope=DataScope.DEPARTMENT, staff=StaffFactory(branch=branch, department=aesthetics)
    )
    own = services.warehouse_create(
        actor=keeper, code="D1", name="美容科库", kind="department", department_id=aesthetics.pk
    )
    assert own.department_id == aesthetics.pk
    message = t("You may only keep warehouses of your own department.")
    refused(
        ValidationError,
        lambda: services.warehouse_create(
            actor=keeper, code="D2", name="x", kind="department", department_id=skin.pk
        ),
        field="department",
        message=message,
    )
    refused(
        ValidationError,
        lambda: services.warehouse_create(actor=keeper, code="C1", name="x"),
        field="kind",
        message=message,
    )
    other = DepartmentWarehouseFactory(department=skin)
    refused(
        NotFound,
        lambda: services.warehouse_update(
            actor=keeper, warehouse_id=other.pk, code="X", name="x", kind="central"
        ),
        field=None,
        message=str(NotFound.default_message),
    )


@pytest.mark.req("INV-01")
def test_warehouse_update_and_reactivate(admin, branch, aesthetics):
    warehouse = WarehouseFactory(branch=branch, code="WH01", name="中心库")
    services.warehouse_update(
        actor=admin,
        warehouse_id=warehouse.pk,
        code="WH01",
        name="美容科库",
        kind="department",
        department_id=aesthetics.pk,
    )
    services.warehouse_deactivate(actor=admin, warehouse_id=warehouse.pk)
    updated = services.warehouse_update(
        actor=admin,
        warehouse_id=warehouse.pk,
        code="WH01",
        name="美容科库",
        kind="department",
        department_id=aesthetics.pk,
        is_active=True,
    )
    assert (updated.name, updated.kind, updated.department_id, updated.is_active) == (
        "美容科库",
        WarehouseKind.DEPARTMENT,
        aesthetics.pk,
        True,
    )
    actions = list(
        AuditEvent.objects.filter(object_type="inventory.warehouse", object_id=str(warehouse.pk))
        .order_by("pk")
        .values_list("action", "changes")
    )
    assert actions == [
        (
            "update",
            {
                "department": [None, aesthetics.pk],
                "kind": ["central", "department"],
                "name": ["中心库", "美容科库"],
            },
        ),
        ("deactivate", {"is_active": [True, False]}),
        ("update", {"is_active": [False, True]}),
    ]


@pytest.mark.req("INV-01")
def test_warehouse_with_stock_cannot_be_deactivated(admin, branch):
    warehouse = WarehouseFactory(branch=branch)
    receive(admin, warehouse, ItemFactory(organisation=branch.organisation), 5)
    message = t("The warehouse still holds stock; move or issue it before deactivating.")
    refused(
        Conflict,
        lambda: services.warehouse_deactivate(actor=admin, warehouse_id=warehouse.pk),
        field=None,
        message=message,
    )
    refused(
        Conflict,
        lambda: services.warehouse_update(
            actor=admin,
            warehouse_id=warehouse.pk,
            code=warehouse.code,
            name="x",
            kind="central",
            is_active=False,
        ),
        field=None,
        message=message,
    )


@pytest.mark.req("INV-01")
def test_warehouse_permissions_and_other_branch(branch, other_branch):
    warehouse = WarehouseFactory(branch=branch)
    elsewhere = WarehouseFactory(branch=other_branch)
    viewer = master_user(branch, ["inventory.view_warehouse"])
    before = state()
    for call in (
        lambda: services.warehouse_create(actor=viewer, code="X", name="x"),
        lambda: services.warehouse_update(
            actor=viewer, warehouse_id=warehouse.pk, code="X", name="x", kind="central"
        ),
        lambda: services.warehouse_deactivate(actor=viewer, warehouse_id=warehouse.pk),
        lambda: services.bin_create(actor=viewer, warehouse_id=warehouse.pk, code="A"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    keeper = master_user(branch)
    with pytest.raises(NotFound):
        services.warehouse_deactivate(actor=keeper, warehouse_id=elsewhere.pk)
    with pytest.raises(NotFound):
        services.bin_create(actor=keeper, warehouse_id=elsewhere.pk, code="A")
    assert state() == before


# --- bins (INV-01) ------------------------------------------------------------------------------------


@pytest.mark.req("INV-01")
def test_bins_unique_per_warehouse(admin, branch):
    first, second = WarehouseFactory(branch=branch), WarehouseFactory(branch=branch)
    bin_ = services.bin_create(actor=admin, warehouse_id=first.pk, code="A-01", name=" 一号架 ")
    same_code_elsewhere = services.bin_create(actor=admin, warehouse_id=second.pk, code="A-01")
    assert (bin_.warehouse_id, bin_.code, bin_.name, same_code_elsewhere.warehouse_id) == (
        first.pk,
        "A-01",
        "一号架",
        second.pk,
    )
    refused(
        ValidationError,
        lambda: services.bin_create(actor=admin, warehouse_id=first.pk, code="a-01"),
        field="code",
        message=t("Bin code %(code)s is already in use in this warehouse.", code="a-01"),
    )
    other = services.bin_create(actor=admin, warehouse_id=first.pk, code="A-02")
    refused(
        ValidationError,
        lambda: services.bin_update(actor=admin, bin_id=other.pk, code="A-01"),
        field="code",
        message=t("Bin code %(code)s is already in use in this warehouse.", code="A-01"),
    )
    renamed = services.bin_update(actor=admin, bin_id=other.pk, code="B-02", name="二号架")
    assert (renamed.code, renamed.name) == ("B-02", "二号架")


@pytest.mark.req("INV-01")
def test_bin_deactivation_rules(admin, branch):
    warehouse = WarehouseFactory(branch=branch)
    full, empty = BinFactory(warehouse=warehouse, code="A"), BinFactory(warehouse=warehouse, code="B")
    receive(admin, warehouse, ItemFactory(organisation=branch.organisation), 3, bin_id=full.pk)
    refused(
        Conflict,
        lambda: services.bin_deactivate(actor=admin, bin_id=full.pk),
        field=None,
        message=t("The bin location still holds stock; move it before deactivating."),
    )
    assert services.bin_deactivate(actor=admin, bin_id=empty.pk).is_active is False
    services.warehouse_deactivate(actor=admin, warehouse_id=WarehouseFactory(branch=branch, code="OLD").pk)
    closed = Warehouse.objects.get(code="OLD")
    refused(
        ValidationError,
        lambda: services.bin_create(actor=admin, warehouse_id=closed.pk, code="C"),
        field="warehouse",
        message=t("The warehouse is deactivated."),
    )


# --- categories (INV-02) ------------------------------------------------------------------------------


@pytest.mark.req("INV-02")
def test_category_tree_kinds(admin, org):
    root = services.category_create(actor=admin, code="consumable", name="耗材", kind="low_value")
    child = services.category_create(actor=admin, code="syringe", name="注射器", parent_id=root.pk)
    grandchild = services.category_create(
        actor=admin, code="syringe-1ml", name="1ml 注射器", parent_id=child.pk, kind="low_value"
    )
    assert [(c.code, c.kind, c.parent_id) for c in (root, child, grandchild)] == [
        ("consumable", "low_value", None),
        ("syringe", "low_value", root.pk),
        ("syringe-1ml", "low_value", child.pk),
    ]
    refused(
        ValidationError,
        lambda: services.category_create(actor=admin, code="x", name="x"),
        field="kind",
        message=t("Choose the kind of the top-level category."),
    )
    refused(
        ValidationError,
        lambda: services.category_create(actor=admin, code="x", name="x", parent_id=root.pk, kind="drug"),
        field="kind",
        message=t("A sub-category has the kind of its parent (%(kind)s).", kind=CategoryKind.LOW_VALUE.label),
    )
    refused(
        ValidationError,
        lambda: services.category_update(
            actor=admin, category_id=root.pk, code="consumable", name="耗材", parent_id=grandchild.pk
        ),
        field="parent",
        message=t("A category cannot be placed under itself or one of its sub-categories."),
    )
    # The root's new kind passes down the whole subtree, each change audited.
    services.category_update(
        actor=admin, category_id=root.pk, code="consumable", name="耗材", kind="high_value"
    )
    assert dict(ItemCategory.objects.filter(organisation=org).values_list("code", "kind")) == {
        "consumable": "high_value",
        "syringe": "high_value",
        "syringe-1ml": "high_value",
    }
    assert AuditEvent.objects.filter(object_type="inventory.itemcategory", action="update").count() == 3
    # Moving a sub-category under another root gives it that root's kind.
    drugs = services.category_create(actor=admin, code="drugs", name="药品", kind="drug")
    moved = services.category_update(
        actor=admin, category_id=child.pk, code="syringe", name="注射器", parent_id=drugs.pk
    )
    assert (moved.kind, ItemCategory.objects.get(pk=grandchild.pk).kind) == ("drug", "drug")


@pytest.mark.req("INV-02")
def test_category_depth_code_and_deactivation(admin, org):
    parent = None
    for level in range(services.MAX_CATEGORY_DEPTH):
        parent = services.category_create(
            actor=admin,
            code=f"L{level}",
            name=f"层{level}",
            parent_id=parent.pk if parent else None,
            kind="goods",
        )
    refused(
        ValidationError,
        lambda: services.category_create(actor=admin, code="deep", name="x", parent_id=parent.pk),
        field="parent",
        message=t("Categories may be nested at most %(max)s levels deep.", max=5),
    )
    refused(
        ValidationError,
        lambda: services.category_create(actor=admin, code="l0", name="x", kind="goods"),
        field="code",
        message=t("Category code %(code)s is already in use.", code="l0"),
    )
    top = ItemCategory.objects.get(code="L0")
    refused(
        Conflict,
        lambda: services.category_deactivate(actor=admin, category_id=top.pk),
        field=None,
        message=t("Deactivate its %(count)s active sub-categories first.", count=1),
    )
    ItemFactory(organisation=org, category=parent)
    refused(
        Conflict,
        lambda: services.category_deactivate(actor=admin, category_id=parent.pk),
        field=None,
        message=t("Move or deactivate its %(count)s active items first.", count=1),
    )


@pytest.mark.req("INV-02")
def test_seed_default_categories(org):
    ItemCategoryFactory(organisation=org, code="drug", name="西药", kind=CategoryKind.DRUG)
    assert services.seed_default_categories(org) == 4
    assert services.seed_default_categories(org.pk) == 0
    assert list(
        ItemCategory.objects.filter(organisation=org)
        .order_by("code")
        .values_list("code", "name", "kind", "parent")
    ) == [
        ("drug", "西药", "drug", None),
        ("goods", "商品", "goods", None),
        ("high-value", "高值耗材", "high_value", None),
        ("low-value", "低值耗材", "low_value", None),
        ("material", "物料", "material", None),
    ]


# --- items (INV-02) -----------------------------------------------------------------------------------


@pytest.mark.req("INV-02")
def test_item_create_with_units_barcodes_and_levels(admin, branch, org, drug):
    maker = ManufacturerFactory(organisation=org)
    warehouse = WarehouseFactory(branch=branch)
    item = services.item_create(
        actor=admin,
        code="HA-1",
        name="玻尿酸注射液",
        specification="1ml",
        base_unit="支",
        category_id=drug.pk,
        manufacturer_id=maker.pk,
        registration_no="国械注准20203130001",
        registration_expires_on=datetime.date(2030, 1, 1),
        storage_condition="cold",
        shelf_life_days=730,
        purchase_price="120.5",
        pack_units=[services.PackUnitInput("盒", "10"), services.PackUnitInput("箱", 100)],
        barcodes=[services.BarcodeInput(GTIN13), services.BarcodeInput("16901234567899", pack_unit="盒")],
        levels=[services.LevelInput(warehouse.pk, "5", "50.5")],
    )
    assert Item.objects.filter(pk=item.pk).values(
        "code",
        "name",
        "pinyin",
        "base_unit",
        "category",
        "manufacturer",
        "storage_condition",
        "shelf_life_days",
        "purchase_price",
        "is_lot_tracked",
        "is_expiry_tracked",
        "is_serial_tracked",
        "organisation",
    ).get() == {
        "code": "HA-1",
        "name": "玻尿酸注射液",
        "pinyin": "boniaosuanzhusheye bnszsy",
        "base_unit": "支",
        "category": drug.pk,
        "manufacturer": maker.pk,
        "storage_condition": StorageCondition.COLD,
        "shelf_life_days": 730,
        "purchase_price": Decimal("120.50"),
        "is_lot_tracked": True,
        "is_expiry_tracked": True,
        "is_serial_tracked": False,
        "organisation": org.pk,
    }
    box = PackUnit.objects.get(item=item, name="盒")
    assert list(PackUnit.objects.filter(item=item).values_list("name", "factor")) == [
        ("盒", Decimal("10.000")),
        ("箱", Decimal("100.000")),
    ]
    assert set(ItemBarcode.objects.filter(item=item).values_list("code", "pack_unit", "organisation")) == {
        (GTIN14, None, org.pk),
        ("16901234567899", box.pk, org.pk),
    }
    assert list(
        StockLevel.objects.filter(item=item).values_list("warehouse", "min_quantity", "max_quantity")
    ) == [(warehouse.pk, Decimal("5.000"), Decimal("50.500"))]
    assert writes() == 1 + 2 + 2 + 1


@pytest.mark.req("INV-02")
def test_item_bad_input_writes_nothing(admin, branch, org, drug):
    other_org_category = ItemCategoryFactory()
    supplier_only = CompanyFactory(organisation=org, name="只供货")
    serial = SerialItemFactory(organisation=org, code="SER")
    holder = ItemFactory(organisation=org, code="OLD", name="老产品", specification="")
    ItemBarcodeFactory(item=holder, code=GTIN14)
    closed = WarehouseFactory(branch=branch, is_active=False)
    base = {"code": "N1", "name": "新品", "base_unit": "支", "category_id": drug.pk}
    cases = [
        ({"code": "old"}, "code", t("Item code %(code)s is already in use.", code="old")),
        ({"base_unit": ""}, "base_unit", t("Enter the %(field)s.", field=gettext("base unit"))),
        ({"category_id": None}, "category", t("Choose the item's category.")),
        ({"category_id": other_org_category.pk}, "category", t("That category does not exist.")),
        (
            {"manufacturer_id": supplier_only.pk},
            "manufacturer",
            t("%(company)s is not marked as a manufacturer.", company="只供货"),
        ),
        ({"storage_condition": "hot"}, "storage_condition", t("Choose a storage condition from the list.")),
        (
            {"shelf_life_days": 0},
            "shelf_life_days",
            t("The shelf life must be a whole number of days between 1 and %(max)s.", max=36500),
        ),
        ({"purchase_price": "-1"}, "purchase_price", t("The amount cannot be negative.")),
        ({"purchase_price": "abc"}, "purchase_price", t("Enter a valid amount, for example 1234.50.")),
        (
            {"is_serial_tracked": True, "is_lot_tracked": False, "is_expiry_tracked": False},
            "is_lot_tracked",
            t("A serial-tracked item must also be lot tracked."),
        ),
        (
            {"is_lot_tracked": False},
            "is_lot_tracked",
            t("An expiry-tracked item must also be lot tracked (the expiry date belongs to the lot)."),
        ),
        (
            {"unpack_item_id": holder.pk},
            "unpack_quantity",
            t("Enter how many units one unit unpacks into, or clear the item."),
        ),
        (
            {"unpack_quantity": "10"},
            "unpack_item",
            t("Choose the item it unpacks into, or clear the quantity."),
        ),
        (
            {"unpack_item_id": serial.pk, "unpack_quantity": 10},
            "unpack_item",
            t("%(item)s is serial tracked: nothing can unpack into it.", item=str(serial)),
        ),
        (
            {"unpack_item_id": holder.pk, "unpack_quantity": "0"},
            "unpack_quantity",
            t("The %(field)s must be greater than zero.", field=gettext("units per unpacked unit")),
        ),
        (
            {"pack_units": [services.PackUnitInput("支", 10)]},
            "pack_units.0.name",
            t("%(unit)s is the base unit already; a pack unit needs another name.", unit="支"),
        ),
        (
            {"pack_units": [services.PackUnitInput("盒", 10), services.PackUnitInput("盒", 20)]},
            "pack_units.1.name",
            t("The item already has a pack unit named %(unit)s.", unit="盒"),
        ),
        (
            {"pack_units": [services.PackUnitInput("盒", "-2")]},
            "pack_units.0.factor",
            t("The %(field)s must be greater than zero.", field=gettext("base units per unit")),
        ),
        (
            {"pack_units": [services.PackUnitInput("盒", "1.2345")]},
            "pack_units.0.factor",
            t("The %(field)s may have at most three decimal places.", field=gettext("base units per unit")),
        ),
        (
            {"barcodes": [services.BarcodeInput(GTIN13)]},
            "barcodes.0.code",
            t(
                "Barcode %(code)s already belongs to %(code_of_item)s %(item)s.",
                code=GTIN14,
                code_of_item="OLD",
                item="老产品",
            ),
        ),
        (
            {"barcodes": [services.BarcodeInput("6901234567891")]},
            "barcodes.0.code",
            t("%(code)s is not a valid GTIN: the check digit is wrong.", code="6901234567891"),
        ),
        (
            {"barcodes": [services.BarcodeInput("12345")]},
            "barcodes.0.code",
            t("A numeric barcode must be a GTIN of 8, 12, 13 or 14 digits."),
        ),
        (
            {"barcodes": [services.BarcodeInput("HY-1"), services.BarcodeInput("HY-1")]},
            "barcodes.1.code",
            t("Barcode %(code)s is listed twice.", code="HY-1"),
        ),
        (
            {"barcodes": [services.BarcodeInput("HY-1", pack_unit="箱")]},
            "barcodes.0.pack_unit",
            t("The item has no unit %(unit)s.", unit="箱"),
        ),
        (
            {"levels": [services.LevelInput(closed.pk)]},
            "levels.0.warehouse_id",
            t("That warehouse is deactivated."),
        ),
        ({"levels": [services.LevelInput(-1)]}, "levels.0.warehouse_id", t("Choose one of your warehouses.")),
        (
            {"levels": [services.LevelInput(WarehouseFactory(branch=branch).pk, 10, 5)]},
            "levels.0.max_quantity",
            t("The maximum cannot be below the minimum."),
        ),
    ]
    for extra, field, message in cases:
        kwargs = {**base, **extra}
        refused(
            ValidationError,
            lambda kw=kwargs: services.item_create(actor=admin, **kw),
            field=field,
            message=message,
        )


@pytest.mark.req("INV-02")
def test_item_nested_rows_need_their_permissions(branch, org, drug):
    only_items = master_user(branch, ["inventory.view_item", "inventory.add_item"])
    before = state()
    with pytest.raises(PermissionDenied):
        services.item_create(
            actor=only_items,
            code="N",
            name="x",
            base_unit="支",
            category_id=drug.pk,
            pack_units=[services.PackUnitInput("盒", 10)],
        )
    assert state() == before
    item = services.item_create(actor=only_items, code="N", name="x", base_unit="支", category_id=drug.pk)
    assert item.code == "N"


@pytest.mark.req("INV-02")
def test_item_update_rules(admin, branch, org, drug):
    box = ItemFactory(organisation=org, code="BOX", name="玻尿酸盒装", pack_units=[("盒", 1)])
    vial = ItemFactory(organisation=org, code="VIAL", name="玻尿酸")
    base = {"code": "BOX", "name": "玻尿酸盒装", "base_unit": "盒装", "category_id": drug.pk}
    updated = services.item_update(
        actor=admin, item_id=box.pk, **base, unpack_item_id=vial.pk, unpack_quantity="10"
    )
    assert (updated.unpack_item_id, updated.unpack_quantity, updated.pinyin) == (
        vial.pk,
        Decimal("10.000"),
        "boniaosuanhezhuang bnshz",
    )
    refused(
        ValidationError,
        lambda: services.item_update(actor=admin, item_id=box.pk, **{**base, "base_unit": "盒"}),
        field="base_unit",
        message=t("The item already has a pack unit named %(unit)s.", unit="盒"),
    )
    refused(
        ValidationError,
        lambda: services.item_update(
            actor=admin, item_id=box.pk, **base, unpack_item_id=box.pk, unpack_quantity=1
        ),
        field="unpack_item",
        message=t("An item cannot unpack into itself."),
    )
    vial_base = {"code": "VIAL", "name": "玻尿酸", "base_unit": "支", "category_id": vial.category_id}
    refused(
        ValidationError,
        lambda: services.item_update(
            actor=admin, item_id=vial.pk, **vial_base, unpack_item_id=box.pk, unpack_quantity=1
        ),
        field="unpack_item",
        message=t(
            "%(item)s already unpacks (directly or not) into this item.",
            item=str(Item.objects.get(pk=box.pk)),
        ),
    )
    refused(
        ValidationError,
        lambda: services.item_update(actor=admin, item_id=vial.pk, **vial_base, is_serial_tracked=True),
        field="is_serial_tracked",
        message=t("Other items unpack into this item, so it cannot be serial tracked."),
    )
    # Once stock has moved, the base unit and tracking are fixed; other fields still change.
    receive(admin, WarehouseFactory(branch=branch), vial, 4)
    refused(
        ValidationError,
        lambda: services.item_update(actor=admin, item_id=vial.pk, **{**vial_base, "base_unit": "瓶"}),
        field="base_unit",
        message=t("The item already has stock moves: its base unit and tracking can no longer change."),
    )
    renamed = services.item_update(
        actor=admin, item_id=vial.pk, **{**vial_base, "name": "玻尿酸 2"}, purchase_price=Decimal("99.9")
    )
    assert (renamed.name, renamed.purchase_price, renamed.pinyin) == (
        "玻尿酸 2",
        Decimal("99.90"),
        "boniaosuan2 bns2",
    )
    assert services.item_deactivate(actor=admin, item_id=vial.pk).is_active is False


@pytest.mark.req("INV-02")
def test_pack_units_barcodes_levels(admin, branch, org):
    item = ItemFactory(organisation=org, code="I1", name="针头")
    warehouse = WarehouseFactory(branch=branch)
    box = services.packunit_create(actor=admin, item_id=item.pk, name="盒", factor="10")
    refused(
        ValidationError,
        lambda: services.packunit_create(actor=admin, item_id=item.pk, name="盒", factor=5),
        field="name",
        message=t("The item already has a pack unit named %(unit)s.", unit="盒"),
    )
    code = services.barcode_create(actor=admin, item_id=item.pk, code="96385074", pack_unit_id=box.pk)
    assert (code.code, code.pack_unit_id, code.organisation_id) == ("00000096385074", box.pk, org.pk)
    other_item_unit = PackUnitFactory(item=ItemFactory(organisation=org))
    refused(
        ValidationError,
        lambda: services.barcode_update(
            actor=admin, barcode_id=code.pk, code="96385074", pack_unit_id=other_item_unit.pk
        ),
        field="pack_unit",
        message=t("%(item)s has no unit with id %(unit)s.", item=str(item), unit=other_item_unit.pk),
    )
    inhouse = services.barcode_update(actor=admin, barcode_id=code.pk, code=" ZT-001 ", pack_unit_id=None)
    assert (inhouse.code, inhouse.pack_unit_id) == ("ZT-001", None)
    services.barcode_create(actor=admin, item_id=item.pk, code=GTIN13, pack_unit_id=box.pk)
    big = services.packunit_update(actor=admin, pack_unit_id=box.pk, name="大盒", factor="20.5")
    assert (big.name, big.factor) == ("大盒", Decimal("20.500"))
    # Removing a unit removes its barcodes, each audited.
    assert services.packunit_delete(actor=admin, pack_unit_id=box.pk) == item
    assert list(ItemBarcode.objects.filter(item=item).values_list("code", flat=True)) == ["ZT-001"]
    assert list(
        AuditEvent.objects.filter(action="delete").order_by("pk").values_list("object_type", "object_repr")
    ) == [("inventory.itembarcode", GTIN14), ("inventory.packunit", "大盒")]
    assert services.barcode_delete(actor=admin, barcode_id=inhouse.pk) == item
    level = services.stocklevel_create(
        actor=admin, item_id=item.pk, warehouse_id=warehouse.pk, min_quantity="2", max_quantity=None
    )
    refused(
        ValidationError,
        lambda: services.stocklevel_create(actor=admin, item_id=item.pk, warehouse_id=warehouse.pk),
        field="warehouse",
        message=t(
            "%(item)s already has levels for %(warehouse)s; edit them instead.",
            item=str(item),
            warehouse=warehouse.name,
        ),
    )
    refused(
        ValidationError,
        lambda: services.stocklevel_update(actor=admin, level_id=level.pk, min_quantity="-1"),
        field="min_quantity",
        message=t("The %(field)s cannot be negative.", field=gettext("minimum")),
    )
    level = services.stocklevel_update(actor=admin, level_id=level.pk, min_quantity="3", max_quantity="3")
    assert (level.min_quantity, level.max_quantity) == (Decimal("3.000"), Decimal("3.000"))
    assert services.stocklevel_delete(actor=admin, level_id=level.pk) == item
    assert StockLevel.objects.count() == 0


@pytest.mark.req("INV-02")
def test_levels_follow_the_warehouse_scope(branch, org, aesthetics):
    skin = DepartmentFactory(branch=branch, code="skin", name="皮肤科")
    mine, theirs = (
        DepartmentWarehouseFactory(department=aesthetics),
        DepartmentWarehouseFactory(department=skin),
    )
    item = ItemFactory(organisation=org)
    keeper = master_user(
        branch, scope=DataScope.DEPARTMENT, staff=StaffFactory(branch=branch, department=aesthetics)
    )
    level = services.stocklevel_create(actor=keeper, item_id=item.pk, warehouse_id=mine.pk, min_quantity=1)
    assert level.warehouse_id == mine.pk
    refused(
        ValidationError,
        lambda: services.stocklevel_create(actor=keeper, item_id=item.pk, warehouse_id=theirs.pk),
        field="warehouse",
        message=t("Choose one of your warehouses."),
    )
    foreign = StockLevel.objects.create(item=item, warehouse=theirs, min_quantity=1)
    refused(
        NotFound,
        lambda: services.stocklevel_delete(actor=keeper, level_id=foreign.pk),
        field=None,
        message=str(NotFound.default_message),
    )


@pytest.mark.req("INV-02")
def test_other_organisations_items_are_not_found(admin):
    foreign = ItemFactory(pack_units=[("盒", 10)])
    barcode = ItemBarcodeFactory(item=foreign)
    before = state()
    for call in (
        lambda: services.item_deactivate(actor=admin, item_id=foreign.pk),
        lambda: services.packunit_create(actor=admin, item_id=foreign.pk, name="箱", factor=100),
        lambda: services.packunit_delete(actor=admin, pack_unit_id=foreign.pack_units.get().pk),
        lambda: services.barcode_delete(actor=admin, barcode_id=barcode.pk),
    ):
        with pytest.raises(NotFound):
            call()
    assert state() == before
    # The same barcode may exist in another organisation.
    own = ItemFactory(organisation=admin.organisation)
    assert services.barcode_create(actor=admin, item_id=own.pk, code=barcode.code).code == barcode.code


# --- companies and certificates (SPD-01) --------------------------------------------------------------


@pytest.mark.req("SPD-01")
def test_company_create_with_certificates(admin, org):
    company = services.company_create(
        actor=admin,
        code="SUP1",
        name="上海医疗器械有限公司",
        is_manufacturer=True,
        credit_code=" 91310000ma1k4abc81 ",
        contact="王经理",
        phone="138 0013 8000",
        certificates=[
            services.CertificateInput(kind="business_licence", number="91310000MA1K4ABC8X"),
            services.CertificateInput(
                kind="device_operation",
                number="沪食药监械经营许20190001",
                expires_on=datetime.date(2027, 6, 30),
            ),
        ],
    )
    assert Company.objects.filter(pk=company.pk).values(
        "code", "name", "pinyin", "is_supplier", "is_manufacturer", "credit_code", "phone", "organisation"
    ).get() == {
        "code": "SUP1",
        "name": "上海医疗器械有限公司",
        "pinyin": "shanghaiyiliaoqixieyouxiangongsi shylqxyxgs",
        "is_supplier": True,
        "is_manufacturer": True,
        "credit_code": "91310000MA1K4ABC81",
        "phone": "13800138000",
        "organisation": org.pk,
    }
    assert list(company.certificates.order_by("kind").values_list("kind", "expires_on", "is_required")) == [
        ("business_licence", None, True),
        ("device_operation", datetime.date(2027, 6, 30), True),
    ]
    assert writes() == 3


@pytest.mark.req("SPD-01")
def test_company_bad_input_writes_nothing(admin, org):
    CompanyFactory(organisation=org, code="SUP1")
    base = {"code": "SUP2", "name": "供应商"}
    cases = [
        ({"code": "sup1"}, "code", t("Company code %(code)s is already in use.", code="sup1")),
        ({"is_supplier": False}, "is_supplier", t("Tick supplier, manufacturer or both.")),
        (
            {"credit_code": "1234"},
            "credit_code",
            t(
                "Enter the 18-character unified social credit code (digits and capital letters, "
                "e.g. 91310000MA1K4ABC81) as printed on the business licence."
            ),
        ),
        (
            {"credit_code": "91310000MA1K4ABC80"},
            "credit_code",
            t(
                "The unified social credit code %(code)s is not valid: its check character is wrong.",
                code="91310000MA1K4ABC80",
            ),
        ),
        (
            {"phone": "12345"},
            "phone",
            t("Enter a mobile number (11 digits starting with 1) or a landline such as 010-12345678."),
        ),
        (
            {"certificates": [services.CertificateInput(kind="permit", number="1")]},
            "certificates.0.kind",
            t("Choose a certificate kind from the list."),
        ),
        (
            {
                "certificates": [
                    services.CertificateInput(
                        kind="other",
                        number="1",
                        issued_on=datetime.date(2025, 2, 1),
                        expires_on=datetime.date(2025, 1, 1),
                    )
                ]
            },
            "certificates.0.expires_on",
            t("The expiry date cannot be before the issue date."),
        ),
        (
            {
                "certificates": [
                    services.CertificateInput(kind="other", number="1"),
                    services.CertificateInput(kind="other", number="1"),
                ]
            },
            "certificates.1.number",
            t(
                "This company already has the %(kind)s %(number)s.",
                kind=CertificateKind.OTHER.label,
                number="1",
            ),
        ),
    ]
    for extra, field, message in cases:
        kwargs = {**base, **extra}
        refused(
            ValidationError,
            lambda kw=kwargs: services.company_create(actor=admin, **kw),
            field=field,
            message=message,
        )


@pytest.mark.req("SPD-01")
def test_company_update_keeps_manufacturer_of_items(admin, org):
    maker = ManufacturerFactory(organisation=org, code="M1", name="生产企业")
    ItemFactory(organisation=org, manufacturer=maker)
    base = {"code": "M1", "name": "生产企业", "is_supplier": True}
    refused(
        ValidationError,
        lambda: services.company_update(actor=admin, company_id=maker.pk, **base, is_manufacturer=False),
        field="is_manufacturer",
        message=t("%(count)s items name this company as their manufacturer.", count=1),
    )
    both = services.company_update(
        actor=admin, company_id=maker.pk, **base, is_manufacturer=True, contact="李"
    )
    assert (both.is_supplier, both.is_manufacturer, both.contact) == (True, True, "李")
    assert services.company_deactivate(actor=admin, company_id=maker.pk).is_active is False


@pytest.mark.req("SPD-01")
def test_certificate_create_update_delete(admin, org):
    company = CompanyFactory(organisation=org, certificates=[])
    cert = services.certificate_create(
        actor=admin,
        company_id=company.pk,
        kind="drug_operation",
        number="沪AA0210001",
        scope="中成药、化学药",
        issued_on=datetime.date(2024, 1, 1),
        expires_on=datetime.date(2029, 1, 1),
        is_required=True,
    )
    refused(
        ValidationError,
        lambda: services.certificate_create(
            actor=admin, company_id=company.pk, kind="drug_operation", number="沪AA0210001"
        ),
        field="number",
        message=t(
            "This company already has the %(kind)s %(number)s.",
            kind=CertificateKind.DRUG_OPERATION.label,
            number="沪AA0210001",
        ),
    )
    renewed = services.certificate_update(
        actor=admin,
        certificate_id=cert.pk,
        kind="drug_operation",
        number="沪AA0210002",
        expires_on=None,
        is_required=False,
    )
    assert Certificate.objects.filter(pk=renewed.pk).values_list(
        "number", "scope", "issued_on", "expires_on", "is_required"
    ).get() == (
        "沪AA0210002",
        "",
        None,
        None,
        False,
    )
    assert services.certificate_delete(actor=admin, certificate_id=cert.pk) == company
    assert Certificate.objects.filter(company=company).count() == 0
    event = AuditEvent.objects.filter(object_type="inventory.certificate").order_by("-pk").first()
    assert (event.action, event.changes["number"], event.organisation_id) == (
        "delete",
        ["沪AA0210002", None],
        org.pk,
    )


@pytest.mark.req("SPD-01")
def test_company_permissions_and_other_organisation(branch, org):
    foreign = CompanyFactory()
    foreign_cert = foreign.certificates.get()
    viewer = master_user(branch, ["inventory.view_company", "inventory.view_certificate"])
    only_companies = master_user(branch, ["inventory.add_company"])
    keeper = master_user(branch)
    own = CompanyFactory(organisation=org)
    before = state()
    with pytest.raises(PermissionDenied):
        services.company_create(actor=viewer, code="X", name="x")
    with pytest.raises(PermissionDenied):
        services.certificate_create(actor=viewer, company_id=own.pk, kind="other", number="1")
    with pytest.raises(PermissionDenied):
        services.company_create(
            actor=only_companies,
            code="X",
            name="x",
            certificates=[services.CertificateInput(kind="other", number="1")],
        )
    for call in (
        lambda: services.company_deactivate(actor=keeper, company_id=foreign.pk),
        lambda: services.certificate_create(actor=keeper, company_id=foreign.pk, kind="other", number="2"),
        lambda: services.certificate_delete(actor=keeper, certificate_id=foreign_cert.pk),
    ):
        with pytest.raises(NotFound):
            call()
    assert state() == before
