"""Values of the clinic's custom fields (CRM-02): each checked against its definition — type,
options, required — and against the roles that may edit it."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from medspa.core.errors import PermissionDenied, ValidationError
from medspa.customers.choices import FieldType
from medspa.customers.models import CustomField

MAX_TEXT = 500


def active_fields(organisation_id: int) -> list[CustomField]:
    return list(
        CustomField.objects.filter(organisation_id=organisation_id, is_active=True)
        .prefetch_related("editable_by")
        .order_by("order", "pk")
    )


def may_edit(actor: Any, field: CustomField) -> bool:
    roles = {g.pk for g in field.editable_by.all()}
    return not roles or bool(roles & set(actor.groups.values_list("pk", flat=True)))


def clean_value(field: CustomField, raw: Any) -> Any:
    """The stored form of one value ("" / None / [] mean empty → None)."""
    name = f"custom.{field.key}"
    if raw is None or raw == "" or raw == []:
        if field.required:
            raise ValidationError(_("Enter %(label)s.") % {"label": field.label}, field=name)
        return None
    if field.type == FieldType.TEXT:
        text = str(raw).strip()
        if len(text) > MAX_TEXT:
            raise ValidationError(
                _("%(label)s may have at most %(max)s characters.") % {"label": field.label, "max": MAX_TEXT},
                field=name,
            )
        return text
    if field.type == FieldType.NUMBER:
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or isinstance(raw, bool):
            raise ValidationError(_("%(label)s must be a number.") % {"label": field.label}, field=name)
        return str(number)
    if field.type == FieldType.DATE:
        try:
            return datetime.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ValidationError(
                _("%(label)s must be a date like 2026-11-22.") % {"label": field.label}, field=name
            ) from None
    options = [str(o) for o in field.options]
    values = raw if isinstance(raw, list) else [raw]
    values = [str(v) for v in values]
    if field.type == FieldType.CHOICE and len(values) != 1:
        raise ValidationError(_("Choose one option for %(label)s.") % {"label": field.label}, field=name)
    unknown = [v for v in values if v not in options]
    if unknown:
        raise ValidationError(
            _("%(label)s has no option %(value)s.") % {"label": field.label, "value": unknown[0]}, field=name
        )
    return values[0] if field.type == FieldType.CHOICE else sorted(set(values), key=options.index)


def clean_custom_values(
    *, actor: Any, organisation_id: int, values: dict[str, Any], current: dict[str, Any]
) -> dict[str, Any]:
    """The new ``custom_values``: ``values`` holds the fields the actor sent; fields not sent keep
    their current value (a required field still missing is refused); keys of no active field are
    refused."""
    fields = active_fields(organisation_id)
    by_key = {f.key: f for f in fields}
    unknown = sorted(set(values) - set(by_key))
    if unknown:
        raise ValidationError(_("There is no custom field %(key)s.") % {"key": unknown[0]}, field="custom")
    result = dict(current)  # values of deactivated fields are kept: reactivating shows them again
    for field in fields:
        if field.key in values:
            cleaned = clean_value(field, values[field.key])
            if cleaned != current.get(field.key) and not may_edit(actor, field):
                raise PermissionDenied(_("Your role may not edit %(label)s.") % {"label": field.label})
            if cleaned is None:
                result.pop(field.key, None)
            else:
                result[field.key] = cleaned
        elif field.required and current.get(field.key) in (None, "", []):
            raise ValidationError(_("Enter %(label)s.") % {"label": field.label}, field=f"custom.{field.key}")
    return result
