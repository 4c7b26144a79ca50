"""Writes of promotions (促销) — MKT-03: create, change, deactivate and copy a promotion with its
branches, member levels and targets.

Every service checks the permission first, validates everything before it writes (a refused
promotion leaves no row behind) and records one audit event (module ``catalog``) per write, its
branches, member levels and targets included.

Rules, per kind (the fields of the other kinds must stay empty):

* bundle — at least two bundle components (projects, products or packages, each quantity ≥ 1)
  and a bundle price above zero and below the components' list value;
* spend_save — at least one scope target, threshold > 0 and 0 < saving < threshold;
* category_percent — at least one scope target and 0 < pays % < 100;
* buy_get — at least one buy and one get target, buy and get quantities ≥ 1.

Targets are active rows of the actor's organisation (one already on the promotion may stay after
it was deactivated), in a role the kind uses, each listed once per role."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from medspa.accounts.models import User
from medspa.accounts.scope import actor_organisation_id, require_perm
from medspa.audit.services import audit_record, diff, snapshot
from medspa.catalog.choices import PromotionKind, TargetRole
from medspa.catalog.models import Category, Package, Product, Project, Promotion, PromotionTarget
from medspa.catalog.scope import organisation_objects
from medspa.core import money
from medspa.core.errors import NotFound, ValidationError
from medspa.core.validation import clean_code, clean_text, save_unique
from medspa.customers.models import MemberLevel
from medspa.organization.models import Branch

__all__ = [
    "KIND_FIELDS",
    "KIND_ROLES",
    "MAX_PRIORITY",
    "MAX_QUANTITY",
    "TARGET_FIELDS",
    "TargetInput",
    "promotion_copy",
    "promotion_create",
    "promotion_deactivate",
    "promotion_update",
]

MODULE = "catalog"
MAX_PRIORITY = 9999
MAX_QUANTITY = 999
MIN_YEAR, MAX_YEAR = 2000, 2999  # a window outside these years is a typing mistake
PERCENT_PLACES = Decimal("0.01")

PROMOTION_FIELDS = (
    "code",
    "name",
    "kind",
    "starts_at",
    "ends_at",
    "branches",
    "member_levels",
    "new_customers_only",
    "priority",
    "is_exclusive",
    "threshold_amount",
    "discount_amount",
    "is_repeatable",
    "discount_percent",
    "bundle_price",
    "buy_quantity",
    "get_quantity",
    "description",
    "is_active",
)
# The fields that belong to each kind; every other kind leaves them empty (None / False).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    PromotionKind.BUNDLE: ("bundle_price",),
    PromotionKind.SPEND_SAVE: ("threshold_amount", "discount_amount", "is_repeatable"),
    PromotionKind.CATEGORY_PERCENT: ("discount_percent",),
    PromotionKind.BUY_GET: ("buy_quantity", "get_quantity"),
}
# The target roles each kind uses.
KIND_ROLES: dict[str, tuple[str, ...]] = {
    PromotionKind.BUNDLE: (TargetRole.BUNDLE,),
    PromotionKind.SPEND_SAVE: (TargetRole.SCOPE,),
    PromotionKind.CATEGORY_PERCENT: (TargetRole.SCOPE,),
    PromotionKind.BUY_GET: (TargetRole.BUY, TargetRole.GET),
}
# What a target can be, in the order the editor offers them.
TARGET_FIELDS = ("project", "product", "package", "category")
_TARGET_MODELS: dict[str, type[Model]] = {
    "project": Project,
    "product": Product,
    "package": Package,
    "category": Category,
}


@dataclass(frozen=True)
class TargetInput:
    """One target of a promotion: exactly one of the ids, in ``role`` (scope, buy, get or bundle);
    ``quantity`` is the number of a bundle component in the bundle (1 for every other role)."""

    role: str
    project_id: int | None = None
    product_id: int | None = None
    package_id: int | None = None
    category_id: int | None = None
    quantity: int = 1


@dataclass
class _Cleaned:
    """A promotion's validated values, ready to be written."""

    values: dict[str, Any]
    branches: list[Branch]
    member_levels: list[MemberLevel]
    targets: list[PromotionTarget] = field(default_factory=list)


# --- shared ------------------------------------------------------------------------------------------


