"""Writes of the stock documents (INV-04…06, INV-08): purchase receipt, other inbound, issue,
transfer and unpacking.

A document is created as a draft (numbered at once), submitted, approved where the organisation
requires approval for its type (``inventory.approval_<type>``), and posted: posting turns its
lines into ledger moves through :func:`medspa.inventory.ledger.post_moves`, all in one
transaction. A posted document is never changed; it is undone by a reversing document that posts
the opposite moves (``document_reverse``).

Transitions::

    draft ──submit──▶ submitted ──approve──▶ approved ──post──▶ posted ──reverse──▶ reversed
      │                   │  └──────post (no approval needed)──────▶ │
      └──cancel───────────┴──cancel──▶ cancelled   (approved → cancel too)
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from medspa.accounts.models import User
from medspa.accounts.scope import actor_organisation_id, require_perm, scope_queryset
from medspa.audit.services import audit_record
from medspa.configuration.params import param_value
from medspa.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationError
from medspa.core.numbering import next_number
from medspa.inventory import ledger
from medspa.inventory.choices import (
    DOCUMENT_PREFIX,
    DocumentStatus,
    DocumentType,
    InboundKind,
    IssueKind,
    MoveType,
    WarehouseKind,
)
from medspa.inventory.ledger import COST_PLACES, DocumentRef, MoveInput, clean_quantity
from medspa.inventory.master_selectors import certificate_status
from medspa.inventory.models import (
    Bin,
    Company,
    Item,
    Lot,
    PackUnit,
    Serial,
    StockBalance,
    StockDocument,
    StockDocumentLine,
    StockMove,
    Warehouse,
)

__all__ = [
    "LineInput",
    "certificate_check",
    "document_approve",
    "document_cancel",
    "document_create",
    "document_post",
    "document_reverse",
    "document_submit",
    "document_update",
    "fefo_allocate",
]

MODULE = "inventory"
NOTE_MAX = 500
INVOICE_MAX = 64
BATCH_MAX = 40
SERIAL_MAX = 40
MAX_LINES = 500

INBOUND_TYPES = (DocumentType.RECEIPT, DocumentType.OTHER_INBOUND)
ALL_STATUSES_BEFORE_POSTING = (DocumentStatus.DRAFT, DocumentStatus.SUBMITTED, DocumentStatus.APPROVED)


def approval_required(document: StockDocument) -> bool:
    """Whether documents of this one's type need approval in its branch (``inventory.approval_<type>``)."""
    return _approval_on(document.doc_type, document.warehouse)


def _approval_on(doc_type: str, warehouse: Warehouse) -> bool:
    return bool(
        param_value(
            f"inventory.approval_{doc_type}",
            organisation_id=warehouse.branch.organisation_id,
            branch_id=warehouse.branch_id,
        )
    )


class SelfApproval(PermissionDenied):
    """The submitter may not approve her own document (four-eyes principle)."""

    code = "self_approval"


@dataclass(frozen=True)
class LineInput:
    """One document line as typed or scanned. ``quantity`` is in ``pack_unit_id`` (None: the
    base unit). Inbound lines carry the lot data; outbound lines name a lot (``lot_id``) or leave
    it empty to take the earliest-expiring lots (FEFO)."""

    item_id: int
    quantity: Any
    pack_unit_id: int | None = None
    unit_price: Any = None
    lot_id: int | None = None
    batch_no: str = ""
    production_date: datetime.date | None = None
    expiry_date: datetime.date | None = None
    serial_no: str = ""
    bin_id: int | None = None
    to_bin_id: int | None = None


@dataclass
class _Line:
    """A validated line, ready to store."""

    item: Item
    pack_unit: PackUnit | None
    quantity: Decimal
    base_quantity: Decimal
    unit_price: Decimal | None = None
    lot: Lot | None = None
    batch_no: str = ""
    production_date: datetime.date | None = None
    expiry_date: datetime.date | None = None
    serial_no: str = ""
    bin: Bin | None = None
    to_bin: Bin | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --- lookups within the actor's scope -------------------------------------------------------------


def _warehouses(actor: Any) -> Any:
    return scope_queryset(
        Warehouse.objects.select_related("branch"), actor, branch="branch", department="department"
    )


def _warehouse(actor: Any, warehouse: Warehouse | int | None, *, field_name: str, label: str) -> Warehouse:
    if warehouse is None or warehouse == "":
        raise ValidationError(_("Choose the %(field)s.") % {"field": label}, field=field_name)
    pk = warehouse.pk if isinstance(warehouse, Warehouse) else warehouse
    found = _warehouses(actor).filter(pk=pk, is_active=True).first()
    if found is None:
        raise ValidationError(
            _("The %(field)s was not found or is not active.") % {"field": label}, field=field_name
        )
    return found


def _target_warehouse(actor: Any, source: Warehouse, warehouse: Warehouse | int | None) -> Warehouse:
    """The receiving side of an issue or transfer: any active warehouse of the same organisation
    (a central storekeeper issues to department warehouses she does not manage)."""
    label = _("target warehouse")
    if warehouse is None or warehouse == "":
        raise ValidationError(_("Choose the %(field)s.") % {"field": label}, field="to_warehouse")
    pk = warehouse.pk if isinstance(warehouse, Warehouse) else warehouse
    found = (
        Warehouse.objects.select_related("branch")
        .filter(pk=pk, is_active=True, branch__organisation_id=source.branch.organisation_id)
        .first()
    )
    if found is None:
        raise ValidationError(
            _("The %(field)s was not found or is not active.") % {"field": label}, field="to_warehouse"
        )
    if found.pk == source.pk:
        raise ValidationError(_("The target warehouse must differ from the source."), field="to_warehouse")
    return found


