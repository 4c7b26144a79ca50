"""Writes of card types (卡项) — MKT-01: session cards (次卡), combination cards (组合卡), N-choose-M
cards (N选M卡) and stored-value cards (储值卡).

Every service checks the permission first, validates the whole definition — the card, its projects
and its category discounts — before it writes anything, and records one audit event (module
``catalog``) per changed card type inside its transaction; the event's changes hold the projects
and discounts too.

Rules per kind (the user manual ``catalog-card.md`` repeats them for the clinic):

* session: exactly one project; ``total_sessions`` (N) ≥ 1; the project row stores ``sessions = N``.
* combination: at least two distinct projects, each with sessions ≥ 1; ``total_sessions`` is their
  sum, computed here (a value sent must equal it).
* choice (N-choose-M): a pool of at least two distinct projects (N = pool size); M =
  ``total_sessions`` ≥ 1; an optional cap per project between 1 and M — a cap above M is refused
  (it could never be reached, so it is a typing mistake rather than a rule); when every project has
  a cap, M may not exceed the sum of the caps.
* stored value: no projects and no sessions; price > 0; bonus ≥ 0; optional discounts on
  categories of the organisation (pays p %, 0 < p ≤ 100, one per category).
* every kind: price ≥ 0; projects active and of the actor's organisation; bonus and discounts only
  on stored-value cards; validity ``days`` needs ``validity_days`` ≥ 1, ``fixed`` needs
  ``valid_until`` not before today (Asia/Shanghai), ``none`` neither — a value that does not belong
  to the chosen mode is refused; a shareable card names how many family members (≥ 1), one that is
  not shareable has 0; the code is unique per organisation (case-insensitively).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from medspa.accounts.models import User
from medspa.accounts.scope import actor_organisation_id, require_perm
from medspa.audit.services import audit_record, diff, snapshot
from medspa.catalog import card_selectors as selectors
from medspa.catalog.choices import CardKind, ValidityMode
from medspa.catalog.models import CardType, CardTypeDiscount, CardTypeItem, Category, Project
from medspa.catalog.scope import organisation_objects
from medspa.core import money
from medspa.core.errors import NotFound, ValidationError
from medspa.core.pinyin import search_key
from medspa.core.validation import clean_code, clean_text, save_unique

__all__ = [
    "MAX_ITEMS",
    "MAX_SESSIONS",
    "MAX_SHARED_MEMBERS",
    "MAX_VALIDITY_DAYS",
    "CardDiscountInput",
    "CardItemInput",
    "card_type_create",
    "card_type_deactivate",
    "card_type_update",
]

MODULE = "catalog"
MAX_SESSIONS = 9999  # per project and in total; far above any real card, far below the column's limit
MAX_VALIDITY_DAYS = 36500
MAX_SHARED_MEMBERS = 99
MAX_ITEMS = 100
MAX_DESCRIPTION = 2000
MAX_INT = 2_147_483_647  # a database integer
PERCENT_PLACES = Decimal("0.01")
HUNDRED = Decimal(100)

CARD_FIELDS = (
    "code",
    "name",
    "kind",
    "price",
    "total_sessions",
    "bonus_amount",
    "validity_mode",
    "validity_days",
    "valid_until",
    "is_transferable",
    "is_shareable",
    "max_shared_members",
    "description",
    "is_active",
)


@dataclass(frozen=True)
class CardItemInput:
    """A project of a card: for a combination card its sessions, for an N-choose-M card its
    optional cap (None: no cap); a session card's one project may leave it None (it gets N)."""

    project_id: int
    sessions: int | None = None


@dataclass(frozen=True)
class CardDiscountInput:
    """A stored-value card's discount on a category: the customer pays ``discount_percent`` %."""

    category_id: int
    discount_percent: Decimal | str | int


@dataclass(frozen=True)
class _Item:
    project: Project
    sessions: int | None


@dataclass(frozen=True)
class _Discount:
    category: Category
    discount_percent: Decimal


@dataclass(frozen=True)
class _Definition:
    """A validated card type, ready to be written."""

    values: dict[str, Any]
    items: list[_Item]
    discounts: list[_Discount]


# --- helpers ----------------------------------------------------------------------------------------


def _locked(actor: User, card_type_id: int) -> CardType:
    if not 0 < card_type_id <= MAX_INT:
        raise NotFound()
    card_type = (
        selectors.card_types_for(actor)
        .prefetch_related(None)
        .select_for_update(of=("self",))
        .filter(pk=card_type_id)
        .first()
    )
    if card_type is None:
        raise NotFound()
    return card_type


