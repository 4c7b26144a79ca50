from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medspa.accounts import selectors
from medspa.accounts.choices import DataScope
from medspa.accounts.models import ApiToken, User
from medspa.organization import selectors as org_selectors
from medspa.organization.models import Branch


class ApiTokenFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=[("usable", _("Usable")), ("expired", _("Expired")), ("revoked", _("Revoked"))],
        method="filter_state",
        empty_label=_("All"),
    )

    class Meta:
        model = ApiToken
        fields: list[str] = []

    def search(self, queryset: QuerySet[ApiToken], name: str, value: str) -> QuerySet[ApiToken]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(prefix__startswith=value))

    def filter_state(self, queryset: QuerySet[ApiToken], name: str, value: str) -> QuerySet[ApiToken]:
        now = timezone.now()
        if value == "usable":
            return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
        if value == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


def _roles(request: Any) -> QuerySet[Group]:
    return selectors.roles_for(request.user) if request is not None else Group.objects.none()


def _branches(request: Any) -> QuerySet[Branch]:
    return org_selectors.branches_for(request.user) if request is not None else Branch.objects.none()


def _yes_no() -> forms.Select:
    """A three-way select reading 全部 / 是 / 否 (Django's default says 未知 for "no filter")."""
    return forms.Select(choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))])


class AccountFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    role = django_filters.ModelChoiceFilter(
        label=_("Role"), field_name="groups", queryset=_roles, distinct=True, empty_label=_("All")
    )
    branch = django_filters.ModelChoiceFilter(
        label=_("Branch"), field_name="branches", queryset=_branches, distinct=True, empty_label=_("All")
    )
    is_active = django_filters.BooleanFilter(label=_("Active"), widget=_yes_no())
    locked = django_filters.BooleanFilter(label=_("Locked"), method="filter_locked", widget=_yes_no())

    class Meta:
        model = User
        fields: list[str] = []

    def search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value)
            | Q(display_name__icontains=value)
            | Q(staff__name__icontains=value)
            | Q(staff__employee_no__iexact=value)
        )

    def filter_locked(self, queryset: QuerySet[User], name: str, value: bool | None) -> QuerySet[User]:
        if value is None:
            return queryset
        locked = Q(locked_until__gt=timezone.now())
        return queryset.filter(locked) if value else queryset.exclude(locked)


class RoleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), field_name="name", lookup_expr="icontains")
    data_scope = django_filters.ChoiceFilter(
        label=_("Data scope"),
        field_name="profile__data_scope",
        choices=DataScope.choices,
        empty_label=_("All"),
    )

    class Meta:
        model = Group
        fields: list[str] = []
