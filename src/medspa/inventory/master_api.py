"""REST endpoints of the inventory master data: /inventory/warehouses (+ bins), /inventory/categories,
/inventory/items, /inventory/suppliers (+ certificates). Each one parses its schema and calls the
selector or service the pages use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from medspa.core.api import ActiveFilters, ListParams, filtered, page
from medspa.core.errors import PermissionDenied
from medspa.inventory import master_selectors as selectors
from medspa.inventory import master_services as services
from medspa.inventory.master_filtersets import (
    BinFilterSet,
    CategoryFilterSet,
    CertificateFilterSet,
    CompanyFilterSet,
    ItemFilterSet,
    WarehouseFilterSet,
)
from medspa.inventory.master_schemas import (
    BinIn,
    BinListOut,
    BinOut,
    CategoryFilters,
    CategoryIn,
    CategoryListOut,
    CategoryOut,
    CertificateFilters,
    CertificateIn,
    CertificateListOut,
    CertificateOut,
    CompanyFilters,
    CompanyIn,
    CompanyListOut,
    CompanyOut,
    CompanyPatch,
    ItemDetailOut,
    ItemFilters,
    ItemIn,
    ItemListOut,
    ItemPatch,
    WarehouseFilters,
    WarehouseIn,
    WarehouseListOut,
    WarehouseOut,
    WarehousePatch,
)
from medspa.inventory.models import Item

router = Router(tags=["inventory master data"])


def _actor(request: HttpRequest, *perms: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not all(user.has_perm(f"inventory.{perm}") for perm in perms):
        raise PermissionDenied()
    return user


def _merged(current: dict[str, Any], payload: Schema) -> dict[str, Any]:
    """PATCH: the stored values overlaid with the fields the client sent (null clears a field)."""
    return {**current, **payload.dict(exclude_unset=True)}


# --- warehouses and bins (INV-01) ---------------------------------------------------------------------


@router.get("/inventory/warehouses", response=WarehouseListOut, summary="List warehouses")
def warehouse_list(request: HttpRequest, params: Query[ListParams], filters: Query[WarehouseFilters]) -> Any:
    actor = _actor(request, "view_warehouse")
    return page(filtered(request, WarehouseFilterSet, selectors.warehouses_for(actor), filters), params)


@router.post("/inventory/warehouses", response={201: WarehouseOut}, summary="Create a warehouse")
def warehouse_create(request: HttpRequest, payload: WarehouseIn) -> Status:
    return Status(201, services.warehouse_create(actor=_actor(request), **payload.dict()))


@router.get("/inventory/warehouses/{warehouse_id}", response=WarehouseOut, summary="One warehouse")
def warehouse_detail(request: HttpRequest, warehouse_id: int) -> Any:
    return selectors.warehouse_get_for(_actor(request, "view_warehouse"), warehouse_id)


@router.patch("/inventory/warehouses/{warehouse_id}", response=WarehouseOut, summary="Change a warehouse")
def warehouse_update(request: HttpRequest, warehouse_id: int, payload: WarehousePatch) -> Any:
    actor = _actor(request, "change_warehouse")
    warehouse = selectors.warehouse_get_for(actor, warehouse_id)
    current = {
        "code": warehouse.code,
        "name": warehouse.name,
        "kind": warehouse.kind,
        "department_id": warehouse.department_id,
        "address": warehouse.address,
    }
    sent = payload.dict(exclude_unset=True)
    if sent.get("kind") == "central" and "department_id" not in sent:
        current["department_id"] = None  # turning into a central warehouse drops the department
    return services.warehouse_update(actor=actor, warehouse_id=warehouse.pk, **_merged(current, payload))


@router.get(
    "/inventory/warehouses/{warehouse_id}/bins", response=BinListOut, summary="List a warehouse's bins"
)
def bin_list(
    request: HttpRequest, warehouse_id: int, params: Query[ListParams], filters: Query[ActiveFilters]
) -> Any:
    actor = _actor(request, "view_warehouse")
    warehouse = selectors.warehouse_get_for(actor, warehouse_id)
    queryset = selectors.bins_for(actor).filter(warehouse=warehouse)
    return page(filtered(request, BinFilterSet, queryset, filters), params)


@router.post(
    "/inventory/warehouses/{warehouse_id}/bins", response={201: BinOut}, summary="Add a bin location"
)
def bin_create(request: HttpRequest, warehouse_id: int, payload: BinIn) -> Status:
    return Status(
        201, services.bin_create(actor=_actor(request), warehouse_id=warehouse_id, **payload.dict())
    )


# --- categories ---------------------------------------------------------------------------------------


@router.get("/inventory/categories", response=CategoryListOut, summary="List item categories (tree order)")
def category_list(request: HttpRequest, params: Query[ListParams], filters: Query[CategoryFilters]) -> Any:
    actor = _actor(request, "view_itemcategory")
    return page(filtered(request, CategoryFilterSet, selectors.categories_for(actor), filters), params)


@router.post("/inventory/categories", response={201: CategoryOut}, summary="Create an item category")
def category_create(request: HttpRequest, payload: CategoryIn) -> Status:
    return Status(201, services.category_create(actor=_actor(request), **payload.dict()))


# --- items (INV-02) -----------------------------------------------------------------------------------


def _item_detail(actor: Any, item_id: int) -> Item:
    item = selectors.item_get_for(actor, item_id)
    item.visible_levels = list(selectors.levels_for(actor, item))  # type: ignore[attr-defined]
    return item


@router.get("/inventory/items", response=ItemListOut, summary="List items")
def item_list(request: HttpRequest, params: Query[ListParams], filters: Query[ItemFilters]) -> Any:
    actor = _actor(request, "view_item")
    return page(filtered(request, ItemFilterSet, selectors.items_for(actor), filters), params)


@router.post("/inventory/items", response={201: ItemDetailOut}, summary="Create an item")
def item_create(request: HttpRequest, payload: ItemIn) -> Status:
    actor = _actor(request)
    data = payload.dict()
    item = services.item_create(
        actor=actor,
        **{key: value for key, value in data.items() if key not in ("pack_units", "barcodes", "levels")},
        pack_units=[services.PackUnitInput(**row) for row in data["pack_units"]],
        barcodes=[services.BarcodeInput(**row) for row in data["barcodes"]],
        levels=[services.LevelInput(**row) for row in data["levels"]],
    )
    return Status(201, _item_detail(actor, item.pk))


@router.get(
    "/inventory/items/{item_id}", response=ItemDetailOut, summary="One item with units, barcodes, levels"
)
def item_detail(request: HttpRequest, item_id: int) -> Any:
    return _item_detail(_actor(request, "view_item"), item_id)


@router.patch("/inventory/items/{item_id}", response=ItemDetailOut, summary="Change an item")
def item_update(request: HttpRequest, item_id: int, payload: ItemPatch) -> Any:
    actor = _actor(request, "change_item")
    item = selectors.item_get_for(actor, item_id)
    current = {
        "code": item.code,
        "name": item.name,
        "specification": item.specification,
        "base_unit": item.base_unit,
        "category_id": item.category_id,
        "manufacturer_id": item.manufacturer_id,
        "registration_no": item.registration_no,
        "registration_expires_on": item.registration_expires_on,
        "storage_condition": item.storage_condition,
        "shelf_life_days": item.shelf_life_days,
        "purchase_price": item.purchase_price,
        "is_lot_tracked": item.is_lot_tracked,
        "is_expiry_tracked": item.is_expiry_tracked,
        "is_serial_tracked": item.is_serial_tracked,
        "unpack_item_id": item.unpack_item_id,
        "unpack_quantity": item.unpack_quantity,
    }
    services.item_update(actor=actor, item_id=item.pk, **_merged(current, payload))
    return _item_detail(actor, item.pk)


# --- suppliers and manufacturers (SPD-01) -------------------------------------------------------------


@router.get("/inventory/suppliers", response=CompanyListOut, summary="List suppliers and manufacturers")
def company_list(request: HttpRequest, params: Query[ListParams], filters: Query[CompanyFilters]) -> Any:
    actor = _actor(request, "view_company")
    return page(filtered(request, CompanyFilterSet, selectors.companies_for(actor), filters), params)


@router.post("/inventory/suppliers", response={201: CompanyOut}, summary="Create a supplier or manufacturer")
def company_create(request: HttpRequest, payload: CompanyIn) -> Status:
    data = payload.dict()
    certificates = [services.CertificateInput(**row) for row in data.pop("certificates")]
    return Status(201, services.company_create(actor=_actor(request), certificates=certificates, **data))


@router.get("/inventory/suppliers/{company_id}", response=CompanyOut, summary="One supplier or manufacturer")
def company_detail(request: HttpRequest, company_id: int) -> Any:
    return selectors.company_get_for(_actor(request, "view_company"), company_id)


@router.patch(
    "/inventory/suppliers/{company_id}", response=CompanyOut, summary="Change a supplier or manufacturer"
)
def company_update(request: HttpRequest, company_id: int, payload: CompanyPatch) -> Any:
    actor = _actor(request, "change_company")
    company = selectors.company_get_for(actor, company_id)
    current = {
        "code": company.code,
        "name": company.name,
        "is_supplier": company.is_supplier,
        "is_manufacturer": company.is_manufacturer,
        "credit_code": company.credit_code,
        "contact": company.contact,
        "phone": company.phone,
        "address": company.address,
    }
    return services.company_update(actor=actor, company_id=company.pk, **_merged(current, payload))


@router.get(
    "/inventory/suppliers/{company_id}/certificates",
    response=CertificateListOut,
    summary="List a company's certificates",
)
def certificate_list(
    request: HttpRequest, company_id: int, params: Query[ListParams], filters: Query[CertificateFilters]
) -> Any:
    actor = _actor(request, "view_company", "view_certificate")
    company = selectors.company_get_for(actor, company_id)
    queryset = selectors.certificates_for(actor).filter(company=company)
    return page(filtered(request, CertificateFilterSet, queryset, filters), params)


@router.post(
    "/inventory/suppliers/{company_id}/certificates",
    response={201: CertificateOut},
    summary="Add a certificate",
)
def certificate_create(request: HttpRequest, company_id: int, payload: CertificateIn) -> Status:
    return Status(
        201, services.certificate_create(actor=_actor(request), company_id=company_id, **payload.dict())
    )
