"""Input and output shapes of the customer API (/customers)."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from medspa.core.api import LocalDateTime
from medspa.customers.choices import LifecycleStatus
from medspa.customers.id_numbers import mask_id_number, mask_phone
from medspa.customers.tables import customer_age

FULL_CONTACT = "customers.view_full_contact"
Id = Field(None, ge=1, le=9_223_372_036_854_775_807)
CustomValues: Any = Field(
    default_factory=dict,
    max_length=100,
    description="Custom field values by key: text, a number, an ISO date, an option or a list of options; "
    "null clears a value.",
)
GenderCode = Literal["F", "M", "U"]


def _actor(context: Any) -> Any:
    request = (context or {}).get("request")
    return getattr(request, "auth", None) if request is not None else None


class CustomerIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    gender: GenderCode = Field("U", description="F female, M male, U unknown.")
    birthday: datetime.date | None = None
    phone: str = Field("", max_length=30, description="Mobile or landline; stored normalised.")
    wechat_id: str = Field("", max_length=50)
    id_number: str = Field("", max_length=30, description="18-digit resident ID number (stored encrypted).")
    card_no: str = Field("", max_length=32)
    source_channel_id: int | None = Id
    info_source_id: int | None = Id
    region_id: int | None = Id
    referrer_customer_id: int | None = Id
    referrer_staff_id: int | None = Id
    consultant_id: int | None = Field(None, ge=1, description="Default: you, when you are a staff member.")
    doctor_id: int | None = Id
    intention: str = Field("", max_length=200)
    remarks: str = Field("", max_length=2000)
    tag_ids: list[int] = Field(default_factory=list, max_length=100)
    custom: dict[str, Any] = CustomValues


class CustomerPatch(Schema):
    """Only the fields sent change. ``id_number``: a value replaces the stored one, "" clears it."""

    name: str | None = Field(None, min_length=1, max_length=50)
    gender: GenderCode | None = None
    birthday: datetime.date | None = None
    phone: str | None = Field(None, max_length=30)
    wechat_id: str | None = Field(None, max_length=50)
    id_number: str | None = Field(None, max_length=30)
    card_no: str | None = Field(None, max_length=32)
    source_channel_id: int | None = Id
    info_source_id: int | None = Id
    region_id: int | None = Id
    referrer_customer_id: int | None = Id
    referrer_staff_id: int | None = Id
    consultant_id: int | None = Id
    doctor_id: int | None = Id
    intention: str | None = Field(None, max_length=200)
    remarks: str | None = Field(None, max_length=2000)
    tag_ids: list[int] | None = Field(None, max_length=100)
    custom: dict[str, Any] | None = Field(None, max_length=100)


class TagsIn(Schema):
    tag_ids: list[int] = Field(..., max_length=100)


class TagOut(Schema):
    id: int
    name: str
    colour: str
    group: str | None

    @staticmethod
    def resolve_group(obj: Any) -> str | None:
        return obj.parent.name if obj.parent is not None else None


class CustomerOut(Schema):
    id: int
    name: str
    gender: str
    birthday: datetime.date | None
    age: int | None
    phone: str = Field(..., description="Masked (138****1234) unless you may view full contact data.")
    id_number_masked: str
    wechat_id: str
    card_no: str
    source_channel_id: int | None
    info_source_id: int | None
    region_id: int | None
    referrer_customer_id: int | None
    referrer_staff_id: int | None
    consultant_id: int | None
    consultant_name: str | None
    doctor_id: int | None
    intention: str
    remarks: str
    status: LifecycleStatus
    member_level_id: int | None
    tags: list[TagOut]
    custom: dict[str, Any]
    visit_count: int
    first_visit_at: LocalDateTime | None
    last_visit_at: LocalDateTime | None
    branch_id: int
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_age(obj: Any) -> int | None:
        return customer_age(obj.birthday)

    @staticmethod
    def resolve_phone(obj: Any, context: Any) -> str:
        actor = _actor(context)
        return str(obj.phone) if actor is not None and actor.has_perm(FULL_CONTACT) else mask_phone(obj.phone)

    @staticmethod
    def resolve_id_number_masked(obj: Any) -> str:
        return mask_id_number(obj.id_number_tail)

    @staticmethod
    def resolve_consultant_name(obj: Any) -> str | None:
        return obj.consultant.name if obj.consultant is not None else None

    @staticmethod
    def resolve_tags(obj: Any) -> list[Any]:
        return list(obj.tags.all())

    @staticmethod
    def resolve_custom(obj: Any) -> dict[str, Any]:
        return dict(obj.custom_values or {})


class CustomerListOut(Schema):
    items: list[CustomerOut]
    count: int


class CustomerFilters(Schema):
    q: str | None = Field(
        None, max_length=100, description="Name, pinyin or initials, full phone or last 4 digits, card no."
    )
    status: LifecycleStatus | None = None
    consultant: int | None = Field(None, ge=1, le=9_223_372_036_854_775_807, description="Staff id.")
    source_channel: int | None = Field(None, ge=1, le=9_223_372_036_854_775_807, description="Channel id.")
    tag: int | None = Field(None, ge=1, le=9_223_372_036_854_775_807, description="Tag id.")
    member_level: int | None = Field(None, ge=1, le=9_223_372_036_854_775_807, description="Member level id.")
    is_active: Literal["true", "false"] | None = None


class FullContactOut(Schema):
    id: int
    phone: str
    id_number: str


class CustomerMatchOut(Schema):
    id: int
    name: str
    phone: str = Field(..., description="Always masked.")
    card_no: str
    consultant_name: str | None
    status: LifecycleStatus

    @staticmethod
    def resolve_phone(obj: Any) -> str:
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_consultant_name(obj: Any) -> str | None:
        return obj.consultant.name if obj.consultant is not None else None


class CustomerSearchOut(Schema):
    items: list[CustomerMatchOut]
