"""RFC 9457 problem details — the one error shape of the API (and of /api/ paths Django answers)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

PROBLEM_CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: gettext_noop("Bad request"),
    401: gettext_noop("Authentication required"),
    403: gettext_noop("Permission denied"),
    404: gettext_noop("Not found"),
    405: gettext_noop("Method not allowed"),
    409: gettext_noop("Conflict"),
    422: gettext_noop("Invalid input"),
    429: gettext_noop("Too many requests"),
    500: gettext_noop("Server error"),
}
CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid",
    429: "throttled",
    500: "server_error",
}


def problem_body(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    code = code or CODES.get(status, "error")
    body: dict[str, Any] = {
        "type": f"urn:medspa:problem:{code}",
        "title": title or _(TITLES.get(status, "Error")),
        "status": status,
        "detail": detail,
        "code": code,
        "errors": errors or [],
    }
    if instance:
        body["instance"] = instance
    return body


def problem_response(status: int, detail: str, **kwargs: Any) -> HttpResponse:
    body = problem_body(status, detail, **kwargs)
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="medspa"'
    return response
