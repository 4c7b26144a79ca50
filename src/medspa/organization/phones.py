"""Phone numbers of mainland China: one validation and normal form, reused by every app that
stores a phone (staff, branches, customers)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from medspa.core.errors import ValidationError

# Mobile: 11 digits starting 13–19; an optional +86 / 0086 / 86 country prefix is dropped.
_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")
# Landline: area code (010 and 02x have three digits, the others four), a 7–8 digit subscriber
# number (not starting with 0), and an optional extension (-123, 转123, ext 123, x123, #123).
_LANDLINE = re.compile(
    r"\(?(010|02\d|0[3-9]\d{2})\)?[\s-]*([1-9]\d{6,7})(?:\s*(?:-|转|ext\.?|x|#)\s*(\d{1,6}))?",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[\s\-\u00a0\u3000－‐–—]")


def normalize_phone(value: str | None, *, field: str = "phone") -> str:
    """``"138 0013-8000"`` → ``"13800138000"``; ``"0755 1234567 转 89"`` → ``"0755-1234567-89"``;
    blank → ``""``. Anything else raises :class:`ValidationError` on ``field``."""
    text = (value or "").strip()
    if not text:
        return ""
    text = text.translate(str.maketrans("０１２３４５６７８９＋（）", "0123456789+()"))
    compact = _SEPARATORS.sub("", text)
    mobile = _MOBILE.fullmatch(compact)
    if mobile:
        return mobile.group(1)
    landline = _LANDLINE.fullmatch(_SEPARATORS.sub("-", text).strip("-"))
    if landline is None:
        landline = _LANDLINE.fullmatch(compact)
    if landline:
        area, number, extension = landline.groups()
        return f"{area}-{number}" + (f"-{extension}" if extension else "")
    raise ValidationError(
        _("Enter a mobile number (11 digits starting with 1) or a landline such as 010-12345678."),
        field=field,
    )
