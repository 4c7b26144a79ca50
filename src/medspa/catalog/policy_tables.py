"""Tables of the policy pages (one definition serves the page and the export), and the wording of
a discount limit: "不打折" / "最低 8 折"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from medspa.catalog.choices import CommissionBasis
from medspa.catalog.policy_selectors import TargetKind
from medspa.core.money import format_cny
from medspa.core.tables import Column, Table

NS = "catalog_policies"


def _number(value: Decimal) -> str:
    """``80.00`` → ``80``; ``92.50`` → ``92.5``."""
    text = f"{value.normalize():f}"
    return text


def discount_text(never_discount: bool, min_percent: Decimal | None) -> str:
    """How a discount limit reads: "Never discounted" (不打折), or the lowest price — in Chinese in
    tenths of the price (最低 8 折), elsewhere in percent (lowest 80 % of the price). None: no limit."""
    if never_discount:
        return _("Never discounted")
    if min_percent is None:
        return ""
    # Chinese says discounts in tenths of the price (折); the catalog picks the notation.
    if pgettext("discount notation: 'tenths' or 'percent'", "percent") == "tenths":
        return _("Lowest %(value)s tenths of the price") % {"value": _number(Decimal(min_percent) / 10)}
    return _("Lowest %(value)s%% of the price") % {"value": _number(Decimal(min_percent))}


def target_kind_label(kind: str) -> str:
    labels = {
        TargetKind.PROJECT: _("Project"),
        TargetKind.PRODUCT: _("Product"),
        TargetKind.CARD_TYPE: _("Card type"),
        TargetKind.CATEGORY: _("Category"),
        TargetKind.ALL: _("Everything"),
    }
    return str(labels.get(kind, kind))


def target_text(row: Any) -> str:
    """``P006 双眼皮手术`` (annotated by the selectors); "Everything" for a catch-all plan."""
    if getattr(row, "target_kind", None) == TargetKind.ALL:
        return _("Everything")
    return f"{row.target_code} {row.target_name}".strip()


def rate_text(plan: Any) -> str:
    """``3%`` or ``¥200.00 / session``."""
    if plan.basis == CommissionBasis.PER_SESSION:
        return _("%(amount)s per session") % {"amount": format_cny(plan.fixed_amount or 0)}
    return f"{_number(Decimal(plan.rate_percent or 0))}%"


def period_text(plan: Any) -> str:
    end = plan.effective_to.isoformat() if plan.effective_to else _("open-ended")
    return f"{plan.effective_from.isoformat()} – {end}"


@dataclass
class FuncColumn(Column):
    """A column computed from the row by ``func`` (from data the selector loaded)."""

    func: Callable[[Any], Any] | None = None

    def raw(self, row: Any) -> Any:
        assert self.func is not None  # noqa: S101 - a declaration error, not input
        return self.func(row)


class DiscountRuleTable(Table):
    columns = (
        FuncColumn(
            "target",
            gettext_lazy("Set on"),
            order_by="target_code",
            link=f"{NS}:rule_detail",
            func=target_text,
        ),
        FuncColumn(
            "target_kind",
            gettext_lazy("Kind"),
            order_by="target_kind",
            func=lambda row: target_kind_label(row.target_kind),
        ),
        FuncColumn(
            "rule",
            gettext_lazy("Discount limit"),
            order_by="min_percent",
            func=lambda row: discount_text(row.never_discount, row.min_percent),
        ),
        Column("note", gettext_lazy("Note")),
        Column("updated_at", gettext_lazy("Updated at"), order_by="updated_at"),
    )


class DiscountAuthorityTable(Table):
    columns = (
        Column("name", gettext_lazy("Role"), order_by="name", link=f"{NS}:authority_edit"),
        FuncColumn(
            "builtin",
            gettext_lazy("Built-in"),
            order_by="profile__organisation_id",
            func=lambda row: row.profile.organisation_id is None,
        ),
        Column("profile.description", gettext_lazy("Description")),
        FuncColumn(
            "min_percent",
            gettext_lazy("Discount authority"),
            order_by="min_percent",
            func=lambda row: (
                discount_text(False, row.min_percent) or _("None: every manual discount needs approval")
            ),
        ),
        Column("authority_updated_at", gettext_lazy("Updated at"), order_by="authority_updated_at"),
    )


class CommissionPlanTable(Table):
    columns = (
        Column("name", gettext_lazy("Name"), order_by="name", link=f"{NS}:plan_detail"),
        Column("get_kind_display", gettext_lazy("Kind"), order_by="kind"),
        Column("position.name", gettext_lazy("Position"), order_by="position__code"),
        FuncColumn("target", gettext_lazy("Set on"), order_by="target_code", func=target_text),
        FuncColumn(
            "target_kind",
            gettext_lazy("Target kind"),
            order_by="target_kind",
            func=lambda row: target_kind_label(row.target_kind),
        ),
        Column("get_basis_display", gettext_lazy("Basis"), order_by="basis"),
        FuncColumn("rate", gettext_lazy("Rate or amount"), func=rate_text),
        Column("effective_from", gettext_lazy("Effective from"), order_by="effective_from"),
        Column("effective_to", gettext_lazy("Effective to"), order_by="effective_to"),
        Column("is_active", gettext_lazy("Active"), order_by="is_active"),
    )
