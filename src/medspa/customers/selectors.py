"""Reads of customers, restricted by the data scope (PLT-05): an "own" consultant sees the
customers she owns, a department the customers owned by its staff, a branch its customers."""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any, NamedTuple

from django.db import connections
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from medspa.accounts.models import User
from medspa.accounts.scope import actor_organisation_id, scope_queryset
from medspa.audit.choices import Result
from medspa.audit.models import AuditEvent
from medspa.configuration.choices import DictionaryKind
from medspa.configuration.models import DictionaryItem
from medspa.core.errors import NotFound
from medspa.customers.choices import ComplaintStatus
from medspa.customers.models import Bytewise, Complaint, Customer, CustomField, MemberLevel
from medspa.customers.search import classify, name_keys
from medspa.organization.models import Staff

SEARCH_LIMIT = 20


def customers_for(actor: User) -> QuerySet[Customer]:
    queryset = Customer.objects.filter(merged_into=None)
    return scope_queryset(
        queryset,
        actor,
        branch="branch",
        organisation="organisation",
        department="consultant__department",
        owner="consultant__user",
    )


def customer_get_for(actor: User, pk: int) -> Customer:
    customer = (
        customers_for(actor)
        .select_related(
            "branch",
            "consultant",
            "doctor",
            "source_channel",
            "info_source",
            "region",
            "member_level",
            "referrer_customer",
            "referrer_staff",
        )
        .filter(pk=pk)
        .first()
    )
    if customer is None:
        raise NotFound()
    return customer


class _Term(NamedTuple):
    """One branch of the one-box search: its condition; for a prefix lookup the search key and
    the prefix; ``implied``, a condition the branch implies that lets SQLite use a partial index."""

    condition: Q
    key: str = ""
    prefix: str = ""
    implied: Q = Q()


def _search_terms(query: str) -> list[_Term]:
    text = query.strip()
    kind = classify(text)
    card = _Term(Q(card_no=text), implied=~Q(card_no=""))
    if kind == "last4":
        return [_Term(Q(phone_last4=text)), card]
    if kind == "phone":
        return [_Term(Q(phone__startswith=text), "phone", text), card]
    if kind == "pinyin":
        lower = text.lower()
        return [
            _Term(Q(name_initials__startswith=lower), "name_initials", lower),
            _Term(Q(name_pinyin__startswith=lower), "name_pinyin", lower),
            card,
        ]
    full, _initials = name_keys(text)
    terms = [_Term(Q(name__startswith=text), "name", text), card]
    if full and not text.isascii():
        terms.append(_Term(Q(name_pinyin__startswith=full), "name_pinyin", full))
    return terms


def customer_search_filter(query: str) -> Q:
    """One box (CRM-04): name or its start, full pinyin or initials prefix, full phone or its last
    4 digits, card no. Each branch is an indexed equality or prefix lookup."""
    return reduce(operator.or_, (term.condition for term in _search_terms(query)))


