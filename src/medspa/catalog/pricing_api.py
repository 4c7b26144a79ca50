"""REST endpoints of the pricing engine (ORD-04): ``POST /api/v1/pricing/quote`` prices a basket
with every discount explained (the price preview page calls the same selector), and
``GET /api/v1/pricing/items`` finds what a basket line may hold. Both need
``catalog.preview_price``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from medspa.catalog import pricing_selectors as selectors
from medspa.catalog.pricing_schemas import QuoteIn, QuoteOut, SellableFilters, SellableListOut
from medspa.core.errors import PermissionDenied

router = Router(tags=["pricing"])

PERMISSION = "catalog.preview_price"


def _actor(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm(PERMISSION):
        raise PermissionDenied()
    return user


@router.post("/pricing/quote", response=QuoteOut, summary="Price a basket")
def quote(request: HttpRequest, payload: QuoteIn) -> Any:
    """Every line with its base amount, each adjustment (member price, promotions, discount
    limits, coupons, manual and order discounts) explained, the totals, and whether a manual
    discount beyond your authority needs approval."""
    actor = _actor(request)
    return selectors.quote_for(
        actor,
        lines=[
            selectors.LineInput(
                kind=line.kind,
                id=line.id,
                quantity=line.quantity,
                manual_percent=line.manual_percent,
                manual_amount=line.manual_amount,
                key=line.key,
            )
            for line in payload.lines
        ],
        customer_id=payload.customer_id,
        member_level_id=payload.member_level_id,
        is_new_customer=payload.is_new_customer,
        branch_id=payload.branch_id,
        at=payload.at,
        coupon_ids=payload.coupon_ids,
        order_percent=payload.order_percent,
        order_amount=payload.order_amount,
    )


@router.get("/pricing/items", response=SellableListOut, summary="Find items to price")
def items(request: HttpRequest, filters: Query[SellableFilters]) -> Any:
    """Active projects, products, packages and card types of your organisation matching ``q``."""
    found = selectors.sellables_search(_actor(request), filters.q, limit=filters.limit)
    return {"items": found, "count": len(found)}
