"""Input and output shapes of /api/v1/customer-fields and /api/v1/member-levels. Money and the
percentages leave the API as decimal strings ("95.00"); they may be sent as strings or numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, PlainSerializer

from medspa.core.api import LocalDateTime

DecimalString = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]
Order = Field(None, ge=0, le=2_147_483_647, description="Smaller comes first; omitted: last.")
FieldTypeName = Literal["text", "number", "date", "choice", "multi"]
Options = Field(
    None,
    max_length=100,
    description="Single (choice) and multiple choice (multi) only: 1–100 distinct texts of at most "
    "50 characters. Other types: omit or send [].",
)
Roles = Field(
    None,
    max_length=200,
    description="Ids of the roles that may edit the values; [] or omitted: every role that may "
    "change customers. On PATCH, omitted keeps the current roles.",
)


# --- custom fields ---------------------------------------------------------------------------------


class CustomFieldIn(Schema):
    key: str = Field(
        ...,
        min_length=1,
        max_length=32,
        description="Lower-case letters, digits and underscores, starting with a letter; fixed for good.",
    )
    label: str = Field(..., min_length=1, max_length=50)
    type: FieldTypeName
    options: list[str] | None = Options
    required: bool = False
    show_in_list: bool = False
    editable_by: list[int] | None = Roles
    order: int | None = Order


class CustomFieldPatch(Schema):
    key: str | None = Field(None, max_length=32, description="May be sent, but never changes.")
    label: str | None = Field(None, min_length=1, max_length=50)
    type: FieldTypeName | None = Field(None, description="Refused while customers hold values of this field.")
    options: list[str] | None = Field(
        None, max_length=100, description="The whole new list; removing an option still chosen is refused."
    )
    required: bool | None = None
    show_in_list: bool | None = None
    editable_by: list[int] | None = Roles
    order: int | None = Field(None, ge=0, le=2_147_483_647)
    is_active: bool | None = Field(None, description="true reactivates; false deactivates.")


class RoleRefOut(Schema):
    id: int
    name: str


class CustomFieldOut(Schema):
    id: int
    key: str
    label: str
    type: str
    options: list[str]
    required: bool
    show_in_list: bool
    editable_by: list[RoleRefOut] = Field(..., description="Empty: every role that may change customers.")
    order: int
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_options(obj: Any) -> list[str]:
        return [str(option) for option in obj.options or []]

    @staticmethod
    def resolve_editable_by(obj: Any) -> list[dict[str, Any]]:
        return [{"id": role.pk, "name": role.name} for role in obj.editable_by.all()]


class CustomFieldListOut(Schema):
    items: list[CustomFieldOut]
    count: int


class CustomFieldFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Part of the key or label.")
    type: FieldTypeName | None = None
    is_active: Literal["true", "false"] | None = None


# --- member levels ---------------------------------------------------------------------------------


class MemberLevelIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    discount_percent: Decimal = Field(
        Decimal(100),
        description='What a member pays of the list price: "95.00" = 95%; more than 0, at most 100.',
    )
    points_multiplier: Decimal = Field(Decimal(1), description="0 to 100, two decimal places.")
    upgrade_amount: Decimal = Field(
        Decimal(0), description="Spending within the window that reaches the level."
    )
    downgrade_amount: Decimal = Field(
        Decimal(0), description="Spending below which a member loses the level; at most upgrade_amount."
    )
    window_days: int = Field(365, description="The spending window in days (1–3650).")
    order: int | None = Order


class MemberLevelPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=50)
    discount_percent: Decimal | None = None
    points_multiplier: Decimal | None = None
    upgrade_amount: Decimal | None = None
    downgrade_amount: Decimal | None = None
    window_days: int | None = None
    order: int | None = Field(None, ge=0, le=2_147_483_647)
    is_active: bool | None = Field(
        None, description="true reactivates; false deactivates (refused while customers hold the level)."
    )


class MemberLevelOut(Schema):
    id: int
    name: str
    discount_percent: DecimalString
    points_multiplier: DecimalString
    upgrade_amount: DecimalString
    downgrade_amount: DecimalString
    window_days: int
    order: int
    is_active: bool
    holders: int = Field(..., description="Active customers at this level.")
    created_at: LocalDateTime
    updated_at: LocalDateTime


class MemberLevelListOut(Schema):
    items: list[MemberLevelOut]
    count: int


class MemberLevelFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Part of the name.")
    is_active: Literal["true", "false"] | None = None
