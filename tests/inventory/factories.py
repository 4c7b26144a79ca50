"""Factories of the inventory master data (INV-01, INV-02, SPD-01). Rows are built directly (fast);
tests of the master services themselves go through ``medspa.inventory.master_services``.

- ``WarehouseFactory(branch=b)`` — a central warehouse; ``DepartmentWarehouseFactory(department=d)``
  — a department warehouse of ``d``'s branch.
- ``ItemFactory(organisation=o)`` — lot and expiry tracked, base unit 支, in a drug category of the
  same organisation, no manufacturer; ``ItemFactory(pack_units=[("盒", 10)])`` adds pack units.
- ``CompanyFactory(organisation=o)`` — a supplier with one valid, required business licence.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from medspa.core.pinyin import search_key
from medspa.inventory.barcodes import with_check_digit
from medspa.inventory.choices import CategoryKind, CertificateKind, WarehouseKind
from medspa.inventory.models import (
    Bin,
    Certificate,
    Company,
    Item,
    ItemBarcode,
    ItemCategory,
    PackUnit,
    StockLevel,
    Warehouse,
)
from tests.factories import BranchFactory, OrganisationFactory
from tests.organization.factories import DepartmentFactory


def _today() -> datetime.date:
    return timezone.localdate()


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    branch = factory.SubFactory(BranchFactory)
    code = factory.Sequence(lambda n: f"WH{n:03d}")
    name = factory.Sequence(lambda n: f"中心库{n}")
    kind = WarehouseKind.CENTRAL
    department = None


class DepartmentWarehouseFactory(WarehouseFactory):
    """A department (secondary) warehouse; its branch follows the department's."""

    department = factory.SubFactory(DepartmentFactory)
    branch = factory.LazyAttribute(lambda o: o.department.branch)
    kind = WarehouseKind.DEPARTMENT
    name = factory.Sequence(lambda n: f"科室库{n}")


class BinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bin

    warehouse = factory.SubFactory(WarehouseFactory)
    code = factory.Sequence(lambda n: f"A-{n:02d}")
    name = ""


class ItemCategoryFactory(factory.django.DjangoModelFactory):
    """A root category (kind drug); with ``parent=`` a child of the parent's kind."""

    class Meta:
        model = ItemCategory

    organisation = factory.SubFactory(OrganisationFactory)
    parent = None
    code = factory.Sequence(lambda n: f"C{n:03d}")
    name = factory.Sequence(lambda n: f"分类{n}")
    kind = factory.LazyAttribute(lambda o: o.parent.kind if o.parent is not None else CategoryKind.DRUG)


class CompanyFactory(factory.django.DjangoModelFactory):
    """A supplier with one required business licence valid for another year
    (``certificates=[]`` for none; ``certificates=[{...}, ...]`` for explicit ones)."""

    class Meta:
        model = Company
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.Sequence(lambda n: f"供应商{n}")
    pinyin = factory.LazyAttribute(lambda o: search_key(o.name))
    is_supplier = True
    is_manufacturer = False

    @factory.post_generation
    def certificates(self, create: bool, extracted: list[dict] | None, **kwargs: object) -> None:
        if not create:
            return
        specs = extracted if extracted is not None else [{}]
        for spec in specs:
            CertificateFactory(company=self, **spec)


class ManufacturerFactory(CompanyFactory):
    """A manufacturer only (no supplier role), with the default valid business licence."""

    code = factory.Sequence(lambda n: f"M{n:03d}")
    name = factory.Sequence(lambda n: f"生产企业{n}")
    is_supplier = False
    is_manufacturer = True


class CertificateFactory(factory.django.DjangoModelFactory):
    """A required business licence valid for another year."""

    class Meta:
        model = Certificate

    company = factory.SubFactory(CompanyFactory, certificates=[])
    kind = CertificateKind.BUSINESS_LICENCE
    number = factory.Sequence(lambda n: f"91310000MA{n:08d}")
    scope = ""
    issued_on = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=365))
    expires_on = factory.LazyFunction(lambda: _today() + datetime.timedelta(days=365))
    is_required = True


class ItemFactory(factory.django.DjangoModelFactory):
    """A lot- and expiry-tracked item counted in 支 (``pack_units=[("盒", 10), ("箱", 100)]``
    adds pack levels)."""

    class Meta:
        model = Item
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"I{n:05d}")
    name = factory.Sequence(lambda n: f"玻尿酸{n}")
    pinyin = factory.LazyAttribute(lambda o: search_key(o.name))
    specification = "1ml"
    base_unit = "支"
    category = factory.SubFactory(ItemCategoryFactory, organisation=factory.SelfAttribute("..organisation"))
    manufacturer = None
    purchase_price = Decimal("100.00")
    shelf_life_days = 730
    is_lot_tracked = True
    is_expiry_tracked = True
    is_serial_tracked = False

    @factory.post_generation
    def pack_units(self, create: bool, extracted: list[tuple[str, object]] | None, **kwargs: object) -> None:
        if create and extracted:
            for name, factor in extracted:
                PackUnit.objects.create(item=self, name=name, factor=Decimal(str(factor)))


class SerialItemFactory(ItemFactory):
    """A high-value, serial-tracked item (serial implies lot tracked)."""

    name = factory.Sequence(lambda n: f"植入物{n}")
    is_serial_tracked = True
    purchase_price = Decimal("5000.00")


class PackUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PackUnit

    item = factory.SubFactory(ItemFactory)
    name = "盒"
    factor = Decimal("10.000")


class ItemBarcodeFactory(factory.django.DjangoModelFactory):
    """A valid GTIN-14 (GS1 China prefix 690) of the item's base unit unless ``pack_unit=``."""

    class Meta:
        model = ItemBarcode

    item = factory.SubFactory(ItemFactory)
    organisation = factory.LazyAttribute(lambda o: o.item.organisation)
    code = factory.Sequence(lambda n: "0" + with_check_digit(f"690{n:09d}"))
    pack_unit = None


class StockLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLevel

    item = factory.SubFactory(ItemFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    min_quantity = Decimal("10.000")
    max_quantity = Decimal("100.000")
