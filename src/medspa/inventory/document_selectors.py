"""Reads of the stock documents (INV-04…06, INV-08): the lists per type, the inbound and outbound
document queries (入库单查询 / 出库单查询), one document with its lines, amounts, posted moves and
receipt warnings, the actions the actor may take on it, and the choices the document editor
offers (warehouses, suppliers, bins, items, the lots of an item on hand in FEFO order).

Documents are warehouse-bound: the data scope is applied once, through the document's branch and
its (source) warehouse's department, exactly as the document services look documents up — so a
department storekeeper sees only the documents of her department's warehouses.

Amounts are exact products (quantity × unit price; for outbound lines base quantity × the lot's
unit cost) and are rounded to the fen only when shown or summed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from medspa.accounts.models import User
from medspa.accounts.scope import actor_organisation_id, scope_queryset
from medspa.core.errors import NotFound, ValidationError
from medspa.core.money import quantize
from medspa.inventory import master_selectors
from medspa.inventory.choices import DocumentStatus, DocumentType
from medspa.inventory.document_services import approval_required, certificate_check
from medspa.inventory.models import (
    Bin,
    Company,
    Item,
    StockBalance,
    StockDocument,
    StockDocumentLine,
    StockMove,
    Warehouse,
)

__all__ = [
    "INBOUND_TYPES",
    "OUTBOUND_TYPES",
    "DocumentLineView",
    "LotChoice",
    "Notice",
    "awaits_other_approver",
    "bin_choices",
    "document_actions",
    "document_get_for",
    "document_lines",
    "document_moves",
    "document_total",
    "documents_for",
    "filter_documents",
    "inbound_documents_for",
    "item_lookup",
    "items_for_lines",
    "lot_choices",
    "outbound_documents_for",
    "receipt_warnings",
    "supplier_choices",
    "target_bin_choices",
    "target_warehouse_choices",
    "warehouse_choices",
]

INBOUND_TYPES: tuple[str, ...] = (DocumentType.RECEIPT, DocumentType.OTHER_INBOUND)
OUTBOUND_TYPES: tuple[str, ...] = (DocumentType.ISSUE, DocumentType.TRANSFER)
BEFORE_POSTING = (DocumentStatus.DRAFT, DocumentStatus.SUBMITTED, DocumentStatus.APPROVED)

# quantity (3 places) × unit price or cost (4 places) is exact at 7 places.
AMOUNT_FIELD = DecimalField(max_digits=30, decimal_places=7)
_LINE_AMOUNT = Coalesce(
    ExpressionWrapper(F("quantity") * F("unit_price"), output_field=AMOUNT_FIELD),
    ExpressionWrapper(F("base_quantity") * F("lot__unit_cost"), output_field=AMOUNT_FIELD),
    output_field=AMOUNT_FIELD,
)
DOCUMENT_RELATED = (
    "branch",
    "warehouse__branch",
    "to_warehouse",
    "supplier",
    "created_by",
)


# --- lists ------------------------------------------------------------------------------------------


def _scoped(queryset: QuerySet[StockDocument], actor: Any) -> QuerySet[StockDocument]:
    """The documents of the warehouses the actor sees (the services' own lookup)."""
    return scope_queryset(queryset, actor, branch="branch", department="warehouse__department")


def _line_totals() -> tuple[Coalesce, Coalesce]:
    """(number of lines, Σ exact line amounts) per document as correlated subqueries: one query
    for a whole page, however many documents it shows."""
    lines = StockDocumentLine.objects.filter(document_id=OuterRef("pk")).order_by().values("document_id")
    count = lines.annotate(n=Count("pk")).values("n")
    amount = lines.annotate(total=Sum(_LINE_AMOUNT)).values("total")
    return (
        Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        Coalesce(Subquery(amount, output_field=AMOUNT_FIELD), Value(Decimal(0)), output_field=AMOUNT_FIELD),
    )


def documents_for(actor: User, *, doc_types: Iterable[str] | None = None) -> QuerySet[StockDocument]:
    """The stock documents the actor sees, newest first, each with ``line_count`` and ``amount``
    (Σ quantity × unit price; outbound lines at their lot's cost), warehouses, supplier and
    creator loaded. ``doc_types`` keeps only those types."""
    line_count, amount = _line_totals()
    queryset = StockDocument.objects.select_related(*DOCUMENT_RELATED).annotate(
        line_count=line_count, amount=amount
    )
    if doc_types is not None:
        queryset = queryset.filter(doc_type__in=list(doc_types))
    return _scoped(queryset, actor).order_by("-created_at", "-pk")


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(max(day, datetime.date(1900, 1, 1)), datetime.time.min)
    )


