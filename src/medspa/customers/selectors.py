"""Reads of customers, restricted by the data scope (PLT-05): an "own" consultant sees the
customers she owns, a department the customers owned by its staff, a branch its customers."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from medspa.accounts.models import User
from medspa.accounts.scope import scope_queryset
from medspa.core.errors import NotFound
from medspa.customers.models import Customer
from medspa.customers.search import classify, name_keys

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


def customer_search_filter(query: str) -> Q:
    """One box (CRM-04): name or its start, full pinyin or initials prefix, full phone or its last
    4 digits, card no. Each branch is an indexed equality or prefix lookup."""
    text = query.strip()
    kind = classify(text)
    if kind == "last4":
        return Q(phone_last4=text) | Q(card_no=text)
    if kind == "phone":
        return Q(phone__startswith=text) | Q(card_no=text)
    if kind == "pinyin":
        lower = text.lower()
        return Q(name_initials__startswith=lower) | Q(name_pinyin__startswith=lower) | Q(card_no=text)
    full, _initials = name_keys(text)
    condition = Q(name__startswith=text) | Q(card_no=text)
    if full and not text.isascii():
        condition |= Q(name_pinyin__startswith=full)
    return condition


def customer_search(actor: User, query: str, *, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """The top-bar autocomplete: at most ``limit`` matches within the actor's scope."""
    if not query.strip():
        return []
    return list(
        customers_for(actor)
        .filter(customer_search_filter(query))
        .select_related("consultant")
        .order_by("name_pinyin", "pk")[:limit]
    )
