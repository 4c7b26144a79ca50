"""REST endpoints of coupons (MKT-02): /catalog/coupon-types and /catalog/coupons (list, one,
issue, issue-bulk, generate, void, transfer, redeem, claim). Each one parses its schema and calls
the selector or service the pages use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from medspa.catalog import coupon_selectors as selectors
from medspa.catalog import coupon_services as services
from medspa.catalog.coupon_filtersets import CouponFilterSet, CouponTypeFilterSet
from medspa.catalog.coupon_schemas import (
    ClaimIn,
    CouponDetailOut,
    CouponFilters,
    CouponListOut,
    CouponTypeFilters,
    CouponTypeIn,
    CouponTypeListOut,
    CouponTypeOut,
    CouponTypePatch,
    GenerateIn,
    IssueBulkIn,
    IssueIn,
    IssueOut,
    ReasonIn,
    RedeemIn,
    TransferIn,
)
from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import PermissionDenied

router = Router(tags=["catalog coupons"])


def _actor(request: HttpRequest, *perms: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not all(user.has_perm(f"catalog.{perm}") for perm in perms):
        raise PermissionDenied()
    return user


def _issued(result: services.IssueResult) -> dict[str, Any]:
    return {"batch": result.batch, "skipped": result.skipped, "coupons": result.coupons}


def _coupon(actor: Any, coupon_id: int) -> Any:
    return selectors.coupon_get_for(actor, coupon_id)


# --- coupon types -------------------------------------------------------------------------------------


@router.get("/catalog/coupon-types", response=CouponTypeListOut, summary="List coupon types")
def coupon_type_list(
    request: HttpRequest, params: Query[ListParams], filters: Query[CouponTypeFilters]
) -> Any:
    actor = _actor(request, "view_coupontype")
    return page(
        filtered(request, CouponTypeFilterSet, selectors.coupon_type_list_for(actor), filters), params
    )


@router.post("/catalog/coupon-types", response={201: CouponTypeOut}, summary="Create a coupon type")
def coupon_type_create(request: HttpRequest, payload: CouponTypeIn) -> Status:
    actor = _actor(request)
    coupon_type = services.coupon_type_create(actor=actor, **payload.dict())
    return Status(201, selectors.coupon_type_get_for(actor, coupon_type.pk))


@router.get("/catalog/coupon-types/{coupon_type_id}", response=CouponTypeOut, summary="One coupon type")
def coupon_type_detail(request: HttpRequest, coupon_type_id: int) -> Any:
    return selectors.coupon_type_get_for(_actor(request, "view_coupontype"), coupon_type_id)


def _merged(current: dict[str, Any], payload: Schema) -> dict[str, Any]:
    """PATCH: the stored values overlaid with the fields the client sent (null clears a field)."""
    return {**current, **payload.dict(exclude_unset=True)}


@router.patch(
    "/catalog/coupon-types/{coupon_type_id}", response=CouponTypeOut, summary="Change a coupon type"
)
def coupon_type_update(request: HttpRequest, coupon_type_id: int, payload: CouponTypePatch) -> Any:
    actor = _actor(request, "change_coupontype")
    current = selectors.coupon_type_get_for(actor, coupon_type_id)
    values = {
        "code": current.code,
        "name": current.name,
        "kind": current.kind,
        "amount": current.amount,
        "discount_percent": current.discount_percent,
        "min_spend": current.min_spend,
        "applies_to_all": current.applies_to_all,
        "project_ids": [row.pk for row in current.projects.all()],
        "product_ids": [row.pk for row in current.products.all()],
        "category_ids": [row.pk for row in current.categories.all()],
        "validity_mode": current.validity_mode,
        "valid_from": current.valid_from,
        "valid_to": current.valid_to,
        "validity_days": current.validity_days,
        "is_stackable": current.is_stackable,
        "per_customer_limit": current.per_customer_limit,
        "description": current.description,
    }
    sent = payload.dict(exclude_unset=True)
    # Switching kind or validity drops what belonged to the old one unless the client sends it.
    if sent.get("kind") == "discount" and "amount" not in sent:
        values["amount"] = None
    if sent.get("kind") not in (None, "discount") and "discount_percent" not in sent:
        values["discount_percent"] = None
    if sent.get("validity_mode") == "days":
        values.update({k: sent.get(k) for k in ("valid_from", "valid_to")})
    if sent.get("validity_mode") == "fixed" and "validity_days" not in sent:
        values["validity_days"] = None
    services.coupon_type_update(actor=actor, coupon_type_id=current.pk, **_merged(values, payload))
    return selectors.coupon_type_get_for(actor, current.pk)


# --- issued coupons -----------------------------------------------------------------------------------


@router.get("/catalog/coupons", response=CouponListOut, summary="List coupons")
def coupon_list(request: HttpRequest, params: Query[ListParams], filters: Query[CouponFilters]) -> Any:
    actor = _actor(request, "view_coupon")
    return page(filtered(request, CouponFilterSet, selectors.coupons_for(actor), filters), params)


@router.post("/catalog/coupons/issue", response={201: IssueOut}, summary="Issue coupons to one customer")
def coupon_issue(request: HttpRequest, payload: IssueIn) -> Status:
    result = services.coupon_issue(actor=_actor(request), **payload.dict())
    return Status(201, _issued(result))


@router.post(
    "/catalog/coupons/issue-bulk",
    response={201: IssueOut},
    summary="Issue coupons to a filtered customer list",
)
def coupon_issue_bulk(request: HttpRequest, payload: IssueBulkIn) -> Status:
    data = payload.dict()
    criteria = {key: value for key, value in (data.pop("criteria") or {}).items() if value is not None}
    result = services.coupon_issue_bulk(actor=_actor(request), criteria=criteria, **data)
    return Status(201, _issued(result))


@router.post("/catalog/coupons/generate", response={201: IssueOut}, summary="Generate coupon codes")
def coupon_generate(request: HttpRequest, payload: GenerateIn) -> Status:
    result = services.coupon_generate(actor=_actor(request), **payload.dict())
    return Status(201, _issued(result))


@router.get("/catalog/coupons/{coupon_id}", response=CouponDetailOut, summary="One coupon with its history")
def coupon_detail(request: HttpRequest, coupon_id: int) -> Any:
    return _coupon(_actor(request, "view_coupon"), coupon_id)


@router.post("/catalog/coupons/{coupon_id}/void", response=CouponDetailOut, summary="Void a coupon")
def coupon_void(request: HttpRequest, coupon_id: int, payload: ReasonIn) -> Any:
    actor = _actor(request)
    services.coupon_void(actor=actor, coupon_id=coupon_id, reason=payload.reason)
    return _coupon(actor, coupon_id)


@router.post(
    "/catalog/coupons/{coupon_id}/transfer",
    response=CouponDetailOut,
    summary="Hand a friends-and-family coupon on",
)
def coupon_transfer(request: HttpRequest, coupon_id: int, payload: TransferIn) -> Any:
    actor = _actor(request)
    services.coupon_transfer(actor=actor, coupon_id=coupon_id, to_customer_id=payload.to_customer_id)
    return _coupon(actor, coupon_id)


@router.post("/catalog/coupons/{coupon_id}/redeem", response=CouponDetailOut, summary="Redeem a coupon")
def coupon_redeem(request: HttpRequest, coupon_id: int, payload: RedeemIn) -> Any:
    actor = _actor(request)
    services.coupon_redeem(actor=actor, coupon_id=coupon_id, **payload.dict())
    return _coupon(actor, coupon_id)


@router.post("/catalog/coupons/{coupon_id}/claim", response=CouponDetailOut, summary="Claim a generated code")
def coupon_claim(request: HttpRequest, coupon_id: int, payload: ClaimIn) -> Any:
    actor = _actor(request)
    services.coupon_claim(actor=actor, coupon_id=coupon_id, customer_id=payload.customer_id)
    return _coupon(actor, coupon_id)