def _target_key(target: PromotionTarget) -> tuple[str, str, int]:
    """``(role, kind, id)`` — what makes a target unique on its promotion."""
    for name in TARGET_FIELDS:
        pk = getattr(target, f"{name}_id")
        if pk is not None:
            return (str(target.role), name, int(pk))
    raise AssertionError("a promotion target names nothing")  # the check constraint forbids it


def _targets_snapshot(targets: Iterable[PromotionTarget]) -> list[str]:
    """``["scope:category:12×1", …]`` for the audit log."""
    return sorted(f"{role}:{kind}:{pk}×{t.quantity}" for t in targets for role, kind, pk in [_target_key(t)])


def _state(promotion: Promotion) -> dict[str, Any]:
    if promotion.pk is None:
        return {}
    return {**snapshot(promotion, PROMOTION_FIELDS), "targets": _targets_snapshot(promotion.targets.all())}


def _audit(actor: User, action: str, promotion: Promotion, before: dict[str, Any], message: str = "") -> None:
    audit_record(
        actor=actor,
        module=MODULE,
        action=action,
        obj=promotion,
        changes=diff(before, _state(promotion)),
        organisation_id=promotion.organisation_id,
        message=message,
    )


def _locked(actor: User, promotion_id: int) -> Promotion:
    """The actor's organisation's promotion under ``SELECT … FOR UPDATE``; NotFound otherwise."""
    promotion = (
        organisation_objects(actor, Promotion).select_for_update(of=("self",)).filter(pk=promotion_id).first()
    )
    if promotion is None:
        raise NotFound()
    return promotion


def _code_message(code: str) -> str:
    return _("Promotion code %(code)s is already in use.") % {"code": code}


def _code(organisation_id: int, code: str, exclude_pk: int | None = None) -> str:
    """A cleaned code no other promotion of the organisation uses (case-insensitively)."""
    clean = clean_code(code)
    taken = Promotion.objects.filter(organisation_id=organisation_id, code__iexact=clean)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(_code_message(clean), field="code")
    return clean


def _optional_text(value: str | None, *, field: str, max_length: int, label: str) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationError(
            _("The %(field)s may have at most %(max)s characters.") % {"field": label, "max": max_length},
            field=field,
        )
    return text


def _moment(value: Any, *, field: str, label: str) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        raise ValidationError(_("Enter the %(field)s.") % {"field": label}, field=field)
    if timezone.is_naive(value):
        raise ValidationError(
            _("Give the %(field)s with its time zone, for example 2026-05-01T00:00+08:00.")
            % {"field": label},
            field=field,
        )
    if not MIN_YEAR <= timezone.localtime(value).year <= MAX_YEAR:
        raise ValidationError(
            _("The %(field)s must lie between the years %(min)s and %(max)s.")
            % {"field": label, "min": MIN_YEAR, "max": MAX_YEAR},
            field=field,
        )
    return value


def _whole(value: Any, *, field: str, label: str, minimum: int, maximum: int) -> int:
    if value is None:
        raise ValidationError(_("Enter the %(field)s.") % {"field": label}, field=field)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValidationError(
            _("The %(field)s must be a whole number from %(min)s to %(max)s.")
            % {"field": label, "min": minimum, "max": maximum},
            field=field,
        )
    return value


def _ids(values: Iterable[Any] | None, *, field: str) -> list[int]:
    """Distinct ids in the order given; anything but a whole number is refused."""
    result: list[int] = []
    for value in values or ():
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(_("Choose from the list."), field=field)
        if value not in result:
            result.append(value)
    return result


def _amount(value: Any, *, field: str, label: str) -> Decimal:
    """A required amount above zero."""
    if value is None or value == "":
        raise ValidationError(_("Enter the %(field)s.") % {"field": label}, field=field)
    if isinstance(value, float | bool):
        raise ValidationError(_("Enter a valid amount, for example 1234.50."), field=field)
    try:
        amount = money.parse(value, field=field)
    except InvalidOperation:  # beyond the decimal context (e.g. 1E+30)
        raise ValidationError(_("The amount is too large."), field=field) from None
    if amount <= 0:
        raise ValidationError(_("The %(field)s must be greater than zero.") % {"field": label}, field=field)
    return amount


