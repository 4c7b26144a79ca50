"""GET /api/v1/audit-events (filters as query parameters) and GET /api/v1/audit-events/{id}.
Only the audit administrator may read them; every read is itself audited."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from ninja import Query, Router

from medspa.audit import selectors, services
from medspa.audit.filtersets import AuditEventFilterSet
from medspa.audit.schemas import AuditEventFilters, AuditEventListOut, AuditEventOut
from medspa.core.api import ListParams, page
from medspa.core.errors import PermissionDenied, ValidationError

router = Router(tags=["audit"])


def _require_view(user: Any) -> None:
    if not user.has_perm(selectors.VIEW_PERMISSION):
        raise PermissionDenied()


@router.get("/audit-events", response=AuditEventListOut, summary="Search the audit log")
def audit_event_list(
    request: HttpRequest, params: Query[ListParams], filters: Query[AuditEventFilters]
) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    _require_view(user)
    data = {key: str(value) for key, value in filters.dict(exclude_none=True).items()}
    filterset = AuditEventFilterSet(data, queryset=selectors.audit_events_for(user), request=request)
    if not filterset.is_valid():
        field, messages = next(iter(filterset.errors.items()))
        raise ValidationError(str(messages[0]), field=field)
    result = page(filterset.qs, params)
    services.audit_access_record(actor=user, action="view", query=f"api {urlencode(data)}".strip())
    return result


@router.get("/audit-events/{event_id}", response=AuditEventOut, summary="One audit event")
def audit_event_detail(request: HttpRequest, event_id: int) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    _require_view(user)
    event = selectors.audit_event_get_for(user, event_id)
    services.audit_access_record(actor=user, action="view", event=event)
    return event
