"""Writes of coupons (券) — MKT-02: coupon types; issuing (to one customer, to a filtered list of
customers, as generated codes); and the life of an issued coupon.

Issued coupons are a ledger of things that belong to customers. A coupon's state and holder
change only here, and every change appends one :class:`CouponEvent`; ``coupon_verify`` proves
that each coupon's state, holder and giver equal the replay of its events. The state machine is
the one table ``TRANSITIONS``:

==========  ==================  ==========
action      from                to
==========  ==================  ==========
claim       issued (no holder)  issued
transfer    issued              issued
redeem      issued              redeemed
unredeem    redeemed            issued
expire      issued              expired
void        issued              void
==========  ==================  ==========

Locking: every transition locks the coupon row. Whatever gives a customer (or, for staff coupons,
a staff member) coupons of a type — issuing, claiming, handing on, redeeming an unclaimed code —
first locks the coupon type's row, so concurrent issues never exceed the type's per-customer
limit; the type row is always locked before a coupon row.

Every service checks the permission first, validates everything before it writes, and records
audit events (module ``catalog``) inside its transaction: one per issuing run (batch), one per
transition, one per branch for the daily expiry."""

from __future__ import annotations

import datetime
import secrets
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from medspa.accounts.models import User
from medspa.accounts.scope import active_branch_id, actor_organisation_id, require_perm
from medspa.audit.services import audit_record, diff, snapshot
from medspa.catalog import coupon_selectors as selectors
from medspa.catalog.choices import CouponAction, CouponKind, CouponState, ValidityMode
from medspa.catalog.models import Category, Coupon, CouponBatch, CouponEvent, CouponType, Product, Project
from medspa.catalog.models.coupon import BatchMode
from medspa.catalog.scope import organisation_objects
from medspa.core import money
from medspa.core.errors import Conflict, IllegalTransition, NotFound, ValidationError
from medspa.core.validation import clean_code, clean_text, save_unique
from medspa.customers import selectors as customer_selectors
from medspa.customers.models import Customer
from medspa.organization.models import Branch, Staff
from medspa.organization.selectors import writable_branches_for

__all__ = [
    "CLINIC_TIME_ZONE",
    "CODE_LENGTH",
    "MAX_BULK_CUSTOMERS",
    "MAX_CODES",
    "MAX_PER_CUSTOMER",
    "TRANSITIONS",
    "IssueResult",
    "Transition",
    "coupon_claim",
    "coupon_codes_export",
    "coupon_expire_due",
    "coupon_generate",
    "coupon_issue",
    "coupon_issue_bulk",
    "coupon_redeem",
    "coupon_transfer",
    "coupon_type_create",
    "coupon_type_deactivate",
    "coupon_type_update",
    "coupon_unredeem",
    "coupon_verify",
    "coupon_void",
    "new_code",
]

MODULE = "catalog"
CLINIC_TIME_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
CODE_LENGTH = 12
CODE_ATTEMPTS = 5
MAX_PER_CUSTOMER = 100  # coupons to one customer (or staff member) in one run
MAX_BULK_CUSTOMERS = 5000  # customers in one bulk run
MAX_CODES = 5000  # codes in one run
MAX_VALIDITY_DAYS = 36500
MAX_KEY_LENGTH = 64
PERCENT_PLACES = Decimal("0.01")

TYPE_FIELDS = (
    "code",
    "name",
    "kind",
    "amount",
    "discount_percent",
    "min_spend",
    "applies_to_all",
    "projects",
    "products",
    "categories",
    "validity_mode",
    "valid_from",
    "valid_to",
    "validity_days",
    "is_stackable",
    "per_customer_limit",
    "description",
    "is_active",
)
# What cannot change once coupons of the type exist: they are worth what the type says.
FROZEN_WHEN_ISSUED = ("kind", "amount", "discount_percent", "min_spend")
BATCH_FIELDS = ("coupon_type", "mode", "quantity", "criteria", "note")
COUPON_FIELDS = ("state", "customer", "given_by", "redeemed_at", "redeemed_ref")
ISSUE_MODES = (ValidityMode.FIXED, ValidityMode.DAYS)


@dataclass(frozen=True)
class Transition:
    """An action allowed from ``sources``, leaving the coupon in ``target``."""

    sources: frozenset[str]
    target: str


TRANSITIONS: dict[str, Transition] = {
    CouponAction.CLAIM: Transition(frozenset({CouponState.ISSUED}), CouponState.ISSUED),
    CouponAction.TRANSFER: Transition(frozenset({CouponState.ISSUED}), CouponState.ISSUED),
    CouponAction.REDEEM: Transition(frozenset({CouponState.ISSUED}), CouponState.REDEEMED),
    CouponAction.UNREDEEM: Transition(frozenset({CouponState.REDEEMED}), CouponState.ISSUED),
    CouponAction.EXPIRE: Transition(frozenset({CouponState.ISSUED}), CouponState.EXPIRED),
    CouponAction.VOID: Transition(frozenset({CouponState.ISSUED}), CouponState.VOID),
}


@dataclass(frozen=True)
class IssueResult:
    """What one issuing run did: its batch, the coupons it created (in code order of creation),
    how many matching customers it skipped (bulk: already at the per-customer limit) and whether
    this is the first result returned again for a repeated idempotency key."""

    batch: CouponBatch
    coupons: list[Coupon]
    skipped: int = 0
    replayed: bool = False


# --- shared ------------------------------------------------------------------------------------------


def _today(now: datetime.datetime | None = None) -> datetime.date:
    return timezone.localdate(now or timezone.now(), timezone=CLINIC_TIME_ZONE)


def _audit(
    actor: User | None,
    action: str,
    obj: Model,
    before: dict[str, Any],
    fields: Iterable[str],
    *,
    organisation_id: int | None = None,
    message: str = "",
) -> None:
    audit_record(
        actor=actor,
        actor_name=None if actor is not None else "system",
        module=MODULE,
        action=action,
        obj=obj,
        changes=diff(before, snapshot(obj, fields)),
        organisation_id=organisation_id,
        message=message,
    )


def _optional_text(value: str | None, *, field: str, max_length: int, label: str) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationError(
            _("The %(field)s may have at most %(max)s characters.") % {"field": label, "max": max_length},
            field=field,
        )
    return text


def _idempotency_key(value: str | None) -> str:
    key = (value or "").strip()
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError(
            _("The idempotency key may have at most %(max)s characters.") % {"max": MAX_KEY_LENGTH},
            field="idempotency_key",
        )
    return key


def _key_reused() -> Conflict:
    return Conflict(
        _("This idempotency key was already used for a different request."), field="idempotency_key"
    )


