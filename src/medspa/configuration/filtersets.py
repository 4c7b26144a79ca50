"""One FilterSet per list: it serves the page's filter bar and the API's query parameters."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from medspa.configuration.models import DictionaryItem, VisitStage

ACTIVE_CHOICES = [("true", _("Active")), ("false", _("Inactive"))]


class _ActiveFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    is_active = django_filters.ChoiceFilter(
        label=_("State"), choices=ACTIVE_CHOICES, method="filter_active", empty_label=_("All")
    )

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    def filter_active(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value in ("true", "false"):
            return queryset.filter(is_active=value == "true")
        return queryset


class DictionaryItemFilterSet(_ActiveFilterSet):
    class Meta:
        model = DictionaryItem
        fields: list[str] = []


class VisitStageFilterSet(_ActiveFilterSet):
    class Meta:
        model = VisitStage
        fields: list[str] = []
