"""Input and output shapes of the policy API (/catalog/discount-rules, /catalog/discount-authorities,
/catalog/commission-plans). Percentages and money leave as decimal strings with two places
("80.00", "200.00") and may be sent as strings or numbers; the services check the ranges and
name the allowed values in their message."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import Field, PlainSerializer

from medspa.catalog.policy_selectors import TargetKind
from medspa.core.api import LocalDateTime

Decimal2 = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]
OptionalDecimal2 = Annotated[
    Decimal | None,
    PlainSerializer(lambda value: None if value is None else f"{value:.2f}", return_type=str | None),
]
OptionalLocalDateTime = Annotated[
    datetime.datetime | None,
    PlainSerializer(
        lambda value: None if value is None else timezone.localtime(value).isoformat(), return_type=str | None
    ),
]
YesNo = Literal["true", "false"]


def _target_kind(obj: Any, fields: tuple[str, ...]) -> str:
    for field in fields:
        if getattr(obj, f"{field}_id", None) is not None:
            return field
    return TargetKind.ALL


def _target(obj: Any, fields: tuple[str, ...]) -> Any:
    kind = _target_kind(obj, fields)
    return getattr(obj, kind) if kind != TargetKind.ALL else None


# --- discount rules ---------------------------------------------------------------------------------

RULE_TARGETS = ("project", "product", "category")


class DiscountRuleIn(Schema):
    project_id: int | None = Field(None, description="Exactly one of project_id, product_id, category_id.")
    product_id: int | None = None
    category_id: int | None = Field(None, description="Applies to everything below the category too.")
    never_discount: bool = False
    min_percent: Decimal | None = Field(
        None, description="Lowest price in % of the price, 0–100 (80 = 8 折); omit when never_discount."
    )
    note: str = Field("", max_length=200)


class DiscountRulePatch(Schema):
    project_id: int | None = Field(None, description="Sending one target replaces the rule's target.")
    product_id: int | None = None
    category_id: int | None = None
    never_discount: bool | None = None
    min_percent: Decimal | None = None
    note: str | None = Field(None, max_length=200)


class DiscountRuleOut(Schema):
    id: int
    target_kind: str = Field(..., description="project, product or category.")
    project_id: int | None
    product_id: int | None
    category_id: int | None
    target_code: str
    target_name: str
    never_discount: bool
    min_percent: Decimal2
    note: str
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_target_kind(obj: Any) -> str:
        return _target_kind(obj, RULE_TARGETS)

    @staticmethod
    def resolve_target_code(obj: Any) -> str:
        return str(getattr(_target(obj, RULE_TARGETS), "code", ""))

    @staticmethod
    def resolve_target_name(obj: Any) -> str:
        return str(getattr(_target(obj, RULE_TARGETS), "name", ""))


class DiscountRuleListOut(Schema):
    items: list[DiscountRuleOut]
    count: int


class DiscountRuleFilters(Schema):
    q: str | None = Field(
        None, max_length=100, description="Code, name or pinyin of the target, or the note."
    )
    target_kind: Literal["project", "product", "category"] | None = None
    never_discount: YesNo | None = None


# --- discount authority -----------------------------------------------------------------------------


class DiscountAuthorityIn(Schema):
    min_percent: Decimal = Field(
        ..., description="Holders of the role may discount by hand down to this % of the price (0–100)."
    )


class DiscountAuthorityOut(Schema):
    role_id: int
    name: str
    builtin: bool
    description: str
    min_percent: OptionalDecimal2 = Field(
        ..., description="null: no authority, every manual discount needs approval."
    )
    updated_at: OptionalLocalDateTime

    @staticmethod
    def resolve_role_id(obj: Any) -> int:
        return int(obj.pk)

    @staticmethod
    def resolve_builtin(obj: Any) -> bool:
        return obj.profile.organisation_id is None

    @staticmethod
    def resolve_description(obj: Any) -> str:
        return str(obj.profile.description)

    @staticmethod
    def resolve_updated_at(obj: Any) -> datetime.datetime | None:
        value: datetime.datetime | None = obj.authority_updated_at
        return value


class DiscountAuthorityListOut(Schema):
    items: list[DiscountAuthorityOut]
    count: int


class DiscountAuthorityFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Part of the role's name.")
    has_authority: YesNo | None = None
    builtin: YesNo | None = None


# --- commission plans -------------------------------------------------------------------------------

PLAN_TARGETS = ("project", "product", "card_type", "category")


class CommissionPlanIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: str = Field(..., max_length=16, description="sales, operator, card or prepayment.")
    position_id: int
    basis: str = Field(
        ...,
        max_length=16,
        description="sales: cash or consumption; operator: per_session or consumption; "
        "card, prepayment: cash.",
    )
    rate_percent: Decimal | None = Field(None, description="Percentage bases: 0–100.")
    fixed_amount: Decimal | None = Field(None, description="per_session: the amount per session (≥ 0).")
    effective_from: datetime.date
    effective_to: datetime.date | None = Field(None, description="null: until further notice.")
    project_id: int | None = Field(None, description="At most one target; none: everything.")
    product_id: int | None = None
    card_type_id: int | None = Field(None, description="Member-card commission only.")
    category_id: int | None = None


class CommissionPlanPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: str | None = Field(None, max_length=16)
    position_id: int | None = None
    basis: str | None = Field(None, max_length=16)
    rate_percent: Decimal | None = None
    fixed_amount: Decimal | None = None
    effective_from: datetime.date | None = None
    effective_to: datetime.date | None = None
    project_id: int | None = Field(None, description="Sending one target replaces the plan's target.")
    product_id: int | None = None
    card_type_id: int | None = None
    category_id: int | None = None
    is_active: bool | None = None


class CommissionPlanOut(Schema):
    id: int
    name: str
    kind: str
    position_id: int
    position_name: str
    target_kind: str = Field(..., description="project, product, card_type, category or all.")
    project_id: int | None
    product_id: int | None
    card_type_id: int | None
    category_id: int | None
    target_code: str
    target_name: str
    basis: str
    rate_percent: OptionalDecimal2
    fixed_amount: OptionalDecimal2
    effective_from: datetime.date
    effective_to: datetime.date | None
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_position_name(obj: Any) -> str:
        return str(obj.position.name)

    @staticmethod
    def resolve_target_kind(obj: Any) -> str:
        return _target_kind(obj, PLAN_TARGETS)

    @staticmethod
    def resolve_target_code(obj: Any) -> str:
        return str(getattr(_target(obj, PLAN_TARGETS), "code", ""))

    @staticmethod
    def resolve_target_name(obj: Any) -> str:
        return str(getattr(_target(obj, PLAN_TARGETS), "name", ""))


class CommissionPlanListOut(Schema):
    items: list[CommissionPlanOut]
    count: int


class CommissionPlanFilters(Schema):
    q: str | None = Field(
        None, max_length=100, description="Plan name, or code, name or pinyin of its target."
    )
    kind: Literal["sales", "operator", "card", "prepayment"] | None = None
    basis: Literal["cash", "consumption", "per_session"] | None = None
    position: int | None = None
    target_kind: Literal["project", "product", "card_type", "category", "all"] | None = None
    on: datetime.date | None = Field(None, description="Plans effective on this date.")
    is_active: YesNo | None = None
