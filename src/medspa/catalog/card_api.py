"""REST endpoints of card types: /api/v1/catalog/card-types (list, create), /{id} (get, change) and
/{id}/deactivate. Each one parses its schema and calls the selector or service the pages use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from medspa.accounts.models import User
from medspa.catalog import card_selectors as selectors
from medspa.catalog import card_services as services
from medspa.catalog.card_filtersets import CardTypeFilterSet
from medspa.catalog.card_schemas import (
    CardTypeFilters,
    CardTypeIn,
    CardTypeListOut,
    CardTypeOut,
    CardTypePatch,
)
from medspa.catalog.choices import CardKind, ValidityMode
from medspa.catalog.models import CardType
from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import PermissionDenied

router = Router(tags=["catalog: card types"])
PATH = "/catalog/card-types"


def _actor(request: HttpRequest, *perms: str) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    if not all(user.has_perm(f"catalog.{perm}") for perm in perms):
        raise PermissionDenied()
    return user


def _out(card_type: CardType) -> dict[str, Any]:
    """The card type with its projects, discounts and one-line summary (from prefetched rows)."""
    return {
        **{
            name: getattr(card_type, name)
            for name in (
                "id",
                "code",
                "name",
                "kind",
                "price",
                "total_sessions",
                "bonus_amount",
                "validity_mode",
                "validity_days",
                "valid_until",
                "is_transferable",
                "is_shareable",
                "max_shared_members",
                "description",
                "is_active",
                "created_at",
                "updated_at",
            )
        },
        "summary": selectors.card_type_summary(card_type),
        "items": [
            {
                "project_id": item.project_id,
                "project_code": item.project.code,
                "project_name": item.project.name,
                "sessions": item.sessions,
            }
            for item in card_type.items.all()
        ],
        "discounts": [
            {
                "category_id": discount.category_id,
                "category_code": discount.category.code,
                "category_name": discount.category.name,
                "discount_percent": discount.discount_percent,
            }
            for discount in card_type.discounts.all()
        ],
    }


def _rows(data: dict[str, Any]) -> dict[str, Any]:
    """The schema's item and discount dicts as the services' inputs."""
    items = data.pop("items", None) or []
    discounts = data.pop("discounts", None) or []
    return {
        **data,
        "items": [services.CardItemInput(**row) for row in items],
        "discounts": [services.CardDiscountInput(**row) for row in discounts],
    }


def _merged(card_type: CardType, payload: CardTypePatch) -> dict[str, Any]:
    """PATCH: the stored definition overlaid with what the client sent. A changed kind, validity
    mode or sharing drops the stored values that belong only to the old choice (unless sent), and a
    combination card's total is always recomputed from its projects."""
    sent = payload.dict(exclude_unset=True)
    current: dict[str, Any] = {
        name: getattr(card_type, name)
        for name in (
            "code",
            "name",
            "kind",
            "price",
            "total_sessions",
            "bonus_amount",
            "validity_mode",
            "validity_days",
            "valid_until",
            "is_transferable",
            "is_shareable",
            "max_shared_members",
            "description",
        )
    }
    current["items"] = [{"project_id": i.project_id, "sessions": i.sessions} for i in card_type.items.all()]
    current["discounts"] = [
        {"category_id": d.category_id, "discount_percent": d.discount_percent}
        for d in card_type.discounts.all()
    ]
    kind = sent.get("kind", card_type.kind)
    if kind != card_type.kind:
        for name, empty in (
            ("total_sessions", None),
            ("bonus_amount", None),
            ("items", []),
            ("discounts", []),
        ):
            current[name] = empty
    if kind == CardKind.COMBINATION:
        current["total_sessions"] = None
    mode = sent.get("validity_mode", card_type.validity_mode)
    if mode != ValidityMode.DAYS:
        current["validity_days"] = None
    if mode != ValidityMode.FIXED:
        current["valid_until"] = None
    if sent.get("is_shareable") is False:
        current["max_shared_members"] = 0
    return {**current, **sent}


@router.get(PATH, response=CardTypeListOut, summary="List card types")
def card_type_list(request: HttpRequest, params: Query[ListParams], filters: Query[CardTypeFilters]) -> Any:
    actor = _actor(request, "view_cardtype")
    result = page(filtered(request, CardTypeFilterSet, selectors.card_types_for(actor), filters), params)
    return {"count": result["count"], "items": [_out(card_type) for card_type in result["items"]]}


@router.post(PATH, response={201: CardTypeOut}, summary="Create a card type")
def card_type_create(request: HttpRequest, payload: CardTypeIn) -> Status:
    actor = _actor(request)
    card_type = services.card_type_create(actor=actor, **_rows(payload.dict()))
    return Status(201, _out(selectors.card_type_get_for(actor, card_type.pk)))


@router.get(PATH + "/{card_type_id}", response=CardTypeOut, summary="One card type")
def card_type_detail(request: HttpRequest, card_type_id: int) -> Any:
    return _out(selectors.card_type_get_for(_actor(request, "view_cardtype"), card_type_id))


@router.patch(PATH + "/{card_type_id}", response=CardTypeOut, summary="Change a card type")
def card_type_update(request: HttpRequest, card_type_id: int, payload: CardTypePatch) -> Any:
    actor = _actor(request, "change_cardtype")
    card_type = selectors.card_type_get_for(actor, card_type_id)
    services.card_type_update(actor=actor, card_type_id=card_type.pk, **_rows(_merged(card_type, payload)))
    return _out(selectors.card_type_get_for(actor, card_type.pk))


@router.post(PATH + "/{card_type_id}/deactivate", response=CardTypeOut, summary="Deactivate a card type")
def card_type_deactivate(request: HttpRequest, card_type_id: int) -> Any:
    actor = _actor(request, "delete_cardtype")
    services.card_type_deactivate(actor=actor, card_type_id=card_type_id)
    return _out(selectors.card_type_get_for(actor, card_type_id))