def _percent(value: Any) -> Decimal:
    """The share of the price paid: above 0 and below 100, at most two decimals."""
    field = "discount_percent"
    if value is None or value == "":
        raise ValidationError(_("Enter the share of the price the customer pays, e.g. 80."), field=field)
    message = _(
        "The customer pays more than 0 and less than 100 percent of the price (80 means 20 percent off)."
    )
    if isinstance(value, float | bool):
        raise ValidationError(message, field=field)
    try:
        percent = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(message, field=field) from None
    if not percent.is_finite() or not Decimal(0) < percent < Decimal(100):
        raise ValidationError(message, field=field)
    if percent != percent.quantize(PERCENT_PLACES):
        raise ValidationError(_("The share paid may have at most two decimal places."), field=field)
    return percent.quantize(PERCENT_PLACES)


def _kind(value: Any) -> str:
    if value not in PromotionKind.values:
        raise ValidationError(
            _("Choose the kind: %(kinds)s.") % {"kinds": ", ".join(PromotionKind.values)}, field="kind"
        )
    return str(value)


def _empty(value: Any) -> bool:
    return value is None or value is False or value == ""


def _branches(organisation_id: int, branch_ids: Iterable[Any] | None, keep: set[int]) -> list[Branch]:
    """At least one branch of the organisation; a deactivated one only when already chosen."""
    ids = _ids(branch_ids, field="branches")
    if not ids:
        raise ValidationError(_("Choose at least one branch."), field="branches")
    found = {b.pk: b for b in Branch.objects.filter(organisation_id=organisation_id, pk__in=ids)}
    for pk in ids:
        branch = found.get(pk)
        if branch is None:
            raise ValidationError(_("That branch does not exist."), field="branches")
        if not branch.is_active and pk not in keep:
            raise ValidationError(
                _("Branch %(name)s is deactivated.") % {"name": branch.name}, field="branches"
            )
    return [found[pk] for pk in ids]


def _member_levels(
    organisation_id: int, level_ids: Iterable[Any] | None, keep: set[int]
) -> list[MemberLevel]:
    """Member levels of the organisation (none: every level); a deactivated one only when kept."""
    ids = _ids(level_ids, field="member_levels")
    found = {m.pk: m for m in MemberLevel.objects.filter(organisation_id=organisation_id, pk__in=ids)}
    for pk in ids:
        level = found.get(pk)
        if level is None:
            raise ValidationError(_("That member level does not exist."), field="member_levels")
        if not level.is_active and pk not in keep:
            raise ValidationError(
                _("Member level %(name)s is deactivated.") % {"name": level.name}, field="member_levels"
            )
    return [found[pk] for pk in ids]


