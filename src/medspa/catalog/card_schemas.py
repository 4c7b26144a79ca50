"""Input and output shapes of /api/v1/catalog/card-types. Money leaves as a decimal string with two
places ("10000.00") and may be sent as a string or a number; percentages likewise ("90.00"). The
kind's rules are the services': they name the field and say what is wrong."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, PlainSerializer

from medspa.core.api import ActiveFilters, Code, LocalDateTime

Money = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]
MAX_ROWS = 100


class CardItemIn(Schema):
    project_id: int
    sessions: int | None = Field(
        None,
        description="Combination card: the project's sessions. N-choose-M card: its cap (null: none). "
        "Session card: null or the card's sessions.",
    )


class CardDiscountIn(Schema):
    category_id: int
    discount_percent: Decimal = Field(..., description="What the customer pays, in % (0 < p ≤ 100).")


class CardTypeIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=100)
    kind: str = Field(..., max_length=16, description="session, combination, choice or stored_value.")
    price: Decimal
    total_sessions: int | None = Field(
        None,
        description="Session card: N. N-choose-M card: M. Combination card: computed (null or the sum). "
        "Stored-value card: null.",
    )
    bonus_amount: Decimal | None = Field(None, description="Stored-value cards only.")
    validity_mode: str = Field("days", max_length=8, description="none, days or fixed.")
    validity_days: int | None = Field(None, description="validity_mode days: days from purchase (≥ 1).")
    valid_until: datetime.date | None = Field(None, description="validity_mode fixed: the last day.")
    is_transferable: bool = False
    is_shareable: bool = False
    max_shared_members: int = Field(0, description="Shareable cards: how many family members (≥ 1).")
    description: str = Field("", max_length=2000)
    items: list[CardItemIn] = Field(default_factory=list, max_length=MAX_ROWS)
    discounts: list[CardDiscountIn] = Field(default_factory=list, max_length=MAX_ROWS)


class CardTypePatch(Schema):
    """Only the fields sent change; ``items`` and ``discounts``, when sent, replace the lists.
    Changing ``kind``, ``validity_mode`` or ``is_shareable`` clears the stored values that do not
    belong to the new choice unless they are sent too."""

    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: str | None = Field(None, max_length=16)
    price: Decimal | None = None
    total_sessions: int | None = None
    bonus_amount: Decimal | None = None
    validity_mode: str | None = Field(None, max_length=8)
    validity_days: int | None = None
    valid_until: datetime.date | None = None
    is_transferable: bool | None = None
    is_shareable: bool | None = None
    max_shared_members: int | None = None
    description: str | None = Field(None, max_length=2000)
    items: list[CardItemIn] | None = Field(None, max_length=MAX_ROWS)
    discounts: list[CardDiscountIn] | None = Field(None, max_length=MAX_ROWS)
    is_active: bool | None = None


class CardItemOut(Schema):
    project_id: int
    project_code: str
    project_name: str
    sessions: int | None


class CardDiscountOut(Schema):
    category_id: int
    category_code: str
    category_name: str
    discount_percent: Money


class CardTypeOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    price: Money
    total_sessions: int | None
    bonus_amount: Money
    validity_mode: str
    validity_days: int | None
    valid_until: datetime.date | None
    is_transferable: bool
    is_shareable: bool
    max_shared_members: int
    description: str
    is_active: bool
    summary: str
    items: list[CardItemOut]
    discounts: list[CardDiscountOut]
    created_at: LocalDateTime
    updated_at: LocalDateTime


class CardTypeListOut(Schema):
    items: list[CardTypeOut]
    count: int


class CardTypeFilters(ActiveFilters):
    q: str | None = Field(None, max_length=100, description="Part of the code, name or pinyin.")
    kind: Literal["session", "combination", "choice", "stored_value"] | None = None