def _supplier(actor: Any, supplier: Company | int | None, *, required: bool) -> Company | None:
    if supplier is None or supplier == "":
        if required:
            raise ValidationError(_("Choose the supplier."), field="supplier")
        return None
    pk = supplier.pk if isinstance(supplier, Company) else supplier
    found = Company.objects.filter(
        pk=pk, organisation_id=actor_organisation_id(actor), is_supplier=True, is_active=True
    ).first()
    if found is None:
        raise ValidationError(_("The supplier was not found or is not active."), field="supplier")
    return found


def certificate_check(supplier: Company, *, on: datetime.date) -> list[str]:
    """Refuse a supplier with an expired required certificate (the message names it); return
    warnings for required certificates expiring within ``inventory.certificate_warning_days``
    (30 by default) — the dates come from ``master_selectors.certificate_status``."""
    expired, expiring = certificate_status(supplier, on)
    for certificate in expired[:1]:
        raise ValidationError(
            _(
                "%(company)s: the %(kind)s %(number)s expired on %(date)s; "
                "receiving from this supplier is refused."
            )
            % _certificate_names(supplier, certificate),
            field="supplier",
        )
    return [
        _("%(company)s: the %(kind)s %(number)s expires on %(date)s.")
        % _certificate_names(supplier, certificate)
        for certificate in expiring
    ]


def _certificate_names(supplier: Company, certificate: Any) -> dict[str, str]:
    return {
        "company": supplier.name,
        "kind": certificate.get_kind_display(),
        "number": certificate.number,
        "date": f"{certificate.expires_on:%Y-%m-%d}",
    }


def _bin(warehouse: Warehouse | None, bin_id: int | None, *, field_name: str) -> Bin | None:
    if not bin_id:
        return None
    found = Bin.objects.filter(pk=bin_id, warehouse=warehouse, is_active=True).first() if warehouse else None
    if found is None:
        raise ValidationError(_("The bin location is not in this warehouse."), field=field_name)
    return found


