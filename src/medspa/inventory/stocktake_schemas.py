"""Input and output shapes of /api/v1/inventory/stocktakes (INV-07). Quantities leave the API as
decimal strings with three places ("12.500"), money with two ("1234.50"); quantities may be sent
as strings or numbers."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, PlainSerializer

from medspa.core.api import LocalDateTime
from medspa.inventory import stocktake_selectors as selectors

Quantity = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.3f}", return_type=str)]
Money = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]
UnitCost = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.4f}", return_type=str)]
StatusName = Literal["counting", "submitted", "posted", "cancelled"]


class StocktakeIn(Schema):
    warehouse: int = Field(..., description="Id of the warehouse to count.")
    category: int | None = Field(
        None, description="Count only items of this category and the categories below it."
    )
    note: str = Field("", max_length=500)


class NamedRef(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


class StocktakeOut(Schema):
    id: int
    number: str
    warehouse: NamedRef
    status: StatusName
    snapshot_at: LocalDateTime
    category: NamedRef | None = Field(
        ..., description="The category counted (with those below it); null: all items."
    )
    note: str
    line_count: int
    counted_count: int
    created_by: UserRef | None
    created_at: LocalDateTime
    submitted_by: UserRef | None = Field(..., description="The counter.")
    submitted_at: LocalDateTime | None
    approved_by: UserRef | None
    approved_at: LocalDateTime | None


class StocktakeListOut(Schema):
    items: list[StocktakeOut]
    count: int


class StocktakeFilters(Schema):
    q: str | None = Field(None, max_length=50, description="Part of the document no.")
    warehouse: int | None = None
    status: StatusName | None = None


class ItemRef(Schema):
    id: int
    code: str
    name: str
    specification: str
    base_unit: str


class LotRef(Schema):
    id: int
    batch_no: str
    expiry_date: datetime.date | None
    unit_cost: UnitCost


class BinRef(Schema):
    id: int
    code: str


class StocktakeLineOut(Schema):
    id: int
    item: ItemRef
    lot: LotRef
    bin: BinRef | None
    owner: NamedRef | None = Field(..., description="The consignment supplier; null: own stock.")
    book_quantity: Quantity
    counted_quantity: Quantity | None = Field(..., description="null: not counted yet.")
    difference: Quantity | None = Field(..., description="Counted − book; null while not counted.")
    difference_value: Money | None = Field(..., description="The difference at the lot's unit cost.")

    @staticmethod
    def resolve_difference(obj: Any) -> Decimal | None:
        return selectors.line_difference(obj)

    @staticmethod
    def resolve_difference_value(obj: Any) -> Decimal | None:
        return selectors.line_difference_value(obj)


class StocktakeDetailOut(StocktakeOut):
    gain_value: Money = Field(..., description="The value of the gains counted so far.")
    loss_value: Money = Field(..., description="The value of the losses counted so far (negative).")
    lines: list[StocktakeLineOut]

    @staticmethod
    def resolve_gain_value(obj: Any) -> Decimal:
        return obj.summary.gain_value

    @staticmethod
    def resolve_loss_value(obj: Any) -> Decimal:
        return obj.summary.loss_value

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return obj.loaded_lines


class CountIn(Schema):
    line: int = Field(..., description="Id of the stocktake line.")
    quantity: Decimal | None = Field(
        ..., description="Counted base units (zero or more, three decimals); null clears the count."
    )


class CountsIn(Schema):
    counts: list[CountIn] = Field(..., min_length=1, max_length=5000)


class ScanIn(Schema):
    code: str = Field(
        ...,
        min_length=1,
        max_length=200,
        description="What the scanner sends: a GS1/UDI string, a GTIN, a barcode or an item code.",
    )
    quantity: Decimal = Field(Decimal(1), description="How many of the scanned pack level.")


class SubmitIn(Schema):
    uncounted_as_zero: bool = Field(
        False, description="Confirm that lines not counted count as zero (posted as losses)."
    )


class ApproveIn(Schema):
    posted_at: datetime.datetime | None = Field(
        None, description="When the differences are posted (ISO 8601 with offset); null: now."
    )
