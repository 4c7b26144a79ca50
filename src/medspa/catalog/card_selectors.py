"""Reads of card types (卡项) — MKT-01. Card types are organisation reference data: the actor sees
the card types of her organisation, another organisation's are not found.

:func:`card_type_entitlements` is the pure description of what one card of a type gives its holder
— the later sales and cashier work issue cards from it — and :func:`card_type_valid_until` the last
day a card bought on a given day may be used."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from medspa.accounts.models import User
from medspa.catalog.choices import CardKind, ValidityMode
from medspa.catalog.models import CardType, CardTypeDiscount, CardTypeItem, Category, Project
from medspa.catalog.scope import organisation_objects
from medspa.core.errors import NotFound
from medspa.core.money import ZERO, format_cny

__all__ = [
    "CardEntitlement",
    "CategoryDiscount",
    "ProjectRight",
    "card_type_entitlements",
    "card_type_get_for",
    "card_type_search_condition",
    "card_type_sharing_text",
    "card_type_summary",
    "card_type_valid_until",
    "card_type_validity_text",
    "card_types_for",
    "category_choices_for",
    "project_choices_for",
]


MAX_ID = 2_147_483_647  # larger ids exist nowhere (and overflow SQLite's integers)


# --- card types -------------------------------------------------------------------------------------


def card_types_for(actor: User) -> QuerySet[CardType]:
    """The card types of the actor's organisation by code, their projects (with the project) and
    category discounts (with the category) prefetched: a page of them costs three queries."""
    items = Prefetch("items", queryset=CardTypeItem.objects.select_related("project").order_by("order", "pk"))
    discounts = Prefetch(
        "discounts", queryset=CardTypeDiscount.objects.select_related("category").order_by("pk")
    )
    return organisation_objects(actor, CardType).prefetch_related(items, discounts).order_by("code", "pk")


def card_type_get_for(actor: User, pk: int) -> CardType:
    """One card type of the actor's organisation; :class:`NotFound` for a missing pk and for another
    organisation's card type alike."""
    if not 0 < pk <= MAX_ID:
        raise NotFound()
    card_type = card_types_for(actor).filter(pk=pk).first()
    if card_type is None:
        raise NotFound()
    return card_type


def card_type_search_condition(text: str) -> Q:
    """Card types whose code or name contains ``text``, or whose pinyin (full or initials) does."""
    value = text.strip()
    compact = value.lower().replace(" ", "")
    return Q(code__icontains=value) | Q(name__icontains=value) | Q(pinyin__contains=compact)


def project_choices_for(actor: User, include: Iterable[int] = ()) -> QuerySet[Project]:
    """The projects a card may be given: the organisation's active projects, plus ``include`` (the
    projects a card already has, so that an edit page can show a project deactivated since)."""
    ids = [int(pk) for pk in include]
    condition = Q(is_active=True) | Q(pk__in=ids) if ids else Q(is_active=True)
    return organisation_objects(actor, Project).filter(condition).order_by("code", "pk")


def category_choices_for(actor: User, include: Iterable[int] = ()) -> QuerySet[Category]:
    """The categories a stored-value card may discount: the organisation's active categories plus
    ``include``."""
    ids = [int(pk) for pk in include]
    condition = Q(is_active=True) | Q(pk__in=ids) if ids else Q(is_active=True)
    return organisation_objects(actor, Category).filter(condition).order_by("order", "code", "pk")


# --- what a card gives ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectRight:
    """A project of a card: ``sessions`` is its fixed number of sessions on a session or
    combination card, its cap on an N-choose-M card (None: no cap)."""

    project_id: int
    sessions: int | None


@dataclass(frozen=True)
class CategoryDiscount:
    """Paying with a stored-value card, items of ``category_id`` (and below it) cost
    ``pays_percent`` % of their price."""

    category_id: int
    pays_percent: Decimal


@dataclass(frozen=True)
class CardEntitlement:
    """What one card of a type gives its holder, independent of the database.

    * session / combination: ``projects`` with fixed sessions, ``total_sessions`` their sum;
    * choice: ``projects`` is the pool (sessions = optional cap), ``total_sessions`` is M;
    * stored_value: no projects; ``principal`` (the price paid) and ``bonus`` are credited apart,
      ``discounts`` apply when paying with the card.

    ``principal`` and ``bonus`` are 0.00 for the kinds that hold no stored value."""

    card_type_id: int
    kind: str
    price: Decimal
    projects: tuple[ProjectRight, ...]
    total_sessions: int | None
    principal: Decimal
    bonus: Decimal
    discounts: tuple[CategoryDiscount, ...]
    validity_mode: str
    validity_days: int | None
    valid_until: datetime.date | None
    is_transferable: bool
    is_shareable: bool
    max_shared_members: int

    @property
    def stored_value(self) -> Decimal:
        """Principal plus bonus: what a stored-value card puts on the customer's account."""
        return self.principal + self.bonus

    @property
    def project_ids(self) -> tuple[int, ...]:
        return tuple(right.project_id for right in self.projects)

    def sessions_of(self, project_id: int) -> int | None:
        """Fixed sessions (session, combination) or cap (choice) of ``project_id``; None when the
        project is not on the card or has no cap."""
        for right in self.projects:
            if right.project_id == project_id:
                return right.sessions
        return None

    def valid_until_for(self, purchased_on: datetime.date) -> datetime.date | None:
        """The last day a card bought on ``purchased_on`` may be used (None: no expiry). With a
        number of days the purchase day is day 1: 365 days from 2026-03-01 end on 2027-02-28."""
        if self.validity_mode == ValidityMode.DAYS and self.validity_days:
            return purchased_on + datetime.timedelta(days=self.validity_days - 1)
        if self.validity_mode == ValidityMode.FIXED:
            return self.valid_until
        return None


