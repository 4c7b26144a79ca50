"""The promotion list's table (one definition serves the page and the export). Every column reads
what :func:`medspa.catalog.promotion_selectors.promotions_for` loaded: no query per row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext

from medspa.catalog.promotion_selectors import PromotionStatus, promotion_describe, promotion_status
from medspa.core.tables import Column, Table

NS = "catalog_promotions"


@dataclass
class FuncColumn(Column):
    """A column whose value is computed from the row by ``func``."""

    func: Callable[[Any], Any] | None = None

    def raw(self, row: Any) -> Any:
        assert self.func is not None  # noqa: S101 - a declaration error, not input
        return self.func(row)


def window_text(promotion: Any) -> str:
    """``2026-05-01 00:00 – 2026-08-01 00:00`` in the clinic's time zone."""
    start, end = timezone.localtime(promotion.starts_at), timezone.localtime(promotion.ends_at)
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def status_label(promotion: Any) -> str:
    value = getattr(promotion, "status", None) or promotion_status(promotion)
    return str(PromotionStatus(value).label)


def branch_names(promotion: Any) -> str:
    return pgettext("list separator", ", ").join(b.name for b in promotion.branches.all())


def level_names(promotion: Any) -> str:
    """The member levels it is for; none named: every level."""
    names = [m.name for m in promotion.member_levels.all()]
    return pgettext("list separator", ", ").join(names) if names else str(gettext("Every level"))


class PromotionTable(Table):
    columns = (
        Column("code", gettext_lazy("Code"), order_by="code", link=f"{NS}:promotion_detail"),
        Column("name", gettext_lazy("Name"), order_by="name", link=f"{NS}:promotion_detail"),
        Column("get_kind_display", gettext_lazy("Kind"), order_by="kind"),
        FuncColumn("status", gettext_lazy("Status"), func=status_label),
        FuncColumn("rule", gettext_lazy("Rule"), func=promotion_describe),
        FuncColumn("window", gettext_lazy("Campaign period"), order_by="starts_at", func=window_text),
        FuncColumn("branches", gettext_lazy("Branches"), func=branch_names),
        FuncColumn("member_levels", gettext_lazy("Member levels"), func=level_names),
        Column("priority", gettext_lazy("Priority"), order_by="priority"),
        Column("is_exclusive", gettext_lazy("Exclusive"), order_by="is_exclusive"),
    )
