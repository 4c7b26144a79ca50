"""The shared factories build consistent rows (other inventory tests rely on their defaults)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from medspa.inventory.barcodes import normalise_barcode
from medspa.inventory.choices import CategoryKind, CertificateKind, WarehouseKind
from medspa.inventory.models import Certificate
from tests.inventory.factories import (
    BinFactory,
    CompanyFactory,
    DepartmentWarehouseFactory,
    ItemBarcodeFactory,
    ItemCategoryFactory,
    ItemFactory,
    StockLevelFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.req("INV-02")
def test_item_factory_defaults() -> None:
    item = ItemFactory(name="玻尿酸", pack_units=[("盒", 10), ("箱", 100)])
    assert (item.base_unit, item.is_lot_tracked, item.is_expiry_tracked, item.is_serial_tracked) == (
        "支",
        True,
        True,
        False,
    )
    assert item.pinyin == "boniaosuan bns"
    assert item.category.organisation_id == item.organisation_id
    assert item.category.kind == CategoryKind.DRUG
    assert [(u.name, u.factor) for u in item.pack_units.all()] == [
        ("盒", Decimal("10.000")),
        ("箱", Decimal("100.000")),
    ]
    barcode = ItemBarcodeFactory(item=item)
    assert normalise_barcode(barcode.code) == barcode.code
    assert barcode.organisation_id == item.organisation_id
    child = ItemCategoryFactory(parent=item.category, organisation=item.organisation)
    assert child.kind == CategoryKind.DRUG


@pytest.mark.req("SPD-01")
def test_company_factory_has_one_valid_required_licence() -> None:
    company = CompanyFactory()
    cert = Certificate.objects.get(company=company)
    assert (cert.kind, cert.is_required) == (CertificateKind.BUSINESS_LICENCE, True)
    assert cert.expires_on == timezone.localdate() + datetime.timedelta(days=365)
    assert company.is_supplier and not company.is_manufacturer
    assert CompanyFactory(certificates=[]).certificates.count() == 0


@pytest.mark.req("INV-01")
def test_warehouse_factories() -> None:
    wh = DepartmentWarehouseFactory()
    assert wh.kind == WarehouseKind.DEPARTMENT
    assert wh.branch_id == wh.department.branch_id
    bin_ = BinFactory(warehouse=wh)
    level = StockLevelFactory(warehouse=wh)
    assert (bin_.warehouse_id, level.min_quantity, level.max_quantity) == (
        wh.pk,
        Decimal("10.000"),
        Decimal("100.000"),
    )
