"""The inventory master API: /api/v1/inventory/warehouses (+ bins) (INV-01), /inventory/categories and
/inventory/items (INV-02), /inventory/suppliers (+ certificates) (SPD-01) — exact bodies, problem
JSON for bad input with nothing written, permission matrix, data scope, query counts."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

from medspa.accounts import services as account_services
from medspa.accounts.choices import DataScope
from medspa.inventory.models import Bin, Certificate, Company, Item, ItemCategory, Warehouse
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
from tests.inventory.test_master_support import PROBLEM, errors_of, master_user, send, state
from tests.organization.factories import DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/inventory"
GTIN14 = "06901234567892"


def iso(value):
    return timezone.localtime(value).isoformat()


@pytest.fixture
def admin(branch):
    return master_user(branch, username="keeper")


@pytest.fixture
def objects(branch):
    org = branch.organisation
    warehouse = WarehouseFactory(branch=branch, code="WH01")
    category = ItemCategoryFactory(organisation=org, code="drug")
    item = ItemFactory(organisation=org, code="HA01", category=category)
    company = CompanyFactory(organisation=org, code="SUP1")
    return warehouse, category, item, company


def endpoints(warehouse, category, item, company):
    """(method, url, body, permissions needed)"""
    return [
        ("get", f"{API}/warehouses", None, ["inventory.view_warehouse"]),
        ("post", f"{API}/warehouses", {"code": "N", "name": "新库"}, ["inventory.add_warehouse"]),
        ("get", f"{API}/warehouses/{warehouse.pk}", None, ["inventory.view_warehouse"]),
        ("patch", f"{API}/warehouses/{warehouse.pk}", {"name": "改"}, ["inventory.change_warehouse"]),
        ("get", f"{API}/warehouses/{warehouse.pk}/bins", None, ["inventory.view_warehouse"]),
        ("post", f"{API}/warehouses/{warehouse.pk}/bins", {"code": "A-01"}, ["inventory.add_bin"]),
        ("get", f"{API}/categories", None, ["inventory.view_itemcategory"]),
        (
            "post",
            f"{API}/categories",
            {"code": "g", "name": "商品", "kind": "goods"},
            ["inventory.add_itemcategory"],
        ),
        ("get", f"{API}/items", None, ["inventory.view_item"]),
        (
            "post",
            f"{API}/items",
            {"code": "N1", "name": "新品", "base_unit": "支", "category_id": category.pk},
            ["inventory.add_item"],
        ),
        ("get", f"{API}/items/{item.pk}", None, ["inventory.view_item"]),
        ("patch", f"{API}/items/{item.pk}", {"name": "改"}, ["inventory.change_item"]),
        ("get", f"{API}/suppliers", None, ["inventory.view_company"]),
        ("post", f"{API}/suppliers", {"code": "S2", "name": "供应商二"}, ["inventory.add_company"]),
        ("get", f"{API}/suppliers/{company.pk}", None, ["inventory.view_company"]),
        ("patch", f"{API}/suppliers/{company.pk}", {"contact": "王"}, ["inventory.change_company"]),
        (
            "get",
            f"{API}/suppliers/{company.pk}/certificates",
            None,
            ["inventory.view_company", "inventory.view_certificate"],
        ),
        (
            "post",
            f"{API}/suppliers/{company.pk}/certificates",
            {"kind": "other", "number": "X1"},
            ["inventory.add_certificate"],
        ),
    ]


@pytest.mark.req("INV-01", "INV-02", "SPD-01")
def test_api_permission_matrix(client, logged_in, branch, objects):
    for method, url, body, perms in endpoints(*objects):
        before = state()
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), url
        denied = logged_in(master_user(branch, perms[:-1]))
        response = send(denied, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (403, PROBLEM), (method, url)
        assert state() == before, (method, url)
        client.logout()
        allowed = logged_in(master_user(branch, perms))
        response = send(allowed, method, url, body)
        assert response.status_code == (201 if method == "post" else 200), (method, url, response.content)
        client.logout()


@pytest.mark.req("INV-01", "INV-02", "SPD-01")
def test_other_branch_and_organisation_are_not_found(logged_in, admin, branch, other_branch):
    elsewhere = WarehouseFactory(branch=other_branch)
    foreign_item, foreign_company = ItemFactory(), CompanyFactory()
    client = logged_in(admin)
    before = state()
    for method, url, body in [
        ("get", f"{API}/warehouses/{elsewhere.pk}", None),
        ("patch", f"{API}/warehouses/{elsewhere.pk}", {"name": "x"}),
        ("get", f"{API}/warehouses/{elsewhere.pk}/bins", None),
        ("post", f"{API}/warehouses/{elsewhere.pk}/bins", {"code": "A"}),
        ("get", f"{API}/items/{foreign_item.pk}", None),
        ("patch", f"{API}/items/{foreign_item.pk}", {"name": "x"}),
        ("get", f"{API}/suppliers/{foreign_company.pk}", None),
        ("patch", f"{API}/suppliers/{foreign_company.pk}", {"name": "x"}),
        ("get", f"{API}/suppliers/{foreign_company.pk}/certificates", None),
        ("post", f"{API}/suppliers/{foreign_company.pk}/certificates", {"kind": "other", "number": "1"}),
        ("get", f"{API}/items/-1", None),
    ]:
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (404, PROBLEM), (method, url)
    assert state() == before
    assert send(client, "get", f"{API}/warehouses").json() == {"items": [], "count": 0}
    assert send(client, "get", f"{API}/items").json() == {"items": [], "count": 0}


# --- warehouses and bins (INV-01) ---------------------------------------------------------------------


@pytest.mark.req("INV-01")
def test_warehouse_endpoints(logged_in, admin, branch):
    aesthetics = DepartmentFactory(branch=branch, code="aes", name="医学美容科")
    client = logged_in(admin)
    response = send(
        client,
        "post",
        f"{API}/warehouses",
        {
            "code": "D1",
            "name": "美容科库",
            "kind": "department",
            "department_id": aesthetics.pk,
            "address": "二楼",
        },
    )
    warehouse = Warehouse.objects.get(code="D1")
    expected = {
        "id": warehouse.pk,
        "branch_id": branch.pk,
        "code": "D1",
        "name": "美容科库",
        "kind": "department",
        "department_id": aesthetics.pk,
        "address": "二楼",
        "is_active": True,
        "created_at": iso(warehouse.created_at),
        "updated_at": iso(warehouse.updated_at),
    }
    assert (response.status_code, response.json()) == (201, expected)
    assert send(client, "get", f"{API}/warehouses/{warehouse.pk}").json() == expected
    # turning it into a central warehouse drops the department
    response = send(
        client, "patch", f"{API}/warehouses/{warehouse.pk}", {"kind": "central", "name": "中心库"}
    )
    body = response.json()
    assert (response.status_code, body["kind"], body["department_id"], body["name"], body["address"]) == (
        200,
        "central",
        None,
        "中心库",
        "二楼",
    )
    response = send(client, "patch", f"{API}/warehouses/{warehouse.pk}", {"is_active": False})
    assert (response.status_code, response.json()["is_active"]) == (200, False)
    before = state()
    response = send(client, "patch", f"{API}/warehouses/{warehouse.pk}", {"department_id": aesthetics.pk})
    assert (response.status_code, response["Content-Type"], errors_of(response)) == (
        422,
        PROBLEM,
        [("department", gettext("A central warehouse belongs to no department."))],
    )
    response = send(client, "post", f"{API}/warehouses", {"code": "D1", "name": "x"})
    assert errors_of(response) == [
        ("code", gettext("Warehouse code %(code)s is already in use in this branch.") % {"code": "D1"})
    ]
    response = send(client, "post", f"{API}/warehouses", {"code": "", "name": "x"})
    assert (response.status_code, errors_of(response)) == (
        422,
        [("code", gettext("Ensure this value has at least %(limit)s characters.") % {"limit": 1})],
    )
    assert state() == before
    WarehouseFactory(branch=branch, code="C2")
    listed = send(client, "get", f"{API}/warehouses?is_active=true").json()
    assert (listed["count"], [w["code"] for w in listed["items"]]) == (1, ["C2"])
    assert [w["code"] for w in send(client, "get", f"{API}/warehouses?kind=central").json()["items"]] == [
        "C2",
        "D1",
    ]


@pytest.mark.req("INV-01")
def test_bin_endpoints(logged_in, admin, branch):
    warehouse = WarehouseFactory(branch=branch)
    BinFactory(warehouse=warehouse, code="A-01", name="一号架")
    BinFactory(warehouse=WarehouseFactory(branch=branch), code="Z-99")
    client = logged_in(admin)
    response = send(
        client, "post", f"{API}/warehouses/{warehouse.pk}/bins", {"code": "A-02", "name": "二号架"}
    )
    created = Bin.objects.get(code="A-02")
    assert (response.status_code, response.json()) == (
        201,
        {"id": created.pk, "warehouse_id": warehouse.pk, "code": "A-02", "name": "二号架", "is_active": True},
    )
    listed = send(client, "get", f"{API}/warehouses/{warehouse.pk}/bins").json()
    assert (listed["count"], [b["code"] for b in listed["items"]]) == (2, ["A-01", "A-02"])
    assert [
        b["code"] for b in send(client, "get", f"{API}/warehouses/{warehouse.pk}/bins?q=一号").json()["items"]
    ] == ["A-01"]
    before = state()
    response = send(client, "post", f"{API}/warehouses/{warehouse.pk}/bins", {"code": "a-01"})
    assert (response.status_code, errors_of(response)) == (
        422,
        [("code", gettext("Bin code %(code)s is already in use in this warehouse.") % {"code": "a-01"})],
    )
    assert state() == before


@pytest.mark.req("INV-01")
def test_department_keeper_lists_only_her_warehouses(logged_in, branch):
    aesthetics = DepartmentFactory(branch=branch, code="aes", name="医学美容科")
    WarehouseFactory(branch=branch, code="C")
    mine = DepartmentWarehouseFactory(department=aesthetics, code="D1")
    DepartmentWarehouseFactory(department=DepartmentFactory(branch=branch), code="D2")
    keeper = master_user(
        branch, scope=DataScope.DEPARTMENT, staff=StaffFactory(branch=branch, department=aesthetics)
    )
    listed = send(logged_in(keeper), "get", f"{API}/warehouses").json()
    assert (listed["count"], [w["id"] for w in listed["items"]]) == (1, [mine.pk])


# --- categories and items (INV-02) --------------------------------------------------------------------


@pytest.mark.req("INV-02")
def test_category_endpoints(logged_in, admin, branch):
    client = logged_in(admin)
    root = send(
        client, "post", f"{API}/categories", {"code": "cons", "name": "耗材", "kind": "low_value", "order": 2}
    )
    assert root.status_code == 201
    root_id = root.json()["id"]
    child = send(client, "post", f"{API}/categories", {"code": "syr", "name": "注射器", "parent_id": root_id})
    created = ItemCategory.objects.get(code="syr")
    assert (child.status_code, child.json()) == (
        201,
        {
            "id": created.pk,
            "parent_id": root_id,
            "code": "syr",
            "name": "注射器",
            "kind": "low_value",
            "order": 0,
            "is_active": True,
        },
    )
    send(client, "post", f"{API}/categories", {"code": "drug", "name": "药品", "kind": "drug"})
    listed = send(client, "get", f"{API}/categories").json()
    assert [c["code"] for c in listed["items"]] == ["drug", "cons", "syr"]
    assert [c["code"] for c in send(client, "get", f"{API}/categories?kind=low_value").json()["items"]] == [
        "cons",
        "syr",
    ]
    before = state()
    response = send(client, "post", f"{API}/categories", {"code": "x", "name": "x", "kind": "tools"})
    assert errors_of(response) == [("kind", gettext("Choose the kind of the top-level category."))]
    assert state() == before


@pytest.mark.req("INV-02")
def test_item_endpoints(logged_in, admin, branch):
    org = branch.organisation
    category = ItemCategoryFactory(organisation=org, code="drug")
    maker = ManufacturerFactory(organisation=org)
    warehouse = WarehouseFactory(branch=branch)
    hidden = DepartmentWarehouseFactory(department=DepartmentFactory(branch=branch))
    client = logged_in(admin)
    body = {
        "code": "HA01",
        "name": "玻尿酸",
        "specification": "1ml",
        "base_unit": "支",
        "category_id": category.pk,
        "manufacturer_id": maker.pk,
        "registration_no": "国械注准20203130001",
        "registration_expires_on": "2030-01-01",
        "storage_condition": "cold",
        "shelf_life_days": 730,
        "purchase_price": "120.5",
        "pack_units": [{"name": "盒", "factor": "10"}, {"name": "箱", "factor": 100}],
        "barcodes": [{"code": "6901234567892"}, {"code": "HY-BOX", "pack_unit": "盒"}],
        "levels": [{"warehouse_id": warehouse.pk, "min_quantity": "5", "max_quantity": 50}],
    }
    response = send(client, "post", f"{API}/items", body)
    assert response.status_code == 201, response.content
    item = Item.objects.get(code="HA01")
    box, crate = item.pack_units.order_by("factor")
    level = item.levels.get()
    barcodes = {b.code: b.pk for b in item.barcodes.all()}
    expected = {
        "id": item.pk,
        "code": "HA01",
        "name": "玻尿酸",
        "specification": "1ml",
        "base_unit": "支",
        "category_id": category.pk,
        "manufacturer_id": maker.pk,
        "registration_no": "国械注准20203130001",
        "registration_expires_on": "2030-01-01",
        "storage_condition": "cold",
        "shelf_life_days": 730,
        "purchase_price": "120.50",
        "is_lot_tracked": True,
        "is_expiry_tracked": True,
        "is_serial_tracked": False,
        "unpack_item_id": None,
        "unpack_quantity": None,
        "is_active": True,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "pack_units": [
            {"id": box.pk, "name": "盒", "factor": "10.000"},
            {"id": crate.pk, "name": "箱", "factor": "100.000"},
        ],
        "barcodes": [
            {"id": barcodes[GTIN14], "code": GTIN14, "pack_unit_id": None},
            {"id": barcodes["HY-BOX"], "code": "HY-BOX", "pack_unit_id": box.pk},
        ],
        "levels": [
            {"id": level.pk, "warehouse_id": warehouse.pk, "min_quantity": "5.000", "max_quantity": "50.000"}
        ],
    }
    assert response.json() == expected
    # levels of warehouses the actor does not see stay hidden
    StockLevelFactory(item=item, warehouse=hidden)
    nurse = master_user(branch, scope=DataScope.DEPARTMENT, staff=StaffFactory(branch=branch))
    client.logout()
    assert send(logged_in(nurse), "get", f"{API}/items/{item.pk}").json()["levels"] == []
    client.logout()
    client = logged_in(admin)
    detail = send(client, "get", f"{API}/items/{item.pk}").json()
    assert [lv["warehouse_id"] for lv in detail["levels"]] == [warehouse.pk, hidden.pk]
    # PATCH changes only what was sent; null clears
    response = send(
        client, "patch", f"{API}/items/{item.pk}", {"name": "玻尿酸注射液", "manufacturer_id": None}
    )
    body_after = response.json()
    assert (
        response.status_code,
        body_after["name"],
        body_after["manufacturer_id"],
        body_after["purchase_price"],
    ) == (
        200,
        "玻尿酸注射液",
        None,
        "120.50",
    )
    assert Item.objects.get(pk=item.pk).pinyin == "boniaosuanzhusheye bnszsy"
    listed = send(client, "get", f"{API}/items?q=bnszsy").json()
    assert (listed["count"], listed["items"][0]["code"], "pack_units" in listed["items"][0]) == (
        1,
        "HA01",
        False,
    )
    assert send(client, "get", f"{API}/items?q={GTIN14}").json()["count"] == 1
    assert (
        send(client, "get", f"{API}/items?category={category.pk}&is_serial_tracked=false").json()["count"]
        == 1
    )
    assert send(client, "get", f"{API}/items?is_serial_tracked=true").json()["count"] == 0


@pytest.mark.req("INV-02")
@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"base_unit": "支", "pack_units": [{"name": "支", "factor": 1}]}, "pack_units.0.name", "base"),
        ({"barcodes": [{"code": "6901234567891"}]}, "barcodes.0.code", "check"),
        ({"barcodes": [{"code": "HY-1", "pack_unit": "箱"}]}, "barcodes.0.pack_unit", "unit"),
        ({"levels": [{"warehouse_id": -1}]}, "levels.0.warehouse_id", "warehouse"),
        (
            {"is_serial_tracked": True, "is_lot_tracked": False, "is_expiry_tracked": False},
            "is_lot_tracked",
            "serial",
        ),
        ({"purchase_price": "1.005"}, "purchase_price", None),
    ],
)
def test_item_bad_input(logged_in, admin, branch, extra, field, message):
    category = ItemCategoryFactory(organisation=branch.organisation)
    messages = {
        "base": gettext("%(unit)s is the base unit already; a pack unit needs another name.")
        % {"unit": "支"},
        "check": gettext("%(code)s is not a valid GTIN: the check digit is wrong.")
        % {"code": "6901234567891"},
        "unit": gettext("The item has no unit %(unit)s.") % {"unit": "箱"},
        "warehouse": gettext("Choose one of your warehouses."),
        "serial": gettext("A serial-tracked item must also be lot tracked."),
    }
    client = logged_in(admin)
    before = state()
    body = {"code": "N1", "name": "新品", "base_unit": "支", "category_id": category.pk, **extra}
    response = send(client, "post", f"{API}/items", body)
    if message is None:  # money is rounded to the fen, half up
        assert (response.status_code, response.json()["purchase_price"]) == (201, "1.01")
        return
    assert (response.status_code, response["Content-Type"], errors_of(response)) == (
        422,
        PROBLEM,
        [(field, messages[message])],
    )
    assert state() == before


# --- suppliers and certificates (SPD-01) --------------------------------------------------------------


@pytest.mark.req("SPD-01")
def test_supplier_endpoints(logged_in, admin, branch):
    client = logged_in(admin)
    response = send(
        client,
        "post",
        f"{API}/suppliers",
        {
            "code": "SUP1",
            "name": "上海医疗器械有限公司",
            "is_manufacturer": True,
            "credit_code": "91310000MA1K4ABC81",
            "phone": "13800138000",
            "certificates": [
                {"kind": "business_licence", "number": "91310000MA1K4ABC81"},
                {
                    "kind": "device_operation",
                    "number": "沪械经营20190001",
                    "expires_on": "2027-06-30",
                    "is_required": True,
                },
            ],
        },
    )
    company = Company.objects.get(code="SUP1")
    expected = {
        "id": company.pk,
        "code": "SUP1",
        "name": "上海医疗器械有限公司",
        "is_supplier": True,
        "is_manufacturer": True,
        "credit_code": "91310000MA1K4ABC81",
        "contact": "",
        "phone": "13800138000",
        "address": "",
        "is_active": True,
        "created_at": iso(company.created_at),
        "updated_at": iso(company.updated_at),
    }
    assert (response.status_code, response.json()) == (201, expected)
    assert send(client, "get", f"{API}/suppliers/{company.pk}").json() == expected
    certs = send(client, "get", f"{API}/suppliers/{company.pk}/certificates").json()
    licence = Certificate.objects.get(company=company, kind="business_licence")
    operation = Certificate.objects.get(company=company, kind="device_operation")
    assert certs["count"] == 2 and certs["items"][0] == {
        "id": operation.pk,
        "company_id": company.pk,
        "kind": "device_operation",
        "number": "沪械经营20190001",
        "scope": "",
        "issued_on": None,
        "expires_on": "2027-06-30",
        "is_required": True,
        "created_at": iso(operation.created_at),
        "updated_at": iso(operation.updated_at),
    }
    assert certs["items"][1]["id"] == licence.pk  # no expiry: last
    kind_filtered = send(
        client, "get", f"{API}/suppliers/{company.pk}/certificates?kind=business_licence"
    ).json()
    assert [c["id"] for c in kind_filtered["items"]] == [licence.pk]
    response = send(
        client,
        "post",
        f"{API}/suppliers/{company.pk}/certificates",
        {
            "kind": "authorisation",
            "number": "SQ-1",
            "issued_on": "2025-01-01",
            "expires_on": "2026-01-01",
            "is_required": False,
        },
    )
    assert (response.status_code, response.json()["expires_on"], response.json()["is_required"]) == (
        201,
        "2026-01-01",
        False,
    )
    response = send(
        client, "patch", f"{API}/suppliers/{company.pk}", {"contact": "王经理", "is_supplier": False}
    )
    assert (response.status_code, response.json()["contact"], response.json()["is_supplier"]) == (
        200,
        "王经理",
        False,
    )
    CompanyFactory(organisation=branch.organisation, code="SUP2")
    assert [c["code"] for c in send(client, "get", f"{API}/suppliers?role=supplier").json()["items"]] == [
        "SUP2"
    ]
    assert [c["code"] for c in send(client, "get", f"{API}/suppliers?role=manufacturer").json()["items"]] == [
        "SUP1"
    ]
    assert [c["code"] for c in send(client, "get", f"{API}/suppliers?q=shylqx").json()["items"]] == ["SUP1"]
    before = state()
    response = send(client, "patch", f"{API}/suppliers/{company.pk}", {"is_manufacturer": False})
    assert errors_of(response) == [("is_supplier", gettext("Tick supplier, manufacturer or both."))]
    response = send(
        client,
        "post",
        f"{API}/suppliers",
        {"code": "S3", "name": "x", "certificates": [{"kind": "licence", "number": "1"}]},
    )
    assert errors_of(response) == [
        ("certificates.0.kind", gettext("Choose a certificate kind from the list."))
    ]
    response = send(
        client, "post", f"{API}/suppliers?role=x", {"code": "S3", "name": "x", "is_supplier": "maybe"}
    )
    assert response.status_code == 422
    assert state() == before


@pytest.mark.req("INV-01", "INV-02", "SPD-01")
def test_bearer_token_works(branch):
    user = master_user(branch, ["inventory.view_item", "accounts.add_apitoken"])
    secret = account_services.api_token_create(actor=user, name="t", days=1).secret
    response = Client().get(f"{API}/items", headers={"Authorization": f"Bearer {secret}"})
    assert (response.status_code, response.json()) == (200, {"items": [], "count": 0})


# --- query counts -------------------------------------------------------------------------------------


@pytest.mark.req("INV-01", "INV-02", "SPD-01")
@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("warehouses", 8),
        ("warehouses/{warehouse}/bins", 9),
        ("categories", 8),
        ("items", 8),
        ("suppliers", 8),
        ("suppliers/{company}/certificates", 10),
    ],
)
@pytest.mark.parametrize("n", [3, 15])
def test_list_endpoint_query_counts(logged_in, admin, branch, django_assert_num_queries, path, queries, n):
    org = branch.organisation
    warehouse = WarehouseFactory(branch=branch)
    company = CompanyFactory(organisation=org, certificates=[])
    for i in range(n):
        WarehouseFactory(branch=branch)
        BinFactory(warehouse=warehouse)
        item = ItemFactory(organisation=org, pack_units=[("盒", 10)])
        ItemBarcodeFactory(item=item)
        CompanyFactory(organisation=org)
        company.certificates.create(
            kind="other", number=f"N{i}", expires_on=datetime.date(2030, 1, 1) + datetime.timedelta(days=i)
        )
    url = f"{API}/" + path.format(warehouse=warehouse.pk, company=company.pk)
    client = logged_in(admin)
    send(client, "get", url)
    with django_assert_num_queries(queries):
        response = send(client, "get", url)
    expected = {"warehouses": n + 1, "categories": n, "suppliers": n + 1}.get(path, n)
    assert (response.status_code, response.json()["count"], len(response.json()["items"])) == (
        200,
        expected,
        expected,
    )
