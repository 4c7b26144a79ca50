from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

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


class RefuseNulMiddleware:
    """Refuses text holding a NUL character (U+0000) before any view sees it: PostgreSQL text
    cannot store one, and no clinic data contains it. Django form fields already refuse it; this
    covers the URL, the query string and API JSON bodies — answered 400 (problem JSON on /api/)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = _nul_field(request)
        if field is None:
            return self.get_response(request)
        from django.utils.translation import gettext as _

        message = _("Text may not contain NUL characters.")
        if request.path.startswith("/api/"):
            from medspa.core.problems import problem_response

            return problem_response(
                400, message, instance=request.path, errors=[{"field": field, "message": message}]
            )
        return HttpResponseBadRequest(message)


def _nul_field(request: HttpRequest) -> str | None:
    """Where a NUL character is, or None."""
    if "\x00" in request.path:
        return "__path__"
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return key.replace("\x00", "")
    if request.path.startswith("/api/") and "json" in (request.content_type or "") and request.body:
        try:
            data = json.loads(request.body)
        except ValueError:
            return None  # the API answers malformed JSON itself
        return _nul_in(data, "")
    return None


def _nul_in(value: object, location: str) -> str | None:
    if isinstance(value, str):
        return (location or "__all__") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{location}.{key}" if location else str(key)
            if "\x00" in str(key):
                return name.replace("\x00", "")
            found = _nul_in(item, name)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_in(item, f"{location}.{index}" if location else str(index))
            if found:
                return found
    return None
