from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from medspa.accounts import selectors


def branch(request: HttpRequest) -> dict[str, Any]:
    """The branch switcher: the active branch and the others the user may switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    active = selectors.active_branch(request)
    return {"active_branch": active, "switchable_branches": selectors.request_branches(request)}