def _whole_number(value: Any, *, field: str, label: str) -> int | None:
    """An optional whole number typed by a person or sent by a client (``"3"`` or 3); None and
    ``""`` are empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool | float):
        raise ValidationError(_("The %(field)s must be a whole number.") % {"field": label}, field=field)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(
            _("The %(field)s must be a whole number.") % {"field": label}, field=field
        ) from None
    if abs(number) > MAX_INT:
        raise ValidationError(_("The %(field)s is too large.") % {"field": label}, field=field)
    return number


def _amount(value: Any, *, field: str, label: str) -> Decimal:
    if value is None or value == "":
        raise ValidationError(_("Enter the %(field)s.") % {"field": label}, field=field)
    if isinstance(value, bool | float):
        raise ValidationError(_("Enter a valid amount, for example 1234.50."), field=field)
    try:
        amount = money.parse(value, field=field)
    except InvalidOperation:  # 1e30: too large to round to the fen
        raise ValidationError(_("The amount is too large."), field=field) from None
    if amount < 0:
        raise ValidationError(_("The %(field)s cannot be negative.") % {"field": label}, field=field)
    return amount


def _percent(value: Any, *, field: str) -> Decimal:
    message = _("Enter what the customer pays as a percentage above 0 and at most 100, for example 90.")
    if value is None or isinstance(value, bool | float) or value == "":
        raise ValidationError(message, field=field)
    try:
        percent = Decimal(str(value).strip().rstrip("%").strip())
    except InvalidOperation:
        raise ValidationError(message, field=field) from None
    if not percent.is_finite() or percent <= 0 or percent > HUNDRED:
        raise ValidationError(message, field=field)
    if percent != percent.quantize(PERCENT_PLACES):
        raise ValidationError(_("The percentage may have at most two decimal places."), field=field)
    return percent.quantize(PERCENT_PLACES)


def _code(organisation_id: int, code: str, exclude_pk: int | None) -> str:
    clean = clean_code(code)
    taken = CardType.objects.filter(organisation_id=organisation_id, code__iexact=clean)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(_code_message(clean), field="code")
    return clean


def _code_message(code: str) -> str:
    return _("Card type code %(code)s is already in use.") % {"code": code}


def _kind(kind: str | None) -> str:
    if kind not in CardKind.values:
        raise ValidationError(
            _("Choose the kind: session, combination, choice (N-choose-M) or stored_value."), field="kind"
        )
    return str(kind)


def _projects(actor: User, items: Sequence[CardItemInput]) -> list[Project]:
    """The cards' projects, in the order given: each of the organisation, active, listed once."""
    if len(items) > MAX_ITEMS:
        raise ValidationError(
            _("A card may have at most %(max)s projects.") % {"max": MAX_ITEMS}, field="items"
        )
    ids = []
    for index, item in enumerate(items):
        project_id = _whole_number(item.project_id, field=f"items.{index}.project_id", label=_("project"))
        if project_id is None:
            raise ValidationError(_("Choose the project."), field=f"items.{index}.project_id")
        ids.append(project_id)
    found = {project.pk: project for project in organisation_objects(actor, Project).filter(pk__in=ids)}
    projects: list[Project] = []
    for index, project_id in enumerate(ids):
        field = f"items.{index}.project_id"
        project = found.get(project_id)
        if project is None:
            raise ValidationError(_("That project does not exist."), field=field)
        if not project.is_active:
            raise ValidationError(
                _("Project %(project)s is deactivated; it cannot be put on a card.") % {"project": project},
                field=field,
            )
        if any(other.pk == project.pk for other in projects):
            raise ValidationError(
                _("Project %(project)s is listed twice.") % {"project": project}, field=field
            )
        projects.append(project)
    return projects


def _sessions_of(items: Sequence[CardItemInput], index: int, *, label: str) -> int | None:
    field = f"items.{index}.sessions"
    sessions = _whole_number(items[index].sessions, field=field, label=label)
    if sessions is not None and not 1 <= sessions <= MAX_SESSIONS:
        raise ValidationError(
            _("The %(field)s must be between 1 and %(max)s.") % {"field": label, "max": MAX_SESSIONS},
            field=field,
        )
    return sessions


