"""The stocktake list table (one definition serves the page and the export)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from medspa.core.tables import Column, Table


class StocktakeTable(Table):
    columns = (
        Column("number", _("Document no"), order_by="number", link="inventory_stocktake:detail"),
        Column("warehouse.name", _("Warehouse"), order_by="warehouse__code"),
        Column("get_status_display", _("Status"), order_by="status"),
        Column("snapshot_at", _("Snapshot at"), order_by="snapshot_at"),
        Column("line_count", _("Lines"), order_by="line_count"),
        Column("counted_count", _("Counted"), order_by="counted_count"),
        Column("submitted_by", _("Counted by")),
        Column("approved_by", _("Approved by")),
        Column("approved_at", _("Approved at"), order_by="approved_at"),
    )
