"""Writes of the discount settings (CAT-06) and the commission plans (CAT-07).

* A discount rule (产品折扣设置) sits on exactly one project, product or category of the actor's
  organisation — one rule per target — and says "never discounted" or the lowest price in % of
  the price (0–100). Rules are configuration: deleting one is allowed (and audited).
* A discount authority gives one role (built-in or the organisation's own) the lowest price % its
  holders may give by hand without approval; setting it again replaces it, clearing removes it.
* A commission plan (提成设置) gives a position a rate of cash or consumption performance, or a
  fixed amount per session, on a project, product, card type, category or everything, from a
  date; two active plans for the same kind, position and target never overlap in time.

Every service checks the permission first, validates everything before it writes, and records
one audit event (module ``catalog``) per changed row inside its transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from medspa.accounts.models import User
from medspa.accounts.scope import actor_organisation_id, require_perm
from medspa.audit.services import audit_record, diff, snapshot
from medspa.catalog import policy_selectors as selectors
from medspa.catalog.choices import CommissionBasis, CommissionKind
from medspa.catalog.models import (
    CardType,
    Category,
    CommissionPlan,
    DiscountAuthority,
    DiscountRule,
    Product,
    Project,
)
from medspa.catalog.scope import organisation_objects
from medspa.core import money
from medspa.core.errors import NotFound, ValidationError
from medspa.core.validation import clean_text, save_unique
from medspa.organization.models import Position

__all__ = [
    "ALLOWED_BASES",
    "commission_plan_create",
    "commission_plan_deactivate",
    "commission_plan_update",
    "discount_authority_clear",
    "discount_authority_set",
    "discount_rule_create",
    "discount_rule_delete",
    "discount_rule_update",
]

MODULE = "catalog"
PERCENT_PLACES = Decimal("0.01")
HUNDRED = Decimal(100)
RULE_FIELDS = ("project", "product", "category", "never_discount", "min_percent", "note")
AUTHORITY_FIELDS = ("role", "min_percent")
PLAN_FIELDS = (
    "name",
    "kind",
    "position",
    "project",
    "product",
    "card_type",
    "category",
    "basis",
    "rate_percent",
    "fixed_amount",
    "effective_from",
    "effective_to",
    "is_active",
)
# What each commission kind may be computed from (CAT-07).
ALLOWED_BASES: dict[str, tuple[str, ...]] = {
    CommissionKind.SALES: (CommissionBasis.CASH, CommissionBasis.CONSUMPTION),
    CommissionKind.OPERATOR: (CommissionBasis.PER_SESSION, CommissionBasis.CONSUMPTION),
    CommissionKind.CARD: (CommissionBasis.CASH,),
    CommissionKind.PREPAYMENT: (CommissionBasis.CASH,),
}


# --- shared ------------------------------------------------------------------------------------------


def _audit(actor: User, action: str, obj: Model, before: dict[str, Any], fields: Iterable[str]) -> None:
    after = snapshot(obj, fields) if action != "delete" else {}
    audit_record(actor=actor, module=MODULE, action=action, obj=obj, changes=diff(before, after))


def _locked[M: Model](queryset: QuerySet[M], pk: int) -> M:
    """One row of a scoped queryset under ``SELECT … FOR UPDATE``; NotFound outside the scope."""
    obj = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def _percent(value: Any, *, field: str, label: str) -> Decimal:
    """A percentage from 0 to 100 with at most two decimals (80 = 80 % of the price)."""
    message = _("The %(field)s must be a number from 0 to 100, for example 80 or 92.5.") % {"field": label}
    if value is None or value == "" or isinstance(value, bool | float):
        raise ValidationError(message, field=field)
    try:
        number = Decimal(str(value).strip().rstrip("%").strip())
    except InvalidOperation:
        raise ValidationError(message, field=field) from None
    if not number.is_finite() or number < 0 or number > HUNDRED:
        raise ValidationError(message, field=field)
    if number != number.quantize(PERCENT_PLACES):
        raise ValidationError(
            _("The %(field)s may have at most two decimal places.") % {"field": label}, field=field
        )
    return number.quantize(PERCENT_PLACES)


def _optional_text(value: str | None, *, field: str, max_length: int, label: str) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationError(
            _("The %(field)s may have at most %(max)s characters.") % {"field": label, "max": max_length},
            field=field,
        )
    return text


def _own[M: Model](actor: User, model: type[M], pk: int | None, *, field: str, message: str) -> M | None:
    """A row of the actor's organisation by pk (None for None); another organisation's row or a
    missing one is a ValidationError on ``field``."""
    if pk is None:
        return None
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise ValidationError(message, field=field)
    obj = organisation_objects(actor, model).filter(pk=pk).first()
    if obj is None:
        raise ValidationError(message, field=field)
    return obj


def _targets(
    actor: User,
    *,
    project_id: int | None,
    product_id: int | None,
    category_id: int | None,
    card_type_id: int | None = None,
) -> dict[str, Any]:
    return {
        "project": _own(
            actor, Project, project_id, field="project", message=_("That project does not exist.")
        ),
        "product": _own(
            actor, Product, product_id, field="product", message=_("That product does not exist.")
        ),
        "card_type": _own(
            actor, CardType, card_type_id, field="card_type", message=_("That card type does not exist.")
        ),
        "category": _own(
            actor, Category, category_id, field="category", message=_("That category does not exist.")
        ),
    }


# --- discount rules (CAT-06) -------------------------------------------------------------------------


def _rule_values(
    actor: User,
    *,
    project_id: int | None,
    product_id: int | None,
    category_id: int | None,
    never_discount: bool,
    min_percent: Any,
    note: str,
) -> dict[str, Any]:
    """The checked fields of a rule: exactly one target of the organisation; never discounted, or
    the lowest price % from 0 to 100."""
    given = [
        field
        for field, pk in (("project", project_id), ("product", product_id), ("category", category_id))
        if pk is not None
    ]
    if len(given) != 1:
        raise ValidationError(
            _("Choose exactly one project, product or category for the rule."),
            field=given[1] if len(given) > 1 else "target",
        )
    targets = _targets(actor, project_id=project_id, product_id=product_id, category_id=category_id)
    never = bool(never_discount)
    if never:
        percent = HUNDRED.quantize(PERCENT_PLACES)
        if min_percent not in (None, ""):
            _percent(min_percent, field="min_percent", label=_("lowest price %"))
    else:
        if min_percent in (None, ""):
            raise ValidationError(
                _("Enter the lowest price % (for example 80), or tick “never discounted”."),
                field="min_percent",
            )
        percent = _percent(min_percent, field="min_percent", label=_("lowest price %"))
    return {
        "project": targets["project"],
        "product": targets["product"],
        "category": targets["category"],
        "never_discount": never,
        "min_percent": percent,
        "note": _optional_text(note, field="note", max_length=200, label=_("note")),
    }


def _rule_taken_message(values: dict[str, Any]) -> tuple[str, str]:
    for field in ("project", "product", "category"):
        target = values[field]
        if target is not None:
            return field, _("%(target)s already has a discount rule; edit that rule instead.") % {
                "target": target.name
            }
    raise AssertionError("a rule has a target")  # pragma: no cover


def _check_rule_free(organisation_id: int, values: dict[str, Any], exclude_pk: int | None) -> tuple[str, str]:
    field, message = _rule_taken_message(values)
    taken = DiscountRule.objects.filter(organisation_id=organisation_id, **{field: values[field]})
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(message, field=field)
    return field, message


@transaction.atomic(durable=True)
def discount_rule_create(
    *,
    actor: User,
    project_id: int | None = None,
    product_id: int | None = None,
    category_id: int | None = None,
    never_discount: bool = False,
    min_percent: Decimal | str | int | None = None,
    note: str = "",
) -> DiscountRule:
    """A discount rule on one project, product or category (and what is below it): never
    discounted, or at least ``min_percent`` % of the price. One rule per target."""
    require_perm(actor, "catalog.add_discountrule")
    organisation_id = actor_organisation_id(actor)
    values = _rule_values(
        actor,
        project_id=project_id,
        product_id=product_id,
        category_id=category_id,
        never_discount=never_discount,
        min_percent=min_percent,
        note=note,
    )
    field, message = _check_rule_free(organisation_id, values, None)
    rule = DiscountRule(organisation_id=organisation_id, created_by=actor, updated_by=actor, **values)
    save_unique(rule, field=field, message=message)
    _audit(actor, "create", rule, {}, RULE_FIELDS)
    return rule


@transaction.atomic(durable=True)
def discount_rule_update(
    *,
    actor: User,
    rule_id: int,
    project_id: int | None = None,
    product_id: int | None = None,
    category_id: int | None = None,
    never_discount: bool = False,
    min_percent: Decimal | str | int | None = None,
    note: str = "",
) -> DiscountRule:
    """Change a rule: its target (still one per target), never discounted or its lowest price %."""
    require_perm(actor, "catalog.change_discountrule")
    rule = _locked(organisation_objects(actor, DiscountRule), rule_id)
    before = snapshot(rule, RULE_FIELDS)
    values = _rule_values(
        actor,
        project_id=project_id,
        product_id=product_id,
        category_id=category_id,
        never_discount=never_discount,
        min_percent=min_percent,
        note=note,
    )
    field, message = _check_rule_free(rule.organisation_id, values, rule.pk)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.updated_by = actor
    save_unique(rule, field=field, message=message)
    _audit(actor, "update", rule, before, RULE_FIELDS)
    return rule


@transaction.atomic(durable=True)
def discount_rule_delete(*, actor: User, rule_id: int) -> None:
    """Remove a rule: the target then follows its category's rule (or none)."""
    require_perm(actor, "catalog.delete_discountrule")
    rule = _locked(organisation_objects(actor, DiscountRule), rule_id)
    _audit(actor, "delete", rule, snapshot(rule, RULE_FIELDS), RULE_FIELDS)
    rule.delete()


