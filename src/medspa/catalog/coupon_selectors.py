"""Reads of coupons (券) — MKT-02, restricted by the data scope.

Coupon types are organisation reference data (every user of the organisation with the view
permission sees all of them). Issued coupons and their batches are branch data: the branch scope
sees its active branch's coupons, the department and own scopes those of the customers their
department's consultants / they themselves own (like the customer list), the organisation scope
every branch."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from django.db.models import Model, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from medspa.accounts.models import User
from medspa.accounts.scope import scope_queryset
from medspa.catalog.choices import CouponState
from medspa.catalog.models import Category, Coupon, CouponBatch, CouponEvent, CouponType, Product, Project
from medspa.catalog.scope import organisation_objects
from medspa.core.errors import NotFound, ValidationError
from medspa.customers import selectors as customer_selectors
from medspa.customers.filtersets import CustomerFilterSet
from medspa.customers.models import Customer
from medspa.organization.models import Staff

__all__ = [
    "BULK_FILTER_KEYS",
    "CODE_ALPHABET",
    "coupon_batch_get_for",
    "coupon_batches_for",
    "coupon_bulk_candidates",
    "coupon_by_code_for",
    "coupon_get_for",
    "coupon_scope_choices",
    "coupon_staff_choices",
    "coupon_type_get_for",
    "coupon_type_list_for",
    "coupon_types_for",
    "coupons_for",
    "coupons_usable_for",
    "normalise_code",
]

# Codes use digits and capitals without the look-alikes 0/O and 1/I.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
# The customer list's filters a bulk issue may use (always among active customers).
BULK_FILTER_KEYS = ("q", "status", "consultant", "source_channel", "tag", "member_level")


def _one[M: Model](queryset: QuerySet[M], pk: int) -> M:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


# --- coupon types -----------------------------------------------------------------------------------


def coupon_types_for(actor: User) -> QuerySet[CouponType]:
    """The organisation's coupon types, by code (pickers and filters)."""
    queryset = CouponType.objects.order_by("code", "pk")
    return scope_queryset(queryset, actor, branch=None, organisation="organisation")


def _scope_prefetches() -> tuple[Prefetch[Any, Any, Any], ...]:
    return (
        Prefetch("projects", queryset=Project.objects.order_by("code", "pk")),
        Prefetch("products", queryset=Product.objects.order_by("code", "pk")),
        Prefetch("categories", queryset=Category.objects.order_by("code", "pk")),
    )


def coupon_type_list_for(actor: User) -> QuerySet[CouponType]:
    """The coupon type list of the page, the export and the API: what the table shows comes
    along (the projects, products and categories it applies to) in a constant number of queries."""
    return coupon_types_for(actor).prefetch_related(*_scope_prefetches())


def coupon_type_get_for(actor: User, pk: int) -> CouponType:
    """One coupon type of the actor's organisation with its scope loaded; NotFound otherwise."""
    return _one(coupon_type_list_for(actor), pk)


def coupon_scope_choices(actor: User) -> dict[str, QuerySet[Any]]:
    """What a coupon type may apply to: the organisation's projects, products and categories."""
    return {
        "projects": organisation_objects(actor, Project).order_by("code", "pk"),
        "products": organisation_objects(actor, Product).order_by("code", "pk"),
        "categories": organisation_objects(actor, Category).order_by("order", "code", "pk"),
    }


# --- issued coupons ---------------------------------------------------------------------------------


def coupons_for(actor: User) -> QuerySet[Coupon]:
    """Issued coupons the actor sees, newest first, with what the list shows loaded."""
    queryset = Coupon.objects.select_related(
        "coupon_type", "customer", "staff", "given_by", "branch", "batch"
    ).order_by("-created_at", "-pk")
    return scope_queryset(
        queryset,
        actor,
        branch="branch",
        organisation="organisation",
        department="customer__consultant__department",
        owner="customer__consultant__user",
    )


def coupon_get_for(actor: User, pk: int) -> Coupon:
    """One coupon the actor sees, its history (oldest first) loaded."""
    events = CouponEvent.objects.select_related("actor", "customer").order_by("at", "pk")
    return _one(coupons_for(actor).prefetch_related(Prefetch("events", queryset=events)), pk)


def normalise_code(code: str) -> str:
    """A code as typed (spaces, hyphens, lower case) in its stored form."""
    return "".join(ch for ch in (code or "").upper() if ch not in " -\t")


def coupon_by_code_for(actor: User, code: str) -> Coupon:
    """The coupon with ``code`` among those the actor sees; NotFound otherwise."""
    coupon = coupons_for(actor).filter(code=normalise_code(code)).first()
    if coupon is None:
        raise NotFound(_("No coupon has the code %(code)s.") % {"code": normalise_code(code)})
    return coupon


def coupons_usable_for(actor: User, *, customer_id: int, on_date: datetime.date) -> QuerySet[Coupon]:
    """The coupons ``customer_id`` holds that can be used on ``on_date`` (for the pricing engine):
    issued (not redeemed, expired or void), valid on that date, the customer within the actor's
    customer scope. Their type and its projects, products and categories are loaded; soonest
    ending first."""
    visible = customer_selectors.customers_for(actor).filter(pk=customer_id).values("pk")
    return (
        coupons_for(actor)
        .filter(state=CouponState.ISSUED, customer_id__in=visible, valid_from__lte=on_date)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on_date))
        .prefetch_related(
            Prefetch("coupon_type__projects", queryset=Project.objects.order_by("code", "pk")),
            Prefetch("coupon_type__products", queryset=Product.objects.order_by("code", "pk")),
            Prefetch("coupon_type__categories", queryset=Category.objects.order_by("code", "pk")),
        )
        .order_by("valid_to", "pk")
    )


# --- batches and issuing ----------------------------------------------------------------------------


def coupon_batches_for(actor: User) -> QuerySet[CouponBatch]:
    """Issuing runs the actor sees (branch data; the own scope sees the runs she made)."""
    queryset = CouponBatch.objects.select_related("coupon_type", "branch", "created_by").order_by(
        "-created_at", "-pk"
    )
    return scope_queryset(queryset, actor, branch="branch", owner="created_by")


def coupon_batch_get_for(actor: User, pk: int) -> CouponBatch:
    return _one(coupon_batches_for(actor), pk)


def coupon_bulk_candidates(actor: User, criteria: Mapping[str, Any]) -> QuerySet[Customer]:
    """The active customers within the actor's customer scope that match ``criteria`` — the
    customer list's filters (``BULK_FILTER_KEYS``: search box, status, consultant, source channel,
    tag, member level), applied by the customer list's own FilterSet. A value it refuses is a
    ValidationError naming the filter."""
    unknown = sorted(set(criteria) - set(BULK_FILTER_KEYS))
    if unknown:
        raise ValidationError(
            _("Unknown customer filter: %(name)s.") % {"name": ", ".join(unknown)}, field="criteria"
        )
    data = {key: str(value) for key, value in criteria.items() if value not in (None, "")}
    queryset = customer_selectors.customers_for(actor).filter(is_active=True).order_by("pk")
    filterset = CustomerFilterSet(data, queryset=queryset, request=SimpleNamespace(user=actor))
    if not filterset.is_valid():
        field, messages = next(iter(filterset.errors.items()))
        raise ValidationError(
            str(messages[0]) if messages else _("Invalid value."), field=f"criteria.{field}"
        )
    return filterset.qs.order_by("pk")


def coupon_staff_choices(actor: User) -> QuerySet[Staff]:
    """Staff who may receive a staff coupon: the active staff of the actor's organisation."""
    return customer_selectors.customer_staff_choices(actor)