def filter_documents(
    queryset: QuerySet[StockDocument],
    *,
    doc_type: str | None = None,
    warehouse_id: int | None = None,
    supplier_id: int | None = None,
    status: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    number: str | None = None,
    item: str | None = None,
) -> QuerySet[StockDocument]:
    """The filters of the document lists and queries. The date range is the document date (the
    day it was created and numbered), both ends included; ``warehouse_id`` matches the source or
    the target warehouse; ``number`` a part of the number; ``item`` documents with a line whose
    item code, name or pinyin contains the text."""
    if doc_type:
        queryset = queryset.filter(doc_type=doc_type)
    if warehouse_id is not None:
        queryset = queryset.filter(Q(warehouse_id=warehouse_id) | Q(to_warehouse_id=warehouse_id))
    if supplier_id is not None:
        queryset = queryset.filter(supplier_id=supplier_id)
    if status:
        queryset = queryset.filter(status=status)
    if date_from is not None:
        queryset = queryset.filter(created_at__gte=_day_start(date_from))
    if date_to is not None and date_to < datetime.date.max:
        queryset = queryset.filter(created_at__lt=_day_start(date_to + datetime.timedelta(days=1)))
    if number and number.strip():
        queryset = queryset.filter(number__icontains=number.strip())
    if item and item.strip():
        text = item.strip()
        lines = StockDocumentLine.objects.filter(
            Q(item__code__icontains=text)
            | Q(item__name__icontains=text)
            | Q(item__pinyin__contains=text.lower().replace(" ", ""))
        ).values("document_id")
        queryset = queryset.filter(pk__in=lines)
    return queryset


def inbound_documents_for(actor: User, **filters: Any) -> QuerySet[StockDocument]:
    """入库单查询: purchase receipts and other inbound documents, filtered (see
    :func:`filter_documents`); a ``doc_type`` outside the inbound types is refused."""
    if filters.get("doc_type") and filters["doc_type"] not in INBOUND_TYPES:
        raise ValidationError(field="doc_type")
    return filter_documents(documents_for(actor, doc_types=INBOUND_TYPES), **filters)


def outbound_documents_for(actor: User, **filters: Any) -> QuerySet[StockDocument]:
    """出库单查询: issues and transfers, filtered (see :func:`filter_documents`)."""
    if filters.get("doc_type") and filters["doc_type"] not in OUTBOUND_TYPES:
        raise ValidationError(field="doc_type")
    return filter_documents(documents_for(actor, doc_types=OUTBOUND_TYPES), **filters)


# --- one document -----------------------------------------------------------------------------------


def document_get_for(actor: User, pk: int, *, doc_types: Iterable[str] | None = None) -> StockDocument:
    """One document in the actor's scope (of ``doc_types`` when given), with its lines (item,
    unit, lot, bins loaded, in line order), the people of each step and the reversal links.
    NotFound for a missing document, one outside the scope and one of another type alike."""
    lines = StockDocumentLine.objects.select_related("item", "pack_unit", "lot", "bin", "to_bin").order_by(
        "line_no"
    )
    queryset = (
        StockDocument.objects.select_related(
            *DOCUMENT_RELATED,
            "to_warehouse__branch",
            "department",
            "submitted_by",
            "approved_by",
            "posted_by",
            "reverses",
            "reversed_by",
        )
        .prefetch_related(Prefetch("lines", queryset=lines))
        .filter(pk=pk)
    )
    if doc_types is not None:
        queryset = queryset.filter(doc_type__in=list(doc_types))
    document = _scoped(queryset, actor).first()
    if document is None:
        raise NotFound()
    return document


