"""Input and output shapes of the stock document API (/inventory/receipts, /issues, /transfers,
/unpackings and /inventory/scan).

Quantities, prices and dates are sent as strings ("2.5", "150.00", "2026-03-31"); whole
quantities may be numbers. They are checked by the endpoint and the services, which name the
offending line counting from 1: ``errors[].field`` is ``lines.<n>.<field>``. (A body that does
not fit the schema at all — a missing ``item_id``, a text where an id belongs — is refused by the
schema, which counts JSON array positions from 0.) Quantities leave with three places ("20.000"), unit
prices and costs with four ("15.0000"), amounts with two ("300.00")."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, PlainSerializer

from medspa.core.api import LocalDateTime

# Quantities and prices: strings ("2.5"); whole numbers may be JSON numbers. A JSON number with a
# fraction is refused by the endpoint (naming the line from 1): it may already be off as a float.
DecimalText = str | int | float


Quantity = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.3f}", return_type=str)]
Money = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]
OptionalMoney = Annotated[
    Decimal | None,
    PlainSerializer(lambda value: None if value is None else f"{value:.2f}", return_type=str | None),
]
OptionalPrice = Annotated[
    Decimal | None,
    PlainSerializer(lambda value: None if value is None else f"{value:.4f}", return_type=str | None),
]
Price = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.4f}", return_type=str)]
DateText = Field(None, description="YYYY-MM-DD.")
Status = Literal["draft", "submitted", "approved", "posted", "reversed", "cancelled"]
Lines = Field(..., description="1–500 lines, in order.")


# --- input ------------------------------------------------------------------------------------------


class InboundLineIn(Schema):
    item_id: int
    quantity: DecimalText = Field(..., description='In the unit: "2" boxes, "2.5" ml.')
    pack_unit_id: int | None = Field(None, description="A pack unit of the item; empty: its base unit.")
    unit_price: DecimalText | None = Field(
        None,
        description="Per unit typed, at most 4 decimals. Required on purchase receipts; other inbound "
        "defaults to the item's purchase price.",
    )
    batch_no: str = Field("", description="Required for lot-tracked items.")
    production_date: str | None = DateText
    expiry_date: str | None = Field(None, description="YYYY-MM-DD; required for expiry-tracked items.")
    serial_no: str = Field("", description="Required (one unit per line) for serial-tracked items.")
    bin_id: int | None = None


class ReceiptIn(Schema):
    type: Literal["receipt", "other_inbound"] = Field(
        "receipt",
        description="receipt: purchase receipt (采购入库); other_inbound: gift or other (其他入库).",
    )
    warehouse_id: int
    supplier_id: int | None = Field(None, description="Required on purchase receipts.")
    inbound_kind: str = Field("", description="Other inbound only: gift or other.")
    invoice_no: str = ""
    note: str = ""
    post: bool = Field(
        False, description="Save and post at once (types that need no approval; needs the post permission)."
    )
    lines: list[InboundLineIn] = Lines


class ReceiptUpdateIn(Schema):
    """The whole draft again (its type stays)."""

    warehouse_id: int
    supplier_id: int | None = None
    inbound_kind: str = ""
    invoice_no: str = ""
    note: str = ""
    lines: list[InboundLineIn] = Lines


class OutboundLineIn(Schema):
    item_id: int
    quantity: DecimalText = Field(..., description='In the unit: "2" boxes, "2.5" ml.')
    pack_unit_id: int | None = Field(None, description="A pack unit of the item; empty: its base unit.")
    lot_id: int | None = Field(None, description="Empty: the earliest-expiring lots on hand (FEFO).")
    serial_no: str = ""
    bin_id: int | None = None
    to_bin_id: int | None = Field(None, description="A bin of the target warehouse.")


class IssueIn(Schema):
    warehouse_id: int
    issue_kind: str = Field(..., description="department (to a department warehouse), usage or scrap.")
    to_warehouse_id: int | None = Field(None, description="The department warehouse (issue_kind department).")
    department_id: int | None = Field(None, description="Optional: the department using the goods.")
    note: str = ""
    post: bool = Field(
        False, description="Save and post at once (types that need no approval; needs the post permission)."
    )
    lines: list[OutboundLineIn] = Lines


class TransferIn(Schema):
    warehouse_id: int
    to_warehouse_id: int
    note: str = ""
    post: bool = Field(
        False, description="Save and post at once (types that need no approval; needs the post permission)."
    )
    lines: list[OutboundLineIn] = Lines


class UnpackingLineIn(Schema):
    item_id: int = Field(..., description="An item with an unpacking rule (the box).")
    quantity: DecimalText
    pack_unit_id: int | None = None
    lot_id: int | None = Field(None, description="Empty: the earliest-expiring lots on hand (FEFO).")
    bin_id: int | None = None
    to_bin_id: int | None = Field(None, description="Where the unpacked units go (same warehouse).")


class UnpackingIn(Schema):
    warehouse_id: int
    note: str = ""
    post: bool = Field(
        False, description="Save and post at once (types that need no approval; needs the post permission)."
    )
    lines: list[UnpackingLineIn] = Lines


class PostIn(Schema):
    posted_at: datetime.datetime | None = Field(
        None, description="ISO 8601 with offset; default now. Not in the future nor in a closed month."
    )


class ReverseIn(Schema):
    note: str = Field("", description="The reason (at most 500 characters).")


class ScanIn(Schema):
    code: str = Field(
        ...,
        description="A GS1 element string (FNC1 as the GS character \\u001d, or in parentheses), a "
        "GTIN, a barcode or an item code.",
    )


# --- output -----------------------------------------------------------------------------------------


class RefOut(Schema):
    id: int
    code: str
    name: str


class DocumentRefOut(Schema):
    id: int
    number: str


class ItemRefOut(Schema):
    id: int
    code: str
    name: str
    specification: str
    base_unit: str


class PackUnitOut(Schema):
    id: int
    name: str
    factor: Quantity


class LotOut(Schema):
    id: int
    batch_no: str
    expiry_date: datetime.date | None
    unit_cost: Price


class BinOut(Schema):
    id: int
    code: str


class LineOut(Schema):
    line_no: int
    item: ItemRefOut
    pack_unit: PackUnitOut | None
    unit: str = Field(..., description="The unit's name (the base unit when pack_unit is null).")
    quantity: Quantity
    base_quantity: Quantity
    unit_price: OptionalPrice = Field(..., description="Per unit typed (inbound lines).")
    amount: OptionalMoney = Field(
        ..., description="quantity × unit price; outbound lines: base quantity × the lot's unit cost."
    )
    lot: LotOut | None
    batch_no: str
    production_date: datetime.date | None
    expiry_date: datetime.date | None
    serial_no: str
    bin: BinOut | None
    to_bin: BinOut | None


class DocumentOut(Schema):
    id: int
    number: str
    type: str
    status: str
    warehouse: RefOut
    to_warehouse: RefOut | None
    supplier: RefOut | None
    department: RefOut | None
    inbound_kind: str
    issue_kind: str
    invoice_no: str
    note: str
    reverses: DocumentRefOut | None
    reversed_by: DocumentRefOut | None
    total_amount: Money = Field(..., description="Σ line amounts, rounded to the fen.")
    warnings: list[str] = Field(
        ..., description="Receipts not yet posted: supplier certificates expiring soon."
    )
    created_at: LocalDateTime
    submitted_at: LocalDateTime | None
    approved_at: LocalDateTime | None
    posted_at: LocalDateTime | None
    lines: list[LineOut]


class DocumentSummaryOut(Schema):
    id: int
    number: str
    type: str
    status: str
    warehouse: RefOut
    to_warehouse: RefOut | None
    supplier: RefOut | None
    inbound_kind: str
    issue_kind: str
    invoice_no: str
    line_count: int
    amount: Money
    created_at: LocalDateTime
    posted_at: LocalDateTime | None


class DocumentListOut(Schema):
    items: list[DocumentSummaryOut]
    count: int


class ScanItemOut(Schema):
    id: int
    code: str
    name: str
    specification: str
    base_unit: str
    is_lot_tracked: bool
    is_expiry_tracked: bool
    is_serial_tracked: bool


class ScanOut(Schema):
    item: ScanItemOut
    pack_unit: PackUnitOut | None = Field(..., description="The pack level scanned; null: the base unit.")
    factor: Quantity = Field(..., description="Base units one scan stands for.")
    gtin: str
    batch_no: str
    expiry_date: datetime.date | None
    production_date: datetime.date | None
    serial_no: str


# --- filters ----------------------------------------------------------------------------------------


class DocumentFilters(Schema):
    number: str | None = Field(None, max_length=32, description="Part of the document number.")
    warehouse: int | None = Field(None, description="Source or target warehouse.")
    status: Status | None = None
    date_from: datetime.date | None = Field(None, description="Document date from (inclusive).")
    date_to: datetime.date | None = Field(None, description="Document date to (inclusive).")
    item: str | None = Field(None, max_length=100, description="Part of an item's code, name or pinyin.")


class ReceiptFilters(DocumentFilters):
    type: Literal["receipt", "other_inbound"] | None = None
    supplier: int | None = None
