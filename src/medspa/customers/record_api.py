"""REST endpoints of consultations, complaints and archive files. Each one parses its schema and
calls the selector or service the pages use; errors are problem JSON (core.api)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Query, Router, Status, UploadedFile

from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import PermissionDenied
from medspa.customers import record_selectors, record_services
from medspa.customers.choices import ConsultationOutcome
from medspa.customers.record_filtersets import (
    ComplaintFilterSet,
    ConsultationFilterSet,
    CustomerFileFilterSet,
)
from medspa.customers.record_schemas import (
    ComplaintAssignIn,
    ComplaintFilters,
    ComplaintIn,
    ComplaintListOut,
    ComplaintOut,
    ComplaintResolveIn,
    ConsultationFilters,
    ConsultationIn,
    ConsultationListOut,
    ConsultationOut,
    ConsultationPatch,
    CustomerFileFilters,
    CustomerFileIn,
    CustomerFileListOut,
    CustomerFileOut,
)
from medspa.customers.record_services import ConsultationInput
from medspa.customers.record_views import download_response
from medspa.customers.selectors import customer_get_for

router = Router(tags=["customer records"])


def _actor(request: HttpRequest, perm: str | None = None) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if perm is not None and not user.has_perm(f"customers.{perm}"):
        raise PermissionDenied()
    return user


def _customer_id(actor: Any, customer_id: int) -> int:
    """The customer's id when she is in the actor's scope; NotFound (404) otherwise."""
    return int(customer_get_for(actor, customer_id).pk)


# --- consultations -----------------------------------------------------------------------------


@router.get(
    "/customers/{customer_id}/consultations",
    response=ConsultationListOut,
    summary="List a customer's consultations",
)
def customer_consultation_list(
    request: HttpRequest, customer_id: int, params: Query[ListParams], filters: Query[ConsultationFilters]
) -> Any:
    actor = _actor(request, "view_consultation")
    queryset = record_selectors.consultations_for(actor).filter(customer_id=_customer_id(actor, customer_id))
    return page(filtered(request, ConsultationFilterSet, queryset, filters), params)


@router.post(
    "/customers/{customer_id}/consultations",
    response={201: ConsultationOut},
    summary="Record a consultation",
)
def consultation_create(request: HttpRequest, customer_id: int, payload: ConsultationIn) -> Status:
    consultation = record_services.consultation_create(
        actor=_actor(request), customer_id=customer_id, data=ConsultationInput(**payload.dict())
    )
    return Status(201, record_selectors.consultation_get_for(_actor(request), consultation.pk))


@router.get("/consultations", response=ConsultationListOut, summary="List consultations")
def consultation_list(
    request: HttpRequest, params: Query[ListParams], filters: Query[ConsultationFilters]
) -> Any:
    actor = _actor(request, "view_consultation")
    return page(
        filtered(request, ConsultationFilterSet, record_selectors.consultations_for(actor), filters), params
    )


@router.get("/consultations/{consultation_id}", response=ConsultationOut, summary="One consultation")
def consultation_detail(request: HttpRequest, consultation_id: int) -> Any:
    return record_selectors.consultation_get_for(_actor(request, "view_consultation"), consultation_id)


@router.patch("/consultations/{consultation_id}", response=ConsultationOut, summary="Change a consultation")
def consultation_update(request: HttpRequest, consultation_id: int, payload: ConsultationPatch) -> Any:
    """Fields not sent keep their value; changing the outcome to ``deal`` without sending
    ``outcome_reason_id`` drops the reason (a deal has none)."""
    actor = _actor(request, "change_consultation")
    consultation = record_selectors.consultation_get_for(actor, consultation_id)
    sent = payload.dict(exclude_unset=True)
    if sent.get("outcome") == ConsultationOutcome.DEAL and "outcome_reason_id" not in sent:
        sent["outcome_reason_id"] = None
    current = {
        "consulted_at": consultation.consulted_at,
        "consultant_id": consultation.consultant_id,
        "channel": consultation.channel,
        "projects": consultation.projects,
        "content": consultation.content,
        "chat_log": consultation.chat_log,
        "potential_needs": consultation.potential_needs,
        "outcome": consultation.outcome,
        "outcome_reason_id": consultation.outcome_reason_id,
    }
    record_services.consultation_update(
        actor=actor, consultation_id=consultation.pk, data=ConsultationInput(**{**current, **sent})
    )
    return record_selectors.consultation_get_for(actor, consultation.pk)


# --- complaints --------------------------------------------------------------------------------


@router.get(
    "/customers/{customer_id}/complaints", response=ComplaintListOut, summary="List a customer's complaints"
)
def customer_complaint_list(
    request: HttpRequest, customer_id: int, params: Query[ListParams], filters: Query[ComplaintFilters]
) -> Any:
    actor = _actor(request, "view_complaint")
    queryset = record_selectors.complaints_for(actor).filter(customer_id=_customer_id(actor, customer_id))
    return page(filtered(request, ComplaintFilterSet, queryset, filters), params)


@router.post(
    "/customers/{customer_id}/complaints", response={201: ComplaintOut}, summary="Record a complaint"
)
def complaint_create(request: HttpRequest, customer_id: int, payload: ComplaintIn) -> Status:
    complaint = record_services.complaint_create(
        actor=_actor(request), customer_id=customer_id, **payload.dict()
    )
    return Status(201, complaint)


@router.get("/complaints", response=ComplaintListOut, summary="The complaint work list")
def complaint_list(request: HttpRequest, params: Query[ListParams], filters: Query[ComplaintFilters]) -> Any:
    """Open complaints first, then assigned, then resolved; newest first within each."""
    actor = _actor(request, "view_complaint")
    return page(
        filtered(request, ComplaintFilterSet, record_selectors.complaints_for(actor), filters), params
    )


@router.get("/complaints/{complaint_id}", response=ComplaintOut, summary="One complaint")
def complaint_detail(request: HttpRequest, complaint_id: int) -> Any:
    return record_selectors.complaint_get_for(_actor(request, "view_complaint"), complaint_id)


@router.post("/complaints/{complaint_id}/assign", response=ComplaintOut, summary="Assign a complaint")
def complaint_assign(request: HttpRequest, complaint_id: int, payload: ComplaintAssignIn) -> Any:
    actor = _actor(request)
    record_services.complaint_assign(actor=actor, complaint_id=complaint_id, assignee_id=payload.assignee_id)
    return record_selectors.complaint_get_for(actor, complaint_id)


@router.post("/complaints/{complaint_id}/resolve", response=ComplaintOut, summary="Resolve a complaint")
def complaint_resolve(request: HttpRequest, complaint_id: int, payload: ComplaintResolveIn) -> Any:
    actor = _actor(request)
    record_services.complaint_resolve(actor=actor, complaint_id=complaint_id, resolution=payload.resolution)
    return record_selectors.complaint_get_for(actor, complaint_id)


# --- files -------------------------------------------------------------------------------------


@router.get("/customers/{customer_id}/files", response=CustomerFileListOut, summary="List a customer's files")
def customer_file_list(
    request: HttpRequest, customer_id: int, params: Query[ListParams], filters: Query[CustomerFileFilters]
) -> Any:
    actor = _actor(request, "view_customerfile")
    queryset = record_selectors.customer_files_for(actor).filter(customer_id=_customer_id(actor, customer_id))
    return page(filtered(request, CustomerFileFilterSet, queryset, filters), params)


@router.post(
    "/customers/{customer_id}/files",
    response={201: CustomerFileOut},
    summary="Upload a file (multipart: file, kind, consultation_id, description)",
)
def customer_file_upload(
    request: HttpRequest,
    customer_id: int,
    payload: Form[CustomerFileIn],
    file: UploadedFile | None = File(None),  # noqa: B008 - ninja's parameter declaration
) -> Status:
    """PDF or image (JPEG, PNG, WebP) — checked by extension and content — at most 20 MB."""
    customer_file = record_services.customer_file_upload(
        actor=_actor(request), customer_id=customer_id, upload=file, **payload.dict()
    )
    return Status(201, customer_file)


@router.get("/customer-files/{file_id}", response=CustomerFileOut, summary="One file's metadata")
def customer_file_detail(request: HttpRequest, file_id: int) -> Any:
    return record_selectors.customer_file_get_for(_actor(request, "view_customerfile"), file_id)


@router.delete("/customer-files/{file_id}", response={204: None}, summary="Delete a file")
def customer_file_delete(request: HttpRequest, file_id: int) -> Status:
    record_services.customer_file_delete(actor=_actor(request), file_id=file_id)
    return Status(204, None)


@router.get(
    "/customer-files/{file_id}/download",
    summary="Download a file (each download is audited)",
    response={200: None},
    openapi_extra={
        "responses": {
            200: {
                "description": "The file's content",
                "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    "image/*": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def customer_file_download(request: HttpRequest, file_id: int, inline: bool = False) -> FileResponse:
    customer_file, handle = record_services.customer_file_open(actor=_actor(request), file_id=file_id)
    return download_response(customer_file, handle, inline=inline)
