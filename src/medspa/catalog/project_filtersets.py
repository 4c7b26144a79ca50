"""One FilterSet per list of the project family: it serves the page's filter bar and the API's
query parameters."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from medspa.catalog import project_selectors as selectors
from medspa.catalog.models import Category, Project, ProjectArticle, ProjectCase
from medspa.catalog.project_forms import CategoryChoiceField, DepartmentChoiceField
from medspa.catalog.scope import category_subtree_ids
from medspa.organization.models import Department

ACTIVE_CHOICES = [("true", _("Active")), ("false", _("Inactive"))]


def _categories(request: Any) -> QuerySet[Category]:
    return selectors.categories_for(request.user) if request is not None else Category.objects.none()


def _departments(request: Any) -> QuerySet[Department]:
    return selectors.department_choices(request.user) if request is not None else Department.objects.none()


class CategoryChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = CategoryChoiceField


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


class CategoryFilterSet(ActiveFilterSet):
    class Meta:
        model = Category
        fields: list[str] = []


class ProjectFilterSet(ActiveFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="search", help_text=_("Code, name, pinyin or its initials.")
    )
    category = CategoryChoiceFilter(
        label=_("Category"),
        queryset=_categories,
        method="filter_category",
        help_text=_("Sub-categories included."),
    )
    department = DepartmentChoiceFilter(label=_("Department"), queryset=_departments)

    class Meta:
        model = Project
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        return queryset.filter(selectors.project_search_condition(value)) if value else queryset

    def filter_category(self, queryset: QuerySet[Any], name: str, value: Category | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(category_id__in=category_subtree_ids(value.organisation_id, [value.pk]))


class ArticleFilterSet(django_filters.FilterSet):
    is_active = django_filters.ChoiceFilter(
        label=_("State"),
        choices=ACTIVE_CHOICES,
        empty_label=_("All"),
        method=lambda qs, _name, value: qs.filter(is_active=value == "true"),
    )

    class Meta:
        model = ProjectArticle
        fields: list[str] = []


class CaseFilterSet(ArticleFilterSet):
    class Meta:
        model = ProjectCase
        fields: list[str] = []
