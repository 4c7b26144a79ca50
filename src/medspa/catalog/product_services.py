"""Writes of products (CAT-02) and packages (CAT-03).

A product (物品登记) is a retail good or drug sold over the counter: an active inventory item of
the organisation, sold per one of its units (the base unit or a pack unit — the retail price is
per that unit). At most one active product sells an item in one unit.

A package (套餐) is sessions of projects and quantities of products at one price. Every save
stores, per component, the unit list price at that moment (project ``list_price``, product
``retail_price``) and the share of the package price allocated to it in proportion to its list
value (:func:`allocate`). A package price above the components' list value is allowed (pages
warn about it); components without any list value are refused, since there would be nothing to
allocate in proportion to.

Every service checks the permission first, validates everything before it writes and records one
audit event (module ``catalog``) per changed row inside its transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from medspa.accounts.models import User
from medspa.accounts.scope import actor_organisation_id, require_perm
from medspa.audit.services import audit_record, diff, snapshot
from medspa.catalog import product_selectors as selectors
from medspa.catalog.choices import ComponentKind
from medspa.catalog.models import Category, Package, PackageComponent, Product, Project
from medspa.catalog.product_selectors import valid_pk
from medspa.catalog.scope import organisation_objects
from medspa.core import money
from medspa.core.errors import Conflict, NotFound, ValidationError
from medspa.core.pinyin import search_key
from medspa.core.validation import clean_code, clean_text, save_unique
from medspa.inventory.models import Item, PackUnit

__all__ = [
    "MAX_QUANTITY",
    "MAX_VALIDITY_DAYS",
    "ComponentInput",
    "allocate",
    "package_create",
    "package_deactivate",
    "package_update",
    "product_create",
    "product_deactivate",
    "product_update",
]

MODULE = "catalog"
MAX_QUANTITY = 9999  # sessions or units of one component
MAX_VALIDITY_DAYS = 36500
MAX_MONEY = Decimal("999999999999.99")

PRODUCT_FIELDS = (
    "code",
    "name",
    "category",
    "item",
    "pack_unit",
    "retail_price",
    "is_prescription",
    "description",
    "is_active",
)
PACKAGE_FIELDS = ("code", "name", "category", "price", "validity_days", "description", "is_active")


# --- allocation ---------------------------------------------------------------------------------------


def allocate(price: Decimal, values: Sequence[Decimal]) -> list[Decimal]:
    """Split ``price`` over components of list value ``values`` in proportion to them.

    Each share is rounded to the fen (half-up, ``core.money``) with the largest-remainder method:
    every share is the exact proportional share rounded down to the fen, and the fen left over go
    one each to the shares with the largest remainders (ties: the earlier component). So
    Σ shares == price exactly, each share is within one fen of its exact share and never
    negative, and the same input always gives the same output. Refused (``ValueError``): a
    negative price or value, no values, or values that are all zero."""
    if not values:
        raise ValueError("nothing to allocate over")
    if price < 0:
        raise ValueError("the price must not be negative")
    return money.allocate(price, list(values))


# --- shared -------------------------------------------------------------------------------------------


def _audit(
    actor: User, action: str, obj: Model, before: dict[str, Any], after: dict[str, Any] | None = None
) -> None:
    fields = PRODUCT_FIELDS if isinstance(obj, Product) else PACKAGE_FIELDS
    audit_record(
        actor=actor,
        module=MODULE,
        action=action,
        obj=obj,
        changes=diff(before, after if after is not None else snapshot(obj, fields)),
    )


def _locked[M: Model](queryset: QuerySet[M], pk: int) -> M:
    """One row of a scoped queryset under ``SELECT … FOR UPDATE``; NotFound outside the scope."""
    obj = queryset.select_for_update(of=("self",)).filter(pk=pk).first() if valid_pk(pk) else None
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


def _amount(value: Any, *, field: str, label: str) -> Decimal:
    """An amount in yuan: a number with at most two decimals, zero or more."""
    message = _("Enter the %(field)s as an amount in yuan, for example 198 or 1280.50.") % {"field": label}
    if value is None or isinstance(value, bool | float):
        raise ValidationError(message, field=field)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(message, field=field) from None
    if not amount.is_finite():
        raise ValidationError(message, field=field)
    if amount < 0:
        raise ValidationError(_("The %(field)s cannot be negative.") % {"field": label}, field=field)
    if amount > MAX_MONEY:
        raise ValidationError(_("The %(field)s is too large.") % {"field": label}, field=field)
    if amount != amount.quantize(money.FEN):
        raise ValidationError(
            _("The %(field)s may have at most two decimal places (fen).") % {"field": label}, field=field
        )
    return money.quantize(amount)


def _whole(value: Any) -> int | None:
    """An int from an int or a string of digits (never a bool or a float); None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _category(
    actor: User, category_id: int | None, *, current_id: int | None, required: bool, active: bool
) -> Category | None:
    """A category of the actor's organisation; an inactive one only when it is the current one
    and the record is not being (re)activated."""
    if category_id is None:
        if required:
            raise ValidationError(_("Choose a category."), field="category")
        return None
    category = (
        organisation_objects(actor, Category).filter(pk=category_id).first()
        if valid_pk(category_id)
        else None
    )
    if category is None:
        raise ValidationError(_("That category does not exist."), field="category")
    if not category.is_active and (category.pk != current_id or active):
        raise ValidationError(
            _("The category %(name)s is deactivated.") % {"name": category.name}, field="category"
        )
    return category


