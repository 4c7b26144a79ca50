"""One FilterSet per coupon list: it serves the page's filter bar and the API's query parameters."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from medspa.catalog import coupon_selectors as selectors
from medspa.catalog.choices import CouponKind, CouponState
from medspa.catalog.models import Coupon, CouponType
from medspa.customers import selectors as customer_selectors

ACTIVE_CHOICES = [("true", _("Active")), ("false", _("Inactive"))]


def _types(request: Any) -> QuerySet[CouponType]:
    return selectors.coupon_types_for(request.user) if request is not None else CouponType.objects.none()


class CouponTypeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", help_text=_("Code or name."))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CouponKind.choices, empty_label=_("All"))
    is_active = django_filters.ChoiceFilter(
        label=_("State"), choices=ACTIVE_CHOICES, method="filter_active", empty_label=_("All")
    )

    class Meta:
        model = CouponType
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    def filter_active(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(is_active=value == "true")


class CouponFilterSet(django_filters.FilterSet):
    code = django_filters.CharFilter(label=_("Code"), method="filter_code")
    coupon_type = django_filters.ModelChoiceFilter(
        label=_("Coupon type"), queryset=_types, empty_label=_("All")
    )
    state = django_filters.ChoiceFilter(label=_("State"), choices=CouponState.choices, empty_label=_("All"))
    customer = django_filters.CharFilter(
        label=_("Customer"),
        method="filter_customer",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, pinyin, phone or last 4 digits")}
        ),
    )
    batch = django_filters.NumberFilter(
        label=pgettext_lazy("coupon", "Batch no"), field_name="batch_id", min_value=1
    )
    valid_on = django_filters.DateFilter(
        label=_("Valid on"),
        method="filter_valid_on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Coupon
        fields: list[str] = []

    def filter_code(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        code = selectors.normalise_code(value)
        return queryset.filter(code__contains=code) if code else queryset

    def filter_customer(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """The customer box of the customer list (name, pinyin, initials, phone, last 4 digits,
        card no), among the customers the actor may see."""
        if not value.strip():
            return queryset
        matching = customer_selectors.customers_for(self.request.user).filter(
            customer_selectors.customer_search_filter(value)
        )
        return queryset.filter(customer__in=matching.values("pk"))

    def filter_valid_on(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(valid_from__lte=value).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=value)
        )
