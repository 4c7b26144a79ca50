"""One FilterSet for the audit page's filter bar and the API's query parameters."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from medspa.audit.choices import ACTION_LABELS, Result
from medspa.audit.models import AuditEvent
from medspa.audit.selectors import module_choices
from medspa.audit.services import normalise_ip

# Outside these days a filter selects everything (and the date arithmetic would overflow).
_FIRST_DAY = datetime.date(1900, 1, 1)
_LAST_DAY = datetime.date(9999, 12, 1)
_IP_PREFIX = re.compile(r"^[0-9A-Fa-f:.]+$")


class DatalistInput(forms.TextInput):
    """A text box with suggestions (an HTML ``<datalist>``): pick a known value or type any."""

    def __init__(self, options: Callable[[], Iterable[tuple[str, Any]]], attrs: dict[str, Any] | None = None):
        super().__init__(attrs)
        self.options = options

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or 'id_' + name}-options"
        attrs["list"] = list_id
        attrs.setdefault("autocomplete", "off")
        html = super().render(name, value, attrs, renderer)
        options = format_html_join(
            "", '<option value="{}">{}</option>', ((v, label) for v, label in self.options())
        )
        return mark_safe(html + format_html('<datalist id="{}">{}</datalist>', list_id, options))  # noqa: S308


def _action_options() -> list[tuple[str, Any]]:
    return list(ACTION_LABELS.items())


def _local_day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the clinic's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditEventFilterSet(django_filters.FilterSet):
    user = django_filters.CharFilter(label=_("User"), field_name="actor_name", lookup_expr="icontains")
    module = django_filters.CharFilter(
        label=_("Module"), field_name="module", widget=DatalistInput(module_choices)
    )
    action = django_filters.CharFilter(
        label=_("Action"), field_name="action", widget=DatalistInput(_action_options)
    )
    result = django_filters.ChoiceFilter(label=_("Result"), choices=Result.choices, empty_label=_("All"))
    time_from = django_filters.DateFilter(
        label=_("From"), method="filter_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    time_to = django_filters.DateFilter(
        label=_("To"), method="filter_to", widget=forms.DateInput(attrs={"type": "date"})
    )
    ip = django_filters.CharFilter(label=_("IP address"), method="filter_ip", max_length=45)

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_from(
        self, queryset: QuerySet[AuditEvent], name: str, value: datetime.date
    ) -> QuerySet[AuditEvent]:
        if value < _FIRST_DAY:
            return queryset
        return queryset.filter(occurred_at__gte=_local_day_start(value))

    def filter_to(
        self, queryset: QuerySet[AuditEvent], name: str, value: datetime.date
    ) -> QuerySet[AuditEvent]:
        """Up to the end of that day (inclusive)."""
        if value > _LAST_DAY:
            return queryset
        return queryset.filter(occurred_at__lt=_local_day_start(value + datetime.timedelta(days=1)))

    def filter_ip(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        """A whole address matches exactly; a beginning such as ``192.168.1.`` matches by prefix."""
        value = value.strip()
        if not value:
            return queryset
        address = normalise_ip(value)
        if address is not None:
            return queryset.filter(ip=address)
        if _IP_PREFIX.match(value):
            return queryset.filter(ip__startswith=value.lower())
        return queryset.none()
