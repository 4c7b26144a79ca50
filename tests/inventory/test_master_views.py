"""Pages of the inventory master data: warehouses and bins (INV-01), categories, items, pack units,
barcodes, levels and the item lookup (INV-02), suppliers, certificates and the expiry query
(SPD-01) — permission matrix, data scope, forms with inline errors, filters, query counts, menu."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from medspa.accounts.choices import DataScope
from medspa.core.menu import menu_for
from medspa.inventory.choices import CategoryKind
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
from tests.inventory.factories import (
    BinFactory,
    CompanyFactory,
    DepartmentWarehouseFactory,
    ItemBarcodeFactory,
    ItemCategoryFactory,
    ItemFactory,
    ManufacturerFactory,
    StockLevelFactory,
    WarehouseFactory,
)
from tests.inventory.test_master_support import ALL_PERMS, master_user, state
from tests.organization.factories import DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db

NS = "inventory_master"
GTIN14 = "06901234567892"


def url(name, *args):
    return reverse(f"{NS}:{name}", args=args)


def rows_of(response):
    return list(response.context["page"].object_list)


@pytest.fixture
def admin(branch):
    return master_user(branch, username="keeper")


@pytest.fixture
def objects(branch):
    org = branch.organisation
    warehouse = WarehouseFactory(branch=branch, code="WH01", name="中心库")
    bin_ = BinFactory(warehouse=warehouse, code="A-01")
    category = ItemCategoryFactory(organisation=org, code="drug", name="药品")
    item = ItemFactory(
        organisation=org, code="HA01", name="玻尿酸", category=category, pack_units=[("盒", 10)]
    )
    unit = item.pack_units.get()
    barcode = ItemBarcodeFactory(item=item, code=GTIN14)
    level = StockLevelFactory(item=item, warehouse=warehouse)
    company = CompanyFactory(organisation=org, code="SUP1", name="上海供应商")
    certificate = company.certificates.get()
    return {
        "warehouse": warehouse,
        "bin": bin_,
        "category": category,
        "item": item,
        "unit": unit,
        "barcode": barcode,
        "level": level,
        "company": company,
        "certificate": certificate,
    }


def pages(o):
    """(url, permissions needed, POST data or None for GET-only pages)"""
    wh, item, company = o["warehouse"], o["item"], o["company"]
    view_wh, view_item, view_co = "inventory.view_warehouse", "inventory.view_item", "inventory.view_company"
    return [
        (url("warehouse_list"), [view_wh], None),
        (
            url("warehouse_create"),
            [view_wh, "inventory.add_warehouse"],
            {"code": "N", "name": "新库", "kind": "central"},
        ),
        (url("warehouse_detail", wh.pk), [view_wh], None),
        (
            url("warehouse_edit", wh.pk),
            [view_wh, "inventory.change_warehouse"],
            {"code": "WH01", "name": "改", "kind": "central", "is_active": "on"},
        ),
        (url("warehouse_deactivate", wh.pk), [view_wh, "inventory.delete_warehouse"], {}),
        (url("bin_create", wh.pk), [view_wh, "inventory.add_bin"], {"code": "B-01"}),
        (
            url("bin_edit", o["bin"].pk),
            [view_wh, "inventory.change_bin"],
            {"code": "A-09", "is_active": "on"},
        ),
        (url("bin_deactivate", o["bin"].pk), [view_wh, "inventory.delete_bin"], {}),
        (url("category_list"), ["inventory.view_itemcategory"], None),
        (
            url("category_create"),
            ["inventory.view_itemcategory", "inventory.add_itemcategory"],
            {"code": "g", "name": "商品", "kind": "goods", "order": "0"},
        ),
        (url("category_detail", o["category"].pk), ["inventory.view_itemcategory"], None),
        (
            url("category_edit", o["category"].pk),
            ["inventory.view_itemcategory", "inventory.change_itemcategory"],
            {"code": "drug", "name": "药", "kind": "drug", "order": "0", "is_active": "on"},
        ),
        (
            url("category_deactivate", o["category"].pk),
            ["inventory.view_itemcategory", "inventory.delete_itemcategory"],
            None,
        ),
        (url("item_list"), [view_item], None),
        (url("item_lookup") + "?q=HA", [view_item], None),
        (
            url("item_create"),
            [view_item, "inventory.add_item"],
            {
                "code": "N1",
                "name": "新品",
                "base_unit": "支",
                "category": o["category"].pk,
                "storage_condition": "room",
                "is_lot_tracked": "on",
                "is_expiry_tracked": "on",
            },
        ),
        (url("item_detail", item.pk), [view_item], None),
        (
            url("item_edit", item.pk),
            [view_item, "inventory.change_item"],
            {
                "code": "HA01",
                "name": "改名",
                "base_unit": "支",
                "category": o["category"].pk,
                "storage_condition": "room",
                "is_lot_tracked": "on",
                "is_expiry_tracked": "on",
                "is_active": "on",
            },
        ),
        (url("item_deactivate", item.pk), [view_item, "inventory.delete_item"], {}),
        (
            url("packunit_create", item.pk),
            [view_item, "inventory.add_packunit"],
            {"name": "箱", "factor": "100"},
        ),
        (
            url("packunit_edit", o["unit"].pk),
            [view_item, "inventory.change_packunit"],
            {"name": "盒", "factor": "12"},
        ),
        (url("packunit_delete", o["unit"].pk), [view_item, "inventory.delete_packunit"], {}),
        (url("barcode_create", item.pk), [view_item, "inventory.add_itembarcode"], {"code": "HY-1"}),
        (url("barcode_edit", o["barcode"].pk), [view_item, "inventory.change_itembarcode"], {"code": "HY-2"}),
        (url("barcode_delete", o["barcode"].pk), [view_item, "inventory.delete_itembarcode"], {}),
        (
            url("level_create", item.pk),
            [view_item, "inventory.add_stocklevel"],
            {"warehouse": WarehouseFactory(branch=wh.branch).pk, "min_quantity": "1"},
        ),
        (url("level_edit", o["level"].pk), [view_item, "inventory.change_stocklevel"], {"min_quantity": "2"}),
        (url("level_delete", o["level"].pk), [view_item, "inventory.delete_stocklevel"], {}),
        (url("company_list"), [view_co], None),
        (
            url("company_create"),
            [view_co, "inventory.add_company"],
            {"code": "S2", "name": "供应商二", "is_supplier": "on"},
        ),
        (url("company_detail", company.pk), [view_co], None),
        (
            url("company_edit", company.pk),
            [view_co, "inventory.change_company"],
            {"code": "SUP1", "name": "改", "is_supplier": "on", "is_active": "on"},
        ),
        (url("company_deactivate", company.pk), [view_co, "inventory.delete_company"], {}),
        (
            url("certificate_create", company.pk),
            [view_co, "inventory.add_certificate"],
            {"kind": "other", "number": "X1"},
        ),
        (
            url("certificate_edit", o["certificate"].pk),
            [view_co, "inventory.change_certificate"],
            {"kind": "other", "number": "X2"},
        ),
        (url("certificate_delete", o["certificate"].pk), [view_co, "inventory.delete_certificate"], {}),
        (url("certificate_expiry"), [view_co, "inventory.view_certificate"], None),
    ]


@pytest.mark.req("INV-01", "INV-02", "SPD-01")
def test_pages_permission_matrix(client, logged_in, branch, objects):
    for page, perms, data in pages(objects):
        before = state()
        response = client.get(page)
        assert (response.status_code, response["Location"]) == (
            302,
            f"/accounts/login/?next={page.replace('?', '%3F').replace('=', '%3D')}",
        ), page
        if data is not None:
            assert client.post(page, data).status_code == 302, page
        for granted in ([], perms[:-1]):
            denied = logged_in(master_user(branch, granted))
            assert denied.get(page).status_code == 403, page
            if data is not None:
                assert denied.post(page, data).status_code == 403, page
            client.logout()
        assert state() == before, page
        allowed = logged_in(master_user(branch, perms))
        assert allowed.get(page).status_code == 200, page
        client.logout()


@pytest.mark.req("INV-01", "INV-02", "SPD-01")
def test_every_post_succeeds_with_its_permissions(client, logged_in, branch, objects):
    for page, perms, data in sorted(pages(objects), key=lambda p: "deactivate" in p[0] or "delete" in p[0]):
        if data is None:
            continue
        allowed = logged_in(master_user(branch, perms))
        response = allowed.post(page, data)
        assert response.status_code == 302, (page, response.content.decode()[:2000])
        client.logout()
    assert Warehouse.objects.get(code="N").name == "新库"
    assert Item.objects.get(code="HA01").is_active is False
    assert Company.objects.get(code="S2").is_supplier is True
    # the originals were edited and then removed; the rows added through the pages remain
    assert list(Certificate.objects.filter(company=objects["company"]).values_list("number", flat=True)) == [
        "X1"
    ]
    assert list(PackUnit.objects.filter(item=objects["item"]).values_list("name", flat=True)) == ["箱"]
    assert ItemBarcode.objects.filter(item=objects["item"]).values_list("code", flat=True).get() == "HY-1"
    assert StockLevel.objects.filter(item=objects["item"]).count() == 1


@pytest.mark.req("INV-01", "INV-02", "SPD-01")
def test_other_branch_and_organisation_rows_are_not_found(logged_in, admin, branch, other_branch):
    elsewhere = WarehouseFactory(branch=other_branch)
    far_bin = BinFactory(warehouse=elsewhere)
    foreign_item = ItemFactory(pack_units=[("盒", 10)])
    foreign_company = CompanyFactory()
    foreign_category = ItemCategoryFactory()
    foreign_level = StockLevelFactory(item=ItemFactory(organisation=branch.organisation), warehouse=elsewhere)
    client = logged_in(admin)
    before = state()
    for page in [
        url("warehouse_detail", elsewhere.pk),
        url("warehouse_edit", elsewhere.pk),
        url("warehouse_deactivate", elsewhere.pk),
        url("bin_create", elsewhere.pk),
        url("bin_edit", far_bin.pk),
        url("bin_deactivate", far_bin.pk),
        url("item_detail", foreign_item.pk),
        url("item_edit", foreign_item.pk),
        url("packunit_create", foreign_item.pk),
        url("packunit_edit", foreign_item.pack_units.get().pk),
        url("level_edit", foreign_level.pk),
        url("level_delete", foreign_level.pk),
        url("company_detail", foreign_company.pk),
        url("certificate_create", foreign_company.pk),
        url("certificate_delete", foreign_company.certificates.get().pk),
        url("category_edit", foreign_category.pk),
        url("item_detail", 999999),
    ]:
        assert client.get(page).status_code == 404, page
        if re.fullmatch(r".*/\d+/", page):
            continue  # detail pages are read-only
        assert (
            client.post(page, {"code": "X", "name": "x", "kind": "other", "number": "1"}).status_code == 404
        ), page
    assert state() == before


@pytest.mark.req("INV-01")
def test_department_keeper_sees_only_her_warehouses(logged_in, branch):
    aesthetics = DepartmentFactory(branch=branch, code="aes", name="医学美容科")
    skin = DepartmentFactory(branch=branch, code="skin", name="皮肤科")
    central = WarehouseFactory(branch=branch, code="C")
    mine = DepartmentWarehouseFactory(department=aesthetics, code="D1", name="美容科库")
    theirs = DepartmentWarehouseFactory(department=skin, code="D2")
    keeper = master_user(
        branch, scope=DataScope.DEPARTMENT, staff=StaffFactory(branch=branch, department=aesthetics)
    )
    client = logged_in(keeper)
    assert rows_of(client.get(url("warehouse_list"))) == [mine]
    for warehouse in (central, theirs):
        assert client.get(url("warehouse_detail", warehouse.pk)).status_code == 404
    page = client.get(url("warehouse_detail", mine.pk)).content.decode()
    assert "医学美容科" in page and 'data-testid="add-bins"' in page


@pytest.mark.req("INV-01")
def test_warehouse_pages_flow(logged_in, admin, branch):
    aesthetics = DepartmentFactory(branch=branch, code="aes", name="医学美容科")
    client = logged_in(admin)
    response = client.post(
        url("warehouse_create"),
        {
            "branch": branch.pk,
            "code": "D1",
            "name": "美容科库",
            "kind": "department",
            "department": aesthetics.pk,
            "address": "二楼",
        },
    )
    warehouse = Warehouse.objects.get(code="D1")
    assert (response.status_code, response["Location"]) == (302, url("warehouse_detail", warehouse.pk))
    assert (warehouse.kind, warehouse.department_id, warehouse.address) == (
        "department",
        aesthetics.pk,
        "二楼",
    )
    # inline error from the service, nothing written (htmx: 200 fragment; plain post: 422 page)
    before = state()
    bad = {"branch": branch.pk, "code": "D2", "name": "x", "kind": "department"}
    response = client.post(url("warehouse_create"), bad)
    assert response.status_code == 422
    assert gettext("Choose the department of the department warehouse.") in response.content.decode()
    response = client.post(url("warehouse_create"), bad, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    assert state() == before
    # a bin added from the detail page returns to it
    response = client.post(url("bin_create", warehouse.pk), {"code": "A-01", "name": "一号架"})
    assert (response.status_code, response["Location"]) == (302, url("warehouse_detail", warehouse.pk))
    bin_ = Bin.objects.get(warehouse=warehouse)
    response = client.post(url("bin_create", warehouse.pk), {"code": "a-01"})
    assert response.status_code == 422
    assert (
        gettext("Bin code %(code)s is already in use in this warehouse.") % {"code": "a-01"}
        in response.content.decode()
    )
    response = client.post(url("bin_edit", bin_.pk), {"code": "A-02", "name": "二号架", "is_active": "on"})
    assert response["Location"] == url("warehouse_detail", warehouse.pk)
    page = client.get(url("warehouse_detail", warehouse.pk)).content.decode()
    assert "A-02" in page and "二号架" in page and page.count('data-testid="bins-row"') == 1
    assert url("bin_edit", bin_.pk) in page and url("bin_deactivate", bin_.pk) in page
    response = client.post(url("bin_deactivate", bin_.pk))
    assert (response["Location"], Bin.objects.get(pk=bin_.pk).is_active) == (
        url("warehouse_detail", warehouse.pk),
        False,
    )
    # list filters: kind and department
    WarehouseFactory(branch=branch, code="C1")
    assert [w.code for w in rows_of(client.get(url("warehouse_list"), {"kind": "department"}))] == ["D1"]
    assert [w.code for w in rows_of(client.get(url("warehouse_list"), {"department": aesthetics.pk}))] == [
        "D1"
    ]
    assert [w.code for w in rows_of(client.get(url("warehouse_list"), {"is_active": "true"}))] == ["C1", "D1"]


@pytest.mark.req("INV-02")
def test_category_tree_page(logged_in, admin, branch):
    org = branch.organisation
    root = ItemCategoryFactory(
        organisation=org, code="consumable", name="耗材", kind=CategoryKind.LOW_VALUE, order=1
    )
    ItemCategoryFactory(organisation=org, code="syringe", name="注射器", parent=root)
    ItemCategoryFactory(organisation=org, code="drug", name="药品", order=0)
    client = logged_in(admin)
    page = client.get(url("category_list")).content.decode()
    assert page.index("药品") < page.index("耗材") < page.index("└ 注射器")
    response = client.post(
        url("category_create"),
        {"code": "gauze", "name": "纱布", "parent": root.pk, "kind": "drug", "order": "0"},
    )
    gauze = ItemCategory.objects.get(code="gauze")
    assert (response["Location"], gauze.kind, gauze.parent_id) == (
        url("category_detail", gauze.pk),
        "low_value",
        root.pk,
    )
    response = client.post(url("category_create"), {"code": "top", "name": "顶级", "order": "0"})
    assert response.status_code == 422
    assert gettext("Choose the kind of the top-level category.") in response.content.decode()
    detail = client.get(url("category_detail", root.pk)).content.decode()
    assert "注射器" in detail and "纱布" in detail and detail.count('data-testid="children-row"') == 2


@pytest.mark.req("INV-02")
def test_item_pages_flow(logged_in, admin, branch):
    org = branch.organisation
    category = ItemCategoryFactory(organisation=org, code="drug", name="药品")
    maker = ManufacturerFactory(organisation=org, name="华熙生物")
    vial = ItemFactory(organisation=org, code="VIAL", name="玻尿酸单支")
    warehouse = WarehouseFactory(branch=branch, name="中心库")
    client = logged_in(admin)
    form = client.get(url("item_create")).content.decode()
    assert "华熙生物" in form and 'name="is_active"' not in form
    response = client.post(
        url("item_create"),
        {
            "code": "BOX",
            "name": "玻尿酸盒装",
            "specification": "1ml×10",
            "base_unit": "盒",
            "category": category.pk,
            "manufacturer": maker.pk,
            "storage_condition": "cold",
            "purchase_price": "980.00",
            "is_lot_tracked": "on",
            "is_expiry_tracked": "on",
            "unpack_item": "VIAL",
            "unpack_quantity": "10",
        },
    )
    item = Item.objects.get(code="BOX")
    assert response["Location"] == url("item_detail", item.pk)
    assert (item.unpack_item_id, item.unpack_quantity, item.purchase_price, item.manufacturer_id) == (
        vial.pk,
        Decimal("10.000"),
        Decimal("980.00"),
        maker.pk,
    )
    response = client.post(
        url("item_create"),
        {
            "code": "X",
            "name": "x",
            "base_unit": "支",
            "category": category.pk,
            "storage_condition": "room",
            "unpack_item": "NOPE",
            "unpack_quantity": "1",
        },
    )
    assert response.status_code == 422 and gettext("No item has that code.") in response.content.decode()
    edit = client.get(url("item_edit", item.pk)).content.decode()
    assert 'value="VIAL"' in edit and 'name="is_active"' in edit
    # pack unit, barcode and level from the detail page
    assert client.post(url("packunit_create", item.pk), {"name": "箱", "factor": "20"})["Location"] == url(
        "item_detail", item.pk
    )
    crate = PackUnit.objects.get(item=item)
    barcode_form = client.get(url("barcode_create", item.pk)).content.decode()
    assert gettext("%(unit)s (base unit)") % {"unit": "盒"} in barcode_form
    response = client.post(url("barcode_create", item.pk), {"code": "6901234567891"})
    assert response.status_code == 422
    assert (
        gettext("%(code)s is not a valid GTIN: the check digit is wrong.") % {"code": "6901234567891"}
        in response.content.decode()
    )
    client.post(url("barcode_create", item.pk), {"code": "6901234567892", "pack_unit": crate.pk})
    assert ItemBarcode.objects.get(item=item).code == GTIN14
    other = ItemFactory(organisation=org, code="OTHER")
    response = client.post(url("barcode_create", other.pk), {"code": GTIN14})
    message = gettext("Barcode %(code)s already belongs to %(code_of_item)s %(item)s.") % {
        "code": GTIN14,
        "code_of_item": "BOX",
        "item": str(item),
    }
    assert response.status_code == 422 and message in response.content.decode()
    response = client.post(
        url("level_create", item.pk), {"warehouse": warehouse.pk, "min_quantity": "5", "max_quantity": "2"}
    )
    assert (
        response.status_code == 422
        and gettext("The maximum cannot be below the minimum.") in response.content.decode()
    )
    client.post(
        url("level_create", item.pk), {"warehouse": warehouse.pk, "min_quantity": "5", "max_quantity": "20"}
    )
    detail = client.get(url("item_detail", item.pk)).content.decode()
    assert "1 箱 = 20 盒" in detail and GTIN14 in detail and "中心库" in detail and "¥980.00" in detail
    assert (
        detail.count('data-testid="pack-units-row"')
        == detail.count('data-testid="barcodes-row"')
        == detail.count('data-testid="levels-row"')
        == 1
    )


@pytest.mark.req("INV-02")
def test_item_detail_hides_buttons_without_permissions(logged_in, branch, objects):
    reader = logged_in(master_user(branch, ["inventory.view_item"]))
    page = reader.get(url("item_detail", objects["item"].pk)).content.decode()
    for testid in (
        "edit",
        "deactivate",
        "add-pack-units",
        "add-barcodes",
        "add-levels",
        "edit-barcodes",
        "remove-levels",
    ):
        assert f'data-testid="{testid}"' not in page, testid
    assert GTIN14 in page


@pytest.mark.req("INV-02")
def test_item_list_search_and_filters(logged_in, admin, branch):
    org = branch.organisation
    drugs = ItemCategoryFactory(organisation=org, code="drug", name="药品")
    injections = ItemCategoryFactory(organisation=org, code="inj", name="注射剂", parent=drugs)
    goods = ItemCategoryFactory(organisation=org, code="goods", name="商品", kind=CategoryKind.GOODS)
    ha = ItemFactory(organisation=org, code="HA01", name="玻尿酸", category=injections)
    ItemBarcodeFactory(item=ha, code=GTIN14)
    ItemFactory(organisation=org, code="BT01", name="肉毒素", category=drugs, is_serial_tracked=True)
    ItemFactory(
        organisation=org,
        code="MK01",
        name="面膜",
        category=goods,
        is_lot_tracked=False,
        is_expiry_tracked=False,
        is_active=False,
    )
    client = logged_in(admin)

    def codes(**params):
        return [item.code for item in rows_of(client.get(url("item_list"), params))]

    assert codes() == ["BT01", "HA01", "MK01"]
    assert codes(q="bns") == ["HA01"]
    assert codes(q="rou") == ["BT01"]
    assert codes(q="6901234567892") == ["HA01"]
    assert codes(category=drugs.pk) == ["BT01", "HA01"]
    assert codes(category=injections.pk) == ["HA01"]
    assert codes(kind="goods") == ["MK01"]
    assert codes(is_serial_tracked="true") == ["BT01"]
    assert codes(is_lot_tracked="false") == ["MK01"]
    assert codes(is_active="true") == ["BT01", "HA01"]


@pytest.mark.req("INV-02")
def test_item_lookup(client, logged_in, admin, branch):
    ha = ItemFactory(
        organisation=branch.organisation,
        code="HA01",
        name="玻尿酸",
        specification="1ml",
        pack_units=[("盒", 10)],
    )
    ItemFactory(organisation=branch.organisation, code="HA02", name="玻尿酸旧", is_active=False)
    lookup = url("item_lookup")
    assert client.get(lookup, {"q": "HA"})["Location"].startswith("/accounts/login/")
    assert logged_in(master_user(branch, [])).get(lookup, {"q": "HA"}).status_code == 403
    client.logout()
    response = logged_in(admin).get(lookup, {"q": "bns"})
    unit = ha.pack_units.get()
    assert (response.status_code, response.json()) == (
        200,
        [
            {
                "id": ha.pk,
                "code": "HA01",
                "name": "玻尿酸",
                "specification": "1ml",
                "base_unit": "支",
                "pack_units": [{"id": unit.pk, "name": "盒", "factor": "10.000"}],
            }
        ],
    )
    assert client.get(lookup, {"q": ""}).json() == []
    assert client.get(lookup, {"q": "HA", "limit": "x"}).status_code == 200


@pytest.mark.req("SPD-01")
def test_company_pages_flow(logged_in, admin, branch):
    client = logged_in(admin)
    response = client.post(
        url("company_create"),
        {"code": "S1", "name": "上海医疗器械有限公司", "is_manufacturer": "on", "phone": "021-12345678"},
    )
    company = Company.objects.get(code="S1")
    assert (response["Location"], company.is_supplier, company.is_manufacturer, company.phone) == (
        url("company_detail", company.pk),
        False,
        True,
        "021-12345678",
    )
    response = client.post(url("company_create"), {"code": "S2", "name": "x"})
    assert (
        response.status_code == 422
        and gettext("Tick supplier, manufacturer or both.") in response.content.decode()
    )
    response = client.post(
        url("certificate_create", company.pk),
        {
            "kind": "business_licence",
            "number": "91310000MA1K4ABC81",
            "issued_on": "2020-01-01",
            "expires_on": "2019-01-01",
            "is_required": "on",
        },
    )
    assert (
        response.status_code == 422
        and gettext("The expiry date cannot be before the issue date.") in response.content.decode()
    )
    response = client.post(
        url("certificate_create", company.pk),
        {
            "kind": "business_licence",
            "number": "91310000MA1K4ABC81",
            "issued_on": "2020-01-01",
            "is_required": "on",
        },
    )
    assert response["Location"] == url("company_detail", company.pk)
    cert = Certificate.objects.get(company=company)
    assert (cert.expires_on, cert.is_required) == (None, True)
    client.post(
        url("certificate_edit", cert.pk),
        {"kind": "business_licence", "number": "91310000MA1K4ABC81", "expires_on": "2020-01-02"},
    )
    page = client.get(url("company_detail", company.pk)).content.decode()
    assert (
        "2020-01-02" in page
        and gettext("Expired") in page
        and page.count('data-testid="certificates-row"') == 1
    )
    assert client.post(url("certificate_delete", cert.pk))["Location"] == url("company_detail", company.pk)
    assert Certificate.objects.filter(company=company).count() == 0
    CompanyFactory(organisation=branch.organisation, code="S3", name="北京供应商")
    assert [c.code for c in rows_of(client.get(url("company_list"), {"role": "manufacturer"}))] == ["S1"]
    assert [c.code for c in rows_of(client.get(url("company_list"), {"q": "bjgys"}))] == ["S3"]


@pytest.mark.req("SPD-01")
def test_certificate_expiry_page(logged_in, admin, branch):
    today = timezone.localdate()
    org = branch.organisation

    def company(code, days, **extra):
        expires = None if days is None else today + datetime.timedelta(days=days)
        return CompanyFactory(organisation=org, code=code, certificates=[{"expires_on": expires, **extra}])

    company("EXP", -2)
    company("D10", 10)
    company("D30", 30)
    company("D60", 60)
    company("NONE", None)
    company("OPT", 5, is_required=False)
    CompanyFactory(code="FAR", certificates=[{"expires_on": today}])  # another organisation
    client = logged_in(admin)

    def codes(**params):
        return [c.company.code for c in rows_of(client.get(url("certificate_expiry"), params))]

    assert codes() == ["EXP", "OPT", "D10", "D30"]
    assert codes(within_days="60") == ["EXP", "OPT", "D10", "D30", "D60"]
    assert codes(within_days="0") == ["EXP"]
    assert codes(is_required="true") == ["EXP", "D10", "D30"]
    page = client.get(url("certificate_expiry")).content.decode()
    assert 'name="within_days" value="30"' in page and gettext("Expired") in page
    response = client.get(url("certificate_expiry"), {"within_days": "-1"})
    assert (response.status_code, rows_of(response)) == (200, [])


@pytest.mark.req("INV-01", "INV-02", "SPD-01")
@pytest.mark.parametrize(
    ("name", "queries"),
    [
        ("warehouse_list", 10),
        ("category_list", 8),
        ("item_list", 10),
        ("company_list", 8),
        ("certificate_expiry", 8),
    ],
)
@pytest.mark.parametrize("n", [3, 15])
def test_list_query_counts(logged_in, admin, branch, django_assert_num_queries, name, queries, n):
    org = branch.organisation
    today = timezone.localdate()
    parent = ItemCategoryFactory(organisation=org, code="root")
    for i in range(n):
        department = DepartmentFactory(branch=branch)
        DepartmentWarehouseFactory(department=department)
        category = ItemCategoryFactory(organisation=org, parent=parent)
        ItemFactory(organisation=org, category=category, manufacturer=ManufacturerFactory(organisation=org))
        CompanyFactory(organisation=org, certificates=[{"expires_on": today + datetime.timedelta(days=i)}])
    client = logged_in(admin)
    client.get(url(name))
    with django_assert_num_queries(queries):
        response = client.get(url(name))
    expected = {"category_list": n + 1, "company_list": 2 * n, "item_list": n}.get(name, n)
    assert (response.status_code, response.context["paginator"].count) == (200, expected)


@pytest.mark.req("INV-01", "INV-02", "SPD-01")
def test_menu_entries(branch):
    keeper = master_user(branch, ALL_PERMS)
    groups = {
        str(group.label): [(item.key, item.order) for item in group.items] for group in menu_for(keeper)
    }
    entries = [entry for entry in groups[gettext("Inventory")] if 580 <= entry[1] <= 588]
    assert entries == [
        ("inventory-items", 580),
        ("inventory-categories", 582),
        ("inventory-warehouses", 584),
        ("inventory-suppliers", 586),
        ("inventory-certificate-expiry", 588),
    ]
    reader = master_user(branch, ["inventory.view_item"])
    keys = [item.key for group in menu_for(reader) for item in group.items]
    assert (
        "inventory-items" in keys
        and "inventory-warehouses" not in keys
        and "inventory-certificate-expiry" not in keys
    )
