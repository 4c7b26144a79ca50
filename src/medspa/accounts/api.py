from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from medspa.accounts import selectors, services
from medspa.accounts.schemas import (
    MeOut,
    TokenIssuedOut,
    TokenListOut,
    TokenLoginIn,
    TokenOut,
    TokenRenameIn,
)
from medspa.core.api import ListParams, page
from medspa.core.errors import PermissionDenied

router = Router(tags=["accounts"])


@router.post("/auth/token", auth=None, response={201: TokenIssuedOut}, summary="Obtain an API token")
def token_obtain(request: HttpRequest, payload: TokenLoginIn) -> Status:
    issued = services.api_token_login(
        username=payload.username, password=payload.password, request=request, name=payload.name
    )
    return Status(201, {"token": issued.secret, "expires_at": issued.token.expires_at})


@router.get("/me", response=MeOut, summary="The authenticated user")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": str(user),
        "email": user.email,
        "active_branch": selectors.active_branch(request),
        "branches": selectors.request_branches(request),
        "permissions": sorted(user.get_all_permissions()),
    }


@router.get("/tokens", response=TokenListOut, summary="List my API tokens")
def token_list(request: HttpRequest, params: Query[ListParams]) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm("accounts.view_apitoken"):
        raise PermissionDenied()
    return page(selectors.api_tokens_for(user), params)


@router.patch("/tokens/{token_id}", response=TokenOut, summary="Rename one of my API tokens")
def token_rename(request: HttpRequest, token_id: int, payload: TokenRenameIn) -> Any:
    return services.api_token_rename(actor=request.auth, token_id=token_id, name=payload.name)  # type: ignore[attr-defined]


@router.delete("/tokens/{token_id}", response=TokenOut, summary="Revoke one of my API tokens")
def token_revoke(request: HttpRequest, token_id: int) -> Any:
    return services.api_token_revoke(actor=request.auth, token_id=token_id)  # type: ignore[attr-defined]