def _whole(value: Any, *, field: str, message: str) -> int:
    if isinstance(value, bool) or value is None:
        raise ValidationError(message, field=field)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(message, field=field) from None
    return number


def _quantity(value: Any, *, maximum: int, field: str = "quantity") -> int:
    number = _whole(value, field=field, message=_("Enter the number of coupons as a whole number."))
    if number < 1:
        raise ValidationError(_("Issue at least one coupon."), field=field)
    if number > maximum:
        raise ValidationError(
            _("At most %(max)s coupons can be issued at once.") % {"max": maximum}, field=field
        )
    return number


# --- coupon types -------------------------------------------------------------------------------------


def _code_message(code: str) -> str:
    return _("Coupon type code %(code)s is already in use.") % {"code": code}


def _type_code(organisation_id: int, code: str, exclude_pk: int | None = None) -> str:
    clean = clean_code(code)
    taken = CouponType.objects.filter(organisation_id=organisation_id, code__iexact=clean)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(_code_message(clean), field="code")
    return clean


def _amount(value: Any, *, field: str, label: str, positive: bool) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(_("Enter the %(field)s.") % {"field": label}, field=field)
    if isinstance(value, float):
        raise ValidationError(_("Enter a valid amount, for example 1234.50."), field=field)
    amount = money.parse(value, field=field)
    if positive and amount <= 0:
        raise ValidationError(_("The %(field)s must be greater than zero.") % {"field": label}, field=field)
    if amount < 0:
        raise ValidationError(_("The %(field)s cannot be negative.") % {"field": label}, field=field)
    return amount


def _percent(value: Any) -> Decimal:
    field = "discount_percent"
    message = _("Enter the percentage paid, between 0 and 100: 90 means 10 percent off.")
    if value is None or isinstance(value, bool | float) or (isinstance(value, str) and not value.strip()):
        raise ValidationError(message, field=field)
    try:
        percent = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(message, field=field) from None
    if not percent.is_finite() or not Decimal(0) < percent < Decimal(100):
        raise ValidationError(message, field=field)
    if percent != percent.quantize(PERCENT_PLACES):
        raise ValidationError(_("The percentage may have at most two decimal places."), field=field)
    return percent.quantize(PERCENT_PLACES)


def _targets[M: Model](
    actor: User, model: type[M], ids: Iterable[int], *, field: str, keep: set[int]
) -> list[M]:
    """The organisation's rows with ``ids`` (active ones, or ones the type already lists)."""
    wanted = []
    for raw in ids:
        pk = _whole(raw, field=field, message=_("Choose from the list."))
        if pk not in wanted:
            wanted.append(pk)
    found = {obj.pk: obj for obj in organisation_objects(actor, model).filter(pk__in=wanted)}
    rows = []
    for pk in wanted:
        obj = found.get(pk)
        if obj is None:
            raise ValidationError(
                _("%(what)s %(id)s does not exist.") % {"what": model._meta.verbose_name, "id": pk},
                field=field,
            )
        if not getattr(obj, "is_active", True) and pk not in keep:
            raise ValidationError(_("%(name)s is deactivated.") % {"name": obj}, field=field)
        rows.append(obj)
    return rows


@dataclass(frozen=True)
class _TypeValues:
    fields: dict[str, Any]
    projects: list[Project]
    products: list[Product]
    categories: list[Category]


def _type_values(
    actor: User,
    existing: CouponType | None,
    *,
    name: str,
    kind: str,
    amount: Any,
    discount_percent: Any,
    min_spend: Any,
    applies_to_all: bool,
    project_ids: Sequence[int],
    product_ids: Sequence[int],
    category_ids: Sequence[int],
    validity_mode: str,
    valid_from: datetime.date | None,
    valid_to: datetime.date | None,
    validity_days: Any,
    is_stackable: bool,
    per_customer_limit: Any,
    description: str,
) -> _TypeValues:
    values: dict[str, Any] = {"name": clean_text(name, field="name", max_length=100, label=_("name"))}
    if kind not in CouponKind.values:
        raise ValidationError(
            _("Choose a voucher, discount coupon, friends-and-family coupon or staff coupon."), field="kind"
        )
    values["kind"] = kind
    if kind == CouponKind.DISCOUNT:
        if amount not in (None, ""):
            raise ValidationError(
                _("A discount coupon takes a percentage, not an amount off."), field="amount"
            )
        values["amount"], values["discount_percent"] = None, _percent(discount_percent)
    else:
        if discount_percent not in (None, ""):
            raise ValidationError(
                _("This kind of coupon takes an amount off, not a percentage."), field="discount_percent"
            )
        values["amount"] = _amount(amount, field="amount", label=_("amount off"), positive=True)
        values["discount_percent"] = None
    values["min_spend"] = (
        Decimal("0.00")
        if min_spend in (None, "")
        else _amount(min_spend, field="min_spend", label=_("minimum spend"), positive=False)
    )

    keep: dict[str, set[int]] = {"projects": set(), "products": set(), "categories": set()}
    if existing is not None:
        for name_ in keep:
            keep[name_] = {obj.pk for obj in getattr(existing, name_).all()}
    applies_to_all = bool(applies_to_all)
    projects: list[Project] = []
    products: list[Product] = []
    categories: list[Category] = []
    if not applies_to_all:
        projects = _targets(actor, Project, project_ids, field="project_ids", keep=keep["projects"])
        products = _targets(actor, Product, product_ids, field="product_ids", keep=keep["products"])
        categories = _targets(actor, Category, category_ids, field="category_ids", keep=keep["categories"])
        if not (projects or products or categories):
            raise ValidationError(
                _(
                    "Choose what the coupon applies to: everything, or at least one project, product "
                    "or category."
                ),
                field="applies_to_all",
            )
    values["applies_to_all"] = applies_to_all

    if validity_mode not in ISSUE_MODES:
        raise ValidationError(_("Choose fixed dates or a number of days after issue."), field="validity_mode")
    values["validity_mode"] = validity_mode
    if validity_mode == ValidityMode.FIXED:
        if valid_from is None:
            raise ValidationError(_("Enter the first day the coupons are valid."), field="valid_from")
        if valid_to is None:
            raise ValidationError(_("Enter the last day the coupons are valid."), field="valid_to")
        if valid_to < valid_from:
            raise ValidationError(
                _("The last valid day (%(to)s) cannot be before the first (%(from)s).")
                % {"to": valid_to.isoformat(), "from": valid_from.isoformat()},
                field="valid_to",
            )
        values.update(valid_from=valid_from, valid_to=valid_to, validity_days=None)
    else:
        message = _("Enter how many days the coupons stay valid after issue (1 to %(max)s).") % {
            "max": MAX_VALIDITY_DAYS
        }
        days = _whole(validity_days, field="validity_days", message=message)
        if not 1 <= days <= MAX_VALIDITY_DAYS:
            raise ValidationError(message, field="validity_days")
        values.update(valid_from=None, valid_to=None, validity_days=days)

    if per_customer_limit in (None, ""):
        values["per_customer_limit"] = None
    else:
        message = _("The limit per customer must be a whole number of at least 1 (empty: no limit).")
        limit = _whole(per_customer_limit, field="per_customer_limit", message=message)
        if not 1 <= limit <= 2_147_483_647:
            raise ValidationError(message, field="per_customer_limit")
        values["per_customer_limit"] = limit
    values["is_stackable"] = bool(is_stackable)
    values["description"] = _optional_text(
        description, field="description", max_length=2000, label=_("description")
    )
    return _TypeValues(values, projects, products, categories)