def _kind_values(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """The kind's own fields validated; the other kinds' fields must be empty."""
    for other, names in KIND_FIELDS.items():
        if other == kind:
            continue
        for name in names:
            if not _empty(values.get(name)):
                raise ValidationError(
                    _("Only “%(kind)s” promotions have this; leave it empty.")
                    % {"kind": PromotionKind(other).label},
                    field=name,
                )
    result: dict[str, Any] = {name: None for names in KIND_FIELDS.values() for name in names}
    result["is_repeatable"] = False
    if kind == PromotionKind.SPEND_SAVE:
        threshold = _amount(values.get("threshold_amount"), field="threshold_amount", label=_("threshold"))
        saving = _amount(values.get("discount_amount"), field="discount_amount", label=_("saving"))
        if saving >= threshold:
            raise ValidationError(_("The saving must be less than the threshold."), field="discount_amount")
        result.update(
            threshold_amount=threshold,
            discount_amount=saving,
            is_repeatable=bool(values.get("is_repeatable")),
        )
    elif kind == PromotionKind.CATEGORY_PERCENT:
        result["discount_percent"] = _percent(values.get("discount_percent"))
    elif kind == PromotionKind.BUNDLE:
        result["bundle_price"] = _amount(
            values.get("bundle_price"), field="bundle_price", label=_("bundle price")
        )
    elif kind == PromotionKind.BUY_GET:
        result["buy_quantity"] = _whole(
            values.get("buy_quantity"),
            field="buy_quantity",
            label=_("quantity to buy"),
            minimum=1,
            maximum=MAX_QUANTITY,
        )
        result["get_quantity"] = _whole(
            values.get("get_quantity"),
            field="get_quantity",
            label=_("quantity given free"),
            minimum=1,
            maximum=MAX_QUANTITY,
        )
    return result


def _row_error(index: int, message: str, attr: str) -> ValidationError:
    return ValidationError(
        _("Row %(row)s: %(message)s") % {"row": index + 1, "message": message},
        field=f"targets.{index}.{attr}",
    )


def _list_value(obj: Any) -> Decimal:
    """A bundle component's unit list price."""
    if isinstance(obj, Project):
        return obj.list_price
    if isinstance(obj, Product):
        return obj.retail_price
    if isinstance(obj, Package):
        return obj.price
    raise AssertionError("a category has no price")  # refused before


def _target_rows(
    organisation_id: int, kind: str, targets: Sequence[TargetInput], keep: set[tuple[str, str, int]]
) -> tuple[list[PromotionTarget], Decimal]:
    """The targets as unsaved rows and the bundle components' list value."""
    roles = KIND_ROLES[kind]
    rows: list[PromotionTarget] = []
    seen: set[tuple[str, str, int]] = set()
    list_value = Decimal(0)
    for index, target in enumerate(targets):
        if target.role not in TargetRole.values:
            raise _row_error(index, _("choose what the target is for."), "role")
        if target.role not in roles:
            raise _row_error(
                index,
                _("a “%(kind)s” promotion has no “%(role)s” targets.")
                % {"kind": PromotionKind(kind).label, "role": TargetRole(target.role).label},
                "role",
            )
        named = [(name, getattr(target, f"{name}_id")) for name in TARGET_FIELDS]
        named = [(name, pk) for name, pk in named if pk is not None]
        if len(named) != 1:
            raise _row_error(index, _("choose one project, product, package or category."), "target")
        name, pk = named[0]
        if isinstance(pk, bool) or not isinstance(pk, int):
            raise _row_error(index, _("choose the target from the list."), name)
        obj: Any = (
            _TARGET_MODELS[name]._default_manager.filter(organisation_id=organisation_id, pk=pk).first()
        )
        if obj is None:
            raise _row_error(index, _("that target does not exist."), name)
        key = (str(target.role), name, pk)
        if not obj.is_active and key not in keep:
            raise _row_error(index, _("%(name)s is deactivated.") % {"name": obj.name}, name)
        if key in seen:
            raise _row_error(index, _("%(name)s is listed twice.") % {"name": obj.name}, name)
        seen.add(key)
        quantity = target.quantity
        if target.role == TargetRole.BUNDLE:
            if name == "category":
                raise _row_error(index, _("a bundle component is a project, product or package."), name)
            if (
                isinstance(quantity, bool)
                or not isinstance(quantity, int)
                or not 1 <= quantity <= MAX_QUANTITY
            ):
                raise _row_error(
                    index,
                    _("the quantity must be a whole number from 1 to %(max)s.") % {"max": MAX_QUANTITY},
                    "quantity",
                )
            list_value += _list_value(obj) * quantity
        elif quantity != 1:
            raise _row_error(index, _("only bundle components have a quantity; leave it at 1."), "quantity")
        rows.append(PromotionTarget(role=target.role, quantity=quantity, **{name: obj}))
    used = {row.role for row in rows}
    if kind in (PromotionKind.SPEND_SAVE, PromotionKind.CATEGORY_PERCENT) and TargetRole.SCOPE not in used:
        raise ValidationError(
            _("Add at least one project, product, package or category the promotion applies to."),
            field="targets",
        )
    if kind == PromotionKind.BUNDLE and len(rows) < 2:
        raise ValidationError(_("A bundle needs at least two components."), field="targets")
    if kind == PromotionKind.BUY_GET:
        if TargetRole.BUY not in used:
            raise ValidationError(_("Add at least one target the customer buys."), field="targets")
        if TargetRole.GET not in used:
            raise ValidationError(_("Add at least one target the customer gets free."), field="targets")
    return rows, list_value


def _clean(
    *,
    organisation_id: int,
    current: Promotion | None,
    code: str,
    name: str,
    kind: str,
    starts_at: Any,
    ends_at: Any,
    branch_ids: Iterable[Any] | None,
    member_level_ids: Iterable[Any] | None,
    new_customers_only: bool,
    priority: Any,
    is_exclusive: bool,
    description: str | None,
    targets: Sequence[TargetInput],
    **kind_values: Any,
) -> _Cleaned:
    """Every rule checked, in the order the form shows the fields; nothing is written."""
    keep_branches: set[int] = set()
    keep_levels: set[int] = set()
    keep_targets: set[tuple[str, str, int]] = set()
    if current is not None:
        keep_branches = set(current.branches.values_list("pk", flat=True))
        keep_levels = set(current.member_levels.values_list("pk", flat=True))
        keep_targets = {_target_key(t) for t in current.targets.all()}
    values: dict[str, Any] = {
        "code": _code(organisation_id, code, exclude_pk=current.pk if current is not None else None),
        "name": clean_text(name, field="name", max_length=100, label=_("name")),
        "kind": _kind(kind),
    }
    values["starts_at"] = _moment(starts_at, field="starts_at", label=_("start"))
    values["ends_at"] = _moment(ends_at, field="ends_at", label=_("end"))
    if values["ends_at"] <= values["starts_at"]:
        raise ValidationError(_("The end must be after the start."), field="ends_at")
    branches = _branches(organisation_id, branch_ids, keep_branches)
    levels = _member_levels(organisation_id, member_level_ids, keep_levels)
    values["new_customers_only"] = bool(new_customers_only)
    values["priority"] = _whole(
        priority if priority is not None else 0,
        field="priority",
        label=_("priority"),
        minimum=0,
        maximum=MAX_PRIORITY,
    )
    values["is_exclusive"] = bool(is_exclusive)
    values.update(_kind_values(values["kind"], kind_values))
    values["description"] = _optional_text(
        description, field="description", max_length=2000, label=_("description")
    )
    rows, list_value = _target_rows(organisation_id, values["kind"], targets, keep_targets)
    if values["kind"] == PromotionKind.BUNDLE and values["bundle_price"] >= list_value:
        raise ValidationError(
            _("The bundle price must be below the components' list value of %(value)s.")
            % {"value": money.format_cny(list_value)},
            field="bundle_price",
        )
    return _Cleaned(values=values, branches=branches, member_levels=levels, targets=rows)


def _write_relations(promotion: Promotion, cleaned: _Cleaned) -> None:
    """Branches, member levels and targets as validated; unchanged targets keep their rows."""
    promotion.branches.set(cleaned.branches)
    promotion.member_levels.set(cleaned.member_levels)
    existing = {_target_key(t): t for t in promotion.targets.all()}
    wanted = {_target_key(t): t for t in cleaned.targets}
    stale = [t.pk for key, t in existing.items() if key not in wanted]
    if stale:
        PromotionTarget.objects.filter(pk__in=stale).delete()
    new: list[PromotionTarget] = []
    for key, target in wanted.items():
        row = existing.get(key)
        if row is None:
            target.promotion = promotion
            new.append(target)
        elif row.quantity != target.quantity:
            row.quantity = target.quantity
            row.save(update_fields=["quantity"])
    PromotionTarget.objects.bulk_create(new)  # in the order given: the detail page lists them so


# --- services -----------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def promotion_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    branch_ids: Sequence[int],
    member_level_ids: Sequence[int] = (),
    new_customers_only: bool = False,
    priority: int = 0,
    is_exclusive: bool = False,
    threshold_amount: Decimal | str | int | None = None,
    discount_amount: Decimal | str | int | None = None,
    is_repeatable: bool = False,
    discount_percent: Decimal | str | int | None = None,
    bundle_price: Decimal | str | int | None = None,
    buy_quantity: int | None = None,
    get_quantity: int | None = None,
    description: str = "",
    targets: Sequence[TargetInput] = (),
) -> Promotion:
    """A promotion of the actor's organisation with its branches, member levels (none: every
    level) and targets."""
    require_perm(actor, "catalog.add_promotion")
    organisation_id = actor_organisation_id(actor)
    cleaned = _clean(
        organisation_id=organisation_id,
        current=None,
        code=code,
        name=name,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        branch_ids=branch_ids,
        member_level_ids=member_level_ids,
        new_customers_only=new_customers_only,
        priority=priority,
        is_exclusive=is_exclusive,
        description=description,
        targets=targets,
        threshold_amount=threshold_amount,
        discount_amount=discount_amount,
        is_repeatable=is_repeatable,
        discount_percent=discount_percent,
        bundle_price=bundle_price,
        buy_quantity=buy_quantity,
        get_quantity=get_quantity,
    )
    promotion = Promotion(
        organisation_id=organisation_id, created_by=actor, updated_by=actor, **cleaned.values
    )
    save_unique(promotion, field="code", message=_code_message(promotion.code))
    _write_relations(promotion, cleaned)
    _audit(actor, "create", promotion, {})
    return promotion


