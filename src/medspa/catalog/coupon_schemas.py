"""Input and output shapes of the coupon API (/catalog/coupon-types, /catalog/coupons). Money
leaves as a decimal string with two places ("200.00"), percentages likewise ("90.00"); both may be
sent as strings or numbers. Phones leave masked (138****1234). Kinds and other choices are
validated by the services, which name the allowed values in their message."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, PlainSerializer

from medspa.core.api import Code, LocalDateTime
from medspa.customers.choices import LifecycleStatus
from medspa.customers.id_numbers import mask_phone

Money = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]
OptionalMoney = Annotated[
    Decimal | None,
    PlainSerializer(lambda value: None if value is None else f"{value:.2f}", return_type=str | None),
]
BIG = 9_223_372_036_854_775_807
Key = Field(
    "", max_length=64, description="Optional; repeating a submit with the same key returns its first result."
)


# --- coupon types -----------------------------------------------------------------------------------


class CouponTypeIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=100)
    kind: str = Field(..., max_length=16, description="voucher, discount, friends or staff.")
    amount: Decimal | None = Field(None, description="Amount off (voucher, friends, staff).")
    discount_percent: Decimal | None = Field(
        None, description="Discount coupons: the % paid (90 = 10 % off)."
    )
    min_spend: Decimal | None = Field(None, description="Minimum spend; default 0.")
    applies_to_all: bool = False
    project_ids: list[int] = Field(default_factory=list, max_length=500)
    product_ids: list[int] = Field(default_factory=list, max_length=500)
    category_ids: list[int] = Field(default_factory=list, max_length=500)
    validity_mode: str = Field("fixed", max_length=8, description="fixed or days.")
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    validity_days: int | None = Field(
        None, ge=1, le=36500, description="days: valid this many days after issue."
    )
    is_stackable: bool = False
    per_customer_limit: int | None = Field(None, ge=1, le=2_147_483_647, description="Empty: no limit.")
    description: str = Field("", max_length=2000)


class CouponTypePatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: str | None = Field(None, max_length=16)
    amount: Decimal | None = None
    discount_percent: Decimal | None = None
    min_spend: Decimal | None = None
    applies_to_all: bool | None = None
    project_ids: list[int] | None = Field(None, max_length=500)
    product_ids: list[int] | None = Field(None, max_length=500)
    category_ids: list[int] | None = Field(None, max_length=500)
    validity_mode: str | None = Field(None, max_length=8)
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    validity_days: int | None = Field(None, ge=1, le=36500)
    is_stackable: bool | None = None
    per_customer_limit: int | None = Field(None, ge=1, le=2_147_483_647)
    description: str | None = Field(None, max_length=2000)
    is_active: bool | None = Field(None, description="false deactivates: no more coupons are issued.")


class CouponTypeOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    amount: OptionalMoney
    discount_percent: OptionalMoney
    min_spend: Money
    applies_to_all: bool
    project_ids: list[int]
    product_ids: list[int]
    category_ids: list[int]
    validity_mode: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    validity_days: int | None
    is_stackable: bool
    per_customer_limit: int | None
    description: str
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_project_ids(obj: Any) -> list[int]:
        return [row.pk for row in obj.projects.all()]

    @staticmethod
    def resolve_product_ids(obj: Any) -> list[int]:
        return [row.pk for row in obj.products.all()]

    @staticmethod
    def resolve_category_ids(obj: Any) -> list[int]:
        return [row.pk for row in obj.categories.all()]


class CouponTypeListOut(Schema):
    items: list[CouponTypeOut]
    count: int


class CouponTypeFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Part of the code or name.")
    kind: Literal["voucher", "discount", "friends", "staff"] | None = None
    is_active: Literal["true", "false"] | None = None


# --- issued coupons ---------------------------------------------------------------------------------


class CouponEventOut(Schema):
    id: int
    action: str
    at: LocalDateTime
    actor_id: int | None
    customer_id: int | None
    note: str


class CouponOut(Schema):
    id: int
    code: str
    coupon_type_id: int
    coupon_type_code: str
    coupon_type_name: str
    kind: str
    state: str
    customer_id: int | None
    customer_name: str | None
    customer_phone: str | None = Field(..., description="Always masked.")
    staff_id: int | None
    given_by_id: int | None
    batch_id: int | None
    branch_id: int
    valid_from: datetime.date
    valid_to: datetime.date | None
    redeemed_at: LocalDateTime | None
    redeemed_ref: str
    created_at: LocalDateTime

    @staticmethod
    def resolve_coupon_type_code(obj: Any) -> str:
        return str(obj.coupon_type.code)

    @staticmethod
    def resolve_coupon_type_name(obj: Any) -> str:
        return str(obj.coupon_type.name)

    @staticmethod
    def resolve_kind(obj: Any) -> str:
        return str(obj.coupon_type.kind)

    @staticmethod
    def resolve_customer_name(obj: Any) -> str | None:
        return obj.customer.name if obj.customer is not None else None

    @staticmethod
    def resolve_customer_phone(obj: Any) -> str | None:
        return mask_phone(obj.customer.phone) if obj.customer is not None else None


class CouponDetailOut(CouponOut):
    events: list[CouponEventOut]

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return list(obj.events.all())


class CouponListOut(Schema):
    items: list[CouponOut]
    count: int


class CouponFilters(Schema):
    code: str | None = Field(None, max_length=32, description="Part of the code.")
    coupon_type: int | None = Field(None, ge=1, le=BIG, description="A coupon type id.")
    state: Literal["issued", "redeemed", "expired", "void"] | None = None
    customer: str | None = Field(
        None, max_length=100, description="Name, pinyin, phone or its last 4 digits."
    )
    batch: int | None = Field(None, ge=1, le=BIG, description="A batch id.")
    valid_on: datetime.date | None = Field(None, description="Coupons valid on this day.")


class IssueIn(Schema):
    coupon_type_id: int = Field(..., ge=1, le=BIG)
    customer_id: int | None = Field(None, ge=1, le=BIG, description="Required except for staff coupons.")
    staff_id: int | None = Field(None, ge=1, le=BIG, description="Staff coupons: who receives them.")
    quantity: int = Field(1, ge=1, le=100)
    note: str = Field("", max_length=200)
    idempotency_key: str = Key


class CustomerCriteria(Schema):
    """The customer list's filters (``GET /api/v1/customers``); only active customers receive."""

    q: str | None = Field(None, max_length=100)
    status: LifecycleStatus | None = None
    consultant: int | None = Field(None, ge=1, le=BIG)
    source_channel: int | None = Field(None, ge=1, le=BIG)
    tag: int | None = Field(None, ge=1, le=BIG)
    member_level: int | None = Field(None, ge=1, le=BIG)