@dataclass(frozen=True)
class DocumentLineView:
    """A line as shown: its unit's name, its unit price or cost and the amount (rounded to the
    fen; ``None`` where there is no price)."""

    line: StockDocumentLine
    unit: str
    price: Decimal | None
    amount: Decimal | None
    exact_amount: Decimal | None


def _line_view(line: StockDocumentLine) -> DocumentLineView:
    unit = line.pack_unit.name if line.pack_unit is not None else line.item.base_unit
    if line.unit_price is not None:
        exact = line.quantity * line.unit_price
        return DocumentLineView(line, unit, line.unit_price, quantize(exact), exact)
    if line.lot is not None:
        exact = line.base_quantity * line.lot.unit_cost
        return DocumentLineView(line, unit, None, quantize(exact), exact)
    return DocumentLineView(line, unit, None, None, None)


def document_lines(document: StockDocument) -> list[DocumentLineView]:
    """The lines of a document fetched by :func:`document_get_for`, with amounts."""
    return [_line_view(line) for line in document.lines.all()]


def document_total(lines: Iterable[DocumentLineView]) -> Decimal:
    """Σ of the exact line amounts, rounded to the fen."""
    return quantize(sum((line.exact_amount or Decimal(0) for line in lines), Decimal(0)))


def document_moves(document: StockDocument) -> QuerySet[StockMove]:
    """The ledger moves the document posted (empty before posting)."""
    return (
        StockMove.objects.filter(document_type="document", document_id=document.pk)
        .select_related("warehouse", "item", "lot", "bin", "serial")
        .order_by("pk")
    )


@dataclass(frozen=True)
class Notice:
    """A message for the document page: ``level`` is ``warning`` (shown yellow) or ``danger``."""

    level: str
    message: str


def receipt_warnings(document: StockDocument, *, on: datetime.date | None = None) -> list[Notice]:
    """For a purchase receipt not yet posted: the supplier's required certificates expiring
    within 30 days (warnings) or already expired (the receipt will be refused)."""
    if (
        document.doc_type != DocumentType.RECEIPT
        or document.supplier is None
        or document.status not in BEFORE_POSTING
    ):
        return []
    try:
        warnings = certificate_check(document.supplier, on=on or timezone.localdate())
    except ValidationError as exc:
        return [Notice("danger", exc.message)]
    return [Notice("warning", message) for message in warnings]


def awaits_other_approver(actor: User, document: StockDocument) -> bool:
    """The actor may approve documents but submitted this one, which waits for approval: someone
    else must approve it."""
    return (
        document.status == DocumentStatus.SUBMITTED
        and document.submitted_by_id == actor.pk
        and actor.has_perm("inventory.approve_stockdocument")
        and approval_required(document)
    )


def document_actions(actor: User, document: StockDocument) -> list[str]:
    """The buttons the actor may press on ``document`` now: ``edit``, ``submit``, ``approve``
    (only where the type needs approval, and not to the one who submitted it), ``post``,
    ``cancel``, ``reverse``. The services decide again when a button is pressed."""
    status = document.status
    actions: list[str] = []
    if status == DocumentStatus.DRAFT:
        if actor.has_perm("inventory.change_stockdocument"):
            actions.append("edit")
        if actor.has_perm("inventory.add_stockdocument"):
            actions.append("submit")
    if status in (DocumentStatus.SUBMITTED, DocumentStatus.APPROVED):
        needs_approval = approval_required(document)
        if (
            status == DocumentStatus.SUBMITTED
            and needs_approval
            and actor.has_perm("inventory.approve_stockdocument")
            and document.submitted_by_id != actor.pk  # four eyes: not her own submission
        ):
            actions.append("approve")
        ready = status == DocumentStatus.APPROVED or not needs_approval
        if ready and actor.has_perm("inventory.post_stockdocument"):
            actions.append("post")
    if status in BEFORE_POSTING and actor.has_perm("inventory.add_stockdocument"):
        actions.append("cancel")
    if (
        status == DocumentStatus.POSTED
        and document.reverses_id is None
        and actor.has_perm("inventory.post_stockdocument")
    ):
        actions.append("reverse")
    return actions