@transaction.atomic(durable=True)
def promotion_update(
    *,
    actor: User,
    promotion_id: int,
    code: str,
    name: str,
    kind: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    branch_ids: Sequence[int],
    member_level_ids: Sequence[int] = (),
    new_customers_only: bool = False,
    priority: int = 0,
    is_exclusive: bool = False,
    threshold_amount: Decimal | str | int | None = None,
    discount_amount: Decimal | str | int | None = None,
    is_repeatable: bool = False,
    discount_percent: Decimal | str | int | None = None,
    bundle_price: Decimal | str | int | None = None,
    buy_quantity: int | None = None,
    get_quantity: int | None = None,
    description: str = "",
    targets: Sequence[TargetInput] = (),
    is_active: bool | None = None,
) -> Promotion:
    """Change a promotion: every value is given again (the targets replace the old ones; rows of
    unchanged targets stay). ``is_active`` None leaves the state alone."""
    require_perm(actor, "catalog.change_promotion")
    promotion = _locked(actor, promotion_id)
    before = _state(promotion)
    cleaned = _clean(
        organisation_id=promotion.organisation_id,
        current=promotion,
        code=code,
        name=name,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        branch_ids=branch_ids,
        member_level_ids=member_level_ids,
        new_customers_only=new_customers_only,
        priority=priority,
        is_exclusive=is_exclusive,
        description=description,
        targets=targets,
        threshold_amount=threshold_amount,
        discount_amount=discount_amount,
        is_repeatable=is_repeatable,
        discount_percent=discount_percent,
        bundle_price=bundle_price,
        buy_quantity=buy_quantity,
        get_quantity=get_quantity,
    )
    for name_, value in cleaned.values.items():
        setattr(promotion, name_, value)
    if is_active is not None:
        promotion.is_active = bool(is_active)
    promotion.updated_by = actor
    save_unique(promotion, field="code", message=_code_message(promotion.code))
    _write_relations(promotion, cleaned)
    _audit(actor, "update", promotion, before)
    return promotion