# --- discount authority (CAT-06) ---------------------------------------------------------------------


def _role(actor: User, role_id: int) -> Group:
    """A role of the actor's organisation (built-in or its own); NotFound otherwise."""
    if isinstance(role_id, bool) or not isinstance(role_id, int):
        raise NotFound()
    return selectors.discount_authority_role_get_for(actor, role_id)


@transaction.atomic(durable=True)
def discount_authority_set(
    *, actor: User, role_id: int, min_percent: Decimal | str | int | None
) -> DiscountAuthority:
    """Let the holders of a role discount by hand down to ``min_percent`` % of the price without
    approval (咨询师 90, 院长 70); replaces the role's earlier authority in the organisation."""
    require_perm(actor, "catalog.change_discountauthority")
    organisation_id = actor_organisation_id(actor)
    role = _role(actor, role_id)
    percent = _percent(min_percent, field="min_percent", label=_("lowest price %"))
    authority = (
        DiscountAuthority.objects.select_for_update()
        .filter(organisation_id=organisation_id, role=role)
        .first()
    )
    if authority is None:
        authority = DiscountAuthority(
            organisation_id=organisation_id, role=role, created_by=actor, updated_by=actor
        )
        before: dict[str, Any] = {}
        action = "create"
    else:
        before = snapshot(authority, AUTHORITY_FIELDS)
        action = "update"
    authority.min_percent = percent
    authority.updated_by = actor
    save_unique(
        authority,
        field="role",
        message=_("The discount authority of %(role)s was just changed by someone else; try again.")
        % {"role": role.name},
    )
    _audit(actor, action, authority, before, AUTHORITY_FIELDS)
    return authority


