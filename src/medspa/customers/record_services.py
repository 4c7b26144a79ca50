"""Writes of consultations (CRM-05), complaints (CRM-09) and archive files (CRM-06).

Every service checks its permission first, reaches the customer (or the record) only through the
actor's data scope — so another scope's customer is "not found" — validates everything before it
writes, and records one audit event per written row (module ``customers``) in its transaction.

Files are PDF or images, checked by extension *and* content; they live in the default storage
under a random name and are only ever read through :func:`customer_file_open` (permission, scope,
audited), never through a public media URL."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from medspa.accounts.models import User
from medspa.accounts.scope import active_branch_id, require_perm
from medspa.audit.services import audit_record, diff, snapshot
from medspa.configuration.choices import DictionaryKind
from medspa.configuration.models import DictionaryItem
from medspa.core.errors import IllegalTransition, NotFound, ValidationError
from medspa.core.validation import clean_text
from medspa.customers import record_selectors
from medspa.customers.choices import ComplaintStatus, ConsultationChannel, ConsultationOutcome, FileKind
from medspa.customers.models import Complaint, Consultation, Customer, CustomerFile
from medspa.customers.selectors import customers_for
from medspa.organization.models import Branch, Staff

__all__ = [
    "ALLOWED_EXTENSIONS",
    "MAX_FILE_SIZE",
    "ConsultationInput",
    "complaint_assign",
    "complaint_create",
    "complaint_resolve",
    "consultation_create",
    "consultation_update",
    "customer_file_delete",
    "customer_file_open",
    "customer_file_upload",
]

MODULE = "customers"
MAX_FILE_SIZE = 20 * 1024 * 1024  # bytes: 20 MB per file
MAX_PHOTOS = 20  # photos uploaded with one consultation
CLOCK_SKEW = datetime.timedelta(minutes=5)  # a client clock slightly ahead is not "the future"
EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)

# extension → the content type its magic bytes must show
ALLOWED_EXTENSIONS = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})

CONSULTATION_FIELDS = (
    "customer",
    "branch",
    "consulted_at",
    "consultant",
    "channel",
    "projects",
    "content",
    "chat_log",
    "potential_needs",
    "outcome",
    "outcome_reason",
)
COMPLAINT_FIELDS = (
    "customer",
    "branch",
    "received_at",
    "content",
    "status",
    "assignee",
    "resolution",
    "resolved_at",
)
FILE_FIELDS = (
    "customer",
    "branch",
    "kind",
    "file",
    "original_name",
    "size",
    "content_type",
    "consultation",
    "description",
)

# Complaint status transitions: action → the states it may start from.
COMPLAINT_TRANSITIONS = {
    "assign": frozenset({ComplaintStatus.OPEN, ComplaintStatus.ASSIGNED}),
    "resolve": frozenset({ComplaintStatus.OPEN, ComplaintStatus.ASSIGNED}),
}


@dataclass
class ConsultationInput:
    """What the consultation form or API body carries. ``consultant_id`` None: on create the
    actor's own staff record, on update the current consultant."""

    consulted_at: datetime.datetime | None
    content: str
    outcome: str
    channel: str = ConsultationChannel.VISIT
    consultant_id: int | None = None
    projects: str = ""
    chat_log: str = ""
    potential_needs: str = ""
    outcome_reason_id: int | None = None


# --- shared checks -----------------------------------------------------------------------------


def _customer_locked(actor: User, customer_id: int) -> Customer:
    """The customer under ``SELECT … FOR UPDATE``, reached through the actor's data scope."""
    customer = customers_for(actor).select_for_update(of=("self",)).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound()
    return customer


def _locked(queryset: Any, pk: int) -> Any:
    obj = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def _record_branch(actor: User, customer: Customer) -> int:
    """The branch a new record belongs to: where the actor works now (an active branch of the
    customer's organisation), else the customer's home branch."""
    branch_id = active_branch_id(actor)
    if (
        branch_id is not None
        and Branch.objects.filter(
            pk=branch_id, organisation_id=customer.organisation_id, is_active=True
        ).exists()
    ):
        return branch_id
    return customer.branch_id


def _past_time(value: datetime.datetime | None, *, field: str, label: str) -> datetime.datetime:
    """An aware time that is not in the future."""
    if value is None:
        raise ValidationError(_("Enter the %(field)s.") % {"field": label}, field=field)
    if timezone.is_naive(value):
        raise ValidationError(_("Give the time with its time zone offset."), field=field)
    if value < EARLIEST:
        raise ValidationError(_("Enter a time after 1900."), field=field)
    if value > timezone.now() + CLOCK_SKEW:
        raise ValidationError(_("The %(field)s cannot be in the future.") % {"field": label}, field=field)
    return value