@transaction.atomic(durable=True)
def promotion_deactivate(*, actor: User, promotion_id: int) -> Promotion:
    """Stop a promotion (停用): it no longer applies anywhere; it stays listed and can be copied
    or switched on again from its edit page. Deactivating an inactive promotion changes nothing."""
    require_perm(actor, "catalog.delete_promotion")
    promotion = _locked(actor, promotion_id)
    if not promotion.is_active:
        return promotion
    before = _state(promotion)
    promotion.is_active = False
    promotion.updated_by = actor
    promotion.save(update_fields=["is_active", "updated_by", "updated_at"])
    _audit(actor, "deactivate", promotion, before)
    return promotion


@transaction.atomic(durable=True)
def promotion_copy(
    *,
    actor: User,
    promotion_id: int,
    code: str,
    name: str | None = None,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
) -> Promotion:
    """A new, active promotion with the rule, branches, member levels and targets of
    ``promotion_id`` under a new code (the next campaign), by default with the same name and
    window. The copy is validated as a new promotion: deactivated targets are refused."""
    require_perm(actor, "catalog.add_promotion")
    source = organisation_objects(actor, Promotion).filter(pk=promotion_id).first()
    if source is None:
        raise NotFound()
    targets = [
        TargetInput(role=t.role, quantity=t.quantity, **{f"{kind}_id": pk})
        for t in source.targets.all()
        for _role, kind, pk in [_target_key(t)]
    ]
    cleaned = _clean(
        organisation_id=source.organisation_id,
        current=None,
        code=code,
        name=source.name if name is None else name,
        kind=source.kind,
        starts_at=source.starts_at if starts_at is None else starts_at,
        ends_at=source.ends_at if ends_at is None else ends_at,
        branch_ids=list(source.branches.values_list("pk", flat=True)),
        member_level_ids=list(source.member_levels.values_list("pk", flat=True)),
        new_customers_only=source.new_customers_only,
        priority=source.priority,
        is_exclusive=source.is_exclusive,
        description=source.description,
        targets=targets,
        **{name_: getattr(source, name_) for names in KIND_FIELDS.values() for name_ in names},
    )
    promotion = Promotion(
        organisation_id=source.organisation_id, created_by=actor, updated_by=actor, **cleaned.values
    )
    save_unique(promotion, field="code", message=_code_message(promotion.code))
    _write_relations(promotion, cleaned)
    _audit(actor, "create", promotion, {}, message=f"copy of {source.code}")
    return promotion