def _clean_note(value: str | None, *, field_name: str, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationError(_("At most %(max)s characters.") % {"max": max_length}, field=field_name)
    return text


# --- line validation -------------------------------------------------------------------------------


def _base_quantity(item: Item, quantity: Decimal, pack_unit: PackUnit | None, *, field_name: str) -> Decimal:
    factor = pack_unit.factor if pack_unit is not None else Decimal(1)
    base = (quantity * factor).quantize(ledger.QTY_PLACES)
    if base != quantity * factor:
        raise ValidationError(_("The quantity in base units has more than three decimals."), field=field_name)
    if base > ledger.MAX_QTY:
        raise ValidationError(_("The quantity is too large."), field=field_name)
    return base


def _clean_price(value: Any, *, field_name: str, required: bool) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise ValidationError(_("Enter the unit price."), field=field_name)
        return None
    if isinstance(value, float):
        raise TypeError("a price must not be a float")
    try:
        price = Decimal(str(value).strip().replace(",", ""))
    except Exception as exc:
        raise ValidationError(_("Enter a valid amount, for example 1234.50."), field=field_name) from exc
    if not price.is_finite() or price < 0:
        raise ValidationError(_("The unit price must be zero or more."), field=field_name)
    # The size first: quantize() of 1e30 to four places overflows the decimal context.
    if price >= Decimal("1000000000000") or price != price.quantize(COST_PLACES):
        raise ValidationError(
            _("The unit price has at most four decimals and twelve digits."), field=field_name
        )
    return price


def _clean_lines(
    actor: Any,
    doc_type: str,
    warehouse: Warehouse,
    to_warehouse: Warehouse | None,
    lines: Sequence[LineInput],
) -> list[_Line]:
    if not lines:
        raise ValidationError(_("Add at least one line."), field="lines")
    if len(lines) > MAX_LINES:
        raise ValidationError(_("A document has at most %(max)s lines.") % {"max": MAX_LINES}, field="lines")
    organisation_id = actor_organisation_id(actor)
    item_ids = {line.item_id for line in lines}
    items = {
        item.pk: item
        for item in Item.objects.filter(pk__in=item_ids, organisation_id=organisation_id).select_related(
            "unpack_item"
        )
    }
    unit_ids = {line.pack_unit_id for line in lines if line.pack_unit_id}
    units = {u.pk: u for u in PackUnit.objects.filter(pk__in=unit_ids)} if unit_ids else {}
    inbound = doc_type in INBOUND_TYPES
    today = timezone.localdate()
    cleaned: list[_Line] = []
    serials_seen: set[tuple[int, str]] = set()
    for number, line in enumerate(lines, start=1):
        prefix = f"lines.{number}"
        item = items.get(line.item_id)
        if item is None or not item.is_active:
            raise ValidationError(
                _("Line %(n)s: the item was not found or is not active.") % {"n": number}, field=prefix
            )
        pack_unit = None
        if line.pack_unit_id:
            pack_unit = units.get(line.pack_unit_id)
            if pack_unit is None or pack_unit.item_id != item.pk:
                raise ValidationError(
                    _("Line %(n)s: %(item)s has no such unit; use %(base)s or one of its pack units.")
                    % {"n": number, "item": item.name, "base": item.base_unit},
                    field=f"{prefix}.pack_unit",
                )
        quantity = clean_quantity(line.quantity, field=f"{prefix}.quantity")
        base = _base_quantity(item, quantity, pack_unit, field_name=f"{prefix}.quantity")
        out = _Line(item=item, pack_unit=pack_unit, quantity=quantity, base_quantity=base)
        serial_no = (line.serial_no or "").strip()
        if len(serial_no) > SERIAL_MAX:
            raise ValidationError(
                _("Line %(n)s: the serial no is too long.") % {"n": number}, field=f"{prefix}.serial_no"
            )
        if item.is_serial_tracked:
            if not serial_no:
                raise ValidationError(
                    _("Line %(n)s: %(item)s is serial tracked; scan or type its serial no.")
                    % {"n": number, "item": item.name},
                    field=f"{prefix}.serial_no",
                )
            if base != 1:
                raise ValidationError(
                    _("Line %(n)s: a serial-tracked item is one unit per line.") % {"n": number},
                    field=f"{prefix}.quantity",
                )
            if (item.pk, serial_no) in serials_seen:
                raise ValidationError(
                    _("Line %(n)s: serial no %(serial)s appears twice.") % {"n": number, "serial": serial_no},
                    field=f"{prefix}.serial_no",
                )
            serials_seen.add((item.pk, serial_no))
            out.serial_no = serial_no
        elif serial_no:
            raise ValidationError(
                _("Line %(n)s: %(item)s is not serial tracked.") % {"n": number, "item": item.name},
                field=f"{prefix}.serial_no",
            )
        out.bin = _bin(warehouse, line.bin_id, field_name=f"{prefix}.bin")
        out.to_bin = _bin(to_warehouse, line.to_bin_id, field_name=f"{prefix}.to_bin")
        if inbound:
            _clean_inbound(out, line, doc_type, number, prefix, today)
        else:
            _clean_outbound(out, line, doc_type, warehouse, number, prefix)
        cleaned.append(out)
    return cleaned


def _clean_inbound(
    out: _Line, line: LineInput, doc_type: str, number: int, prefix: str, today: datetime.date
) -> None:
    item = out.item
    out.unit_price = _clean_price(
        line.unit_price
        if line.unit_price not in (None, "")
        else (None if doc_type == DocumentType.RECEIPT else _default_price(item, out.pack_unit)),
        field_name=f"{prefix}.unit_price",
        required=doc_type == DocumentType.RECEIPT,
    )
    batch_no = (line.batch_no or "").strip()
    if len(batch_no) > BATCH_MAX:
        raise ValidationError(
            _("Line %(n)s: the batch no is too long.") % {"n": number}, field=f"{prefix}.batch_no"
        )
    if item.is_lot_tracked and not batch_no:
        raise ValidationError(
            _("Line %(n)s: %(item)s is lot tracked; enter its batch no.") % {"n": number, "item": item.name},
            field=f"{prefix}.batch_no",
        )
    if item.is_expiry_tracked and line.expiry_date is None:
        raise ValidationError(
            _("Line %(n)s: %(item)s is expiry tracked; enter its expiry date.")
            % {"n": number, "item": item.name},
            field=f"{prefix}.expiry_date",
        )
    if line.expiry_date is not None and line.expiry_date < today:
        raise ValidationError(
            _("Line %(n)s: the lot expired on %(date)s and cannot be received.")
            % {"n": number, "date": f"{line.expiry_date:%Y-%m-%d}"},
            field=f"{prefix}.expiry_date",
        )
    if line.production_date is not None and line.production_date > today:
        raise ValidationError(
            _("Line %(n)s: the production date lies in the future.") % {"n": number},
            field=f"{prefix}.production_date",
        )
    if line.production_date and line.expiry_date and line.production_date >= line.expiry_date:
        raise ValidationError(
            _("Line %(n)s: the expiry date must be after the production date.") % {"n": number},
            field=f"{prefix}.expiry_date",
        )
    out.batch_no = batch_no
    out.production_date = line.production_date
    out.expiry_date = line.expiry_date


def _default_price(item: Item, pack_unit: PackUnit | None) -> Decimal:
    price = item.purchase_price or Decimal(0)
    return (price * (pack_unit.factor if pack_unit else 1)).quantize(COST_PLACES)


def _clean_outbound(
    out: _Line, line: LineInput, doc_type: str, warehouse: Warehouse, number: int, prefix: str
) -> None:
    item = out.item
    if doc_type == DocumentType.UNPACKING and item.unpack_item_id is None:
        raise ValidationError(
            _("Line %(n)s: %(item)s has no unpacking rule (what one unit becomes).")
            % {"n": number, "item": item.name},
            field=f"{prefix}.item",
        )
    if line.lot_id:
        lot = Lot.objects.filter(pk=line.lot_id, item=item).first()
        if lot is None:
            raise ValidationError(
                _("Line %(n)s: the lot is not a lot of this item.") % {"n": number}, field=f"{prefix}.lot"
            )
        out.lot = lot
    if out.serial_no:
        serial = Serial.objects.filter(item=item, serial_no=out.serial_no).select_related("lot").first()
        if serial is None or serial.warehouse_id != warehouse.pk:
            raise ValidationError(
                _("Line %(n)s: serial no %(serial)s is not in stock in %(warehouse)s.")
                % {"n": number, "serial": out.serial_no, "warehouse": warehouse.name},
                field=f"{prefix}.serial_no",
            )
        if out.lot is not None and out.lot.pk != serial.lot_id:
            raise ValidationError(
                _("Line %(n)s: serial no %(serial)s belongs to another lot.")
                % {"n": number, "serial": out.serial_no},
                field=f"{prefix}.lot",
            )
        out.lot = serial.lot


def _expired_message(lot: Lot, number: int) -> str:
    return _("Line %(n)s: lot %(lot)s of %(item)s expired on %(date)s and cannot be issued.") % {
        "n": number,
        "lot": lot.batch_no or "—",
        "item": lot.item.name,
        "date": f"{lot.expiry_date:%Y-%m-%d}",
    }


def fefo_allocate(
    warehouse: Warehouse, item: Item, quantity: Decimal, *, allow_expired: bool = False
) -> list[tuple[Lot, Decimal]]:
    """Split ``quantity`` (base units) over the warehouse's lots of ``item``, earliest expiry
    first (lots without expiry last); expired lots are skipped unless ``allow_expired``. Raises
    InsufficientStock when the usable lots hold too little. A suggestion: posting re-checks."""
    today = timezone.localdate()
    rows = (
        StockBalance.objects.filter(warehouse=warehouse, item=item, quantity__gt=0, owner__isnull=True)
        .select_related("lot", "lot__item")
        .order_by("lot__expiry_date", "lot_id", "bin_id")
    )
    available: dict[int, tuple[Lot, Decimal]] = {}
    for row in rows:
        if not allow_expired and row.lot.expiry_date is not None and row.lot.expiry_date < today:
            continue
        lot, qty = available.get(row.lot_id, (row.lot, Decimal(0)))
        available[row.lot_id] = (lot, qty + row.quantity)
    ordered = sorted(
        available.values(), key=lambda pair: (pair[0].expiry_date is None, pair[0].expiry_date, pair[0].pk)
    )
    result: list[tuple[Lot, Decimal]] = []
    remaining = quantity
    for lot, qty in ordered:
        if remaining <= 0:
            break
        take = min(qty, remaining)
        result.append((lot, take))
        remaining -= take
    if remaining > 0:
        have = quantity - remaining
        raise ledger.InsufficientStock(
            _(
                "Insufficient stock: %(item)s in %(warehouse)s has %(have)s %(unit)s usable, "
                "%(want)s %(unit)s requested."
            )
            % {
                "item": item.name,
                "warehouse": warehouse.name,
                "have": f"{have.normalize():f}",
                "want": f"{quantity.normalize():f}",
                "unit": item.base_unit,
            }
        )
    return result


def _allocate(doc_type: str, issue_kind: str, warehouse: Warehouse, lines: list[_Line]) -> list[_Line]:
    """Outbound lines without a lot take the earliest-expiring lots (one stored line per lot)."""
    allow_expired = doc_type != DocumentType.ISSUE or issue_kind == IssueKind.SCRAP
    out: list[_Line] = []
    for line in lines:
        if line.lot is not None:
            out.append(line)
            continue
        for lot, qty in fefo_allocate(warehouse, line.item, line.base_quantity, allow_expired=allow_expired):
            factor = line.pack_unit.factor if line.pack_unit is not None else Decimal(1)
            typed = qty / factor
            if typed != typed.quantize(ledger.QTY_PLACES):
                typed, pack_unit = qty, None  # a split that is no whole pack is stored in base units
            else:
                pack_unit = line.pack_unit
            out.append(
                _Line(
                    item=line.item,
                    pack_unit=pack_unit,
                    quantity=typed.quantize(ledger.QTY_PLACES),
                    base_quantity=qty,
                    lot=lot,
                    bin=line.bin,
                    to_bin=line.to_bin,
                )
            )
    return out


# --- header validation ----------------------------------------------------------------------------


@dataclass
class _Header:
    warehouse: Warehouse
    to_warehouse: Warehouse | None = None
    supplier: Company | None = None
    department_id: int | None = None
    inbound_kind: str = ""
    issue_kind: str = ""
    invoice_no: str = ""
    note: str = ""


def _clean_header(actor: Any, doc_type: str, values: dict[str, Any]) -> _Header:
    if doc_type not in DocumentType.values:
        raise ValidationError(_("Unknown document type."), field="doc_type")
    warehouse = _warehouse(actor, values.get("warehouse"), field_name="warehouse", label=_("warehouse"))
    header = _Header(
        warehouse=warehouse,
        note=_clean_note(values.get("note"), field_name="note", max_length=NOTE_MAX),
        invoice_no=_clean_note(values.get("invoice_no"), field_name="invoice_no", max_length=INVOICE_MAX),
    )
    if doc_type == DocumentType.RECEIPT:
        header.supplier = _supplier(actor, values.get("supplier"), required=True)
    elif doc_type == DocumentType.OTHER_INBOUND:
        kind = values.get("inbound_kind") or ""
        if kind not in InboundKind.values:
            raise ValidationError(_("Choose the inbound kind (gift or other)."), field="inbound_kind")
        header.inbound_kind = kind
        header.supplier = _supplier(actor, values.get("supplier"), required=False)
    elif doc_type == DocumentType.ISSUE:
        kind = values.get("issue_kind") or ""
        if kind not in IssueKind.values:
            raise ValidationError(_("Choose what the issue is for."), field="issue_kind")
        header.issue_kind = kind
        if kind == IssueKind.DEPARTMENT:
            header.to_warehouse = _target_warehouse(actor, warehouse, values.get("to_warehouse"))
            if header.to_warehouse.kind != WarehouseKind.DEPARTMENT:
                raise ValidationError(_("Issue to a department warehouse."), field="to_warehouse")
            header.department_id = header.to_warehouse.department_id
        elif values.get("to_warehouse"):
            raise ValidationError(
                _("Only an issue to a department names a target warehouse."), field="to_warehouse"
            )
    elif doc_type == DocumentType.TRANSFER:
        header.to_warehouse = _target_warehouse(actor, warehouse, values.get("to_warehouse"))
    department = values.get("department")
    if department and header.department_id is None:
        from medspa.organization.models import Department

        pk = getattr(department, "pk", department)
        if not Department.objects.filter(pk=pk, branch_id=warehouse.branch_id).exists():
            raise ValidationError(_("The department is not in the warehouse's branch."), field="department")
        header.department_id = pk
    return header


def _store_lines(document: StockDocument, lines: list[_Line]) -> list[StockDocumentLine]:
    return StockDocumentLine.objects.bulk_create(
        StockDocumentLine(
            document=document,
            line_no=number,
            item=line.item,
            pack_unit=line.pack_unit,
            quantity=line.quantity,
            base_quantity=line.base_quantity,
            unit_price=line.unit_price,
            lot=line.lot,
            batch_no=line.batch_no or (line.lot.batch_no if line.lot else ""),
            production_date=line.production_date or (line.lot.production_date if line.lot else None),
            expiry_date=line.expiry_date or (line.lot.expiry_date if line.lot else None),
            serial_no=line.serial_no,
            bin=line.bin,
            to_bin=line.to_bin,
        )
        for number, line in enumerate(lines, start=1)
    )


HEADER_FIELDS = (
    "warehouse",
    "to_warehouse",
    "supplier",
    "department",
    "inbound_kind",
    "issue_kind",
    "invoice_no",
    "note",
)


def _line_summary(lines: Sequence[StockDocumentLine]) -> list[dict[str, Any]]:
    return [
        {
            "item": line.item_id,
            "quantity": str(line.quantity),
            "unit": line.pack_unit_id,
            "base_quantity": str(line.base_quantity),
            "lot": line.lot_id,
            "batch_no": line.batch_no,
            "serial_no": line.serial_no,
            "unit_price": None if line.unit_price is None else str(line.unit_price),
        }
        for line in lines
    ]


def _audit(actor: Any, action: str, document: StockDocument, changes: dict[str, Any] | None = None) -> None:
    audit_record(
        actor=actor,
        module=MODULE,
        action=action,
        obj=document,
        changes=changes or {},
        branch_id=document.branch_id,
        organisation_id=document.warehouse.branch.organisation_id,
    )


# --- services -------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def document_create(
    *, actor: User, doc_type: str, lines: Sequence[LineInput], post: bool = False, **values: Any
) -> StockDocument:
    """Create a draft document of ``doc_type``; ``values`` are the header fields (warehouse,
    to_warehouse, supplier, department, inbound_kind, issue_kind, invoice_no, note). Outbound
    lines without a lot are split over lots by FEFO. The draft gets its number at once.

    ``post=True`` ("save and post") also submits and posts it in the same transaction — for a
    type that needs no approval, by someone who may post; any refusal leaves nothing behind."""
    require_perm(actor, "inventory.add_stockdocument")
    if post:
        require_perm(actor, "inventory.post_stockdocument")
    unknown = set(values) - set(HEADER_FIELDS)
    if unknown:
        raise TypeError(f"unknown header fields: {sorted(unknown)}")
    header = _clean_header(actor, doc_type, values)
    if post and _approval_on(doc_type, header.warehouse):
        raise IllegalTransition(
            _("%(type)s documents need approval here: save the draft and submit it.")
            % {"type": DocumentType(doc_type).label}
        )
    if header.supplier is not None and doc_type == DocumentType.RECEIPT:
        certificate_check(header.supplier, on=timezone.localdate())
    cleaned = _clean_lines(actor, doc_type, header.warehouse, header.to_warehouse, lines)
    if doc_type not in INBOUND_TYPES:
        cleaned = _allocate(doc_type, header.issue_kind, header.warehouse, cleaned)
    branch_id = header.warehouse.branch_id
    document = StockDocument.objects.create(
        branch_id=branch_id,
        doc_type=doc_type,
        number=next_number(branch_id, DOCUMENT_PREFIX[DocumentType(doc_type)], timezone.localdate()),
        warehouse=header.warehouse,
        to_warehouse=header.to_warehouse,
        supplier=header.supplier,
        department_id=header.department_id,
        inbound_kind=header.inbound_kind,
        issue_kind=header.issue_kind,
        invoice_no=header.invoice_no,
        note=header.note,
        created_by=actor,
        updated_by=actor,
        **(
            {"status": DocumentStatus.SUBMITTED, "submitted_at": timezone.now(), "submitted_by": actor}
            if post
            else {}
        ),
    )
    stored = _store_lines(document, cleaned)
    changes: dict[str, Any] = {"doc_type": [None, doc_type], "lines": [None, _line_summary(stored)]}
    if post:  # saved, submitted and posted at once: one audit event says so
        _post(actor, document, None, audit=False)
        changes["status"] = [None, DocumentStatus.POSTED]
    _audit(actor, "create", document, changes)
    return document


