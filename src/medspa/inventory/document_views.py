"""Pages of the stock documents (INV-04…06, INV-08): a list per type, the inbound and outbound
document queries, the editor of a draft (header, a scan box and line rows), the document page
with the buttons of its status, and the small htmx endpoints of the editor (scan → a prefilled
line row, item search, an empty or re-picked line row).

The editor posts every line row (``line`` = the row's token, fields ``line-<token>-<field>``);
the view turns them into :class:`~medspa.inventory.document_services.LineInput` and calls
``document_create`` / ``document_update``. A refusal comes back next to the field or line it
names (``lines.2.quantity`` → the second row's quantity) and nothing is written.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.forms import BoundField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.core import errors, menu
from medspa.core.htmx import wants_partial
from medspa.core.views.generic import ObjectListView, PermissionRequiredView
from medspa.inventory import document_selectors as selectors
from medspa.inventory import document_services as services
from medspa.inventory.choices import DocumentStatus, DocumentType
from medspa.inventory.document_filtersets import (
    DocumentFilterSet,
    InboundQueryFilterSet,
    OutboundQueryFilterSet,
    ReceiptFilterSet,
)
from medspa.inventory.document_forms import (
    MAX_ID,
    TOKEN,
    DocumentHeaderForm,
    IssueHeaderForm,
    LineForm,
    OtherInboundHeaderForm,
    ReceiptHeaderForm,
    ReverseForm,
    ScanForm,
    TransferHeaderForm,
    UnpackingHeaderForm,
    line_tokens,
)
from medspa.inventory.document_tables import (
    InboundQueryTable,
    IssueTable,
    OtherInboundTable,
    OutboundQueryTable,
    ReceiptTable,
    TransferTable,
    UnpackingTable,
)
from medspa.inventory.models import Item, StockDocument, StockDocumentLine
from medspa.inventory.scan import scan_resolve

VIEW = "inventory.view_stockdocument"
ADD = "inventory.add_stockdocument"
CHANGE = "inventory.change_stockdocument"


# --- the document types -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DocKind:
    """What differs between the document types on the pages: titles, the header form and which
    fields a line row shows. URL names are ``inventory_docs:<doc_type>_<page>``."""

    doc_type: str
    title: str | Promise
    new_title: str | Promise
    header_form: type[DocumentHeaderForm]
    line_fields: tuple[str, ...]

    @property
    def inbound(self) -> bool:
        return self.doc_type in selectors.INBOUND_TYPES

    def url(self, page: str, *args: Any) -> str:
        return reverse(f"inventory_docs:{self.doc_type}_{page}", args=args)


INBOUND_LINE = (
    "pack_unit",
    "quantity",
    "unit_price",
    "batch_no",
    "production_date",
    "expiry_date",
    "serial_no",
    "bin",
)
KINDS: dict[str, DocKind] = {
    DocumentType.RECEIPT: DocKind(
        DocumentType.RECEIPT,
        gettext_lazy("Purchase receipts"),
        gettext_lazy("New purchase receipt"),
        ReceiptHeaderForm,
        INBOUND_LINE,
    ),
    DocumentType.OTHER_INBOUND: DocKind(
        DocumentType.OTHER_INBOUND,
        gettext_lazy("Other inbound"),
        gettext_lazy("New other inbound"),
        OtherInboundHeaderForm,
        INBOUND_LINE,
    ),
    DocumentType.ISSUE: DocKind(
        DocumentType.ISSUE,
        gettext_lazy("Issues"),
        gettext_lazy("New issue"),
        IssueHeaderForm,
        ("pack_unit", "quantity", "lot", "serial_no", "bin", "to_bin"),
    ),
    DocumentType.TRANSFER: DocKind(
        DocumentType.TRANSFER,
        gettext_lazy("Transfers"),
        gettext_lazy("New transfer"),
        TransferHeaderForm,
        ("pack_unit", "quantity", "lot", "serial_no", "bin", "to_bin"),
    ),
    DocumentType.UNPACKING: DocKind(
        DocumentType.UNPACKING,
        gettext_lazy("Unpackings"),
        gettext_lazy("New unpacking"),
        UnpackingHeaderForm,
        ("pack_unit", "quantity", "lot", "bin", "to_bin"),
    ),
}


def register_menu() -> None:
    """The document pages in the Inventory group (orders 510–522)."""
    group = gettext_lazy("Inventory")
    entries = (
        ("receipt_list", gettext_lazy("Purchase receipts"), "ti-truck-delivery", 510),
        ("other_inbound_list", gettext_lazy("Other inbound"), "ti-gift", 512),
        ("issue_list", gettext_lazy("Issues"), "ti-package-export", 514),
        ("transfer_list", gettext_lazy("Transfers"), "ti-arrows-exchange", 516),
        ("unpacking_list", gettext_lazy("Unpackings"), "ti-box-multiple", 518),
        ("inbound_query", gettext_lazy("Inbound document query"), "ti-file-import", 520),
        ("outbound_query", gettext_lazy("Outbound document query"), "ti-file-export", 522),
    )
    for name, label, icon, order in entries:
        menu.register(
            menu.MenuItem(
                key=f"inventory-docs-{name.replace('_', '-')}",
                label=label,
                url_name=f"inventory_docs:{name}",
                icon=icon,
                order=order,
                group=group,
                permissions=(VIEW,),
            )
        )


# --- lists ------------------------------------------------------------------------------------------


class DocumentListView(ObjectListView):
    """The documents of one type (``doc_types``) the actor sees."""

    permissions = (VIEW,)
    doc_types: ClassVar[tuple[str, ...]] = ()
    filterset_class = DocumentFilterSet
    create_permissions = (VIEW, ADD)
    empty_text = gettext_lazy("No documents match.")

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.documents_for(self.request.user, doc_types=self.doc_types)  # type: ignore[arg-type]


class ReceiptListView(DocumentListView):
    title = gettext_lazy("Purchase receipts")
    doc_types = (DocumentType.RECEIPT,)
    filterset_class = ReceiptFilterSet
    table_class = ReceiptTable
    create_url_name = "inventory_docs:receipt_create"
    create_label = gettext_lazy("New purchase receipt")
    export_basename = "purchase-receipts"


class OtherInboundListView(DocumentListView):
    title = gettext_lazy("Other inbound")
    doc_types = (DocumentType.OTHER_INBOUND,)
    table_class = OtherInboundTable
    create_url_name = "inventory_docs:other_inbound_create"
    create_label = gettext_lazy("New other inbound")
    export_basename = "other-inbound"


class IssueListView(DocumentListView):
    title = gettext_lazy("Issues")
    doc_types = (DocumentType.ISSUE,)
    table_class = IssueTable
    create_url_name = "inventory_docs:issue_create"
    create_label = gettext_lazy("New issue")
    export_basename = "issues"


class TransferListView(DocumentListView):
    title = gettext_lazy("Transfers")
    doc_types = (DocumentType.TRANSFER,)
    table_class = TransferTable
    create_url_name = "inventory_docs:transfer_create"
    create_label = gettext_lazy("New transfer")
    export_basename = "transfers"


class UnpackingListView(DocumentListView):
    title = gettext_lazy("Unpackings")
    doc_types = (DocumentType.UNPACKING,)
    table_class = UnpackingTable
    create_url_name = "inventory_docs:unpacking_create"
    create_label = gettext_lazy("New unpacking")
    export_basename = "unpackings"


class InboundQueryView(DocumentListView):
    """入库单查询: purchase receipts and other inbound documents together."""

    title = gettext_lazy("Inbound document query")
    doc_types = tuple(selectors.INBOUND_TYPES)
    filterset_class = InboundQueryFilterSet
    table_class = InboundQueryTable
    export_basename = "inbound-documents"


class OutboundQueryView(DocumentListView):
    """出库单查询: issues and transfers together."""

    title = gettext_lazy("Outbound document query")
    doc_types = tuple(selectors.OUTBOUND_TYPES)
    filterset_class = OutboundQueryFilterSet
    table_class = OutboundQueryTable
    export_basename = "outbound-documents"


# --- line rows --------------------------------------------------------------------------------------


SELECTS = ("pack_unit", "lot", "bin", "to_bin")


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


@dataclass
class LineRow:
    """One line row of the editor as the template draws it."""

    token: str
    form: LineForm
    doc_type: str
    fields: tuple[str, ...]
    item: Item | None = None
    units: list[Option] = field(default_factory=list)
    lots: list[Option] = field(default_factory=list)
    bins: list[Option] = field(default_factory=list)
    to_bins: list[Option] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def inputs(self) -> list[BoundField]:
        """The row's plain inputs (the selects are drawn from their options)."""
        return [self.form[name] for name in self.fields if name not in SELECTS]

    @property
    def required(self) -> tuple[str, ...]:
        return ("quantity", "unit_price") if self.doc_type == DocumentType.RECEIPT else ("quantity",)