def _code_taken_message(code: str) -> str:
    return _("Code %(code)s is already in use.") % {"code": code}


def _free_code(queryset: QuerySet[Any], code: str, exclude_pk: int | None) -> str:
    clean = clean_code(code)
    rows = queryset.filter(code__iexact=clean)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    if rows.exists():
        raise ValidationError(_code_taken_message(clean), field="code")
    return clean


# --- products (CAT-02) --------------------------------------------------------------------------------


def _item_label(item: Item) -> str:
    return f"{item.code} {item.name}"


def _product_item(actor: User, item_id: int | None, *, current_id: int | None, active: bool) -> Item:
    """An item of the actor's organisation; it must be active unless it is the product's current
    item and the product stays inactive."""
    if item_id is None:
        raise ValidationError(_("Choose the inventory item the product is issued from."), field="item")
    organisation_id = actor_organisation_id(actor)
    item = (
        Item.objects.filter(organisation_id=organisation_id, pk=item_id).first()
        if valid_pk(item_id)
        else None
    )
    if item is None:
        raise ValidationError(_("That inventory item does not exist."), field="item")
    if not item.is_active and (item.pk != current_id or active):
        raise ValidationError(
            _("The inventory item %(item)s is deactivated; a product must sell an active item.")
            % {"item": _item_label(item)},
            field="item",
        )
    return item


def _pack_unit(item: Item, pack_unit_id: int | None) -> PackUnit | None:
    if pack_unit_id is None:
        return None
    unit = PackUnit.objects.filter(pk=pack_unit_id, item=item).first() if valid_pk(pack_unit_id) else None
    if unit is None:
        raise ValidationError(
            _("That unit is not a pack unit of %(item)s; choose one of its units.")
            % {"item": _item_label(item)},
            field="pack_unit",
        )
    return unit


def _unit_name(item: Item, unit: PackUnit | None) -> str:
    return unit.name if unit is not None else item.base_unit


def _check_single_active(product: Product) -> None:
    """No other active product sells the same item in the same unit."""
    other = (
        Product.objects.filter(item_id=product.item_id, pack_unit_id=product.pack_unit_id, is_active=True)
        .exclude(pk=product.pk)
        .first()
    )
    if other is not None:
        raise ValidationError(
            _(
                "Product %(code)s %(name)s already sells %(item)s per %(unit)s. Change or deactivate "
                "that product instead of adding a second one."
            )
            % {
                "code": other.code,
                "name": other.name,
                "item": _item_label(product.item),
                "unit": _unit_name(product.item, product.pack_unit),
            },
            field="pack_unit",
        )


def _save_product(product: Product) -> None:
    """Save; a unique constraint that a concurrent write got past the checks comes back as the
    same clear message the checks give."""
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:
        _free_code(Product.objects.filter(organisation_id=product.organisation_id), product.code, product.pk)
        if product.is_active:
            _check_single_active(product)
        raise ValidationError(_code_taken_message(product.code), field="code") from exc


def _product_values(
    actor: User,
    current: Product | None,
    *,
    name: str,
    category_id: int | None,
    item_id: int | None,
    pack_unit_id: int | None,
    retail_price: Decimal | str | int,
    is_prescription: bool,
    description: str,
    active: bool,
) -> dict[str, Any]:
    name = clean_text(name, field="name", max_length=100, label=_("name"))
    item = _product_item(
        actor, item_id, current_id=current.item_id if current is not None else None, active=active
    )
    return {
        "name": name,
        "pinyin": search_key(name)[:400],
        "category": _category(
            actor,
            category_id,
            current_id=current.category_id if current is not None else None,
            required=True,
            active=active,
        ),
        "item": item,
        "pack_unit": _pack_unit(item, pack_unit_id),
        "retail_price": _amount(retail_price, field="retail_price", label=_("retail price")),
        "is_prescription": bool(is_prescription),
        "description": _optional_text(
            description, field="description", max_length=2000, label=_("description")
        ),
    }


