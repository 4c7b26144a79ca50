"""One FilterSet per policy list (discount rules, discount authority, commission plans): each serves
the page's filter bar and the API's query parameters."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from medspa.catalog import policy_selectors as selectors
from medspa.catalog.choices import CommissionBasis, CommissionKind
from medspa.catalog.models import CommissionPlan, DiscountRule
from medspa.catalog.policy_selectors import TargetKind
from medspa.catalog.scope import organisation_objects
from medspa.organization.models import Position

YES_NO = [("true", _("Yes")), ("false", _("No"))]
ACTIVE_CHOICES = [("true", _("Active")), ("false", _("Inactive"))]
RULE_TARGET_CHOICES = [
    (TargetKind.PROJECT, _("Project")),
    (TargetKind.PRODUCT, _("Product")),
    (TargetKind.CATEGORY, _("Category")),
]
PLAN_TARGET_CHOICES = [
    (TargetKind.PROJECT, _("Project")),
    (TargetKind.PRODUCT, _("Product")),
    (TargetKind.CARD_TYPE, _("Card type")),
    (TargetKind.CATEGORY, _("Category")),
    (TargetKind.ALL, _("Everything")),
]


def _search(queryset: QuerySet[Any], value: str, kinds: tuple[str, ...], *extra: str) -> QuerySet[Any]:
    """Rows whose target's code, name or pinyin (full or initials) — or one of ``extra`` — holds
    ``value``."""
    value = value.strip()
    if not value:
        return queryset
    compact = value.lower().replace(" ", "")
    condition = Q()
    for kind in kinds:
        condition |= Q(**{f"{kind}__code__icontains": value}) | Q(**{f"{kind}__name__icontains": value})
        if kind != TargetKind.CATEGORY:
            condition |= Q(**{f"{kind}__pinyin__contains": compact})
    for field in extra:
        condition |= Q(**{f"{field}__icontains": value})
    return queryset.filter(condition)


def _positions(request: Any) -> QuerySet[Position]:
    if request is None:
        return Position.objects.none()
    return organisation_objects(request.user, Position).order_by("order", "code", "pk")


class DiscountRuleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Code, name or pinyin of the project, product or category."),
    )
    target_kind = django_filters.ChoiceFilter(
        label=_("Set on"), choices=RULE_TARGET_CHOICES, empty_label=_("All")
    )
    never_discount = django_filters.ChoiceFilter(
        label=_("Never discounted"), choices=YES_NO, empty_label=_("All"), method="filter_never"
    )

    class Meta:
        model = DiscountRule
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _search(queryset, value, selectors.RULE_TARGETS, "note")

    def filter_never(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(never_discount=value == "true")


class DiscountAuthorityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", help_text=_("Part of the role's name."))
    has_authority = django_filters.ChoiceFilter(
        label=_("Has discount authority"), choices=YES_NO, empty_label=_("All"), method="filter_authority"
    )
    builtin = django_filters.ChoiceFilter(
        label=_("Built-in role"), choices=YES_NO, empty_label=_("All"), method="filter_builtin"
    )

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(profile__description__icontains=value))

    def filter_authority(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(min_percent__isnull=value != "true")

    def filter_builtin(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(profile__organisation__isnull=value == "true")


class CommissionPlanFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Plan name, or code, name or pinyin of its project, product, card type or category."),
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CommissionKind.choices, empty_label=_("All"))
    basis = django_filters.ChoiceFilter(
        label=_("Basis"), choices=CommissionBasis.choices, empty_label=_("All")
    )
    position = django_filters.ModelChoiceFilter(label=_("Position"), queryset=_positions)
    target_kind = django_filters.ChoiceFilter(
        label=_("Set on"), choices=PLAN_TARGET_CHOICES, empty_label=_("All")
    )
    on = django_filters.DateFilter(
        label=_("Effective on"),
        method="filter_on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    is_active = django_filters.ChoiceFilter(
        label=_("State"), choices=ACTIVE_CHOICES, empty_label=_("All"), method="filter_active"
    )

    class Meta:
        model = CommissionPlan
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _search(queryset, value, selectors.PLAN_TARGETS, "name")

    def filter_on(self, queryset: QuerySet[Any], name: str, value: datetime.date | None) -> QuerySet[Any]:
        return queryset.filter(selectors.effective_on(value)) if value else queryset

    def filter_active(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(is_active=value == "true")
