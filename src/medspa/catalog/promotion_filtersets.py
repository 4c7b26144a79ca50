"""The promotion list's FilterSet: it serves the page's filter bar and the API's query parameters."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from medspa.catalog.choices import PromotionKind
from medspa.catalog.models import Promotion
from medspa.catalog.promotion_selectors import PromotionStatus
from medspa.organization import selectors as org_selectors
from medspa.organization.models import Branch


def _branches(request: Any) -> QuerySet[Branch]:
    return org_selectors.branches_for(request.user) if request is not None else Branch.objects.none()


class PromotionFilterSet(django_filters.FilterSet):
    """Search by code or name; kind; status now (``status`` annotated by ``promotions_for``);
    promotions valid in a branch."""

    q = django_filters.CharFilter(label=_("Search"), method="search", help_text=_("Code or name."))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=PromotionKind.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=PromotionStatus.choices, empty_label=_("All"), method="filter_status"
    )
    branch = django_filters.ModelChoiceFilter(
        label=_("Branch"), queryset=_branches, method="filter_branch", empty_label=_("All")
    )

    class Meta:
        model = Promotion
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    def filter_status(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(status=value)

    def filter_branch(self, queryset: QuerySet[Any], name: str, value: Branch) -> QuerySet[Any]:
        return queryset.filter(branches=value)
