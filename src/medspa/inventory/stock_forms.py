"""Form pieces of the stock pages: the filter forms' checks (used by ``stock_filtersets``), the
category choice with its path as label, and the "mark read" selection of the alert list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from medspa.core.trees import tree_path
from medspa.inventory.models import ItemCategory


class IdField(forms.IntegerField):
    """A record id passed in the query string (``?item=12``): a positive whole number."""

    default_error_messages = {"invalid": _("Enter a whole number.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)


class CategoryChoiceField(forms.ModelChoiceField):
    """Item categories labelled with their path (``药品 / 填充剂``)."""

    def label_from_instance(self, obj: ItemCategory) -> str:
        return tree_path(obj)


class DateRangeForm(forms.Form):
    """A filter form with ``date_from`` / ``date_to``: the start must not be after the end."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_from", _("The start date must not be after the end date."))
        return data


class IdListField(forms.Field):
    """The ticked rows of a list (``id=3&id=5``): one or more positive whole numbers."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Tick at least one alert."),
        "invalid": _("Tick at least one alert."),
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        ids: list[int] = []
        for item in values:
            text = str(item).strip()
            if not text.isdigit() or not 0 < int(text) < 2**63:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            ids.append(int(text))
        return ids


class AlertReadForm(forms.Form):
    """POST of the alert list: the ticked alerts to mark as read."""

    id = IdListField(label=_("Alerts"))
