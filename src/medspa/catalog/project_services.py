"""Writes of the catalog category tree and of projects (CAT-01) with their member-level prices,
required resources, standard consumables (BOM) and operator fees (CAT-05), and of the project's
knowledge base and cases (CAT-04).

Every service checks the permission first, validates everything before it writes (a refusal
writes nothing), and records one audit event (module ``catalog``) per written row inside its
transaction. A project's child rows are part of the project: an update replaces them all, and the
project's audit event carries them before and after.

Case images are patients' photos: JPEG, PNG or WebP checked by Pillow, at most 10 MB, stored in
the default storage under a random name and only ever read through :func:`project_case_image_open`
(permission, organisation, consent, audited) — never through a public media URL."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Model, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from PIL import Image

from medspa.accounts.models import User
from medspa.accounts.scope import actor_organisation_id, require_perm
from medspa.audit.services import audit_record, diff, snapshot
from medspa.catalog import project_selectors as selectors
from medspa.catalog.choices import ResourceKind
from medspa.catalog.models import (
    Category,
    Package,
    Product,
    Project,
    ProjectArticle,
    ProjectCase,
    ProjectLevelPrice,
    ProjectMaterial,
    ProjectOperatorFee,
    ProjectResource,
)
from medspa.catalog.scope import category_ancestor_ids
from medspa.core import money
from medspa.core.errors import Conflict, NotFound, ValidationError
from medspa.core.pinyin import search_key
from medspa.core.validation import clean_code, clean_order, clean_text, save_unique
from medspa.customers.models import MemberLevel
from medspa.inventory.models import Item
from medspa.organization.models import Department, Position

__all__ = [
    "IMAGE_TYPES",
    "MAX_CATEGORY_DEPTH",
    "MAX_IMAGE_SIZE",
    "LevelPriceInput",
    "MaterialInput",
    "OperatorFeeInput",
    "ResourceInput",
    "category_create",
    "category_deactivate",
    "category_update",
    "project_article_create",
    "project_article_deactivate",
    "project_article_update",
    "project_case_create",
    "project_case_deactivate",
    "project_case_image_open",
    "project_case_update",
    "project_create",
    "project_deactivate",
    "project_update",
]

MODULE = "catalog"
MAX_CATEGORY_DEPTH = 5  # levels, the root included; the list's tree ordering relies on it
MAX_ROWS = 100  # child rows of one kind per project
MAX_SESSIONS = 1000
MAX_DURATION_MINUTES = 24 * 60
MAX_INTERVAL_DAYS = 3650
MAX_RESOURCE_QUANTITY = 99
QTY_PLACES = Decimal("0.001")
MAX_QTY = Decimal("99999999999.999")
PERCENT_PLACES = Decimal("0.01")
MAX_IMAGE_SIZE = 10 * 1024 * 1024  # bytes: 10 MB per image
MAX_IMAGE_PIXELS = 50_000_000
# Pillow's format → (file extension, content type)
IMAGE_TYPES = {
    "JPEG": (".jpg", "image/jpeg"),
    "PNG": (".png", "image/png"),
    "WEBP": (".webp", "image/webp"),
}
CONTENT_TYPES = dict(IMAGE_TYPES.values())
IMAGE_SIDES = ("before", "after")

CATEGORY_FIELDS = ("parent", "code", "name", "order", "is_active")
PROJECT_FIELDS = (
    "code",
    "name",
    "category",
    "department",
    "list_price",
    "sessions_per_course",
    "duration_minutes",
    "min_interval_days",
    "description",
    "aftercare",
    "is_active",
)
ARTICLE_FIELDS = ("project", "title", "body", "order", "is_active")
CASE_FIELDS = (
    "project",
    "name",
    "description",
    "before_image",
    "after_image",
    "consent_confirmed",
    "order",
    "is_active",
)


@dataclass(frozen=True)
class LevelPriceInput:
    """The price of the project for one member level: a fixed ``price`` or ``discount_percent``
    (what the member pays, in % of the list price: 90 = 九折) — exactly one of them."""

    member_level_id: int
    price: Decimal | str | int | None = None
    discount_percent: Decimal | str | int | None = None


@dataclass(frozen=True)
class ResourceInput:
    """A resource a booking needs: its kind (doctor, nurse, consultant, room, device), the type
    in words (e.g. 激光治疗室) and how many."""

    kind: str
    description: str = ""
    quantity: int = 1


@dataclass(frozen=True)
class MaterialInput:
    """A BOM row: ``quantity`` of the inventory item, in its base unit, consumed per session."""

    item_id: int
    quantity: Decimal | str | int
    note: str = ""


@dataclass(frozen=True)
class OperatorFeeInput:
    """A position that operates the project and its operation fee per session."""

    position_id: int
    fee: Decimal | str | int


# --- shared ------------------------------------------------------------------------------------------


def _audit(
    actor: User,
    action: str,
    obj: Model,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    organisation_id: int | None = None,
) -> None:
    audit_record(
        actor=actor,
        module=MODULE,
        action=action,
        obj=obj,
        changes=diff(before, after),
        organisation_id=organisation_id,
    )


def _locked[M: Model](queryset: QuerySet[M], pk: int) -> M:
    """One row of a scoped queryset under ``SELECT … FOR UPDATE``; NotFound outside the scope."""
    obj = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def _optional_text(value: str | None, *, field: str, max_length: int, label: str) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationError(
            _("The %(field)s may have at most %(max)s characters.") % {"field": label, "max": max_length},
            field=field,
        )
    return text


def _id(value: Any) -> int | None:
    """A database id as given (an int), else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _whole(value: Any, *, field: str, label: str, minimum: int, maximum: int) -> int:
    message = _("The %(field)s must be a whole number between %(min)s and %(max)s.") % {
        "field": label,
        "min": minimum,
        "max": maximum,
    }
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(message, field=field)
    if not minimum <= value <= maximum:
        raise ValidationError(message, field=field)
    return value


