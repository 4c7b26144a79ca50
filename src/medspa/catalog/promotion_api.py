"""REST endpoints of promotions: /catalog/promotions (list, one, create, change, deactivate, copy).
Each one parses its schema and calls the selector or service the pages use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from medspa.catalog import promotion_selectors as selectors
from medspa.catalog import promotion_services as services
from medspa.catalog.models import Promotion
from medspa.catalog.promotion_filtersets import PromotionFilterSet
from medspa.catalog.promotion_schemas import (
    PromotionCopyIn,
    PromotionFilters,
    PromotionIn,
    PromotionListOut,
    PromotionOut,
    PromotionPatch,
    PromotionTargetIn,
)
from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import PermissionDenied

router = Router(tags=["catalog: promotions"])


def _actor(request: HttpRequest, *perms: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not all(user.has_perm(f"catalog.{perm}") for perm in perms):
        raise PermissionDenied()
    return user


def _targets(rows: list[PromotionTargetIn]) -> list[services.TargetInput]:
    return [services.TargetInput(**row.dict()) for row in rows]


def _current(promotion: Promotion) -> dict[str, Any]:
    """A stored promotion as the update service's arguments (PATCH overlays what was sent)."""
    values: dict[str, Any] = {
        name: getattr(promotion, name)
        for name in (
            "code",
            "name",
            "kind",
            "starts_at",
            "ends_at",
            "new_customers_only",
            "priority",
            "is_exclusive",
            "description",
            *(name for names in services.KIND_FIELDS.values() for name in names),
        )
    }
    values["branch_ids"] = [b.pk for b in promotion.branches.all()]
    values["member_level_ids"] = [m.pk for m in promotion.member_levels.all()]
    values["targets"] = [
        services.TargetInput(
            role=t.role,
            project_id=t.project_id,
            product_id=t.product_id,
            package_id=t.package_id,
            category_id=t.category_id,
            quantity=t.quantity,
        )
        for t in promotion.targets.all()
    ]
    return values


@router.get("/catalog/promotions", response=PromotionListOut, summary="List promotions")
def promotion_list(request: HttpRequest, params: Query[ListParams], filters: Query[PromotionFilters]) -> Any:
    actor = _actor(request, "view_promotion")
    return page(filtered(request, PromotionFilterSet, selectors.promotions_for(actor), filters), params)


@router.post("/catalog/promotions", response={201: PromotionOut}, summary="Create a promotion")
def promotion_create(request: HttpRequest, payload: PromotionIn) -> Status:
    actor = _actor(request)
    data = payload.dict()
    data["targets"] = _targets(payload.targets)
    promotion = services.promotion_create(actor=actor, **data)
    return Status(201, selectors.promotion_get_for(actor, promotion.pk))


@router.get("/catalog/promotions/{promotion_id}", response=PromotionOut, summary="One promotion")
def promotion_detail(request: HttpRequest, promotion_id: int) -> Any:
    return selectors.promotion_get_for(_actor(request, "view_promotion"), promotion_id)


@router.patch("/catalog/promotions/{promotion_id}", response=PromotionOut, summary="Change a promotion")
def promotion_update(request: HttpRequest, promotion_id: int, payload: PromotionPatch) -> Any:
    actor = _actor(request, "view_promotion")
    promotion = selectors.promotion_get_for(actor, promotion_id)
    sent = payload.dict(exclude_unset=True)
    if "targets" in sent:
        sent["targets"] = _targets(payload.targets or [])
    for name in ("branch_ids", "member_level_ids"):
        if name in sent and sent[name] is None:
            sent[name] = []
    services.promotion_update(actor=actor, promotion_id=promotion.pk, **{**_current(promotion), **sent})
    return selectors.promotion_get_for(actor, promotion.pk)


@router.post(
    "/catalog/promotions/{promotion_id}/deactivate", response=PromotionOut, summary="Deactivate a promotion"
)
def promotion_deactivate(request: HttpRequest, promotion_id: int) -> Any:
    actor = _actor(request, "view_promotion")
    services.promotion_deactivate(actor=actor, promotion_id=promotion_id)
    return selectors.promotion_get_for(actor, promotion_id)


@router.post(
    "/catalog/promotions/{promotion_id}/copy",
    response={201: PromotionOut},
    summary="Copy a promotion under a new code",
)
def promotion_copy(request: HttpRequest, promotion_id: int, payload: PromotionCopyIn) -> Status:
    actor = _actor(request, "view_promotion")
    copy = services.promotion_copy(actor=actor, promotion_id=promotion_id, **payload.dict())
    return Status(201, selectors.promotion_get_for(actor, copy.pk))