def _optional_text(value: str | None, *, field: str, max_length: int, label: str) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationError(
            _("The %(field)s may have at most %(max)s characters.") % {"field": label, "max": max_length},
            field=field,
        )
    return text


def _staff(organisation_id: int, pk: int | None, *, field: str, keep_id: int | None = None) -> Staff:
    """An active staff member of the organisation (one who left may stay where already set)."""
    staff = Staff.objects.filter(pk=pk, organisation_id=organisation_id).first() if pk is not None else None
    if staff is None or (not staff.is_active and staff.pk != keep_id):
        raise ValidationError(_("Choose an active staff member."), field=field)
    return staff


def _audit(actor: User, action: str, obj: Model, before: dict[str, Any], fields: Iterable[str]) -> None:
    audit_record(
        actor=actor,
        module=MODULE,
        action=action,
        obj=obj,
        changes=diff(before, snapshot(obj, fields)),
        branch_id=getattr(obj, "branch_id", None),
    )


# --- consultations -----------------------------------------------------------------------------


def _outcome_reason(
    organisation_id: int, outcome: str, reason_id: int | None, keep_id: int | None = None
) -> DictionaryItem | None:
    """No reason with a deal; an active reason (未成交原因) of the organisation without one."""
    if outcome == ConsultationOutcome.DEAL:
        if reason_id is not None:
            raise ValidationError(
                _("A consultation that ended in a deal has no reason for not closing."),
                field="outcome_reason",
            )
        return None
    if reason_id is None:
        raise ValidationError(_("Choose why the consultation did not end in a deal."), field="outcome_reason")
    reason = DictionaryItem.objects.filter(
        pk=reason_id, organisation_id=organisation_id, kind=DictionaryKind.OUTCOME_REASON
    ).first()
    if reason is None or (not reason.is_active and reason.pk != keep_id):
        raise ValidationError(_("Choose an active reason from the list."), field="outcome_reason")
    return reason


def _apply_consultation(actor: User, consultation: Consultation, data: ConsultationInput) -> None:
    """Check every field of ``data`` and set it on ``consultation``."""
    organisation_id = consultation.customer.organisation_id
    editing = consultation.pk is not None
    consultation.consulted_at = _past_time(
        data.consulted_at, field="consulted_at", label=_("consultation time")
    )
    consultant_id = data.consultant_id
    if consultant_id is None:
        consultant_id = consultation.consultant_id if editing else actor.staff_id
        if consultant_id is None:
            raise ValidationError(
                _("Choose the consultant: your account is linked to no staff record."), field="consultant"
            )
    consultation.consultant = _staff(
        organisation_id,
        consultant_id,
        field="consultant",
        keep_id=consultation.consultant_id if editing else None,
    )
    if data.channel not in ConsultationChannel.values:
        raise ValidationError(_("Choose a consultation channel."), field="channel")
    consultation.channel = data.channel
    consultation.projects = _optional_text(
        data.projects, field="projects", max_length=200, label=_("projects of interest")
    )
    consultation.content = clean_text(
        data.content, field="content", max_length=5000, label=_("consultation content")
    )
    consultation.chat_log = _optional_text(
        data.chat_log, field="chat_log", max_length=20000, label=_("chat log")
    )
    consultation.potential_needs = _optional_text(
        data.potential_needs, field="potential_needs", max_length=2000, label=_("potential needs")
    )
    if data.outcome not in ConsultationOutcome.values:
        raise ValidationError(_("Choose the outcome: deal or no deal."), field="outcome")
    consultation.outcome = data.outcome
    consultation.outcome_reason = _outcome_reason(
        organisation_id,
        data.outcome,
        data.outcome_reason_id,
        keep_id=consultation.outcome_reason_id if editing else None,
    )


@transaction.atomic(durable=True)
def consultation_create(
    *, actor: User, customer_id: int, data: ConsultationInput, photos: Sequence[File] = ()
) -> Consultation:
    """Record a consultation (咨询记录) of a customer in the actor's scope, with optional photos
    (images, stored as the customer's files of kind "photo" linked to it)."""
    require_perm(actor, "customers.add_consultation")
    customer = _customer_locked(actor, customer_id)
    if photos:
        require_perm(actor, "customers.add_customerfile")
        if len(photos) > MAX_PHOTOS:
            raise ValidationError(
                _("Attach at most %(max)s photos at a time.") % {"max": MAX_PHOTOS}, field="photos"
            )
    consultation = Consultation(customer=customer, created_by=actor, updated_by=actor)
    _apply_consultation(actor, consultation, data)
    checked = [_checked_upload(photo, FileKind.PHOTO, field="photos") for photo in photos]
    consultation.branch_id = _record_branch(actor, customer)
    consultation.save()
    _audit(actor, "create_consultation", consultation, {}, CONSULTATION_FIELDS)
    for upload in checked:
        _store_file(actor, customer, upload, kind=FileKind.PHOTO, consultation=consultation)
    return consultation