class IssueBulkIn(Schema):
    coupon_type_id: int = Field(..., ge=1, le=BIG)
    criteria: CustomerCriteria | None = Field(None, description="None: every active customer you may see.")
    quantity: int = Field(1, ge=1, le=100, description="Coupons per customer.")
    note: str = Field("", max_length=200)
    idempotency_key: str = Key


class GenerateIn(Schema):
    coupon_type_id: int = Field(..., ge=1, le=BIG)
    quantity: int = Field(..., ge=1, le=5000)
    note: str = Field("", max_length=200)
    idempotency_key: str = Key


class BatchOut(Schema):
    id: int
    coupon_type_id: int
    mode: str
    quantity: int
    criteria: dict[str, Any]
    note: str
    branch_id: int
    created_at: LocalDateTime


class IssueOut(Schema):
    batch: BatchOut
    skipped: int
    coupons: list[CouponOut]


class ReasonIn(Schema):
    reason: str = Field(..., max_length=200)


class TransferIn(Schema):
    to_customer_id: int = Field(..., ge=1, le=BIG)


class RedeemIn(Schema):
    customer_id: int = Field(..., ge=1, le=BIG)
    ref: str = Field(..., max_length=64, description="The order or receipt number it is redeemed on.")
    idempotency_key: str = Key


class ClaimIn(Schema):
    customer_id: int = Field(..., ge=1, le=BIG)
