"""htmx helpers: render a fragment for an htmx request that is not boosted, the page otherwise."""

from __future__ import annotations

from django.http import HttpRequest


def wants_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted  # type: ignore[union-attr]


def template_for(request: HttpRequest, template_name: str, partial: str) -> str:
    """``"core/object_list.html#table"`` for htmx fragment requests, the full template otherwise."""
    return f"{template_name}#{partial}" if wants_partial(request) else template_name
