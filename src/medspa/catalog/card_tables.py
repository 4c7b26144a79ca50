"""The card type list (one definition serves the page and the export)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from medspa.catalog.card_selectors import card_type_sharing_text, card_type_summary, card_type_validity_text
from medspa.core.tables import Column, Table


@dataclass
class FuncColumn(Column):
    """A column computed from the row by ``func`` (from the rows the selector prefetched)."""

    func: Callable[[Any], Any] | None = None

    def raw(self, row: Any) -> Any:
        assert self.func is not None  # noqa: S101 - a declaration error, not input
        return self.func(row)


class CardTypeTable(Table):
    columns = (
        Column("code", _("Code"), order_by="code", link="catalog_cards:cardtype_detail"),
        Column("name", _("Name"), order_by="name", link="catalog_cards:cardtype_detail"),
        Column("get_kind_display", _("Kind"), order_by="kind"),
        Column("price", _("Price"), order_by="price", money=True),
        FuncColumn("summary", _("Content"), func=card_type_summary),
        FuncColumn("validity", _("Validity"), func=card_type_validity_text),
        Column("is_transferable", _("Transferable"), order_by="is_transferable"),
        FuncColumn("sharing", _("Shareable"), func=card_type_sharing_text),
        Column("is_active", _("Active"), order_by="is_active"),
    )