@transaction.atomic(durable=True)
def product_create(
    *,
    actor: User,
    code: str,
    name: str,
    category_id: int | None,
    item_id: int | None,
    retail_price: Decimal | str | int,
    pack_unit_id: int | None = None,
    is_prescription: bool = False,
    description: str = "",
) -> Product:
    """A product selling an active inventory item of the organisation per ``pack_unit_id`` (one
    of the item's pack units; None: its base unit) at ``retail_price`` per that unit."""
    require_perm(actor, "catalog.add_product")
    organisation_id = actor_organisation_id(actor)
    code = _free_code(Product.objects.filter(organisation_id=organisation_id), code, None)
    values = _product_values(
        actor,
        None,
        name=name,
        category_id=category_id,
        item_id=item_id,
        pack_unit_id=pack_unit_id,
        retail_price=retail_price,
        is_prescription=is_prescription,
        description=description,
        active=True,
    )
    product = Product(
        organisation_id=organisation_id, code=code, created_by=actor, updated_by=actor, **values
    )
    _check_single_active(product)
    _save_product(product)
    _audit(actor, "create", product, {})
    return product


@transaction.atomic(durable=True)
def product_update(
    *,
    actor: User,
    product_id: int,
    code: str,
    name: str,
    category_id: int | None,
    item_id: int | None,
    retail_price: Decimal | str | int,
    pack_unit_id: int | None = None,
    is_prescription: bool = False,
    description: str = "",
    is_active: bool | None = None,
) -> Product:
    """Change a product; ``is_active`` None keeps its state, False applies the deactivation
    rules, True reactivates it (its item and category must then be active). The packages that
    hold it keep their stored list prices until they are saved again."""
    require_perm(actor, "catalog.change_product")
    product = _locked(organisation_objects(actor, Product), product_id)
    before = snapshot(product, PRODUCT_FIELDS)
    stays_active = product.is_active if is_active is None else bool(is_active)
    activating = stays_active and not product.is_active
    code = _free_code(
        Product.objects.filter(organisation_id=product.organisation_id), code, exclude_pk=product.pk
    )
    values = _product_values(
        actor,
        product,
        name=name,
        category_id=category_id,
        item_id=item_id,
        pack_unit_id=pack_unit_id,
        retail_price=retail_price,
        is_prescription=is_prescription,
        description=description,
        active=activating,
    )
    if product.is_active and not stays_active:
        _check_product_unused(actor, product)
    product.code = code
    for key, value in values.items():
        setattr(product, key, value)
    product.is_active = stays_active
    product.updated_by = actor
    if stays_active:
        _check_single_active(product)
    _save_product(product)
    _audit(actor, "update", product, before)
    return product


def _check_product_unused(actor: User, product: Product) -> None:
    """A product in an active package cannot be deactivated (the package could not be sold)."""
    packages = list(selectors.packages_containing(actor, product_id=product.pk)[:5])
    if packages:
        raise Conflict(
            _(
                "%(product)s is a component of the active packages %(packages)s; "
                "change or deactivate them first."
            )
            % {
                "product": f"{product.code} {product.name}",
                "packages": "、".join(f"{package.code} {package.name}" for package in packages),
            }
        )


@transaction.atomic(durable=True)
def product_deactivate(*, actor: User, product_id: int) -> Product:
    """Deactivate a product that no active package holds: it can no longer be sold or chosen."""
    require_perm(actor, "catalog.delete_product")
    product = _locked(organisation_objects(actor, Product), product_id)
    if not product.is_active:
        return product
    _check_product_unused(actor, product)
    before = snapshot(product, PRODUCT_FIELDS)
    product.is_active = False
    product.updated_by = actor
    product.save(update_fields=["is_active", "updated_by", "updated_at"])
    _audit(actor, "deactivate", product, before)
    return product


# --- packages (CAT-03) --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentInput:
    """One component of a package: ``quantity`` sessions of project ``project_id`` (kind
    ``project``) or units of product ``product_id`` (kind ``product``)."""

    kind: str
    project_id: int | None = None
    product_id: int | None = None
    quantity: int | str = 1


