"""Demo stock: the category tree, a central warehouse with bins and two department warehouses in
the main branch, two suppliers (one with a licence about to expire) and a manufacturer, a handful
of items (a boxed filler with a GS1 barcode per pack level, a toxin box that unpacks into vials, a
low-value syringe, a serial-numbered implant), minimum/maximum levels, and opening stock received
and issued through the real document services — enough to try every inventory page.

Idempotent: master data is looked up by code; stock is posted only while the demo warehouse has
no moves. Runs outside the seed's transaction because every document service is a durable
transaction of its own."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from medspa.accounts.models import User
from medspa.core.pinyin import search_key
from medspa.inventory import document_services as docs
from medspa.inventory.choices import (
    CategoryKind,
    CertificateKind,
    DocumentType,
    IssueKind,
    StorageCondition,
    WarehouseKind,
)
from medspa.inventory.models import (
    Bin,
    Certificate,
    Company,
    Item,
    ItemBarcode,
    ItemCategory,
    PackUnit,
    StockLevel,
    StockMove,
    Warehouse,
)
from medspa.organization.models import Branch, Department, Organisation

# (code, name, kind)
CATEGORIES = (
    ("drug", "药品", CategoryKind.DRUG),
    ("low", "低值耗材", CategoryKind.LOW_VALUE),
    ("high", "高值耗材", CategoryKind.HIGH_VALUE),
    ("goods", "商品", CategoryKind.GOODS),
    ("material", "物料", CategoryKind.MATERIAL),
)


def _today() -> datetime.date:
    return timezone.localdate()


def _category(organisation: Organisation, code: str) -> ItemCategory:
    return ItemCategory.objects.get(organisation=organisation, code=code)


def _item(organisation: Organisation, code: str, **values: object) -> Item:
    name = str(values["name"])
    item, _created = Item.objects.get_or_create(
        organisation=organisation, code=code, defaults={**values, "pinyin": search_key(name)}
    )
    return item


@dataclass
class DemoRows:
    """The demo rows the opening stock is posted against."""

    central: Warehouse
    supplier: Company
    filler: Item
    box: PackUnit
    toxin_box: Item
    syringe: Item
    implant: Item
    departments: dict[str, Warehouse] = field(default_factory=dict)


def seed_master(organisation: Organisation, branch: Branch) -> DemoRows:
    """Categories, warehouses, companies, items; returns the rows the stock seed needs."""
    for order, (code, name, kind) in enumerate(CATEGORIES):
        ItemCategory.objects.get_or_create(
            organisation=organisation, code=code, defaults={"name": name, "kind": kind, "order": order * 10}
        )
    central, _created = Warehouse.objects.get_or_create(
        branch=branch, code="central", defaults={"name": "中心库房", "kind": WarehouseKind.CENTRAL}
    )
    for code in ("A-01", "A-02", "C-01"):
        Bin.objects.get_or_create(
            warehouse=central, code=code, defaults={"name": "冷藏柜" if code == "C-01" else ""}
        )
    department_warehouses: dict[str, Warehouse] = {}
    for dept_code, name in (("injection", "注射美容组二级库"), ("laser", "激光美容组二级库")):
        department = Department.objects.filter(branch=branch, code=dept_code).first()
        if department is None:
            continue
        department_warehouses[dept_code], _created = Warehouse.objects.get_or_create(
            branch=branch,
            code=f"{dept_code}-store",
            defaults={"name": name, "kind": WarehouseKind.DEPARTMENT, "department": department},
        )
    supplier, created = Company.objects.get_or_create(
        organisation=organisation,
        code="S001",
        defaults={
            "name": "华东医药供应链有限公司",
            "pinyin": search_key("华东医药供应链有限公司"),
            "contact": "周经理",
        },
    )
    if created:
        Certificate.objects.create(
            company=supplier,
            kind=CertificateKind.BUSINESS_LICENCE,
            number="91330000MA2DEMO01X",
            expires_on=_today() + datetime.timedelta(days=900),
        )
        Certificate.objects.create(
            company=supplier,
            kind=CertificateKind.DEVICE_OPERATION,
            number="浙杭食药监械经营许20260001号",
            scope="III类：6846植入材料和人工器官，6864医用卫生材料及敷料",
            expires_on=_today() + datetime.timedelta(days=20),
        )
    manufacturer, _created = Company.objects.get_or_create(
        organisation=organisation,
        code="M001",
        defaults={
            "name": "爱美生物科技股份有限公司",
            "pinyin": search_key("爱美生物科技股份有限公司"),
            "is_supplier": False,
            "is_manufacturer": True,
        },
    )
    filler = _item(
        organisation,
        "HA-1ML",
        name="交联透明质酸钠凝胶",
        specification="1ml/支",
        base_unit="支",
        category=_category(organisation, "high"),
        manufacturer=manufacturer,
        registration_no="国械注准20263130001",
        registration_expires_on=_today() + datetime.timedelta(days=1200),
        storage_condition=StorageCondition.COOL,
        shelf_life_days=730,
        purchase_price=Decimal("680.00"),
    )
    box, _created = PackUnit.objects.get_or_create(item=filler, name="盒", defaults={"factor": Decimal(10)})
    ItemBarcode.objects.get_or_create(
        organisation=organisation, code="06901234567892", defaults={"item": filler, "pack_unit": box}
    )
    ItemBarcode.objects.get_or_create(
        organisation=organisation, code="06901234567885", defaults={"item": filler}
    )
    vial = _item(
        organisation,
        "BTX-100U-V",
        name="注射用A型肉毒毒素",
        specification="100U/瓶",
        base_unit="瓶",
        category=_category(organisation, "drug"),
        storage_condition=StorageCondition.COLD,
        shelf_life_days=1095,
        purchase_price=Decimal("950.00"),
    )
    toxin_box = _item(
        organisation,
        "BTX-100U-B",
        name="注射用A型肉毒毒素（整盒）",
        specification="100U×10瓶/盒",
        base_unit="盒",
        category=_category(organisation, "drug"),
        storage_condition=StorageCondition.COLD,
        shelf_life_days=1095,
        purchase_price=Decimal("9500.00"),
        unpack_item=vial,
        unpack_quantity=Decimal(10),
    )
    ItemBarcode.objects.get_or_create(
        organisation=organisation, code="06901234567908", defaults={"item": toxin_box}
    )
    syringe = _item(
        organisation,
        "SYR-1ML",
        name="一次性使用无菌注射器",
        specification="1ml",
        base_unit="支",
        category=_category(organisation, "low"),
        purchase_price=Decimal("0.80"),
        is_lot_tracked=True,
        is_expiry_tracked=True,
    )
    PackUnit.objects.get_or_create(item=syringe, name="盒", defaults={"factor": Decimal(100)})
    implant = _item(
        organisation,
        "IMP-NOSE",
        name="膨体聚四氟乙烯鼻假体",
        specification="L型 5cm",
        base_unit="个",
        category=_category(organisation, "high"),
        manufacturer=manufacturer,
        registration_no="国械注准20263130002",
        purchase_price=Decimal("3200.00"),
        is_serial_tracked=True,
    )
    StockLevel.objects.get_or_create(
        item=filler, warehouse=central, defaults={"min_quantity": 20, "max_quantity": 200}
    )
    StockLevel.objects.get_or_create(
        item=syringe, warehouse=central, defaults={"min_quantity": 500, "max_quantity": 2000}
    )
    StockLevel.objects.get_or_create(
        item=vial, warehouse=central, defaults={"min_quantity": 5, "max_quantity": 50}
    )
    return DemoRows(
        central=central,
        supplier=supplier,
        filler=filler,
        box=box,
        toxin_box=toxin_box,
        syringe=syringe,
        implant=implant,
        departments=department_warehouses,
    )


def _post(actor: User, doc_type: str, lines: list[docs.LineInput], **header: Any) -> None:
    docs.document_create(actor=actor, doc_type=doc_type, lines=lines, post=True, **header)


def seed_stock(actor: User, rows: DemoRows) -> None:
    """Opening stock through the document services (only while the central store is empty)."""
    central = rows.central
    if StockMove.objects.filter(warehouse=central).exists():
        return
    today = _today()
    filler, box, toxin_box, syringe, implant = (
        rows.filler,
        rows.box,
        rows.toxin_box,
        rows.syringe,
        rows.implant,
    )
    syringe_box = syringe.pack_units.get(name="盒")
    _post(
        actor,
        DocumentType.RECEIPT,
        [
            docs.LineInput(
                item_id=filler.pk,
                quantity=3,
                pack_unit_id=box.pk,
                unit_price="6500.00",
                batch_no="HA2611A",
                expiry_date=today + datetime.timedelta(days=540),
            ),
            docs.LineInput(
                item_id=filler.pk,
                quantity=1,
                pack_unit_id=box.pk,
                unit_price="6500.00",
                batch_no="HA2605B",
                expiry_date=today + datetime.timedelta(days=45),
            ),
            docs.LineInput(
                item_id=toxin_box.pk,
                quantity=2,
                unit_price="9200.00",
                batch_no="BTX2609",
                expiry_date=today + datetime.timedelta(days=400),
            ),
            docs.LineInput(
                item_id=syringe.pk,
                quantity=3,
                pack_unit_id=syringe_box.pk,
                unit_price="75.00",
                batch_no="SY2610",
                expiry_date=today + datetime.timedelta(days=1000),
            ),
            *(
                docs.LineInput(
                    item_id=implant.pk,
                    quantity=1,
                    unit_price="3200.00",
                    batch_no="IMP2608",
                    serial_no=f"PTFE-{n:04d}",
                    expiry_date=today + datetime.timedelta(days=1500),
                )
                for n in range(1, 4)
            ),
        ],
        warehouse=central,
        supplier=rows.supplier,
        invoice_no="04412345",
    )
    _post(
        actor, DocumentType.UNPACKING, [docs.LineInput(item_id=toxin_box.pk, quantity=1)], warehouse=central
    )
    target = rows.departments.get("injection")
    if target is not None:
        _post(
            actor,
            DocumentType.ISSUE,
            [docs.LineInput(item_id=filler.pk, quantity=5), docs.LineInput(item_id=syringe.pk, quantity=100)],
            warehouse=central,
            issue_kind=IssueKind.DEPARTMENT,
            to_warehouse=target,
        )


def seed(*, organisation: Organisation, branches: list[Branch]) -> None:
    """Master data in one transaction, then the opening stock through the services."""
    with transaction.atomic():
        rows = seed_master(organisation, branches[0])
    keeper = User.objects.filter(username="storekeeper", organisation=organisation).first()
    if keeper is not None:
        seed_stock(keeper, rows)
