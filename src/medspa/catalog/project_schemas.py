"""Input and output shapes of the project family's API (/catalog/categories, /catalog/projects with
their articles and cases). Money leaves as a decimal string with two places ("6800.00"), BOM
quantities with three ("1.000"); both may be sent as strings or numbers. Kinds and other choices
are validated by the services, which name the allowed values in their message."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Schema
from pydantic import Field, PlainSerializer

from medspa.catalog.project_selectors import category_path
from medspa.core.api import ActiveFilters, Code, LocalDateTime

Money = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]
Quantity = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.3f}", return_type=str)]
OptionalMoney = Annotated[
    Decimal | None,
    PlainSerializer(lambda value: None if value is None else f"{value:.2f}", return_type=str | None),
]
MAX_ORDER = 2_147_483_647
MAX_ROWS = 100
Id = Annotated[int, Field(ge=1, le=MAX_ORDER)]


# --- categories ---------------------------------------------------------------------------------------


class CategoryIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=100)
    parent_id: Id | None = Field(None, description="Empty: a top-level category.")
    order: int = Field(0, ge=0, le=MAX_ORDER)


class CategoryPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    parent_id: Id | None = Field(None, description="null moves the category to the top level.")
    order: int | None = Field(None, ge=0, le=MAX_ORDER)
    is_active: bool | None = Field(
        None,
        description="false deactivates (refused while active sub-categories, projects, products "
        "or packages use it).",
    )


class CategoryOut(Schema):
    id: int
    parent_id: int | None
    code: str
    name: str
    path: str
    order: int
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_path(obj: Any) -> str:
        return category_path(obj)


class CategoryListOut(Schema):
    items: list[CategoryOut]
    count: int


class CategoryFilters(ActiveFilters):
    pass


# --- projects -----------------------------------------------------------------------------------------


class LevelPriceIn(Schema):
    member_level_id: Id
    price: Decimal | None = Field(None, description="A fixed member price; or give discount_percent.")
    discount_percent: Decimal | None = Field(
        None, description="What the member pays, in % of the list price (90 = 10 % off); or give price."
    )


class ResourceIn(Schema):
    kind: str = Field(..., max_length=16, description="doctor, nurse, consultant, room or device.")
    description: str = Field("", max_length=100, description="The type, e.g. 激光治疗室.")
    quantity: int = Field(1, ge=1, le=99)


class MaterialIn(Schema):
    item_id: Id = Field(..., description="An active inventory item of your organisation.")
    quantity: Decimal = Field(..., description="Per session, in the item's base unit (up to 3 decimals).")
    note: str = Field("", max_length=100)


class OperatorFeeIn(Schema):
    position_id: Id
    fee: Decimal = Field(..., description="Operation fee per session.")


class ProjectIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=100)
    category_id: Id
    department_id: Id | None = None
    list_price: Decimal
    sessions_per_course: int = Field(1, ge=1, le=1000)
    duration_minutes: int = Field(30, ge=1, le=1440)
    min_interval_days: int = Field(0, ge=0, le=3650, description="e.g. 90 for botulinum toxin.")
    description: str = Field("", max_length=2000)
    aftercare: str = Field("", max_length=5000, description="Post-treatment instructions.")
    level_prices: list[LevelPriceIn] = Field(default_factory=list, max_length=MAX_ROWS)
    resources: list[ResourceIn] = Field(default_factory=list, max_length=MAX_ROWS)
    materials: list[MaterialIn] = Field(default_factory=list, max_length=MAX_ROWS)
    operator_fees: list[OperatorFeeIn] = Field(default_factory=list, max_length=MAX_ROWS)


class ProjectUpdateIn(ProjectIn):
    is_active: bool | None = Field(None, description="false deactivates, true reactivates.")


class LevelPriceOut(Schema):
    member_level_id: int
    member_level_name: str
    price: OptionalMoney
    discount_percent: Decimal | None

    @staticmethod
    def resolve_member_level_name(obj: Any) -> str:
        return str(obj.member_level.name)


class ResourceOut(Schema):
    kind: str
    description: str
    quantity: int


class MaterialOut(Schema):
    item_id: int
    item_code: str
    item_name: str
    base_unit: str
    quantity: Quantity
    note: str

    @staticmethod
    def resolve_item_code(obj: Any) -> str:
        return str(obj.item.code)

    @staticmethod
    def resolve_item_name(obj: Any) -> str:
        return str(obj.item.name)

    @staticmethod
    def resolve_base_unit(obj: Any) -> str:
        return str(obj.item.base_unit)


class OperatorFeeOut(Schema):
    position_id: int
    position_name: str
    fee: Money

    @staticmethod
    def resolve_position_name(obj: Any) -> str:
        return str(obj.position.name)


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    pinyin: str
    category_id: int
    category_path: str
    department_id: int | None
    department_name: str | None
    list_price: Money
    sessions_per_course: int
    duration_minutes: int
    min_interval_days: int
    description: str
    aftercare: str
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_category_path(obj: Any) -> str:
        return category_path(obj.category)

    @staticmethod
    def resolve_department_name(obj: Any) -> str | None:
        return None if obj.department is None else str(obj.department.name)


class ProjectDetailOut(ProjectOut):
    level_prices: list[LevelPriceOut]
    resources: list[ResourceOut]
    materials: list[MaterialOut]
    operator_fees: list[OperatorFeeOut]


class ProjectListOut(Schema):
    items: list[ProjectOut]
    count: int


class ProjectFilters(ActiveFilters):
    q: str | None = Field(None, max_length=100, description="Part of the code or name, pinyin or initials.")
    search: str | None = Field(None, max_length=100, description="The same as q (for pickers).")
    category: Id | None = Field(None, description="A category; its sub-categories are included.")
    department: Id | None = None


# --- knowledge articles and cases ---------------------------------------------------------------------


class ArticleIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1, max_length=20000)
    order: int = Field(0, ge=0, le=MAX_ORDER)


class ArticlePatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    body: str | None = Field(None, min_length=1, max_length=20000)
    order: int | None = Field(None, ge=0, le=MAX_ORDER)
    is_active: bool | None = None


class ArticleOut(Schema):
    id: int
    project_id: int
    title: str
    body: str
    order: int
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime


class ArticleListOut(Schema):
    items: list[ArticleOut]
    count: int


class KnowledgeFilters(Schema):
    is_active: Literal["true", "false"] | None = None


class CaseIn(Schema):
    """The form fields of a new case (multipart; the images are the files ``before_image`` and
    ``after_image``)."""

    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    consent_confirmed: bool = Field(False, description="The customer consented to showing the case.")
    order: int = Field(0, ge=0, le=MAX_ORDER)


class CasePatch(Schema):
    """The form fields of a change (multipart); a file ``before_image`` / ``after_image`` replaces
    that image."""

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    consent_confirmed: bool | None = None
    order: int | None = Field(None, ge=0, le=MAX_ORDER)
    clear_before_image: bool = False
    clear_after_image: bool = False
    is_active: bool | None = None


def _image_url(obj: Any, side: str) -> str | None:
    if not getattr(obj, f"{side}_image"):
        return None
    return reverse("api-1.0.0:catalog_case_image", args=[obj.project_id, obj.pk, side])


class CaseOut(Schema):
    id: int
    project_id: int
    name: str
    description: str
    consent_confirmed: bool
    order: int
    is_active: bool
    before_image_url: str | None
    after_image_url: str | None
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_before_image_url(obj: Any) -> str | None:
        return _image_url(obj, "before")

    @staticmethod
    def resolve_after_image_url(obj: Any) -> str | None:
        return _image_url(obj, "after")


class CaseListOut(Schema):
    items: list[CaseOut]
    count: int