@transaction.atomic(durable=True)
def discount_authority_clear(*, actor: User, role_id: int) -> None:
    """Take a role's discount authority away: its holders' manual discounts then need approval
    (unless another role of theirs has authority). Clearing a role without one does nothing."""
    require_perm(actor, "catalog.delete_discountauthority")
    organisation_id = actor_organisation_id(actor)
    role = _role(actor, role_id)
    authority = (
        DiscountAuthority.objects.select_for_update()
        .filter(organisation_id=organisation_id, role=role)
        .first()
    )
    if authority is None:
        return
    _audit(actor, "delete", authority, snapshot(authority, AUTHORITY_FIELDS), AUTHORITY_FIELDS)
    authority.delete()


# --- commission plans (CAT-07) -----------------------------------------------------------------------


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool | float):
        raise ValidationError(_("Enter a valid amount, for example 1234.50."), field="fixed_amount")
    amount = money.parse(value, field="fixed_amount")
    if amount < 0:
        raise ValidationError(_("The amount per session cannot be negative."), field="fixed_amount")
    return amount


def _date(value: Any, *, field: str, missing: str | None) -> datetime.date | None:
    """A date; None when empty unless ``missing`` (the message for a required one) is given."""
    if value is None or value == "":
        if missing is not None:
            raise ValidationError(missing, field=field)
        return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ValidationError(_("Enter a valid date, for example 2026-01-31."), field=field)
    return value


