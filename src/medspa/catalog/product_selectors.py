"""Reads of products (CAT-02) and packages (CAT-03). Catalog definitions are organisation reference
data: the data scope is the actor's organisation, another organisation's rows are not found.

Lists load what their tables show in the same query (category, inventory item, unit sold; a
package's component count and list value), so a page costs the same number of queries whatever
its number of rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from medspa.accounts.models import User
from medspa.catalog.models import Category, Package, PackageComponent, Product
from medspa.catalog.scope import organisation_get, organisation_objects
from medspa.core.errors import NotFound
from medspa.core.money import ZERO, quantize

__all__ = [
    "MAX_ID",
    "ComponentView",
    "category_paths",
    "component_views",
    "package_get_for",
    "packages_containing",
    "packages_for",
    "product_get_for",
    "product_search_condition",
    "product_unit_text",
    "products_for",
    "unit_factor_text",
    "valid_pk",
]

_MONEY = DecimalField(max_digits=20, decimal_places=2)
MAX_ID = 2**63 - 1  # the largest primary key (BigAutoField); larger values overflow the database


def valid_pk(pk: object) -> bool:
    """Whether ``pk`` can be a primary key at all (a positive 64-bit integer)."""
    return isinstance(pk, int) and not isinstance(pk, bool) and 0 < pk <= MAX_ID


# --- products (CAT-02) --------------------------------------------------------------------------------


def products_for(actor: User) -> QuerySet[Product]:
    """The organisation's products with category, inventory item and unit sold loaded."""
    return (
        organisation_objects(actor, Product)
        .select_related("category", "item", "pack_unit")
        .order_by("code", "pk")
    )


def product_get_for(actor: User, pk: int) -> Product:
    """One product of the actor's organisation; :class:`NotFound` otherwise."""
    product = products_for(actor).filter(pk=pk).first() if valid_pk(pk) else None
    if product is None:
        raise NotFound()
    return product


def product_search_condition(query: str, prefix: str = "") -> Q:
    """Rows whose code, name or pinyin (full or initials) contains ``query``."""
    text = query.strip()
    return (
        Q(**{f"{prefix}code__icontains": text})
        | Q(**{f"{prefix}name__icontains": text})
        | Q(**{f"{prefix}pinyin__contains": text.lower().replace(" ", "")})
    )


def unit_factor_text(value: Decimal) -> str:
    """``10.000`` → ``10``; ``2.500`` → ``2.5``."""
    return f"{value.normalize():f}"


def product_unit_text(product: Product) -> str:
    """The unit a product is sold in: ``盒（1 盒 = 10 支）``, or the item's base unit ``支``
    (from the item and pack unit :func:`products_for` loaded)."""
    unit = product.pack_unit
    if unit is None:
        return product.item.base_unit
    return f"{unit.name}（1 {unit.name} = {unit_factor_text(unit.factor)} {product.item.base_unit}）"


def category_paths(actor: User) -> dict[int, str]:
    """``{category id: "注射美容 / 玻尿酸"}`` for the organisation's whole tree (one query)."""
    rows = {
        pk: (parent_id, name)
        for pk, parent_id, name in organisation_objects(actor, Category).values_list(
            "pk", "parent_id", "name"
        )
    }
    paths: dict[int, str] = {}
    for pk in rows:
        names: list[str] = []
        current: int | None = pk
        seen: set[int] = set()
        while current is not None and current in rows and current not in seen:
            seen.add(current)
            parent_id, name = rows[current]
            names.append(name)
            current = parent_id
        paths[pk] = " / ".join(reversed(names))
    return paths


# --- packages (CAT-03) --------------------------------------------------------------------------------


def _components() -> Prefetch[Any, Any, Any]:
    return Prefetch(
        "components",
        queryset=PackageComponent.objects.select_related(
            "project", "product__item", "product__pack_unit"
        ).order_by("order", "pk"),
    )


def packages_for(actor: User, *, components: bool = False) -> QuerySet[Package]:
    """The organisation's packages with their category, ``component_count`` and ``list_value``
    (Σ unit list price × quantity as stored at the last save); ``components=True`` also loads
    the components with their project or product (one more query per page)."""
    value = ExpressionWrapper(F("components__list_price") * F("components__quantity"), output_field=_MONEY)
    queryset = (
        organisation_objects(actor, Package)
        .select_related("category")
        .annotate(
            component_count=Count("components"),
            list_value=Coalesce(Sum(value), Value(ZERO), output_field=_MONEY),
        )
        .order_by("code", "pk")
    )
    if components:
        queryset = queryset.prefetch_related(_components())
    return queryset


def package_get_for(actor: User, pk: int) -> Package:
    """One package of the actor's organisation with its components (and their project or
    product) prefetched; :class:`NotFound` otherwise."""
    if not valid_pk(pk):
        raise NotFound()
    organisation_get(actor, Package, pk)  # NotFound for a missing pk and another organisation's alike
    return packages_for(actor, components=True).get(pk=pk)


def packages_containing(
    actor: User, *, project_id: int | None = None, product_id: int | None = None
) -> QuerySet[Package]:
    """Active packages of the organisation with the project or product among their components."""
    queryset = organisation_objects(actor, Package).filter(is_active=True)
    if project_id is not None:
        queryset = queryset.filter(components__project_id=project_id)
    if product_id is not None:
        queryset = queryset.filter(components__product_id=product_id)
    return queryset.distinct().order_by("code", "pk")


@dataclass(frozen=True)
class ComponentView:
    """One stored component as pages and the API show it."""

    component: PackageComponent
    code: str
    name: str
    list_value: Decimal
    discount: Decimal  # list value − allocated (negative when the package costs more than list)


def component_views(components: Iterable[PackageComponent]) -> list[ComponentView]:
    """The stored components (from :func:`package_get_for`'s prefetch) with their list value and
    discount against it."""
    views: list[ComponentView] = []
    for component in components:
        target = component.project if component.project_id is not None else component.product
        list_value = quantize(component.list_price * component.quantity)
        views.append(
            ComponentView(
                component=component,
                code=getattr(target, "code", ""),
                name=getattr(target, "name", ""),
                list_value=list_value,
                discount=list_value - component.allocated_amount,
            )
        )
    return views
