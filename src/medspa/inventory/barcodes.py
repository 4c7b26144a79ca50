"""Barcode helpers of the item master (INV-02) on top of ``biip``: a code of digits only must be a
GTIN (8, 12, 13 or 14 digits with a correct check digit) and is stored as its GTIN-14; any other
code (an in-house label such as ``HY-0001``) is stored as typed. A scanned GS1 string (UDI with
application identifier 01) is reduced to its GTIN-14 so that it finds the same item."""

from __future__ import annotations

import biip
from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from django.utils.translation import gettext as _

from medspa.core.errors import ValidationError

MAX_LENGTH = 64
GTIN_LENGTHS = (8, 12, 13, 14)


def with_check_digit(payload: str) -> str:
    """``payload`` (7, 11, 12 or 13 digits) followed by its GS1 check digit."""
    return f"{payload}{gs1_standard_check_digit(payload)}"


def normalise_barcode(code: str, *, field: str = "code") -> str:
    """The stored form of a barcode typed into the item master, or ``ValidationError``."""
    text = code.strip()
    if not text:
        raise ValidationError(_("Enter a barcode."), field=field)
    if len(text) > MAX_LENGTH:
        raise ValidationError(_("A barcode has at most 64 characters."), field=field)
    if any(ch.isspace() for ch in text):
        raise ValidationError(_("A barcode cannot contain spaces."), field=field)
    if not (text.isascii() and text.isdigit()):
        return text
    try:
        return Gtin.parse(text).as_gtin_14()
    except ParseError as exc:
        if len(text) not in GTIN_LENGTHS:
            raise ValidationError(
                _("A numeric barcode must be a GTIN of 8, 12, 13 or 14 digits."), field=field
            ) from exc
        raise ValidationError(
            _("%(code)s is not a valid GTIN: the check digit is wrong.") % {"code": text}, field=field
        ) from exc


def scan_key(text: str) -> str:
    """What to look up for a scanned or typed code: the GTIN-14 of a GTIN or a GS1 string, else
    the text itself (stripped). Never raises."""
    value = text.strip()
    if not value:
        return ""
    if value.isascii() and value.isdigit() and len(value) in GTIN_LENGTHS:
        try:
            return Gtin.parse(value).as_gtin_14()
        except ParseError:
            return value
    message: GS1Message | None
    try:
        message = GS1Message.parse_hri(value) if value.startswith("(") else biip.parse(value).gs1_message
    except (ParseError, ValueError):
        return value
    if message is not None:
        for element in message.element_strings:
            if element.gtin is not None:
                return element.gtin.as_gtin_14()
    return value
