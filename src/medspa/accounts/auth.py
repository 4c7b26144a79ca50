"""API authentication: bearer tokens for integrations, the session for the browser."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from medspa.accounts.services import api_token_authenticate


class BearerTokenAuth(HttpBearer):
    openapi_description = "Token from POST /api/v1/auth/token, sent as `Authorization: Bearer <token>`."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            user.active_branch_id = _requested_branch(request, user)  # type: ignore[attr-defined]
            request.user = user
        return user


def _requested_branch(request: HttpRequest, user: Any) -> int | None:
    """``X-Branch: <id>`` picks the branch a token request works in (one of the user's
    branches); without it the user's default branch."""
    raw = request.headers.get("X-Branch", "")
    if raw.isdigit() and user.branches.filter(pk=int(raw), is_active=True).exists():
        return int(raw)
    return user.default_branch_id


class ActiveSessionAuth(SessionAuth):
    """Django's session (CSRF-checked on unsafe methods) for an active user. A request that
    carries an Authorization header is judged by that header alone: a revoked or wrong token
    never falls back to the browser's session."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.headers.get("Authorization"):
            return None
        user = request.user
        if user.is_authenticated and user.is_active:
            return user
        return None


api_auth = [BearerTokenAuth(), ActiveSessionAuth()]