def _set_scope(coupon_type: CouponType, values: _TypeValues) -> None:
    coupon_type.projects.set(values.projects)
    coupon_type.products.set(values.products)
    coupon_type.categories.set(values.categories)


@transaction.atomic(durable=True)
def coupon_type_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    amount: Decimal | str | int | None = None,
    discount_percent: Decimal | str | int | None = None,
    min_spend: Decimal | str | int | None = None,
    applies_to_all: bool = False,
    project_ids: Sequence[int] = (),
    product_ids: Sequence[int] = (),
    category_ids: Sequence[int] = (),
    validity_mode: str = ValidityMode.FIXED,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    validity_days: int | None = None,
    is_stackable: bool = False,
    per_customer_limit: int | None = None,
    description: str = "",
) -> CouponType:
    """A coupon type: a voucher, friends-and-family or staff coupon worth ``amount`` off when
    spending at least ``min_spend``, or a discount coupon paying ``discount_percent`` %; applying
    to everything or to the listed projects, products and categories; valid between fixed dates
    or for ``validity_days`` after issue; at most ``per_customer_limit`` per customer."""
    require_perm(actor, "catalog.add_coupontype")
    organisation_id = actor_organisation_id(actor)
    clean = _type_code(organisation_id, code)
    values = _type_values(
        actor,
        None,
        name=name,
        kind=kind,
        amount=amount,
        discount_percent=discount_percent,
        min_spend=min_spend,
        applies_to_all=applies_to_all,
        project_ids=project_ids,
        product_ids=product_ids,
        category_ids=category_ids,
        validity_mode=validity_mode,
        valid_from=valid_from,
        valid_to=valid_to,
        validity_days=validity_days,
        is_stackable=is_stackable,
        per_customer_limit=per_customer_limit,
        description=description,
    )
    coupon_type = CouponType(
        organisation_id=organisation_id, code=clean, created_by=actor, updated_by=actor, **values.fields
    )
    save_unique(coupon_type, field="code", message=_code_message(clean))
    _set_scope(coupon_type, values)
    _audit(actor, "create", coupon_type, {}, TYPE_FIELDS)
    return coupon_type


def _locked_type(actor: User, coupon_type_id: int) -> CouponType:
    """A coupon type of the actor's organisation under ``SELECT … FOR UPDATE``; NotFound otherwise."""
    obj = selectors.coupon_types_for(actor).select_for_update(of=("self",)).filter(pk=coupon_type_id).first()
    if obj is None:
        raise NotFound()
    return obj


@transaction.atomic(durable=True)
def coupon_type_update(
    *,
    actor: User,
    coupon_type_id: int,
    code: str,
    name: str,
    kind: str,
    amount: Decimal | str | int | None = None,
    discount_percent: Decimal | str | int | None = None,
    min_spend: Decimal | str | int | None = None,
    applies_to_all: bool = False,
    project_ids: Sequence[int] = (),
    product_ids: Sequence[int] = (),
    category_ids: Sequence[int] = (),
    validity_mode: str = ValidityMode.FIXED,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    validity_days: int | None = None,
    is_stackable: bool = False,
    per_customer_limit: int | None = None,
    description: str = "",
    is_active: bool | None = None,
) -> CouponType:
    """Change a coupon type. Coupons already issued keep their own validity dates; once any is
    issued the kind, amount, percentage and minimum spend are fixed. ``is_active`` None leaves
    the state."""
    require_perm(actor, "catalog.change_coupontype")
    coupon_type = _locked_type(actor, coupon_type_id)
    before = snapshot(coupon_type, TYPE_FIELDS)
    clean = _type_code(coupon_type.organisation_id, code, exclude_pk=coupon_type.pk)
    values = _type_values(
        actor,
        coupon_type,
        name=name,
        kind=kind,
        amount=amount,
        discount_percent=discount_percent,
        min_spend=min_spend,
        applies_to_all=applies_to_all,
        project_ids=project_ids,
        product_ids=product_ids,
        category_ids=category_ids,
        validity_mode=validity_mode,
        valid_from=valid_from,
        valid_to=valid_to,
        validity_days=validity_days,
        is_stackable=is_stackable,
        per_customer_limit=per_customer_limit,
        description=description,
    )
    changed = [f for f in FROZEN_WHEN_ISSUED if values.fields[f] != getattr(coupon_type, f)]
    if changed and Coupon.objects.filter(coupon_type=coupon_type).exists():
        raise ValidationError(
            _(
                "Coupons of this type have been issued, so its kind, amount off, percentage and "
                "minimum spend can no longer change."
            ),
            field=changed[0],
        )
    coupon_type.code = clean
    for key, value in values.fields.items():
        setattr(coupon_type, key, value)
    if is_active is not None:
        coupon_type.is_active = bool(is_active)
    coupon_type.updated_by = actor
    save_unique(coupon_type, field="code", message=_code_message(clean))
    _set_scope(coupon_type, values)
    _audit(actor, "update", coupon_type, before, TYPE_FIELDS)
    return coupon_type


@transaction.atomic(durable=True)
def coupon_type_deactivate(*, actor: User, coupon_type_id: int) -> CouponType:
    """Deactivate a coupon type: no more coupons of it are issued; issued ones stay usable."""
    require_perm(actor, "catalog.delete_coupontype")
    coupon_type = _locked_type(actor, coupon_type_id)
    if not coupon_type.is_active:
        return coupon_type
    before = snapshot(coupon_type, TYPE_FIELDS)
    coupon_type.is_active = False
    coupon_type.updated_by = actor
    coupon_type.save(update_fields=["is_active", "updated_by", "updated_at"])
    _audit(actor, "deactivate", coupon_type, before, TYPE_FIELDS)
    return coupon_type


