"""REST endpoints of the stocktake (INV-07) under /api/v1/inventory/stocktakes. Each parses its
schema and calls the selector or service the pages use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import PermissionDenied
from medspa.inventory import stocktake_selectors as selectors
from medspa.inventory import stocktake_services as services
from medspa.inventory.models import Stocktake
from medspa.inventory.stocktake_forms import StocktakeFilterSet
from medspa.inventory.stocktake_schemas import (
    ApproveIn,
    CountsIn,
    ScanIn,
    StocktakeDetailOut,
    StocktakeFilters,
    StocktakeIn,
    StocktakeLineOut,
    StocktakeListOut,
    SubmitIn,
)

router = Router(tags=["inventory: stocktakes"])

VIEW = "inventory.view_stocktake"


def _actor(request: HttpRequest, perm: str | None = None) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if perm is not None and not user.has_perm(perm):
        raise PermissionDenied()
    return user


def _detail(actor: Any, pk: int) -> Stocktake:
    stocktake = selectors.stocktake_get_for(actor, pk)
    lines = list(selectors.stocktake_lines(stocktake))
    stocktake.loaded_lines = lines  # type: ignore[attr-defined]
    stocktake.summary = selectors.stocktake_summary(lines)  # type: ignore[attr-defined]
    return stocktake


@router.get("/inventory/stocktakes", response=StocktakeListOut, summary="List stocktakes, newest first")
def stocktake_list(request: HttpRequest, params: Query[ListParams], filters: Query[StocktakeFilters]) -> Any:
    actor = _actor(request, VIEW)
    return page(filtered(request, StocktakeFilterSet, selectors.stocktakes_for(actor), filters), params)


@router.post("/inventory/stocktakes", response={201: StocktakeDetailOut}, summary="Start a stocktake")
def stocktake_create(request: HttpRequest, payload: StocktakeIn) -> Status:
    """Takes the book quantities of the warehouse now: one line per lot, bin and owner on hand.
    Refused (409) while the warehouse has another open stocktake."""
    actor = _actor(request)
    stocktake = services.stocktake_start(
        actor=actor, warehouse=payload.warehouse, category_id=payload.category, note=payload.note
    )
    return Status(201, _detail(actor, stocktake.pk))


@router.get(
    "/inventory/stocktakes/{stocktake_id}",
    response=StocktakeDetailOut,
    summary="One stocktake with its lines",
)
def stocktake_detail(request: HttpRequest, stocktake_id: int) -> Any:
    return _detail(_actor(request, VIEW), stocktake_id)


@router.post(
    "/inventory/stocktakes/{stocktake_id}/counts",
    response=StocktakeDetailOut,
    summary="Record typed counts",
)
def stocktake_counts(request: HttpRequest, stocktake_id: int, payload: CountsIn) -> Any:
    actor = _actor(request)
    counts = [(count.line, count.quantity) for count in payload.counts]
    services.stocktake_count(actor=actor, stocktake=stocktake_id, counts=counts)
    return _detail(actor, stocktake_id)


@router.post(
    "/inventory/stocktakes/{stocktake_id}/scan",
    response=StocktakeLineOut,
    summary="Add a scanned code to the count",
)
def stocktake_scan(request: HttpRequest, stocktake_id: int, payload: ScanIn) -> Any:
    """Returns the counted line (a new line with book quantity 0 for a lot found on the shelf but
    not in the book)."""
    actor = _actor(request)
    line = services.stocktake_scan(
        actor=actor, stocktake=stocktake_id, code=payload.code, quantity=payload.quantity
    )
    return selectors.stocktake_lines(line.stocktake).get(pk=line.pk)


@router.post(
    "/inventory/stocktakes/{stocktake_id}/submit",
    response=StocktakeDetailOut,
    summary="Submit the counts for approval",
)
def stocktake_submit(request: HttpRequest, stocktake_id: int, payload: SubmitIn) -> Any:
    actor = _actor(request)
    services.stocktake_submit(
        actor=actor, stocktake=stocktake_id, uncounted_as_zero=payload.uncounted_as_zero
    )
    return _detail(actor, stocktake_id)


@router.post(
    "/inventory/stocktakes/{stocktake_id}/approve",
    response=StocktakeDetailOut,
    summary="Approve and post the differences",
)
def stocktake_approve(request: HttpRequest, stocktake_id: int, payload: ApproveIn) -> Any:
    """By someone other than the counter (403 ``self_approval`` otherwise). A loss larger than
    what is on hand now is refused (409 ``insufficient_stock``), as is a posting time in a
    closed month (409 ``period_closed``); nothing is posted then."""
    actor = _actor(request)
    services.stocktake_approve(actor=actor, stocktake=stocktake_id, posted_at=payload.posted_at)
    return _detail(actor, stocktake_id)


@router.post(
    "/inventory/stocktakes/{stocktake_id}/cancel",
    response=StocktakeDetailOut,
    summary="Cancel a stocktake that is not posted",
)
def stocktake_cancel(request: HttpRequest, stocktake_id: int) -> Any:
    actor = _actor(request)
    services.stocktake_cancel(actor=actor, stocktake=stocktake_id)
    return _detail(actor, stocktake_id)
