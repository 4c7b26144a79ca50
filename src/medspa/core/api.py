"""API building blocks shared by every app's router: problem-JSON error handlers, the list
envelope ``{items, count}`` with ``limit``/``offset``."""

from __future__ import annotations

import datetime
import logging
from typing import Annotated, Any, Literal

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from pydantic import Field, PlainSerializer

from medspa.core import errors, problems

logger = logging.getLogger(__name__)

MAX_LIMIT = 200
MAX_OFFSET = 1_000_000_000  # beyond this no list is real; larger values overflow SQLite integers

# Times leave the API in ISO 8601 with the clinic's offset (+08:00), never naive.
LocalDateTime = Annotated[
    datetime.datetime,
    PlainSerializer(lambda value: timezone.localtime(value).isoformat(), return_type=str),
]


# A record's code (branch, department, dictionary entry …) as the API accepts it.
Code = Field(..., min_length=1, max_length=32, description="Letters, digits, hyphens and underscores.")


class ActiveFilters(Schema):
    """The query parameters of a list of coded records that can be deactivated."""

    q: str | None = Field(None, max_length=100, description="Part of the code or name.")
    is_active: Literal["true", "false"] | None = None


class ListParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Page size (1–200).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Number of items to skip.")


def page(queryset: QuerySet[Any], params: ListParams) -> dict[str, Any]:
    """The list envelope: ``count`` over the whole filtered set, ``items`` for one page."""
    return {
        "count": queryset.count(),
        "items": list(queryset[params.offset : params.offset + params.limit]),
    }


def filtered(
    request: HttpRequest,
    filterset_class: type[django_filters.FilterSet],
    queryset: QuerySet[Any],
    filters: Schema,
) -> QuerySet[Any]:
    """A list page's FilterSet applied to an endpoint's query parameters, so the page and the API
    filter alike; a bad value is a 422 naming its field."""
    data = {key: str(value) for key, value in filters.dict(exclude_none=True).items()}
    filterset = filterset_class(data, queryset=queryset, request=request)
    if not filterset.is_valid():
        field, messages = next(iter(filterset.errors.items()))
        raise errors.ValidationError(str(messages[0]) if messages else _("Invalid value."), field=field)
    return filterset.qs


def _location(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja locations look like ("body", "payload", "name") or ("query", "limit")
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie", "form", "file")]
    if len(parts) > 1 and parts[0] in ("payload", "data", "params", "filters"):
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def _validation_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in ("json_invalid", "model_attributes_type", "dict_type"):
        return _("The request body is not valid JSON.")
    if kind in ("int_parsing", "int_type"):
        return _("Enter a whole number.")
    if kind == "greater_than_equal":
        return _("Ensure this value is greater than or equal to %(limit)s.") % {"limit": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("Ensure this value is less than or equal to %(limit)s.") % {"limit": ctx.get("le")}
    if kind in ("string_too_long",):
        return _("Ensure this value has at most %(limit)s characters.") % {"limit": ctx.get("max_length")}
    if kind in ("string_too_short",):
        return _("Ensure this value has at least %(limit)s characters.") % {"limit": ctx.get("min_length")}
    if kind in ("string_type",):
        return _("Enter text.")
    return str(error.get("msg", _("Invalid value.")))


def install_error_handlers(api: NinjaAPI) -> None:
    """Every error the API can produce becomes problem JSON with a 4xx (or 500) status."""

    def respond(request: HttpRequest, status: int, detail: str, **kwargs: Any) -> HttpResponse:
        return problems.problem_response(status, detail, instance=request.path, **kwargs)

    @api.exception_handler(errors.DomainError)
    def domain_error(request: HttpRequest, exc: errors.DomainError) -> HttpResponse:
        field_errors = [{"field": exc.field or "__all__", "message": exc.message}]
        return respond(request, exc.status, exc.message, code=exc.code, errors=field_errors)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        field_errors = [
            {"field": _location(e.get("loc", ())), "message": _validation_message(e)} for e in exc.errors
        ]
        if any(e.get("type") == "json_invalid" for e in exc.errors):
            return respond(request, 400, _("The request body is not valid JSON."), errors=field_errors)
        return respond(request, 422, _("The input is not valid."), errors=field_errors)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, _("Authentication is required: log in or send a valid bearer token."))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            # ninja's only 400 is "Cannot parse request body"
            return respond(request, 400, _("The request body is not valid JSON."))
        if exc.status_code == 405:
            return respond(request, 405, _("This method is not allowed here."))
        return respond(request, exc.status_code, str(exc))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, _("The object was not found."))

    def permission_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 403, _("You do not have permission to do this."))

    api.add_exception_handler(AuthorizationError, permission_denied)
    api.add_exception_handler(DjangoPermissionDenied, permission_denied)

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unhandled API error on %s", request.path)
        return respond(request, 500, _("An unexpected error occurred. It has been logged."))