def _locked_document(actor: Any, document: StockDocument | int) -> StockDocument:
    pk = document.pk if isinstance(document, StockDocument) else document
    scoped = scope_queryset(
        StockDocument.objects.all(), actor, branch="branch", department="warehouse__department"
    )
    # No ordering (the model's default would be compiled and sorted for one row) and only the
    # relations the transitions read: this runs at the start of every transition.
    found = list(
        scoped.select_for_update(of=("self",))
        .select_related("warehouse__branch", "to_warehouse", "supplier")
        .filter(pk=pk)
        .order_by()[:1]
    )
    if not found:
        raise NotFound()
    return found[0]


def _require_status(document: StockDocument, *allowed: str) -> None:
    if document.status not in allowed:
        raise IllegalTransition(
            _("Document %(number)s is %(status)s; this action is not allowed now.")
            % {"number": document.number, "status": document.get_status_display()}
        )


@transaction.atomic(durable=True)
def document_update(
    *, actor: User, document: StockDocument | int, lines: Sequence[LineInput], **values: Any
) -> StockDocument:
    """Replace the header and lines of a draft."""
    require_perm(actor, "inventory.change_stockdocument")
    doc = _locked_document(actor, document)
    _require_status(doc, DocumentStatus.DRAFT)
    unknown = set(values) - set(HEADER_FIELDS)
    if unknown:
        raise TypeError(f"unknown header fields: {sorted(unknown)}")
    header = _clean_header(actor, doc.doc_type, values)
    if header.warehouse.branch_id != doc.branch_id:
        raise ValidationError(
            _("A document stays in its branch; create a new one instead."), field="warehouse"
        )
    if header.supplier is not None and doc.doc_type == DocumentType.RECEIPT:
        certificate_check(header.supplier, on=timezone.localdate())
    cleaned = _clean_lines(actor, doc.doc_type, header.warehouse, header.to_warehouse, lines)
    if doc.doc_type not in INBOUND_TYPES:
        cleaned = _allocate(doc.doc_type, header.issue_kind, header.warehouse, cleaned)
    before = _line_summary(list(doc.lines.all()))
    for name in ("warehouse", "to_warehouse", "supplier", "inbound_kind", "issue_kind", "invoice_no", "note"):
        setattr(doc, name, getattr(header, name))
    doc.department_id = header.department_id
    doc.updated_by = actor
    doc.save()
    doc.lines.all().delete()
    stored = _store_lines(doc, cleaned)
    _audit(actor, "update", doc, {"lines": [before, _line_summary(stored)]})
    return doc