def _amount(value: Any, *, field: str) -> Decimal:
    """A money amount ≥ 0, rounded half-up to the fen."""
    if value is None or value == "" or isinstance(value, bool | float):
        raise ValidationError(_("Enter a valid amount, for example 1234.50."), field=field)
    try:
        amount = money.parse(value if isinstance(value, int | Decimal) else str(value), field=field)
    except InvalidOperation:
        raise ValidationError(_("The amount is too large."), field=field) from None
    if amount < 0:
        raise ValidationError(_("The amount cannot be negative."), field=field)
    return amount


def _number(value: Any, *, field: str, message: str) -> Decimal:
    if value is None or isinstance(value, bool | float):
        raise ValidationError(message, field=field)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(message, field=field) from None
    if not number.is_finite():
        raise ValidationError(message, field=field)
    return number


def _quantity(value: Any, *, field: str, label: str) -> Decimal:
    """A quantity in base units: greater than zero, at most three decimals."""
    qty = _number(value, field=field, message=_("Enter a number, for example 10 or 2.5."))
    if qty <= 0:
        raise ValidationError(_("The %(field)s must be greater than zero.") % {"field": label}, field=field)
    if qty != qty.quantize(QTY_PLACES):
        raise ValidationError(
            _("The %(field)s may have at most three decimal places.") % {"field": label}, field=field
        )
    if qty > MAX_QTY:
        raise ValidationError(_("The %(field)s is too large.") % {"field": label}, field=field)
    return qty.quantize(QTY_PLACES)


def _percent(value: Any, *, field: str) -> Decimal:
    """A percentage from 0 to 100 with at most two decimals."""
    message = _("The discount must be between 0 and 100 %, with at most two decimals.")
    number = _number(value, field=field, message=message)
    if not 0 <= number <= 100 or number != number.quantize(PERCENT_PLACES):
        raise ValidationError(message, field=field)
    return number.quantize(PERCENT_PLACES)


def _free_code[M: Model](
    model: type[M], organisation_id: int, code: str, exclude_pk: int | None, message: str
) -> str:
    """A cleaned code that no other row of the organisation uses (case-insensitively); the unique
    constraint backs this up when the row is saved (``save_unique``)."""
    clean = clean_code(code)
    rows = model._default_manager.filter(organisation_id=organisation_id, code__iexact=clean)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    if rows.exists():
        raise ValidationError(message % {"code": clean}, field="code")
    return clean


# --- categories ----------------------------------------------------------------------------------------


def _category_code_message() -> str:
    return _("Category code %(code)s is already in use.")