def _card_items(
    actor: User, kind: str, total_sessions: Any, items: Sequence[CardItemInput]
) -> tuple[int | None, list[_Item]]:
    """(total sessions, project rows) of a card of ``kind``, by the rules of the kind."""
    total = _whole_number(total_sessions, field="total_sessions", label=_("sessions in total"))
    if kind == CardKind.STORED_VALUE:
        if items:
            raise ValidationError(_("A stored-value card has no projects."), field="items")
        if total is not None:
            raise ValidationError(
                _("A stored-value card has no sessions; leave the sessions in total empty."),
                field="total_sessions",
            )
        return None, []
    projects = _projects(actor, items)
    if kind == CardKind.SESSION:
        return _session_card(items, projects, total)
    if kind == CardKind.COMBINATION:
        return _combination_card(items, projects, total)
    return _choice_card(items, projects, total)


def _check_total(total: int | None, *, message: str) -> int:
    if total is None:
        raise ValidationError(message, field="total_sessions")
    if not 1 <= total <= MAX_SESSIONS:
        raise ValidationError(
            _("The sessions in total must be between 1 and %(max)s.") % {"max": MAX_SESSIONS},
            field="total_sessions",
        )
    return total


def _session_card(
    items: Sequence[CardItemInput], projects: list[Project], total: int | None
) -> tuple[int, list[_Item]]:
    if len(projects) != 1:
        raise ValidationError(_("A session card has exactly one project."), field="items")
    sessions = _check_total(total, message=_("Enter the number of sessions of the session card."))
    given = _sessions_of(items, 0, label=_("sessions"))
    if given is not None and given != sessions:
        raise ValidationError(
            _("The project of a session card has the card's %(total)s sessions, not %(given)s.")
            % {"total": sessions, "given": given},
            field="items.0.sessions",
        )
    return sessions, [_Item(projects[0], sessions)]


def _combination_card(
    items: Sequence[CardItemInput], projects: list[Project], total: int | None
) -> tuple[int, list[_Item]]:
    if len(projects) < 2:
        raise ValidationError(_("A combination card has at least two different projects."), field="items")
    rows: list[_Item] = []
    for index, project in enumerate(projects):
        sessions = _sessions_of(items, index, label=_("sessions"))
        if sessions is None:
            raise ValidationError(
                _("Enter the sessions of %(project)s.") % {"project": project},
                field=f"items.{index}.sessions",
            )
        rows.append(_Item(project, sessions))
    computed = sum(row.sessions or 0 for row in rows)
    if computed > MAX_SESSIONS:
        raise ValidationError(
            _("The sessions in total must be between 1 and %(max)s.") % {"max": MAX_SESSIONS},
            field="total_sessions",
        )
    if total is not None and total != computed:
        raise ValidationError(
            _(
                "A combination card's sessions in total are the sum of its projects' sessions "
                "(%(sum)s), not %(total)s; leave the field empty."
            )
            % {"sum": computed, "total": total},
            field="total_sessions",
        )
    return computed, rows


def _choice_card(
    items: Sequence[CardItemInput], projects: list[Project], total: int | None
) -> tuple[int, list[_Item]]:
    if len(projects) < 2:
        raise ValidationError(
            _("An N-choose-M card has a pool of at least two different projects."), field="items"
        )
    chosen = _check_total(
        total, message=_("Enter M, the sessions the customer may take in total across the pool.")
    )
    rows: list[_Item] = []
    for index, project in enumerate(projects):
        cap = _sessions_of(items, index, label=_("cap"))
        if cap is not None and cap > chosen:
            raise ValidationError(
                _(
                    "The cap of %(project)s (%(cap)s) is above M (%(m)s) and could never be reached; "
                    "leave it empty or enter at most %(m)s."
                )
                % {"project": project, "cap": cap, "m": chosen},
                field=f"items.{index}.sessions",
            )
        rows.append(_Item(project, cap))
    if all(row.sessions is not None for row in rows):
        allowed = sum(row.sessions or 0 for row in rows)
        if chosen > allowed:
            raise ValidationError(
                _(
                    "M exceeds what its pool allows: %(m)s sessions in total, but the caps of the "
                    "%(n)s projects add up to %(allowed)s."
                )
                % {"m": chosen, "n": len(rows), "allowed": allowed},
                field="total_sessions",
            )
    return chosen, rows


