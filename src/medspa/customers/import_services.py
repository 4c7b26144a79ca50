"""The import workflow (CRM-07): upload → background check (each row's errors) → the user imports
the valid rows → background commit with progress. Writes are audited: the upload, the start of
the import and its result (one event for the batch, naming the job)."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from medspa.accounts.models import User
from medspa.accounts.scope import active_branch_id, actor_organisation_id, require_perm
from medspa.audit.services import audit_record
from medspa.core.errors import IllegalTransition, NotFound, ValidationError
from medspa.customers import imports
from medspa.customers.models import ImportJob

MODULE = "customers"
MAX_BYTES = 20 * 1024 * 1024
MAX_ERRORS_KEPT = 5000


def import_template(organisation_id: int) -> bytes:
    """The .xlsx a clinic fills in: the header row only."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Customers")
    sheet.append(imports.template_headers(organisation_id))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_jobs_for(actor: User) -> Any:
    require_perm(actor, "customers.import_customer")
    return ImportJob.objects.filter(organisation_id=actor_organisation_id(actor))


def import_job_get_for(actor: User, pk: int) -> ImportJob:
    job = import_jobs_for(actor).filter(pk=pk).first()
    if job is None:
        raise NotFound()
    return job


@transaction.atomic(durable=True)
def import_upload(*, actor: User, upload: UploadedFile) -> ImportJob:
    """Store the file and start the check in the background."""
    require_perm(actor, "customers.import_customer")
    require_perm(actor, "customers.add_customer")
    name = (upload.name or "").rsplit("/", 1)[-1]
    if not name.lower().endswith((".xlsx", ".csv")):
        raise ValidationError(_("Upload an .xlsx or .csv file."), field="file")
    if (upload.size or 0) > MAX_BYTES:
        raise ValidationError(_("The file may be at most 20 MB."), field="file")
    branch_id = active_branch_id(actor)
    if branch_id is None:
        raise ValidationError(_("Choose a branch: you work in no branch."), field="file")
    job = ImportJob.objects.create(
        organisation_id=actor_organisation_id(actor),
        branch_id=branch_id,
        file=upload,
        original_name=name[:200],
        created_by=actor,
        updated_by=actor,
    )
    audit_record(actor=actor, module=MODULE, action="import_upload", obj=job, branch_id=branch_id)
    transaction.on_commit(lambda: import_check.enqueue(job.pk))
    return job


@transaction.atomic(durable=True)
def import_start(*, actor: User, job_id: int) -> ImportJob:
    """Import the valid rows of a checked file (in the background)."""
    require_perm(actor, "customers.import_customer")
    require_perm(actor, "customers.add_customer")
    job = import_jobs_for(actor).select_for_update().filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    if job.status != ImportJob.Status.CHECKED:
        raise IllegalTransition(_("Only a checked file can be imported."))
    if job.valid == 0:
        raise ValidationError(_("The file has no valid row to import."), field="__all__")
    job.status = ImportJob.Status.IMPORTING
    job.updated_by = actor
    job.save(update_fields=["status", "updated_by", "updated_at"])
    audit_record(actor=actor, module=MODULE, action="import_start", obj=job, branch_id=job.branch_id)
    transaction.on_commit(lambda: import_run.enqueue(job.pk))
    return job


def _plan(job: ImportJob) -> tuple[imports.ImportPlan, imports.Report, list[Any], dict[int, list[int]]]:
    plan = imports.ImportPlan(
        organisation_id=job.organisation_id, branch_id=job.branch_id, actor=job.created_by
    )
    with job.file.open("rb") as handle:
        header, rows = imports.read_table(handle.read(), job.original_name)
        report, pending, tags = plan.check(header, rows)
    return plan, report, pending, tags


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, message=message[:500], finished_at=timezone.now()
    )


@task
def import_check(job_id: int) -> int:
    """Background: validate every row; returns the number of rows with errors."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        _unused_plan, report, _pending, _tags = _plan(job)
    except ValidationError as exc:
        _fail(job, exc.message)
        return -1
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.CHECKED,
        total=report.total,
        valid=report.valid,
        skipped=report.skipped,
        error_rows=report.error_rows,
        errors=[[e.row, e.field, e.message] for e in report.errors[:MAX_ERRORS_KEPT]],
    )
    return report.error_rows


@task
def import_run(job_id: int) -> int:
    """Background: create the valid rows (checked again against the data of now), batch by
    batch, recording progress; returns the number created."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        plan, report, pending, tags = _plan(job)
        created = plan.commit(
            pending, tags, progress=lambda n: ImportJob.objects.filter(pk=job.pk).update(created=n)
        )
    except ValidationError as exc:
        _fail(job, exc.message)
        return 0
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE,
        created=created,
        skipped=report.skipped,
        error_rows=report.error_rows,
        errors=[[e.row, e.field, e.message] for e in report.errors[:MAX_ERRORS_KEPT]],
        finished_at=timezone.now(),
    )
    audit_record(
        actor=job.created_by,
        module=MODULE,
        action="import_done",
        obj=job,
        organisation_id=job.organisation_id,
        branch_id=job.branch_id,
        message=_("%(created)s customers created, %(skipped)s imported before, %(errors)s rows with errors")
        % {"created": created, "skipped": report.skipped, "errors": report.error_rows},
    )
    return created


def import_report(job: ImportJob) -> bytes:
    """The result as .xlsx: a summary and one line per error."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Result")
    for label, value in (
        (_("File"), job.original_name),
        (_("Status"), str(job.get_status_display())),
        (_("Rows"), job.total),
        (_("Valid rows"), job.valid),
        (_("Customers created"), job.created),
        (_("Rows imported before"), job.skipped),
        (_("Rows with errors"), job.error_rows),
    ):
        sheet.append([label, value])
    errors = book.create_sheet(_("Errors"))
    errors.append([_("Row"), _("Field"), _("Message")])
    for row in job.errors:
        errors.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
