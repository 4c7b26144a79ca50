"""Reads of consultations (CRM-05), complaints (CRM-09) and archive files (CRM-06).

A record is seen by exactly those who see its customer: every queryset here is restricted to
``customer__in customers_for(actor)``, so the data scope (PLT-05) is decided in one place."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from medspa.accounts.models import User
from medspa.accounts.scope import scope_queryset
from medspa.configuration.choices import DictionaryKind
from medspa.configuration.models import DictionaryItem
from medspa.core.errors import NotFound
from medspa.customers.choices import ComplaintStatus
from medspa.customers.models import Complaint, Consultation, CustomerFile
from medspa.customers.selectors import customers_for
from medspa.organization.models import Staff

# Work-list order of complaint states: open ones first, resolved ones last.
STATUS_RANK = {ComplaintStatus.OPEN: 0, ComplaintStatus.ASSIGNED: 1, ComplaintStatus.RESOLVED: 2}


def _status_rank() -> Case:
    return Case(
        *(When(status=status, then=Value(rank)) for status, rank in STATUS_RANK.items()),
        default=Value(len(STATUS_RANK)),
        output_field=IntegerField(),
    )


# --- consultations -----------------------------------------------------------------------------


def consultations_scoped(actor: User) -> QuerySet[Consultation]:
    """The consultations the actor may see, without related rows (services lock from here)."""
    return Consultation.objects.filter(customer__in=customers_for(actor))


def consultations_for(actor: User) -> QuerySet[Consultation]:
    """Newest first, with the customer, consultant, reason and photos loaded for lists."""
    return (
        consultations_scoped(actor)
        .select_related("customer", "consultant", "outcome_reason")
        .prefetch_related(Prefetch("photos", queryset=CustomerFile.objects.order_by("pk")))
        .order_by("-consulted_at", "-pk")
    )


def consultation_get_for(actor: User, pk: int) -> Consultation:
    consultation = consultations_for(actor).filter(pk=pk).first()
    if consultation is None:
        raise NotFound()
    return consultation


# --- complaints --------------------------------------------------------------------------------


def complaints_scoped(actor: User) -> QuerySet[Complaint]:
    return Complaint.objects.filter(customer__in=customers_for(actor))


def complaints_for(actor: User) -> QuerySet[Complaint]:
    """The complaint work list: open first, then assigned, then resolved; newest first within."""
    return (
        complaints_scoped(actor)
        .select_related("customer", "assignee")
        .annotate(status_rank=_status_rank())
        .order_by("status_rank", "-received_at", "-pk")
    )


def complaint_get_for(actor: User, pk: int) -> Complaint:
    complaint = complaints_for(actor).filter(pk=pk).first()
    if complaint is None:
        raise NotFound()
    return complaint


def open_complaint_count(actor: User, customer_id: int) -> int:
    """Complaints of one customer not yet resolved — the flag on the archive header."""
    return (
        complaints_scoped(actor)
        .filter(customer_id=customer_id)
        .exclude(status=ComplaintStatus.RESOLVED)
        .count()
    )


# --- files -------------------------------------------------------------------------------------


def customer_files_scoped(actor: User) -> QuerySet[CustomerFile]:
    return CustomerFile.objects.filter(customer__in=customers_for(actor))


def customer_files_for(actor: User) -> QuerySet[CustomerFile]:
    """Newest first, with the customer and the consultation a photo belongs to."""
    return (
        customer_files_scoped(actor).select_related("customer", "consultation").order_by("-created_at", "-pk")
    )


def customer_file_get_for(actor: User, pk: int) -> CustomerFile:
    customer_file = customer_files_for(actor).filter(pk=pk).first()
    if customer_file is None:
        raise NotFound()
    return customer_file


# --- choices for forms and filters ---------------------------------------------------------------


def staff_choices_for(actor: User, *, active: bool = True) -> QuerySet[Staff]:
    """Staff of the actor's organisation to pick a consultant or an assignee from (colleagues are
    organisation reference data, whatever the actor's data scope); ``active=False`` includes those
    who left, for filters over past records."""
    queryset = Staff.objects.order_by("employee_no", "pk")
    if active:
        queryset = queryset.filter(is_active=True)
    return scope_queryset(queryset, actor, branch=None, organisation="organisation")


def outcome_reasons_for(actor: User, *, keep_id: int | None = None) -> QuerySet[DictionaryItem]:
    """Active reasons for not closing (未成交原因) of the actor's organisation, in their order;
    ``keep_id`` adds the one a record holds even if it was deactivated since."""
    organisation_id = actor.organisation_id
    if organisation_id is None:
        return DictionaryItem.objects.none()
    wanted = Q(is_active=True)
    if keep_id is not None:
        wanted |= Q(pk=keep_id)
    return DictionaryItem.objects.filter(
        wanted, organisation_id=organisation_id, kind=DictionaryKind.OUTCOME_REASON
    ).order_by("order", "code", "pk")
