"""Reads of the inventory master data: data scope of warehouses (INV-01), item search, units and
barcodes (INV-02), certificate status and expiry (SPD-01)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from medspa.accounts.choices import DataScope
from medspa.core.errors import NotFound, ValidationError
from medspa.core.pinyin import name_keys, search_key
from medspa.customers import search as customer_search
from medspa.inventory import master_selectors as selectors
from medspa.inventory.barcodes import normalise_barcode, scan_key, with_check_digit
from tests.inventory.factories import (
    BinFactory,
    CertificateFactory,
    CompanyFactory,
    DepartmentWarehouseFactory,
    ItemBarcodeFactory,
    ItemCategoryFactory,
    ItemFactory,
    WarehouseFactory,
)
from tests.inventory.test_master_support import master_user
from tests.organization.factories import DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db

GTIN14 = "06901234567892"


def t(message: str, **params: object) -> str:
    return gettext(message) % params if params else gettext(message)


# --- data scope (INV-01) ------------------------------------------------------------------------------


@pytest.mark.req("INV-01")
def test_warehouse_scope(branch, other_branch):
    aesthetics = DepartmentFactory(branch=branch, code="aes", name="医学美容科")
    injection = DepartmentFactory(branch=branch, code="inj", name="注射组", parent=aesthetics)
    skin = DepartmentFactory(branch=branch, code="skin", name="皮肤科")
    central = WarehouseFactory(branch=branch, code="C")
    mine = DepartmentWarehouseFactory(department=aesthetics, code="D1")
    below = DepartmentWarehouseFactory(department=injection, code="D2")
    theirs = DepartmentWarehouseFactory(department=skin, code="D3")
    east = WarehouseFactory(branch=other_branch, code="E")
    foreign = WarehouseFactory()
    bins = {
        wh.code: BinFactory(warehouse=wh, code=f"{wh.code}-1")
        for wh in (central, mine, theirs, east, foreign)
    }

    def codes(user):
        return list(selectors.warehouses_for(user).values_list("code", flat=True))

    director = master_user(branch, scope=DataScope.ORGANISATION, branches=[branch, other_branch])
    keeper = master_user(branch, scope=DataScope.BRANCH)
    nurse = master_user(
        branch, scope=DataScope.DEPARTMENT, staff=StaffFactory(branch=branch, department=aesthetics)
    )
    own = master_user(branch, scope=DataScope.OWN)
    assert codes(director) == ["E", "C", "D1", "D2", "D3"]  # by branch code (east, main), then code
    assert codes(keeper) == ["C", "D1", "D2", "D3"]
    assert codes(nurse) == ["D1", "D2"]
    assert codes(own) == []
    assert list(selectors.bins_for(nurse).values_list("code", flat=True)) == ["D1-1"]
    assert selectors.warehouse_get_for(nurse, below.pk) == below
    for warehouse in (central, theirs, east, foreign):
        with pytest.raises(NotFound):
            selectors.warehouse_get_for(nurse, warehouse.pk)
    assert selectors.bin_get_for(keeper, bins["C"].pk) == bins["C"]


# --- items (INV-02) -----------------------------------------------------------------------------------


@pytest.mark.req("INV-02")
def test_pinyin_keys_are_shared_with_customers():
    assert customer_search.name_keys is name_keys
    assert name_keys("张三") == ("zhangsan", "zs")
    assert search_key("玻尿酸 HA-1ml") == "boniaosuanha1ml bnsh1"


@pytest.mark.req("INV-02")
def test_barcode_normalisation():
    assert [
        normalise_barcode(code) for code in ("6901234567892", "96385074", "012345678905", GTIN14, " HY-001 ")
    ] == [
        GTIN14,
        "00000096385074",
        "00012345678905",
        GTIN14,
        "HY-001",
    ]
    assert with_check_digit("690123456789") == "6901234567892"
    cases = [
        ("", t("Enter a barcode.")),
        ("69012345678", t("A numeric barcode must be a GTIN of 8, 12, 13 or 14 digits.")),
        ("6901234567891", t("%(code)s is not a valid GTIN: the check digit is wrong.", code="6901234567891")),
        ("HY 1", t("A barcode cannot contain spaces.")),
        ("X" * 65, t("A barcode has at most 64 characters.")),
    ]
    for code, message in cases:
        with pytest.raises(ValidationError) as info:
            normalise_barcode(code)
        assert (info.value.field, info.value.message) == ("code", message)
    assert scan_key("(01)06901234567892(17)261231(10)ABC") == GTIN14
    assert scan_key("0106901234567892172612311012345") == GTIN14
    assert scan_key("6901234567892") == GTIN14
    assert scan_key("6901234567891") == "6901234567891"
    assert scan_key("玻尿酸") == "玻尿酸"


@pytest.mark.req("INV-02")
def test_item_search(branch):
    org = branch.organisation
    actor = master_user(branch)
    ha = ItemFactory(organisation=org, code="HA01", name="玻尿酸", pack_units=[("盒", 10)])
    ItemBarcodeFactory(item=ha, code=GTIN14)
    ItemFactory(organisation=org, code="ZT01", name="针头", specification="30G")
    ItemFactory(organisation=org, code="BNS", name="生理盐水")
    ItemFactory(organisation=org, code="HA02", name="玻尿酸旧", is_active=False)
    ItemFactory(code="HA03", name="玻尿酸")  # another organisation

    def found(q, **kwargs):
        return [item.code for item in selectors.item_search(actor, q, **kwargs)]

    assert found("玻尿酸") == ["HA01"]
    assert found("boniao") == ["HA01"]
    assert found("bns") == ["BNS", "HA01"]  # the exact code first, then by code
    assert found("ZT") == ["ZT01"]
    assert found("30g") == ["ZT01"]
    assert found("6901234567892") == ["HA01"]
    assert found("(01)06901234567892(10)LOT1") == ["HA01"]
    assert found("  ") == []
    assert found("a", limit=1) == ["BNS"]
    result = selectors.item_search(actor, "HA01")
    assert [(u.name, u.factor) for u in result[0].pack_units.all()] == [("盒", Decimal("10.000"))]
    assert selectors.item_for_scan(actor, "]C10106901234567892") == (ha, None)
    assert selectors.item_for_scan(actor, "nothing") is None


@pytest.mark.req("INV-02")
def test_unit_conversion(branch):
    item = ItemFactory(
        organisation=branch.organisation,
        name="玻尿酸",
        specification="1ml",
        pack_units=[("盒", 10), ("箱", "2.5")],
    )
    other = ItemFactory(organisation=branch.organisation, pack_units=[("盒", 5)])
    box, crate = item.pack_units.order_by("factor")[1], item.pack_units.order_by("factor")[0]
    assert (crate.name, box.name) == ("箱", "盒")
    assert selectors.unit_factor(item, None) == Decimal(1)
    assert selectors.unit_factor(item, box.pk) == Decimal("10.000")
    assert selectors.to_base_quantity(item, Decimal(2), box) == Decimal("20.000")
    assert selectors.to_base_quantity(item, Decimal("1.5"), crate.pk) == Decimal("3.750")
    assert selectors.to_base_quantity(item, Decimal("7"), None) == Decimal("7.000")
    foreign_unit = other.pack_units.get()
    with pytest.raises(ValidationError) as info:
        selectors.unit_factor(item, foreign_unit.pk)
    assert (info.value.field, info.value.message) == (
        "pack_unit",
        t("%(item)s has no unit with id %(unit)s.", item="玻尿酸 1ml", unit=foreign_unit.pk),
    )
    with pytest.raises(ValidationError) as info:
        selectors.to_base_quantity(item, Decimal(1), foreign_unit)
    assert info.value.message == t("%(item)s has no unit %(unit)s.", item="玻尿酸 1ml", unit="盒")
    with pytest.raises(ValidationError) as info:
        selectors.to_base_quantity(item, Decimal("0.0001"), crate)
    assert (info.value.field, info.value.message) == (
        "quantity",
        t(
            "%(quantity)s in this unit is not a whole number of thousandths of a %(unit)s.",
            quantity="0.0001",
            unit="支",
        ),
    )


@pytest.mark.req("INV-02")
def test_category_subtree(branch):
    org = branch.organisation
    root = ItemCategoryFactory(organisation=org, code="r")
    child = ItemCategoryFactory(organisation=org, code="c", parent=root)
    grandchild = ItemCategoryFactory(organisation=org, code="g", parent=child)
    ItemCategoryFactory(organisation=org, code="other")
    assert sorted(selectors.category_subtree_ids(root.pk)) == sorted([root.pk, child.pk, grandchild.pk])
    assert selectors.category_subtree_ids(grandchild.pk) == [grandchild.pk]
    actor = master_user(branch)
    listed = list(selectors.categories_for(actor))
    assert [c.code for c in listed] == ["other", "r", "c", "g"]  # tree order: order, then code
    assert selectors.category_path(listed[3]) == f"{root.name} / {child.name} / {grandchild.name}"


# --- certificates (SPD-01) ----------------------------------------------------------------------------


@pytest.mark.req("SPD-01")
def test_certificate_status(branch):
    today = datetime.date(2026, 3, 10)
    company = CompanyFactory(organisation=branch.organisation, certificates=[])

    def cert(number, expires_on, required=True):
        return CertificateFactory(
            company=company, number=number, expires_on=expires_on, is_required=required, kind="other"
        )

    expired = cert("expired", today - datetime.timedelta(days=1))
    today_last = cert("today", today)
    day_30 = cert("day30", today + datetime.timedelta(days=30))
    cert("day31", today + datetime.timedelta(days=31))
    cert("optional-expired", today - datetime.timedelta(days=5), required=False)
    cert("forever", None)
    assert selectors.certificate_status(company, today) == ([expired], [today_last, day_30])
    assert selectors.certificate_status(CompanyFactory(organisation=branch.organisation), today) == ([], [])


@pytest.mark.req("SPD-01")
def test_certificates_expiring(branch):
    today = timezone.localdate()
    org = branch.organisation
    a = CompanyFactory(
        organisation=org, code="A", certificates=[{"expires_on": today - datetime.timedelta(days=3)}]
    )
    b = CompanyFactory(
        organisation=org, code="B", certificates=[{"expires_on": today + datetime.timedelta(days=20)}]
    )
    CompanyFactory(organisation=org, code="C", certificates=[{"expires_on": None}])
    CompanyFactory(code="F", certificates=[{"expires_on": today}])  # another organisation
    actor = master_user(branch)
    assert [c.company for c in selectors.certificates_expiring_for(actor, on=today)] == [a, b]
    assert [c.company for c in selectors.certificates_expiring_for(actor, within_days=10, on=today)] == [a]
