"""Input and output shapes of the inventory master API (/inventory/warehouses, /inventory/categories,
/inventory/items, /inventory/suppliers). Money leaves as a decimal string with two places
("12.50"), quantities with three ("10.000"); both may be sent as strings or numbers. Kinds and
other choices are validated by the services, which name the allowed values in their message."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, PlainSerializer

from medspa.core.api import ActiveFilters, Code, LocalDateTime

Money = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]
Quantity = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.3f}", return_type=str)]
OptionalMoney = Annotated[
    Decimal | None,
    PlainSerializer(lambda value: None if value is None else f"{value:.2f}", return_type=str | None),
]
OptionalQuantity = Annotated[
    Decimal | None,
    PlainSerializer(lambda value: None if value is None else f"{value:.3f}", return_type=str | None),
]
MAX_ORDER = 2_147_483_647


# --- warehouses and bins ----------------------------------------------------------------------------


class WarehouseIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=100)
    kind: str = Field("central", max_length=16, description="central or department.")
    department_id: int | None = Field(None, description="Department warehouses only.")
    address: str = Field("", max_length=200)
    branch_id: int | None = Field(None, description="Default: the branch you work in.")


class WarehousePatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: str | None = Field(None, max_length=16)
    department_id: int | None = None
    address: str | None = Field(None, max_length=200)
    is_active: bool | None = Field(None, description="false deactivates (only when it holds no stock).")


class WarehouseOut(Schema):
    id: int
    branch_id: int
    code: str
    name: str
    kind: str
    department_id: int | None
    address: str
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime


class WarehouseListOut(Schema):
    items: list[WarehouseOut]
    count: int


class WarehouseFilters(ActiveFilters):
    q: str | None = Field(None, max_length=100, description="Part of the code, name or location.")
    kind: Literal["central", "department"] | None = None
    branch: int | None = None
    department: int | None = None


class BinIn(Schema):
    code: str = Code
    name: str = Field("", max_length=100)


class BinOut(Schema):
    id: int
    warehouse_id: int
    code: str
    name: str
    is_active: bool


class BinListOut(Schema):
    items: list[BinOut]
    count: int


# --- categories -------------------------------------------------------------------------------------


class CategoryIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=100)
    parent_id: int | None = None
    kind: str | None = Field(
        None,
        max_length=16,
        description="Top-level only: drug, low_value, high_value, goods or material. A sub-category "
        "has its parent's kind.",
    )
    order: int = Field(0, ge=0, le=MAX_ORDER)


class CategoryOut(Schema):
    id: int
    parent_id: int | None
    code: str
    name: str
    kind: str
    order: int
    is_active: bool


class CategoryListOut(Schema):
    items: list[CategoryOut]
    count: int


class CategoryFilters(ActiveFilters):
    kind: Literal["drug", "low_value", "high_value", "goods", "material"] | None = None


# --- items ------------------------------------------------------------------------------------------


class PackUnitIn(Schema):
    name: str = Field(..., min_length=1, max_length=16)
    factor: Decimal = Field(..., description="Base units in one of this unit, e.g. 10.")


class BarcodeIn(Schema):
    code: str = Field(..., min_length=1, max_length=64)
    pack_unit: str | None = Field(
        None, max_length=16, description="The pack unit's name; null: the base unit."
    )


class LevelIn(Schema):
    warehouse_id: int
    min_quantity: Decimal = Decimal(0)
    max_quantity: Decimal | None = None


class ItemIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=200)
    specification: str = Field("", max_length=200)
    base_unit: str = Field(..., min_length=1, max_length=16)
    category_id: int
    manufacturer_id: int | None = None
    registration_no: str = Field("", max_length=64)
    registration_expires_on: datetime.date | None = None
    storage_condition: str = Field("room", max_length=16)
    shelf_life_days: int | None = Field(None, ge=1, le=36500)
    purchase_price: Decimal | None = Field(None, description="Per base unit.")
    is_lot_tracked: bool = True
    is_expiry_tracked: bool = True
    is_serial_tracked: bool = False
    unpack_item_id: int | None = None
    unpack_quantity: Decimal | None = None
    pack_units: list[PackUnitIn] = Field(default_factory=list, max_length=20)
    barcodes: list[BarcodeIn] = Field(default_factory=list, max_length=50)
    levels: list[LevelIn] = Field(default_factory=list, max_length=200)


class ItemPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=200)
    specification: str | None = Field(None, max_length=200)
    base_unit: str | None = Field(None, min_length=1, max_length=16)
    category_id: int | None = None
    manufacturer_id: int | None = None
    registration_no: str | None = Field(None, max_length=64)
    registration_expires_on: datetime.date | None = None
    storage_condition: str | None = Field(None, max_length=16)
    shelf_life_days: int | None = Field(None, ge=1, le=36500)
    purchase_price: Decimal | None = None
    is_lot_tracked: bool | None = None
    is_expiry_tracked: bool | None = None
    is_serial_tracked: bool | None = None
    unpack_item_id: int | None = None
    unpack_quantity: Decimal | None = None
    is_active: bool | None = None


class PackUnitOut(Schema):
    id: int
    name: str
    factor: Quantity


class BarcodeOut(Schema):
    id: int
    code: str
    pack_unit_id: int | None


class LevelOut(Schema):
    id: int
    warehouse_id: int
    min_quantity: Quantity
    max_quantity: OptionalQuantity


class ItemOut(Schema):
    id: int
    code: str
    name: str
    specification: str
    base_unit: str
    category_id: int
    manufacturer_id: int | None
    registration_no: str
    registration_expires_on: datetime.date | None
    storage_condition: str
    shelf_life_days: int | None
    purchase_price: OptionalMoney
    is_lot_tracked: bool
    is_expiry_tracked: bool
    is_serial_tracked: bool
    unpack_item_id: int | None
    unpack_quantity: OptionalQuantity
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime


class ItemDetailOut(ItemOut):
    pack_units: list[PackUnitOut]
    barcodes: list[BarcodeOut]
    levels: list[LevelOut] = Field(description="Levels in the warehouses you see.")

    @staticmethod
    def resolve_pack_units(obj: Any) -> list[Any]:
        return list(obj.pack_units.all())

    @staticmethod
    def resolve_barcodes(obj: Any) -> list[Any]:
        return list(obj.barcodes.all())

    @staticmethod
    def resolve_levels(obj: Any) -> list[Any]:
        return list(obj.visible_levels)


class ItemListOut(Schema):
    items: list[ItemOut]
    count: int


class ItemFilters(ActiveFilters):
    q: str | None = Field(None, max_length=100, description="Code, name, pinyin, initials or barcode.")
    category: int | None = Field(None, description="A category id; its sub-categories are included.")
    kind: Literal["drug", "low_value", "high_value", "goods", "material"] | None = None
    manufacturer: int | None = None
    is_lot_tracked: Literal["true", "false"] | None = None
    is_expiry_tracked: Literal["true", "false"] | None = None
    is_serial_tracked: Literal["true", "false"] | None = None


# --- companies and certificates ---------------------------------------------------------------------


class CertificateIn(Schema):
    kind: str = Field(
        ...,
        max_length=24,
        description="business_licence, device_operation, device_production, drug_operation, "
        "registration, authorisation or other.",
    )
    number: str = Field(..., min_length=1, max_length=64)
    scope: str = Field("", max_length=500)
    issued_on: datetime.date | None = None
    expires_on: datetime.date | None = Field(None, description="null: no expiry.")
    is_required: bool = True


class CertificateOut(Schema):
    id: int
    company_id: int
    kind: str
    number: str
    scope: str
    issued_on: datetime.date | None
    expires_on: datetime.date | None
    is_required: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime


class CertificateListOut(Schema):
    items: list[CertificateOut]
    count: int


class CertificateFilters(Schema):
    kind: str | None = Field(None, max_length=24)


class CompanyIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=200)
    is_supplier: bool = True
    is_manufacturer: bool = False
    credit_code: str = Field("", max_length=32)
    contact: str = Field("", max_length=50)
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=200)
    certificates: list[CertificateIn] = Field(default_factory=list, max_length=50)


class CompanyPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=200)
    is_supplier: bool | None = None
    is_manufacturer: bool | None = None
    credit_code: str | None = Field(None, max_length=32)
    contact: str | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=200)
    is_active: bool | None = None


class CompanyOut(Schema):
    id: int
    code: str
    name: str
    is_supplier: bool
    is_manufacturer: bool
    credit_code: str
    contact: str
    phone: str
    address: str
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime


class CompanyListOut(Schema):
    items: list[CompanyOut]
    count: int


class CompanyFilters(ActiveFilters):
    q: str | None = Field(None, max_length=100, description="Code, name, pinyin, credit code or contact.")
    role: Literal["supplier", "manufacturer"] | None = None