def _money_values(kind: str, price: Any, bonus_amount: Any) -> tuple[Decimal, Decimal]:
    amount = _amount(price, field="price", label=_("price"))
    bonus = (
        money.ZERO
        if bonus_amount is None or bonus_amount == ""
        else _amount(bonus_amount, field="bonus_amount", label=_("bonus"))
    )
    if kind == CardKind.STORED_VALUE:
        if amount <= 0:
            raise ValidationError(
                _("A stored-value card's price is the stored value and must be greater than zero."),
                field="price",
            )
    elif bonus != 0:
        raise ValidationError(_("Only a stored-value card has a bonus."), field="bonus_amount")
    return amount, bonus


def _discounts(actor: User, kind: str, discounts: Sequence[CardDiscountInput]) -> list[_Discount]:
    if not discounts:
        return []
    if kind != CardKind.STORED_VALUE:
        raise ValidationError(_("Only a stored-value card has category discounts."), field="discounts")
    if len(discounts) > MAX_ITEMS:
        raise ValidationError(
            _("A card may have at most %(max)s category discounts.") % {"max": MAX_ITEMS}, field="discounts"
        )
    ids = []
    for index, row in enumerate(discounts):
        category_id = _whole_number(
            row.category_id, field=f"discounts.{index}.category_id", label=_("category")
        )
        if category_id is None:
            raise ValidationError(_("Choose the category."), field=f"discounts.{index}.category_id")
        ids.append(category_id)
    found = {category.pk: category for category in organisation_objects(actor, Category).filter(pk__in=ids)}
    rows: list[_Discount] = []
    for index, (category_id, row) in enumerate(zip(ids, discounts, strict=True)):
        field = f"discounts.{index}.category_id"
        category = found.get(category_id)
        if category is None:
            raise ValidationError(_("That category does not exist."), field=field)
        if not category.is_active:
            raise ValidationError(
                _("Category %(category)s is deactivated.") % {"category": category}, field=field
            )
        if any(other.category.pk == category.pk for other in rows):
            raise ValidationError(
                _("Category %(category)s has two discounts; keep one.") % {"category": category},
                field=field,
            )
        percent = _percent(row.discount_percent, field=f"discounts.{index}.discount_percent")
        rows.append(_Discount(category, percent))
    return rows


def _validity(mode: str | None, days: Any, until: datetime.date | None) -> dict[str, Any]:
    if mode not in ValidityMode.values:
        raise ValidationError(
            _("Choose the validity: none, days (from purchase) or fixed (until a date)."),
            field="validity_mode",
        )
    validity_days = _whole_number(days, field="validity_days", label=_("valid for (days)"))
    if until is not None and not isinstance(until, datetime.date):
        raise ValidationError(_("Enter a valid date."), field="valid_until")
    if mode == ValidityMode.DAYS:
        if validity_days is None:
            raise ValidationError(
                _("Enter for how many days after purchase the card is valid."), field="validity_days"
            )
        if not 1 <= validity_days <= MAX_VALIDITY_DAYS:
            raise ValidationError(
                _("The days of validity must be between 1 and %(max)s.") % {"max": MAX_VALIDITY_DAYS},
                field="validity_days",
            )
        if until is not None:
            raise ValidationError(
                _("A card valid for a number of days has no fixed end date; leave it empty."),
                field="valid_until",
            )
    elif mode == ValidityMode.FIXED:
        if until is None:
            raise ValidationError(_("Enter the date until which the card is valid."), field="valid_until")
        today = timezone.localdate()
        if until < today:
            raise ValidationError(
                _("The end date %(date)s is in the past (today is %(today)s).")
                % {"date": until.isoformat(), "today": today.isoformat()},
                field="valid_until",
            )
        if validity_days is not None:
            raise ValidationError(
                _("A card valid until a fixed date has no number of days; leave it empty."),
                field="validity_days",
            )
    else:
        if validity_days is not None:
            raise ValidationError(
                _("A card without expiry has no number of days; leave it empty."), field="validity_days"
            )
        if until is not None:
            raise ValidationError(
                _("A card without expiry has no end date; leave it empty."), field="valid_until"
            )
    return {"validity_mode": str(mode), "validity_days": validity_days, "valid_until": until}