@dataclass
class _Resolved:
    kind: str
    project: Project | None
    product: Product | None
    quantity: int
    list_price: Decimal

    @property
    def target_id(self) -> tuple[str, int]:
        target = self.project if self.project is not None else self.product
        assert target is not None  # noqa: S101 - set by _resolve
        return (self.kind, target.pk)

    @property
    def list_value(self) -> Decimal:
        return self.list_price * self.quantity


def _target_label(target: Project | Product) -> str:
    return f"{target.code} {target.name}"


def _resolve(actor: User, components: Sequence[ComponentInput]) -> list[_Resolved]:
    """The components with their project or product of the organisation (active) and their
    current unit list price; every refusal names the component's field."""
    if not components:
        raise ValidationError(
            _("Add at least one component: sessions of a project or units of a product."), field="components"
        )
    projects = organisation_objects(actor, Project)
    products = organisation_objects(actor, Product)
    resolved: list[_Resolved] = []
    seen: set[tuple[str, int]] = set()
    for index, component in enumerate(components):
        prefix = f"components.{index}."
        target: Project | Product | None
        if component.kind == ComponentKind.PROJECT:
            target_id, field = component.project_id, f"{prefix}project"
            if target_id is None or component.product_id is not None:
                raise ValidationError(_("Choose the project of the component (and no product)."), field=field)
            target = projects.filter(pk=target_id).first() if valid_pk(target_id) else None
            missing = _("That project does not exist.")
        elif component.kind == ComponentKind.PRODUCT:
            target_id, field = component.product_id, f"{prefix}product"
            if target_id is None or component.project_id is not None:
                raise ValidationError(_("Choose the product of the component (and no project)."), field=field)
            target = products.filter(pk=target_id).first() if valid_pk(target_id) else None
            missing = _("That product does not exist.")
        else:
            raise ValidationError(_("A component is a project or a product."), field=f"{prefix}kind")
        if target is None:
            raise ValidationError(missing, field=field)
        if not target.is_active:
            raise ValidationError(
                _("%(target)s is deactivated and cannot be put in a package.")
                % {"target": _target_label(target)},
                field=field,
            )
        quantity = _whole(component.quantity)
        if quantity is None or quantity < 1 or quantity > MAX_QUANTITY:
            raise ValidationError(
                _("The quantity of %(target)s must be a whole number from 1 to %(max)s.")
                % {"target": _target_label(target), "max": MAX_QUANTITY},
                field=f"{prefix}quantity",
            )
        key = (str(component.kind), target.pk)
        if key in seen:
            raise ValidationError(
                _("%(target)s is listed twice; put its total quantity in one row.")
                % {"target": _target_label(target)},
                field=field,
            )
        seen.add(key)
        if isinstance(target, Project):
            resolved.append(_Resolved(ComponentKind.PROJECT, target, None, quantity, target.list_price))
        else:
            resolved.append(_Resolved(ComponentKind.PRODUCT, None, target, quantity, target.retail_price))
    if sum((row.list_value for row in resolved), Decimal(0)) == 0:
        raise ValidationError(
            _(
                "The components have no list value (every list price is zero), so there is nothing to "
                "allocate the package price in proportion to."
            ),
            field="components",
        )
    return resolved


def _validity(value: Any) -> int | None:
    if value is None or value == "":
        return None
    days = _whole(value)
    if days is None or days < 1 or days > MAX_VALIDITY_DAYS:
        raise ValidationError(
            _("The validity is a number of days from 1 to %(max)s; leave it empty for no expiry.")
            % {"max": MAX_VALIDITY_DAYS},
            field="validity_days",
        )
    return days


def _package_values(
    actor: User,
    current: Package | None,
    *,
    name: str,
    price: Decimal | str | int,
    category_id: int | None,
    validity_days: int | None,
    description: str,
    active: bool,
) -> dict[str, Any]:
    name = clean_text(name, field="name", max_length=100, label=_("name"))
    return {
        "name": name,
        "pinyin": search_key(name)[:400],
        "price": _amount(price, field="price", label=_("package price")),
        "category": _category(
            actor,
            category_id,
            current_id=current.category_id if current is not None else None,
            required=False,
            active=active,
        ),
        "validity_days": _validity(validity_days),
        "description": _optional_text(
            description, field="description", max_length=2000, label=_("description")
        ),
    }


