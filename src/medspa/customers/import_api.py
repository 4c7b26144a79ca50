"""/api/v1/customer-imports — the same workflow as the import pages (CRM-07)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from medspa.core.api import ListParams, LocalDateTime, page
from medspa.customers import import_services
from medspa.customers.models import ImportJob

router = Router(tags=["customers"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportJobOut(Schema):
    id: int
    original_name: str
    status: str
    total: int
    valid: int
    error_rows: int
    skipped: int
    created: int
    errors: list[list[Any]]
    message: str
    created_at: LocalDateTime
    finished_at: LocalDateTime | None


class ImportJobListOut(Schema):
    items: list[ImportJobOut]
    count: int


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/customer-imports/template", summary="The import template (.xlsx)")
def template(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    import_services.import_jobs_for(actor)  # the permission check
    return _xlsx(import_services.import_template(actor.organisation_id), "customer-import-template.xlsx")


@router.get("/customer-imports", response=ImportJobListOut, summary="Imports of my organisation")
def job_list(request: HttpRequest, params: Query[ListParams]) -> dict[str, Any]:
    return page(import_services.import_jobs_for(_actor(request)), params)


@router.post(
    "/customer-imports",
    response={201: ImportJobOut},
    summary="Upload a file; its rows are checked in the background",
)
def job_upload(request: HttpRequest, file: File[UploadedFile]) -> Status:
    return Status(201, import_services.import_upload(actor=_actor(request), upload=file))


@router.get("/customer-imports/{job_id}", response=ImportJobOut, summary="One import: status, counts, errors")
def job_detail(request: HttpRequest, job_id: int) -> ImportJob:
    return import_services.import_job_get_for(_actor(request), job_id)


@router.post("/customer-imports/{job_id}/start", response=ImportJobOut, summary="Import the valid rows")
def job_start(request: HttpRequest, job_id: int) -> ImportJob:
    return import_services.import_start(actor=_actor(request), job_id=job_id)


@router.get("/customer-imports/{job_id}/report", summary="The result as .xlsx")
def job_report(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_services.import_job_get_for(_actor(request), job_id)
    return _xlsx(import_services.import_report(job), f"customer-import-{job.pk}.xlsx")
