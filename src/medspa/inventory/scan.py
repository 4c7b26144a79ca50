"""The UDI front door: one input that takes whatever the scanner (or the keyboard) sends.

* A GS1 element string (``01…17…10…21…``, with FNC1 as the GS character or a ``]C1``/``]d2``
  symbology prefix) or its human-readable form with parentheses (``(01)…(17)…``): AI 01 GTIN,
  17 expiry (day ``00`` = the month's last day), 10 batch, 21 serial, 11 production date —
  parsed with ``biip``.
* A bare GTIN-8/12/13/14 (EAN/UPC on the box).
* Otherwise a barcode or an item code from the item master.

The GTIN finds the item *and* its pack level (``ItemBarcode.pack_unit``), so scanning a box
means one box (``factor`` base units).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from biip import ParseError, parse
from biip.gs1_messages import GS1Message
from django.utils.translation import gettext as _

from medspa.accounts.scope import actor_organisation_id
from medspa.core.errors import ValidationError
from medspa.inventory.models import Item, ItemBarcode, PackUnit

GS = "\x1d"
MAX_LENGTH = 200


@dataclass(frozen=True, slots=True)
class ParsedCode:
    """What a scanned string says, before looking anything up."""

    gtin: str = ""
    batch_no: str = ""
    expiry_date: datetime.date | None = None
    production_date: datetime.date | None = None
    serial_no: str = ""
    plain: str = ""  # not GS1: a barcode or item code to look up as typed


@dataclass(frozen=True, slots=True)
class ScanResult:
    """A scan resolved against the item master: the item, the pack level scanned and how many
    base units one scan stands for, plus the lot data the code carried."""

    item: Item
    pack_unit: PackUnit | None
    factor: Decimal
    gtin: str
    batch_no: str
    expiry_date: datetime.date | None
    production_date: datetime.date | None
    serial_no: str


def _element_strings(message: GS1Message) -> dict[str, Any]:
    return {es.ai.ai: es for es in message.element_strings}


def parse_code(text: str) -> ParsedCode:
    """Parse a scanned string; a malformed GS1 string gets a clear message."""
    raw = (text or "").strip().replace("\r", "").replace("\n", "")
    if not raw:
        raise ValidationError(_("Scan or type a barcode."), field="code")
    if len(raw) > MAX_LENGTH:
        raise ValidationError(_("The barcode is too long."), field="code")
    message: GS1Message | None = None
    if raw.startswith("("):
        try:
            message = GS1Message.parse_hri(raw)
        except ParseError as exc:
            raise ValidationError(
                _("This GS1 barcode cannot be read: %(error)s") % {"error": exc}, field="code"
            ) from exc
    elif raw.isdigit() and len(raw) in (8, 12, 13, 14):
        result = parse(raw)
        if result.gtin is None:
            raise ValidationError(
                _("%(code)s is not a valid GTIN (check digit).") % {"code": raw}, field="code"
            )
        return ParsedCode(gtin=result.gtin.as_gtin_14())
    elif raw.startswith(("]C1", "]d2", "]e0", "]Q3")) or (raw[:2] in {"01", "02"} and raw[2:16].isdigit()):
        try:
            result = parse(raw)
        except ParseError as exc:
            raise ValidationError(
                _("This GS1 barcode cannot be read: %(error)s") % {"error": exc}, field="code"
            ) from exc
        message = result.gs1_message
        if message is None:
            error = result.gs1_message_error or result.gtin_error or ""
            raise ValidationError(
                _("This GS1 barcode cannot be read: %(error)s") % {"error": error}, field="code"
            )
    else:
        return ParsedCode(plain=raw)

    elements = _element_strings(message)
    gtin_es = elements.get("01") or elements.get("02")
    if gtin_es is None:
        raise ValidationError(_("The barcode carries no GTIN (AI 01)."), field="code")
    if gtin_es.gtin is None:
        invalid = _("%(code)s is not a valid GTIN (check digit).") % {"code": gtin_es.value}
        raise ValidationError(invalid, field="code")
    expiry = elements.get("17")
    produced = elements.get("11")
    return ParsedCode(
        gtin=gtin_es.gtin.as_gtin_14(),
        batch_no=elements["10"].value if "10" in elements else "",
        expiry_date=expiry.date if expiry is not None else None,
        production_date=produced.date if produced is not None else None,
        serial_no=elements["21"].value if "21" in elements else "",
    )


def scan_resolve(*, actor: Any, code: str) -> ScanResult:
    """Resolve a scanned or typed code to an active item of the actor's organisation."""
    parsed = parse_code(code)
    organisation_id = actor_organisation_id(actor)
    lookup = parsed.gtin or parsed.plain
    barcode = (
        ItemBarcode.objects.filter(organisation_id=organisation_id, code=lookup, item__is_active=True)
        .select_related("item", "pack_unit")
        .first()
    )
    item: Item | None
    pack_unit: PackUnit | None = None
    if barcode is not None:
        item, pack_unit = barcode.item, barcode.pack_unit
    elif parsed.plain:
        item = Item.objects.filter(organisation_id=organisation_id, code=parsed.plain, is_active=True).first()
    else:
        item = None
    if item is None:
        if parsed.gtin:
            message = _("No active item has the GTIN %(gtin)s. Add it to the item's barcodes first.")
            raise ValidationError(message % {"gtin": parsed.gtin}, field="code")
        raise ValidationError(
            _("No active item has the barcode or code %(code)s.") % {"code": lookup}, field="code"
        )
    return ScanResult(
        item=item,
        pack_unit=pack_unit,
        factor=pack_unit.factor if pack_unit is not None else Decimal(1),
        gtin=parsed.gtin,
        batch_no=parsed.batch_no,
        expiry_date=parsed.expiry_date,
        production_date=parsed.production_date,
        serial_no=parsed.serial_no,
    )
