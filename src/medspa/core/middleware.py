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


INT64 = 2**63  # PostgreSQL bigint and SQLite INTEGER hold -2**63 … 2**63 - 1


class UnstorableInputMiddleware:
    """Refuses input no database column can hold, before any view sees it: text with a NUL
    character (U+0000; PostgreSQL text cannot store one, and no clinic data contains it) in the URL,
    the query string or an API JSON body, and JSON integers beyond 64 bits (SQLite raises
    OverflowError on them). Django form fields already refuse NUL; answered 400, problem JSON on
    /api/ naming the field."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = _unstorable(request)
        if found is None:
            return self.get_response(request)
        field, message = found
        if request.path.startswith("/api/"):
            from medspa.core.problems import problem_response

            return problem_response(
                400, message, instance=request.path, errors=[{"field": field, "message": message}]
            )
        return HttpResponseBadRequest(message)


def _nul_message() -> str:
    from django.utils.translation import gettext as _

    return _("Text may not contain NUL characters.")


def _unstorable(request: HttpRequest) -> tuple[str, str] | None:
    """(field, message) of the first value no column can hold, or None."""
    if "\x00" in request.path:
        return "__path__", _nul_message()
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return key.replace("\x00", ""), _nul_message()
    if request.path.startswith("/api/") and "json" in (request.content_type or "") and request.body:
        try:
            data = json.loads(request.body)
        except ValueError:
            return None  # the API answers malformed JSON itself
        return _unstorable_in(data, "")
    return None


def _unstorable_in(value: object, location: str) -> tuple[str, str] | None:
    where = location or "__all__"
    if isinstance(value, str):
        return (where, _nul_message()) if "\x00" in value else None
    if isinstance(value, int) and not isinstance(value, bool) and not -INT64 <= value < INT64:
        from django.utils.translation import gettext as _

        return where, _("The number is out of range.")
    items: list[tuple[str, object]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{location}.{key}" if location else str(key)
            if "\x00" in str(key):
                return name.replace("\x00", ""), _nul_message()
            items.append((name, item))
    elif isinstance(value, list):
        items = [(f"{location}.{i}" if location else str(i), item) for i, item in enumerate(value)]
    for name, item in items:
        found = _unstorable_in(item, name)
        if found:
            return found
    return None
