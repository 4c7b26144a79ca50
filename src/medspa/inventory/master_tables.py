"""Tables of the inventory master pages (one definition serves the page and the export)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.core.tables import Column, Table
from medspa.inventory.master_selectors import category_depth, category_path


@dataclass
class FuncColumn(Column):
    """A column whose value is computed from the row by ``func`` (from data the selector loaded)."""

    func: Callable[[Any], Any] | None = None

    def raw(self, row: Any) -> Any:
        assert self.func is not None  # noqa: S101 - a declaration error, not input
        return self.func(row)


@dataclass
class CompanyColumn(Column):
    """A certificate's company, linked to the company's page."""

    def url(self, row: Any) -> str | None:
        return reverse("inventory_master:company_detail", args=[row.company_id])


def _tree_name(category: Any) -> str:
    depth = category_depth(category)
    return ("\u3000" * (depth - 1) + "└ " if depth else "") + category.name


def _parent_path(category: Any) -> str:
    return category_path(category.parent)


def _tracking(item: Any) -> str:
    """``批号 · 效期 · 序列号`` — the kinds of tracking the item has."""
    flags = [
        (item.is_lot_tracked, _("lot")),
        (item.is_expiry_tracked, _("expiry")),
        (item.is_serial_tracked, _("serial")),
    ]
    return " · ".join(str(label) for on, label in flags if on)


def _roles(company: Any) -> str:
    roles = [(company.is_supplier, _("Supplier")), (company.is_manufacturer, _("Manufacturer"))]
    return " · ".join(str(label) for on, label in roles if on)


def _days_left(certificate: Any) -> int | None:
    if certificate.expires_on is None:
        return None
    return (certificate.expires_on - timezone.localdate()).days


def _expiry_state(certificate: Any) -> str:
    days = _days_left(certificate)
    if days is None:
        return ""
    return str(_("Expired")) if days < 0 else str(_("Expiring"))


class WarehouseTable(Table):
    columns = (
        Column("code", gettext_lazy("Code"), order_by="code", link="inventory_master:warehouse_detail"),
        Column("name", gettext_lazy("Name"), order_by="name", link="inventory_master:warehouse_detail"),
        Column("get_kind_display", gettext_lazy("Kind"), order_by="kind"),
        Column("branch.name", gettext_lazy("Branch"), order_by="branch__code"),
        Column("department.name", gettext_lazy("Department"), order_by="department__name"),
        Column("address", gettext_lazy("Location")),
        Column("is_active", gettext_lazy("Active"), order_by="is_active"),
    )


class CategoryTable(Table):
    columns = (
        FuncColumn(
            "name",
            gettext_lazy("Category"),
            order_by="tree_key",
            link="inventory_master:category_detail",
            func=_tree_name,
        ),
        Column("code", gettext_lazy("Code"), order_by="code"),
        Column("get_kind_display", gettext_lazy("Kind"), order_by="kind"),
        FuncColumn("parent", gettext_lazy("Parent category"), func=_parent_path),
        Column("order", gettext_lazy("Order"), order_by="order"),
        Column("is_active", gettext_lazy("Active"), order_by="is_active"),
    )


class ItemTable(Table):
    columns = (
        Column("code", gettext_lazy("Code"), order_by="code", link="inventory_master:item_detail"),
        Column("name", gettext_lazy("Name"), order_by="name", link="inventory_master:item_detail"),
        Column("specification", gettext_lazy("Specification")),
        Column("base_unit", gettext_lazy("Base unit")),
        Column("category.name", gettext_lazy("Category"), order_by="category__code"),
        Column("manufacturer.name", gettext_lazy("Manufacturer"), order_by="manufacturer__name"),
        Column(
            "purchase_price", gettext_lazy("Default purchase price"), order_by="purchase_price", money=True
        ),
        FuncColumn("tracking", gettext_lazy("Tracking"), func=_tracking),
        Column("is_active", gettext_lazy("Active"), order_by="is_active"),
    )


class CompanyTable(Table):
    columns = (
        Column("code", gettext_lazy("Code"), order_by="code", link="inventory_master:company_detail"),
        Column("name", gettext_lazy("Name"), order_by="name", link="inventory_master:company_detail"),
        FuncColumn("roles", gettext_lazy("Role"), func=_roles),
        Column("credit_code", gettext_lazy("Unified social credit code")),
        Column("contact", gettext_lazy("Contact person")),
        Column("phone", gettext_lazy("Phone")),
        Column("is_active", gettext_lazy("Active"), order_by="is_active"),
    )


class CertificateExpiryTable(Table):
    columns = (
        CompanyColumn("company.code", gettext_lazy("Code"), order_by="company__code"),
        CompanyColumn("company.name", gettext_lazy("Company"), order_by="company__name"),
        Column("get_kind_display", gettext_lazy("Kind"), order_by="kind"),
        Column("number", gettext_lazy("Certificate no")),
        Column("expires_on", gettext_lazy("Expires on"), order_by="expires_on"),
        FuncColumn("days_left", gettext_lazy("Days left"), func=_days_left),
        FuncColumn("state", gettext_lazy("State"), func=_expiry_state),
        Column("is_required", gettext_lazy("Required for receiving"), order_by="is_required"),
    )
