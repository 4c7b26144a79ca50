"""FilterSets of the product and package lists: each serves the page's filter bar and the API's
query parameters."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from medspa.accounts.scope import actor_organisation_id
from medspa.catalog import product_selectors as selectors
from medspa.catalog.models import Category, Package, Product
from medspa.catalog.product_forms import CategoryChoiceField
from medspa.catalog.scope import category_subtree_ids, organisation_objects

ACTIVE_CHOICES = [("true", _("Active")), ("false", _("Inactive"))]
YES_NO = [("true", _("Yes")), ("false", _("No"))]


def _categories(request: Any) -> QuerySet[Category]:
    if request is None or not request.user.is_authenticated or request.user.organisation_id is None:
        return Category.objects.none()
    return organisation_objects(request.user, Category)


class CategoryChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = CategoryChoiceField


class CatalogFilterSet(django_filters.FilterSet):
    """Search by code, name or pinyin; category (with everything below it); state."""

    q = django_filters.CharFilter(
        label=_("Search"), method="search", help_text=_("Code, name, pinyin or initials.")
    )
    category = CategoryChoiceFilter(
        label=_("Category"),
        queryset=_categories,
        method="filter_category",
        help_text=_("Sub-categories included."),
    )
    is_active = django_filters.ChoiceFilter(
        label=_("State"), choices=ACTIVE_CHOICES, method="filter_active", empty_label=_("All")
    )

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        return queryset.filter(selectors.product_search_condition(value)) if value else queryset

    def filter_category(self, queryset: QuerySet[Any], name: str, value: Category | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        organisation_id = actor_organisation_id(self.request.user)
        return queryset.filter(category_id__in=category_subtree_ids(organisation_id, [value.pk]))

    def filter_active(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(is_active=value == "true")


class ProductFilterSet(CatalogFilterSet):
    is_prescription = django_filters.ChoiceFilter(
        label=_("Prescription only"), choices=YES_NO, method="filter_prescription", empty_label=_("All")
    )

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_prescription(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(is_prescription=value == "true")


class PackageFilterSet(CatalogFilterSet):
    class Meta:
        model = Package
        fields: list[str] = []