# --- issuing ------------------------------------------------------------------------------------------


def new_code() -> str:
    """A random 12-character code from the unambiguous alphabet (no 0/O, 1/I)."""
    return "".join(secrets.choice(selectors.CODE_ALPHABET) for _index in range(CODE_LENGTH))


def _fresh_codes(organisation_id: int, count: int) -> list[str]:
    """``count`` new codes no coupon of the organisation has (drawn again on a collision)."""
    codes: set[str] = set()
    for _attempt in range(CODE_ATTEMPTS):
        while len(codes) < count:
            codes.add(new_code())
        taken = set(
            Coupon.objects.filter(organisation_id=organisation_id, code__in=codes).values_list(
                "code", flat=True
            )
        )
        if not taken:
            return sorted(codes)
        codes -= taken
    raise Conflict(_("No unused coupon codes could be drawn; please try again."))


def _issue_branch(actor: User) -> Branch:
    branch_id = active_branch_id(actor)
    if branch_id is None:
        raise ValidationError(_("Choose a branch: you work in no branch."), field="branch")
    branch = writable_branches_for(actor).filter(pk=branch_id).first()
    if branch is None:
        raise ValidationError(_("You may not issue coupons in this branch."), field="branch")
    return branch


def _issuable_type(actor: User, coupon_type_id: Any) -> CouponType:
    """The coupon type, locked (the per-customer limit is counted under this lock)."""
    pk = _whole(coupon_type_id, field="coupon_type_id", message=_("Choose a coupon type."))
    try:
        return _locked_type(actor, pk)
    except NotFound:
        raise ValidationError(_("That coupon type does not exist."), field="coupon_type_id") from None


def _check_issuable(coupon_type: CouponType, today: datetime.date) -> None:
    if not coupon_type.is_active:
        raise ValidationError(
            _("%(type)s is deactivated; no more coupons of it can be issued.") % {"type": coupon_type},
            field="coupon_type_id",
        )
    last_day = coupon_type.valid_to if coupon_type.validity_mode == ValidityMode.FIXED else None
    if last_day is not None and last_day < today:
        raise ValidationError(
            _("The validity of %(type)s ended on %(date)s; no more coupons of it can be issued.")
            % {"type": coupon_type, "date": last_day.isoformat()},
            field="coupon_type_id",
        )


def _validity(coupon_type: CouponType, today: datetime.date) -> tuple[datetime.date, datetime.date | None]:
    """A new coupon's first and last valid day: the type's fixed dates, or the issue date (in
    Asia/Shanghai) and the issue date plus the type's number of days."""
    if coupon_type.validity_mode == ValidityMode.DAYS and coupon_type.validity_days:
        return today, today + datetime.timedelta(days=coupon_type.validity_days)
    assert coupon_type.valid_from is not None  # noqa: S101 - the services keep fixed types dated
    return coupon_type.valid_from, coupon_type.valid_to


def _customer(actor: User, customer_id: Any, *, field: str, active: bool = True) -> Customer:
    """A customer within the actor's customer scope (the customers app's own selector)."""
    pk = _whole(customer_id, field=field, message=_("Choose a customer."))
    try:
        customer = customer_selectors.customer_get_for(actor, pk)
    except NotFound:
        raise ValidationError(
            _("Customer no %(id)s does not exist or is outside the customers you may see.") % {"id": pk},
            field=field,
        ) from None
    if active and not customer.is_active:
        raise ValidationError(_("%(name)s is deactivated.") % {"name": customer.name}, field=field)
    return customer


def _staff(actor: User, staff_id: Any) -> Staff:
    pk = _whole(staff_id, field="staff_id", message=_("Choose a staff member."))
    staff = Staff.objects.filter(pk=pk, organisation_id=actor_organisation_id(actor)).first()
    if staff is None:
        raise ValidationError(_("That staff member does not exist."), field="staff_id")
    if not staff.is_active:
        raise ValidationError(
            _("%(name)s is deactivated and can receive no staff coupon.") % {"name": staff}, field="staff_id"
        )
    return staff


def _held(coupon_type: CouponType, **holder: Any) -> QuerySet[Coupon]:
    """Coupons of ``coupon_type`` that count towards its per-customer limit for a holder: every
    state but void."""
    return Coupon.objects.filter(coupon_type=coupon_type, **holder).exclude(state=CouponState.VOID)


def _limit_message(coupon_type: CouponType, name: str, held: int) -> str:
    return _("%(name)s already holds %(held)s of %(type)s; at most %(limit)s per customer are allowed.") % {
        "name": name,
        "held": held,
        "type": coupon_type,
        "limit": coupon_type.per_customer_limit,
    }


def _check_limit(coupon_type: CouponType, adding: int, *, field: str, name: str, **holder: Any) -> None:
    limit = coupon_type.per_customer_limit
    if limit is None:
        return
    held = _held(coupon_type, **holder).count()
    if held + adding > limit:
        raise ValidationError(_limit_message(coupon_type, name, held), field=field)


def _replayed_batch(
    key: str, *, organisation_id: int, coupon_type: CouponType, mode: str
) -> IssueResult | None:
    """The first result of a repeated issuing submit; a key used for another request is refused."""
    if not key:
        return None
    batch = CouponBatch.objects.filter(idempotency_key=key).select_related("coupon_type").first()
    if batch is None:
        return None
    if (
        batch.coupon_type.organisation_id != organisation_id
        or batch.coupon_type_id != coupon_type.pk
        or batch.mode != mode
    ):
        raise _key_reused()
    coupons = list(batch.coupons.select_related("customer", "staff").order_by("pk"))
    return IssueResult(batch, coupons, skipped=int(batch.criteria.get("skipped", 0)), replayed=True)


def _new_batch(
    actor: User,
    *,
    branch: Branch,
    coupon_type: CouponType,
    mode: str,
    quantity: int,
    criteria: dict[str, Any],
    note: str,
    key: str,
) -> CouponBatch:
    batch = CouponBatch(
        branch=branch,
        coupon_type=coupon_type,
        mode=mode,
        quantity=quantity,
        criteria=criteria,
        note=note,
        idempotency_key=key,
        created_by=actor,
        updated_by=actor,
    )
    try:
        with transaction.atomic():
            batch.save()
    except IntegrityError as exc:  # the same key submitted twice at once
        raise _key_reused() from exc
    return batch