def _period_text(plan: CommissionPlan) -> str:
    end = plan.effective_to.isoformat() if plan.effective_to else _("open-ended")
    return f"{plan.effective_from.isoformat()} – {end}"


def _plan_values(
    actor: User,
    *,
    editing: CommissionPlan | None,
    name: str,
    kind: str,
    position_id: int,
    basis: str,
    rate_percent: Any,
    fixed_amount: Any,
    effective_from: Any,
    effective_to: Any,
    project_id: int | None,
    product_id: int | None,
    card_type_id: int | None,
    category_id: int | None,
) -> dict[str, Any]:
    """The checked fields of a plan (every rule of CAT-07 except the overlap)."""
    clean_name = clean_text(name, field="name", max_length=100, label=_("name"))
    if kind not in CommissionKind.values:
        raise ValidationError(
            _("Choose a kind: sales, operator, member-card or prepayment commission."), field="kind"
        )
    allowed = ALLOWED_BASES[kind]
    if basis not in allowed:
        labels = " / ".join(str(CommissionBasis(value).label) for value in allowed)
        raise ValidationError(
            _("%(kind)s can only be computed as: %(bases)s.")
            % {"kind": CommissionKind(kind).label, "bases": labels},
            field="basis",
        )
    if basis == CommissionBasis.PER_SESSION:
        if rate_percent not in (None, ""):
            raise ValidationError(
                _("A fixed amount per session has no rate; leave the rate empty."), field="rate_percent"
            )
        if fixed_amount in (None, ""):
            raise ValidationError(_("Enter the amount per session."), field="fixed_amount")
        rate, amount = None, _amount(fixed_amount)
    else:
        if fixed_amount not in (None, ""):
            raise ValidationError(
                _("A percentage commission has no amount per session; leave it empty."), field="fixed_amount"
            )
        rate, amount = _percent(rate_percent, field="rate_percent", label=_("rate %")), None
    given = [
        field
        for field, pk in (
            ("project", project_id),
            ("product", product_id),
            ("card_type", card_type_id),
            ("category", category_id),
        )
        if pk is not None
    ]
    if len(given) > 1:
        raise ValidationError(
            _("Choose at most one project, product, card type or category (none: everything)."),
            field=given[1],
        )
    if card_type_id is not None and kind != CommissionKind.CARD:
        raise ValidationError(
            _("Only a member-card commission can be set on a card type."), field="card_type"
        )
    targets = _targets(
        actor,
        project_id=project_id,
        product_id=product_id,
        category_id=category_id,
        card_type_id=card_type_id,
    )
    if isinstance(position_id, bool) or not isinstance(position_id, int):
        raise ValidationError(_("Choose the position."), field="position")
    positions = organisation_objects(actor, Position)
    if editing is not None:
        positions = positions.filter(Q(is_active=True) | Q(pk=editing.position_id))
    else:
        positions = positions.filter(is_active=True)
    position = positions.filter(pk=position_id).first()
    if position is None:
        raise ValidationError(_("That position does not exist."), field="position")
    start = _date(effective_from, field="effective_from", missing=_("Enter the date the plan takes effect."))
    end = _date(effective_to, field="effective_to", missing=None)
    if start is not None and end is not None and end < start:
        raise ValidationError(_("The plan cannot end before it starts."), field="effective_to")
    return {
        "name": clean_name,
        "kind": kind,
        "position": position,
        "basis": basis,
        "rate_percent": rate,
        "fixed_amount": amount,
        "effective_from": start,
        "effective_to": end,
        **targets,
    }


def _check_overlap(organisation_id: int, values: dict[str, Any], exclude_pk: int | None) -> None:
    """No other active plan of the same kind, position and target whose period meets this one's.
    The caller holds the position's row lock, so two writers cannot both pass."""
    start: datetime.date = values["effective_from"]
    end: datetime.date | None = values["effective_to"]
    others = CommissionPlan.objects.filter(
        organisation_id=organisation_id,
        kind=values["kind"],
        position=values["position"],
        project=values["project"],
        product=values["product"],
        card_type=values["card_type"],
        category=values["category"],
        is_active=True,
    ).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))
    if end is not None:
        others = others.filter(effective_from__lte=end)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    other = others.order_by("effective_from", "pk").first()
    if other is not None:
        raise ValidationError(
            _(
                "The active plan “%(name)s” (%(period)s) already covers this kind, position and "
                "target in an overlapping period; end it or choose other dates."
            )
            % {"name": other.name, "period": _period_text(other)},
            field="effective_from",
        )


