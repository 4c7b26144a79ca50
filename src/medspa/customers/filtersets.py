"""One FilterSet for the customer list: it serves the page's filter bar and the API's query
parameters (``GET /api/v1/customers``)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from medspa.configuration.choices import DictionaryKind
from medspa.configuration.models import DictionaryItem
from medspa.configuration.selectors import dictionary_item_path, dictionary_queryset
from medspa.customers import selectors
from medspa.customers.choices import LifecycleStatus
from medspa.customers.models import Customer, MemberLevel
from medspa.organization.models import Staff

ACTIVE_CHOICES = [("true", _("Active")), ("false", _("Inactive"))]


def _organisation_id(request: Any) -> int | None:
    user = getattr(request, "user", None)
    return getattr(user, "organisation_id", None)


def _dictionary(kind: DictionaryKind) -> Any:
    def queryset(request: Any) -> QuerySet[DictionaryItem]:
        organisation_id = _organisation_id(request)
        if organisation_id is None:
            return DictionaryItem.objects.none()
        return dictionary_queryset(organisation_id, kind)

    return queryset


def _staff(request: Any) -> QuerySet[Staff]:
    return selectors.customer_staff_choices(request.user) if request is not None else Staff.objects.none()


def _levels(request: Any) -> QuerySet[MemberLevel]:
    return selectors.member_levels_for(request.user) if request is not None else MemberLevel.objects.none()


class DictionaryChoiceField(forms.ModelChoiceField):
    """Dictionary entries labelled with their path: ``线上 / 微信``, ``客户类型 / VIP``."""

    def label_from_instance(self, obj: DictionaryItem) -> str:
        return dictionary_item_path(obj)


class DictionaryChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = DictionaryChoiceField


class CustomerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name, pinyin, initials, phone, last 4 digits or card no"),
            }
        ),
    )
    status = django_filters.ChoiceFilter(
        label=_("Customer status"), choices=LifecycleStatus.choices, empty_label=_("All")
    )
    consultant = django_filters.ModelChoiceFilter(
        label=_("Consultant"), queryset=_staff, empty_label=_("All")
    )
    source_channel = DictionaryChoiceFilter(
        label=_("Source channel"), queryset=_dictionary(DictionaryKind.CHANNEL), empty_label=_("All")
    )
    tag = DictionaryChoiceFilter(
        label=_("Tag"), field_name="tags", queryset=_dictionary(DictionaryKind.TAG), empty_label=_("All")
    )
    member_level = django_filters.ModelChoiceFilter(
        label=_("Member level"), queryset=_levels, empty_label=_("All")
    )
    is_active = django_filters.ChoiceFilter(
        label=_("State"), choices=ACTIVE_CHOICES, method="filter_active", empty_label=_("All")
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def search(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        """The one box of CRM-04 (name, pinyin, initials, phone, last 4 digits, card no)."""
        if not value.strip():
            return queryset
        return queryset.filter(selectors.customer_search_filter(value))

    def filter_active(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        return queryset.filter(is_active=value == "true")
