"""The card type list's FilterSet: it serves the page's filter bar and the API's query parameters."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from medspa.catalog.card_selectors import card_type_search_condition
from medspa.catalog.choices import CardKind
from medspa.catalog.models import CardType

ACTIVE_CHOICES = [("true", _("Active")), ("false", _("Inactive"))]


class CardTypeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="search", help_text=_("Code, name, pinyin or initials.")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CardKind.choices, empty_label=_("All"))
    is_active = django_filters.ChoiceFilter(
        label=_("State"), choices=ACTIVE_CHOICES, method="filter_active", empty_label=_("All")
    )

    class Meta:
        model = CardType
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        return queryset.filter(card_type_search_condition(value)) if value else queryset

    def filter_active(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(is_active=value == "true")