def _subtree_height(category_id: int) -> int:
    height, frontier = 1, [category_id]
    while True:
        frontier = list(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        if not frontier:
            return height
        height += 1


def _category_parent(organisation_id: int, parent_id: int | None, moving_id: int | None) -> Category | None:
    """The parent: an active category of the organisation, not the category itself nor below it,
    and the tree no deeper than MAX_CATEGORY_DEPTH levels afterwards."""
    if parent_id is None:
        return None
    parent = Category.objects.filter(pk=_id(parent_id) or 0, organisation_id=organisation_id).first()
    if parent is None:
        raise ValidationError(_("That parent category does not exist."), field="parent")
    if not parent.is_active:
        raise ValidationError(_("The parent category is deactivated."), field="parent")
    ancestors = category_ancestor_ids(organisation_id, parent.pk)
    if moving_id is not None and moving_id in ancestors:
        raise ValidationError(
            _("A category cannot be placed under itself or one of its sub-categories."), field="parent"
        )
    height = _subtree_height(moving_id) if moving_id is not None else 1
    if len(ancestors) + height > MAX_CATEGORY_DEPTH:
        raise ValidationError(
            _("Categories may be nested at most %(max)s levels deep.") % {"max": MAX_CATEGORY_DEPTH},
            field="parent",
        )
    return parent


def _check_category_unused(category: Category) -> None:
    """Refused while an active sub-category, project, product or package uses the category."""
    children = Category.objects.filter(parent=category, is_active=True).count()
    if children:
        raise Conflict(_("Deactivate its %(count)s active sub-categories first.") % {"count": children})
    for model, message in (
        (Project, _("Move or deactivate its %(count)s active projects first.")),
        (Product, _("Move or deactivate its %(count)s active products first.")),
        (Package, _("Move or deactivate its %(count)s active packages first.")),
    ):
        count = model._default_manager.filter(category=category, is_active=True).count()
        if count:
            raise Conflict(message % {"count": count})


@transaction.atomic(durable=True)
def category_create(
    *, actor: User, code: str, name: str, parent_id: int | None = None, order: int = 0
) -> Category:
    """A node of the organisation's catalog category tree (at most five levels deep)."""
    require_perm(actor, "catalog.add_category")
    organisation_id = actor_organisation_id(actor)
    code = _free_code(Category, organisation_id, code, None, _category_code_message())
    category = Category(
        organisation_id=organisation_id,
        parent=_category_parent(organisation_id, parent_id, None),
        code=code,
        name=clean_text(name, field="name", max_length=100, label=_("name")),
        order=clean_order(order),
        created_by=actor,
        updated_by=actor,
    )
    save_unique(category, field="code", message=_category_code_message() % {"code": code})
    _audit(actor, "create", category, {}, snapshot(category, CATEGORY_FIELDS))
    return category


@transaction.atomic(durable=True)
def category_update(
    *,
    actor: User,
    category_id: int,
    code: str,
    name: str,
    parent_id: int | None = None,
    order: int = 0,
    is_active: bool | None = None,
) -> Category:
    """Rename, re-code, re-order or move a category (no cycles, at most five levels);
    ``is_active=False`` deactivates it under the rules of :func:`category_deactivate`."""
    require_perm(actor, "catalog.change_category")
    category = _locked(selectors.categories_for(actor), category_id)
    before = snapshot(category, CATEGORY_FIELDS)
    category.code = _free_code(
        Category, category.organisation_id, code, category.pk, _category_code_message()
    )
    category.parent = _category_parent(category.organisation_id, parent_id, category.pk)
    category.name = clean_text(name, field="name", max_length=100, label=_("name"))
    category.order = clean_order(order)
    if is_active is False and category.is_active:
        _check_category_unused(category)
    if is_active is not None:
        category.is_active = bool(is_active)
    category.updated_by = actor
    save_unique(category, field="code", message=_category_code_message() % {"code": category.code})
    _audit(actor, "update", category, before, snapshot(category, CATEGORY_FIELDS))
    return category


@transaction.atomic(durable=True)
def category_deactivate(*, actor: User, category_id: int) -> Category:
    """Deactivate a category: refused while it has active sub-categories or active projects,
    products or packages use it."""
    require_perm(actor, "catalog.change_category")
    category = _locked(selectors.categories_for(actor), category_id)
    if not category.is_active:
        return category
    _check_category_unused(category)
    before = snapshot(category, CATEGORY_FIELDS)
    category.is_active = False
    category.updated_by = actor
    category.save(update_fields=["is_active", "updated_by", "updated_at"])
    _audit(actor, "deactivate", category, before, snapshot(category, CATEGORY_FIELDS))
    return category


# --- projects (CAT-01, CAT-05) -------------------------------------------------------------------------


def _project_code_message() -> str:
    return _("Project code %(code)s is already in use.")


def _project_category(organisation_id: int, category_id: int | None, *, keep: int | None) -> Category:
    """An active category of the organisation (an inactive project may keep an inactive one)."""
    if category_id is None:
        raise ValidationError(_("Choose the category."), field="category")
    category = Category.objects.filter(pk=_id(category_id) or 0, organisation_id=organisation_id).first()
    if category is None:
        raise ValidationError(_("That category does not exist."), field="category")
    if not category.is_active and category.pk != keep:
        raise ValidationError(
            _("The category %(name)s is deactivated.") % {"name": category.name}, field="category"
        )
    return category


def _project_department(
    organisation_id: int, department_id: int | None, *, keep: int | None
) -> Department | None:
    """None, or an active department of a branch of the organisation (a project keeps its
    current department even once that is deactivated)."""
    if department_id is None:
        return None
    department = Department.objects.filter(
        pk=_id(department_id) or 0, branch__organisation_id=organisation_id
    ).first()
    if department is None:
        raise ValidationError(_("Choose a department of your organisation."), field="department")
    if not department.is_active and department.pk != keep:
        raise ValidationError(
            _("The department %(name)s is deactivated.") % {"name": department.name}, field="department"
        )
    return department


def _rows[T](rows: Sequence[T], field: str) -> Sequence[T]:
    if len(rows) > MAX_ROWS:
        raise ValidationError(_("At most %(max)s rows may be given.") % {"max": MAX_ROWS}, field=field)
    return rows


def _by_id[M: Model](model: type[M], ids: Iterable[Any], **filters: Any) -> dict[int, M]:
    wanted = {value for value in (_id(v) for v in ids) if value is not None}
    if not wanted:
        return {}
    return {obj.pk: obj for obj in model._default_manager.filter(pk__in=wanted, **filters)}


def _level_prices(organisation_id: int, rows: Sequence[LevelPriceInput]) -> list[dict[str, Any]]:
    levels = _by_id(MemberLevel, (row.member_level_id for row in rows), organisation_id=organisation_id)
    result: list[dict[str, Any]] = []
    for index, row in enumerate(_rows(rows, "level_prices")):
        prefix = f"level_prices.{index}."
        level = levels.get(_id(row.member_level_id) or 0)
        if level is None:
            raise ValidationError(
                _("Choose a member level of your organisation."), field=f"{prefix}member_level_id"
            )
        if not level.is_active:
            raise ValidationError(
                _("Member level %(name)s is deactivated.") % {"name": level.name},
                field=f"{prefix}member_level_id",
            )
        if any(other["member_level"].pk == level.pk for other in result):
            raise ValidationError(
                _("Member level %(name)s is listed twice.") % {"name": level.name},
                field=f"{prefix}member_level_id",
            )
        has_price = row.price not in (None, "")
        has_percent = row.discount_percent not in (None, "")
        if has_price and has_percent:
            raise ValidationError(
                _("For member level %(name)s enter either a price or a discount, not both.")
                % {"name": level.name},
                field=f"{prefix}price",
            )
        if not has_price and not has_percent:
            raise ValidationError(
                _("For member level %(name)s enter a price or a discount.") % {"name": level.name},
                field=f"{prefix}price",
            )
        result.append(
            {
                "member_level": level,
                "price": _amount(row.price, field=f"{prefix}price") if has_price else None,
                "discount_percent": (
                    _percent(row.discount_percent, field=f"{prefix}discount_percent") if has_percent else None
                ),
            }
        )
    return result


def _resources(rows: Sequence[ResourceInput]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for index, row in enumerate(_rows(rows, "resources")):
        prefix = f"resources.{index}."
        if row.kind not in ResourceKind.values:
            raise ValidationError(_("Choose the kind of resource."), field=f"{prefix}kind")
        description = _optional_text(
            row.description, field=f"{prefix}description", max_length=100, label=_("room or device type")
        )
        quantity = _whole(
            row.quantity,
            field=f"{prefix}quantity",
            label=_("quantity"),
            minimum=1,
            maximum=MAX_RESOURCE_QUANTITY,
        )
        if any(o["kind"] == row.kind and o["description"] == description for o in result):
            label = f"{ResourceKind(row.kind).label} {description}".strip()
            raise ValidationError(
                _("The resource %(resource)s is listed twice.") % {"resource": label},
                field=f"{prefix}description",
            )
        result.append({"kind": row.kind, "description": description, "quantity": quantity})
    return result


def _materials(organisation_id: int, rows: Sequence[MaterialInput]) -> list[dict[str, Any]]:
    items = _by_id(Item, (row.item_id for row in rows), organisation_id=organisation_id)
    result: list[dict[str, Any]] = []
    for index, row in enumerate(_rows(rows, "materials")):
        prefix = f"materials.{index}."
        item = items.get(_id(row.item_id) or 0)
        if item is None:
            raise ValidationError(_("Choose an item of your organisation."), field=f"{prefix}item_id")
        names = {"code": item.code, "name": item.name}
        if not item.is_active:
            raise ValidationError(
                _("Item %(code)s %(name)s is deactivated: remove it from the standard consumables.") % names,
                field=f"{prefix}item_id",
            )
        if any(other["item"].pk == item.pk for other in result):
            raise ValidationError(
                _("Item %(code)s %(name)s is listed twice.") % names, field=f"{prefix}item_id"
            )
        result.append(
            {
                "item": item,
                "quantity": _quantity(
                    row.quantity,
                    field=f"{prefix}quantity",
                    label=_("quantity per session"),
                ),
                "note": _optional_text(row.note, field=f"{prefix}note", max_length=100, label=_("note")),
            }
        )
    return result


def _operator_fees(organisation_id: int, rows: Sequence[OperatorFeeInput]) -> list[dict[str, Any]]:
    positions = _by_id(Position, (row.position_id for row in rows), organisation_id=organisation_id)
    result: list[dict[str, Any]] = []
    for index, row in enumerate(_rows(rows, "operator_fees")):
        prefix = f"operator_fees.{index}."
        position = positions.get(_id(row.position_id) or 0)
        if position is None:
            raise ValidationError(_("Choose a position of your organisation."), field=f"{prefix}position_id")
        if not position.is_active:
            raise ValidationError(
                _("Position %(name)s is deactivated.") % {"name": position.name}, field=f"{prefix}position_id"
            )
        if any(other["position"].pk == position.pk for other in result):
            raise ValidationError(
                _("Position %(name)s is listed twice.") % {"name": position.name},
                field=f"{prefix}position_id",
            )
        result.append({"position": position, "fee": _amount(row.fee, field=f"{prefix}fee")})
    return result


@dataclass(frozen=True)
class _ProjectData:
    """A project's checked values and child rows, ready to be written."""

    values: dict[str, Any]
    level_prices: list[dict[str, Any]]
    resources: list[dict[str, Any]]
    materials: list[dict[str, Any]]
    operator_fees: list[dict[str, Any]]


def _project_data(
    organisation_id: int,
    project: Project | None,
    *,
    name: str,
    category_id: int | None,
    department_id: int | None,
    list_price: Any,
    sessions_per_course: Any,
    duration_minutes: Any,
    min_interval_days: Any,
    description: str,
    aftercare: str,
    level_prices: Sequence[LevelPriceInput],
    resources: Sequence[ResourceInput],
    materials: Sequence[MaterialInput],
    operator_fees: Sequence[OperatorFeeInput],
    active: bool,
) -> _ProjectData:
    name = clean_text(name, field="name", max_length=100, label=_("name"))
    keep_category = project.category_id if project is not None and not active else None
    values = {
        "name": name,
        "pinyin": search_key(name)[:400],
        "category": _project_category(organisation_id, category_id, keep=keep_category),
        "department": _project_department(
            organisation_id, department_id, keep=project.department_id if project is not None else None
        ),
        "list_price": _amount(list_price, field="list_price"),
        "sessions_per_course": _whole(
            sessions_per_course,
            field="sessions_per_course",
            label=_("sessions per course"),
            minimum=1,
            maximum=MAX_SESSIONS,
        ),
        "duration_minutes": _whole(
            duration_minutes,
            field="duration_minutes",
            label=_("duration (minutes)"),
            minimum=1,
            maximum=MAX_DURATION_MINUTES,
        ),
        "min_interval_days": _whole(
            min_interval_days,
            field="min_interval_days",
            label=_("minimum days between sessions"),
            minimum=0,
            maximum=MAX_INTERVAL_DAYS,
        ),
        "description": _optional_text(
            description, field="description", max_length=2000, label=_("description")
        ),
        "aftercare": _optional_text(
            aftercare, field="aftercare", max_length=5000, label=_("post-treatment instructions")
        ),
    }
    return _ProjectData(
        values=values,
        level_prices=_level_prices(organisation_id, level_prices),
        resources=_resources(resources),
        materials=_materials(organisation_id, materials),
        operator_fees=_operator_fees(organisation_id, operator_fees),
    )


def _children_snapshot(project: Project) -> dict[str, Any]:
    """The child rows as plain lists, for the project's audit event."""
    return {
        "level_prices": [
            [row.member_level_id, row.price, row.discount_percent]
            for row in ProjectLevelPrice.objects.filter(project=project).order_by("member_level_id")
        ],
        "resources": [
            [row.kind, row.description, row.quantity]
            for row in ProjectResource.objects.filter(project=project).order_by("pk")
        ],
        "materials": [
            [row.item_id, row.quantity, row.note]
            for row in ProjectMaterial.objects.filter(project=project).order_by("pk")
        ],
        "operator_fees": [
            [row.position_id, row.fee]
            for row in ProjectOperatorFee.objects.filter(project=project).order_by("position_id")
        ],
    }


def _project_snapshot(project: Project) -> dict[str, Any]:
    return {**snapshot(project, PROJECT_FIELDS), **_children_snapshot(project)}


def _write_children(project: Project, data: _ProjectData) -> None:
    ProjectLevelPrice.objects.bulk_create(
        [ProjectLevelPrice(project=project, **row) for row in data.level_prices]
    )
    ProjectResource.objects.bulk_create([ProjectResource(project=project, **row) for row in data.resources])
    ProjectMaterial.objects.bulk_create([ProjectMaterial(project=project, **row) for row in data.materials])
    ProjectOperatorFee.objects.bulk_create(
        [ProjectOperatorFee(project=project, **row) for row in data.operator_fees]
    )


@transaction.atomic(durable=True)
def project_create(
    *,
    actor: User,
    code: str,
    name: str,
    category_id: int | None,
    list_price: Decimal | str | int,
    department_id: int | None = None,
    sessions_per_course: int = 1,
    duration_minutes: int = 30,
    min_interval_days: int = 0,
    description: str = "",
    aftercare: str = "",
    level_prices: Sequence[LevelPriceInput] = (),
    resources: Sequence[ResourceInput] = (),
    materials: Sequence[MaterialInput] = (),
    operator_fees: Sequence[OperatorFeeInput] = (),
) -> Project:
    """A project (项目资料) with its member-level prices, required resources, standard consumables
    per session (BOM) and operator fees; its pinyin search key comes from the name."""
    require_perm(actor, "catalog.add_project")
    organisation_id = actor_organisation_id(actor)
    code = _free_code(Project, organisation_id, code, None, _project_code_message())
    data = _project_data(
        organisation_id,
        None,
        name=name,
        category_id=category_id,
        department_id=department_id,
        list_price=list_price,
        sessions_per_course=sessions_per_course,
        duration_minutes=duration_minutes,
        min_interval_days=min_interval_days,
        description=description,
        aftercare=aftercare,
        level_prices=level_prices,
        resources=resources,
        materials=materials,
        operator_fees=operator_fees,
        active=True,
    )
    project = Project(
        organisation_id=organisation_id, code=code, created_by=actor, updated_by=actor, **data.values
    )
    save_unique(project, field="code", message=_project_code_message() % {"code": code})
    _write_children(project, data)
    _audit(actor, "create", project, {}, _project_snapshot(project))
    return project


@transaction.atomic(durable=True)
def project_update(
    *,
    actor: User,
    project_id: int,
    code: str,
    name: str,
    category_id: int | None,
    list_price: Decimal | str | int,
    department_id: int | None = None,
    sessions_per_course: int = 1,
    duration_minutes: int = 30,
    min_interval_days: int = 0,
    description: str = "",
    aftercare: str = "",
    level_prices: Sequence[LevelPriceInput] = (),
    resources: Sequence[ResourceInput] = (),
    materials: Sequence[MaterialInput] = (),
    operator_fees: Sequence[OperatorFeeInput] = (),
    is_active: bool | None = None,
) -> Project:
    """Change a project and replace its child rows with the ones given (an empty list removes
    them all). ``is_active`` False deactivates it, True reactivates it (its category must then
    be active)."""
    require_perm(actor, "catalog.change_project")
    project = _locked(selectors.projects_for(actor), project_id)
    before = _project_snapshot(project)
    active = project.is_active if is_active is None else bool(is_active)
    project_code = _free_code(Project, project.organisation_id, code, project.pk, _project_code_message())
    data = _project_data(
        project.organisation_id,
        project,
        name=name,
        category_id=category_id,
        department_id=department_id,
        list_price=list_price,
        sessions_per_course=sessions_per_course,
        duration_minutes=duration_minutes,
        min_interval_days=min_interval_days,
        description=description,
        aftercare=aftercare,
        level_prices=level_prices,
        resources=resources,
        materials=materials,
        operator_fees=operator_fees,
        active=active,
    )
    project.code = project_code
    for key, value in data.values.items():
        setattr(project, key, value)
    project.is_active = active
    project.updated_by = actor
    save_unique(project, field="code", message=_project_code_message() % {"code": project.code})
    for model in (ProjectLevelPrice, ProjectResource, ProjectMaterial, ProjectOperatorFee):
        model._default_manager.filter(project=project).delete()
    _write_children(project, data)
    _audit(actor, "update", project, before, _project_snapshot(project))
    return project


@transaction.atomic(durable=True)
def project_deactivate(*, actor: User, project_id: int) -> Project:
    """Deactivate a project: it is no longer offered for sale; its history stays."""
    require_perm(actor, "catalog.change_project")
    project = _locked(selectors.projects_for(actor), project_id)
    if not project.is_active:
        return project
    before = snapshot(project, PROJECT_FIELDS)
    project.is_active = False
    project.updated_by = actor
    project.save(update_fields=["is_active", "updated_by", "updated_at"])
    _audit(actor, "deactivate", project, before, snapshot(project, PROJECT_FIELDS))
    return project


# --- knowledge articles (CAT-04) ------------------------------------------------------------------------


def _project_of(actor: User, project_id: int) -> Project:
    return _locked(selectors.projects_for(actor), project_id)


def _article_values(title: str, body: str, order: int | None) -> dict[str, Any]:
    return {
        "title": clean_text(title, field="title", max_length=200, label=_("title")),
        "body": clean_text(body, field="body", max_length=20000, label=_("body")),
        "order": clean_order(order),
    }


@transaction.atomic(durable=True)
def project_article_create(
    *, actor: User, project_id: int, title: str, body: str, order: int = 0
) -> ProjectArticle:
    """An article of the project's knowledge base (知识库)."""
    require_perm(actor, "catalog.add_projectarticle")
    project = _project_of(actor, project_id)
    article = ProjectArticle(
        project=project, created_by=actor, updated_by=actor, **_article_values(title, body, order)
    )
    article.save()
    _audit(
        actor,
        "create",
        article,
        {},
        snapshot(article, ARTICLE_FIELDS),
        organisation_id=project.organisation_id,
    )
    return article


@transaction.atomic(durable=True)
def project_article_update(
    *,
    actor: User,
    article_id: int,
    title: str,
    body: str,
    order: int = 0,
    is_active: bool | None = None,
) -> ProjectArticle:
    """Change an article; ``is_active`` deactivates or reactivates it."""
    require_perm(actor, "catalog.change_projectarticle")
    article = _locked(selectors.articles_for(actor), article_id)
    before = snapshot(article, ARTICLE_FIELDS)
    for key, value in _article_values(title, body, order).items():
        setattr(article, key, value)
    if is_active is not None:
        article.is_active = bool(is_active)
    article.updated_by = actor
    article.save()
    _audit(
        actor,
        "update",
        article,
        before,
        snapshot(article, ARTICLE_FIELDS),
        organisation_id=article.project.organisation_id,
    )
    return article


@transaction.atomic(durable=True)
def project_article_deactivate(*, actor: User, article_id: int) -> ProjectArticle:
    """Hide an article from the consultation view (it is kept)."""
    require_perm(actor, "catalog.change_projectarticle")
    article = _locked(selectors.articles_for(actor), article_id)
    if not article.is_active:
        return article
    before = snapshot(article, ARTICLE_FIELDS)
    article.is_active = False
    article.updated_by = actor
    article.save(update_fields=["is_active", "updated_by", "updated_at"])
    _audit(
        actor,
        "deactivate",
        article,
        before,
        snapshot(article, ARTICLE_FIELDS),
        organisation_id=article.project.organisation_id,
    )
    return article


# --- cases (CAT-04) -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Image:
    """An uploaded image that passed the checks."""

    file: File[Any]
    extension: str


def _checked_image(upload: File[Any] | None, *, field: str) -> _Image | None:
    """None for no upload; else a JPEG, PNG or WebP image (Pillow reads and verifies it), not
    empty, at most MAX_IMAGE_SIZE bytes and MAX_IMAGE_PIXELS pixels."""
    if upload is None:
        return None
    size = upload.size or 0
    if size <= 0:
        raise ValidationError(_("The file is empty."), field=field)
    if size > MAX_IMAGE_SIZE:
        raise ValidationError(
            _("The image is larger than %(max)s MB.") % {"max": MAX_IMAGE_SIZE // (1024 * 1024)}, field=field
        )
    not_an_image = _("Upload an image: JPEG, PNG or WebP.")
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format = image.format or ""
                width, height = image.size
                image.verify()
    except Exception:  # Pillow raises many kinds of error for a file that is not a sound image
        raise ValidationError(not_an_image, field=field) from None
    finally:
        upload.seek(0)
    if image_format not in IMAGE_TYPES:
        raise ValidationError(not_an_image, field=field)
    if width * height > MAX_IMAGE_PIXELS:
        raise ValidationError(
            _("The image has too many pixels (at most %(max)s million).")
            % {"max": MAX_IMAGE_PIXELS // 1_000_000},
            field=field,
        )
    return _Image(file=upload, extension=IMAGE_TYPES[image_format][0])


def _case_values(name: str, description: str, consent_confirmed: bool, order: int | None) -> dict[str, Any]:
    return {
        "name": clean_text(name, field="name", max_length=200, label=_("name")),
        "description": _optional_text(
            description, field="description", max_length=5000, label=_("description")
        ),
        "consent_confirmed": bool(consent_confirmed),
        "order": clean_order(order),
    }


def _plan_image(case: ProjectCase, side: str, image: _Image) -> str:
    """Point the case's ``<side>_image`` at a new random name (written by :func:`_store_images`)."""
    field_file: FieldFile = getattr(case, f"{side}_image")
    planned = field_file.field.generate_filename(case, f"{uuid.uuid4().hex}{image.extension}")
    field_file.name = planned
    return str(planned)


def _store_images(case: ProjectCase, planned: dict[str, tuple[str, _Image]]) -> None:
    """Write the images' content last, so that a refusal before leaves no file behind."""
    for side, (name, image) in planned.items():
        field_file: FieldFile = getattr(case, f"{side}_image")
        stored = field_file.storage.save(name, image.file, max_length=field_file.field.max_length)
        if stored != name:  # the storage picked another name: keep the row pointing at it
            ProjectCase.objects.filter(pk=case.pk).update(**{f"{side}_image": stored})
            field_file.name = stored


def _images_remove_on_commit(names: Iterable[str]) -> None:
    """Delete replaced or cleared images once the change has committed."""
    for name in [n for n in names if n]:
        transaction.on_commit(partial(default_storage.delete, name))


@transaction.atomic(durable=True)
def project_case_create(
    *,
    actor: User,
    project_id: int,
    name: str,
    description: str = "",
    consent_confirmed: bool = False,
    order: int = 0,
    before_image: File[Any] | None = None,
    after_image: File[Any] | None = None,
) -> ProjectCase:
    """A case (案例) of the project: name, description, before and after images (JPEG, PNG or
    WebP, at most 10 MB each) and whether the customer consented to showing it. Without consent
    the case is listed only to the staff who edit cases."""
    require_perm(actor, "catalog.add_projectcase")
    project = _project_of(actor, project_id)
    values = _case_values(name, description, consent_confirmed, order)
    images = {
        "before": _checked_image(before_image, field="before_image"),
        "after": _checked_image(after_image, field="after_image"),
    }
    case = ProjectCase(project=project, created_by=actor, updated_by=actor, **values)
    planned = {side: (_plan_image(case, side, image), image) for side, image in images.items() if image}
    case.save()
    _audit(actor, "create", case, {}, snapshot(case, CASE_FIELDS), organisation_id=project.organisation_id)
    _store_images(case, planned)
    return case


@transaction.atomic(durable=True)
def project_case_update(
    *,
    actor: User,
    case_id: int,
    name: str,
    description: str = "",
    consent_confirmed: bool = False,
    order: int = 0,
    before_image: File[Any] | None = None,
    after_image: File[Any] | None = None,
    clear_before_image: bool = False,
    clear_after_image: bool = False,
    is_active: bool | None = None,
) -> ProjectCase:
    """Change a case. A new image replaces the old one; ``clear_<side>_image`` removes it. The
    replaced files are deleted after commit."""
    require_perm(actor, "catalog.change_projectcase")
    case = _locked(selectors.cases_for(actor, editing=True), case_id)
    before = snapshot(case, CASE_FIELDS)
    values = _case_values(name, description, consent_confirmed, order)
    images = {
        "before": _checked_image(before_image, field="before_image"),
        "after": _checked_image(after_image, field="after_image"),
    }
    clear = {"before": clear_before_image, "after": clear_after_image}
    for key, value in values.items():
        setattr(case, key, value)
    if is_active is not None:
        case.is_active = bool(is_active)
    removed: list[str] = []
    planned: dict[str, tuple[str, _Image]] = {}
    for side in IMAGE_SIDES:
        field_file: FieldFile = getattr(case, f"{side}_image")
        old = field_file.name or ""
        image = images[side]
        if image is not None:
            planned[side] = (_plan_image(case, side, image), image)
            removed.append(old)
        elif clear[side] and old:
            field_file.name = ""
            removed.append(old)
    case.updated_by = actor
    case.save()
    _audit(
        actor,
        "update",
        case,
        before,
        snapshot(case, CASE_FIELDS),
        organisation_id=case.project.organisation_id,
    )
    _store_images(case, planned)
    _images_remove_on_commit(removed)
    return case


@transaction.atomic(durable=True)
def project_case_deactivate(*, actor: User, case_id: int) -> ProjectCase:
    """Hide a case from the consultation view (it and its images are kept)."""
    require_perm(actor, "catalog.change_projectcase")
    case = _locked(selectors.cases_for(actor, editing=True), case_id)
    if not case.is_active:
        return case
    before = snapshot(case, CASE_FIELDS)
    case.is_active = False
    case.updated_by = actor
    case.save(update_fields=["is_active", "updated_by", "updated_at"])
    _audit(
        actor,
        "deactivate",
        case,
        before,
        snapshot(case, CASE_FIELDS),
        organisation_id=case.project.organisation_id,
    )
    return case


@transaction.atomic(durable=True)
def project_case_image_open(*, actor: User, case_id: int, side: str) -> tuple[ProjectCase, str, File[Any]]:
    """The ``before`` or ``after`` image of a case, opened for reading, with its content type — a
    sensitive read of a patient's photo: needs "view project" and the case's organisation; a case
    without consent (or deactivated) only for those who may change cases. Every opening is
    audited ("view_case_image")."""
    require_perm(actor, "catalog.view_project")
    editing = actor.has_perm("catalog.change_projectcase")
    case = selectors.case_get_for(actor, case_id, editing=editing)
    if not case.is_active and not editing:
        raise NotFound()
    if side not in IMAGE_SIDES:
        raise NotFound()
    field_file: FieldFile = getattr(case, f"{side}_image")
    name = field_file.name or ""
    if not name:
        raise NotFound(_("The case has no such image."))
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    content_type = CONTENT_TYPES.get(extension)
    if content_type is None:
        raise NotFound(_("The case has no such image."))
    try:
        handle = field_file.storage.open(name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise NotFound(_("The file is missing from storage.")) from exc
    audit_record(
        actor=actor,
        module=MODULE,
        action="view_case_image",
        obj=case,
        organisation_id=case.project.organisation_id,
        message=side,
    )
    return case, content_type, handle
