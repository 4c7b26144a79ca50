"""One FilterSet per list: it serves the page's filter bar and the API's query parameters."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medspa.customers import record_selectors
from medspa.customers.choices import ComplaintStatus, ConsultationChannel, ConsultationOutcome, FileKind
from medspa.customers.models import Complaint, Consultation, Customer, CustomerFile
from medspa.customers.selectors import customer_search_filter, customers_for
from medspa.organization.models import Staff

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _staff(request: Any) -> QuerySet[Staff]:
    if request is None:
        return Staff.objects.none()
    return record_selectors.staff_choices_for(request.user, active=False)


EARLIEST_DAY = datetime.date(1900, 1, 1)


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the clinic's time zone (range bounds stay index-friendly); days
    before 1900 count as 1900-01-01 (year 1 in UTC+8 would underflow in UTC)."""
    return timezone.make_aware(datetime.datetime.combine(max(day, EARLIEST_DAY), datetime.time.min))


class RecordFilterSet(django_filters.FilterSet):
    """Search by customer (name, pinyin, phone, card no — the customer search box) and a date
    range over ``date_field``."""

    q = django_filters.CharFilter(label=_("Customer"), method="search")
    date_from = django_filters.DateFilter(label=_("From"), method="filter_from", widget=DATE_INPUT)
    date_to = django_filters.DateFilter(label=_("To"), method="filter_to", widget=DATE_INPUT)

    date_field: ClassVar[str] = "created_at"

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        customers = customers_for(self.request.user) if self.request is not None else Customer.objects.none()
        matches = customers.filter(customer_search_filter(value)).values("pk")
        return queryset.filter(Q(customer__in=matches) | Q(customer__name__icontains=value))

    def filter_from(self, queryset: QuerySet[Any], name: str, value: datetime.date) -> QuerySet[Any]:
        return queryset.filter(**{f"{self.date_field}__gte": _day_start(value)})

    def filter_to(self, queryset: QuerySet[Any], name: str, value: datetime.date) -> QuerySet[Any]:
        if value >= datetime.date.max:
            return queryset
        return queryset.filter(**{f"{self.date_field}__lt": _day_start(value + datetime.timedelta(days=1))})


class ConsultationFilterSet(RecordFilterSet):
    consultant = django_filters.ModelChoiceFilter(
        label=_("Consultant"), queryset=_staff, empty_label=_("All")
    )
    outcome = django_filters.ChoiceFilter(
        label=_("Outcome"), choices=ConsultationOutcome.choices, empty_label=_("All")
    )
    channel = django_filters.ChoiceFilter(
        label=_("Consultation channel"), choices=ConsultationChannel.choices, empty_label=_("All")
    )

    date_field = "consulted_at"

    class Meta:
        model = Consultation
        fields: list[str] = []


class ComplaintFilterSet(RecordFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ComplaintStatus.choices, empty_label=_("All")
    )
    assignee = django_filters.ModelChoiceFilter(label=_("Assignee"), queryset=_staff, empty_label=_("All"))

    date_field = "received_at"

    class Meta:
        model = Complaint
        fields: list[str] = []


class CustomerFileFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("File kind"), choices=FileKind.choices, empty_label=_("All"))

    class Meta:
        model = CustomerFile
        fields: list[str] = []