def _sharing(is_shareable: bool, max_shared_members: Any) -> int:
    members = _whole_number(max_shared_members, field="max_shared_members", label=_("family members at most"))
    if is_shareable:
        if members is None or members < 1:
            raise ValidationError(
                _("Enter how many family members may share the card (at least 1)."),
                field="max_shared_members",
            )
        if members > MAX_SHARED_MEMBERS:
            raise ValidationError(
                _("At most %(max)s family members may share a card.") % {"max": MAX_SHARED_MEMBERS},
                field="max_shared_members",
            )
        return members
    if members not in (None, 0):
        raise ValidationError(
            _("A card that is not shareable has no family members; leave the number at 0."),
            field="max_shared_members",
        )
    return 0


def _define(
    actor: User,
    *,
    organisation_id: int,
    exclude_pk: int | None,
    code: str,
    name: str,
    kind: str,
    price: Any,
    total_sessions: Any,
    bonus_amount: Any,
    validity_mode: str,
    validity_days: Any,
    valid_until: datetime.date | None,
    is_transferable: bool,
    is_shareable: bool,
    max_shared_members: Any,
    description: str,
    items: Sequence[CardItemInput],
    discounts: Sequence[CardDiscountInput],
) -> _Definition:
    """Every check, in the order the form shows the fields; nothing is written."""
    clean_code_value = _code(organisation_id, code, exclude_pk)
    clean_name = clean_text(name, field="name", max_length=100, label=_("name"))
    kind = _kind(kind)
    price_value, bonus = _money_values(kind, price, bonus_amount)
    total, rows = _card_items(actor, kind, total_sessions, items)
    discount_rows = _discounts(actor, kind, discounts)
    validity = _validity(validity_mode, validity_days, valid_until)
    members = _sharing(bool(is_shareable), max_shared_members)
    text = (description or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError(
            _("The %(field)s may have at most %(max)s characters.")
            % {"field": _("description"), "max": MAX_DESCRIPTION},
            field="description",
        )
    values = {
        "code": clean_code_value,
        "name": clean_name,
        "pinyin": search_key(clean_name),
        "kind": kind,
        "price": price_value,
        "total_sessions": total,
        "bonus_amount": bonus,
        **validity,
        "is_transferable": bool(is_transferable),
        "is_shareable": bool(is_shareable),
        "max_shared_members": members,
        "description": text,
    }
    return _Definition(values=values, items=rows, discounts=discount_rows)


def _children(card_type: CardType) -> dict[str, Any]:
    """The projects and discounts as the audit log keeps them."""
    items = CardTypeItem.objects.filter(card_type=card_type).order_by("order", "pk")
    discounts = CardTypeDiscount.objects.filter(card_type=card_type).order_by("pk")
    return {
        "items": [[row.project_id, row.sessions] for row in items],
        "discounts": [[row.category_id, str(row.discount_percent)] for row in discounts],
    }


def _write_children(card_type: CardType, definition: _Definition) -> None:
    """Make the card's project and discount rows those of ``definition``: rows of a project or
    category still listed are kept (and changed), the others removed, new ones added."""
    existing_items = {row.project_id: row for row in CardTypeItem.objects.filter(card_type=card_type)}
    keep = {row.project.pk for row in definition.items}
    CardTypeItem.objects.filter(card_type=card_type).exclude(project_id__in=keep).delete()
    for order, row in enumerate(definition.items):
        item = existing_items.get(row.project.pk)
        if item is None:
            CardTypeItem.objects.create(
                card_type=card_type, project=row.project, sessions=row.sessions, order=order
            )
        elif (item.sessions, item.order) != (row.sessions, order):
            item.sessions, item.order = row.sessions, order
            item.save(update_fields=["sessions", "order"])
    existing_discounts = {
        row.category_id: row for row in CardTypeDiscount.objects.filter(card_type=card_type)
    }
    keep = {row.category.pk for row in definition.discounts}
    CardTypeDiscount.objects.filter(card_type=card_type).exclude(category_id__in=keep).delete()
    for discount_row in definition.discounts:
        discount = existing_discounts.get(discount_row.category.pk)
        if discount is None:
            CardTypeDiscount.objects.create(
                card_type=card_type,
                category=discount_row.category,
                discount_percent=discount_row.discount_percent,
            )
        elif discount.discount_percent != discount_row.discount_percent:
            discount.discount_percent = discount_row.discount_percent
            discount.save(update_fields=["discount_percent"])


def _audit(actor: User, action: str, card_type: CardType, before: dict[str, Any]) -> None:
    after = {**snapshot(card_type, CARD_FIELDS), **_children(card_type)}
    audit_record(
        actor=actor,
        module=MODULE,
        action=action,
        obj=card_type,
        changes=diff(before, after),
        organisation_id=card_type.organisation_id,
    )


def _inputs[T](rows: Iterable[T] | None) -> list[T]:
    return list(rows or ())


# --- services ---------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def card_type_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    price: Decimal | str | int,
    total_sessions: int | None = None,
    bonus_amount: Decimal | str | int | None = None,
    validity_mode: str = ValidityMode.DAYS,
    validity_days: int | None = None,
    valid_until: datetime.date | None = None,
    is_transferable: bool = False,
    is_shareable: bool = False,
    max_shared_members: int | None = 0,
    description: str = "",
    items: Sequence[CardItemInput] | None = None,
    discounts: Sequence[CardDiscountInput] | None = None,
) -> CardType:
    """A new card type of the actor's organisation with its projects (session, combination and
    N-choose-M cards) or category discounts (stored-value cards), by the rules of its kind."""
    require_perm(actor, "catalog.add_cardtype")
    organisation_id = actor_organisation_id(actor)
    definition = _define(
        actor,
        organisation_id=organisation_id,
        exclude_pk=None,
        code=code,
        name=name,
        kind=kind,
        price=price,
        total_sessions=total_sessions,
        bonus_amount=bonus_amount,
        validity_mode=validity_mode,
        validity_days=validity_days,
        valid_until=valid_until,
        is_transferable=is_transferable,
        is_shareable=is_shareable,
        max_shared_members=max_shared_members,
        description=description,
        items=_inputs(items),
        discounts=_inputs(discounts),
    )
    card_type = CardType(
        organisation_id=organisation_id, created_by=actor, updated_by=actor, **definition.values
    )
    save_unique(card_type, field="code", message=_code_message(card_type.code))
    _write_children(card_type, definition)
    _audit(actor, "create", card_type, {})
    return card_type


