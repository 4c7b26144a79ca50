"""Tables of the coupon pages (one definition serves the page and the export)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from medspa.catalog.choices import ValidityMode
from medspa.core.money import format_cny
from medspa.core.tables import Column, Table
from medspa.customers.id_numbers import mask_phone

NS = "catalog_coupons"


@dataclass
class FuncColumn(Column):
    """A column whose value is computed from the row by ``func`` (from data the selector loaded)."""

    func: Callable[[Any], Any] | None = None

    def raw(self, row: Any) -> Any:
        assert self.func is not None  # noqa: S101 - a declaration error, not input
        return self.func(row)


@dataclass
class BatchColumn(FuncColumn):
    """A coupon's batch number, linked to the batch page."""

    def url(self, row: Any) -> str | None:
        return reverse(f"{NS}:batch_detail", args=[row.batch_id]) if row.batch_id else None


def percent_text(value: Any) -> str:
    """``90.00`` → ``90%``; ``87.50`` → ``87.5%``."""
    return f"{value.normalize():f}%"


def coupon_value(coupon_type: Any) -> str:
    """What a coupon of the type is worth: ``¥200.00`` off, or ``pays 90%``."""
    if coupon_type.amount is not None:
        return _("%(amount)s off") % {"amount": format_cny(coupon_type.amount)}
    return _("pays %(percent)s") % {"percent": percent_text(coupon_type.discount_percent)}


def coupon_scope(coupon_type: Any) -> str:
    """``Everything``, or the projects, products and categories (loaded by the selector)."""
    if coupon_type.applies_to_all:
        return str(_("Everything"))
    parts = []
    for label, rows in (
        (_("Projects"), coupon_type.projects.all()),
        (_("Products"), coupon_type.products.all()),
        (_("Categories"), coupon_type.categories.all()),
    ):
        names = [row.name for row in rows]
        if names:
            parts.append(f"{label}: {'、'.join(names)}")
    return "; ".join(parts)


def coupon_validity(coupon_type: Any) -> str:
    if coupon_type.validity_mode == ValidityMode.DAYS:
        return _("%(days)s days from issue") % {"days": coupon_type.validity_days}
    if coupon_type.valid_from is None or coupon_type.valid_to is None:
        return ""
    return f"{coupon_type.valid_from:%Y-%m-%d} – {coupon_type.valid_to:%Y-%m-%d}"


def _type_value(coupon: Any) -> str:
    return coupon_value(coupon.coupon_type)


def _phone(coupon: Any) -> str:
    return mask_phone(coupon.customer.phone) if coupon.customer is not None else ""


def _batch(coupon: Any) -> str:
    return f"#{coupon.batch_id}" if coupon.batch_id else ""


class CouponTypeTable(Table):
    columns = (
        Column("code", gettext_lazy("Code"), order_by="code", link=f"{NS}:type_detail"),
        Column("name", gettext_lazy("Name"), order_by="name", link=f"{NS}:type_detail"),
        Column("get_kind_display", gettext_lazy("Kind"), order_by="kind"),
        FuncColumn("value", pgettext_lazy("coupon", "Value"), func=coupon_value),
        Column("min_spend", gettext_lazy("Minimum spend"), order_by="min_spend", money=True),
        FuncColumn("scope", gettext_lazy("Applies to"), func=coupon_scope),
        FuncColumn("validity", gettext_lazy("Validity"), func=coupon_validity),
        Column("per_customer_limit", gettext_lazy("Per customer at most"), order_by="per_customer_limit"),
        Column("is_stackable", gettext_lazy("Combines with other offers"), order_by="is_stackable"),
        Column("is_active", gettext_lazy("Active"), order_by="is_active"),
    )


class CouponTable(Table):
    columns = (
        Column("code", gettext_lazy("Code"), order_by="code", link=f"{NS}:coupon_detail"),
        Column("coupon_type.name", gettext_lazy("Coupon type"), order_by="coupon_type__code"),
        FuncColumn("value", pgettext_lazy("coupon", "Value"), func=_type_value),
        Column("get_state_display", gettext_lazy("State"), order_by="state"),
        Column("customer.name", gettext_lazy("Customer"), order_by="customer__name_pinyin"),
        FuncColumn("phone", gettext_lazy("Mobile phone"), func=_phone),
        Column("staff.name", gettext_lazy("Staff member")),
        Column("given_by.name", gettext_lazy("Handed on by")),
        Column("valid_from", gettext_lazy("Valid from"), order_by="valid_from"),
        Column("valid_to", gettext_lazy("Valid to"), order_by="valid_to"),
        BatchColumn("batch", pgettext_lazy("coupon", "Batch no"), order_by="batch_id", func=_batch),
        Column("branch.name", gettext_lazy("Branch"), order_by="branch__code"),
        Column("created_at", gettext_lazy("Issued at"), order_by="created_at"),
    )


class CodeTable(Table):
    """The download of a batch's generated codes."""

    columns = (
        Column("code", gettext_lazy("Code")),
        Column("coupon_type.name", gettext_lazy("Coupon type")),
        FuncColumn("value", pgettext_lazy("coupon", "Value"), func=_type_value),
        Column("coupon_type.min_spend", gettext_lazy("Minimum spend"), money=True),
        Column("valid_from", gettext_lazy("Valid from")),
        Column("valid_to", gettext_lazy("Valid to")),
        Column("get_state_display", gettext_lazy("State")),
    )
