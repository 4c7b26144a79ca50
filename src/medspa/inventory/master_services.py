"""Writes of the inventory master data: warehouses and bins (INV-01), the category tree and the
item master with pack units, barcodes and stock levels (INV-02), suppliers and manufacturers with
their certificates (SPD-01).

Every service checks the permission first, validates everything before it writes, and records
one audit event (module ``inventory``) per changed row inside its transaction."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Model, ProtectedError, QuerySet
from django.utils.translation import gettext as _

from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.accounts.scope import (
    active_branch_id,
    actor_organisation_id,
    department_ids,
    effective_scope,
    require_perm,
)
from medspa.audit.services import audit_record, diff, snapshot
from medspa.core import money
from medspa.core.errors import Conflict, NotFound, ValidationError
from medspa.core.pinyin import search_key
from medspa.core.validation import clean_code, clean_order, clean_text, save_unique
from medspa.inventory import master_selectors as selectors
from medspa.inventory.barcodes import normalise_barcode
from medspa.inventory.choices import CategoryKind, CertificateKind, StorageCondition, WarehouseKind
from medspa.inventory.models import (
    Bin,
    Certificate,
    Company,
    Item,
    ItemBarcode,
    ItemCategory,
    PackUnit,
    StockBalance,
    StockLevel,
    StockMove,
    Warehouse,
)
from medspa.organization.models import Branch, Department, Organisation
from medspa.organization.phones import normalize_phone
from medspa.organization.selectors import writable_branches_for

__all__ = [
    "DEFAULT_CATEGORIES",
    "MAX_CATEGORY_DEPTH",
    "BarcodeInput",
    "CertificateInput",
    "LevelInput",
    "PackUnitInput",
    "barcode_create",
    "barcode_delete",
    "barcode_update",
    "bin_create",
    "bin_deactivate",
    "bin_update",
    "category_create",
    "category_deactivate",
    "category_update",
    "certificate_create",
    "certificate_delete",
    "certificate_update",
    "company_create",
    "company_deactivate",
    "company_update",
    "item_create",
    "item_deactivate",
    "item_update",
    "packunit_create",
    "packunit_delete",
    "packunit_update",
    "seed_default_categories",
    "stocklevel_create",
    "stocklevel_delete",
    "stocklevel_update",
    "warehouse_create",
    "warehouse_deactivate",
    "warehouse_update",
]

MODULE = "inventory"
MAX_CATEGORY_DEPTH = 5  # levels, the root included; the list's tree ordering relies on it
MAX_SHELF_LIFE_DAYS = 36500
QTY_PLACES = Decimal("0.001")
MAX_QTY = Decimal("99999999999.999")

# The roots every organisation starts with (code, name, kind): the seed's 药品 / 低值耗材 /
# 高值耗材 / 商品 / 物料. Names are data, stored in Chinese.
DEFAULT_CATEGORIES = (
    ("drug", "药品", CategoryKind.DRUG),
    ("low-value", "低值耗材", CategoryKind.LOW_VALUE),
    ("high-value", "高值耗材", CategoryKind.HIGH_VALUE),
    ("goods", "商品", CategoryKind.GOODS),
    ("material", "物料", CategoryKind.MATERIAL),
)

WAREHOUSE_FIELDS = ("branch", "code", "name", "kind", "department", "address", "is_active")
BIN_FIELDS = ("warehouse", "code", "name", "is_active")
CATEGORY_FIELDS = ("parent", "code", "name", "kind", "order", "is_active")
COMPANY_FIELDS = (
    "code",
    "name",
    "is_supplier",
    "is_manufacturer",
    "credit_code",
    "contact",
    "phone",
    "address",
    "is_active",
)
CERTIFICATE_FIELDS = ("company", "kind", "number", "scope", "issued_on", "expires_on", "is_required")
ITEM_FIELDS = (
    "code",
    "name",
    "specification",
    "base_unit",
    "category",
    "manufacturer",
    "registration_no",
    "registration_expires_on",
    "storage_condition",
    "shelf_life_days",
    "purchase_price",
    "is_lot_tracked",
    "is_expiry_tracked",
    "is_serial_tracked",
    "unpack_item",
    "unpack_quantity",
    "is_active",
)
# What cannot change once an item has stock moves: the moves are in its base unit and lots.
ITEM_FROZEN_FIELDS = ("base_unit", "is_lot_tracked", "is_expiry_tracked", "is_serial_tracked")
PACK_UNIT_FIELDS = ("item", "name", "factor")
BARCODE_FIELDS = ("item", "code", "pack_unit")
LEVEL_FIELDS = ("item", "warehouse", "min_quantity", "max_quantity")

# Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, the last a check.
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE = re.compile(rf"[{_CREDIT_CHARS}]{{18}}")


@dataclass(frozen=True)
class PackUnitInput:
    """A pack level given with a new item: ``factor`` base units make one ``name``."""

    name: str
    factor: Decimal | str | int


@dataclass(frozen=True)
class BarcodeInput:
    """A barcode given with a new item, for the pack unit named ``pack_unit`` (None: the base unit)."""

    code: str
    pack_unit: str | None = None


@dataclass(frozen=True)
class LevelInput:
    """Minimum and maximum stock of a new item in one warehouse."""

    warehouse_id: int
    min_quantity: Decimal | str | int = Decimal(0)
    max_quantity: Decimal | str | int | None = None


@dataclass(frozen=True)
class CertificateInput:
    """A certificate given with a new company."""

    kind: str
    number: str
    scope: str = ""
    issued_on: datetime.date | None = None
    expires_on: datetime.date | None = None
    is_required: bool = True


# --- shared ------------------------------------------------------------------------------------------


def _audit(
    actor: User,
    action: str,
    obj: Model,
    before: dict[str, Any],
    fields: Iterable[str],
    *,
    organisation_id: int | None = None,
    branch_id: int | None = None,
) -> None:
    after = snapshot(obj, fields) if action != "delete" else {}
    audit_record(
        actor=actor,
        module=MODULE,
        action=action,
        obj=obj,
        changes=diff(before, after),
        organisation_id=organisation_id,
        branch_id=branch_id,
    )


def _locked(queryset: QuerySet[Any], pk: int) -> Any:
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


def _quantity(value: Any, *, field: str, label: str, allow_zero: bool) -> Decimal:
    """A quantity in base units: at most three decimals, positive (or zero when allowed)."""
    qty = _number(value, field=field, message=_("Enter a number, for example 10 or 2.5."))
    if qty < 0 or (qty == 0 and not allow_zero):
        message = (
            _("The %(field)s cannot be negative.")
            if allow_zero
            else _("The %(field)s must be greater than zero.")
        )
        raise ValidationError(message % {"field": label}, field=field)
    if qty != qty.quantize(QTY_PLACES):
        raise ValidationError(
            _("The %(field)s may have at most three decimal places.") % {"field": label}, field=field
        )
    if qty > MAX_QTY:
        raise ValidationError(_("The %(field)s is too large.") % {"field": label}, field=field)
    return qty.quantize(QTY_PLACES)


def _choice(value: str | None, choices: type[Any], *, field: str, message: str) -> str:
    if value not in choices.values:
        raise ValidationError(message, field=field)
    return str(value)


def _set_active(obj: Any, is_active: bool | None) -> None:
    if is_active is not None:
        obj.is_active = bool(is_active)


def _deactivate(actor: User, obj: Any, fields: Iterable[str], **audit: Any) -> None:
    before = snapshot(obj, fields)
    obj.is_active = False
    obj.updated_by = actor
    obj.save(update_fields=["is_active", "updated_by", "updated_at"])
    _audit(actor, "deactivate", obj, before, fields, **audit)


# --- warehouses (INV-01) ------------------------------------------------------------------------------


def _warehouse_branch(actor: User, branch_id: int | None) -> Branch:
    """A new warehouse's branch: the given one among the branches the actor may record data in
    (organisation scope: any active branch; narrower: the active branch), default the active one."""
    if branch_id is None:
        branch_id = active_branch_id(actor)
        if branch_id is None:
            raise ValidationError(_("Choose a branch: you work in no branch."), field="branch")
    branch = writable_branches_for(actor).filter(pk=branch_id).first()
    if branch is None:
        raise ValidationError(_("You may not record warehouses in that branch."), field="branch")
    return branch


def _warehouse_department(
    actor: User, kind: str, department_id: int | None, branch: Branch
) -> Department | None:
    """A department warehouse names an active department of its branch; a central one none. An
    actor who sees only her department may only keep warehouses of it."""
    narrow = effective_scope(actor) in (DataScope.DEPARTMENT, DataScope.OWN)
    if kind == WarehouseKind.CENTRAL:
        if department_id is not None:
            raise ValidationError(_("A central warehouse belongs to no department."), field="department")
        if narrow:
            raise ValidationError(_("You may only keep warehouses of your own department."), field="kind")
        return None
    if department_id is None:
        raise ValidationError(_("Choose the department of the department warehouse."), field="department")
    department = Department.objects.filter(
        pk=department_id, branch__organisation_id=branch.organisation_id
    ).first()
    if department is None:
        raise ValidationError(_("That department does not exist."), field="department")
    if department.branch_id != branch.pk:
        raise ValidationError(_("The department must belong to the warehouse's branch."), field="department")
    if not department.is_active:
        raise ValidationError(_("That department is deactivated."), field="department")
    if narrow and department.pk not in department_ids(actor):
        raise ValidationError(_("You may only keep warehouses of your own department."), field="department")
    return department


def _free_code(
    code: str, taken: Callable[[str], QuerySet[Any]], exclude_pk: int | None, message: Callable[[str], str]
) -> str:
    """A cleaned record code that no other row of ``taken(code)`` uses (case-insensitively); the
    unique constraint backs this up when the row is saved (``save_unique``)."""
    clean = clean_code(code)
    rows = taken(clean)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    if rows.exists():
        raise ValidationError(message(clean), field="code")
    return clean


def _warehouse_code(branch: Branch, code: str, exclude_pk: int | None = None) -> str:
    return _free_code(
        code,
        lambda clean: Warehouse.objects.filter(branch=branch, code__iexact=clean),
        exclude_pk,
        _warehouse_code_message,
    )


def _warehouse_code_message(code: str) -> str:
    return _("Warehouse code %(code)s is already in use in this branch.") % {"code": code}


def _stock_on_hand(**filters: Any) -> bool:
    return StockBalance.objects.filter(quantity__gt=0, **filters).exists()


@transaction.atomic(durable=True)
def warehouse_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str = WarehouseKind.CENTRAL,
    department_id: int | None = None,
    address: str = "",
    branch_id: int | None = None,
) -> Warehouse:
    """A warehouse (库房) in ``branch_id`` (default: the actor's active branch): a central
    warehouse, or a department's secondary warehouse naming a department of the same branch."""
    require_perm(actor, "inventory.add_warehouse")
    branch = _warehouse_branch(actor, branch_id)
    kind = _choice(kind, WarehouseKind, field="kind", message=_("Choose central or department warehouse."))
    warehouse = Warehouse(
        branch=branch,
        code=_warehouse_code(branch, code),
        name=clean_text(name, field="name", max_length=100, label=_("name")),
        kind=kind,
        department=_warehouse_department(actor, kind, department_id, branch),
        address=_optional_text(address, field="address", max_length=200, label=_("location")),
        created_by=actor,
        updated_by=actor,
    )
    save_unique(warehouse, field="code", message=_warehouse_code_message(warehouse.code))
    _audit(actor, "create", warehouse, {}, WAREHOUSE_FIELDS)
    return warehouse


@transaction.atomic(durable=True)
def warehouse_update(
    *,
    actor: User,
    warehouse_id: int,
    code: str,
    name: str,
    kind: str,
    department_id: int | None = None,
    address: str = "",
    is_active: bool | None = None,
) -> Warehouse:
    """Change a warehouse within its branch; ``is_active`` None leaves the state (False applies
    the deactivation rules)."""
    require_perm(actor, "inventory.change_warehouse")
    warehouse: Warehouse = _locked(selectors.warehouses_for(actor), warehouse_id)
    before = snapshot(warehouse, WAREHOUSE_FIELDS)
    kind = _choice(kind, WarehouseKind, field="kind", message=_("Choose central or department warehouse."))
    warehouse.code = _warehouse_code(warehouse.branch, code, exclude_pk=warehouse.pk)
    warehouse.name = clean_text(name, field="name", max_length=100, label=_("name"))
    warehouse.kind = kind
    warehouse.department = _warehouse_department(actor, kind, department_id, warehouse.branch)
    warehouse.address = _optional_text(address, field="address", max_length=200, label=_("location"))
    if is_active is False and before["is_active"]:
        _check_warehouse_empty(warehouse)
    _set_active(warehouse, is_active)
    warehouse.updated_by = actor
    save_unique(warehouse, field="code", message=_warehouse_code_message(warehouse.code))
    _audit(actor, "update", warehouse, before, WAREHOUSE_FIELDS)
    return warehouse


def _check_warehouse_empty(warehouse: Warehouse) -> None:
    if _stock_on_hand(warehouse=warehouse):
        raise Conflict(_("The warehouse still holds stock; move or issue it before deactivating."))


@transaction.atomic(durable=True)
def warehouse_deactivate(*, actor: User, warehouse_id: int) -> Warehouse:
    """Deactivate a warehouse that holds no stock: nothing can be posted to it any more."""
    require_perm(actor, "inventory.delete_warehouse")
    warehouse: Warehouse = _locked(selectors.warehouses_for(actor), warehouse_id)
    if not warehouse.is_active:
        return warehouse
    _check_warehouse_empty(warehouse)
    _deactivate(actor, warehouse, WAREHOUSE_FIELDS)
    return warehouse


# --- bins (INV-01) ------------------------------------------------------------------------------------


def _bin_code(warehouse: Warehouse, code: str, exclude_pk: int | None = None) -> str:
    return _free_code(
        code,
        lambda clean: Bin.objects.filter(warehouse=warehouse, code__iexact=clean),
        exclude_pk,
        _bin_code_message,
    )


def _bin_code_message(code: str) -> str:
    return _("Bin code %(code)s is already in use in this warehouse.") % {"code": code}


@transaction.atomic(durable=True)
def bin_create(*, actor: User, warehouse_id: int, code: str, name: str = "") -> Bin:
    """A bin location (货位) in an active warehouse the actor sees."""
    require_perm(actor, "inventory.add_bin")
    warehouse = selectors.warehouses_for(actor).filter(pk=warehouse_id).first()
    if warehouse is None:
        raise NotFound()
    if not warehouse.is_active:
        raise ValidationError(_("The warehouse is deactivated."), field="warehouse")
    bin_ = Bin(
        warehouse=warehouse,
        code=_bin_code(warehouse, code),
        name=_optional_text(name, field="name", max_length=100, label=_("name")),
        created_by=actor,
        updated_by=actor,
    )
    save_unique(bin_, field="code", message=_bin_code_message(bin_.code))
    _audit(actor, "create", bin_, {}, BIN_FIELDS, branch_id=warehouse.branch_id)
    return bin_


@transaction.atomic(durable=True)
def bin_update(*, actor: User, bin_id: int, code: str, name: str = "", is_active: bool | None = None) -> Bin:
    require_perm(actor, "inventory.change_bin")
    bin_: Bin = _locked(selectors.bins_for(actor), bin_id)
    before = snapshot(bin_, BIN_FIELDS)
    bin_.code = _bin_code(bin_.warehouse, code, exclude_pk=bin_.pk)
    bin_.name = _optional_text(name, field="name", max_length=100, label=_("name"))
    if is_active is False and before["is_active"]:
        _check_bin_empty(bin_)
    _set_active(bin_, is_active)
    bin_.updated_by = actor
    save_unique(bin_, field="code", message=_bin_code_message(bin_.code))
    _audit(actor, "update", bin_, before, BIN_FIELDS, branch_id=bin_.warehouse.branch_id)
    return bin_


def _check_bin_empty(bin_: Bin) -> None:
    if _stock_on_hand(bin=bin_):
        raise Conflict(_("The bin location still holds stock; move it before deactivating."))


@transaction.atomic(durable=True)
def bin_deactivate(*, actor: User, bin_id: int) -> Bin:
    """Deactivate a bin location that holds no stock."""
    require_perm(actor, "inventory.delete_bin")
    bin_: Bin = _locked(selectors.bins_for(actor), bin_id)
    if not bin_.is_active:
        return bin_
    _check_bin_empty(bin_)
    _deactivate(actor, bin_, BIN_FIELDS, branch_id=bin_.warehouse.branch_id)
    return bin_


# --- categories (INV-02) ------------------------------------------------------------------------------


def _category_code(organisation_id: int, code: str, exclude_pk: int | None = None) -> str:
    return _free_code(
        code,
        lambda clean: ItemCategory.objects.filter(organisation_id=organisation_id, code__iexact=clean),
        exclude_pk,
        _category_code_message,
    )


def _category_code_message(code: str) -> str:
    return _("Category code %(code)s is already in use.") % {"code": code}


def _ancestor_ids(category: ItemCategory) -> list[int]:
    """``category`` and its ancestors' ids, nearest first."""
    ids = [category.pk]
    parent_id = category.parent_id
    while parent_id is not None and parent_id not in ids:
        ids.append(parent_id)
        parent_id = ItemCategory.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    return ids


def _subtree_height(category_id: int) -> int:
    height, frontier = 1, [category_id]
    while True:
        frontier = list(ItemCategory.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        if not frontier:
            return height
        height += 1


def _category_parent(
    organisation_id: int, parent_id: int | None, moving_id: int | None
) -> ItemCategory | None:
    if parent_id is None:
        return None
    parent = ItemCategory.objects.filter(pk=parent_id, organisation_id=organisation_id).first()
    if parent is None:
        raise ValidationError(_("That parent category does not exist."), field="parent")
    if not parent.is_active:
        raise ValidationError(_("The parent category is deactivated."), field="parent")
    ancestors = _ancestor_ids(parent)
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


def _category_kind(parent: ItemCategory | None, kind: str | None) -> str:
    """A root has a kind of its own; a sub-category has its parent's (giving another is refused)."""
    if parent is None:
        return _choice(
            kind or None, CategoryKind, field="kind", message=_("Choose the kind of the top-level category.")
        )
    if kind and kind != parent.kind:
        raise ValidationError(
            _("A sub-category has the kind of its parent (%(kind)s).") % {"kind": parent.get_kind_display()},
            field="kind",
        )
    return parent.kind


@transaction.atomic(durable=True)
def category_create(
    *,
    actor: User,
    code: str,
    name: str,
    parent_id: int | None = None,
    kind: str | None = None,
    order: int = 0,
) -> ItemCategory:
    """A node of the organisation's item category tree (产品分类). A root needs a kind; a child
    takes its parent's."""
    require_perm(actor, "inventory.add_itemcategory")
    organisation_id = actor_organisation_id(actor)
    code = _category_code(organisation_id, code)
    parent = _category_parent(organisation_id, parent_id, None)
    category = ItemCategory(
        organisation_id=organisation_id,
        parent=parent,
        code=code,
        name=clean_text(name, field="name", max_length=100, label=_("name")),
        kind=_category_kind(parent, kind),
        order=clean_order(order),
        created_by=actor,
        updated_by=actor,
    )
    save_unique(category, field="code", message=_category_code_message(code))
    _audit(actor, "create", category, {}, CATEGORY_FIELDS)
    return category


@transaction.atomic(durable=True)
def category_update(
    *,
    actor: User,
    category_id: int,
    code: str,
    name: str,
    parent_id: int | None = None,
    kind: str | None = None,
    order: int = 0,
    is_active: bool | None = None,
) -> ItemCategory:
    """Rename, re-code, re-order or move a category (no cycles). A new kind (a root's own, or the
    new parent's) passes down to every sub-category, each audited. ``kind`` None: a root keeps
    its kind, a sub-category takes its parent's."""
    require_perm(actor, "inventory.change_itemcategory")
    category: ItemCategory = _locked(selectors.categories_for(actor), category_id)
    before = snapshot(category, CATEGORY_FIELDS)
    category.code = _category_code(category.organisation_id, code, exclude_pk=category.pk)
    category.parent = _category_parent(category.organisation_id, parent_id, category.pk)
    if kind is None and category.parent is None:
        kind = category.kind  # a root keeps its kind unless a new one is given
    category.kind = _category_kind(category.parent, kind)
    category.name = clean_text(name, field="name", max_length=100, label=_("name"))
    category.order = clean_order(order)
    if is_active is False and before["is_active"]:
        _check_category_unused(category)
    _set_active(category, is_active)
    category.updated_by = actor
    save_unique(category, field="code", message=_category_code_message(category.code))
    _audit(actor, "update", category, before, CATEGORY_FIELDS)
    if category.kind != before["kind"]:
        for descendant in ItemCategory.objects.filter(
            pk__in=selectors.category_subtree_ids(category.pk)[1:]
        ).order_by("pk"):
            old = snapshot(descendant, CATEGORY_FIELDS)
            descendant.kind = category.kind
            descendant.updated_by = actor
            descendant.save(update_fields=["kind", "updated_by", "updated_at"])
            _audit(actor, "update", descendant, old, CATEGORY_FIELDS)
    return category


def _check_category_unused(category: ItemCategory) -> None:
    children = ItemCategory.objects.filter(parent=category, is_active=True).count()
    if children:
        raise Conflict(_("Deactivate its %(count)s active sub-categories first.") % {"count": children})
    items = Item.objects.filter(category=category, is_active=True).count()
    if items:
        raise Conflict(_("Move or deactivate its %(count)s active items first.") % {"count": items})


@transaction.atomic(durable=True)
def category_deactivate(*, actor: User, category_id: int) -> ItemCategory:
    """Deactivate a category with no active sub-categories and no active items."""
    require_perm(actor, "inventory.delete_itemcategory")
    category: ItemCategory = _locked(selectors.categories_for(actor), category_id)
    if not category.is_active:
        return category
    _check_category_unused(category)
    _deactivate(actor, category, CATEGORY_FIELDS)
    return category


def seed_default_categories(organisation: Organisation | int, *, category_model: Any = None) -> int:
    """Create the five default roots (药品 / 低值耗材 / 高值耗材 / 商品 / 物料) that the
    organisation lacks (by code); returns how many were created. No actor: used by the demo and
    by data migrations (which pass their historical model as ``category_model``)."""
    model = category_model or ItemCategory
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    created = 0
    with transaction.atomic():
        existing = set(model.objects.filter(organisation_id=organisation_id).values_list("code", flat=True))
        for order, (code, name, kind) in enumerate(DEFAULT_CATEGORIES, start=1):
            if code in existing:
                continue
            model.objects.create(
                organisation_id=organisation_id, code=code, name=name, kind=str(kind), order=order * 10
            )
            created += 1
    return created


# --- companies and certificates (SPD-01) --------------------------------------------------------------


def _credit_code(value: str | None) -> str:
    """A unified social credit code: 18 characters with a correct check character, or empty."""
    code = (value or "").strip().upper()
    if not code:
        return ""
    message = _(
        "Enter the 18-character unified social credit code (digits and capital letters, "
        "e.g. 91310000MA1K4ABC81) as printed on the business licence."
    )
    if not _CREDIT_CODE.fullmatch(code):
        raise ValidationError(message, field="credit_code")
    total = sum(
        _CREDIT_CHARS.index(ch) * weight for ch, weight in zip(code[:17], _CREDIT_WEIGHTS, strict=True)
    )
    check = _CREDIT_CHARS[(31 - total % 31) % 31]
    if code[17] != check:
        raise ValidationError(
            _("The unified social credit code %(code)s is not valid: its check character is wrong.")
            % {"code": code},
            field="credit_code",
        )
    return code


def _company_code(organisation_id: int, code: str, exclude_pk: int | None = None) -> str:
    return _free_code(
        code,
        lambda clean: Company.objects.filter(organisation_id=organisation_id, code__iexact=clean),
        exclude_pk,
        _company_code_message,
    )


def _company_code_message(code: str) -> str:
    return _("Company code %(code)s is already in use.") % {"code": code}


def _company_values(
    *,
    name: str,
    is_supplier: bool,
    is_manufacturer: bool,
    credit_code: str,
    contact: str,
    phone: str,
    address: str,
) -> dict[str, Any]:
    if not (is_supplier or is_manufacturer):
        raise ValidationError(_("Tick supplier, manufacturer or both."), field="is_supplier")
    name = clean_text(name, field="name", max_length=200, label=_("name"))
    return {
        "name": name,
        "pinyin": search_key(name)[:400],
        "is_supplier": bool(is_supplier),
        "is_manufacturer": bool(is_manufacturer),
        "credit_code": _credit_code(credit_code),
        "contact": _optional_text(contact, field="contact", max_length=50, label=_("contact person")),
        "phone": normalize_phone(phone),
        "address": _optional_text(address, field="address", max_length=200, label=_("address")),
    }


def _certificate_values(
    *,
    kind: str,
    number: str,
    scope: str,
    issued_on: datetime.date | None,
    expires_on: datetime.date | None,
    is_required: bool,
    field_prefix: str = "",
) -> dict[str, Any]:
    kind = _choice(
        kind,
        CertificateKind,
        field=f"{field_prefix}kind",
        message=_("Choose a certificate kind from the list."),
    )
    if issued_on is not None and expires_on is not None and expires_on < issued_on:
        raise ValidationError(
            _("The expiry date cannot be before the issue date."), field=f"{field_prefix}expires_on"
        )
    return {
        "kind": kind,
        "number": clean_text(number, field=f"{field_prefix}number", max_length=64, label=_("certificate no")),
        "scope": _optional_text(scope, field=f"{field_prefix}scope", max_length=500, label=_("scope")),
        "issued_on": issued_on,
        "expires_on": expires_on,
        "is_required": bool(is_required),
    }


def _certificate_taken_message(kind: str, number: str) -> str:
    return _("This company already has the %(kind)s %(number)s.") % {
        "kind": CertificateKind(kind).label,
        "number": number,
    }


def _check_certificate_unique(
    company: Company, kind: str, number: str, exclude_pk: int | None, field: str
) -> None:
    taken = Certificate.objects.filter(company=company, kind=kind, number=number)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(_certificate_taken_message(kind, number), field=field)


@transaction.atomic(durable=True)
def company_create(
    *,
    actor: User,
    code: str,
    name: str,
    is_supplier: bool = True,
    is_manufacturer: bool = False,
    credit_code: str = "",
    contact: str = "",
    phone: str = "",
    address: str = "",
    certificates: Sequence[CertificateInput] = (),
) -> Company:
    """A supplier and/or manufacturer (机构) of the organisation, optionally with certificates."""
    require_perm(actor, "inventory.add_company")
    if certificates:
        require_perm(actor, "inventory.add_certificate")
    organisation_id = actor_organisation_id(actor)
    code = _company_code(organisation_id, code)
    values = _company_values(
        name=name,
        is_supplier=is_supplier,
        is_manufacturer=is_manufacturer,
        credit_code=credit_code,
        contact=contact,
        phone=phone,
        address=address,
    )
    cleaned: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for index, cert in enumerate(certificates):
        data = _certificate_values(
            kind=cert.kind,
            number=cert.number,
            scope=cert.scope,
            issued_on=cert.issued_on,
            expires_on=cert.expires_on,
            is_required=cert.is_required,
            field_prefix=f"certificates.{index}.",
        )
        key = (data["kind"], data["number"])
        if key in seen:
            raise ValidationError(_certificate_taken_message(*key), field=f"certificates.{index}.number")
        seen.add(key)
        cleaned.append(data)
    company = Company(
        organisation_id=organisation_id, code=code, created_by=actor, updated_by=actor, **values
    )
    save_unique(company, field="code", message=_company_code_message(code))
    _audit(actor, "create", company, {}, COMPANY_FIELDS)
    for data in cleaned:
        certificate = Certificate.objects.create(company=company, created_by=actor, updated_by=actor, **data)
        _audit(actor, "create", certificate, {}, CERTIFICATE_FIELDS, organisation_id=organisation_id)
    return company


@transaction.atomic(durable=True)
def company_update(
    *,
    actor: User,
    company_id: int,
    code: str,
    name: str,
    is_supplier: bool,
    is_manufacturer: bool,
    credit_code: str = "",
    contact: str = "",
    phone: str = "",
    address: str = "",
    is_active: bool | None = None,
) -> Company:
    """Change a company. It stays a manufacturer while items name it as theirs."""
    require_perm(actor, "inventory.change_company")
    company: Company = _locked(selectors.companies_for(actor), company_id)
    before = snapshot(company, COMPANY_FIELDS)
    company.code = _company_code(company.organisation_id, code, exclude_pk=company.pk)
    values = _company_values(
        name=name,
        is_supplier=is_supplier,
        is_manufacturer=is_manufacturer,
        credit_code=credit_code,
        contact=contact,
        phone=phone,
        address=address,
    )
    if before["is_manufacturer"] and not values["is_manufacturer"]:
        count = Item.objects.filter(manufacturer=company).count()
        if count:
            raise ValidationError(
                _("%(count)s items name this company as their manufacturer.") % {"count": count},
                field="is_manufacturer",
            )
    for key, value in values.items():
        setattr(company, key, value)
    _set_active(company, is_active)
    company.updated_by = actor
    save_unique(company, field="code", message=_company_code_message(company.code))
    _audit(actor, "update", company, before, COMPANY_FIELDS)
    return company


@transaction.atomic(durable=True)
def company_deactivate(*, actor: User, company_id: int) -> Company:
    """Deactivate a company: it can no longer be chosen as supplier or manufacturer; items that
    name it keep it."""
    require_perm(actor, "inventory.delete_company")
    company: Company = _locked(selectors.companies_for(actor), company_id)
    if not company.is_active:
        return company
    _deactivate(actor, company, COMPANY_FIELDS)
    return company


@transaction.atomic(durable=True)
def certificate_create(
    *,
    actor: User,
    company_id: int,
    kind: str,
    number: str,
    scope: str = "",
    issued_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
    is_required: bool = True,
) -> Certificate:
    """A qualification certificate (资质证照) of a company; ``expires_on`` None: no expiry."""
    require_perm(actor, "inventory.add_certificate")
    company: Company = _locked(selectors.companies_for(actor), company_id)
    values = _certificate_values(
        kind=kind,
        number=number,
        scope=scope,
        issued_on=issued_on,
        expires_on=expires_on,
        is_required=is_required,
    )
    _check_certificate_unique(company, values["kind"], values["number"], None, "number")
    certificate = Certificate(company=company, created_by=actor, updated_by=actor, **values)
    save_unique(
        certificate, field="number", message=_certificate_taken_message(values["kind"], values["number"])
    )
    _audit(actor, "create", certificate, {}, CERTIFICATE_FIELDS, organisation_id=company.organisation_id)
    return certificate


@transaction.atomic(durable=True)
def certificate_update(
    *,
    actor: User,
    certificate_id: int,
    kind: str,
    number: str,
    scope: str = "",
    issued_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
    is_required: bool = True,
) -> Certificate:
    """Change a certificate (a renewed licence: the new number and expiry)."""
    require_perm(actor, "inventory.change_certificate")
    certificate: Certificate = _locked(selectors.certificates_for(actor), certificate_id)
    before = snapshot(certificate, CERTIFICATE_FIELDS)
    values = _certificate_values(
        kind=kind,
        number=number,
        scope=scope,
        issued_on=issued_on,
        expires_on=expires_on,
        is_required=is_required,
    )
    _check_certificate_unique(certificate.company, values["kind"], values["number"], certificate.pk, "number")
    for key, value in values.items():
        setattr(certificate, key, value)
    certificate.updated_by = actor
    save_unique(
        certificate, field="number", message=_certificate_taken_message(values["kind"], values["number"])
    )
    _audit(
        actor,
        "update",
        certificate,
        before,
        CERTIFICATE_FIELDS,
        organisation_id=certificate.company.organisation_id,
    )
    return certificate


@transaction.atomic(durable=True)
def certificate_delete(*, actor: User, certificate_id: int) -> Company:
    """Remove a certificate entered by mistake (the audit keeps its values); returns its company.
    A certificate an alert refers to goes with its alerts."""
    require_perm(actor, "inventory.delete_certificate")
    certificate: Certificate = _locked(selectors.certificates_for(actor), certificate_id)
    company = certificate.company
    before = snapshot(certificate, CERTIFICATE_FIELDS)
    _audit(actor, "delete", certificate, before, CERTIFICATE_FIELDS, organisation_id=company.organisation_id)
    certificate.delete()
    return company


# --- items (INV-02) -----------------------------------------------------------------------------------


def _item_code_message(code: str) -> str:
    return _("Item code %(code)s is already in use.") % {"code": code}


def _item_code(organisation_id: int, code: str, exclude_pk: int | None = None) -> str:
    return _free_code(
        code,
        lambda clean: Item.objects.filter(organisation_id=organisation_id, code__iexact=clean),
        exclude_pk,
        _item_code_message,
    )


def _item_category(organisation_id: int, category_id: int | None, current_id: int | None) -> ItemCategory:
    if category_id is None:
        raise ValidationError(_("Choose the item's category."), field="category")
    category = ItemCategory.objects.filter(pk=category_id, organisation_id=organisation_id).first()
    if category is None:
        raise ValidationError(_("That category does not exist."), field="category")
    if not category.is_active and category.pk != current_id:
        raise ValidationError(_("That category is deactivated."), field="category")
    return category


def _item_manufacturer(
    organisation_id: int, manufacturer_id: int | None, current_id: int | None
) -> Company | None:
    if manufacturer_id is None:
        return None
    company = Company.objects.filter(pk=manufacturer_id, organisation_id=organisation_id).first()
    if company is None:
        raise ValidationError(_("That manufacturer does not exist."), field="manufacturer")
    if not company.is_manufacturer:
        raise ValidationError(
            _("%(company)s is not marked as a manufacturer.") % {"company": company.name},
            field="manufacturer",
        )
    if not company.is_active and company.pk != current_id:
        raise ValidationError(_("That manufacturer is deactivated."), field="manufacturer")
    return company


def _purchase_price(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool | float):
        raise ValidationError(_("Enter a valid amount, for example 1234.50."), field="purchase_price")
    try:
        amount = money.parse(
            value if isinstance(value, int | Decimal) else str(value), field="purchase_price"
        )
    except InvalidOperation:
        raise ValidationError(_("The amount is too large."), field="purchase_price") from None
    if amount < 0:
        raise ValidationError(_("The amount cannot be negative."), field="purchase_price")
    return amount


def _shelf_life(value: Any) -> int | None:
    if value is None or value == "":
        return None
    message = _("The shelf life must be a whole number of days between 1 and %(max)s.") % {
        "max": MAX_SHELF_LIFE_DAYS
    }
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(message, field="shelf_life_days")
    if not 1 <= value <= MAX_SHELF_LIFE_DAYS:
        raise ValidationError(message, field="shelf_life_days")
    return value


def _unpack_target(
    organisation_id: int, item_id: int | None, unpack_item_id: int | None, unpack_quantity: Any
) -> tuple[Item | None, Decimal | None]:
    """What one unit unpacks into: both the item and the quantity, or neither; not the item
    itself, not a serial-tracked item, and no chain that leads back to the item."""
    has_quantity = unpack_quantity not in (None, "")
    if unpack_item_id is None and not has_quantity:
        return None, None
    if unpack_item_id is None:
        raise ValidationError(
            _("Choose the item it unpacks into, or clear the quantity."), field="unpack_item"
        )
    if not has_quantity:
        raise ValidationError(
            _("Enter how many units one unit unpacks into, or clear the item."), field="unpack_quantity"
        )
    if item_id is not None and unpack_item_id == item_id:
        raise ValidationError(_("An item cannot unpack into itself."), field="unpack_item")
    target = Item.objects.filter(pk=unpack_item_id, organisation_id=organisation_id).first()
    if target is None:
        raise ValidationError(_("That item does not exist."), field="unpack_item")
    if target.is_serial_tracked:
        raise ValidationError(
            _("%(item)s is serial tracked: nothing can unpack into it.") % {"item": target},
            field="unpack_item",
        )
    quantity = _quantity(
        unpack_quantity, field="unpack_quantity", label=_("units per unpacked unit"), allow_zero=False
    )
    if item_id is not None:
        seen = {target.pk}
        next_id = target.unpack_item_id
        while next_id is not None and next_id not in seen:
            if next_id == item_id:
                raise ValidationError(
                    _("%(item)s already unpacks (directly or not) into this item.") % {"item": target},
                    field="unpack_item",
                )
            seen.add(next_id)
            next_id = Item.objects.filter(pk=next_id).values_list("unpack_item_id", flat=True).first()
    return target, quantity


def _item_values(
    organisation_id: int,
    item: Item | None,
    *,
    name: str,
    specification: str,
    base_unit: str,
    category_id: int | None,
    manufacturer_id: int | None,
    registration_no: str,
    registration_expires_on: datetime.date | None,
    storage_condition: str,
    shelf_life_days: Any,
    purchase_price: Any,
    is_lot_tracked: bool,
    is_expiry_tracked: bool,
    is_serial_tracked: bool,
    unpack_item_id: int | None,
    unpack_quantity: Any,
) -> dict[str, Any]:
    name = clean_text(name, field="name", max_length=200, label=_("name"))
    if is_serial_tracked and not is_lot_tracked:
        raise ValidationError(_("A serial-tracked item must also be lot tracked."), field="is_lot_tracked")
    if is_expiry_tracked and not is_lot_tracked:
        raise ValidationError(
            _("An expiry-tracked item must also be lot tracked (the expiry date belongs to the lot)."),
            field="is_lot_tracked",
        )
    item_id = item.pk if item is not None else None
    unpack_item, quantity = _unpack_target(organisation_id, item_id, unpack_item_id, unpack_quantity)
    if item is not None and is_serial_tracked and Item.objects.filter(unpack_item=item).exists():
        raise ValidationError(
            _("Other items unpack into this item, so it cannot be serial tracked."), field="is_serial_tracked"
        )
    values = {
        "name": name,
        "pinyin": search_key(name)[:400],
        "specification": _optional_text(
            specification, field="specification", max_length=200, label=_("specification")
        ),
        "base_unit": clean_text(base_unit, field="base_unit", max_length=16, label=_("base unit")),
        "category": _item_category(organisation_id, category_id, item.category_id if item else None),
        "manufacturer": _item_manufacturer(
            organisation_id, manufacturer_id, item.manufacturer_id if item else None
        ),
        "registration_no": _optional_text(
            registration_no, field="registration_no", max_length=64, label=_("registration certificate no")
        ),
        "registration_expires_on": registration_expires_on,
        "storage_condition": _choice(
            storage_condition,
            StorageCondition,
            field="storage_condition",
            message=_("Choose a storage condition from the list."),
        ),
        "shelf_life_days": _shelf_life(shelf_life_days),
        "purchase_price": _purchase_price(purchase_price),
        "is_lot_tracked": bool(is_lot_tracked),
        "is_expiry_tracked": bool(is_expiry_tracked),
        "is_serial_tracked": bool(is_serial_tracked),
        "unpack_item": unpack_item,
        "unpack_quantity": quantity,
    }
    if item is not None:
        changed = any(values[field] != getattr(item, field) for field in ITEM_FROZEN_FIELDS)
        if changed and StockMove.objects.filter(item=item).exists():
            raise ValidationError(
                _("The item already has stock moves: its base unit and tracking can no longer change."),
                field="base_unit",
            )
        names = {unit.name for unit in PackUnit.objects.filter(item=item)}
        if values["base_unit"] in names:
            raise ValidationError(
                _("The item already has a pack unit named %(unit)s.") % {"unit": values["base_unit"]},
                field="base_unit",
            )
    return values


def _pack_unit_values(
    item_base_unit: str, name: str, factor: Any, *, field_prefix: str = ""
) -> dict[str, Any]:
    name = clean_text(name, field=f"{field_prefix}name", max_length=16, label=_("unit"))
    if name == item_base_unit:
        raise ValidationError(
            _("%(unit)s is the base unit already; a pack unit needs another name.") % {"unit": name},
            field=f"{field_prefix}name",
        )
    factor = _quantity(
        factor, field=f"{field_prefix}factor", label=_("base units per unit"), allow_zero=False
    )
    return {"name": name, "factor": factor}


def _pack_unit_taken(name: str) -> str:
    return _("The item already has a pack unit named %(unit)s.") % {"unit": name}


def _barcode_taken(code: str, holder: Item) -> str:
    return _("Barcode %(code)s already belongs to %(code_of_item)s %(item)s.") % {
        "code": code,
        "code_of_item": holder.code,
        "item": holder,
    }


def _check_barcode_free(organisation_id: int, code: str, exclude_pk: int | None, field: str) -> None:
    taken = ItemBarcode.objects.select_related("item").filter(organisation_id=organisation_id, code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    holder = taken.first()
    if holder is not None:
        raise ValidationError(_barcode_taken(code, holder.item), field=field)


def _level_values(min_quantity: Any, max_quantity: Any, *, field_prefix: str = "") -> dict[str, Any]:
    minimum = _quantity(
        Decimal(0) if min_quantity in (None, "") else min_quantity,
        field=f"{field_prefix}min_quantity",
        label=_("minimum"),
        allow_zero=True,
    )
    maximum = None
    if max_quantity not in (None, ""):
        maximum = _quantity(
            max_quantity, field=f"{field_prefix}max_quantity", label=_("maximum"), allow_zero=True
        )
        if maximum < minimum:
            raise ValidationError(
                _("The maximum cannot be below the minimum."), field=f"{field_prefix}max_quantity"
            )
    return {"min_quantity": minimum, "max_quantity": maximum}


def _level_warehouse(actor: User, warehouse_id: int | None, *, field: str = "warehouse") -> Warehouse:
    warehouse = (
        selectors.warehouses_for(actor).filter(pk=warehouse_id).first() if warehouse_id is not None else None
    )
    if warehouse is None:
        raise ValidationError(_("Choose one of your warehouses."), field=field)
    if not warehouse.is_active:
        raise ValidationError(_("That warehouse is deactivated."), field=field)
    return warehouse


def _audit_item(
    actor: User, action: str, obj: Model, before: dict[str, Any], fields: Iterable[str], item: Item
) -> None:
    _audit(actor, action, obj, before, fields, organisation_id=item.organisation_id)


@transaction.atomic(durable=True)
def item_create(
    *,
    actor: User,
    code: str,
    name: str,
    base_unit: str,
    category_id: int | None,
    specification: str = "",
    manufacturer_id: int | None = None,
    registration_no: str = "",
    registration_expires_on: datetime.date | None = None,
    storage_condition: str = StorageCondition.ROOM,
    shelf_life_days: int | None = None,
    purchase_price: Decimal | str | int | None = None,
    is_lot_tracked: bool = True,
    is_expiry_tracked: bool = True,
    is_serial_tracked: bool = False,
    unpack_item_id: int | None = None,
    unpack_quantity: Decimal | str | int | None = None,
    pack_units: Sequence[PackUnitInput] = (),
    barcodes: Sequence[BarcodeInput] = (),
    levels: Sequence[LevelInput] = (),
) -> Item:
    """An item of the master (产品信息) with its pack units, barcodes and stock levels; search
    keys (full pinyin and initials) come from the name."""
    require_perm(actor, "inventory.add_item")
    for rows, perm in (
        (pack_units, "add_packunit"),
        (barcodes, "add_itembarcode"),
        (levels, "add_stocklevel"),
    ):
        if rows:
            require_perm(actor, f"inventory.{perm}")
    organisation_id = actor_organisation_id(actor)
    code = _item_code(organisation_id, code)
    values = _item_values(
        organisation_id,
        None,
        name=name,
        specification=specification,
        base_unit=base_unit,
        category_id=category_id,
        manufacturer_id=manufacturer_id,
        registration_no=registration_no,
        registration_expires_on=registration_expires_on,
        storage_condition=storage_condition,
        shelf_life_days=shelf_life_days,
        purchase_price=purchase_price,
        is_lot_tracked=is_lot_tracked,
        is_expiry_tracked=is_expiry_tracked,
        is_serial_tracked=is_serial_tracked,
        unpack_item_id=unpack_item_id,
        unpack_quantity=unpack_quantity,
    )
    units: list[dict[str, Any]] = []
    for index, unit in enumerate(pack_units):
        data = _pack_unit_values(
            values["base_unit"], unit.name, unit.factor, field_prefix=f"pack_units.{index}."
        )
        if any(other["name"] == data["name"] for other in units):
            raise ValidationError(_pack_unit_taken(data["name"]), field=f"pack_units.{index}.name")
        units.append(data)
    codes: list[tuple[str, str | None]] = []
    for index, barcode in enumerate(barcodes):
        field = f"barcodes.{index}.code"
        normalised = normalise_barcode(barcode.code, field=field)
        unit_name = (barcode.pack_unit or "").strip() or None
        if unit_name is not None and unit_name != values["base_unit"]:
            if not any(unit["name"] == unit_name for unit in units):
                raise ValidationError(
                    _("The item has no unit %(unit)s.") % {"unit": unit_name},
                    field=f"barcodes.{index}.pack_unit",
                )
        else:
            unit_name = None
        if any(normalised == other for other, _unit in codes):
            raise ValidationError(_("Barcode %(code)s is listed twice.") % {"code": normalised}, field=field)
        _check_barcode_free(organisation_id, normalised, None, field)
        codes.append((normalised, unit_name))
    level_rows: list[tuple[Warehouse, dict[str, Any]]] = []
    for index, level in enumerate(levels):
        prefix = f"levels.{index}."
        warehouse = _level_warehouse(actor, level.warehouse_id, field=f"{prefix}warehouse_id")
        if any(other.pk == warehouse.pk for other, _data in level_rows):
            raise ValidationError(
                _("%(warehouse)s is listed twice.") % {"warehouse": warehouse.name},
                field=f"{prefix}warehouse_id",
            )
        level_rows.append(
            (warehouse, _level_values(level.min_quantity, level.max_quantity, field_prefix=prefix))
        )

    item = Item(organisation_id=organisation_id, code=code, created_by=actor, updated_by=actor, **values)
    save_unique(item, field="code", message=_item_code_message(code))
    _audit(actor, "create", item, {}, ITEM_FIELDS)
    by_name: dict[str, PackUnit] = {}
    for data in units:
        unit_row = PackUnit.objects.create(item=item, **data)
        by_name[unit_row.name] = unit_row
        _audit_item(actor, "create", unit_row, {}, PACK_UNIT_FIELDS, item)
    for normalised, unit_name in codes:
        barcode_row = ItemBarcode(
            organisation_id=organisation_id,
            item=item,
            code=normalised,
            pack_unit=by_name[unit_name] if unit_name else None,
        )
        save_unique(
            barcode_row,
            field="barcodes",
            message=_("Barcode %(code)s is already in use.") % {"code": normalised},
        )
        _audit_item(actor, "create", barcode_row, {}, BARCODE_FIELDS, item)
    for warehouse, data in level_rows:
        level_row = StockLevel.objects.create(item=item, warehouse=warehouse, **data)
        _audit(
            actor,
            "create",
            level_row,
            {},
            LEVEL_FIELDS,
            organisation_id=organisation_id,
            branch_id=warehouse.branch_id,
        )
    return item


@transaction.atomic(durable=True)
def item_update(
    *,
    actor: User,
    item_id: int,
    code: str,
    name: str,
    base_unit: str,
    category_id: int | None,
    specification: str = "",
    manufacturer_id: int | None = None,
    registration_no: str = "",
    registration_expires_on: datetime.date | None = None,
    storage_condition: str = StorageCondition.ROOM,
    shelf_life_days: int | None = None,
    purchase_price: Decimal | str | int | None = None,
    is_lot_tracked: bool = True,
    is_expiry_tracked: bool = True,
    is_serial_tracked: bool = False,
    unpack_item_id: int | None = None,
    unpack_quantity: Decimal | str | int | None = None,
    is_active: bool | None = None,
) -> Item:
    """Change an item. Once it has stock moves its base unit and tracking flags are fixed."""
    require_perm(actor, "inventory.change_item")
    item: Item = _locked(selectors.items_for(actor), item_id)
    before = snapshot(item, ITEM_FIELDS)
    item_code = _item_code(item.organisation_id, code, exclude_pk=item.pk)
    values = _item_values(
        item.organisation_id,
        item,
        name=name,
        specification=specification,
        base_unit=base_unit,
        category_id=category_id,
        manufacturer_id=manufacturer_id,
        registration_no=registration_no,
        registration_expires_on=registration_expires_on,
        storage_condition=storage_condition,
        shelf_life_days=shelf_life_days,
        purchase_price=purchase_price,
        is_lot_tracked=is_lot_tracked,
        is_expiry_tracked=is_expiry_tracked,
        is_serial_tracked=is_serial_tracked,
        unpack_item_id=unpack_item_id,
        unpack_quantity=unpack_quantity,
    )
    item.code = item_code
    for key, value in values.items():
        setattr(item, key, value)
    _set_active(item, is_active)
    item.updated_by = actor
    save_unique(item, field="code", message=_item_code_message(item.code))
    _audit(actor, "update", item, before, ITEM_FIELDS)
    return item


@transaction.atomic(durable=True)
def item_deactivate(*, actor: User, item_id: int) -> Item:
    """Deactivate an item: it is no longer offered in documents; its stock and history stay."""
    require_perm(actor, "inventory.delete_item")
    item: Item = _locked(selectors.items_for(actor), item_id)
    if not item.is_active:
        return item
    _deactivate(actor, item, ITEM_FIELDS)
    return item


def _locked_item(actor: User, item_id: int) -> Item:
    item: Item = _locked(selectors.items_for(actor), item_id)
    return item


def _child_of_item[M: Model](actor: User, model: type[M], pk: int) -> M:
    """A pack unit or barcode of an item the actor sees, locked with its item."""
    row = (
        model._default_manager.select_related("item")
        .filter(pk=pk, item__in=selectors.items_for(actor))
        .first()
    )
    if row is None:
        raise NotFound()
    _locked_item(actor, row.item_id)  # type: ignore[attr-defined]
    return model._default_manager.select_for_update(of=("self",)).select_related("item").get(pk=pk)


@transaction.atomic(durable=True)
def packunit_create(*, actor: User, item_id: int, name: str, factor: Decimal | str | int) -> PackUnit:
    """A pack level of an item: ``factor`` base units make one (1 盒 = 10 支)."""
    require_perm(actor, "inventory.add_packunit")
    item = _locked_item(actor, item_id)
    data = _pack_unit_values(item.base_unit, name, factor)
    if PackUnit.objects.filter(item=item, name=data["name"]).exists():
        raise ValidationError(_pack_unit_taken(data["name"]), field="name")
    unit = PackUnit(item=item, **data)
    save_unique(unit, field="name", message=_pack_unit_taken(data["name"]))
    _audit_item(actor, "create", unit, {}, PACK_UNIT_FIELDS, item)
    return unit


@transaction.atomic(durable=True)
def packunit_update(*, actor: User, pack_unit_id: int, name: str, factor: Decimal | str | int) -> PackUnit:
    """Rename a pack unit or change its factor (documents keep the base quantities they stored)."""
    require_perm(actor, "inventory.change_packunit")
    unit = _child_of_item(actor, PackUnit, pack_unit_id)
    before = snapshot(unit, PACK_UNIT_FIELDS)
    data = _pack_unit_values(unit.item.base_unit, name, factor)
    if PackUnit.objects.filter(item_id=unit.item_id, name=data["name"]).exclude(pk=unit.pk).exists():
        raise ValidationError(_pack_unit_taken(data["name"]), field="name")
    unit.name, unit.factor = data["name"], data["factor"]
    save_unique(unit, field="name", message=_pack_unit_taken(data["name"]))
    _audit_item(actor, "update", unit, before, PACK_UNIT_FIELDS, unit.item)
    return unit


@transaction.atomic(durable=True)
def packunit_delete(*, actor: User, pack_unit_id: int) -> Item:
    """Remove a pack unit no document uses; its barcodes go with it. Returns the item."""
    require_perm(actor, "inventory.delete_packunit")
    unit = _child_of_item(actor, PackUnit, pack_unit_id)
    item = unit.item
    before = snapshot(unit, PACK_UNIT_FIELDS)
    barcodes = list(ItemBarcode.objects.filter(pack_unit=unit).order_by("pk"))
    try:
        with transaction.atomic():
            for barcode in barcodes:
                _audit_item(actor, "delete", barcode, snapshot(barcode, BARCODE_FIELDS), BARCODE_FIELDS, item)
            _audit_item(actor, "delete", unit, before, PACK_UNIT_FIELDS, item)
            unit.delete()
    except ProtectedError as exc:
        raise Conflict(
            _("Stock documents use the unit %(unit)s, so it cannot be removed.") % {"unit": unit.name}
        ) from exc
    return item


def _barcode_unit(item: Item, pack_unit_id: int | None) -> PackUnit | None:
    if pack_unit_id is None:
        return None
    unit = PackUnit.objects.filter(pk=pack_unit_id, item=item).first()
    if unit is None:
        raise ValidationError(
            _("%(item)s has no unit with id %(unit)s.") % {"item": item, "unit": pack_unit_id},
            field="pack_unit",
        )
    return unit


@transaction.atomic(durable=True)
def barcode_create(*, actor: User, item_id: int, code: str, pack_unit_id: int | None = None) -> ItemBarcode:
    """A barcode (GTIN / UDI-DI or an in-house code) of an item's base unit or pack unit; unique
    within the organisation."""
    require_perm(actor, "inventory.add_itembarcode")
    item = _locked_item(actor, item_id)
    normalised = normalise_barcode(code)
    unit = _barcode_unit(item, pack_unit_id)
    _check_barcode_free(item.organisation_id, normalised, None, "code")
    barcode = ItemBarcode(organisation_id=item.organisation_id, item=item, code=normalised, pack_unit=unit)
    save_unique(
        barcode, field="code", message=_("Barcode %(code)s is already in use.") % {"code": normalised}
    )
    _audit_item(actor, "create", barcode, {}, BARCODE_FIELDS, item)
    return barcode


@transaction.atomic(durable=True)
def barcode_update(
    *, actor: User, barcode_id: int, code: str, pack_unit_id: int | None = None
) -> ItemBarcode:
    require_perm(actor, "inventory.change_itembarcode")
    barcode = _child_of_item(actor, ItemBarcode, barcode_id)
    before = snapshot(barcode, BARCODE_FIELDS)
    normalised = normalise_barcode(code)
    unit = _barcode_unit(barcode.item, pack_unit_id)
    _check_barcode_free(barcode.organisation_id, normalised, barcode.pk, "code")
    barcode.code, barcode.pack_unit = normalised, unit
    save_unique(
        barcode, field="code", message=_("Barcode %(code)s is already in use.") % {"code": normalised}
    )
    _audit_item(actor, "update", barcode, before, BARCODE_FIELDS, barcode.item)
    return barcode


@transaction.atomic(durable=True)
def barcode_delete(*, actor: User, barcode_id: int) -> Item:
    """Remove a barcode; returns its item."""
    require_perm(actor, "inventory.delete_itembarcode")
    barcode = _child_of_item(actor, ItemBarcode, barcode_id)
    item = barcode.item
    _audit_item(actor, "delete", barcode, snapshot(barcode, BARCODE_FIELDS), BARCODE_FIELDS, item)
    barcode.delete()
    return item


@transaction.atomic(durable=True)
def stocklevel_create(
    *,
    actor: User,
    item_id: int,
    warehouse_id: int,
    min_quantity: Decimal | str | int = Decimal(0),
    max_quantity: Decimal | str | int | None = None,
) -> StockLevel:
    """Minimum and maximum stock of an item in one of the actor's warehouses (base units)."""
    require_perm(actor, "inventory.add_stocklevel")
    item = _locked_item(actor, item_id)
    warehouse = _level_warehouse(actor, warehouse_id)
    data = _level_values(min_quantity, max_quantity)
    message = _("%(item)s already has levels for %(warehouse)s; edit them instead.") % {
        "item": item,
        "warehouse": warehouse.name,
    }
    if StockLevel.objects.filter(item=item, warehouse=warehouse).exists():
        raise ValidationError(message, field="warehouse")
    level = StockLevel(item=item, warehouse=warehouse, **data)
    save_unique(level, field="warehouse", message=message)
    _audit(
        actor,
        "create",
        level,
        {},
        LEVEL_FIELDS,
        organisation_id=item.organisation_id,
        branch_id=warehouse.branch_id,
    )
    return level


def _locked_level(actor: User, level_id: int) -> StockLevel:
    level = selectors.levels_for(actor).filter(pk=level_id, item__in=selectors.items_for(actor)).first()
    if level is None:
        raise NotFound()
    _locked_item(actor, level.item_id)
    return (
        StockLevel.objects.select_for_update(of=("self",))
        .select_related("item", "warehouse")
        .get(pk=level_id)
    )


@transaction.atomic(durable=True)
def stocklevel_update(
    *,
    actor: User,
    level_id: int,
    min_quantity: Decimal | str | int = Decimal(0),
    max_quantity: Decimal | str | int | None = None,
) -> StockLevel:
    require_perm(actor, "inventory.change_stocklevel")
    level = _locked_level(actor, level_id)
    before = snapshot(level, LEVEL_FIELDS)
    data = _level_values(min_quantity, max_quantity)
    level.min_quantity, level.max_quantity = data["min_quantity"], data["max_quantity"]
    level.save()
    _audit(
        actor,
        "update",
        level,
        before,
        LEVEL_FIELDS,
        organisation_id=level.item.organisation_id,
        branch_id=level.warehouse.branch_id,
    )
    return level


@transaction.atomic(durable=True)
def stocklevel_delete(*, actor: User, level_id: int) -> Item:
    """Remove an item's levels in one warehouse (no more shortage or overstock alerts there)."""
    require_perm(actor, "inventory.delete_stocklevel")
    level = _locked_level(actor, level_id)
    item = level.item
    _audit(
        actor,
        "delete",
        level,
        snapshot(level, LEVEL_FIELDS),
        LEVEL_FIELDS,
        organisation_id=item.organisation_id,
        branch_id=level.warehouse.branch_id,
    )
    level.delete()
    return item
