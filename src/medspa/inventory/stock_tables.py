"""Tables of the stock pages (one definition serves the page and the export). The aggregated
views of the stock page have dict rows (``values()`` + ``annotate()``); the columns here read
both dicts and model rows. Values are rounded to the fen for display and export only."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.core.money import format_cny, quantize
from medspa.core.tables import Cell, Column, Table
from medspa.inventory.choices import AlertKind, MoveType
from medspa.inventory.stock_selectors import StockTotals


def quantity_text(value: Decimal | None) -> str:
    """``Decimal("12.500")`` → ``"12.5"``, ``Decimal("-3.000")`` → ``"-3"``."""
    if value is None:
        return ""
    return f"{value.normalize():f}" if value else "0"


def _get(row: Any, accessor: str) -> Any:
    if isinstance(row, dict):
        return row.get(accessor)
    value = row
    for part in accessor.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    return value


@dataclass
class DataColumn(Column):
    """A column over model rows or dict rows. ``href(row)`` builds a link with a query string;
    ``link`` + ``link_key`` a link to ``reverse(link, args=[row[link_key]])``; ``total`` names
    the figure of :class:`StockTotals` shown under it (``"quantity"`` or ``"value"``)."""

    link_key: str = "pk"
    href: Callable[[Any], str | None] | None = None
    numeric: bool = False
    total: str | None = None

    def raw(self, row: Any) -> Any:
        if not isinstance(row, dict):
            return super().raw(row)
        value = row.get(self.accessor)
        return self.render(value) if self.render is not None else value

    def url(self, row: Any) -> str | None:
        if self.href is not None:
            return self.href(row)
        if not self.link:
            return None
        key = _get(row, self.link_key)
        return reverse(self.link, args=[key]) if key is not None else None


@dataclass
class QuantityColumn(DataColumn):
    """A quantity in base units, shown without trailing zeros; exported as a number."""

    numeric: bool = True

    def text(self, row: Any) -> str:
        return quantity_text(self.raw(row))


@dataclass
class ValueColumn(DataColumn):
    """An amount at full precision in the database, rounded half-up to the fen here."""

    money: bool = True

    def raw(self, row: Any) -> Any:
        value = super().raw(row)
        return quantize(value) if value is not None else None


@dataclass
class CostColumn(DataColumn):
    """A unit cost with its four places (``¥1.5000``)."""

    numeric: bool = True

    def text(self, row: Any) -> str:
        value = self.raw(row)
        return f"¥{value:,.4f}" if value is not None else ""


@dataclass
class DaysColumn(DataColumn):
    """Days from today to the date in ``accessor`` (negative: days ago)."""

    numeric: bool = True
    expired: bool = False

    def raw(self, row: Any) -> Any:
        day = _get(row, self.accessor)
        if not isinstance(day, datetime.date):
            return None
        days = (day - timezone.localdate()).days
        return -days if self.expired else days


class StockTable(Table):
    """Numbers right-aligned; a totals row; sorting that never groups by the primary key (the
    aggregated views name their own tie-breaker)."""

    tiebreak: Sequence[str] = ("pk",)

    @classmethod
    def order_by_fields(cls, sort: str) -> list[str]:
        if not sort:
            return []
        key = sort.removeprefix("-")
        prefix = "-" if sort.startswith("-") else ""
        return [prefix + cls.orderings()[key], *(prefix + field for field in cls.tiebreak)]

    def keyed_body(self) -> list[tuple[Any, list[Cell]]]:
        return [
            (
                _get(row, "pk"),
                [
                    Cell(text=c.text(row), url=c.url(row), numeric=c.money or getattr(c, "numeric", False))
                    for c in self.columns
                ],
            )
            for row in self.rows
        ]

    def footer(self, totals: StockTotals | None) -> list[Cell]:
        """The totals row: "合计" in the first column, the value under the value column and the
        quantity under the quantity column (only when every row counts in one unit)."""
        if totals is None:
            return []
        cells = []
        for index, column in enumerate(self.columns):
            total = getattr(column, "total", None)
            text = ""
            if total == "value":
                text = format_cny(totals.value)
            elif total == "quantity" and totals.unit is not None:
                text = quantity_text(totals.quantity)
            elif total == "unit" and totals.unit is not None:
                text = totals.unit
            elif index == 0:
                text = _("Total")
            cells.append(Cell(text=text, url=None, numeric=total in ("value", "quantity")))
        return cells


# --- links ----------------------------------------------------------------------------------------


def _moves_url(**params: Any) -> str:
    return f"{reverse('inventory_stock:moves')}?{urlencode(params)}"


def _item_moves(row: Any) -> str | None:
    item_id = _get(row, "item_id")
    return _moves_url(item=item_id) if item_id else None


def _item_stock(row: Any) -> str | None:
    item_id = _get(row, "item_id")
    return (
        f"{reverse('inventory_stock:stock')}?{urlencode({'view': 'lot', 'item': item_id})}"
        if item_id
        else None
    )


def _document_moves(row: Any) -> str | None:
    number = _get(row, "document_number")
    return _moves_url(document_number=number) if number else None


def _move_type(value: str | None) -> str:
    return str(MoveType(value).label) if value in MoveType.values else (value or "")


def _alert_kind(value: str | None) -> str:
    return str(AlertKind(value).label) if value in AlertKind.values else (value or "")


def _owner(value: Any) -> str:
    return str(value) if value is not None else str(_("Own stock"))


class OwnerColumn(DataColumn):
    """The consignment supplier, or "own stock" for the hospital's."""

    def raw(self, row: Any) -> Any:
        return _owner(_get(row, "owner"))