def _create_coupons(
    actor: User,
    *,
    coupon_type: CouponType,
    batch: CouponBatch,
    holders: Sequence[tuple[Customer | None, Staff | None]],
    today: datetime.date,
) -> list[Coupon]:
    """One coupon per holder (a customer, a staff member, both, or neither for a code), each
    with a fresh code and its issue event."""
    valid_from, valid_to = _validity(coupon_type, today)
    now = timezone.now()
    for _attempt in range(CODE_ATTEMPTS):
        codes = _fresh_codes(coupon_type.organisation_id, len(holders))
        rows = [
            Coupon(
                organisation_id=coupon_type.organisation_id,
                branch=batch.branch,
                coupon_type=coupon_type,
                batch=batch,
                code=code,
                customer=customer,
                staff=staff,
                state=CouponState.ISSUED,
                valid_from=valid_from,
                valid_to=valid_to,
                created_by=actor,
                updated_by=actor,
            )
            for code, (customer, staff) in zip(codes, holders, strict=True)
        ]
        try:
            with transaction.atomic():
                created = Coupon.objects.bulk_create(rows, batch_size=500)
        except IntegrityError:  # a code drawn at the same moment by another run
            continue
        break
    else:
        raise Conflict(_("No unused coupon codes could be drawn; please try again."))
    CouponEvent.objects.bulk_create(
        [
            CouponEvent(
                coupon=coupon,
                action=CouponAction.ISSUE,
                at=now,
                actor=actor,
                customer=coupon.customer,
                note=batch.note,
            )
            for coupon in created
        ],
        batch_size=500,
    )
    return created


def _audit_batch(actor: User, batch: CouponBatch, skipped: int = 0) -> None:
    message = _("%(count)s matching customers skipped") % {"count": skipped} if skipped else ""
    _audit(actor, "issue", batch, {}, BATCH_FIELDS, message=message)


@transaction.atomic(durable=True)
def coupon_issue(
    *,
    actor: User,
    coupon_type_id: int,
    customer_id: int | None = None,
    staff_id: int | None = None,
    quantity: int = 1,
    note: str = "",
    idempotency_key: str = "",
) -> IssueResult:
    """Issue ``quantity`` coupons of a type to one customer — or, for a staff coupon, to one
    staff member (required; the customer is optional). One batch, one audit event. Refused over
    the type's per-customer limit (counting every coupon of the type the customer — for staff
    coupons the staff member — holds, except void ones)."""
    require_perm(actor, "catalog.issue_coupon")
    key = _idempotency_key(idempotency_key)
    today = _today()
    coupon_type = _issuable_type(actor, coupon_type_id)
    replay = _replayed_batch(
        key, organisation_id=coupon_type.organisation_id, coupon_type=coupon_type, mode=BatchMode.ONE
    )
    if replay is not None:
        return replay
    _check_issuable(coupon_type, today)
    branch = _issue_branch(actor)
    count = _quantity(quantity, maximum=MAX_PER_CUSTOMER)
    staff: Staff | None = None
    customer: Customer | None = None
    if coupon_type.kind == CouponKind.STAFF:
        if staff_id in (None, ""):
            raise ValidationError(
                _("Choose the staff member who receives the staff coupon."), field="staff_id"
            )
        staff = _staff(actor, staff_id)
        if customer_id not in (None, ""):
            customer = _customer(actor, customer_id, field="customer_id")
    else:
        if staff_id not in (None, ""):
            raise ValidationError(_("Only a staff coupon is issued to a staff member."), field="staff_id")
        if customer_id in (None, ""):
            raise ValidationError(_("Choose the customer who receives the coupons."), field="customer_id")
        customer = _customer(actor, customer_id, field="customer_id")
    note = _optional_text(note, field="note", max_length=200, label=_("note"))
    if staff is not None:
        _check_limit(coupon_type, count, field="staff_id", name=staff.name, staff=staff)
    elif customer is not None:
        _check_limit(coupon_type, count, field="customer_id", name=customer.name, customer=customer)

    criteria: dict[str, Any] = {"customer_id": customer.pk if customer else None}
    if staff is not None:
        criteria["staff_id"] = staff.pk
    batch = _new_batch(
        actor,
        branch=branch,
        coupon_type=coupon_type,
        mode=BatchMode.ONE,
        quantity=count,
        criteria=criteria,
        note=note,
        key=key,
    )
    coupons = _create_coupons(
        actor, coupon_type=coupon_type, batch=batch, holders=[(customer, staff)] * count, today=today
    )
    _audit_batch(actor, batch)
    return IssueResult(batch, coupons)


