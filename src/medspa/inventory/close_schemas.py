"""Input and output shapes of /api/v1/inventory/closes and /api/v1/inventory/balances-as-of
(INV-10). Quantities leave the API as decimal strings with three places, unit costs with four,
money with two; months as ``YYYY-MM``."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from medspa.core.api import LocalDateTime
from medspa.inventory.stocktake_schemas import (
    ItemRef,
    LotRef,
    Money,
    NamedRef,
    Quantity,
    UnitCost,
    UserRef,
)

CloseStatusName = Literal["closed", "reopened"]
MONTH_PATTERN = r"^\d{4}-\d{2}$"


class CloseIn(Schema):
    warehouse: int
    month: str = Field(..., pattern=MONTH_PATTERN, description="The month to close, YYYY-MM.")


class CloseOut(Schema):
    id: int
    warehouse: NamedRef
    month: str = Field(..., description="YYYY-MM")
    status: CloseStatusName
    closing_value: Money
    line_count: int
    closed_at: LocalDateTime
    closed_by: UserRef
    updated_at: LocalDateTime

    @staticmethod
    def resolve_month(obj: Any) -> str:
        return f"{obj.month:%Y-%m}"


class CloseListOut(Schema):
    items: list[CloseOut]
    count: int


class CloseFilters(Schema):
    warehouse: int | None = None
    status: CloseStatusName | None = None
    year: int | None = Field(None, ge=1900, le=9999)


class CloseLineOut(Schema):
    item: ItemRef
    lot: LotRef
    owner: NamedRef | None = Field(..., description="The consignment supplier; null: own stock.")
    quantity: Quantity
    value: Money


class CloseDetailOut(CloseOut):
    lines: list[CloseLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return obj.loaded_lines


class ReopenIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class AsOfFilters(Schema):
    warehouse: int
    at: datetime.datetime = Field(
        ..., description="ISO 8601; without an offset it is read as clinic time (Asia/Shanghai)."
    )


class AsOfRowOut(Schema):
    item: ItemRef
    lot: LotRef
    owner: NamedRef | None
    quantity: Quantity
    unit_cost: UnitCost
    value: Money


class AsOfOut(Schema):
    warehouse: NamedRef
    at: LocalDateTime
    items: list[AsOfRowOut]
    count: int
    total_value: Money = Field(..., description="The value of every row, not only this page.")
