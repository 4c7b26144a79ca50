"""Input and output shapes of the promotion API (/catalog/promotions). Money leaves as a decimal
string with two places ("5000.00") and may be sent as a string or a number; times are ISO 8601
with their offset (a time without one is refused). Kinds, roles and the rules per kind are
validated by the services, which name the allowed values in their message."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, PlainSerializer

from medspa.catalog.models import Promotion, PromotionTarget
from medspa.catalog.promotion_selectors import promotion_describe, promotion_status, promotion_target_name
from medspa.core.api import Code, LocalDateTime

OptionalMoney = Annotated[
    Decimal | None,
    PlainSerializer(lambda value: None if value is None else f"{value:.2f}", return_type=str | None),
]
MAX_ID = 2_147_483_647
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class PromotionTargetIn(Schema):
    role: str = Field(..., max_length=8, description="scope, buy, get or bundle (as the kind allows).")
    project_id: Id | None = None
    product_id: Id | None = None
    package_id: Id | None = None
    category_id: Id | None = None
    quantity: int = Field(1, ge=1, le=999, description="Bundle components only; 1 for every other role.")


class PromotionIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=100)
    kind: str = Field(..., max_length=16, description="bundle, spend_save, category_percent or buy_get.")
    starts_at: datetime.datetime = Field(
        ..., description="ISO 8601 with offset, e.g. 2026-05-01T00:00+08:00."
    )
    ends_at: datetime.datetime = Field(..., description="After starts_at; the promotion ends before it.")
    branch_ids: list[Id] = Field(..., max_length=200, description="At least one branch.")
    member_level_ids: list[Id] = Field(
        default_factory=list, max_length=200, description="Empty: every level."
    )
    new_customers_only: bool = False
    priority: int = Field(0, ge=0, le=9999, description="Higher is considered first.")
    is_exclusive: bool = False
    threshold_amount: Decimal | None = Field(None, description="spend_save: spend at least.")
    discount_amount: Decimal | None = Field(None, description="spend_save: save.")
    is_repeatable: bool = Field(False, description="spend_save: again for every multiple.")
    discount_percent: Decimal | None = Field(
        None, description="category_percent: the share paid (80 = 20 % off)."
    )
    bundle_price: Decimal | None = Field(None, description="bundle: the price of the components together.")
    buy_quantity: int | None = Field(None, ge=1, le=999, description="buy_get: how many to buy.")
    get_quantity: int | None = Field(None, ge=1, le=999, description="buy_get: how many free.")
    description: str = Field("", max_length=2000)
    targets: list[PromotionTargetIn] = Field(default_factory=list, max_length=200)


class PromotionPatch(Schema):
    """Only the fields sent change; ``targets``, ``branch_ids`` and ``member_level_ids`` replace
    the whole list. Changing the kind needs the old kind's fields sent as null."""

    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: str | None = Field(None, max_length=16)
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    branch_ids: list[Id] | None = Field(None, max_length=200)
    member_level_ids: list[Id] | None = Field(None, max_length=200)
    new_customers_only: bool | None = None
    priority: int | None = Field(None, ge=0, le=9999)
    is_exclusive: bool | None = None
    threshold_amount: Decimal | None = None
    discount_amount: Decimal | None = None
    is_repeatable: bool | None = None
    discount_percent: Decimal | None = None
    bundle_price: Decimal | None = None
    buy_quantity: int | None = Field(None, ge=1, le=999)
    get_quantity: int | None = Field(None, ge=1, le=999)
    description: str | None = Field(None, max_length=2000)
    targets: list[PromotionTargetIn] | None = Field(None, max_length=200)
    is_active: bool | None = Field(None, description="false stops the promotion, true switches it on again.")


class PromotionCopyIn(Schema):
    code: str = Code
    name: str | None = Field(None, min_length=1, max_length=100, description="Default: the same name.")
    starts_at: datetime.datetime | None = Field(None, description="Default: the same window.")
    ends_at: datetime.datetime | None = None


class PromotionTargetOut(Schema):
    id: int
    role: str
    project_id: int | None
    product_id: int | None
    package_id: int | None
    category_id: int | None
    name: str
    quantity: int

    @staticmethod
    def resolve_name(obj: PromotionTarget) -> str:
        return promotion_target_name(obj)


class PromotionOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    status: Literal["upcoming", "running", "ended", "inactive"]
    rule: str = Field(..., description="The rule in plain words (Chinese), e.g. 满 ¥5,000 减 ¥500.")
    starts_at: LocalDateTime
    ends_at: LocalDateTime
    branch_ids: list[int]
    member_level_ids: list[int]
    new_customers_only: bool
    priority: int
    is_exclusive: bool
    threshold_amount: OptionalMoney
    discount_amount: OptionalMoney
    is_repeatable: bool
    discount_percent: OptionalMoney
    bundle_price: OptionalMoney
    buy_quantity: int | None
    get_quantity: int | None
    description: str
    is_active: bool
    targets: list[PromotionTargetOut]
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_status(obj: Promotion) -> str:
        return str(getattr(obj, "status", None) or promotion_status(obj))

    @staticmethod
    def resolve_rule(obj: Promotion) -> str:
        return promotion_describe(obj)

    @staticmethod
    def resolve_branch_ids(obj: Promotion) -> list[int]:
        return [b.pk for b in obj.branches.all()]

    @staticmethod
    def resolve_member_level_ids(obj: Promotion) -> list[int]:
        return [m.pk for m in obj.member_levels.all()]

    @staticmethod
    def resolve_targets(obj: Promotion) -> list[Any]:
        return list(obj.targets.all())


class PromotionListOut(Schema):
    items: list[PromotionOut]
    count: int


class PromotionFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Part of the code or name.")
    kind: Literal["bundle", "spend_save", "category_percent", "buy_get"] | None = None
    status: Literal["upcoming", "running", "ended", "inactive"] | None = Field(
        None, description="未开始 / 进行中 / 已结束 / 停用, now."
    )
    branch: int | None = Field(None, description="Promotions valid in this branch.")


__all__ = [
    "PromotionCopyIn",
    "PromotionFilters",
    "PromotionIn",
    "PromotionListOut",
    "PromotionOut",
    "PromotionPatch",
    "PromotionTargetIn",
    "PromotionTargetOut",
]
