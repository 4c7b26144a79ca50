"""Tables of the product and package lists (one definition serves the page and the export)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.catalog.product_selectors import product_unit_text
from medspa.core.tables import Column, Table


@dataclass
class FuncColumn(Column):
    """A column whose value is computed from the row by ``func`` (from data the selector loaded)."""

    func: Callable[[Any], Any] | None = None

    def raw(self, row: Any) -> Any:
        assert self.func is not None  # noqa: S101 - a declaration error, not input
        return self.func(row)


def _item(product: Any) -> str:
    return f"{product.item.code} {product.item.name}"


def _validity(package: Any) -> str:
    if package.validity_days is None:
        return str(_("No expiry"))
    return str(_("%(days)s days") % {"days": package.validity_days})


class ProductTable(Table):
    columns = (
        Column("code", gettext_lazy("Code"), order_by="code", link="catalog_products:product_detail"),
        Column("name", gettext_lazy("Name"), order_by="name", link="catalog_products:product_detail"),
        Column("category.name", gettext_lazy("Category"), order_by="category__code"),
        FuncColumn("item", gettext_lazy("Inventory item"), order_by="item__code", func=_item),
        FuncColumn("unit", gettext_lazy("Sold per"), func=product_unit_text),
        Column("retail_price", gettext_lazy("Retail price"), order_by="retail_price", money=True),
        Column("is_prescription", gettext_lazy("Rx"), order_by="is_prescription"),
        Column("is_active", gettext_lazy("Active"), order_by="is_active"),
    )


class PackageTable(Table):
    columns = (
        Column("code", gettext_lazy("Code"), order_by="code", link="catalog_products:package_detail"),
        Column("name", gettext_lazy("Name"), order_by="name", link="catalog_products:package_detail"),
        Column("category.name", gettext_lazy("Category"), order_by="category__code"),
        Column("component_count", gettext_lazy("Components"), order_by="component_count"),
        Column("list_value", gettext_lazy("List value"), order_by="list_value", money=True),
        Column("price", gettext_lazy("Package price"), order_by="price", money=True),
        FuncColumn("validity", gettext_lazy("Valid for"), order_by="validity_days", func=_validity),
        Column("is_active", gettext_lazy("Active"), order_by="is_active"),
    )
