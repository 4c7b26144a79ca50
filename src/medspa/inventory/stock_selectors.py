"""Reads of the stock (INV-03, INV-09, INV-10): what is on hand where and what it is worth, the
shortage / overstock / near-expiry / expired views, the movement history, lots, and the stock
alerts.

Every selector takes ``actor`` and applies the data scope once: balances, moves and alerts are
warehouse-bound (``branch``, department through ``warehouse__department``), so a department
storekeeper sees only her department's warehouses; lots belong to the organisation's item master.

On-hand figures always read :class:`StockBalance` (the cached quantity, a few rows per item and
lot), never the sum of the moves. Values are ``quantity × lot.unit_cost`` computed in the
database at full precision; they are rounded to the fen only when shown or totalled.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from medspa.accounts.scope import scope_queryset
from medspa.configuration.params import param_value_for
from medspa.core.errors import NotFound, ValidationError
from medspa.core.money import ZERO, quantize
from medspa.inventory.models import (
    ItemCategory,
    Lot,
    StockAlert,
    StockBalance,
    StockLevel,
    StockMove,
    Warehouse,
)
from medspa.inventory.params import NEAR_EXPIRY_DAYS

__all__ = [
    "GROUPS",
    "StockTotals",
    "alert_get_for",
    "alerts_for",
    "annotate_on_hand",
    "balances_for",
    "category_subtree_ids",
    "expired",
    "filter_balances",
    "filter_levels",
    "filter_moves",
    "lot_get_for",
    "lots_for",
    "moves_for",
    "near_expiry",
    "near_expiry_days",
    "on_hand",
    "overstocks",
    "shortages",
    "stock_category_choices",
    "stock_totals",
    "stock_warehouse_choices",
]

GroupBy = Literal["item", "warehouse", "lot"]
Direction = Literal["in", "out"]
OwnerFilter = Literal["own", "consignment"] | int

QTY_FIELD = DecimalField(max_digits=14, decimal_places=3)
# quantity (3 places) × unit cost (4 places): exact at 7 places; summed over many rows.
VALUE_FIELD = DecimalField(max_digits=30, decimal_places=7)
BALANCE_VALUE = ExpressionWrapper(F("quantity") * F("lot__unit_cost"), output_field=VALUE_FIELD)
MOVE_VALUE = ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=VALUE_FIELD)

_ITEM_FIELDS = ("item_id", "item__code", "item__name", "item__specification", "item__base_unit")
# The fields of each aggregated view of the stock page (and GET /inventory/balances?group_by=).
GROUPS: dict[str, tuple[str, ...]] = {
    "item": _ITEM_FIELDS,
    "warehouse": ("warehouse_id", "warehouse__code", "warehouse__name", *_ITEM_FIELDS),
    "lot": ("lot_id", "lot__batch_no", "lot__expiry_date", "lot__unit_cost", *_ITEM_FIELDS),
}
_GROUP_ORDER: dict[str, tuple[str, ...]] = {
    "item": ("item__code", "item_id"),
    "warehouse": ("warehouse__code", "warehouse_id", "item__code", "item_id"),
    "lot": ("item__code", "item_id", "lot__expiry_date", "lot__batch_no", "lot_id"),
}


# --- scope and shared filters ---------------------------------------------------------------------


def _scoped[M: (StockBalance, StockMove, StockAlert)](queryset: QuerySet[M], actor: Any) -> QuerySet[M]:
    """Warehouse-bound rows: the actor's branch (or organisation); at department scope only the
    warehouses of her departments (central warehouses have no department and stay hidden)."""
    return scope_queryset(queryset, actor, branch="branch", department="warehouse__department")


def _positive_balances(actor: Any) -> QuerySet[StockBalance]:
    return _scoped(StockBalance.objects.filter(quantity__gt=0), actor)


def category_subtree_ids(category_id: int) -> list[int]:
    """``category_id`` and every category below it (one query over the organisation's tree)."""
    organisation = ItemCategory.objects.filter(pk=category_id).values("organisation_id")
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in ItemCategory.objects.filter(organisation_id__in=organisation).values_list(
        "pk", "parent_id"
    ):
        children[parent_id].append(pk)
    ids: list[int] = []
    frontier = [category_id] if any(category_id in kids for kids in children.values()) else []
    while frontier:
        ids.extend(frontier)
        frontier = [child for parent in frontier for child in children.get(parent, [])]
    return ids


def _item_search(q: str, prefix: str = "item__") -> Q:
    """Item code, name, or pinyin (full or initials) containing ``q``."""
    text = q.strip()
    return (
        Q(**{f"{prefix}code__icontains": text})
        | Q(**{f"{prefix}name__icontains": text})
        | Q(**{f"{prefix}pinyin__icontains": text.lower().replace(" ", "")})
    )


def filter_balances(
    queryset: QuerySet[Any],
    *,
    warehouse_id: int | None = None,
    item_id: int | None = None,
    lot_id: int | None = None,
    category_id: int | None = None,
    q: str | None = None,
    owner: OwnerFilter | None = None,
) -> QuerySet[Any]:
    """The stock filters, on balance rows or on an aggregated view of them: ``category_id``
    includes its subcategories; ``q`` is an item code, name or pinyin or a batch number;
    ``owner`` is ``"own"`` (the hospital's stock), ``"consignment"`` (any supplier's) or a
    company id."""
    if warehouse_id is not None:
        queryset = queryset.filter(warehouse_id=warehouse_id)
    if item_id is not None:
        queryset = queryset.filter(item_id=item_id)
    if lot_id is not None:
        queryset = queryset.filter(lot_id=lot_id)
    if category_id is not None:
        queryset = queryset.filter(item__category_id__in=category_subtree_ids(category_id))
    if q and q.strip():
        queryset = queryset.filter(_item_search(q) | Q(lot__batch_no__icontains=q.strip()))
    if owner == "own":
        queryset = queryset.filter(owner__isnull=True)
    elif owner == "consignment":
        queryset = queryset.filter(owner__isnull=False)
    elif isinstance(owner, int):
        queryset = queryset.filter(owner_id=owner)
    return queryset


# --- on hand --------------------------------------------------------------------------------------


def balances_for(
    actor: Any,
    *,
    warehouse_id: int | None = None,
    item_id: int | None = None,
    lot_id: int | None = None,
    category_id: int | None = None,
    q: str | None = None,
    owner: OwnerFilter | None = None,
) -> QuerySet[StockBalance]:
    """The balance rows with stock (quantity > 0) in the actor's scope, with item, lot,
    warehouse, bin and owner loaded and ``value`` = quantity × lot unit cost (unrounded)."""
    queryset = (
        _positive_balances(actor)
        .select_related("item", "lot", "warehouse", "bin", "owner")
        .annotate(value=BALANCE_VALUE)
        .order_by("warehouse__code", "warehouse_id", "item__code", "lot__expiry_date", "lot_id", "pk")
    )
    return filter_balances(
        queryset,
        warehouse_id=warehouse_id,
        item_id=item_id,
        lot_id=lot_id,
        category_id=category_id,
        q=q,
        owner=owner,
    )


def on_hand(
    actor: Any,
    *,
    group_by: GroupBy,
    warehouse_id: int | None = None,
    item_id: int | None = None,
    lot_id: int | None = None,
    category_id: int | None = None,
    q: str | None = None,
    owner: OwnerFilter | None = None,
) -> QuerySet[StockBalance, dict[str, Any]]:
    """The stock page's three views, aggregated in the database: ``"item"`` (one row per item),
    ``"warehouse"`` (per warehouse and item) or ``"lot"`` (per lot, over the warehouses in scope).
    Each row is a dict of :data:`GROUPS` ``[group_by]`` plus ``on_hand`` and ``value``.
    Further filters (:func:`filter_balances`) may be applied to the result."""
    if group_by not in GROUPS:
        raise ValidationError(_("Choose a view: by item, by warehouse or by lot."), field="group_by")
    queryset = filter_balances(
        _positive_balances(actor),
        warehouse_id=warehouse_id,
        item_id=item_id,
        lot_id=lot_id,
        category_id=category_id,
        q=q,
        owner=owner,
    )
    return (
        queryset.values(*GROUPS[group_by])
        .annotate(on_hand=Sum("quantity"), value=Sum(BALANCE_VALUE))
        .order_by(*_GROUP_ORDER[group_by])
    )


@dataclass(frozen=True)
class StockTotals:
    """The totals row: the value rounded to the fen; the quantity only means something when every
    row counts in the same unit (``unit`` is then that unit, else ``None``)."""

    rows: int
    quantity: Decimal
    value: Decimal
    unit: str | None


def stock_totals(rows: QuerySet[Any]) -> StockTotals:
    """Totals of a filtered list of balance rows or of an aggregated view (one query)."""
    quantity = "on_hand" if "on_hand" in rows.query.annotations else "quantity"
    data = rows.order_by().aggregate(
        total_rows=Count("*"),
        total_quantity=Sum(quantity),
        total_value=Sum("value"),
        first_unit=Min("item__base_unit"),
        last_unit=Max("item__base_unit"),
    )
    return StockTotals(
        rows=data["total_rows"] or 0,
        quantity=data["total_quantity"] or Decimal("0.000"),
        value=quantize(data["total_value"]) if data["total_value"] is not None else ZERO,
        unit=data["first_unit"] if data["first_unit"] == data["last_unit"] else None,
    )


# --- levels: shortage and overstock ---------------------------------------------------------------


def annotate_on_hand(levels: QuerySet[StockLevel]) -> QuerySet[StockLevel]:
    """``on_hand``: the quantity of the level's item in the level's warehouse (all lots, bins and
    owners; zero without stock), read from the balances (index ``stockbalance_item_wh``)."""
    total = (
        StockBalance.objects.filter(item_id=OuterRef("item_id"), warehouse_id=OuterRef("warehouse_id"))
        .order_by()
        .values("item_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return levels.annotate(
        on_hand=Coalesce(Subquery(total, output_field=QTY_FIELD), Value(Decimal(0)), output_field=QTY_FIELD)
    )


def filter_levels(
    queryset: QuerySet[StockLevel],
    *,
    warehouse_id: int | None = None,
    item_id: int | None = None,
    category_id: int | None = None,
    q: str | None = None,
) -> QuerySet[StockLevel]:
    if warehouse_id is not None:
        queryset = queryset.filter(warehouse_id=warehouse_id)
    if item_id is not None:
        queryset = queryset.filter(item_id=item_id)
    if category_id is not None:
        queryset = queryset.filter(item__category_id__in=category_subtree_ids(category_id))
    if q and q.strip():
        queryset = queryset.filter(_item_search(q))
    return queryset


def _levels_for(actor: Any) -> QuerySet[StockLevel]:
    levels = StockLevel.objects.filter(warehouse__is_active=True, item__is_active=True)
    levels = scope_queryset(levels, actor, branch="warehouse__branch", department="warehouse__department")
    return annotate_on_hand(levels.select_related("item", "warehouse")).order_by(
        "warehouse__code", "warehouse_id", "item__code", "pk"
    )


def shortages(
    actor: Any,
    *,
    warehouse_id: int | None = None,
    item_id: int | None = None,
    category_id: int | None = None,
    q: str | None = None,
) -> QuerySet[StockLevel]:
    """库存不足: the stock levels (item × warehouse) whose on-hand quantity is below the minimum
    (an item with a level and no stock at all counts), with ``on_hand`` and ``missing``."""
    queryset = (
        _levels_for(actor)
        .filter(Q(on_hand__lt=F("min_quantity")))
        .annotate(missing=ExpressionWrapper(F("min_quantity") - F("on_hand"), output_field=QTY_FIELD))
    )
    return filter_levels(queryset, warehouse_id=warehouse_id, item_id=item_id, category_id=category_id, q=q)


def overstocks(
    actor: Any,
    *,
    warehouse_id: int | None = None,
    item_id: int | None = None,
    category_id: int | None = None,
    q: str | None = None,
) -> QuerySet[StockLevel]:
    """库存积压: the stock levels whose on-hand quantity is above the maximum (levels without a
    maximum never are), with ``on_hand`` and ``excess``."""
    queryset = (
        _levels_for(actor)
        .filter(Q(max_quantity__isnull=False, on_hand__gt=F("max_quantity")))
        .annotate(excess=ExpressionWrapper(F("on_hand") - F("max_quantity"), output_field=QTY_FIELD))
    )
    return filter_levels(queryset, warehouse_id=warehouse_id, item_id=item_id, category_id=category_id, q=q)


# --- expiry ---------------------------------------------------------------------------------------


def near_expiry_days(actor: Any) -> int:
    """Parameter ``inventory.near_expiry_days`` for the actor's organisation and branch."""
    return int(param_value_for(actor, NEAR_EXPIRY_DAYS))


def near_expiry(
    actor: Any,
    days: int | None = None,
    *,
    today: datetime.date | None = None,
    warehouse_id: int | None = None,
    item_id: int | None = None,
    category_id: int | None = None,
    q: str | None = None,
    owner: OwnerFilter | None = None,
) -> QuerySet[StockBalance]:
    """近效期: balance rows with stock whose lot expires within ``days`` (default: the parameter
    ``inventory.near_expiry_days``) — from today (the last usable day, 0 days left) to today +
    ``days`` — soonest first."""
    if days is None:
        days = near_expiry_days(actor)
    if days < 0:
        raise ValidationError(_("The number of days must be zero or more."), field="days")
    today = today or timezone.localdate()
    last = today + datetime.timedelta(days=min(days, 36500))
    queryset = balances_for(
        actor, warehouse_id=warehouse_id, item_id=item_id, category_id=category_id, q=q, owner=owner
    )
    return queryset.filter(lot__expiry_date__gte=today, lot__expiry_date__lte=last).order_by(
        "lot__expiry_date", "item__code", "warehouse__code", "pk"
    )


def expired(
    actor: Any,
    *,
    today: datetime.date | None = None,
    warehouse_id: int | None = None,
    item_id: int | None = None,
    category_id: int | None = None,
    q: str | None = None,
    owner: OwnerFilter | None = None,
) -> QuerySet[StockBalance]:
    """已过期: balance rows with stock whose lot expired before today, longest expired first."""
    today = today or timezone.localdate()
    queryset = balances_for(
        actor, warehouse_id=warehouse_id, item_id=item_id, category_id=category_id, q=q, owner=owner
    )
    return queryset.filter(lot__expiry_date__lt=today).order_by(
        "lot__expiry_date", "item__code", "warehouse__code", "pk"
    )


# --- movement history -----------------------------------------------------------------------------


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filter_moves(
    queryset: QuerySet[StockMove],
    *,
    item_id: int | None = None,
    lot_id: int | None = None,
    batch_no: str | None = None,
    warehouse_id: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    direction: Direction | None = None,
    move_type: str | None = None,
    document_number: str | None = None,
    q: str | None = None,
) -> QuerySet[StockMove]:
    """The movement-history filters: dates are local days (both ends included); ``direction``
    ``"in"`` keeps receipts (positive moves), ``"out"`` issues (negative); ``batch_no`` matches
    exactly (every cost layer of the batch); ``document_number`` and ``q`` (item code, name or
    pinyin) match a part."""
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ValidationError(_("The start date must not be after the end date."), field="date_from")
    if item_id is not None:
        queryset = queryset.filter(item_id=item_id)
    if lot_id is not None:
        queryset = queryset.filter(lot_id=lot_id)
    if batch_no and batch_no.strip():
        queryset = queryset.filter(lot__batch_no=batch_no.strip())
    if warehouse_id is not None:
        queryset = queryset.filter(warehouse_id=warehouse_id)
    if date_from is not None:
        queryset = queryset.filter(posted_at__gte=_day_start(date_from))
    if date_to is not None:
        queryset = queryset.filter(posted_at__lt=_day_start(date_to + datetime.timedelta(days=1)))
    if direction == "in":
        queryset = queryset.filter(quantity__gt=0)
    elif direction == "out":
        queryset = queryset.filter(quantity__lt=0)
    if move_type:
        queryset = queryset.filter(move_type=move_type)
    if document_number and document_number.strip():
        queryset = queryset.filter(document_number__icontains=document_number.strip())
    if q and q.strip():
        queryset = queryset.filter(_item_search(q))
    return queryset


def moves_for(
    actor: Any,
    *,
    item_id: int | None = None,
    lot_id: int | None = None,
    batch_no: str | None = None,
    warehouse_id: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    direction: Direction | None = None,
    move_type: str | None = None,
    document_number: str | None = None,
    q: str | None = None,
) -> QuerySet[StockMove]:
    """出入库流水: the ledger entries in the actor's scope, newest first, with ``value`` =
    quantity × the move's unit cost. "Where did lot X go" is ``moves_for(actor, batch_no=X)``."""
    queryset = (
        _scoped(StockMove.objects.all(), actor)
        .select_related("item", "lot", "warehouse", "bin", "owner", "actor", "serial")
        .annotate(value=MOVE_VALUE)
        .order_by("-posted_at", "-pk")
    )
    return filter_moves(
        queryset,
        item_id=item_id,
        lot_id=lot_id,
        batch_no=batch_no,
        warehouse_id=warehouse_id,
        date_from=date_from,
        date_to=date_to,
        direction=direction,
        move_type=move_type,
        document_number=document_number,
        q=q,
    )


# --- lots -----------------------------------------------------------------------------------------


def _lot_on_hand(actor: Any) -> Coalesce:
    total = (
        _positive_balances(actor)
        .filter(lot_id=OuterRef("pk"))
        .order_by()
        .values("lot_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=QTY_FIELD), Value(Decimal(0)), output_field=QTY_FIELD)


def lots_for(
    actor: Any,
    *,
    item_id: int | None = None,
    batch_no: str | None = None,
    expiring_within: int | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Lot]:
    """The lots (批次) of the organisation's items with ``on_hand`` (the quantity in the
    warehouses the actor sees) and ``value`` (on hand × unit cost). ``batch_no`` matches a part;
    ``expiring_within`` keeps lots expiring from today to today + that many days."""
    queryset = scope_queryset(
        Lot.objects.select_related("item", "supplier"), actor, branch=None, organisation="item__organisation"
    )
    queryset = queryset.annotate(on_hand=_lot_on_hand(actor)).annotate(
        value=ExpressionWrapper(F("on_hand") * F("unit_cost"), output_field=VALUE_FIELD)
    )
    if item_id is not None:
        queryset = queryset.filter(item_id=item_id)
    if batch_no and batch_no.strip():
        queryset = queryset.filter(batch_no__icontains=batch_no.strip())
    if expiring_within is not None:
        if expiring_within < 0:
            raise ValidationError(_("The number of days must be zero or more."), field="expiring_within")
        today = today or timezone.localdate()
        last = today + datetime.timedelta(days=min(expiring_within, 36500))
        queryset = queryset.filter(expiry_date__gte=today, expiry_date__lte=last)
    return queryset.order_by("item__code", "expiry_date", "batch_no", "pk")


def lot_get_for(actor: Any, pk: int) -> Lot:
    """One lot of the actor's organisation with ``on_hand`` and ``value``; NotFound otherwise."""
    lot = lots_for(actor).filter(pk=pk).first()
    if lot is None:
        raise NotFound()
    return lot


# --- alerts ---------------------------------------------------------------------------------------


def alerts_for(actor: Any, *, unread: bool | None = None, kind: str | None = None) -> QuerySet[StockAlert]:
    """The stock alerts in the actor's scope, newest day first; ``unread=True`` only those not
    yet marked read (``False``: only read ones)."""
    queryset = _scoped(StockAlert.objects.all(), actor).select_related(
        "warehouse", "item", "lot", "certificate__company", "read_by"
    )
    if unread is not None:
        queryset = queryset.filter(read_at__isnull=unread)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("-day", "-pk")


def alert_get_for(actor: Any, pk: int) -> StockAlert:
    alert = alerts_for(actor).filter(pk=pk).first()
    if alert is None:
        raise NotFound()
    return alert


# --- filter choices -------------------------------------------------------------------------------


def stock_warehouse_choices(actor: Any) -> QuerySet[Warehouse]:
    """The warehouses the actor's stock filters offer: those in her scope, active ones first."""
    queryset = scope_queryset(Warehouse.objects.all(), actor, branch="branch", department="department")
    return queryset.order_by("-is_active", "branch_id", "code")


def stock_category_choices(actor: Any) -> QuerySet[ItemCategory]:
    """The item categories of the actor's organisation (parent loaded for the label)."""
    queryset = scope_queryset(
        ItemCategory.objects.select_related("parent"), actor, branch=None, organisation="organisation"
    )
    return queryset.order_by("order", "code")