@transaction.atomic(durable=True)
def document_submit(*, actor: User, document: StockDocument | int) -> StockDocument:
    """Draft → submitted: the lines are final."""
    require_perm(actor, "inventory.add_stockdocument")
    return _submit(actor, _locked_document(actor, document))


def _submit(actor: User, doc: StockDocument) -> StockDocument:
    _require_status(doc, DocumentStatus.DRAFT)
    if doc.doc_type == DocumentType.RECEIPT and doc.supplier is not None:
        certificate_check(doc.supplier, on=timezone.localdate())
    doc.status = DocumentStatus.SUBMITTED
    doc.submitted_at, doc.submitted_by, doc.updated_by = timezone.now(), actor, actor
    doc.save(update_fields=["status", "submitted_at", "submitted_by", "updated_by", "updated_at"])
    _audit(actor, "submit", doc, {"status": [DocumentStatus.DRAFT, DocumentStatus.SUBMITTED]})
    return doc


@transaction.atomic(durable=True)
def document_approve(*, actor: User, document: StockDocument | int) -> StockDocument:
    """Submitted → approved, by someone holding the approval permission other than the person
    who submitted it (four eyes)."""
    require_perm(actor, "inventory.approve_stockdocument")
    doc = _locked_document(actor, document)
    _require_status(doc, DocumentStatus.SUBMITTED)
    if not approval_required(doc):
        raise IllegalTransition(
            _("%(type)s documents need no approval here; post it directly.")
            % {"type": doc.get_doc_type_display()}
        )
    if doc.submitted_by_id == actor.pk:
        raise SelfApproval(
            _("You submitted %(number)s; someone else must approve it.") % {"number": doc.number}
        )
    doc.status = DocumentStatus.APPROVED
    doc.approved_at, doc.approved_by, doc.updated_by = timezone.now(), actor, actor
    doc.save(update_fields=["status", "approved_at", "approved_by", "updated_by", "updated_at"])
    _audit(actor, "approve", doc, {"status": [DocumentStatus.SUBMITTED, DocumentStatus.APPROVED]})
    return doc