@transaction.atomic(durable=True)
def coupon_issue_bulk(
    *,
    actor: User,
    coupon_type_id: int,
    criteria: Mapping[str, Any],
    quantity: int = 1,
    note: str = "",
    idempotency_key: str = "",
) -> IssueResult:
    """Issue ``quantity`` coupons to every active customer the customer list's filter
    ``criteria`` matches within the actor's customer scope (at most 5,000 customers). A customer
    who would go over the type's per-customer limit is skipped (none of the ``quantity`` is
    issued to her); the skipped count is returned and kept on the batch with the criteria.
    Refused when every matching customer would be skipped. Staff coupons are issued one by one."""
    require_perm(actor, "catalog.issue_coupon")
    key = _idempotency_key(idempotency_key)
    today = _today()
    coupon_type = _issuable_type(actor, coupon_type_id)
    replay = _replayed_batch(
        key, organisation_id=coupon_type.organisation_id, coupon_type=coupon_type, mode=BatchMode.BULK
    )
    if replay is not None:
        return replay
    _check_issuable(coupon_type, today)
    if coupon_type.kind == CouponKind.STAFF:
        raise ValidationError(
            _("A staff coupon is issued to one staff member at a time."), field="coupon_type_id"
        )
    branch = _issue_branch(actor)
    count = _quantity(quantity, maximum=MAX_PER_CUSTOMER)
    note = _optional_text(note, field="note", max_length=200, label=_("note"))
    candidates = selectors.coupon_bulk_candidates(actor, criteria)
    matched = candidates.count()
    if matched == 0:
        raise ValidationError(_("No customer matches the filter."), field="criteria")
    if matched > MAX_BULK_CUSTOMERS:
        raise ValidationError(
            _("%(count)s customers match; at most %(max)s can receive coupons at once. Narrow the filter.")
            % {"count": matched, "max": MAX_BULK_CUSTOMERS},
            field="criteria",
        )
    customers = list(candidates)
    skip: set[int] = set()
    limit = coupon_type.per_customer_limit
    if limit is not None:
        held = (
            _held(coupon_type, customer__in=candidates.values("pk"))
            .values("customer_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        skip = {row["customer_id"] for row in held if row["n"] + count > limit}
    receiving = [customer for customer in customers if customer.pk not in skip]
    if not receiving:
        raise ValidationError(
            _(
                "Every matching customer already holds as many coupons of %(type)s as allowed; "
                "nothing was issued."
            )
            % {"type": coupon_type},
            field="criteria",
        )
    stored = {k: str(v) for k, v in sorted(criteria.items()) if v not in (None, "")}
    batch = _new_batch(
        actor,
        branch=branch,
        coupon_type=coupon_type,
        mode=BatchMode.BULK,
        quantity=count * len(receiving),
        criteria={
            "filters": stored,
            "per_customer": count,
            "matched": matched,
            "skipped": len(skip),
        },
        note=note,
        key=key,
    )
    holders = [(customer, None) for customer in receiving for _index in range(count)]
    coupons = _create_coupons(actor, coupon_type=coupon_type, batch=batch, holders=holders, today=today)
    _audit_batch(actor, batch, len(skip))
    return IssueResult(batch, coupons, skipped=len(skip))


@transaction.atomic(durable=True)
def coupon_generate(
    *, actor: User, coupon_type_id: int, quantity: int, note: str = "", idempotency_key: str = ""
) -> IssueResult:
    """Generate ``quantity`` coupons with codes and no customer (at most 5,000): handed out on
    paper or online, each claimed later by the customer who presents it (``coupon_claim``, or at
    redemption). Not for staff coupons, which name their staff member."""
    require_perm(actor, "catalog.issue_coupon")
    key = _idempotency_key(idempotency_key)
    today = _today()
    coupon_type = _issuable_type(actor, coupon_type_id)
    replay = _replayed_batch(
        key, organisation_id=coupon_type.organisation_id, coupon_type=coupon_type, mode=BatchMode.CODES
    )
    if replay is not None:
        return replay
    _check_issuable(coupon_type, today)
    if coupon_type.kind == CouponKind.STAFF:
        raise ValidationError(
            _("A staff coupon is issued to one staff member at a time."), field="coupon_type_id"
        )
    branch = _issue_branch(actor)
    count = _quantity(quantity, maximum=MAX_CODES)
    note = _optional_text(note, field="note", max_length=200, label=_("note"))
    batch = _new_batch(
        actor,
        branch=branch,
        coupon_type=coupon_type,
        mode=BatchMode.CODES,
        quantity=count,
        criteria={},
        note=note,
        key=key,
    )
    coupons = _create_coupons(
        actor, coupon_type=coupon_type, batch=batch, holders=[(None, None)] * count, today=today
    )
    _audit_batch(actor, batch)
    return IssueResult(batch, coupons)


@transaction.atomic(durable=True)
def coupon_codes_export(*, actor: User, batch_id: int) -> list[Coupon]:
    """The coupons of a batch for a download of its codes (codes are like cash: the download
    is recorded in the audit log)."""
    require_perm(actor, "catalog.issue_coupon")
    batch = selectors.coupon_batch_get_for(actor, batch_id)
    coupons = list(batch.coupons.select_related("coupon_type", "customer").order_by("pk"))
    audit_record(
        actor=actor,
        module=MODULE,
        action="export",
        obj=batch,
        message=_("%(count)s coupon codes downloaded") % {"count": len(coupons)},
    )
    return coupons


# --- transitions --------------------------------------------------------------------------------------


def _refusal(action: str, state: str) -> str:
    # The messages are spelled out for the translation catalog.
    messages = {
        CouponAction.CLAIM: _("Only an issued coupon can be claimed; this one is %(state)s."),
        CouponAction.TRANSFER: _("Only an issued coupon can be handed on; this one is %(state)s."),
        CouponAction.REDEEM: _("Only an issued coupon can be redeemed; this one is %(state)s."),
        CouponAction.UNREDEEM: _(
            "Only a redeemed coupon can have its redemption reversed; this one is %(state)s."
        ),
        CouponAction.EXPIRE: _("Only an issued coupon can expire; this one is %(state)s."),
        CouponAction.VOID: _("Only an issued coupon can be voided; this one is %(state)s."),
    }
    return messages[CouponAction(action)] % {"state": CouponState(state).label.lower()}


def _check_transition(coupon: Coupon, action: str) -> str:
    """The state ``action`` leads to from the coupon's state; IllegalTransition otherwise."""
    rule = TRANSITIONS[action]
    if coupon.state not in rule.sources:
        raise IllegalTransition(_refusal(action, coupon.state), field="state")
    return rule.target


def _visible_coupon(actor: User, coupon_id: int) -> Coupon:
    """The coupon within the actor's scope, not locked (to find which type row to lock first)."""
    coupon = selectors.coupons_for(actor).select_related(None).filter(pk=coupon_id).first()
    if coupon is None:
        raise NotFound()
    return coupon


def _locked_coupon(actor: User, coupon_id: int) -> Coupon:
    """The coupon under ``SELECT … FOR UPDATE`` (within the actor's scope), with what the
    checks and messages need loaded."""
    coupon = (
        selectors.coupons_for(actor)
        .select_for_update(of=("self",))
        .select_related(None)
        .select_related("coupon_type", "customer")
        .filter(pk=coupon_id)
        .first()
    )
    if coupon is None:
        raise NotFound()
    return coupon


def _lock_type_row(coupon_type_id: int) -> None:
    list(CouponType.objects.select_for_update().filter(pk=coupon_type_id).values_list("pk", flat=True))


def _event(
    coupon: Coupon,
    action: str,
    actor: User | None,
    *,
    at: datetime.datetime,
    note: str = "",
    key: str = "",
) -> CouponEvent:
    return CouponEvent.objects.create(
        coupon=coupon,
        action=action,
        at=at,
        actor=actor,
        customer_id=coupon.customer_id,
        note=note,
        idempotency_key=key,
    )


def _save(coupon: Coupon, actor: User | None, fields: Sequence[str]) -> None:
    coupon.updated_by = actor
    coupon.save(update_fields=[*fields, "updated_by", "updated_at"])


def _check_still_valid(coupon: Coupon, today: datetime.date, *, field: str) -> None:
    if coupon.valid_to is not None and coupon.valid_to < today:
        raise ValidationError(
            _("The coupon was valid until %(date)s.") % {"date": coupon.valid_to.isoformat()}, field=field
        )


def _claim_limit(coupon: Coupon, customer: Customer, field: str) -> None:
    _check_limit(coupon.coupon_type, 1, field=field, name=customer.name, customer=customer)


@transaction.atomic(durable=True)
def coupon_claim(*, actor: User, coupon_id: int, customer_id: int) -> Coupon:
    """A customer claims a generated code (a coupon nobody holds yet): she becomes its holder,
    within the type's per-customer limit and while it is still valid."""
    require_perm(actor, "catalog.change_coupon")
    visible = _visible_coupon(actor, coupon_id)
    customer = _customer(actor, customer_id, field="customer_id")
    _lock_type_row(visible.coupon_type_id)
    coupon = _locked_coupon(actor, coupon_id)
    _check_transition(coupon, CouponAction.CLAIM)
    if coupon.customer_id is not None:
        raise ValidationError(_("This coupon has already been claimed."), field="coupon_id")
    _check_still_valid(coupon, _today(), field="coupon_id")
    _claim_limit(coupon, customer, "customer_id")
    before = snapshot(coupon, COUPON_FIELDS)
    coupon.customer = customer
    _save(coupon, actor, ["customer"])
    _event(coupon, CouponAction.CLAIM, actor, at=timezone.now())
    _audit(actor, "claim", coupon, before, COUPON_FIELDS)
    return coupon


@transaction.atomic(durable=True)
def coupon_transfer(*, actor: User, coupon_id: int, to_customer_id: int) -> Coupon:
    """Hand a friends-and-family coupon on to another customer (a relative or friend of its
    holder): only that kind, only while issued and valid; the giver is kept in ``given_by``. The
    recipient's per-customer limit applies."""
    require_perm(actor, "catalog.change_coupon")
    visible = _visible_coupon(actor, coupon_id)
    recipient = _customer(actor, to_customer_id, field="to_customer_id")
    _lock_type_row(visible.coupon_type_id)
    coupon = _locked_coupon(actor, coupon_id)
    if coupon.coupon_type.kind != CouponKind.FRIENDS:
        raise ValidationError(_("Only a friends-and-family coupon can be handed on."), field="coupon_id")
    _check_transition(coupon, CouponAction.TRANSFER)
    if coupon.customer_id is None:
        raise ValidationError(
            _("Nobody holds this coupon yet: a customer claims it instead."), field="coupon_id"
        )
    if coupon.customer_id == recipient.pk:
        raise ValidationError(
            _("%(name)s already holds this coupon.") % {"name": recipient.name}, field="to_customer_id"
        )
    _check_still_valid(coupon, _today(), field="coupon_id")
    _claim_limit(coupon, recipient, "to_customer_id")
    before = snapshot(coupon, COUPON_FIELDS)
    coupon.given_by_id = coupon.customer_id
    coupon.customer = recipient
    _save(coupon, actor, ["customer", "given_by"])
    _event(coupon, CouponAction.TRANSFER, actor, at=timezone.now())
    _audit(actor, "transfer", coupon, before, COUPON_FIELDS)
    return coupon


def _replayed_redemption(key: str, coupon_id: int, organisation_id: int) -> bool:
    """True when ``key`` already redeemed this coupon; a key used otherwise is refused."""
    if not key:
        return False
    event = CouponEvent.objects.filter(idempotency_key=key).select_related("coupon").first()
    if event is None:
        return False
    if (
        event.coupon_id != coupon_id
        or event.action != CouponAction.REDEEM
        or event.coupon.organisation_id != organisation_id
    ):
        raise _key_reused()
    return True


@transaction.atomic(durable=True)
def coupon_redeem(
    *,
    actor: User,
    coupon_id: int,
    customer_id: int,
    ref: str,
    idempotency_key: str = "",
    on_date: datetime.date | None = None,
) -> Coupon:
    """Redeem a coupon for ``customer_id`` against ``ref`` (the order or receipt number): the
    coupon must be issued, valid on ``on_date`` (default today, Asia/Shanghai) and held by that
    customer — a generated code nobody holds yet is claimed by her first (within the limit).
    A repeated ``idempotency_key`` returns the coupon as its first redemption left it."""
    require_perm(actor, "catalog.redeem_coupon")
    key = _idempotency_key(idempotency_key)
    visible = _visible_coupon(actor, coupon_id)
    if _replayed_redemption(key, visible.pk, visible.organisation_id):
        return _locked_coupon(actor, coupon_id)
    ref = clean_text(ref, field="ref", max_length=64, label=_("reference"))
    customer = _customer(actor, customer_id, field="customer_id", active=False)
    if visible.customer_id is None:
        _lock_type_row(visible.coupon_type_id)
    coupon = _locked_coupon(actor, coupon_id)
    if _replayed_redemption(key, coupon.pk, coupon.organisation_id):  # a twin committed meanwhile
        return coupon
    _check_transition(coupon, CouponAction.REDEEM)
    claims = coupon.customer_id is None
    if not claims and coupon.customer_id != customer.pk:
        raise ValidationError(_("This coupon belongs to another customer."), field="customer_id")
    day = on_date or _today()
    if day < coupon.valid_from:
        raise ValidationError(
            _("The coupon is valid from %(date)s.") % {"date": coupon.valid_from.isoformat()},
            field="coupon_id",
        )
    _check_still_valid(coupon, day, field="coupon_id")
    if claims:
        _claim_limit(coupon, customer, "customer_id")
    before = snapshot(coupon, COUPON_FIELDS)
    now = timezone.now()
    if claims:
        coupon.customer = customer
        _event(coupon, CouponAction.CLAIM, actor, at=now)
    coupon.state = CouponState.REDEEMED
    coupon.redeemed_at = now
    coupon.redeemed_ref = ref
    _save(coupon, actor, ["customer", "state", "redeemed_at", "redeemed_ref"])
    _event(coupon, CouponAction.REDEEM, actor, at=now, note=ref, key=key)
    _audit(actor, "redeem", coupon, before, COUPON_FIELDS)
    return coupon


def _reason(reason: str | None) -> str:
    return clean_text(reason, field="reason", max_length=200, label=pgettext("coupon", "reason"))


@transaction.atomic(durable=True)
def coupon_unredeem(*, actor: User, coupon_id: int, reason: str) -> Coupon:
    """Reverse a redemption (the order was refunded): the coupon is issued again to the same
    holder. If its validity has ended meanwhile, the next daily run expires it."""
    require_perm(actor, "catalog.redeem_coupon")
    reason = _reason(reason)
    coupon = _locked_coupon(actor, coupon_id)
    _check_transition(coupon, CouponAction.UNREDEEM)
    before = snapshot(coupon, COUPON_FIELDS)
    coupon.state = CouponState.ISSUED
    coupon.redeemed_at = None
    coupon.redeemed_ref = ""
    _save(coupon, actor, ["state", "redeemed_at", "redeemed_ref"])
    _event(coupon, CouponAction.UNREDEEM, actor, at=timezone.now(), note=reason)
    _audit(actor, "unredeem", coupon, before, COUPON_FIELDS, message=reason)
    return coupon


@transaction.atomic(durable=True)
def coupon_void(*, actor: User, coupon_id: int, reason: str) -> Coupon:
    """Void an issued coupon (issued by mistake, withdrawn); the reason is required and kept in
    its history. A void coupon no longer counts towards the per-customer limit."""
    require_perm(actor, "catalog.void_coupon")
    reason = _reason(reason)
    coupon = _locked_coupon(actor, coupon_id)
    _check_transition(coupon, CouponAction.VOID)
    before = snapshot(coupon, COUPON_FIELDS)
    coupon.state = CouponState.VOID
    _save(coupon, actor, ["state"])
    _event(coupon, CouponAction.VOID, actor, at=timezone.now(), note=reason)
    _audit(actor, "void", coupon, before, COUPON_FIELDS, message=reason)
    return coupon


@transaction.atomic(durable=True)
def coupon_expire_due(*, now: datetime.datetime | None = None) -> int:
    """The daily run (no actor): every issued coupon whose last valid day is before today
    (Asia/Shanghai) becomes expired, with its event; one audit event per branch. Returns how
    many expired; running it again the same day expires nothing more."""
    moment = now or timezone.now()
    today = _today(moment)
    due = list(
        Coupon.objects.select_for_update()
        .filter(state=CouponState.ISSUED, valid_to__lt=today)
        .order_by("pk")
        .only("pk", "branch_id", "organisation_id", "customer_id", "state")
    )
    if not due:
        return 0
    ids = [coupon.pk for coupon in due]
    for start in range(0, len(ids), 500):
        Coupon.objects.filter(pk__in=ids[start : start + 500]).update(
            state=CouponState.EXPIRED, updated_by=None, updated_at=moment
        )
    CouponEvent.objects.bulk_create(
        [
            CouponEvent(
                coupon_id=coupon.pk, action=CouponAction.EXPIRE, at=moment, customer_id=coupon.customer_id
            )
            for coupon in due
        ],
        batch_size=500,
    )
    by_branch: dict[tuple[int, int], int] = defaultdict(int)
    for coupon in due:
        by_branch[(coupon.organisation_id, coupon.branch_id)] += 1
    for (organisation_id, branch_id), count in sorted(by_branch.items()):
        audit_record(
            actor=None,
            actor_name="system",
            module=MODULE,
            action="expire",
            object_type=Coupon._meta.label_lower,
            object_id="",
            object_repr=today.isoformat(),
            organisation_id=organisation_id,
            branch_id=branch_id,
            changes={"day": today, "expired": count},
        )
    return len(due)


# --- verification -------------------------------------------------------------------------------------


@dataclass
class _Replay:
    state: str | None = None
    holder: int | None = None
    given_by: int | None = None
    events: int = 0


def _replay(events: Iterable[dict[str, Any]], problems: list[str], label: str) -> _Replay:
    """The state, holder and giver a coupon's events lead to; impossible steps are problems."""
    result = _Replay()
    for event in events:
        result.events += 1
        action = event["action"]
        if action == CouponAction.ISSUE:
            if result.state is not None:
                problems.append(f"{label}: issued twice (event {event['pk']})")
            result.state, result.holder = CouponState.ISSUED, event["customer_id"]
            continue
        if result.state is None:
            problems.append(f"{label}: history does not start with its issue (event {event['pk']})")
            result.state = CouponState.ISSUED
        rule = TRANSITIONS.get(action)
        if rule is None:
            problems.append(f"{label}: unknown action {action!r} (event {event['pk']})")
            continue
        if result.state not in rule.sources:
            problems.append(f"{label}: {action} while {result.state} (event {event['pk']})")
        result.state = rule.target
        if action == CouponAction.CLAIM:
            if result.holder is not None:
                problems.append(f"{label}: claimed while held (event {event['pk']})")
            result.holder = event["customer_id"]
        elif action == CouponAction.TRANSFER:
            result.given_by, result.holder = result.holder, event["customer_id"]
        elif event["customer_id"] != result.holder:
            problems.append(f"{label}: {action} names another holder (event {event['pk']})")
    return result


def _grouped(rows: Iterator[Any]) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    current: int | None = None
    group: list[dict[str, Any]] = []
    for row in rows:
        if row["coupon_id"] != current:
            if current is not None:
                yield current, group
            current, group = row["coupon_id"], []
        group.append(row)
    if current is not None:
        yield current, group


def coupon_verify(
    *, coupon_ids: Iterable[int] | None = None, chunk_size: int = 2000
) -> tuple[list[str], int, int]:
    """Prove that every coupon's state, holder and giver equal the replay of its events (and
    that only a redeemed coupon carries a redemption time). Returns (problems, coupons checked,
    events checked); no problems means the ledger holds."""
    coupons = Coupon.objects.order_by("pk")
    events = CouponEvent.objects.order_by("coupon_id", "at", "pk")
    if coupon_ids is not None:
        ids = sorted(set(coupon_ids))
        coupons = coupons.filter(pk__in=ids)
        events = events.filter(coupon_id__in=ids)
    problems: list[str] = []
    histories = _grouped(
        events.values("pk", "coupon_id", "action", "customer_id").iterator(chunk_size=chunk_size)
    )
    pending = next(histories, None)
    checked = replayed_events = 0
    for coupon in coupons.values("pk", "code", "state", "customer_id", "given_by_id", "redeemed_at").iterator(
        chunk_size=chunk_size
    ):
        checked += 1
        label = f"coupon {coupon['code']} (id {coupon['pk']})"
        while pending is not None and pending[0] < coupon["pk"]:
            problems.append(f"events of a missing coupon id {pending[0]}")
            pending = next(histories, None)
        history: list[dict[str, Any]] = []
        if pending is not None and pending[0] == coupon["pk"]:
            history = pending[1]
            pending = next(histories, None)
        if not history:
            problems.append(f"{label}: has no history")
            continue
        replay = _replay(history, problems, label)
        replayed_events += replay.events
        if replay.state != coupon["state"]:
            problems.append(f"{label}: state is {coupon['state']} but its history says {replay.state}")
        if replay.holder != coupon["customer_id"]:
            problems.append(
                f"{label}: held by customer {coupon['customer_id']} but its history says {replay.holder}"
            )
        if replay.given_by != coupon["given_by_id"]:
            problems.append(
                f"{label}: handed on by customer {coupon['given_by_id']} but its history says "
                f"{replay.given_by}"
            )
        if (coupon["state"] == CouponState.REDEEMED) != (coupon["redeemed_at"] is not None):
            problems.append(f"{label}: redemption time does not match its state")
    return problems, checked, replayed_events