# --- editor choices ---------------------------------------------------------------------------------


def warehouse_choices(actor: User) -> QuerySet[Warehouse]:
    """The active warehouses a document of the actor can start from."""
    return master_selectors.warehouses_for(actor).filter(is_active=True)


def target_warehouse_choices(actor: User) -> QuerySet[Warehouse]:
    """Where an issue or transfer may go: any active warehouse of the actor's organisation (a
    central storekeeper issues to department warehouses she does not manage)."""
    organisation_id = actor_organisation_id(actor)
    return (
        Warehouse.objects.select_related("branch", "department")
        .filter(branch__organisation_id=organisation_id, is_active=True)
        .order_by("branch__code", "code", "pk")
    )


def supplier_choices(actor: User) -> QuerySet[Company]:
    """The organisation's active suppliers."""
    return master_selectors.companies_for(actor).filter(is_supplier=True, is_active=True)


def bin_choices(actor: User, warehouse_id: int | None) -> list[Bin]:
    """The active bin locations of a warehouse the actor sees (empty without one)."""
    if not warehouse_id:
        return []
    return list(master_selectors.bins_for(actor).filter(warehouse_id=warehouse_id, is_active=True))


def target_bin_choices(actor: User, warehouse_id: int | None) -> list[Bin]:
    """The active bin locations of a target warehouse of the actor's organisation."""
    if not warehouse_id:
        return []
    return list(
        Bin.objects.filter(
            warehouse_id=warehouse_id,
            warehouse__branch__organisation_id=actor_organisation_id(actor),
            is_active=True,
        ).order_by("code", "pk")
    )


def items_for_lines(actor: User, item_ids: Iterable[int]) -> dict[int, Item]:
    """The organisation's items by id with their pack units loaded (one query each)."""
    ids = {pk for pk in item_ids if pk}
    if not ids:
        return {}
    items = master_selectors.items_for(actor).filter(pk__in=ids).prefetch_related("pack_units")
    return {item.pk: item for item in items}


def item_lookup(actor: User, q: str, *, unpacking: bool = False, limit: int = 15) -> list[Item]:
    """Active items matching ``q`` (code, name, pinyin, barcode) for a line's item search; for
    an unpacking only items with an unpacking rule."""
    items = master_selectors.item_search(actor, q, limit=limit if not unpacking else 100)
    if unpacking:
        items = [item for item in items if item.unpack_item_id is not None][:limit]
    return items


@dataclass(frozen=True)
class LotChoice:
    """A lot of an item on hand in a warehouse: batch, expiry and the quantity in base units."""

    lot_id: int
    batch_no: str
    expiry_date: datetime.date | None
    on_hand: Decimal
    expired: bool


def lot_choices(actor: User, warehouse_id: int | None, item_ids: Iterable[int]) -> dict[int, list[LotChoice]]:
    """Per item: its lots on hand (hospital-owned) in the warehouse, earliest expiry first
    (lots without expiry last) — the order FEFO takes them in. One query for all the items; a
    warehouse outside the actor's scope has nothing."""
    ids = {pk for pk in item_ids if pk}
    result: dict[int, list[LotChoice]] = defaultdict(list)
    if not warehouse_id or not ids:
        return result
    balances = scope_queryset(
        StockBalance.objects.filter(
            warehouse_id=warehouse_id, item_id__in=ids, quantity__gt=0, owner__isnull=True
        ),
        actor,
        branch="branch",
        department="warehouse__department",
    )
    rows = (
        balances.values("item_id", "lot_id", "lot__batch_no", "lot__expiry_date")
        .annotate(on_hand=Sum("quantity"))
        .order_by(F("lot__expiry_date").asc(nulls_last=True), "lot_id")
    )
    today = timezone.localdate()
    for row in rows:
        expiry = row["lot__expiry_date"]
        result[row["item_id"]].append(
            LotChoice(
                lot_id=row["lot_id"],
                batch_no=row["lot__batch_no"],
                expiry_date=expiry,
                on_hand=row["on_hand"],
                expired=expiry is not None and expiry < today,
            )
        )
    return result
