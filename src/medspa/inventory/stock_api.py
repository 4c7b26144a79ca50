"""REST endpoints of the stock queries: /inventory/balances (with the shortage, overstock,
near-expiry and expired views), /inventory/moves, /inventory/lots and /inventory/alerts. Each
one parses its schema and calls the selector or service the pages use, filtered by the pages'
FilterSets."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router

from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import PermissionDenied
from medspa.inventory import stock_selectors as selectors
from medspa.inventory import stock_services as services
from medspa.inventory.stock_filtersets import (
    AlertFilterSet,
    LevelFilterSet,
    MoveFilterSet,
    StockFilterSet,
)
from medspa.inventory.stock_schemas import (
    AlertFilters,
    AlertListOut,
    AlertReadIn,
    AlertReadOut,
    BalanceFilters,
    ExpiryListOut,
    LevelFilters,
    LotDetailOut,
    LotFilters,
    LotListOut,
    MoveFilters,
    MoveListOut,
    NearExpiryFilters,
    OverstockListOut,
    ShortageListOut,
    StockListOut,
)

router = Router(tags=["inventory stock"])

MAX_LOT_MOVES = 500


def _actor(request: HttpRequest, *perms: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not all(user.has_perm(f"inventory.{perm}") for perm in perms):
        raise PermissionDenied()
    return user


def _item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["item_id"],
        "code": row["item__code"],
        "name": row["item__name"],
        "specification": row["item__specification"],
        "base_unit": row["item__base_unit"],
    }


def _group_row(row: dict[str, Any]) -> dict[str, Any]:
    """An aggregated row of :func:`selectors.on_hand` in the shape of ``StockRowOut``."""
    out: dict[str, Any] = {"item": _item(row), "quantity": row["on_hand"], "value": row["value"]}
    if "warehouse_id" in row:
        out["warehouse"] = {
            "id": row["warehouse_id"],
            "code": row["warehouse__code"],
            "name": row["warehouse__name"],
        }
    if "lot_id" in row:
        out["lot"] = {
            "id": row["lot_id"],
            "batch_no": row["lot__batch_no"],
            "expiry_date": row["lot__expiry_date"],
            "unit_cost": row["lot__unit_cost"],
        }
    return out


def _with_totals(queryset: Any, params: ListParams) -> dict[str, Any]:
    """The list envelope plus the totals of every matching row."""
    result = page(queryset, params)
    totals = selectors.stock_totals(queryset)
    result.update(
        total_value=totals.value,
        total_quantity=totals.quantity if totals.unit is not None else None,
        unit=totals.unit,
    )
    return result


@router.get(
    "/inventory/balances",
    response=StockListOut,
    summary="Stock on hand: balance rows, or aggregated by item, warehouse or lot",
)
def balance_list(
    request: HttpRequest,
    params: Query[ListParams],
    filters: Query[BalanceFilters],
    group_by: Literal["item", "warehouse", "lot"] | None = None,
) -> Any:
    """Only rows with stock (quantity > 0) in the warehouses you see. ``value`` = quantity × lot
    unit cost; the totals cover every matching row, not just this page."""
    actor = _actor(request, "view_stockbalance")
    if group_by is None:
        queryset = filtered(request, StockFilterSet, selectors.balances_for(actor), filters)
        return _with_totals(queryset, params)
    queryset = filtered(request, StockFilterSet, selectors.on_hand(actor, group_by=group_by), filters)
    result = _with_totals(queryset, params)
    result["items"] = [_group_row(row) for row in result["items"]]
    return result


@router.get("/inventory/balances/shortages", response=ShortageListOut, summary="Items below their minimum")
def shortage_list(request: HttpRequest, params: Query[ListParams], filters: Query[LevelFilters]) -> Any:
    actor = _actor(request, "view_stockbalance")
    return page(filtered(request, LevelFilterSet, selectors.shortages(actor), filters), params)


@router.get("/inventory/balances/overstocks", response=OverstockListOut, summary="Items above their maximum")
def overstock_list(request: HttpRequest, params: Query[ListParams], filters: Query[LevelFilters]) -> Any:
    actor = _actor(request, "view_stockbalance")
    return page(filtered(request, LevelFilterSet, selectors.overstocks(actor), filters), params)


@router.get("/inventory/balances/near-expiry", response=ExpiryListOut, summary="Stock near its expiry date")
def near_expiry_list(
    request: HttpRequest, params: Query[ListParams], filters: Query[NearExpiryFilters]
) -> Any:
    """Lots expiring from today to today + ``days`` (default: parameter inventory.near_expiry_days)."""
    actor = _actor(request, "view_stockbalance")
    queryset = selectors.near_expiry(actor, filters.days)
    stock_filters = BalanceFilters(**filters.dict(exclude={"days"}))
    return _with_totals(filtered(request, StockFilterSet, queryset, stock_filters), params)


@router.get("/inventory/balances/expired", response=ExpiryListOut, summary="Expired stock")
def expired_list(request: HttpRequest, params: Query[ListParams], filters: Query[BalanceFilters]) -> Any:
    actor = _actor(request, "view_stockbalance")
    return _with_totals(filtered(request, StockFilterSet, selectors.expired(actor), filters), params)


@router.get("/inventory/moves", response=MoveListOut, summary="Stock moves (the ledger), newest first")
def move_list(request: HttpRequest, params: Query[ListParams], filters: Query[MoveFilters]) -> Any:
    """``batch_no=X`` answers "where did lot X go" over every warehouse you see."""
    actor = _actor(request, "view_stockmove")
    return page(filtered(request, MoveFilterSet, selectors.moves_for(actor), filters), params)


@router.get("/inventory/lots", response=LotListOut, summary="Lots with the quantity on hand")
def lot_list(request: HttpRequest, params: Query[ListParams], filters: Query[LotFilters]) -> Any:
    actor = _actor(request, "view_lot")
    queryset = selectors.lots_for(
        actor, item_id=filters.item, batch_no=filters.batch_no, expiring_within=filters.expiring_within
    )
    return page(queryset, params)


@router.get("/inventory/lots/{lot_id}", response=LotDetailOut, summary="One lot: where it is and its moves")
def lot_detail(request: HttpRequest, lot_id: int) -> Any:
    actor = _actor(request, "view_lot", "view_stockbalance", "view_stockmove")
    lot = selectors.lot_get_for(actor, lot_id)
    moves = selectors.moves_for(actor, lot_id=lot.pk)
    return {
        "id": lot.pk,
        "item": lot.item,
        "batch_no": lot.batch_no,
        "production_date": lot.production_date,
        "expiry_date": lot.expiry_date,
        "unit_cost": lot.unit_cost,
        "supplier": lot.supplier,
        "on_hand": lot.on_hand,  # type: ignore[attr-defined]
        "value": lot.value,  # type: ignore[attr-defined]
        "locations": list(selectors.balances_for(actor, lot_id=lot.pk)),
        "moves": list(moves[:MAX_LOT_MOVES]),
        "moves_count": moves.count(),
    }


@router.get(
    "/inventory/alerts", response=AlertListOut, summary="Stock alerts (unread unless status=all/read)"
)
def alert_list(request: HttpRequest, params: Query[ListParams], filters: Query[AlertFilters]) -> Any:
    actor = _actor(request, "view_stockalert")
    return page(filtered(request, AlertFilterSet, selectors.alerts_for(actor), filters), params)


@router.post("/inventory/alerts/read", response=AlertReadOut, summary="Mark alerts as read")
def alert_read(request: HttpRequest, payload: AlertReadIn) -> Any:
    """Every id must be an alert you see, else nothing changes (404); already read ones are kept."""
    actor = _actor(request)
    return {"marked": services.alert_mark_read(actor=actor, alert_ids=payload.alert_ids)}