@transaction.atomic(durable=True)
def card_type_update(
    *,
    actor: User,
    card_type_id: int,
    code: str,
    name: str,
    kind: str,
    price: Decimal | str | int,
    total_sessions: int | None = None,
    bonus_amount: Decimal | str | int | None = None,
    validity_mode: str = ValidityMode.DAYS,
    validity_days: int | None = None,
    valid_until: datetime.date | None = None,
    is_transferable: bool = False,
    is_shareable: bool = False,
    max_shared_members: int | None = 0,
    description: str = "",
    items: Sequence[CardItemInput] | None = None,
    discounts: Sequence[CardDiscountInput] | None = None,
    is_active: bool | None = None,
) -> CardType:
    """Replace a card type's definition (its projects and discounts included) by the same rules as
    :func:`card_type_create`; ``is_active`` None leaves the state."""
    require_perm(actor, "catalog.change_cardtype")
    card_type = _locked(actor, card_type_id)
    before = {**snapshot(card_type, CARD_FIELDS), **_children(card_type)}
    definition = _define(
        actor,
        organisation_id=card_type.organisation_id,
        exclude_pk=card_type.pk,
        code=code,
        name=name,
        kind=kind,
        price=price,
        total_sessions=total_sessions,
        bonus_amount=bonus_amount,
        validity_mode=validity_mode,
        validity_days=validity_days,
        valid_until=valid_until,
        is_transferable=is_transferable,
        is_shareable=is_shareable,
        max_shared_members=max_shared_members,
        description=description,
        items=_inputs(items),
        discounts=_inputs(discounts),
    )
    for key, value in definition.values.items():
        setattr(card_type, key, value)
    if is_active is not None:
        card_type.is_active = bool(is_active)
    card_type.updated_by = actor
    save_unique(card_type, field="code", message=_code_message(card_type.code))
    _write_children(card_type, definition)
    _audit(actor, "update", card_type, before)
    return card_type


@transaction.atomic(durable=True)
def card_type_deactivate(*, actor: User, card_type_id: int) -> CardType:
    """Stop selling a card type; cards already sold keep their rights (the definition stays)."""
    require_perm(actor, "catalog.delete_cardtype")
    card_type = _locked(actor, card_type_id)
    if not card_type.is_active:
        return card_type
    before = {**snapshot(card_type, CARD_FIELDS), **_children(card_type)}
    card_type.is_active = False
    card_type.updated_by = actor
    card_type.save(update_fields=["is_active", "updated_by", "updated_at"])
    _audit(actor, "deactivate", card_type, before)
    return card_type
