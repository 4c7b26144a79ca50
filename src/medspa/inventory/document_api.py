"""REST endpoints of the stock documents (INV-04…06, INV-08) and the scan front door (SPD-10).

Four resources share one shape: ``/inventory/receipts`` (purchase receipts and other inbound,
told apart by ``type``), ``/inventory/issues``, ``/inventory/transfers`` and
``/inventory/unpackings``: GET list (filters, ``limit``/``offset``), POST create (a draft), GET
and PUT ``/{id}`` (the whole draft again), and POST ``/{id}/submit``, ``/approve``, ``/post``,
``/cancel``, ``/reverse``. A document of another type asked for through the wrong resource is
404. Each endpoint parses its schema and calls the selector or service the pages use."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, Query, Router, Status

from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import PermissionDenied, ValidationError
from medspa.core.money import quantize
from medspa.inventory import document_selectors as selectors
from medspa.inventory import document_services as services
from medspa.inventory.choices import DocumentType
from medspa.inventory.document_filtersets import DocumentFilterSet, InboundQueryFilterSet
from medspa.inventory.document_forms import is_plain_decimal
from medspa.inventory.document_schemas import (
    DocumentFilters,
    DocumentListOut,
    DocumentOut,
    InboundLineIn,
    IssueIn,
    OutboundLineIn,
    PostIn,
    ReceiptFilters,
    ReceiptIn,
    ReceiptUpdateIn,
    ReverseIn,
    ScanIn,
    ScanOut,
    TransferIn,
    UnpackingIn,
    UnpackingLineIn,
)
from medspa.inventory.models import StockDocument
from medspa.inventory.scan import scan_resolve

router = Router(tags=["inventory: documents"])

VIEW = "inventory.view_stockdocument"
RECEIPTS = (DocumentType.RECEIPT, DocumentType.OTHER_INBOUND)
ISSUES = (DocumentType.ISSUE,)
TRANSFERS = (DocumentType.TRANSFER,)
UNPACKINGS = (DocumentType.UNPACKING,)
# who may resolve a scanned code: whoever reads the item master or writes documents
SCAN_PERMS = ("inventory.view_item", "inventory.add_stockdocument", "inventory.change_stockdocument")


def _actor(request: HttpRequest, perm: str | None = None) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if perm is not None and not user.has_perm(perm):
        raise PermissionDenied()
    return user


# --- input → service arguments ----------------------------------------------------------------------


def _date(value: str | None, *, field: str) -> datetime.date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(_("Enter a date as YYYY-MM-DD."), field=field) from None


def _decimal(value: str | int | float | None, *, field: str, price: bool = False) -> str | None:
    """A decimal as sent: a string or a whole number; a JSON number with a fraction is refused
    (as a float it may already be off), so is text that is no plain decimal ("1e9", "NaN")."""
    if value is None:
        return None
    if isinstance(value, float):
        raise ValidationError(_('Send a decimal as a string, for example "2.5".'), field=field)
    text = str(value)
    if price and not text.strip():
        return None
    if not is_plain_decimal(text, separators=price):
        if price:
            raise ValidationError(_("Enter a valid amount, for example 1234.50."), field=field)
        raise ValidationError(_("Enter a number, for example 10 or 2.5."), field=field)
    return text


def _inbound_lines(lines: Sequence[InboundLineIn]) -> list[services.LineInput]:
    result = []
    for number, line in enumerate(lines, start=1):
        prefix = f"lines.{number}"
        result.append(
            services.LineInput(
                item_id=line.item_id,
                quantity=_decimal(line.quantity, field=f"{prefix}.quantity"),
                pack_unit_id=line.pack_unit_id,
                unit_price=_decimal(line.unit_price, field=f"{prefix}.unit_price", price=True),
                batch_no=line.batch_no,
                production_date=_date(line.production_date, field=f"{prefix}.production_date"),
                expiry_date=_date(line.expiry_date, field=f"{prefix}.expiry_date"),
                serial_no=line.serial_no,
                bin_id=line.bin_id,
            )
        )
    return result


def _outbound_lines(lines: Sequence[OutboundLineIn | UnpackingLineIn]) -> list[services.LineInput]:
    return [
        services.LineInput(
            item_id=line.item_id,
            quantity=_decimal(line.quantity, field=f"lines.{number}.quantity"),
            pack_unit_id=line.pack_unit_id,
            lot_id=line.lot_id,
            serial_no=getattr(line, "serial_no", ""),
            bin_id=line.bin_id,
            to_bin_id=line.to_bin_id,
        )
        for number, line in enumerate(lines, start=1)
    ]


def _receipt_header(payload: ReceiptIn | ReceiptUpdateIn) -> dict[str, Any]:
    return {
        "warehouse": payload.warehouse_id,
        "supplier": payload.supplier_id,
        "inbound_kind": payload.inbound_kind,
        "invoice_no": payload.invoice_no,
        "note": payload.note,
    }


def _issue_header(payload: IssueIn) -> dict[str, Any]:
    return {
        "warehouse": payload.warehouse_id,
        "issue_kind": payload.issue_kind,
        "to_warehouse": payload.to_warehouse_id,
        "department": payload.department_id,
        "note": payload.note,
    }


def _transfer_header(payload: TransferIn) -> dict[str, Any]:
    return {"warehouse": payload.warehouse_id, "to_warehouse": payload.to_warehouse_id, "note": payload.note}


def _unpacking_header(payload: UnpackingIn) -> dict[str, Any]:
    return {"warehouse": payload.warehouse_id, "note": payload.note}


# --- output -----------------------------------------------------------------------------------------


def _ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "code": obj.code, "name": obj.name}


def _document_ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "number": obj.number}


def _line_out(view: selectors.DocumentLineView) -> dict[str, Any]:
    line = view.line
    unit = line.pack_unit
    lot = line.lot
    return {
        "line_no": line.line_no,
        "item": line.item,
        "pack_unit": None if unit is None else {"id": unit.pk, "name": unit.name, "factor": unit.factor},
        "unit": view.unit,
        "quantity": line.quantity,
        "base_quantity": line.base_quantity,
        "unit_price": line.unit_price,
        "amount": view.amount,
        "lot": None
        if lot is None
        else {
            "id": lot.pk,
            "batch_no": lot.batch_no,
            "expiry_date": lot.expiry_date,
            "unit_cost": lot.unit_cost,
        },
        "batch_no": line.batch_no,
        "production_date": line.production_date,
        "expiry_date": line.expiry_date,
        "serial_no": line.serial_no,
        "bin": None if line.bin is None else {"id": line.bin.pk, "code": line.bin.code},
        "to_bin": None if line.to_bin is None else {"id": line.to_bin.pk, "code": line.to_bin.code},
    }


def _detail(actor: Any, pk: int, doc_types: Sequence[str]) -> dict[str, Any]:
    document = selectors.document_get_for(actor, pk, doc_types=doc_types)
    lines = selectors.document_lines(document)
    return {
        "id": document.pk,
        "number": document.number,
        "type": document.doc_type,
        "status": document.status,
        "warehouse": _ref(document.warehouse),
        "to_warehouse": _ref(document.to_warehouse),
        "supplier": _ref(document.supplier),
        "department": _ref(document.department),
        "inbound_kind": document.inbound_kind,
        "issue_kind": document.issue_kind,
        "invoice_no": document.invoice_no,
        "note": document.note,
        "reverses": _document_ref(document.reverses),
        "reversed_by": _document_ref(getattr(document, "reversed_by", None)),
        "total_amount": selectors.document_total(lines),
        "warnings": [notice.message for notice in selectors.receipt_warnings(document)],
        "created_at": document.created_at,
        "submitted_at": document.submitted_at,
        "approved_at": document.approved_at,
        "posted_at": document.posted_at,
        "lines": [_line_out(line) for line in lines],
    }


def _summary(document: StockDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "number": document.number,
        "type": document.doc_type,
        "status": document.status,
        "warehouse": _ref(document.warehouse),
        "to_warehouse": _ref(document.to_warehouse),
        "supplier": _ref(document.supplier),
        "inbound_kind": document.inbound_kind,
        "issue_kind": document.issue_kind,
        "invoice_no": document.invoice_no,
        "line_count": document.line_count,  # type: ignore[attr-defined]
        "amount": quantize(document.amount),  # type: ignore[attr-defined]
        "created_at": document.created_at,
        "posted_at": document.posted_at,
    }


def _list(
    request: HttpRequest, doc_types: Sequence[str], filterset: Any, filters: Any, params: ListParams
) -> Any:
    actor = _actor(request, VIEW)
    queryset = filtered(request, filterset, selectors.documents_for(actor, doc_types=doc_types), filters)
    result = page(queryset, params)
    result["items"] = [_summary(document) for document in result["items"]]
    return result


def _in_scope(actor: Any, pk: int, doc_types: Sequence[str]) -> StockDocument:
    """The document through its resource: 404 outside the scope or for another type."""
    return selectors.document_get_for(actor, pk, doc_types=doc_types)


# --- receipts ---------------------------------------------------------------------------------------


@router.get(
    "/inventory/receipts", response=DocumentListOut, summary="List purchase receipts and other inbound"
)
def receipt_list(request: HttpRequest, params: Query[ListParams], filters: Query[ReceiptFilters]) -> Any:
    return _list(request, RECEIPTS, InboundQueryFilterSet, filters, params)


@router.post("/inventory/receipts", response={201: DocumentOut}, summary="Create a receipt (draft)")
def receipt_create(request: HttpRequest, payload: ReceiptIn) -> Status:
    """A purchase receipt (``type`` receipt, supplier and unit prices required; refused while a
    required supplier certificate has expired) or other inbound (``type`` other_inbound)."""
    actor = _actor(request)
    document = services.document_create(
        actor=actor,
        doc_type=payload.type,
        lines=_inbound_lines(payload.lines),
        post=payload.post,
        **_receipt_header(payload),
    )
    return Status(201, _detail(actor, document.pk, RECEIPTS))


@router.get("/inventory/receipts/{document_id}", response=DocumentOut, summary="One receipt with its lines")
def receipt_detail(request: HttpRequest, document_id: int) -> Any:
    return _detail(_actor(request, VIEW), document_id, RECEIPTS)


@router.put("/inventory/receipts/{document_id}", response=DocumentOut, summary="Replace a draft receipt")
def receipt_update(request: HttpRequest, document_id: int, payload: ReceiptUpdateIn) -> Any:
    actor = _actor(request, VIEW)
    document = _in_scope(actor, document_id, RECEIPTS)
    services.document_update(
        actor=actor, document=document.pk, lines=_inbound_lines(payload.lines), **_receipt_header(payload)
    )
    return _detail(actor, document.pk, RECEIPTS)


# --- issues -----------------------------------------------------------------------------------------


@router.get("/inventory/issues", response=DocumentListOut, summary="List issues")
def issue_list(request: HttpRequest, params: Query[ListParams], filters: Query[DocumentFilters]) -> Any:
    return _list(request, ISSUES, DocumentFilterSet, filters, params)


@router.post("/inventory/issues", response={201: DocumentOut}, summary="Create an issue (draft)")
def issue_create(request: HttpRequest, payload: IssueIn) -> Status:
    """Lines without a lot take the earliest-expiring lots on hand (FEFO; one stored line per
    lot). Too little usable stock is refused (409 ``insufficient_stock``)."""
    actor = _actor(request)
    document = services.document_create(
        actor=actor,
        doc_type=DocumentType.ISSUE,
        lines=_outbound_lines(payload.lines),
        post=payload.post,
        **_issue_header(payload),
    )
    return Status(201, _detail(actor, document.pk, ISSUES))


@router.get("/inventory/issues/{document_id}", response=DocumentOut, summary="One issue with its lines")
def issue_detail(request: HttpRequest, document_id: int) -> Any:
    return _detail(_actor(request, VIEW), document_id, ISSUES)


@router.put("/inventory/issues/{document_id}", response=DocumentOut, summary="Replace a draft issue")
def issue_update(request: HttpRequest, document_id: int, payload: IssueIn) -> Any:
    actor = _actor(request, VIEW)
    document = _in_scope(actor, document_id, ISSUES)
    services.document_update(
        actor=actor, document=document.pk, lines=_outbound_lines(payload.lines), **_issue_header(payload)
    )
    return _detail(actor, document.pk, ISSUES)


# --- transfers --------------------------------------------------------------------------------------


@router.get("/inventory/transfers", response=DocumentListOut, summary="List transfers")
def transfer_list(request: HttpRequest, params: Query[ListParams], filters: Query[DocumentFilters]) -> Any:
    return _list(request, TRANSFERS, DocumentFilterSet, filters, params)


@router.post("/inventory/transfers", response={201: DocumentOut}, summary="Create a transfer (draft)")
def transfer_create(request: HttpRequest, payload: TransferIn) -> Status:
    actor = _actor(request)
    document = services.document_create(
        actor=actor,
        doc_type=DocumentType.TRANSFER,
        lines=_outbound_lines(payload.lines),
        post=payload.post,
        **_transfer_header(payload),
    )
    return Status(201, _detail(actor, document.pk, TRANSFERS))


@router.get("/inventory/transfers/{document_id}", response=DocumentOut, summary="One transfer with its lines")
def transfer_detail(request: HttpRequest, document_id: int) -> Any:
    return _detail(_actor(request, VIEW), document_id, TRANSFERS)


@router.put("/inventory/transfers/{document_id}", response=DocumentOut, summary="Replace a draft transfer")
def transfer_update(request: HttpRequest, document_id: int, payload: TransferIn) -> Any:
    actor = _actor(request, VIEW)
    document = _in_scope(actor, document_id, TRANSFERS)
    services.document_update(
        actor=actor, document=document.pk, lines=_outbound_lines(payload.lines), **_transfer_header(payload)
    )
    return _detail(actor, document.pk, TRANSFERS)


# --- unpackings -------------------------------------------------------------------------------------


@router.get("/inventory/unpackings", response=DocumentListOut, summary="List unpackings")
def unpacking_list(request: HttpRequest, params: Query[ListParams], filters: Query[DocumentFilters]) -> Any:
    return _list(request, UNPACKINGS, DocumentFilterSet, filters, params)


@router.post("/inventory/unpackings", response={201: DocumentOut}, summary="Create an unpacking (draft)")
def unpacking_create(request: HttpRequest, payload: UnpackingIn) -> Status:
    """Each line names an item with an unpacking rule (1 box → N units); posting splits the
    box's cost over its units."""
    actor = _actor(request)
    document = services.document_create(
        actor=actor,
        doc_type=DocumentType.UNPACKING,
        lines=_outbound_lines(payload.lines),
        post=payload.post,
        **_unpacking_header(payload),
    )
    return Status(201, _detail(actor, document.pk, UNPACKINGS))


