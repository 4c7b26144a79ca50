"""REST endpoints of the configuration: /dictionaries/{kind}/items, /parameters, /visit-stages.
Each one parses its schema and calls the selector or service the pages use."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from medspa.configuration import selectors, services
from medspa.configuration.filtersets import DictionaryItemFilterSet, VisitStageFilterSet
from medspa.configuration.schemas import (
    DictionaryItemFilters,
    DictionaryItemIn,
    DictionaryItemListOut,
    DictionaryItemOut,
    DictionaryItemPatch,
    ParameterBranchQuery,
    ParameterIn,
    ParameterListOut,
    ParameterOut,
    VisitStageFilters,
    VisitStageIn,
    VisitStageListOut,
    VisitStageOrderIn,
    VisitStageOut,
    VisitStagePatch,
)
from medspa.core.api import ListParams, page
from medspa.core.errors import PermissionDenied, ValidationError

router = Router(tags=["configuration"])


def _actor(request: HttpRequest, perm: str | None = None) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if perm is not None and not user.has_perm(f"configuration.{perm}"):
        raise PermissionDenied()
    return user


def _filtered(
    request: HttpRequest,
    filterset_class: type[django_filters.FilterSet],
    queryset: QuerySet[Any],
    filters: Schema,
) -> QuerySet[Any]:
    """The page's FilterSet applied to the query parameters; a bad value is a 422 on its field."""
    data = {key: str(value) for key, value in filters.dict(exclude_none=True).items()}
    filterset = filterset_class(data, queryset=queryset, request=request)
    if not filterset.is_valid():
        field, messages = next(iter(filterset.errors.items()))
        raise ValidationError(str(messages[0]) if messages else _("Invalid value."), field=field)
    return filterset.qs


def _merged(current: dict[str, Any], payload: Schema) -> dict[str, Any]:
    """PATCH: the stored values overlaid with the fields the client sent."""
    return {**current, **payload.dict(exclude_unset=True)}


# --- dictionaries ------------------------------------------------------------------------------


@router.get(
    "/dictionaries/{kind}/items", response=DictionaryItemListOut, summary="List a dictionary (tree order)"
)
def dictionary_item_list(
    request: HttpRequest, kind: str, params: Query[ListParams], filters: Query[DictionaryItemFilters]
) -> Any:
    actor = _actor(request, "view_dictionaryitem")
    queryset = selectors.dictionary_items_for(actor, kind)
    return page(_filtered(request, DictionaryItemFilterSet, queryset, filters), params)


@router.post(
    "/dictionaries/{kind}/items", response={201: DictionaryItemOut}, summary="Add a dictionary entry"
)
def dictionary_item_create(request: HttpRequest, kind: str, payload: DictionaryItemIn) -> Status:
    return Status(201, services.dictionary_item_create(actor=_actor(request), kind=kind, **payload.dict()))


@router.get(
    "/dictionaries/{kind}/items/{item_id}", response=DictionaryItemOut, summary="One dictionary entry"
)
def dictionary_item_detail(request: HttpRequest, kind: str, item_id: int) -> Any:
    return selectors.dictionary_item_get_for(_actor(request, "view_dictionaryitem"), kind, item_id)


@router.patch(
    "/dictionaries/{kind}/items/{item_id}", response=DictionaryItemOut, summary="Change a dictionary entry"
)
def dictionary_item_update(
    request: HttpRequest, kind: str, item_id: int, payload: DictionaryItemPatch
) -> Any:
    actor = _actor(request, "change_dictionaryitem")
    item = selectors.dictionary_item_get_for(actor, kind, item_id)
    current = {
        "code": item.code,
        "name": item.name,
        "parent_id": item.parent_id,
        "order": item.order,
        "colour": item.colour,
        "multiple": item.multiple,
    }
    return services.dictionary_item_update(
        actor=actor, item_id=item.pk, kind=kind, **_merged(current, payload)
    )


@router.post(
    "/dictionaries/{kind}/items/{item_id}/deactivate",
    response=DictionaryItemOut,
    summary="Deactivate a dictionary entry (and its children)",
)
def dictionary_item_deactivate(request: HttpRequest, kind: str, item_id: int) -> Any:
    return services.dictionary_item_deactivate(actor=_actor(request), item_id=item_id, kind=kind)


# --- parameters ------------------------------------------------------------------------------------