def _lock_position(position: Position) -> None:
    """Serialise plan writes of one position (the overlap check reads, then writes)."""
    list(Position.objects.select_for_update().filter(pk=position.pk).values_list("pk", flat=True))


@transaction.atomic(durable=True)
def commission_plan_create(
    *,
    actor: User,
    name: str,
    kind: str,
    position_id: int,
    basis: str,
    effective_from: datetime.date,
    rate_percent: Decimal | str | int | None = None,
    fixed_amount: Decimal | str | int | None = None,
    effective_to: datetime.date | None = None,
    project_id: int | None = None,
    product_id: int | None = None,
    card_type_id: int | None = None,
    category_id: int | None = None,
) -> CommissionPlan:
    """A commission plan for a position: sales (% of cash or consumption performance), operator
    (fixed per session or % of consumption), member-card or prepayment (% of cash), on at most
    one project, product, card type (member-card only) or category, from ``effective_from``."""
    require_perm(actor, "catalog.add_commissionplan")
    organisation_id = actor_organisation_id(actor)
    values = _plan_values(
        actor,
        editing=None,
        name=name,
        kind=kind,
        position_id=position_id,
        basis=basis,
        rate_percent=rate_percent,
        fixed_amount=fixed_amount,
        effective_from=effective_from,
        effective_to=effective_to,
        project_id=project_id,
        product_id=product_id,
        card_type_id=card_type_id,
        category_id=category_id,
    )
    _lock_position(values["position"])
    _check_overlap(organisation_id, values, None)
    plan = CommissionPlan(organisation_id=organisation_id, created_by=actor, updated_by=actor, **values)
    plan.save()
    _audit(actor, "create", plan, {}, PLAN_FIELDS)
    return plan


@transaction.atomic(durable=True)
def commission_plan_update(
    *,
    actor: User,
    plan_id: int,
    name: str,
    kind: str,
    position_id: int,
    basis: str,
    effective_from: datetime.date,
    rate_percent: Decimal | str | int | None = None,
    fixed_amount: Decimal | str | int | None = None,
    effective_to: datetime.date | None = None,
    project_id: int | None = None,
    product_id: int | None = None,
    card_type_id: int | None = None,
    category_id: int | None = None,
    is_active: bool | None = None,
) -> CommissionPlan:
    """Change a plan; ``is_active`` None keeps its state (True reactivates it, checked for
    overlaps like a new plan)."""
    require_perm(actor, "catalog.change_commissionplan")
    plan = _locked(organisation_objects(actor, CommissionPlan), plan_id)
    before = snapshot(plan, PLAN_FIELDS)
    values = _plan_values(
        actor,
        editing=plan,
        name=name,
        kind=kind,
        position_id=position_id,
        basis=basis,
        rate_percent=rate_percent,
        fixed_amount=fixed_amount,
        effective_from=effective_from,
        effective_to=effective_to,
        project_id=project_id,
        product_id=product_id,
        card_type_id=card_type_id,
        category_id=category_id,
    )
    active = plan.is_active if is_active is None else bool(is_active)
    _lock_position(values["position"])
    if active:
        _check_overlap(plan.organisation_id, values, plan.pk)
    for field, value in values.items():
        setattr(plan, field, value)
    plan.is_active = active
    plan.updated_by = actor
    plan.save()
    _audit(actor, "update", plan, before, PLAN_FIELDS)
    return plan


@transaction.atomic(durable=True)
def commission_plan_deactivate(*, actor: User, plan_id: int) -> CommissionPlan:
    """Stop a plan: it no longer applies on any date (its history stays for earlier commission)."""
    require_perm(actor, "catalog.delete_commissionplan")
    plan = _locked(organisation_objects(actor, CommissionPlan), plan_id)
    if not plan.is_active:
        return plan
    before = snapshot(plan, PLAN_FIELDS)
    plan.is_active = False
    plan.updated_by = actor
    plan.save(update_fields=["is_active", "updated_by", "updated_at"])
    _audit(actor, "deactivate", plan, before, PLAN_FIELDS)
    return plan
