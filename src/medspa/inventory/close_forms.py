"""Input shapes of the monthly close pages (INV-10) and the FilterSet their list and the API
share. The services decide what is acceptable."""

from __future__ import annotations

import datetime
import re
from typing import Any

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medspa.inventory import master_selectors
from medspa.inventory.choices import CloseStatus
from medspa.inventory.ledger import month_start
from medspa.inventory.models import MonthClose, Warehouse
from medspa.inventory.stocktake_forms import WarehouseChoiceField, WarehouseChoiceFilter, warehouse_choices

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(value: str) -> datetime.date | None:
    """``"2026-03"`` → 2026-03-01; anything else → None."""
    match = _MONTH.match((value or "").strip())
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        return None
    return datetime.date(year, month, 1)


def previous_month(today: datetime.date | None = None) -> datetime.date:
    first = month_start(today or timezone.localdate())
    return month_start(first - datetime.timedelta(days=1))


class CloseFilterSet(django_filters.FilterSet):
    warehouse = WarehouseChoiceFilter(label=_("Warehouse"), queryset=warehouse_choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CloseStatus.choices, empty_label=_("All"))
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="month__year", min_value=1900, max_value=9999
    )

    class Meta:
        model = MonthClose
        fields: list[str] = []


class MonthField(forms.CharField):
    """A month typed or picked as ``YYYY-MM``."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"})

    def to_python(self, value: Any) -> datetime.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        parsed = parse_month(text)
        if parsed is None:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, for example 2026-03."))
        return parsed


class CloseMonthForm(forms.Form):
    warehouse = WarehouseChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none())
    month = MonthField(label=_("Month"), help_text=_("A month that has ended, after the last closed month."))

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = master_selectors.warehouses_for(actor).filter(  # type: ignore[attr-defined]
            is_active=True
        )
        if not self.is_bound:
            self.initial.setdefault("month", f"{previous_month():%Y-%m}")


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the month is reopened; it is kept in the audit log."),
    )


class AsOfForm(forms.Form):
    warehouse = WarehouseChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none())
    at = forms.DateTimeField(
        label=_("As of"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("The stock just before this moment."),
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = master_selectors.warehouses_for(actor)  # type: ignore[attr-defined]
