"""REST endpoints of the discount settings and commission plans: /catalog/discount-rules (CAT-06),
/catalog/discount-authorities (CAT-06, one row per role), /catalog/commission-plans (CAT-07). Each
one parses its schema and calls the selector or service the pages use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from medspa.catalog import policy_selectors as selectors
from medspa.catalog import policy_services as services
from medspa.catalog.policy_filtersets import (
    CommissionPlanFilterSet,
    DiscountAuthorityFilterSet,
    DiscountRuleFilterSet,
)
from medspa.catalog.policy_schemas import (
    CommissionPlanFilters,
    CommissionPlanIn,
    CommissionPlanListOut,
    CommissionPlanOut,
    CommissionPlanPatch,
    DiscountAuthorityFilters,
    DiscountAuthorityIn,
    DiscountAuthorityListOut,
    DiscountAuthorityOut,
    DiscountRuleFilters,
    DiscountRuleIn,
    DiscountRuleListOut,
    DiscountRuleOut,
    DiscountRulePatch,
)
from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import PermissionDenied

router = Router(tags=["catalog"])

RULE_TARGET_IDS = ("project_id", "product_id", "category_id")
PLAN_TARGET_IDS = ("project_id", "product_id", "card_type_id", "category_id")


def _actor(request: HttpRequest, *perms: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not all(user.has_perm(f"catalog.{perm}") for perm in perms):
        raise PermissionDenied()
    return user


def _merged(current: dict[str, Any], sent: dict[str, Any], targets: tuple[str, ...]) -> dict[str, Any]:
    """PATCH: the stored values overlaid with the fields the client sent; sending any target id
    replaces the whole target (the ids not sent are cleared)."""
    if any(key in sent for key in targets):
        current = {**current, **dict.fromkeys(targets)}
    return {**current, **sent}


# --- discount rules (CAT-06) -------------------------------------------------------------------------


@router.get("/catalog/discount-rules", response=DiscountRuleListOut, summary="List discount rules")
def discount_rule_list(
    request: HttpRequest, params: Query[ListParams], filters: Query[DiscountRuleFilters]
) -> Any:
    actor = _actor(request, "view_discountrule")
    return page(
        filtered(request, DiscountRuleFilterSet, selectors.discount_rules_for(actor), filters), params
    )


@router.post("/catalog/discount-rules", response={201: DiscountRuleOut}, summary="Create a discount rule")
def discount_rule_create(request: HttpRequest, payload: DiscountRuleIn) -> Status:
    return Status(201, services.discount_rule_create(actor=_actor(request), **payload.dict()))


@router.get("/catalog/discount-rules/{rule_id}", response=DiscountRuleOut, summary="One discount rule")
def discount_rule_detail(request: HttpRequest, rule_id: int) -> Any:
    return selectors.discount_rule_get_for(_actor(request, "view_discountrule"), rule_id)


@router.patch("/catalog/discount-rules/{rule_id}", response=DiscountRuleOut, summary="Change a discount rule")
def discount_rule_update(request: HttpRequest, rule_id: int, payload: DiscountRulePatch) -> Any:
    actor = _actor(request, "change_discountrule")
    rule = selectors.discount_rule_get_for(actor, rule_id)
    current = {
        "project_id": rule.project_id,
        "product_id": rule.product_id,
        "category_id": rule.category_id,
        "never_discount": rule.never_discount,
        "min_percent": None if rule.never_discount else rule.min_percent,
        "note": rule.note,
    }
    sent = payload.dict(exclude_unset=True)
    if sent.get("never_discount") is False and "min_percent" not in sent and rule.never_discount:
        current["min_percent"] = None  # lifting "never discounted" needs a percentage
    arguments = _merged(current, sent, RULE_TARGET_IDS)
    arguments["never_discount"] = bool(arguments["never_discount"])
    arguments["note"] = arguments["note"] or ""
    return services.discount_rule_update(actor=actor, rule_id=rule.pk, **arguments)


@router.delete("/catalog/discount-rules/{rule_id}", response={204: None}, summary="Delete a discount rule")
def discount_rule_delete(request: HttpRequest, rule_id: int) -> Status:
    services.discount_rule_delete(actor=_actor(request), rule_id=rule_id)
    return Status(204, None)


# --- discount authority (CAT-06) ---------------------------------------------------------------------


@router.get(
    "/catalog/discount-authorities",
    response=DiscountAuthorityListOut,
    summary="List the roles with their discount authority",
)
def discount_authority_list(
    request: HttpRequest, params: Query[ListParams], filters: Query[DiscountAuthorityFilters]
) -> Any:
    actor = _actor(request, "view_discountauthority")
    queryset = selectors.discount_authorities_for(actor)
    return page(filtered(request, DiscountAuthorityFilterSet, queryset, filters), params)


@router.get(
    "/catalog/discount-authorities/{role_id}",
    response=DiscountAuthorityOut,
    summary="One role's discount authority",
)
def discount_authority_detail(request: HttpRequest, role_id: int) -> Any:
    return selectors.discount_authority_role_get_for(_actor(request, "view_discountauthority"), role_id)


@router.put(
    "/catalog/discount-authorities/{role_id}",
    response=DiscountAuthorityOut,
    summary="Set a role's discount authority",
)
def discount_authority_set(request: HttpRequest, role_id: int, payload: DiscountAuthorityIn) -> Any:
    actor = _actor(request)
    services.discount_authority_set(actor=actor, role_id=role_id, min_percent=payload.min_percent)
    return selectors.discount_authority_role_get_for(actor, role_id)


@router.delete(
    "/catalog/discount-authorities/{role_id}",
    response={204: None},
    summary="Clear a role's discount authority",
)
def discount_authority_clear(request: HttpRequest, role_id: int) -> Status:
    services.discount_authority_clear(actor=_actor(request), role_id=role_id)
    return Status(204, None)


# --- commission plans (CAT-07) -----------------------------------------------------------------------


@router.get("/catalog/commission-plans", response=CommissionPlanListOut, summary="List commission plans")
def commission_plan_list(
    request: HttpRequest, params: Query[ListParams], filters: Query[CommissionPlanFilters]
) -> Any:
    actor = _actor(request, "view_commissionplan")
    queryset = selectors.commission_plans_for(actor)
    return page(filtered(request, CommissionPlanFilterSet, queryset, filters), params)


@router.post(
    "/catalog/commission-plans", response={201: CommissionPlanOut}, summary="Create a commission plan"
)
def commission_plan_create(request: HttpRequest, payload: CommissionPlanIn) -> Status:
    return Status(201, services.commission_plan_create(actor=_actor(request), **payload.dict()))


@router.get("/catalog/commission-plans/{plan_id}", response=CommissionPlanOut, summary="One commission plan")
def commission_plan_detail(request: HttpRequest, plan_id: int) -> Any:
    return selectors.commission_plan_get_for(_actor(request, "view_commissionplan"), plan_id)


@router.patch(
    "/catalog/commission-plans/{plan_id}", response=CommissionPlanOut, summary="Change a commission plan"
)
def commission_plan_update(request: HttpRequest, plan_id: int, payload: CommissionPlanPatch) -> Any:
    actor = _actor(request, "change_commissionplan")
    plan = selectors.commission_plan_get_for(actor, plan_id)
    current = {
        "name": plan.name,
        "kind": plan.kind,
        "position_id": plan.position_id,
        "basis": plan.basis,
        "rate_percent": plan.rate_percent,
        "fixed_amount": plan.fixed_amount,
        "effective_from": plan.effective_from,
        "effective_to": plan.effective_to,
        "project_id": plan.project_id,
        "product_id": plan.product_id,
        "card_type_id": plan.card_type_id,
        "category_id": plan.category_id,
        "is_active": None,
    }
    sent = payload.dict(exclude_unset=True)
    if "basis" in sent and sent["basis"] != plan.basis:  # switching basis drops the other figure
        current["rate_percent"] = current["fixed_amount"] = None
    return services.commission_plan_update(
        actor=actor, plan_id=plan.pk, **_merged(current, sent, PLAN_TARGET_IDS)
    )


@router.post(
    "/catalog/commission-plans/{plan_id}/deactivate",
    response=CommissionPlanOut,
    summary="Deactivate a commission plan",
)
def commission_plan_deactivate(request: HttpRequest, plan_id: int) -> Any:
    actor = _actor(request)
    services.commission_plan_deactivate(actor=actor, plan_id=plan_id)
    return selectors.commission_plan_get_for(actor, plan_id)