@transaction.atomic(durable=True)
def consultation_update(*, actor: User, consultation_id: int, data: ConsultationInput) -> Consultation:
    """Change a consultation in the actor's scope (its customer stays)."""
    require_perm(actor, "customers.change_consultation")
    consultation: Consultation = _locked(
        record_selectors.consultations_scoped(actor).select_related("customer"), consultation_id
    )
    before = snapshot(consultation, CONSULTATION_FIELDS)
    _apply_consultation(actor, consultation, data)
    consultation.updated_by = actor
    consultation.save()
    _audit(actor, "update_consultation", consultation, before, CONSULTATION_FIELDS)
    return consultation


# --- complaints --------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def complaint_create(
    *, actor: User, customer_id: int, received_at: datetime.datetime | None, content: str
) -> Complaint:
    """Record a complaint (投诉) of a customer in the actor's scope; it starts open."""
    require_perm(actor, "customers.add_complaint")
    customer = _customer_locked(actor, customer_id)
    complaint = Complaint(
        customer=customer,
        received_at=_past_time(received_at, field="received_at", label=_("time received")),
        content=clean_text(content, field="content", max_length=5000, label=_("complaint content")),
        status=ComplaintStatus.OPEN,
        created_by=actor,
        updated_by=actor,
    )
    complaint.branch_id = _record_branch(actor, customer)
    complaint.save()
    _audit(actor, "create_complaint", complaint, {}, COMPLAINT_FIELDS)
    return complaint


def _transition(complaint: Complaint, action: str) -> None:
    if complaint.status not in COMPLAINT_TRANSITIONS[action]:
        raise IllegalTransition(
            _("This complaint is %(status)s; it can no longer be changed.")
            % {"status": complaint.get_status_display()}
        )


@transaction.atomic(durable=True)
def complaint_assign(*, actor: User, complaint_id: int, assignee_id: int | None) -> Complaint:
    """Hand an open (or already assigned) complaint to a staff member: status "assigned"."""
    require_perm(actor, "customers.change_complaint")
    complaint: Complaint = _locked(
        record_selectors.complaints_scoped(actor).select_related("customer"), complaint_id
    )
    _transition(complaint, "assign")
    before = snapshot(complaint, COMPLAINT_FIELDS)
    complaint.assignee = _staff(complaint.customer.organisation_id, assignee_id, field="assignee")
    complaint.status = ComplaintStatus.ASSIGNED
    complaint.updated_by = actor
    complaint.save(update_fields=["assignee", "status", "updated_by", "updated_at"])
    _audit(actor, "assign_complaint", complaint, before, COMPLAINT_FIELDS)
    return complaint


@transaction.atomic(durable=True)
def complaint_resolve(*, actor: User, complaint_id: int, resolution: str) -> Complaint:
    """Close a complaint with its result (处理结果); a resolved complaint stays resolved."""
    require_perm(actor, "customers.change_complaint")
    complaint: Complaint = _locked(record_selectors.complaints_scoped(actor), complaint_id)
    _transition(complaint, "resolve")
    before = snapshot(complaint, COMPLAINT_FIELDS)
    complaint.resolution = clean_text(resolution, field="resolution", max_length=5000, label=_("resolution"))
    complaint.status = ComplaintStatus.RESOLVED
    complaint.resolved_at = timezone.now()
    complaint.updated_by = actor
    complaint.save(update_fields=["resolution", "status", "resolved_at", "updated_by", "updated_at"])
    _audit(actor, "resolve_complaint", complaint, before, COMPLAINT_FIELDS)
    return complaint


# --- files -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Upload:
    """An upload that passed the checks."""

    file: File
    extension: str
    content_type: str
    original_name: str
    size: int


