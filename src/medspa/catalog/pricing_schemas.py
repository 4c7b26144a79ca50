"""Input and output shapes of the pricing API (``POST /api/v1/pricing/quote``,
``GET /api/v1/pricing/items``). Money leaves as a decimal string with two places ("6800.00");
percentages and amounts may be sent as strings or numbers. Ranges (quantity ≥ 1, 0–100 %, one
of percent and amount) are checked by the engine, whose messages name the line."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import Field, PlainSerializer

MAX_ID = 2**63 - 1  # the largest database id
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Money = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]


class QuoteLineIn(Schema):
    kind: str = Field(..., max_length=16, description="project, product, package or card_type.")
    id: Id = Field(..., description="The project's, product's, package's or card type's id.")
    quantity: int = Field(1, ge=-MAX_ID, le=MAX_ID, description="At least 1.")
    manual_percent: Decimal | None = Field(
        None, description="Hand-given line discount: the line pays this % (85 = 8.5 折)."
    )
    manual_amount: Decimal | None = Field(
        None, description="Hand-given line discount: this much off the line."
    )
    key: str | None = Field(
        None, max_length=32, description="Your name for the line (default: its position, 001, 002 …)."
    )


class QuoteIn(Schema):
    lines: list[QuoteLineIn] = Field(..., description="The basket, at most 100 lines.")
    customer_id: Id | None = Field(
        None, description="Price for this customer: her member level, new or returning, her coupons."
    )
    member_level_id: Id | None = Field(None, description="Without a customer: price for this member level.")
    is_new_customer: bool = Field(False, description="Without a customer: price for a new customer.")
    branch_id: Id | None = Field(None, description="Default: the branch you work in.")
    at: datetime.datetime | None = Field(None, description="ISO 8601 with offset; default: now.")
    coupon_ids: list[Id] = Field(default_factory=list, description="Coupons the customer holds.")
    order_percent: Decimal | None = Field(None, description="Order discount: the order pays this %.")
    order_amount: Decimal | None = Field(None, description="Order discount: this much off the order.")


class AdjustmentOut(Schema):
    source: str = Field(..., description="member, promotion, floor, coupon, manual or order.")
    ref_id: int | None = Field(None, description="The member level, promotion or coupon.")
    label: str
    amount: Money = Field(..., description="Negative: a discount; positive: given back by a floor.")


class PricedLineOut(Schema):
    key: str
    kind: str
    ref_id: int
    name: str
    quantity: int
    list_price: Money
    base_amount: Money
    adjustments: list[AdjustmentOut]
    amount: Money
    requires_approval: bool


class QuoteOut(Schema):
    lines: list[PricedLineOut]
    subtotal: Money
    discount_total: Money
    total: Money
    requires_approval: bool
    approval_reasons: list[str]
    applied_promotion_ids: list[int]
    skipped: dict[int, str] = Field(..., description="Promotion id → why it did not apply.")
    promotion_names: dict[int, str] = Field(
        ..., description="Promotion id → name, for every promotion considered."
    )


class SellableOut(Schema):
    kind: str
    id: int
    code: str
    name: str
    price: Money


class SellableListOut(Schema):
    items: list[SellableOut]
    count: int


class SellableFilters(Schema):
    q: str = Field("", max_length=100, description="Start of the code, or part of the name or its pinyin.")
    limit: int = Field(20, ge=1, le=100, description="At most this many (1–100).")
