"""Input and output shapes of /api/v1/catalog/products and /api/v1/catalog/packages. Money leaves as
a decimal string with two places ("198.00") and may be sent as a string or a number; the services
validate every value and name the field in their message."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, PlainSerializer

from medspa.catalog import product_selectors as selectors
from medspa.core.api import Code, LocalDateTime

Money = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]
Quantity = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.3f}", return_type=str)]


class CatalogFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Part of the code, name, pinyin or initials.")
    category: int | None = Field(None, description="A category id; its sub-categories are included.")
    is_active: Literal["true", "false"] | None = None


# --- products -----------------------------------------------------------------------------------------


class ProductIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=100)
    category_id: int
    item_id: int = Field(..., description="An active inventory item of your organisation.")
    pack_unit_id: int | None = Field(
        None, description="One of the item's pack units, the unit sold; null: the item's base unit."
    )
    retail_price: Decimal = Field(..., description="Yuan per unit sold, at most two decimals.")
    is_prescription: bool = False
    description: str = Field("", max_length=2000)


class ProductPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    category_id: int | None = None
    item_id: int | None = None
    pack_unit_id: int | None = Field(None, description="null: the item's base unit.")
    retail_price: Decimal | None = None
    is_prescription: bool | None = None
    description: str | None = Field(None, max_length=2000)
    is_active: bool | None = Field(None, description="false deactivates, true reactivates.")


class ProductOut(Schema):
    id: int
    code: str
    name: str
    category_id: int
    item_id: int
    item_code: str
    item_name: str
    pack_unit_id: int | None
    unit: str = Field(description="The unit sold (the pack unit's name, or the item's base unit).")
    base_units_per_unit: Quantity = Field(description="Base units of the item in one unit sold.")
    retail_price: Money = Field(description="Per unit sold.")
    is_prescription: bool
    description: str
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_item_code(obj: Any) -> str:
        return str(obj.item.code)

    @staticmethod
    def resolve_item_name(obj: Any) -> str:
        return str(obj.item.name)

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.pack_unit.name if obj.pack_unit is not None else obj.item.base_unit)

    @staticmethod
    def resolve_base_units_per_unit(obj: Any) -> Decimal:
        return obj.pack_unit.factor if obj.pack_unit is not None else Decimal(1)


class ProductListOut(Schema):
    items: list[ProductOut]
    count: int


class ProductFilters(CatalogFilters):
    is_prescription: Literal["true", "false"] | None = None


# --- packages -----------------------------------------------------------------------------------------


class ComponentIn(Schema):
    kind: str = Field(..., max_length=8, description="project or product.")
    project_id: int | None = Field(None, description="Kind project: the project.")
    product_id: int | None = Field(None, description="Kind product: the product.")
    quantity: int = Field(1, description="Sessions of the project or units of the product (1–9999).")


class PackageIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=100)
    price: Decimal = Field(..., description="The package price in yuan, at most two decimals.")
    components: list[ComponentIn] = Field(..., max_length=100)
    category_id: int | None = None
    validity_days: int | None = Field(None, description="Days from purchase; null: no expiry.")
    description: str = Field("", max_length=2000)


class PackagePatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    price: Decimal | None = None
    components: list[ComponentIn] | None = Field(
        None, max_length=100, description="Replaces every component; absent: the components stay."
    )
    category_id: int | None = None
    validity_days: int | None = None
    description: str | None = Field(None, max_length=2000)
    is_active: bool | None = Field(None, description="false deactivates, true reactivates.")


class ComponentOut(Schema):
    id: int
    kind: str
    project_id: int | None
    product_id: int | None
    code: str
    name: str
    quantity: int
    list_price: Money = Field(description="Unit list price when the package was last saved.")
    list_value: Money = Field(description="list_price × quantity.")
    allocated_amount: Money = Field(description="The share of the package price allocated to it.")
    discount: Money = Field(description="list_value − allocated_amount.")


class PackageOut(Schema):
    id: int
    code: str
    name: str
    category_id: int | None
    price: Money
    validity_days: int | None
    description: str
    is_active: bool
    list_value: Money = Field(description="Σ of the components' list value.")
    discount: Money = Field(description="list_value − price (negative: priced above list).")
    price_above_list: bool
    components: list[ComponentOut]
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_list_value(obj: Any) -> Decimal:
        return Decimal(obj.list_value)

    @staticmethod
    def resolve_discount(obj: Any) -> Decimal:
        return Decimal(obj.list_value) - obj.price

    @staticmethod
    def resolve_price_above_list(obj: Any) -> bool:
        return bool(obj.price > obj.list_value)

    @staticmethod
    def resolve_components(obj: Any) -> list[dict[str, Any]]:
        return [
            {
                "id": view.component.pk,
                "kind": view.component.kind,
                "project_id": view.component.project_id,
                "product_id": view.component.product_id,
                "code": view.code,
                "name": view.name,
                "quantity": view.component.quantity,
                "list_price": view.component.list_price,
                "list_value": view.list_value,
                "allocated_amount": view.component.allocated_amount,
                "discount": view.discount,
            }
            for view in selectors.component_views(obj.components.all())
        ]


class PackageListOut(Schema):
    items: list[PackageOut]
    count: int


class PackageFilters(CatalogFilters):
    pass