def card_type_entitlements(card_type: CardType) -> CardEntitlement:
    """The rights one card of ``card_type`` gives (uses the prefetched projects and discounts of
    :func:`card_types_for` when loaded)."""
    stored = card_type.kind == CardKind.STORED_VALUE
    return CardEntitlement(
        card_type_id=card_type.pk,
        kind=card_type.kind,
        price=card_type.price,
        projects=tuple(ProjectRight(item.project_id, item.sessions) for item in card_type.items.all()),
        total_sessions=card_type.total_sessions,
        principal=card_type.price if stored else ZERO,
        bonus=card_type.bonus_amount if stored else ZERO,
        discounts=tuple(
            CategoryDiscount(discount.category_id, discount.discount_percent)
            for discount in card_type.discounts.all()
        ),
        validity_mode=card_type.validity_mode,
        validity_days=card_type.validity_days,
        valid_until=card_type.valid_until,
        is_transferable=card_type.is_transferable,
        is_shareable=card_type.is_shareable,
        max_shared_members=card_type.max_shared_members,
    )


def card_type_valid_until(card_type: CardType, purchased_on: datetime.date) -> datetime.date | None:
    """The last day a card of ``card_type`` bought on ``purchased_on`` may be used; None: no expiry."""
    return card_type_entitlements(card_type).valid_until_for(purchased_on)


# --- how a card type reads in lists -----------------------------------------------------------------


def _cny(value: Decimal) -> str:
    """``¥10,000`` for whole yuan, ``¥1,280.50`` otherwise."""
    text = format_cny(value)
    return text.removesuffix(".00")


def _number(value: Decimal) -> str:
    """``90.00`` → ``90``; ``85.50`` → ``85.5``."""
    return f"{value.normalize():f}"


def card_type_summary(card_type: CardType) -> str:
    """What the card holds in one line: ``水光针 × 5 次``, ``5 选 3，每项最多 2 次``,
    ``储值 ¥10,000 赠 ¥1,000，皮肤管理付 90%`` (from the prefetched rows)."""
    separator = pgettext("list separator", ", ")
    items = list(card_type.items.all())
    if card_type.kind in (CardKind.SESSION, CardKind.COMBINATION):
        return " + ".join(
            _("%(project)s × %(sessions)s sessions")
            % {"project": item.project.name, "sessions": item.sessions}
            for item in items
        )
    if card_type.kind == CardKind.CHOICE:
        parts = [_("%(n)s choose %(m)s") % {"n": len(items), "m": card_type.total_sessions}]
        caps = [item.sessions for item in items]
        if caps and all(cap is not None for cap in caps) and len(set(caps)) == 1:
            parts.append(_("at most %(cap)s of each") % {"cap": caps[0]})
        else:
            parts.extend(
                _("%(project)s at most %(cap)s") % {"project": item.project.name, "cap": item.sessions}
                for item in items
                if item.sessions is not None
            )
        return separator.join(parts)
    if card_type.bonus_amount:
        text = _("Stored value %(principal)s, bonus %(bonus)s") % {
            "principal": _cny(card_type.price),
            "bonus": _cny(card_type.bonus_amount),
        }
    else:
        text = _("Stored value %(principal)s") % {"principal": _cny(card_type.price)}
    parts = [text] + [
        _("%(category)s pays %(percent)s%%")
        % {"category": discount.category.name, "percent": _number(discount.discount_percent)}
        for discount in card_type.discounts.all()
    ]
    return separator.join(parts)


def card_type_validity_text(card_type: CardType) -> str:
    """``购买后 365 天``, ``至 2026-12-31`` or ``长期有效``."""
    if card_type.validity_mode == ValidityMode.DAYS:
        return _("%(days)s days from purchase") % {"days": card_type.validity_days}
    if card_type.validity_mode == ValidityMode.FIXED and card_type.valid_until is not None:
        return _("Until %(date)s") % {"date": card_type.valid_until.isoformat()}
    return str(_("No expiry"))


def card_type_sharing_text(card_type: CardType) -> str:
    """``Up to 2 family members`` or ``No``."""
    if card_type.is_shareable:
        return _("Up to %(count)s family members") % {"count": card_type.max_shared_members}
    return str(_("No"))
