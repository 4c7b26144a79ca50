"""Tables of the configuration lists (one definition serves the page and the export)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from medspa.configuration.choices import DictionaryKind
from medspa.configuration.dictionaries import KIND_SPECS, KindSpec
from medspa.configuration.selectors import dictionary_item_depth, dictionary_item_path
from medspa.core.tables import Column, Table


class ItemLinkColumn(Column):
    """Links to a URL taking the row's kind and pk (the dictionary pages are per kind)."""

    def url(self, row: Any) -> str | None:
        return reverse(self.link, args=[row.kind, row.pk]) if self.link else None


class TreeNameColumn(ItemLinkColumn):
    """The entry's name indented by its depth in the tree."""

    def raw(self, row: Any) -> Any:
        depth = dictionary_item_depth(row)
        return ("\u3000" * (depth - 1) + "└ " if depth else "") + row.name


def _active(value: bool) -> str:
    return str(_("Active")) if value else str(_("Inactive"))


def _table_for(spec: KindSpec) -> type[Table]:
    columns: list[Column] = []
    if spec.is_tree:
        columns.append(
            TreeNameColumn("name", _("Name"), order_by="tree_key", link="configuration:dictionary_item_edit")
        )
    else:
        columns.append(
            ItemLinkColumn("name", _("Name"), order_by="name", link="configuration:dictionary_item_edit")
        )
    columns.append(Column("code", _("Code"), order_by="code"))
    if spec.is_tree:
        columns.append(Column("parent", _("Parent"), render=dictionary_item_path))
    elif spec.parent_kind is not None:
        columns.append(Column("parent.name", KIND_SPECS[spec.parent_kind].singular, order_by="parent__name"))
    if spec.has_colour:
        columns.append(Column("colour", _("Colour")))
    if spec.has_multiple:
        columns.append(Column("multiple", _("Multiple choice"), order_by="multiple"))
    columns.append(Column("order", _("Order"), order_by="order"))
    columns.append(Column("is_active", _("State"), order_by="is_active", render=_active))
    columns.append(Column("updated_at", _("Updated at"), order_by="updated_at"))
    return type(f"{spec.kind.title().replace('_', '')}Table", (Table,), {"columns": tuple(columns)})


DICTIONARY_TABLES: dict[DictionaryKind, type[Table]] = {
    kind: _table_for(spec) for kind, spec in KIND_SPECS.items()
}


class VisitStageTable(Table):
    columns = (
        Column("order", _("Order"), order_by="order"),
        Column("code", _("Code"), order_by="code"),
        Column("name", _("Name"), order_by="name", link="configuration:visit_stage_edit"),
        Column("is_active", _("State"), order_by="is_active", render=_active),
        Column("updated_at", _("Updated at"), order_by="updated_at"),
    )
