"""REST endpoints of products (/catalog/products, CAT-02) and packages (/catalog/packages, CAT-03).
Each endpoint parses its schema and calls the selector or service the pages use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from medspa.catalog import product_selectors as selectors
from medspa.catalog import product_services as services
from medspa.catalog.models import Package, Product
from medspa.catalog.product_filtersets import PackageFilterSet, ProductFilterSet
from medspa.catalog.product_schemas import (
    ComponentIn,
    PackageFilters,
    PackageIn,
    PackageListOut,
    PackageOut,
    PackagePatch,
    ProductFilters,
    ProductIn,
    ProductListOut,
    ProductOut,
    ProductPatch,
)
from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import PermissionDenied

router = Router(tags=["catalog"])


def _actor(request: HttpRequest, *perms: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not all(user.has_perm(f"catalog.{perm}") for perm in perms):
        raise PermissionDenied()
    return user


def _merged(current: dict[str, Any], payload: Schema) -> dict[str, Any]:
    """PATCH: the stored values overlaid with the fields the client sent (null clears a field)."""
    return {**current, **payload.dict(exclude_unset=True)}


# --- products (CAT-02) --------------------------------------------------------------------------------


@router.get("/catalog/products", response=ProductListOut, summary="List products")
def product_list(request: HttpRequest, params: Query[ListParams], filters: Query[ProductFilters]) -> Any:
    actor = _actor(request, "view_product")
    return page(filtered(request, ProductFilterSet, selectors.products_for(actor), filters), params)


@router.post("/catalog/products", response={201: ProductOut}, summary="Create a product")
def product_create(request: HttpRequest, payload: ProductIn) -> Status:
    actor = _actor(request)
    product = services.product_create(actor=actor, **payload.dict())
    return Status(201, selectors.product_get_for(actor, product.pk))


@router.get("/catalog/products/{product_id}", response=ProductOut, summary="One product")
def product_detail(request: HttpRequest, product_id: int) -> Any:
    return selectors.product_get_for(_actor(request, "view_product"), product_id)


@router.patch("/catalog/products/{product_id}", response=ProductOut, summary="Change a product")
def product_update(request: HttpRequest, product_id: int, payload: ProductPatch) -> Any:
    actor = _actor(request, "change_product")
    product: Product = selectors.product_get_for(actor, product_id)
    current = {
        "code": product.code,
        "name": product.name,
        "category_id": product.category_id,
        "item_id": product.item_id,
        "pack_unit_id": product.pack_unit_id,
        "retail_price": product.retail_price,
        "is_prescription": product.is_prescription,
        "description": product.description,
    }
    sent = payload.dict(exclude_unset=True)
    if "item_id" in sent and sent["item_id"] != product.item_id and "pack_unit_id" not in sent:
        current["pack_unit_id"] = None  # another item: its base unit unless a unit is named
    services.product_update(actor=actor, product_id=product.pk, **_merged(current, payload))
    return selectors.product_get_for(actor, product.pk)


@router.post("/catalog/products/{product_id}/deactivate", response=ProductOut, summary="Deactivate a product")
def product_deactivate(request: HttpRequest, product_id: int) -> Any:
    actor = _actor(request)
    services.product_deactivate(actor=actor, product_id=product_id)
    return selectors.product_get_for(actor, product_id)


# --- packages (CAT-03) --------------------------------------------------------------------------------


def _components(rows: list[dict[str, Any]]) -> list[services.ComponentInput]:
    return [services.ComponentInput(**row) for row in rows]


@router.get("/catalog/packages", response=PackageListOut, summary="List packages with their components")
def package_list(request: HttpRequest, params: Query[ListParams], filters: Query[PackageFilters]) -> Any:
    actor = _actor(request, "view_package")
    queryset = selectors.packages_for(actor, components=True)
    return page(filtered(request, PackageFilterSet, queryset, filters), params)


@router.post("/catalog/packages", response={201: PackageOut}, summary="Create a package")
def package_create(request: HttpRequest, payload: PackageIn) -> Status:
    actor = _actor(request)
    data = payload.dict()
    components = _components(data.pop("components"))
    package = services.package_create(actor=actor, components=components, **data)
    return Status(201, selectors.package_get_for(actor, package.pk))


@router.get("/catalog/packages/{package_id}", response=PackageOut, summary="One package with its allocation")
def package_detail(request: HttpRequest, package_id: int) -> Any:
    return selectors.package_get_for(_actor(request, "view_package"), package_id)


@router.patch(
    "/catalog/packages/{package_id}",
    response=PackageOut,
    summary="Change a package (the allocation is recomputed)",
)
def package_update(request: HttpRequest, package_id: int, payload: PackagePatch) -> Any:
    actor = _actor(request, "change_package")
    package: Package = selectors.package_get_for(actor, package_id)
    current: dict[str, Any] = {
        "code": package.code,
        "name": package.name,
        "price": package.price,
        "category_id": package.category_id,
        "validity_days": package.validity_days,
        "description": package.description,
        "components": [
            ComponentIn(
                kind=c.kind, project_id=c.project_id, product_id=c.product_id, quantity=c.quantity
            ).dict()
            for c in package.components.all()
        ],
    }
    data = _merged(current, payload)
    if data["components"] is None:
        data["components"] = current["components"]
    components = _components(data.pop("components"))
    services.package_update(actor=actor, package_id=package.pk, components=components, **data)
    return selectors.package_get_for(actor, package.pk)


@router.post("/catalog/packages/{package_id}/deactivate", response=PackageOut, summary="Deactivate a package")
def package_deactivate(request: HttpRequest, package_id: int) -> Any:
    actor = _actor(request)
    services.package_deactivate(actor=actor, package_id=package_id)
    return selectors.package_get_for(actor, package_id)
