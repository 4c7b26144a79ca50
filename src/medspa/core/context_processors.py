from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from medspa.core import menu


def layout(request: HttpRequest) -> dict[str, Any]:
    """The left menu for the current user."""
    user = getattr(request, "user", None)
    return {"menu_groups": menu.menu_for(user) if user is not None else []}
