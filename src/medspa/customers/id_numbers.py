"""Mainland resident ID numbers (居民身份证号): 18 characters with the ISO 7064 MOD 11-2 check
character (the old 15-digit form is accepted as it is)."""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _

from medspa.core.errors import ValidationError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_EIGHTEEN = re.compile(r"\d{17}[\dX]")
_FIFTEEN = re.compile(r"\d{15}")


def check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize_id_number(value: str | None, *, field: str = "id_number") -> str:
    """Upper case, no spaces; "" stays ""; a malformed number raises on ``field``."""
    text = (value or "").strip().replace(" ", "").upper()
    if not text:
        return ""
    error = ValidationError(_("Enter a valid 18-digit ID number."), field=field)
    if _FIFTEEN.fullmatch(text):
        return text
    if not _EIGHTEEN.fullmatch(text) or check_character(text[:17]) != text[17]:
        raise error
    try:
        datetime.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise error from None
    return text


def mask_id_number(tail: str) -> str:
    return f"**************{tail}" if tail else ""


def mask_phone(phone: str) -> str:
    """``13812341234`` → ``138****1234``; a landline keeps its area code and last 4 digits."""
    if not phone:
        return ""
    if len(phone) == 11 and phone.isdigit():
        return f"{phone[:3]}****{phone[-4:]}"
    return f"{phone[:4]}****{phone[-4:]}" if len(phone) > 8 else "****"
