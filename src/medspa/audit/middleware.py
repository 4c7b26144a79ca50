"""Records permission denials (HTTP 403 to a logged-in user) in the audit log — pages and API
alike, after the request's transaction has rolled back, so the denial row always survives."""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.http import HttpRequest, HttpResponse

from medspa.audit.choices import Result
from medspa.audit.services import audit_record

API_PREFIX = "/api/v1/"


def denied_module(request: HttpRequest) -> str:
    """The module a denied request was for: the app of the resolved view; for the API the
    resource, i.e. the path segment after ``/api/v1/`` (``/api/v1/staff/3`` → ``staff``)."""
    if request.path.startswith(API_PREFIX):
        return request.path[len(API_PREFIX) :].split("/", 1)[0][:50] or "api"
    match = request.resolver_match
    if match is None:
        return "unknown"
    if match.namespaces:
        return match.namespaces[0][:50]
    view = getattr(match.func, "view_class", match.func)
    config = apps.get_containing_app_config(getattr(view, "__module__", ""))
    return config.label if config is not None else "unknown"


class DenialAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if response.status_code == 403 and user is not None and user.is_authenticated:
            audit_record(
                actor=user,
                module=denied_module(request),
                action="denied",
                result=Result.DENIED,
                message=f"{request.method} {request.path}"[:300],
            )
        return response
