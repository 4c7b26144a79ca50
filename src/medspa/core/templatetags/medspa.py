"""Template helpers of the UI kit."""

from __future__ import annotations

from decimal import Decimal

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

from medspa.core.money import format_cny

register = template.Library()


@register.filter
def widget(field: BoundField) -> SafeString:
    """Render a form field's widget with the Tabler/Bootstrap class it needs."""
    w = field.field.widget
    if isinstance(w, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(w, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    existing = w.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})


@register.filter
def cny(value: Decimal | int | str | None) -> str:
    """``1234.5`` → ``¥1,234.50``."""
    if value is None or value == "":
        return ""
    return format_cny(value)
