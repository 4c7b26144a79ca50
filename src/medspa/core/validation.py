"""Checks every service applies to typed-in values, with one wording for the same mistake
everywhere (the messages name the field; services pass the translated label)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.text import slugify
from django.utils.translation import gettext as _

from medspa.core.errors import ValidationError

MAX_ORDER = 2_147_483_647  # a positive integer column


def clean_text(value: str | None, *, field: str, max_length: int, label: str) -> str:
    """The stripped text; refused when empty or longer than ``max_length``."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(_("Enter the %(field)s.") % {"field": label}, field=field)
    if len(text) > max_length:
        raise ValidationError(
            _("The %(field)s may have at most %(max)s characters.") % {"field": label, "max": max_length},
            field=field,
        )
    return text


def clean_code(value: str | None, *, max_length: int = 32) -> str:
    """A record's code: ASCII letters, digits, hyphens and underscores."""
    code = clean_text(value, field="code", max_length=max_length, label=_("code"))
    if slugify(code) != code.lower() or not code.isascii():
        raise ValidationError(
            _("The code may contain only letters, digits, hyphens and underscores."), field="code"
        )
    return code


def clean_order(value: int | None) -> int:
    """A sort position: zero or a positive whole number; None is 0."""
    if value is None:
        return 0
    if isinstance(value, bool) or value < 0 or value > MAX_ORDER:
        raise ValidationError(_("The order must be zero or a positive whole number."), field="order")
    return value


def save_unique(obj: Model, *, field: str, message: str) -> None:
    """Save; a unique-constraint race that slipped past the service's check becomes the same
    clear error on ``field`` instead of a 500."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationError(message, field=field) from exc