def customer_search(actor: User, query: str, *, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """The top-bar autocomplete: at most ``limit`` customers matching ``query`` within the
    actor's scope, by pinyin.

    One statement whose cost does not grow with the number of matches (``张`` or ``z`` match a
    tenth of all customers): each branch of :func:`customer_search_filter` picks at most ``limit``
    candidates in the scope off its index — a prefix branch as the range of its key in byte order
    (:class:`~medspa.customers.models.Bytewise`; the same rows as ``startswith`` matches on
    PostgreSQL, and a range SQLite's planner uses too), read in that order; an exact branch by
    pinyin — and the union of the candidates is sorted by pinyin. With more than ``limit``
    matches the result is thus the first ``limit`` of each branch, sorted, not necessarily the
    first ``limit`` of all matches by pinyin; typing on narrows it.
    """
    if not query.strip():
        return []
    scoped = customers_for(actor)
    candidates: list[QuerySet[Any, Any]] = []
    for term in _search_terms(query):
        if term.key:
            upper = _after_prefix(term.prefix)
            in_range = Q(search_key__gte=term.prefix) & (Q(search_key__lt=upper) if upper else Q())
            keyed = scoped.alias(search_key=Bytewise(term.key)).filter(in_range)
            candidates.append(keyed.order_by("search_key", "pk").values("pk")[:limit])
        else:
            exact = scoped.filter(term.condition, term.implied)
            candidates.append(exact.order_by("name_pinyin", "pk").values("pk")[:limit])
    if connections[scoped.db].features.supports_slicing_ordering_in_compound:
        within = Q(pk__in=candidates[0].union(*candidates[1:], all=True))
    else:  # SQLite allows no LIMIT in the parts of a UNION; "IN (a) OR IN (b)" means the same
        within = reduce(operator.or_, (Q(pk__in=part) for part in candidates))
    return list(
        Customer.objects.filter(within).select_related("consultant").order_by("name_pinyin", "pk")[:limit]
    )


def _after_prefix(prefix: str) -> str | None:
    """The least string after every string that starts with ``prefix`` in code point (= UTF-8
    byte) order; None when there is none."""
    code = ord(prefix[-1]) + 1
    if 0xD800 <= code <= 0xDFFF:  # surrogates are no characters
        code = 0xE000
    return prefix[:-1] + chr(code) if code <= 0x10FFFF else None


# --- pages and API (list, archive, choices) -------------------------------------------------------

OPEN_COMPLAINT_STATUSES = (ComplaintStatus.OPEN, ComplaintStatus.ASSIGNED)
TIMELINE_LIMIT = 100


def _tags_prefetch() -> Prefetch[str, QuerySet[DictionaryItem], str]:
    """A customer's tags in display order (group, then tag) with the group for its name."""
    return Prefetch(
        "tags",
        queryset=DictionaryItem.objects.select_related("parent").order_by("parent__order", "order", "pk"),
    )


def customer_list_for(actor: User) -> QuerySet[Customer]:
    """The customer list of the page, the export and the API: what the table shows comes along
    (consultant, member level, tags), so the number of queries does not grow with the rows."""
    return (
        customers_for(actor).select_related("consultant", "member_level").prefetch_related(_tags_prefetch())
    )


def customer_archive_get_for(actor: User, pk: int) -> Customer:
    """One customer for the archive (CRM-06): the related rows of the header, the tags and the
    number of open complaints (``open_complaints``) in two queries."""
    open_complaints = (
        Complaint.objects.filter(customer=OuterRef("pk"), status__in=OPEN_COMPLAINT_STATUSES)
        .order_by()
        .values("customer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    customer = (
        customers_for(actor)
        .select_related(
            "branch",
            "consultant",
            "doctor",
            "source_channel__parent",
            "info_source__parent",
            "region__parent",
            "member_level",
            "referrer_customer",
            "referrer_staff",
            "created_by",
        )
        .prefetch_related(_tags_prefetch())
        .annotate(open_complaints=Coalesce(Subquery(open_complaints, output_field=IntegerField()), Value(0)))
        .filter(pk=pk)
        .first()
    )
    if customer is None:
        raise NotFound()
    return customer


def customer_staff_choices(actor: User) -> QuerySet[Staff]:
    """Staff who may be chosen as consultant, doctor or referrer: the active staff of the actor's
    organisation (a staff directory, not data under the actor's scope)."""
    if actor.organisation_id is None:
        return Staff.objects.none()
    return Staff.objects.filter(organisation_id=actor.organisation_id, is_active=True).order_by("name", "pk")


def member_levels_for(actor: User) -> QuerySet[MemberLevel]:
    """The active member levels of the actor's organisation (filter choices)."""
    if actor.organisation_id is None:
        return MemberLevel.objects.none()
    return MemberLevel.objects.filter(organisation_id=actor.organisation_id, is_active=True).order_by(
        "order", "pk"
    )


def custom_fields_in_list(actor: User) -> list[CustomField]:
    """The active custom fields marked "shown in list", in order — the list's extra columns."""
    if actor.organisation_id is None:
        return []
    return list(
        CustomField.objects.filter(
            organisation_id=actor.organisation_id, is_active=True, show_in_list=True
        ).order_by("order", "pk")
    )


def customer_timeline(customer: Customer, *, limit: int = TIMELINE_LIMIT) -> list[AuditEvent]:
    """The audited actions on one customer, newest first (the archive's timeline). The caller has
    fetched ``customer`` through the actor's scope; events carry references, not personal data."""
    return list(
        AuditEvent.objects.filter(
            organisation_id=customer.organisation_id,
            object_type=Customer._meta.label_lower,
            object_id=str(customer.pk),
            result=Result.SUCCESS,
        ).order_by("-pk")[:limit]
    )


def tag_groups_for(actor: User) -> list[dict[str, Any]]:
    """The organisation's active tag groups, each with its active tags (CRM-03), in order; two
    queries whatever their number."""
    org = actor_organisation_id(actor)
    groups = DictionaryItem.objects.filter(organisation_id=org, kind=DictionaryKind.TAG_GROUP, is_active=True)
    tags = DictionaryItem.objects.filter(
        organisation_id=org, kind=DictionaryKind.TAG, is_active=True, parent__is_active=True
    ).order_by("order", "pk")
    by_group: dict[int | None, list[dict[str, Any]]] = {}
    for tag in tags:
        by_group.setdefault(tag.parent_id, []).append({"id": tag.pk, "name": tag.name, "colour": tag.colour})
    return [
        {"id": g.pk, "name": g.name, "multiple": g.multiple, "tags": by_group.get(g.pk, [])}
        for g in groups.order_by("order", "pk")
    ]
