"""Tables of the monthly close list and of stock as of a moment (page and export)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from medspa.core.tables import Column, Table


def _month(value: datetime.date | None) -> str:
    return f"{value:%Y-%m}" if value else ""


class CloseTable(Table):
    columns = (
        Column("warehouse.name", _("Warehouse"), order_by="warehouse__code"),
        Column("month", _("Month"), order_by="month", link="inventory_close:detail", render=_month),
        Column("get_status_display", _("Status"), order_by="status"),
        Column("line_count", _("Lines"), order_by="line_count"),
        Column("closing_value", _("Closing value"), order_by="closing_value", money=True),
        Column("closed_at", _("Closed at"), order_by="closed_at"),
        Column("closed_by", _("Closed by")),
    )


class AsOfTable(Table):
    """Rows of :func:`medspa.inventory.close_selectors.balances_as_of`."""

    columns = (
        Column("item.code", _("Item code")),
        Column("item.name", _("Item")),
        Column("item.specification", _("Specification")),
        Column("lot.batch_no", _("Batch no")),
        Column("lot.expiry_date", _("Expiry date")),
        Column("owner.name", _("Consigned by")),
        Column("quantity", _("Quantity")),
        Column("item.base_unit", _("Unit")),
        Column("unit_cost", _("Unit cost")),
        Column("value", _("Value"), money=True),
    )
