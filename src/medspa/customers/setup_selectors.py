"""Reads of the CRM setup: custom-field definitions (CRM-02) and member levels (MBR-01). Both are
organisation-level reference data: everyone of the organisation sees them (the data scope
restricts to it), whatever their branch."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from medspa.accounts import selectors as account_selectors
from medspa.accounts.models import User
from medspa.accounts.scope import scope_queryset
from medspa.core.errors import NotFound
from medspa.customers.models import Customer, CustomField, MemberLevel

__all__ = [
    "custom_field_get_for",
    "custom_field_role_choices",
    "custom_fields_for",
    "member_level_get_for",
    "member_levels_for",
]


# --- custom fields ---------------------------------------------------------------------------------


def custom_fields_for(actor: User) -> QuerySet[CustomField]:
    """The custom-field definitions of the actor's organisation in form order, inactive ones too;
    the roles that may edit each come prefetched (by name)."""
    queryset = CustomField.objects.prefetch_related(
        Prefetch("editable_by", queryset=Group.objects.order_by("name"))
    ).order_by("order", "pk")
    return scope_queryset(queryset, actor, branch=None, organisation="organisation")


def custom_field_get_for(actor: User, pk: int) -> CustomField:
    field = custom_fields_for(actor).filter(pk=pk).first()
    if field is None:
        raise NotFound()
    return field


def custom_field_role_choices(actor: User) -> list[tuple[int, str]]:
    """The roles the actor may name as "roles that may edit": those the actor can see (the
    built-in roles and the organisation's own). Empty when the actor may not see roles."""
    return [(role.pk, role.name) for role in account_selectors.roles_for(actor)]


# --- member levels ---------------------------------------------------------------------------------


def _holders() -> Coalesce:
    """How many active customers hold the level (one correlated count per row, no extra query)."""
    counts = (
        Customer.objects.filter(member_level=OuterRef("pk"), is_active=True, merged_into=None)
        .order_by()
        .values("member_level")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def member_levels_for(actor: User) -> QuerySet[MemberLevel]:
    """The member levels of the actor's organisation in order (inactive ones too), each with
    ``holders``: the number of active customers at that level."""
    queryset = MemberLevel.objects.annotate(holders=_holders()).order_by("order", "pk")
    return scope_queryset(queryset, actor, branch=None, organisation="organisation")


def member_level_get_for(actor: User, pk: int) -> MemberLevel:
    level = member_levels_for(actor).filter(pk=pk).first()
    if level is None:
        raise NotFound()
    return level