def _components_snapshot(package: Package) -> list[dict[str, Any]]:
    return [
        {
            "kind": row.kind,
            "project": row.project_id,
            "product": row.product_id,
            "quantity": row.quantity,
            "list_price": str(row.list_price),
            "allocated_amount": str(row.allocated_amount),
        }
        for row in PackageComponent.objects.filter(package=package).order_by("order", "pk")
    ]


def _package_snapshot(package: Package) -> dict[str, Any]:
    return {**snapshot(package, PACKAGE_FIELDS), "components": _components_snapshot(package)}


def _store_components(package: Package, resolved: list[_Resolved]) -> None:
    """Write the components with their allocation: rows for the same project or product are
    kept and updated, the others removed or added."""
    shares = allocate(package.price, [row.list_value for row in resolved])
    existing = {
        (row.kind, row.project_id or row.product_id): row
        for row in PackageComponent.objects.filter(package=package).select_for_update()
    }
    wanted = {row.target_id for row in resolved}
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    if stale:
        PackageComponent.objects.filter(pk__in=stale).delete()
    for order, (row, share) in enumerate(zip(resolved, shares, strict=True)):
        component = existing.get(row.target_id) or PackageComponent(
            package=package, kind=row.kind, project=row.project, product=row.product
        )
        component.quantity = row.quantity
        component.list_price = row.list_price
        component.allocated_amount = share
        component.order = order
        component.save()


def _package_code_free(organisation_id: int, code: str, exclude_pk: int | None) -> str:
    return _free_code(Package.objects.filter(organisation_id=organisation_id), code, exclude_pk)


@transaction.atomic(durable=True)
def package_create(
    *,
    actor: User,
    code: str,
    name: str,
    price: Decimal | str | int,
    components: Sequence[ComponentInput],
    category_id: int | None = None,
    validity_days: int | None = None,
    description: str = "",
) -> Package:
    """A package of active projects (sessions) and products (units) at ``price``, valid for
    ``validity_days`` from purchase (None: no expiry); the price is allocated to the components
    in proportion to their current list value and stored."""
    require_perm(actor, "catalog.add_package")
    organisation_id = actor_organisation_id(actor)
    code = _package_code_free(organisation_id, code, None)
    values = _package_values(
        actor,
        None,
        name=name,
        price=price,
        category_id=category_id,
        validity_days=validity_days,
        description=description,
        active=True,
    )
    resolved = _resolve(actor, components)
    package = Package(
        organisation_id=organisation_id, code=code, created_by=actor, updated_by=actor, **values
    )
    save_unique(package, field="code", message=_code_taken_message(code))
    _store_components(package, resolved)
    _audit(actor, "create", package, {}, _package_snapshot(package))
    return package


@transaction.atomic(durable=True)
def package_update(
    *,
    actor: User,
    package_id: int,
    code: str,
    name: str,
    price: Decimal | str | int,
    components: Sequence[ComponentInput],
    category_id: int | None = None,
    validity_days: int | None = None,
    description: str = "",
    is_active: bool | None = None,
) -> Package:
    """Change a package and its components; the allocation is recomputed from the current list
    prices and stored. ``is_active`` None keeps the state; True reactivates (every component
    must be active, as on every save)."""
    require_perm(actor, "catalog.change_package")
    package = _locked(organisation_objects(actor, Package), package_id)
    before = _package_snapshot(package)
    stays_active = package.is_active if is_active is None else bool(is_active)
    code = _package_code_free(package.organisation_id, code, package.pk)
    values = _package_values(
        actor,
        package,
        name=name,
        price=price,
        category_id=category_id,
        validity_days=validity_days,
        description=description,
        active=stays_active and not package.is_active,
    )
    resolved = _resolve(actor, components)
    package.code = code
    for key, value in values.items():
        setattr(package, key, value)
    package.is_active = stays_active
    package.updated_by = actor
    save_unique(package, field="code", message=_code_taken_message(code))
    _store_components(package, resolved)
    _audit(actor, "update", package, before, _package_snapshot(package))
    return package


@transaction.atomic(durable=True)
def package_deactivate(*, actor: User, package_id: int) -> Package:
    """Deactivate a package: it can no longer be sold; what was sold keeps its stored allocation."""
    require_perm(actor, "catalog.delete_package")
    package = _locked(organisation_objects(actor, Package), package_id)
    if not package.is_active:
        return package
    before = snapshot(package, PACKAGE_FIELDS)
    package.is_active = False
    package.updated_by = actor
    package.save(update_fields=["is_active", "updated_by", "updated_at"])
    _audit(actor, "deactivate", package, before)
    return package
