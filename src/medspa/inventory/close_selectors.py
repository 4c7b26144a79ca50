"""Reads of the monthly close and of stock as of any moment (INV-10).

There is no running balance on the ledger: the quantity of a warehouse at a moment is the last
closed month's lines (a month whose end lies at or before the moment) plus the moves dated from
that month's end up to the moment; without such a close, every move before the moment. Monthly
closes are seen through their warehouse (branch and department scope)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, QuerySet, Sum
from django.utils.translation import gettext as _

from medspa.accounts.models import User
from medspa.accounts.scope import scope_queryset
from medspa.core import money
from medspa.core.errors import NotFound, ValidationError
from medspa.inventory.choices import CloseStatus
from medspa.inventory.ledger import QTY_PLACES, month_end_moment, month_start
from medspa.inventory.master_selectors import warehouses_for
from medspa.inventory.models import Company, Item, Lot, MonthClose, MonthCloseLine, StockMove, Warehouse

__all__ = [
    "AsOf",
    "AsOfRow",
    "balances_as_of",
    "close_get_for",
    "close_is_latest",
    "close_lines",
    "closes_for",
    "quantities_as_of",
]

Key = tuple[int, int, int | None]  # item, lot, owner (None: the hospital's own stock)


def closes_for(actor: User) -> QuerySet[MonthClose]:
    """Monthly closes of the warehouses the actor sees, latest month first, with ``line_count``."""
    queryset = (
        MonthClose.objects.select_related("warehouse", "closed_by")
        .annotate(line_count=Count("lines"))
        .order_by("warehouse__code", "-month", "pk")
    )
    return scope_queryset(queryset, actor, branch="warehouse__branch", department="warehouse__department")


def close_get_for(actor: User, pk: int) -> MonthClose:
    found = closes_for(actor).select_related("warehouse__branch").filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def close_lines(close: MonthClose) -> QuerySet[MonthCloseLine]:
    """The lines of a close by item code and lot, with item, lot and owner loaded."""
    return (
        MonthCloseLine.objects.filter(close=close)
        .select_related("item", "lot", "owner")
        .order_by("item__code", F("lot__expiry_date").asc(nulls_last=True), "lot_id", "owner_id")
    )


def close_is_latest(close: MonthClose) -> bool:
    """Whether ``close`` is the latest closed month of its warehouse (the one that may reopen)."""
    if close.status != CloseStatus.CLOSED:
        return False
    return not MonthClose.objects.filter(
        warehouse_id=close.warehouse_id, status=CloseStatus.CLOSED, month__gt=close.month
    ).exists()


def quantities_as_of(*, warehouse_id: int, at: datetime.datetime) -> dict[Key, Decimal]:
    """The quantity per (item, lot, owner) of a warehouse at the moment ``at`` (moves dated
    before it): the last closed month whose end is at or before ``at``, plus the moves since its
    end. Zero rows are left out."""
    if not isinstance(at, datetime.datetime) or at.tzinfo is None:
        raise ValueError("quantities_as_of needs an aware datetime")
    totals: dict[Key, Decimal] = defaultdict(Decimal)
    moves = StockMove.objects.filter(warehouse_id=warehouse_id, posted_at__lt=at)
    # A month's end (local midnight of the next month's first day) is at or before ``at``
    # exactly when the month lies before the month of ``at``.
    close = (
        MonthClose.objects.filter(
            warehouse_id=warehouse_id, status=CloseStatus.CLOSED, month__lt=month_start(at)
        )
        .order_by("-month")
        .first()
    )
    if close is not None:
        for line in close.lines.values("item_id", "lot_id", "owner_id", "quantity"):
            totals[(line["item_id"], line["lot_id"], line["owner_id"])] += line["quantity"]
        moves = moves.filter(posted_at__gte=month_end_moment(close.month))
    for row in moves.values("item_id", "lot_id", "owner_id").annotate(total=Sum("quantity")).order_by():
        # Quantized per row: SQLite sums NUMERIC columns as binary floats (0.1 + 0.2 - 0.3 ≠ 0).
        totals[(row["item_id"], row["lot_id"], row["owner_id"])] += Decimal(row["total"]).quantize(QTY_PLACES)
    rounded = {key: quantity.quantize(QTY_PLACES) for key, quantity in totals.items()}
    return {key: quantity for key, quantity in rounded.items() if quantity}


@dataclass(frozen=True)
class AsOfRow:
    """One item, lot and owner of a warehouse at a moment, valued at the lot's cost."""

    lot: Lot
    owner: Company | None
    quantity: Decimal
    value: Decimal

    @property
    def pk(self) -> int:
        return self.lot.pk

    @property
    def item(self) -> Item:
        return self.lot.item

    @property
    def unit_cost(self) -> Decimal:
        return self.lot.unit_cost


@dataclass(frozen=True)
class AsOf:
    warehouse: Warehouse
    at: datetime.datetime
    rows: list[AsOfRow]

    @property
    def total_value(self) -> Decimal:
        return sum((row.value for row in self.rows), Decimal("0.00"))

    @property
    def total_quantity(self) -> Decimal:
        return sum((row.quantity for row in self.rows), Decimal("0.000"))


def balances_as_of(actor: User, *, warehouse_id: int, at: datetime.datetime) -> AsOf:
    """The stock of a warehouse the actor sees at the moment ``at``, one row per item, lot and
    owner by item code and expiry, each valued at its lot's cost (rounded to the fen)."""
    if not isinstance(at, datetime.datetime) or at.tzinfo is None:
        raise ValidationError(_("Enter a date and time."), field="at")
    warehouse = warehouses_for(actor).filter(pk=warehouse_id).first()
    if warehouse is None:
        raise NotFound()
    quantities = quantities_as_of(warehouse_id=warehouse.pk, at=at)
    lots = Lot.objects.select_related("item").in_bulk({key[1] for key in quantities})
    owner_ids = {key[2] for key in quantities if key[2] is not None}
    owners = Company.objects.in_bulk(owner_ids) if owner_ids else {}
    rows = [
        AsOfRow(
            lot=lots[lot_id],
            owner=owners.get(owner_id) if owner_id is not None else None,
            quantity=quantity,
            value=money.quantize(quantity * lots[lot_id].unit_cost),
        )
        for (_item_id, lot_id, owner_id), quantity in quantities.items()
    ]
    rows.sort(
        key=lambda row: (
            row.lot.item.code,
            row.lot.expiry_date is None,
            row.lot.expiry_date or datetime.date.min,
            row.lot.pk,
            row.owner.pk if row.owner is not None else 0,
        )
    )
    return AsOf(warehouse=warehouse, at=at, rows=rows)