@transaction.atomic(durable=True)
def document_cancel(*, actor: User, document: StockDocument | int) -> StockDocument:
    """Withdraw a document that has not been posted; nothing was posted, nothing is."""
    require_perm(actor, "inventory.add_stockdocument")
    doc = _locked_document(actor, document)
    _require_status(doc, *ALL_STATUSES_BEFORE_POSTING)
    before = doc.status
    doc.status = DocumentStatus.CANCELLED
    doc.updated_by = actor
    doc.save(update_fields=["status", "updated_by", "updated_at"])
    _audit(actor, "cancel", doc, {"status": [before, DocumentStatus.CANCELLED]})
    return doc


def _lot_for_receipt(
    line: StockDocumentLine, unit_cost: Decimal, supplier: Company | None, number: int
) -> Lot:
    """The lot (cost layer) a received line goes into: the same batch at the same cost adds to
    its lot; the same batch must keep its expiry."""
    clash = None
    if line.batch_no:
        same_batch = Lot.objects.filter(item_id=line.item_id, batch_no=line.batch_no)
        if line.expiry_date is None:
            clash = same_batch.filter(expiry_date__isnull=False).first()
        else:
            clash = same_batch.filter(~Q(expiry_date=line.expiry_date) | Q(expiry_date__isnull=True)).first()
    if clash is not None:
        raise ValidationError(
            _("Line %(n)s: batch %(batch)s is already recorded with expiry %(date)s.")
            % {
                "n": number,
                "batch": line.batch_no,
                "date": f"{clash.expiry_date:%Y-%m-%d}" if clash.expiry_date else "—",
            },
            field=f"lines.{number}.expiry_date",
        )
    lot = Lot.objects.filter(item_id=line.item_id, batch_no=line.batch_no, unit_cost=unit_cost).first()
    if lot is not None:
        return lot
    try:
        with transaction.atomic():
            return Lot.objects.create(
                item_id=line.item_id,
                batch_no=line.batch_no,
                production_date=line.production_date,
                expiry_date=line.expiry_date,
                unit_cost=unit_cost,
                supplier=supplier,
            )
    except IntegrityError:
        return Lot.objects.get(item_id=line.item_id, batch_no=line.batch_no, unit_cost=unit_cost)


