"""REST endpoints of the CRM setup: /customer-fields (CRM-02) and /member-levels (MBR-01). Each
one parses its schema and calls the selector or service the pages use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import PermissionDenied
from medspa.customers import setup_selectors as selectors
from medspa.customers import setup_services as services
from medspa.customers.setup_forms import CustomFieldFilterSet, MemberLevelFilterSet
from medspa.customers.setup_schemas import (
    CustomFieldFilters,
    CustomFieldIn,
    CustomFieldListOut,
    CustomFieldOut,
    CustomFieldPatch,
    MemberLevelFilters,
    MemberLevelIn,
    MemberLevelListOut,
    MemberLevelOut,
    MemberLevelPatch,
)

router = Router(tags=["customer setup"])


def _actor(request: HttpRequest, perm: str | None = None) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if perm is not None and not user.has_perm(f"customers.{perm}"):
        raise PermissionDenied()
    return user


def _merged(current: dict[str, Any], payload: Schema) -> dict[str, Any]:
    """PATCH: the stored values overlaid with the fields the client sent (a null keeps the value)."""
    return {**current, **payload.dict(exclude_unset=True, exclude_none=True)}


# --- custom fields ---------------------------------------------------------------------------------


@router.get("/customer-fields", response=CustomFieldListOut, summary="List the custom fields in form order")
def customer_field_list(
    request: HttpRequest, params: Query[ListParams], filters: Query[CustomFieldFilters]
) -> Any:
    actor = _actor(request, "view_customfield")
    queryset = selectors.custom_fields_for(actor)
    return page(filtered(request, CustomFieldFilterSet, queryset, filters), params)


@router.post("/customer-fields", response={201: CustomFieldOut}, summary="Define a custom field")
def customer_field_create(request: HttpRequest, payload: CustomFieldIn) -> Status:
    actor = _actor(request)
    field = services.customfield_create(actor=actor, **payload.dict())
    return Status(201, selectors.custom_field_get_for(actor, field.pk))


@router.get("/customer-fields/{field_id}", response=CustomFieldOut, summary="One custom field")
def customer_field_detail(request: HttpRequest, field_id: int) -> Any:
    return selectors.custom_field_get_for(_actor(request, "view_customfield"), field_id)


@router.patch("/customer-fields/{field_id}", response=CustomFieldOut, summary="Change a custom field")
def customer_field_update(request: HttpRequest, field_id: int, payload: CustomFieldPatch) -> Any:
    """Send only what changes. The key never changes; a new type is refused while customers hold
    values; removing an option still chosen is refused."""
    actor = _actor(request, "change_customfield")
    field = selectors.custom_field_get_for(actor, field_id)
    current = {
        "label": field.label,
        "type": field.type,
        "options": list(field.options or []),
        "required": field.required,
        "show_in_list": field.show_in_list,
        "order": field.order,
    }
    data = _merged(current, payload)
    if "options" not in payload.model_fields_set and data["type"] not in ("choice", "multi"):
        data["options"] = []  # a new type without options: the old choices go with the old type
    services.customfield_update(actor=actor, field_id=field.pk, **data)
    return selectors.custom_field_get_for(actor, field.pk)


@router.post(
    "/customer-fields/{field_id}/deactivate", response=CustomFieldOut, summary="Deactivate a custom field"
)
def customer_field_deactivate(request: HttpRequest, field_id: int) -> Any:
    actor = _actor(request)
    services.customfield_deactivate(actor=actor, field_id=field_id)
    return selectors.custom_field_get_for(actor, field_id)


# --- member levels ---------------------------------------------------------------------------------


@router.get("/member-levels", response=MemberLevelListOut, summary="List the member levels in order")
def member_level_list(
    request: HttpRequest, params: Query[ListParams], filters: Query[MemberLevelFilters]
) -> Any:
    actor = _actor(request, "view_memberlevel")
    queryset = selectors.member_levels_for(actor)
    return page(filtered(request, MemberLevelFilterSet, queryset, filters), params)


@router.post("/member-levels", response={201: MemberLevelOut}, summary="Add a member level")
def member_level_create(request: HttpRequest, payload: MemberLevelIn) -> Status:
    actor = _actor(request)
    level = services.memberlevel_create(actor=actor, **payload.dict())
    return Status(201, selectors.member_level_get_for(actor, level.pk))


@router.get("/member-levels/{level_id}", response=MemberLevelOut, summary="One member level")
def member_level_detail(request: HttpRequest, level_id: int) -> Any:
    return selectors.member_level_get_for(_actor(request, "view_memberlevel"), level_id)


@router.patch("/member-levels/{level_id}", response=MemberLevelOut, summary="Change a member level")
def member_level_update(request: HttpRequest, level_id: int, payload: MemberLevelPatch) -> Any:
    actor = _actor(request, "change_memberlevel")
    level = selectors.member_level_get_for(actor, level_id)
    current = {
        "name": level.name,
        "discount_percent": level.discount_percent,
        "points_multiplier": level.points_multiplier,
        "upgrade_amount": level.upgrade_amount,
        "downgrade_amount": level.downgrade_amount,
        "window_days": level.window_days,
        "order": level.order,
    }
    services.memberlevel_update(actor=actor, level_id=level.pk, **_merged(current, payload))
    return selectors.member_level_get_for(actor, level.pk)


@router.post(
    "/member-levels/{level_id}/deactivate",
    response=MemberLevelOut,
    summary="Deactivate a member level (refused while customers hold it)",
)
def member_level_deactivate(request: HttpRequest, level_id: int) -> Any:
    actor = _actor(request)
    services.memberlevel_deactivate(actor=actor, level_id=level_id)
    return selectors.member_level_get_for(actor, level_id)
