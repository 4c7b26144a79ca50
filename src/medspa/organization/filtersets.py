"""One FilterSet per list: it serves the page's filter bar and the API's query parameters."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from medspa.organization import selectors
from medspa.organization.forms import DepartmentChoiceField
from medspa.organization.models import Branch, Department, Position, Staff

ACTIVE_CHOICES = [("true", _("Active")), ("false", _("Inactive"))]


def _branches(request: Any) -> QuerySet[Branch]:
    return selectors.branches_for(request.user) if request is not None else Branch.objects.none()


def _departments(request: Any) -> QuerySet[Department]:
    return selectors.departments_for(request.user) if request is not None else Department.objects.none()


def _positions(request: Any) -> QuerySet[Position]:
    return selectors.positions_for(request.user) if request is not None else Position.objects.none()


class DepartmentChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = DepartmentChoiceField


class ActiveFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    is_active = django_filters.ChoiceFilter(
        label=_("State"), choices=ACTIVE_CHOICES, method="filter_active", empty_label=_("All")
    )

    search_fields: tuple[str, ...] = ("code", "name")

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)

    def filter_active(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(is_active=value == "true")


class BranchFilterSet(ActiveFilterSet):
    search_fields = ("code", "name", "address", "phone")

    class Meta:
        model = Branch
        fields: list[str] = []


class DepartmentFilterSet(ActiveFilterSet):
    branch = django_filters.ModelChoiceFilter(label=_("Branch"), queryset=_branches)

    class Meta:
        model = Department
        fields: list[str] = []


class PositionFilterSet(ActiveFilterSet):
    class Meta:
        model = Position
        fields: list[str] = []


class StaffFilterSet(ActiveFilterSet):
    branch = django_filters.ModelChoiceFilter(label=_("Branch"), queryset=_branches)
    department = DepartmentChoiceFilter(label=_("Department"), queryset=_departments)
    position = django_filters.ModelChoiceFilter(
        label=_("Position"), field_name="positions", queryset=_positions
    )

    class Meta:
        model = Staff
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Name, employee no or phone; a phone typed with spaces or dashes still matches."""
        value = value.strip()
        if not value:
            return queryset
        condition = Q(name__icontains=value) | Q(employee_no__icontains=value) | Q(phone__contains=value)
        digits = re.sub(r"[\s-]", "", value)
        if digits.isdigit() and digits != value:
            condition |= Q(phone__contains=digits)
        return queryset.filter(condition)