def _new_serial(item: Item, serial_no: str, lot: Lot, number: int) -> Serial:
    try:
        with transaction.atomic():
            return Serial.objects.create(item=item, serial_no=serial_no, lot=lot)
    except IntegrityError:
        raise ValidationError(
            _("Line %(n)s: serial no %(serial)s of %(item)s already exists.")
            % {"n": number, "serial": serial_no, "item": item.name},
            field=f"lines.{number}.serial_no",
        ) from None


def _inbound_moves(doc: StockDocument, lines: list[StockDocumentLine]) -> list[MoveInput]:
    move_type = MoveType.RECEIPT if doc.doc_type == DocumentType.RECEIPT else MoveType.OTHER_INBOUND
    moves = []
    for line in lines:
        factor = line.pack_unit.factor if line.pack_unit is not None else Decimal(1)
        unit_cost = ((line.unit_price or Decimal(0)) / factor).quantize(COST_PLACES, rounding=ROUND_HALF_UP)
        lot = _lot_for_receipt(line, unit_cost, doc.supplier, line.line_no)
        serial_id = None
        if line.serial_no:
            serial_id = _new_serial(line.item, line.serial_no, lot, line.line_no).pk
        line.lot = lot
        line.save(update_fields=["lot"])
        moves.append(
            MoveInput(
                warehouse=doc.warehouse,
                lot=lot,
                quantity=line.base_quantity,
                move_type=move_type,
                bin_id=line.bin_id,
                serial_id=serial_id,
            )
        )
    return moves


def _serial_id(line: StockDocumentLine) -> int | None:
    if not line.serial_no:
        return None
    return (
        Serial.objects.filter(item_id=line.item_id, serial_no=line.serial_no)
        .values_list("pk", flat=True)
        .first()
    )


def _outbound_moves(doc: StockDocument, lines: list[StockDocumentLine]) -> list[MoveInput]:
    today = timezone.localdate()
    check_expiry = doc.doc_type == DocumentType.ISSUE and doc.issue_kind != IssueKind.SCRAP
    moves: list[MoveInput] = []
    out_type, in_type = {
        DocumentType.TRANSFER: (MoveType.TRANSFER_OUT, MoveType.TRANSFER_IN),
        DocumentType.UNPACKING: (MoveType.UNPACK_OUT, MoveType.UNPACK_IN),
    }.get(
        DocumentType(doc.doc_type),
        {
            IssueKind.DEPARTMENT: (MoveType.ISSUE_OUT, MoveType.ISSUE_IN),
            IssueKind.USAGE: (MoveType.USAGE, None),
            IssueKind.SCRAP: (MoveType.SCRAP, None),
        }.get(IssueKind(doc.issue_kind) if doc.issue_kind else IssueKind.USAGE, (MoveType.USAGE, None)),
    )
    for line in lines:
        lot = line.lot
        if lot is None:  # outbound lines get their lot when created; a broken row is not posted
            raise ValidationError(
                _("Line %(n)s: choose the lot.") % {"n": line.line_no}, field=f"lines.{line.line_no}.lot"
            )
        if check_expiry and lot.expiry_date is not None and lot.expiry_date < today:
            raise ValidationError(_expired_message(lot, line.line_no), field=f"lines.{line.line_no}.lot")
        serial_id = _serial_id(line)
        moves.append(
            MoveInput(
                warehouse=doc.warehouse,
                lot=lot,
                quantity=-line.base_quantity,
                move_type=out_type,
                bin_id=line.bin_id,
                serial_id=serial_id,
            )
        )
        if doc.doc_type == DocumentType.UNPACKING:
            moves.append(_unpacked(doc, line, lot, MoveType.UNPACK_IN))
        elif in_type is not None and doc.to_warehouse is not None:
            moves.append(
                MoveInput(
                    warehouse=doc.to_warehouse,
                    lot=lot,
                    quantity=line.base_quantity,
                    move_type=in_type,
                    bin_id=line.to_bin_id,
                    serial_id=serial_id,
                )
            )
    return moves


def _unpacked(doc: StockDocument, line: StockDocumentLine, lot: Lot, move_type: MoveType) -> MoveInput:
    """1 box of lot L at cost c → N units of the unpacked item in a lot with the same batch and
    expiry at cost c / N (the box's cost is split over its units)."""
    item = line.item
    target = item.unpack_item
    per_unit = item.unpack_quantity
    if target is None or per_unit is None:
        raise ValidationError(
            _("Line %(n)s: %(item)s has no unpacking rule.") % {"n": line.line_no, "item": item.name},
            field=f"lines.{line.line_no}.item",
        )
    quantity = line.base_quantity * per_unit
    if quantity != quantity.quantize(ledger.QTY_PLACES):
        raise ValidationError(
            _("Line %(n)s: the unpacked quantity has more than three decimals.") % {"n": line.line_no}
        )
    unit_cost = (lot.unit_cost / per_unit).quantize(COST_PLACES, rounding=ROUND_HALF_UP)
    target_lot = Lot.objects.filter(item=target, batch_no=lot.batch_no, unit_cost=unit_cost).first()
    if target_lot is None:
        try:
            with transaction.atomic():
                target_lot = Lot.objects.create(
                    item=target,
                    batch_no=lot.batch_no,
                    production_date=lot.production_date,
                    expiry_date=lot.expiry_date,
                    unit_cost=unit_cost,
                    supplier=lot.supplier,
                )
        except IntegrityError:
            target_lot = Lot.objects.get(item=target, batch_no=lot.batch_no, unit_cost=unit_cost)
    return MoveInput(
        warehouse=doc.warehouse,
        lot=target_lot,
        quantity=quantity.quantize(ledger.QTY_PLACES),
        move_type=move_type,
        bin_id=line.to_bin_id or line.bin_id,
    )