LOT = "inventory_stock:lot_detail"


# --- the stock page's three views -----------------------------------------------------------------


def _item_columns() -> tuple[DataColumn, ...]:
    return (
        DataColumn("item__code", gettext_lazy("Item code"), order_by="item__code", href=_item_stock),
        DataColumn("item__name", gettext_lazy("Item"), order_by="item__name", href=_item_stock),
        DataColumn("item__specification", gettext_lazy("Specification")),
        DataColumn("item__base_unit", gettext_lazy("Unit"), total="unit"),
    )


def _stock_figures() -> tuple[DataColumn, ...]:
    return (
        QuantityColumn("on_hand", gettext_lazy("Quantity"), order_by="on_hand", total="quantity"),
        ValueColumn("value", gettext_lazy("Value"), order_by="value", total="value"),
    )


class ItemStockTable(StockTable):
    """One row per item over the warehouses in scope."""

    columns = (*_item_columns(), *_stock_figures())
    tiebreak = ("item_id",)


class WarehouseStockTable(StockTable):
    """One row per warehouse and item."""

    columns = (
        DataColumn("warehouse__name", gettext_lazy("Warehouse"), order_by="warehouse__code"),
        *_item_columns(),
        *_stock_figures(),
    )
    tiebreak = ("warehouse_id", "item_id")


class LotStockTable(StockTable):
    """One row per lot (cost layer) over the warehouses in scope."""

    columns = (
        DataColumn("item__code", gettext_lazy("Item code"), order_by="item__code"),
        DataColumn("item__name", gettext_lazy("Item"), order_by="item__name"),
        DataColumn("item__specification", gettext_lazy("Specification")),
        DataColumn(
            "lot__batch_no", gettext_lazy("Batch no"), order_by="lot__batch_no", link=LOT, link_key="lot_id"
        ),
        DataColumn("lot__expiry_date", gettext_lazy("Expiry date"), order_by="lot__expiry_date"),
        CostColumn("lot__unit_cost", gettext_lazy("Unit cost"), order_by="lot__unit_cost"),
        DataColumn("item__base_unit", gettext_lazy("Unit"), total="unit"),
        *_stock_figures(),
    )
    tiebreak = ("lot_id",)


# --- balance rows: near expiry and expired ---------------------------------------------------------


def _balance_columns(days: DataColumn) -> tuple[DataColumn, ...]:
    return (
        DataColumn("warehouse.name", gettext_lazy("Warehouse"), order_by="warehouse__code"),
        DataColumn("bin.code", gettext_lazy("Bin")),
        DataColumn("item.code", gettext_lazy("Item code"), order_by="item__code"),
        DataColumn("item.name", gettext_lazy("Item"), order_by="item__name"),
        DataColumn("item.specification", gettext_lazy("Specification")),
        DataColumn(
            "lot.batch_no", gettext_lazy("Batch no"), order_by="lot__batch_no", link=LOT, link_key="lot_id"
        ),
        DataColumn("lot.expiry_date", gettext_lazy("Expiry date"), order_by="lot__expiry_date"),
        days,
        OwnerColumn("owner", gettext_lazy("Stock owner")),
        DataColumn("item.base_unit", gettext_lazy("Unit"), total="unit"),
        QuantityColumn("quantity", gettext_lazy("Quantity"), order_by="quantity", total="quantity"),
        ValueColumn("value", gettext_lazy("Value"), order_by="value", total="value"),
    )


