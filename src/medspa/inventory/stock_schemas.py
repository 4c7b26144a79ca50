"""Input and output shapes of the stock query API (/inventory/balances, /moves, /lots, /alerts).
Quantities leave the API as decimal strings with three places ("12.500", in the item's base
unit), unit costs with four ("1.5000") and values with two, rounded half-up to the fen
("18.75"); dates as ISO 8601, times with the clinic's offset."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import Field, PlainSerializer

from medspa.core.api import LocalDateTime
from medspa.core.money import quantize

Quantity = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.3f}", return_type=str)]
UnitCost = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.4f}", return_type=str)]
Money = Annotated[Decimal, PlainSerializer(lambda value: f"{quantize(value):.2f}", return_type=str)]

Id = Field(None, ge=1, le=2**63 - 1)
Search = Field(None, max_length=100, description="Part of the item code, name or pinyin (initials too).")
Days = Field(None, ge=0, le=3650)


# --- filters --------------------------------------------------------------------------------------


class BalanceFilters(Schema):
    warehouse: int | None = Field(None, ge=1, le=2**63 - 1, description="A warehouse id in your scope.")
    category: int | None = Field(
        None, ge=1, le=2**63 - 1, description="An item category id (its subcategories too)."
    )
    q: str | None = Field(
        None, max_length=100, description="Part of the item code, name, pinyin or batch no."
    )
    owner: Literal["own", "consignment"] | None = Field(
        None, description="own: the hospital's stock; consignment: suppliers' stock."
    )
    item: int | None = Id
    lot: int | None = Id


class NearExpiryFilters(BalanceFilters):
    days: int | None = Field(
        None, ge=0, le=3650, description="Days ahead; omitted: the parameter inventory.near_expiry_days."
    )


class LevelFilters(Schema):
    warehouse: int | None = Field(None, ge=1, le=2**63 - 1, description="A warehouse id in your scope.")
    category: int | None = Field(
        None, ge=1, le=2**63 - 1, description="An item category id (its subcategories too)."
    )
    q: str | None = Search
    item: int | None = Id


class MoveFilters(Schema):
    date_from: datetime.date | None = Field(None, description="First local day (included).")
    date_to: datetime.date | None = Field(None, description="Last local day (included).")
    warehouse: int | None = Field(None, ge=1, le=2**63 - 1, description="A warehouse id in your scope.")
    direction: Literal["in", "out"] | None = Field(None, description="in: positive moves; out: negative.")
    move_type: str | None = Field(None, max_length=16, description="receipt, issue_out, usage, transfer_in …")
    q: str | None = Search
    batch_no: str | None = Field(
        None, max_length=40, description="Exact batch number: where did this lot go."
    )
    document_number: str | None = Field(None, max_length=32, description="Part of the document number.")
    item: int | None = Id
    lot: int | None = Id


class LotFilters(Schema):
    item: int | None = Id
    batch_no: str | None = Field(None, max_length=40, description="Part of the batch number.")
    expiring_within: int | None = Field(
        None, ge=0, le=3650, description="Expiring from today to today + days."
    )


class AlertFilters(Schema):
    status: Literal["unread", "all", "read"] | None = Field(None, description="Omitted: unread.")
    kind: Literal["shortage", "overstock", "near_expiry", "expired", "certificate"] | None = None


# --- references -----------------------------------------------------------------------------------


class ItemRefOut(Schema):
    id: int
    code: str
    name: str
    specification: str
    base_unit: str


class WarehouseRefOut(Schema):
    id: int
    code: str
    name: str


class LotRefOut(Schema):
    id: int
    batch_no: str
    expiry_date: datetime.date | None
    unit_cost: UnitCost


class BinRefOut(Schema):
    id: int
    code: str


class CompanyRefOut(Schema):
    id: int
    name: str


# --- stock ----------------------------------------------------------------------------------------


class StockRowOut(Schema):
    """A balance row (``group_by`` omitted) or an aggregated row: by item (warehouse and lot
    null), by warehouse (lot null) or by lot (warehouse null). Bin and owner only on balance rows."""

    item: ItemRefOut
    warehouse: WarehouseRefOut | None = None
    lot: LotRefOut | None = None
    bin: BinRefOut | None = None
    owner: CompanyRefOut | None = Field(None, description="The consignment supplier; null: own stock.")
    quantity: Quantity
    value: Money


class StockListOut(Schema):
    items: list[StockRowOut]
    count: int
    total_value: Money = Field(..., description="Σ quantity × lot unit cost over every matching row.")
    total_quantity: Quantity | None = Field(..., description="Null when the rows count in different units.")
    unit: str | None = Field(..., description="The one base unit of every row, else null.")


class ExpiryRowOut(StockRowOut):
    days_left: int = Field(..., description="Days from today to the expiry date (negative: expired).")

    @staticmethod
    def resolve_days_left(obj: object) -> int:
        lot = obj.lot  # type: ignore[attr-defined]
        return (lot.expiry_date - timezone.localdate()).days


class ExpiryListOut(Schema):
    items: list[ExpiryRowOut]
    count: int
    total_value: Money
    total_quantity: Quantity | None
    unit: str | None


class LevelOut(Schema):
    id: int
    item: ItemRefOut
    warehouse: WarehouseRefOut
    min_quantity: Quantity
    max_quantity: Quantity | None
    on_hand: Quantity


class ShortageOut(LevelOut):
    missing: Quantity


class OverstockOut(LevelOut):
    excess: Quantity


class ShortageListOut(Schema):
    items: list[ShortageOut]
    count: int


class OverstockListOut(Schema):
    items: list[OverstockOut]
    count: int


# --- moves and lots -------------------------------------------------------------------------------


class MoveOut(Schema):
    id: int
    posted_at: LocalDateTime
    move_type: str
    document_type: str
    document_id: int
    document_number: str
    warehouse: WarehouseRefOut
    bin: BinRefOut | None
    item: ItemRefOut
    lot: LotRefOut
    serial_no: str | None = None
    owner: CompanyRefOut | None
    quantity: Quantity = Field(..., description="Signed: positive in, negative out.")
    unit_cost: UnitCost
    value: Money
    posted_by: str

    @staticmethod
    def resolve_serial_no(obj: object) -> str | None:
        serial = obj.serial  # type: ignore[attr-defined]
        return serial.serial_no if serial is not None else None

    @staticmethod
    def resolve_posted_by(obj: object) -> str:
        return str(obj.actor)  # type: ignore[attr-defined]


class MoveListOut(Schema):
    items: list[MoveOut]
    count: int


class LotOut(Schema):
    id: int
    item: ItemRefOut
    batch_no: str
    production_date: datetime.date | None
    expiry_date: datetime.date | None
    unit_cost: UnitCost
    supplier: CompanyRefOut | None
    on_hand: Quantity = Field(..., description="In the warehouses you see.")
    value: Money


class LotListOut(Schema):
    items: list[LotOut]
    count: int


class LotDetailOut(LotOut):
    locations: list[StockRowOut] = Field(..., description="Where the lot is now (balance rows).")
    moves: list[MoveOut] = Field(..., description="Its moves, newest first (at most 500).")
    moves_count: int


# --- alerts ---------------------------------------------------------------------------------------


class AlertOut(Schema):
    id: int
    day: datetime.date
    kind: str
    message: str
    branch_id: int
    warehouse: WarehouseRefOut | None
    item_id: int | None
    lot_id: int | None
    certificate_id: int | None
    read_at: LocalDateTime | None
    read_by: str | None

    @staticmethod
    def resolve_read_by(obj: object) -> str | None:
        user = obj.read_by  # type: ignore[attr-defined]
        return str(user) if user is not None else None


class AlertListOut(Schema):
    items: list[AlertOut]
    count: int


class AlertReadIn(Schema):
    alert_ids: list[int] = Field(..., min_length=1, max_length=500, description="Alert ids in your scope.")


class AlertReadOut(Schema):
    marked: int = Field(..., description="How many were unread and are now read.")