def _raw(form: forms.Form, name: str) -> str:
    value = form[name].value()
    return "" if value is None else str(value)


def _int(value: Any) -> int | None:
    """A positive database id, or None."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


def new_token() -> str:
    return secrets.token_hex(4)


class RowContext:
    """What the line rows of one editor need, fetched once for all rows: the items with their
    units, the lots on hand in the source warehouse, the bins of both warehouses."""

    def __init__(
        self,
        actor: Any,
        kind: DocKind,
        warehouse_id: int | None,
        to_warehouse_id: int | None,
        item_ids: list[int],
    ) -> None:
        self.kind = kind
        self.items = selectors.items_for_lines(actor, item_ids)
        self.lots = (
            selectors.lot_choices(actor, warehouse_id, self.items.keys()) if "lot" in kind.line_fields else {}
        )
        self.bins = selectors.bin_choices(actor, warehouse_id)
        target = to_warehouse_id if kind.doc_type != DocumentType.UNPACKING else warehouse_id
        self.to_bins = selectors.target_bin_choices(actor, target) if "to_bin" in kind.line_fields else []

    def row(self, token: str, form: LineForm, errors: list[str] | None = None) -> LineRow:
        item = self.items.get(_int(_raw(form, "item")) or 0)
        row = LineRow(
            token=token, form=form, doc_type=self.kind.doc_type, fields=self.kind.line_fields, item=item
        )
        row.errors = list(errors or [])
        if item is not None:
            unit = _raw(form, "pack_unit")
            row.units = [Option("", item.base_unit, unit == "")] + [
                Option(str(u.pk), f"{u.name}（{_qty(u.factor)} {item.base_unit}）", unit == str(u.pk))
                for u in item.pack_units.all()
            ]
            lot = _raw(form, "lot")
            choices = self.lots.get(item.pk, [])
            row.lots = [Option("", _("Earliest expiry first (FEFO)"), lot == "")] + [
                Option(str(c.lot_id), _lot_label(c, item.base_unit), lot == str(c.lot_id)) for c in choices
            ]
            if lot and not any(option.selected for option in row.lots):
                row.lots.append(Option(lot, _("Lot %(id)s (not on hand)") % {"id": lot}, True))
        row.bins = _bin_options(self.bins, _raw(form, "bin"))
        row.to_bins = _bin_options(self.to_bins, _raw(form, "to_bin"))
        return row


def _lot_label(choice: selectors.LotChoice, unit: str) -> str:
    parts = [choice.batch_no or "—"]
    if choice.expiry_date is not None:
        parts.append(_("expires %(date)s") % {"date": f"{choice.expiry_date:%Y-%m-%d}"})
    parts.append(_("on hand %(qty)s %(unit)s") % {"qty": _qty(choice.on_hand), "unit": unit})
    if choice.expired:
        parts.append(_("expired"))
    return " · ".join(parts)


def _bin_options(bins: list[Any], selected: str) -> list[Option]:
    if not bins:
        return []
    return [Option("", "—", selected == "")] + [
        Option(str(b.pk), f"{b.code} {b.name}".strip(), selected == str(b.pk)) for b in bins
    ]


def _line_initial(data: QueryDict, token: str) -> dict[str, Any]:
    """The raw values of one posted row (to draw it again without judging it)."""
    prefix = f"line-{token}-"
    return {name: data.get(prefix + name, "") for name in LineForm.base_fields}


def _line_from_document(line: StockDocumentLine) -> dict[str, Any]:
    return {
        "item": line.item_id,
        "pack_unit": line.pack_unit_id or "",
        "quantity": _qty(line.quantity),
        "unit_price": _qty(line.unit_price) if line.unit_price is not None else "",
        "batch_no": line.batch_no,
        "production_date": line.production_date,
        "expiry_date": line.expiry_date,
        "serial_no": line.serial_no,
        "lot": line.lot_id or "",
        "bin": line.bin_id or "",
        "to_bin": line.to_bin_id or "",
    }


# --- the editor -------------------------------------------------------------------------------------


class EditorPermissionMixin:
    """The editor's helper endpoints serve whoever may create or change documents."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and not (user.has_perm(ADD) or user.has_perm(CHANGE)):
            raise DjangoPermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def _kind(doc_type: str | None) -> DocKind:
    kind = KINDS.get(doc_type or "")
    if kind is None:
        raise Http404
    return kind