class NearExpiryTable(StockTable):
    columns = _balance_columns(
        DaysColumn("lot.expiry_date", gettext_lazy("Days left"), order_by="lot__expiry_date")
    )


class ExpiredTable(StockTable):
    columns = _balance_columns(
        DaysColumn("lot.expiry_date", gettext_lazy("Days expired"), order_by="lot__expiry_date", expired=True)
    )


# --- levels: shortage and overstock ---------------------------------------------------------------


def _level_columns(gap: DataColumn) -> tuple[DataColumn, ...]:
    return (
        DataColumn("warehouse.name", gettext_lazy("Warehouse"), order_by="warehouse__code"),
        DataColumn("item.code", gettext_lazy("Item code"), order_by="item__code", href=_item_moves),
        DataColumn("item.name", gettext_lazy("Item"), order_by="item__name", href=_item_moves),
        DataColumn("item.specification", gettext_lazy("Specification")),
        DataColumn("item.base_unit", gettext_lazy("Unit")),
        QuantityColumn("min_quantity", gettext_lazy("Minimum"), order_by="min_quantity"),
        QuantityColumn("max_quantity", gettext_lazy("Maximum"), order_by="max_quantity"),
        QuantityColumn("on_hand", gettext_lazy("On hand"), order_by="on_hand"),
        gap,
    )


class ShortageTable(StockTable):
    columns = _level_columns(QuantityColumn("missing", gettext_lazy("Missing"), order_by="missing"))


class OverstockTable(StockTable):
    columns = _level_columns(QuantityColumn("excess", gettext_lazy("Excess"), order_by="excess"))


# --- movement history -----------------------------------------------------------------------------


class MoveTable(StockTable):
    columns = (
        DataColumn("posted_at", gettext_lazy("Posted at"), order_by="posted_at"),
        DataColumn(
            "document_number", gettext_lazy("Document no"), order_by="document_number", href=_document_moves
        ),
        DataColumn("move_type", gettext_lazy("Move type"), order_by="move_type", render=_move_type),
        DataColumn("warehouse.name", gettext_lazy("Warehouse"), order_by="warehouse__code"),
        DataColumn("item.code", gettext_lazy("Item code"), order_by="item__code", href=_item_moves),
        DataColumn("item.name", gettext_lazy("Item"), order_by="item__name", href=_item_moves),
        DataColumn(
            "lot.batch_no", gettext_lazy("Batch no"), order_by="lot__batch_no", link=LOT, link_key="lot_id"
        ),
        DataColumn("lot.expiry_date", gettext_lazy("Expiry date")),
        OwnerColumn("owner", gettext_lazy("Stock owner")),
        QuantityColumn("quantity", gettext_lazy("Quantity"), order_by="quantity"),
        DataColumn("item.base_unit", gettext_lazy("Unit")),
        CostColumn("unit_cost", gettext_lazy("Unit cost")),
        ValueColumn("value", gettext_lazy("Value"), order_by="value"),
        DataColumn("actor", gettext_lazy("Posted by")),
    )


# --- alerts ---------------------------------------------------------------------------------------


def _read_state(alert: Any) -> str:
    if alert.read_at is None:
        return str(_("Unread"))
    when = timezone.localtime(alert.read_at).strftime("%Y-%m-%d %H:%M")
    return _("Read by %(name)s at %(when)s") % {"name": alert.read_by or "—", "when": when}


class ReadStateColumn(DataColumn):
    def raw(self, row: Any) -> Any:
        return _read_state(row)


class AlertTable(StockTable):
    columns = (
        DataColumn("day", gettext_lazy("Day"), order_by="day"),
        DataColumn("kind", gettext_lazy("Kind"), order_by="kind", render=_alert_kind),
        DataColumn("message", gettext_lazy("Alert message")),
        DataColumn("warehouse.name", gettext_lazy("Warehouse")),
        ReadStateColumn("read_at", gettext_lazy("Status"), order_by="read_at"),
    )
