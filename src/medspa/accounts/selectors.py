"""Reads for login accounts and API tokens. Every selector takes the actor."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from medspa.accounts.models import ApiToken, User
from medspa.accounts.services import ACTIVE_BRANCH_SESSION_KEY
from medspa.core.errors import NotFound
from medspa.organization.models import Branch


def api_tokens_for(actor: User) -> QuerySet[ApiToken]:
    """A user sees and manages only their own tokens."""
    if not actor.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=actor).order_by("-created_at", "-pk")


def api_token_get_for(actor: User, pk: int) -> ApiToken:
    token = api_tokens_for(actor).filter(pk=pk).first()
    if token is None:
        raise NotFound()
    return token


def branches_for(actor: User) -> QuerySet[Branch]:
    """The active branches the actor may switch to."""
    if not actor.is_authenticated:
        return Branch.objects.none()
    return actor.branches.filter(is_active=True).select_related("organisation").order_by("code")


def active_branch(request: HttpRequest) -> Branch | None:
    """The branch the user works in now: the session's choice, else the default, else the first."""
    user = request.user
    if not user.is_authenticated:
        return None
    cached = getattr(request, "_active_branch", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    branches = request_branches(request)
    chosen_id = request.session.get(ACTIVE_BRANCH_SESSION_KEY) or getattr(user, "default_branch_id", None)
    branch = next((b for b in branches if b.pk == chosen_id), branches[0] if branches else None)
    request._active_branch = branch  # type: ignore[attr-defined]
    return branch


def request_branches(request: HttpRequest) -> list[Branch]:
    """``branches_for(request.user)`` evaluated once per request (layout and views share it)."""
    cached = getattr(request, "_branches", None)
    if cached is None:
        cached = list(branches_for(request.user))  # type: ignore[arg-type]
        request._branches = cached  # type: ignore[attr-defined]
    return cached