class KindMixin:
    """A page of one document type: ``as_view(kind=KINDS[...])``."""

    kind: DocKind | None = None

    @property
    def doc_kind(self) -> DocKind:
        if self.kind is None:
            raise ImproperlyConfigured("as_view(kind=...) names the document type")
        return self.kind


class DocumentEditorView(KindMixin, PermissionRequiredView):
    """The editor of a draft of ``kind`` (new, or ``editing`` one). GET draws it; POST with ``_refresh``
    draws it again with the posted values (the warehouse changed: other lots and bins); POST
    saves through the service."""

    template_name = "inventory/document_form.html"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.document: StockDocument | None = None

    editing: ClassVar[bool] = False

    def get_document(self) -> StockDocument:
        if self.document is None:
            try:
                self.document = selectors.document_get_for(
                    self.request.user,  # type: ignore[arg-type]
                    int(self.kwargs["pk"]),
                    doc_types=(self.doc_kind.doc_type,),
                )
            except errors.NotFound as exc:
                raise Http404 from exc
        return self.document

    # drawing

    def render_editor(
        self,
        header: DocumentHeaderForm,
        lines: list[tuple[str, LineForm]],
        *,
        row_errors: dict[str, list[str]] | None = None,
        general_errors: list[str] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        kind = self.doc_kind
        actor = self.request.user
        warehouse_id = _int(_raw(header, "warehouse"))
        to_warehouse_id = _int(_raw(header, "to_warehouse")) if "to_warehouse" in header.fields else None
        context_rows = RowContext(
            actor, kind, warehouse_id, to_warehouse_id, [_int(_raw(f, "item")) or 0 for _t, f in lines]
        )
        rows = [context_rows.row(token, form, (row_errors or {}).get(token)) for token, form in lines]
        if self.editing:
            document = self.get_document()
            title = _("Edit %(number)s") % {"number": document.number}
            cancel_url = kind.url("detail", document.pk)
        else:
            title = str(kind.new_title)
            cancel_url = kind.url("list")
        context = {
            "title": title,
            "breadcrumbs": [
                {"label": kind.title, "url": kind.url("list")},
                {"label": title, "url": None},
            ],
            "kind": kind,
            "header": header,
            "rows": rows,
            "general_errors": general_errors or [],
            "cancel_url": cancel_url,
            "issue_kind": _raw(header, "issue_kind") if "issue_kind" in header.fields else "",
            # "Save and post" for a new document, offered to those who may post.
            "can_post_now": not self.editing and self.request.user.has_perm("inventory.post_stockdocument"),
        }
        template = self.template_name
        if wants_partial(self.request):
            template += "#editor"
        return render(self.request, template, context, status=status)

    def header_form(self, data: Any = None, initial: dict[str, Any] | None = None) -> DocumentHeaderForm:
        return self.doc_kind.header_form(data, initial=initial, actor=self.request.user)

    # GET

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.editing:
            header = self.header_form(initial=self.default_header())
            return self.render_editor(header, [])
        document = self.get_document()
        if document.status != DocumentStatus.DRAFT:
            messages.error(request, _("Only a draft can be edited."))
            return HttpResponseRedirect(self.doc_kind.url("detail", document.pk))
        initial = {
            name: getattr(document, f"{name}_id", None) or getattr(document, name, "")
            for name in self.doc_kind.header_form.base_fields
        }
        lines = [
            (f"l{line.line_no}", LineForm(initial=_line_from_document(line), prefix=f"line-l{line.line_no}"))
            for line in document.lines.all()
        ]
        return self.render_editor(self.header_form(initial=initial), lines)

    def default_header(self) -> dict[str, Any]:
        warehouses = list(selectors.warehouse_choices(self.request.user).values_list("pk", flat=True)[:2])  # type: ignore[arg-type]
        return {"warehouse": warehouses[0]} if len(warehouses) == 1 else {}

    # POST

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.editing:
            self.get_document()
        data = request.POST
        tokens = line_tokens(data)
        if data.get("_refresh"):
            header = self.header_form(
                initial={name: data.get(name, "") for name in self.doc_kind.header_form.base_fields}
            )
            lines = [(t, LineForm(initial=_line_initial(data, t), prefix=f"line-{t}")) for t in tokens]
            return self.render_editor(header, lines)
        header = self.header_form(data)
        lines = [(t, LineForm(data, prefix=f"line-{t}")) for t in tokens]
        checked = [header.is_valid()] + [form.is_valid() for _t, form in lines]  # every form, for its errors
        valid = all(checked)
        row_errors: dict[str, list[str]] = {}
        general: list[str] = []
        if valid:
            try:
                document = self.save(
                    header.service_values(),
                    [form.line_input() for _t, form in lines],
                    post=not self.editing and data.get("post") == "1",
                )
            except errors.PermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from exc
            except errors.NotFound as exc:
                raise Http404 from exc
            except errors.DomainError as exc:
                _attach_error(exc, header, lines, row_errors, general)
            else:
                if document.status == DocumentStatus.POSTED:
                    done = _("Document %(number)s was saved and posted.")
                else:
                    done = _("Document %(number)s was saved as a draft.")
                messages.success(request, done % {"number": document.number})
                return HttpResponseRedirect(self.doc_kind.url("detail", document.pk))
        else:
            general.append(_("Please correct the errors below."))
        return self.render_editor(header, lines, row_errors=row_errors, general_errors=general, status=422)

    def save(self, values: dict[str, Any], lines: list[services.LineInput], *, post: bool) -> StockDocument:
        actor: Any = self.request.user
        if self.editing:
            return services.document_update(
                actor=actor, document=self.get_document().pk, lines=lines, **values
            )
        return services.document_create(
            actor=actor, doc_type=self.doc_kind.doc_type, lines=lines, post=post, **values
        )


class DocumentCreateView(DocumentEditorView):
    """A new draft of the type."""

    permissions = (VIEW, ADD)


class DocumentEditView(DocumentEditorView):
    """A draft of the type, changed (``pk``)."""

    permissions = (VIEW, CHANGE)
    editing = True


def _attach_error(
    exc: errors.DomainError,
    header: DocumentHeaderForm,
    lines: list[tuple[str, LineForm]],
    row_errors: dict[str, list[str]],
    general: list[str],
) -> None:
    """Put a service refusal next to what it names: ``lines.<n>.<field>`` → that row's field,
    ``lines.<n>`` → the row, a header field → the header, anything else → above the lines."""
    name = exc.field or ""
    parts = name.split(".")
    if parts[0] == "lines" and len(parts) >= 2 and parts[1].isdigit():
        index = int(parts[1]) - 1
        if 0 <= index < len(lines):
            token, form = lines[index]
            field_name = parts[2] if len(parts) > 2 else ""
            if field_name in form.fields and not isinstance(
                form.fields[field_name].widget, forms.HiddenInput
            ):
                form.add_error(field_name, exc.message)
            else:
                row_errors.setdefault(token, []).append(exc.message)
            return
    if name in header.fields:
        header.add_error(name, exc.message)
        return
    general.append(exc.message)


class LineRowView(EditorPermissionMixin, PermissionRequiredView):
    """GET: one line row — empty (with the item search) or for the item just picked, keeping
    what the row already held (``line-<token>-*``)."""

    permissions = (VIEW,)

    def get(self, request: HttpRequest) -> HttpResponse:
        kind = _kind(request.GET.get("doc_type"))
        token = request.GET.get("token", "")
        if not TOKEN.match(token):
            token = new_token()
        initial = _line_initial(request.GET, token)
        picked = _int(request.GET.get("item"))
        if picked is not None and str(picked) != initial.get("item"):
            initial.update(item=picked, pack_unit="", lot="")
        if not initial.get("quantity"):
            initial["quantity"] = "1"
        form = LineForm(initial=initial, prefix=f"line-{token}")
        context = RowContext(
            request.user,
            kind,
            _int(request.GET.get("warehouse")),
            _int(request.GET.get("to_warehouse")),
            [_int(initial.get("item")) or 0],
        )
        return render(request, "inventory/document_line_row.html", {"row": context.row(token, form)})


class ItemLookupView(EditorPermissionMixin, PermissionRequiredView):
    """GET ``q``: the items matching it, as buttons that fill the asking row."""

    permissions = (VIEW,)

    def get(self, request: HttpRequest) -> HttpResponse:
        kind = _kind(request.GET.get("doc_type"))
        query = request.GET.get("q", "").strip()
        items = (
            selectors.item_lookup(request.user, query, unpacking=kind.doc_type == DocumentType.UNPACKING)  # type: ignore[arg-type]
            if query
            else []
        )
        token = request.GET.get("token", "")
        context = {"items": items, "query": query, "token": token if TOKEN.match(token) else "", "kind": kind}
        return render(request, "inventory/document_item_results.html", context)


class ScanView(EditorPermissionMixin, PermissionRequiredView):
    """POST ``code`` (a GS1 string with GS separators or in parentheses, a GTIN, a barcode or an
    item code): a new line row with the item, the scanned pack level, quantity 1 and the lot data
    the code carried; or the reason the code was not understood, in the scan box."""

    permissions = (VIEW,)
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        kind = _kind(request.POST.get("doc_type"))
        form = ScanForm(request.POST)
        if not form.is_valid():
            return _scan_error(request, _("Scan or type a barcode."))
        try:
            result = scan_resolve(actor=request.user, code=form.cleaned_data["code"])
        except errors.DomainError as exc:
            return _scan_error(request, exc.message)
        warehouse_id = _int(request.POST.get("warehouse"))
        token = new_token()
        context = RowContext(
            request.user, kind, warehouse_id, _int(request.POST.get("to_warehouse")), [result.item.pk]
        )
        initial: dict[str, Any] = {
            "item": result.item.pk,
            "pack_unit": result.pack_unit.pk if result.pack_unit is not None else "",
            "quantity": "1",
            "serial_no": result.serial_no,
        }
        if kind.inbound:
            initial.update(
                batch_no=result.batch_no,
                expiry_date=result.expiry_date,
                production_date=result.production_date,
            )
            price = result.item.purchase_price
            if kind.doc_type == DocumentType.RECEIPT and price is not None:
                initial["unit_price"] = _qty(price * result.factor)
        elif result.batch_no:
            lots = context.lots.get(result.item.pk, [])
            match = next((c for c in lots if c.batch_no == result.batch_no and not c.expired), None)
            match = match or next((c for c in lots if c.batch_no == result.batch_no), None)
            if match is not None:
                initial["lot"] = match.lot_id
        row = context.row(token, LineForm(initial=initial, prefix=f"line-{token}"))
        return render(request, "inventory/document_line_row.html", {"row": row, "scanned": True})


def _scan_error(request: HttpRequest, message: str) -> HttpResponse:
    response = render(request, "inventory/document_scan_error.html", {"message": message})
    response["HX-Retarget"] = "#scan-feedback"
    response["HX-Reswap"] = "innerHTML"
    return response


# --- the document page and its buttons --------------------------------------------------------------


class DocumentDetailView(KindMixin, PermissionRequiredView):
    """Header, lines with amounts, totals, the status and the buttons the actor may press now,
    the supplier certificate warnings of a receipt, the posted moves and the reversal links."""

    permissions = (VIEW,)
    template_name = "inventory/document_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        kind = self.doc_kind
        try:
            document = selectors.document_get_for(request.user, pk, doc_types=(kind.doc_type,))  # type: ignore[arg-type]
        except errors.NotFound as exc:
            raise Http404 from exc
        lines = selectors.document_lines(document)
        posted = document.status in (DocumentStatus.POSTED, DocumentStatus.REVERSED)
        actions = selectors.document_actions(request.user, document)  # type: ignore[arg-type]
        reversed_by = getattr(document, "reversed_by", None)
        context = {
            "title": str(document.number),
            "breadcrumbs": [
                {"label": kind.title, "url": kind.url("list")},
                {"label": document.number, "url": None},
            ],
            "kind": kind,
            "document": document,
            "lines": [_line_display(line) for line in lines],
            "total": selectors.document_total(lines),
            "priced": any(line.line.unit_price is not None for line in lines),
            "notices": selectors.receipt_warnings(document),
            "own_submission": selectors.awaits_other_approver(request.user, document),  # type: ignore[arg-type]
            "actions": actions,
            "button_actions": [_button(kind, document, name) for name in BUTTONS if name in actions],
            "edit_url": kind.url("edit", document.pk),
            "reverse_url": kind.url("action", document.pk, "reverse"),
            "reverse_form": ReverseForm(),
            "moves": [_move_display(move) for move in selectors.document_moves(document)] if posted else [],
            "reversed_by": reversed_by,
            "reversed_by_url": kind.url("detail", reversed_by.pk) if reversed_by is not None else None,
            "reverses_url": kind.url("detail", document.reverses_id) if document.reverses_id else None,
        }
        return render(request, self.template_name, context)


ACTIONS = ("submit", "approve", "post", "cancel", "reverse")
BUTTONS = ("submit", "approve", "post", "cancel")


def _price(value: Decimal | None) -> str:
    """A unit price or cost: two places, or up to four when it has them."""
    if value is None:
        return ""
    if value == value.quantize(Decimal("0.01")):
        return f"{value:.2f}"
    return f"{value.normalize():f}"


def _line_display(view: selectors.DocumentLineView) -> dict[str, Any]:
    line = view.line
    price = view.price if view.price is not None else (line.lot.unit_cost if line.lot is not None else None)
    return {
        "line": line,
        "unit": view.unit,
        "quantity": _qty(line.quantity),
        "base_quantity": _qty(line.base_quantity),
        "price": _price(price),
        "amount": view.amount,
    }


def _move_display(move: Any) -> dict[str, Any]:
    return {"move": move, "quantity": _qty(move.quantity), "unit_cost": _price(move.unit_cost)}


def _button(kind: DocKind, document: StockDocument, name: str) -> dict[str, Any]:
    labels = {
        "submit": (_("Submit"), "btn-primary", "ti-send", ""),
        "approve": (_("Approve"), "btn-success", "ti-check", ""),
        "post": (
            _("Post"),
            "btn-success",
            "ti-database-import",
            _("Post %(number)s to the stock ledger now?") % {"number": document.number},
        ),
        "cancel": (
            _("Cancel the document"),
            "btn-outline-danger",
            "ti-x",
            _("Cancel %(number)s? Nothing has been posted; the document is kept as cancelled.")
            % {"number": document.number},
        ),
    }
    label, css, icon, confirm = labels[name]
    return {
        "name": name,
        "label": label,
        "css": css,
        "icon": icon,
        "confirm": confirm,
        "url": kind.url("action", document.pk, name),
    }


class DocumentActionView(KindMixin, PermissionRequiredView):
    """POST one of :data:`ACTIONS` on a document; a refusal is shown on the document page and
    changes nothing."""

    permissions = (VIEW,)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        kind = self.doc_kind
        if action not in ACTIONS:
            raise Http404
        try:
            document = selectors.document_get_for(request.user, pk, doc_types=(kind.doc_type,))  # type: ignore[arg-type]
        except errors.NotFound as exc:
            raise Http404 from exc
        actor: Any = request.user
        target = document
        try:
            if action == "submit":
                services.document_submit(actor=actor, document=document.pk)
                done = _("Document %(number)s was submitted.")
            elif action == "approve":
                services.document_approve(actor=actor, document=document.pk)
                done = _("Document %(number)s was approved.")
            elif action == "post":
                services.document_post(actor=actor, document=document.pk)
                done = _("Document %(number)s was posted.")
            elif action == "cancel":
                services.document_cancel(actor=actor, document=document.pk)
                done = _("Document %(number)s was cancelled.")
            else:
                form = ReverseForm(request.POST)
                note = form.cleaned_data["note"] if form.is_valid() else request.POST.get("note", "")
                target = services.document_reverse(actor=actor, document=document.pk, note=note)
                done = _("Document %(number)s reverses it and was posted.")
        except errors.PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except errors.NotFound as exc:
            raise Http404 from exc
        except errors.DomainError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(kind.url("detail", document.pk))
        messages.success(request, done % {"number": target.number})
        return HttpResponseRedirect(kind.url("detail", target.pk))