def _parameter_out(row: selectors.ParameterRow) -> dict[str, Any]:
    spec = row.spec

    def plain(value: Any) -> Any:
        return str(value) if spec.type == "decimal" and value is not None else value

    return {
        "key": spec.key,
        "label": str(spec.label),
        "group": str(spec.group),
        "type": spec.type,
        "help_text": str(spec.help_text),
        "default": plain(spec.default),
        "value": plain(row.value),
        "source": str(row.source),
        "organisation_value": plain(row.organisation_value),
        "branch_value": plain(row.branch_value),
        "min_value": plain(spec.min_value),
        "max_value": plain(spec.max_value),
        "choices": [{"value": plain(value), "label": str(label)} for value, label in spec.choice_pairs],
        "permission": spec.permission,
    }


def _parameter_branch(actor: Any, branch_id: int | None) -> int | None:
    if branch_id is not None and not selectors.parameter_branches_for(actor).filter(pk=branch_id).exists():
        raise ValidationError(_("That branch does not exist."), field="branch_id")
    return branch_id


@router.get("/parameters", response=ParameterListOut, summary="List system parameters with effective values")
def parameter_list(
    request: HttpRequest, params: Query[ListParams], query: Query[ParameterBranchQuery]
) -> Any:
    """Effective values for the organisation, or for ``branch_id`` (default: the active branch)."""
    actor = _actor(request, "view_parametervalue")
    rows = selectors.parameters_for(actor, branch_id=_parameter_branch(actor, query.branch_id))
    return {
        "count": len(rows),
        "items": [_parameter_out(row) for row in rows[params.offset : params.offset + params.limit]],
    }


@router.put("/parameters/{key}", response=ParameterOut, summary="Set a system parameter")
def parameter_set(request: HttpRequest, key: str, payload: ParameterIn) -> Any:
    actor = _actor(request, "view_parametervalue")
    services.parameter_set(actor=actor, key=key, value=payload.value, branch_id=payload.branch_id)
    return _parameter_out(selectors.parameter_get_for(actor, key, branch_id=payload.branch_id))


@router.delete("/parameters/{key}", response=ParameterOut, summary="Reset a system parameter")
def parameter_reset(request: HttpRequest, key: str, query: Query[ParameterBranchQuery]) -> Any:
    """Without ``branch_id`` the organisation's value goes (back to the default); with it, that
    branch's override (back to the organisation's value)."""
    actor = _actor(request, "view_parametervalue")
    services.parameter_reset(actor=actor, key=key, branch_id=query.branch_id)
    return _parameter_out(selectors.parameter_get_for(actor, key, branch_id=query.branch_id))


# --- visit stages ----------------------------------------------------------------------------------


@router.get("/visit-stages", response=VisitStageListOut, summary="List the visit-flow stages in order")
def visit_stage_list(
    request: HttpRequest, params: Query[ListParams], filters: Query[VisitStageFilters]
) -> Any:
    actor = _actor(request, "view_visitstage")
    return page(_filtered(request, VisitStageFilterSet, selectors.visit_stages_for(actor), filters), params)


@router.post("/visit-stages", response={201: VisitStageOut}, summary="Add a visit-flow stage")
def visit_stage_create(request: HttpRequest, payload: VisitStageIn) -> Status:
    return Status(201, services.visit_stage_create(actor=_actor(request), **payload.dict()))


@router.put("/visit-stages/order", response=VisitStageListOut, summary="Reorder the visit-flow stages")
def visit_stages_reorder(request: HttpRequest, payload: VisitStageOrderIn) -> Any:
    stages = services.visit_stages_reorder(actor=_actor(request), ids=payload.ids)
    return {"items": stages, "count": len(stages)}


@router.get("/visit-stages/{stage_id}", response=VisitStageOut, summary="One visit-flow stage")
def visit_stage_detail(request: HttpRequest, stage_id: int) -> Any:
    return selectors.visit_stage_get_for(_actor(request, "view_visitstage"), stage_id)


@router.patch("/visit-stages/{stage_id}", response=VisitStageOut, summary="Change a visit-flow stage")
def visit_stage_update(request: HttpRequest, stage_id: int, payload: VisitStagePatch) -> Any:
    actor = _actor(request, "change_visitstage")
    stage = selectors.visit_stage_get_for(actor, stage_id)
    current = {"code": stage.code, "name": stage.name, "order": stage.order}
    return services.visit_stage_update(actor=actor, stage_id=stage.pk, **_merged(current, payload))