def sniff_content_type(head: bytes) -> str | None:
    """The type the first bytes of a file show: PDF, JPEG, PNG or WebP; None for anything else."""
    if head.startswith(b"%PDF"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _original_name(name: str, extension: str) -> str:
    """The uploaded file's own name without any directory part, at most 200 characters."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable()).strip() or f"file{extension}"
    if len(base) > 200:
        base = base[: 200 - len(extension)] + extension
    return base


def _checked_upload(upload: File | None, kind: str, *, field: str = "file") -> _Upload:
    """PDF or image by extension and by content, not empty, at most MAX_FILE_SIZE; photos must
    be images."""
    if upload is None:
        raise ValidationError(_("Choose a file to upload."), field=field)
    extension = PurePath((upload.name or "").replace("\\", "/")).suffix.lower()
    expected = ALLOWED_EXTENSIONS.get(extension)
    if expected is None:
        raise ValidationError(_("Upload a PDF or an image (JPEG, PNG or WebP)."), field=field)
    size = upload.size or 0
    if size <= 0:
        raise ValidationError(_("The file is empty."), field=field)
    if size > MAX_FILE_SIZE:
        raise ValidationError(
            _("The file is larger than %(max)s MB.") % {"max": MAX_FILE_SIZE // (1024 * 1024)}, field=field
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if sniff_content_type(head) != expected:
        raise ValidationError(
            _("The file's content does not match its name %(name)s: upload a real PDF or image.")
            % {"name": _original_name(upload.name or "", extension)},
            field=field,
        )
    if kind == FileKind.PHOTO and expected not in IMAGE_TYPES:
        raise ValidationError(_("A photo must be an image (JPEG, PNG or WebP)."), field=field)
    return _Upload(
        file=upload,
        extension=extension,
        content_type=expected,
        original_name=_original_name(upload.name or "", extension),
        size=size,
    )


def _store_file(
    actor: User,
    customer: Customer,
    upload: _Upload,
    *,
    kind: str,
    consultation: Consultation | None = None,
    description: str = "",
) -> CustomerFile:
    """Insert the row and its audit event, then write the content to storage under a random name —
    last, so that a failure before it leaves no file behind and a failed write rolls the row back."""
    customer_file = CustomerFile(
        customer=customer,
        kind=kind,
        original_name=upload.original_name,
        size=upload.size,
        content_type=upload.content_type,
        consultation=consultation,
        description=description,
        created_by=actor,
        updated_by=actor,
    )
    customer_file.branch_id = _record_branch(actor, customer)
    field = customer_file.file.field
    planned = field.generate_filename(customer_file, f"{uuid.uuid4().hex}{upload.extension}")
    customer_file.file.name = planned
    customer_file.save()
    _audit(actor, "upload_file", customer_file, {}, FILE_FIELDS)
    stored = field.storage.save(planned, upload.file, max_length=field.max_length)
    if stored != planned:  # the storage picked another name: keep the row pointing at it
        CustomerFile.objects.filter(pk=customer_file.pk).update(file=stored)
        customer_file.file.name = stored
    return customer_file


@transaction.atomic(durable=True)
def customer_file_upload(
    *,
    actor: User,
    customer_id: int,
    kind: str,
    upload: File | None,
    consultation_id: int | None = None,
    description: str = "",
) -> CustomerFile:
    """Add a document or photo to a customer's archive: PDF or image (extension and content
    checked), at most 20 MB, with a kind; a photo may belong to one of her consultations."""
    require_perm(actor, "customers.add_customerfile")
    customer = _customer_locked(actor, customer_id)
    if kind not in FileKind.values:
        raise ValidationError(_("Choose the kind of file."), field="kind")
    consultation = None
    if consultation_id is not None:
        consultation = Consultation.objects.filter(pk=consultation_id, customer_id=customer.pk).first()
        if consultation is None:
            raise ValidationError(_("Choose a consultation of this customer."), field="consultation")
        if kind != FileKind.PHOTO:
            raise ValidationError(_("Only photos can belong to a consultation."), field="kind")
    description = _optional_text(description, field="description", max_length=200, label=_("description"))
    checked = _checked_upload(upload, kind)
    return _store_file(
        actor, customer, checked, kind=kind, consultation=consultation, description=description
    )


def _file_remove_on_commit(name: str | None) -> None:
    """Delete the stored content once the row's deletion has committed."""
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


@transaction.atomic(durable=True)
def customer_file_delete(*, actor: User, file_id: int) -> None:
    """Remove a file from the archive: the row now (audited with what it was), its content from
    storage after commit."""
    require_perm(actor, "customers.delete_customerfile")
    customer_file: CustomerFile = _locked(record_selectors.customer_files_scoped(actor), file_id)
    before = snapshot(customer_file, FILE_FIELDS)
    audit_record(
        actor=actor,
        module=MODULE,
        action="delete_file",
        obj=customer_file,
        changes=diff(before, {}),
        branch_id=customer_file.branch_id,
    )
    name = customer_file.file.name
    customer_file.delete()
    _file_remove_on_commit(name)


def customer_file_open(*, actor: User, file_id: int) -> tuple[CustomerFile, File]:
    """The file and its content opened for reading — a sensitive read: needs "view customer
    file", the customer in scope, and every opening is audited ("view_file")."""
    require_perm(actor, "customers.view_customerfile")
    customer_file = record_selectors.customer_file_get_for(actor, file_id)
    try:
        handle = customer_file.file.storage.open(customer_file.file.name or "", "rb")
    except (FileNotFoundError, OSError) as exc:
        raise NotFound(_("The file is missing from storage.")) from exc
    audit_record(
        actor=actor,
        module=MODULE,
        action="view_file",
        obj=customer_file,
        branch_id=customer_file.branch_id,
        message=customer_file.original_name,
    )
    return customer_file, handle
