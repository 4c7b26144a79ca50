"""REST endpoints of the monthly close and of stock as of a moment (INV-10): /api/v1/inventory/
closes and /api/v1/inventory/balances-as-of. Each parses its schema and calls the selector or
service the pages use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import PermissionDenied, ValidationError
from medspa.inventory import close_selectors as selectors
from medspa.inventory import close_services as services
from medspa.inventory.close_forms import CloseFilterSet, parse_month
from medspa.inventory.close_schemas import (
    AsOfFilters,
    AsOfOut,
    CloseDetailOut,
    CloseFilters,
    CloseIn,
    CloseListOut,
    ReopenIn,
)
from medspa.inventory.models import MonthClose

router = Router(tags=["inventory: monthly close"])

VIEW = "inventory.view_monthclose"
VIEW_STOCK = "inventory.view_stockbalance"


def _actor(request: HttpRequest, perm: str | None = None) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if perm is not None and not user.has_perm(perm):
        raise PermissionDenied()
    return user


def _detail(actor: Any, pk: int) -> MonthClose:
    close = selectors.close_get_for(actor, pk)
    close.loaded_lines = list(selectors.close_lines(close))  # type: ignore[attr-defined]
    return close


@router.get("/inventory/closes", response=CloseListOut, summary="List monthly closes")
def close_list(request: HttpRequest, params: Query[ListParams], filters: Query[CloseFilters]) -> Any:
    actor = _actor(request, VIEW)
    return page(filtered(request, CloseFilterSet, selectors.closes_for(actor), filters), params)


@router.post("/inventory/closes", response={201: CloseDetailOut}, summary="Close a month of a warehouse")
def close_create(request: HttpRequest, payload: CloseIn) -> Status:
    """Only a month that has ended, and only the month after the warehouse's last close (any
    ended month for its first close). Afterwards nothing dated in the month can be posted."""
    actor = _actor(request)
    month = parse_month(payload.month)
    if month is None:
        raise ValidationError(_("Enter a month as YYYY-MM, for example 2026-03."), field="month")
    close = services.close_month(actor=actor, warehouse=payload.warehouse, month=month)
    return Status(201, _detail(actor, close.pk))


@router.get(
    "/inventory/closes/{close_id}", response=CloseDetailOut, summary="One monthly close with its lines"
)
def close_detail(request: HttpRequest, close_id: int) -> Any:
    return _detail(_actor(request, VIEW), close_id)


@router.post(
    "/inventory/closes/{close_id}/reopen", response=CloseDetailOut, summary="Reopen the latest closed month"
)
def close_reopen(request: HttpRequest, close_id: int, payload: ReopenIn) -> Any:
    actor = _actor(request)
    services.reopen_month(actor=actor, close=close_id, reason=payload.reason)
    return _detail(actor, close_id)


@router.get("/inventory/balances-as-of", response=AsOfOut, summary="Stock of a warehouse at a moment")
def balances_as_of(request: HttpRequest, filters: Query[AsOfFilters], params: Query[ListParams]) -> Any:
    """The last closed month's quantities plus the moves since, valued at lot cost; one row
    per item, lot and owner with a non-zero quantity."""
    actor = _actor(request, VIEW_STOCK)
    at = filters.at
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    result = selectors.balances_as_of(actor, warehouse_id=filters.warehouse, at=at)
    return {
        "warehouse": result.warehouse,
        "at": result.at,
        "items": result.rows[params.offset : params.offset + params.limit],
        "count": len(result.rows),
        "total_value": result.total_value,
    }
