"""REST endpoints of customer profiles: /customers (list, search, create, read, change, tags,
full contact). Each one parses its schema and calls the selector or service the pages use.

The ``phone`` of a customer leaves the API in full only for actors who may view full contact
data, and every response that carries full phones is recorded in the audit log (like the
archive's "show full contact")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from medspa.accounts.scope import active_branch_id
from medspa.audit.services import audit_record
from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import PermissionDenied
from medspa.customers import selectors, services
from medspa.customers.filtersets import CustomerFilterSet
from medspa.customers.models import Customer
from medspa.customers.schemas import (
    FULL_CONTACT,
    CustomerFilters,
    CustomerIn,
    CustomerListOut,
    CustomerOut,
    CustomerPatch,
    CustomerSearchOut,
    FullContactOut,
    TagsIn,
)
from medspa.customers.services import CustomerInput

router = Router(tags=["customers"])
SEARCH_LIMIT = 10


class SearchParams(Schema):
    q: str = Field(
        ..., max_length=100, description="Name, pinyin or initials, phone or last 4 digits, card no."
    )


def _actor(request: HttpRequest, perm: str | None = None) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if perm is not None and not user.has_perm(f"customers.{perm}"):
        raise PermissionDenied()
    return user


def _full_phones_shown(actor: Any, customers: Sequence[Customer]) -> None:
    """Record that ``customers``' full phone numbers went out to ``actor`` (nothing when the
    actor sees them masked or the response holds no phone)."""
    shown = [c for c in customers if c.phone]
    if not shown or not actor.has_perm(FULL_CONTACT):
        return
    message = _("Full phone shown through the API")
    if len(shown) == 1:
        audit_record(
            actor=actor, module=services.MODULE, action="view_contact", obj=shown[0], message=message
        )
        return
    ids = ",".join(str(c.pk) for c in shown)
    audit_record(
        actor=actor,
        module=services.MODULE,
        action="view_contact",
        object_type=Customer._meta.label_lower,
        branch_id=active_branch_id(actor),
        message=f"{message}: {ids}"[:300],
    )


def _input(values: dict[str, Any]) -> CustomerInput:
    return CustomerInput(**values)


@router.get("/customers", response=CustomerListOut, summary="List customers")
def customer_list(request: HttpRequest, params: Query[ListParams], filters: Query[CustomerFilters]) -> Any:
    actor = _actor(request, "view_customer")
    result = page(filtered(request, CustomerFilterSet, selectors.customer_list_for(actor), filters), params)
    _full_phones_shown(actor, result["items"])
    return result


@router.get("/customers/search", response=CustomerSearchOut, summary="Find customers (autocomplete)")
def customer_search(request: HttpRequest, params: Query[SearchParams]) -> Any:
    actor = _actor(request, "view_customer")
    return {"items": selectors.customer_search(actor, params.q, limit=SEARCH_LIMIT)}


@router.post("/customers", response={201: CustomerOut}, summary="Register a customer")
def customer_create(request: HttpRequest, payload: CustomerIn) -> Status:
    actor = _actor(request)
    customer = services.customer_create(actor=actor, data=_input(payload.dict()))
    _full_phones_shown(actor, [customer])
    return Status(201, customer)


@router.get("/customers/{customer_id}", response=CustomerOut, summary="One customer")
def customer_detail(request: HttpRequest, customer_id: int) -> Any:
    actor = _actor(request, "view_customer")
    customer = selectors.customer_archive_get_for(actor, customer_id)
    _full_phones_shown(actor, [customer])
    return customer


@router.patch("/customers/{customer_id}", response=CustomerOut, summary="Change a customer")
def customer_update(request: HttpRequest, customer_id: int, payload: CustomerPatch) -> Any:
    actor = _actor(request, "change_customer")
    customer = selectors.customer_get_for(actor, customer_id)
    current: dict[str, Any] = {
        "name": customer.name,
        "gender": customer.gender,
        "birthday": customer.birthday,
        "phone": customer.phone,
        "wechat_id": customer.wechat_id,
        "id_number": None,  # not sent: keep the stored one
        "card_no": customer.card_no,
        "source_channel_id": customer.source_channel_id,
        "info_source_id": customer.info_source_id,
        "region_id": customer.region_id,
        "referrer_customer_id": customer.referrer_customer_id,
        "referrer_staff_id": customer.referrer_staff_id,
        "consultant_id": customer.consultant_id,
        "doctor_id": customer.doctor_id,
        "intention": customer.intention,
        "remarks": customer.remarks,
        "tag_ids": None,  # not sent: keep the tags
        "custom": {},  # only the custom fields sent change
    }
    values = {**current, **payload.dict(exclude_unset=True)}
    if values["custom"] is None:
        values["custom"] = {}
    updated = services.customer_update(actor=actor, customer_id=customer.pk, data=_input(values))
    _full_phones_shown(actor, [updated])
    return updated


@router.post("/customers/{customer_id}/tags", response=CustomerOut, summary="Set a customer's tags")
def customer_tags_set(request: HttpRequest, customer_id: int, payload: TagsIn) -> Any:
    actor = _actor(request)
    customer = services.customer_tags_set(actor=actor, customer_id=customer_id, tag_ids=payload.tag_ids)
    _full_phones_shown(actor, [customer])
    return customer


@router.post(
    "/customers/{customer_id}/full-contact",
    response=FullContactOut,
    summary="The unmasked phone and ID number (audited)",
)
def customer_full_contact(request: HttpRequest, customer_id: int) -> Any:
    contact = services.customer_full_contact(actor=_actor(request), customer_id=customer_id)
    return {"id": customer_id, "phone": contact.phone, "id_number": contact.id_number}


class TagOut(Schema):
    id: int
    name: str
    colour: str


class TagGroupOut(Schema):
    id: int
    name: str
    multiple: bool
    tags: list[TagOut]


@router.get("/tags", response=list[TagGroupOut], summary="The customer tag groups and their active tags")
def tag_list(request: HttpRequest) -> list[dict[str, Any]]:
    actor = _actor(request, "view_customer")
    return selectors.tag_groups_for(actor)