@router.get(
    "/inventory/unpackings/{document_id}", response=DocumentOut, summary="One unpacking with its lines"
)
def unpacking_detail(request: HttpRequest, document_id: int) -> Any:
    return _detail(_actor(request, VIEW), document_id, UNPACKINGS)


@router.put("/inventory/unpackings/{document_id}", response=DocumentOut, summary="Replace a draft unpacking")
def unpacking_update(request: HttpRequest, document_id: int, payload: UnpackingIn) -> Any:
    actor = _actor(request, VIEW)
    document = _in_scope(actor, document_id, UNPACKINGS)
    services.document_update(
        actor=actor, document=document.pk, lines=_outbound_lines(payload.lines), **_unpacking_header(payload)
    )
    return _detail(actor, document.pk, UNPACKINGS)


# --- transitions (the same five on every resource) --------------------------------------------------


def _transitions(resource: str, noun: str, doc_types: Sequence[str]) -> None:
    """Register POST ``/inventory/<resource>/{id}/<action>`` for the five transitions."""
    base = f"/inventory/{resource}/{{document_id}}"

    def simple(action: str, service: Callable[..., Any], summary: str) -> None:
        def endpoint(request: HttpRequest, document_id: int) -> Any:
            actor = _actor(request, VIEW)
            document = _in_scope(actor, document_id, doc_types)
            service(actor=actor, document=document.pk)
            return _detail(actor, document.pk, doc_types)

        endpoint.__name__ = f"{resource}_{action}"
        router.post(
            f"{base}/{action}",
            response=DocumentOut,
            summary=summary,
            operation_id=f"inventory_{resource}_{action}",
        )(endpoint)

    simple("submit", services.document_submit, f"Submit a draft {noun}")
    simple(
        "approve", services.document_approve, f"Approve a submitted {noun} (someone other than its submitter)"
    )
    simple("cancel", services.document_cancel, f"Cancel a {noun} that is not posted")

    def post(request: HttpRequest, document_id: int, payload: PostIn = Body(PostIn(posted_at=None))) -> Any:  # noqa: B008
        """Posts the lines as ledger moves, all or none: 409 ``insufficient_stock``,
        ``period_closed`` or ``serial_conflict`` post nothing."""
        actor = _actor(request, VIEW)
        document = _in_scope(actor, document_id, doc_types)
        services.document_post(actor=actor, document=document.pk, posted_at=payload.posted_at)
        return _detail(actor, document.pk, doc_types)

    post.__name__ = f"{resource}_post"
    router.post(
        f"{base}/post",
        response=DocumentOut,
        summary=f"Post a {noun} to the stock ledger",
        operation_id=f"inventory_{resource}_post",
    )(post)

    def reverse(request: HttpRequest, document_id: int, payload: ReverseIn = Body(ReverseIn(note=""))) -> Any:  # noqa: B008
        """Posts a reversing document (returned) with the opposite moves; the original becomes
        ``reversed``. Refused when the stock it brought in has moved on."""
        actor = _actor(request, VIEW)
        document = _in_scope(actor, document_id, doc_types)
        reversal = services.document_reverse(actor=actor, document=document.pk, note=payload.note)
        return _detail(actor, reversal.pk, doc_types)

    reverse.__name__ = f"{resource}_reverse"
    router.post(
        f"{base}/reverse",
        response=DocumentOut,
        summary=f"Reverse a posted {noun}",
        operation_id=f"inventory_{resource}_reverse",
    )(reverse)