def _posting_time(posted_at: datetime.datetime | None) -> datetime.datetime:
    now = timezone.now()
    if posted_at is None:
        return now
    if timezone.is_naive(posted_at):
        raise ValidationError(_("The posting time needs a time zone."), field="posted_at")
    if posted_at > now + datetime.timedelta(minutes=5):
        raise ValidationError(_("A document cannot be posted with a future date."), field="posted_at")
    return posted_at


@transaction.atomic(durable=True)
def document_post(
    *, actor: User, document: StockDocument | int, posted_at: datetime.datetime | None = None
) -> StockDocument:
    """Post a submitted (or, where approval is required, approved) document: its lines become
    ledger moves in one transaction — all of them or, on any refusal, none."""
    require_perm(actor, "inventory.post_stockdocument")
    return _post(actor, _locked_document(actor, document), posted_at)


def _post(
    actor: User, doc: StockDocument, posted_at: datetime.datetime | None, *, audit: bool = True
) -> StockDocument:
    needs_approval = approval_required(doc)
    if needs_approval:
        _require_status(doc, DocumentStatus.APPROVED)
    else:
        _require_status(doc, DocumentStatus.SUBMITTED, DocumentStatus.APPROVED)
    when = _posting_time(posted_at)
    lines = list(doc.lines.select_related("item__unpack_item", "pack_unit", "lot__item").order_by("line_no"))
    if doc.doc_type in INBOUND_TYPES:
        if doc.doc_type == DocumentType.RECEIPT:
            if doc.supplier is None:
                raise ValidationError(_("Choose the supplier."), field="supplier")
            certificate_check(doc.supplier, on=timezone.localdate(when))
        moves = _inbound_moves(doc, lines)
    else:
        moves = _outbound_moves(doc, lines)
    ledger.post_moves(
        actor=actor, moves=moves, document=DocumentRef("document", doc.pk, doc.number), posted_at=when
    )
    before = doc.status
    doc.status = DocumentStatus.POSTED
    doc.posted_at, doc.posted_by, doc.updated_by = when, actor, actor
    doc.save(update_fields=["status", "posted_at", "posted_by", "updated_by", "updated_at"])
    if audit:
        _audit(actor, "post", doc, {"status": [before, DocumentStatus.POSTED], "moves": [None, len(moves)]})
    return doc


@transaction.atomic(durable=True)
def document_reverse(*, actor: User, document: StockDocument | int, note: str = "") -> StockDocument:
    """Cancel a posted document by a reversing document of the same type that posts the
    opposite of each of its moves, now. Refused when the stock it brought in has moved on."""
    require_perm(actor, "inventory.post_stockdocument")
    doc = _locked_document(actor, document)
    _require_status(doc, DocumentStatus.POSTED)
    if doc.reverses_id is not None:
        raise IllegalTransition(_("A reversing document cannot itself be reversed."))
    reason = _clean_note(note, field_name="note", max_length=NOTE_MAX)
    originals = list(
        StockMove.objects.filter(document_type="document", document_id=doc.pk)
        .select_related("warehouse", "lot__item")
        .order_by("pk")
    )
    today = timezone.localdate()
    reversal = StockDocument.objects.create(
        branch_id=doc.branch_id,
        doc_type=doc.doc_type,
        number=next_number(doc.branch_id, DOCUMENT_PREFIX[DocumentType(doc.doc_type)], today),
        status=DocumentStatus.POSTED,
        warehouse=doc.warehouse,
        to_warehouse=doc.to_warehouse,
        supplier=doc.supplier,
        department_id=doc.department_id,
        inbound_kind=doc.inbound_kind,
        issue_kind=doc.issue_kind,
        invoice_no=doc.invoice_no,
        note=reason or _("Reversal of %(number)s") % {"number": doc.number},
        reverses=doc,
        submitted_at=timezone.now(),
        submitted_by=actor,
        posted_at=timezone.now(),
        posted_by=actor,
        created_by=actor,
        updated_by=actor,
    )
    StockDocumentLine.objects.bulk_create(
        StockDocumentLine(
            document=reversal,
            line_no=line.line_no,
            item_id=line.item_id,
            pack_unit_id=line.pack_unit_id,
            quantity=line.quantity,
            base_quantity=line.base_quantity,
            unit_price=line.unit_price,
            lot_id=line.lot_id,
            batch_no=line.batch_no,
            production_date=line.production_date,
            expiry_date=line.expiry_date,
            serial_no=line.serial_no,
            bin_id=line.bin_id,
            to_bin_id=line.to_bin_id,
        )
        for line in doc.lines.all()
    )
    moves = [
        MoveInput(
            warehouse=move.warehouse,
            lot=move.lot,
            quantity=-move.quantity,
            move_type=MoveType.REVERSAL,
            bin_id=move.bin_id,
            owner_id=move.owner_id,
            serial_id=move.serial_id,
        )
        for move in originals
    ]
    ledger.post_moves(
        actor=actor,
        moves=moves,
        document=DocumentRef("document", reversal.pk, reversal.number),
        posted_at=reversal.posted_at,
    )
    doc.status = DocumentStatus.REVERSED
    doc.updated_by = actor
    doc.save(update_fields=["status", "updated_by", "updated_at"])
    _audit(
        actor,
        "reverse",
        doc,
        {"status": [DocumentStatus.POSTED, DocumentStatus.REVERSED], "reversal": [None, reversal.number]},
    )
    _audit(actor, "create", reversal, {"reverses": [None, doc.number]})
    return reversal
