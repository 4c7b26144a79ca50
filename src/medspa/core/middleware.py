from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from medspa.core import request_context


def client_ip(request: HttpRequest) -> str | None:
    """The client address; behind nginx the first hop of X-Forwarded-For."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Puts the request's IP, user agent and a request id into the context for services."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context = request_context.RequestContext(
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
            request_id=request.META.get("HTTP_X_REQUEST_ID", "") or uuid.uuid4().hex,
        )
        token = request_context.set_current(context)
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = context.request_id
        return response


class ApiProblemMiddleware:
    """Guarantees the one error shape on /api/: an error response that is not JSON (Django's
    405, a CSRF failure, a framework 400) is replaced by RFC 9457 problem JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and "json" not in response.get("Content-Type", "")
        ):
            from medspa.core.problems import problem_response

            replacement = problem_response(
                response.status_code, _default_detail(response.status_code), instance=request.path
            )
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response


def _default_detail(status: int) -> str:
    from django.utils.translation import gettext as _

    details = {
        400: _("The request could not be understood."),
        401: _("Authentication is required: log in or send a valid bearer token."),
        403: _("You do not have permission to do this."),
        404: _("The object was not found."),
        405: _("This method is not allowed here."),
    }
    return details.get(status, _("The request could not be completed."))