_transitions("receipts", "receipt", RECEIPTS)
_transitions("issues", "issue", ISSUES)
_transitions("transfers", "transfer", TRANSFERS)
_transitions("unpackings", "unpacking", UNPACKINGS)


# --- scan -------------------------------------------------------------------------------------------


@router.post("/inventory/scan", response=ScanOut, summary="Resolve a scanned or typed code to an item")
def scan(request: HttpRequest, payload: ScanIn) -> Any:
    """The UDI front door: a GS1 string (with GS separators or in parentheses) gives the item,
    the pack level of its GTIN, batch, expiry, production date and serial; a GTIN the item and
    pack level; anything else is looked up as a barcode or item code. Unknown or malformed codes
    are 422 with the reason."""
    actor = _actor(request)
    if not any(actor.has_perm(p) for p in SCAN_PERMS):
        raise PermissionDenied()
    result = scan_resolve(actor=actor, code=payload.code)
    unit = result.pack_unit
    return {
        "item": result.item,
        "pack_unit": None if unit is None else {"id": unit.pk, "name": unit.name, "factor": unit.factor},
        "factor": result.factor,
        "gtin": result.gtin,
        "batch_no": result.batch_no,
        "expiry_date": result.expiry_date,
        "production_date": result.production_date,
        "serial_no": result.serial_no,
    }
