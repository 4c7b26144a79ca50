"""Tables of the stock document lists and the inbound / outbound queries (one definition serves
the page and the export). Every column reads what the selector loaded or annotated."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from medspa.core.money import quantize
from medspa.core.tables import Column, Table
from medspa.inventory.choices import DocumentStatus, DocumentType, InboundKind, IssueKind


def detail_url(document: Any) -> str:
    """The document's page: ``inventory_docs:<doc_type>_detail``."""
    return reverse(f"inventory_docs:{document.doc_type}_detail", args=[document.pk])


class NumberColumn(Column):
    """The document number, linked to the page of its type."""

    def url(self, row: Any) -> str | None:
        return detail_url(row)


def _status(value: str) -> str:
    return str(DocumentStatus(value).label) if value in DocumentStatus.values else value


def _type(value: str) -> str:
    return str(DocumentType(value).label) if value in DocumentType.values else value


def _inbound_kind(value: str) -> str:
    return str(InboundKind(value).label) if value in InboundKind.values else value


def _issue_kind(value: str) -> str:
    return str(IssueKind(value).label) if value in IssueKind.values else value


def _person(user: Any) -> str:
    if user is None:
        return ""
    return str(user.display_name or user.username)


def _amount(value: Any) -> Any:
    return quantize(value) if value is not None else None


NUMBER = NumberColumn("number", _("Document no"), order_by="number")
TYPE = Column("doc_type", _("Document type"), order_by="doc_type", render=_type)
STATUS = Column("status", _("Status"), order_by="status", render=_status)
WAREHOUSE = Column("warehouse.name", _("Warehouse"), order_by="warehouse__code")
TO_WAREHOUSE = Column("to_warehouse.name", _("Target warehouse"), order_by="to_warehouse__code")
SUPPLIER = Column("supplier.name", _("Supplier"), order_by="supplier__code")
LINES = Column("line_count", _("Line count"))
AMOUNT = Column("amount", _("Amount"), order_by="amount", money=True, render=_amount)
CREATED = Column("created_at", _("Document date"), order_by="created_at")
POSTED = Column("posted_at", _("Posted at"), order_by="posted_at")
CREATED_BY = Column("created_by", _("Created by"), render=_person)


class ReceiptTable(Table):
    columns = (
        NUMBER,
        STATUS,
        WAREHOUSE,
        SUPPLIER,
        Column("invoice_no", _("Invoice no")),
        LINES,
        AMOUNT,
        CREATED,
        POSTED,
        CREATED_BY,
    )


class OtherInboundTable(Table):
    columns = (
        NUMBER,
        STATUS,
        Column("inbound_kind", _("Inbound kind"), render=_inbound_kind),
        WAREHOUSE,
        SUPPLIER,
        LINES,
        AMOUNT,
        CREATED,
        POSTED,
        CREATED_BY,
    )


class IssueTable(Table):
    columns = (
        NUMBER,
        STATUS,
        Column("issue_kind", _("Issue kind"), render=_issue_kind),
        WAREHOUSE,
        TO_WAREHOUSE,
        LINES,
        AMOUNT,
        CREATED,
        POSTED,
        CREATED_BY,
    )


class TransferTable(Table):
    columns = (NUMBER, STATUS, WAREHOUSE, TO_WAREHOUSE, LINES, AMOUNT, CREATED, POSTED, CREATED_BY)


class UnpackingTable(Table):
    columns = (NUMBER, STATUS, WAREHOUSE, LINES, AMOUNT, CREATED, POSTED, CREATED_BY)


class InboundQueryTable(Table):
    columns = (NUMBER, TYPE, STATUS, WAREHOUSE, SUPPLIER, LINES, AMOUNT, CREATED, POSTED, CREATED_BY)


class OutboundQueryTable(Table):
    columns = (NUMBER, TYPE, STATUS, WAREHOUSE, TO_WAREHOUSE, LINES, AMOUNT, CREATED, POSTED, CREATED_BY)
