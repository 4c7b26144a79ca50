"""Tables of the consultation and complaint lists (data loaded by the selectors; no queries in
columns)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from medspa.core.tables import Column, Table


def customer_url(customer_id: int) -> str:
    """The customer's archive page (CRM-06), or the records page of this module until the
    archive is installed."""
    try:
        return reverse("customers:customer_detail", args=[customer_id])
    except NoReverseMatch:
        return reverse("customer_records:customer_records", args=[customer_id])


@dataclass
class CustomerColumn(Column):
    """The customer's name, linked to her archive."""

    def url(self, row: Any) -> str | None:
        return customer_url(row.customer_id)


@dataclass
class FuncColumn(Column):
    """A column computed from the row by ``func`` (from data the selector loaded)."""

    func: Callable[[Any], Any] | None = None

    def raw(self, row: Any) -> Any:
        assert self.func is not None  # noqa: S101 - a declaration error, not input
        return self.func(row)


def _short(text: str) -> str:
    return Truncator(text or "").chars(40)


def _photo_count(consultation: Any) -> int:
    return len(consultation.photos.all())  # prefetched by the selector


def _reason(consultation: Any) -> str:
    reason = consultation.outcome_reason
    return reason.name if reason is not None else ""


class ConsultationTable(Table):
    columns = (
        Column(
            "consulted_at",
            _("Consulted at"),
            order_by="consulted_at",
            link="customer_records:consultation_detail",
        ),
        CustomerColumn("customer.name", _("Customer"), order_by="customer__name"),
        Column("consultant.name", _("Consultant"), order_by="consultant__name"),
        Column("get_channel_display", _("Consultation channel"), order_by="channel"),
        Column("projects", _("Projects of interest")),
        Column("get_outcome_display", _("Outcome"), order_by="outcome"),
        FuncColumn("outcome_reason", _("Reason not closed"), func=_reason),
        FuncColumn("photos", _("Photos"), func=_photo_count),
    )


class ComplaintTable(Table):
    columns = (
        Column(
            "received_at", _("Received at"), order_by="received_at", link="customer_records:complaint_detail"
        ),
        CustomerColumn("customer.name", _("Customer"), order_by="customer__name"),
        Column("content", _("Complaint"), render=_short),
        Column("get_status_display", _("Status"), order_by="status_rank"),
        Column("assignee.name", _("Assignee"), order_by="assignee__name"),
        Column("resolved_at", _("Resolved at"), order_by="resolved_at"),
    )
