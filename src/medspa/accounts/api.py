from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from medspa.accounts import administration, security, selectors, services
from medspa.accounts.filtersets import AccountFilterSet
from medspa.accounts.models import User
from medspa.accounts.permissions import permission_tree
from medspa.accounts.schemas import (
    AccountCreateIn,
    AccountFilterIn,
    AccountListOut,
    AccountOut,
    AccountUpdateIn,
    MeOut,
    PasswordResetIn,
    PermissionModuleOut,
    RoleIn,
    RoleListOut,
    RoleOut,
    TokenIssuedOut,
    TokenListOut,
    TokenLoginIn,
    TokenOut,
    TokenRenameIn,
)
from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import NotFound, PermissionDenied, ValidationError

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


# --- accounts and roles -------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _require_view(actor: User, perm: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied()


@router.get("/users", response=AccountListOut, summary="List login accounts")
def user_list(
    request: HttpRequest, params: Query[ListParams], filters: Query[AccountFilterIn]
) -> dict[str, Any]:
    actor = _actor(request)
    _require_view(actor, "accounts.view_user")
    queryset = filtered(request, AccountFilterSet, selectors.accounts_for(actor), filters)
    return page(queryset.prefetch_related("branches"), params)


@router.post("/users", response={201: AccountOut}, summary="Create a login account")
def user_create(request: HttpRequest, payload: AccountCreateIn) -> Status:
    actor = _actor(request)
    user = administration.account_create(
        actor=actor,
        username=payload.username,
        display_name=payload.display_name,
        password=payload.password,
        staff_id=payload.staff_id,
        branch_ids=payload.branch_ids,
        default_branch_id=payload.default_branch_id,
        role_ids=payload.role_ids,
    )
    return Status(201, selectors.account_get_for(actor, user.pk))


@router.get("/users/{user_id}", response=AccountOut, summary="One login account")
def user_detail(request: HttpRequest, user_id: int) -> Any:
    return selectors.account_get_for(_actor(request), user_id)


@router.patch("/users/{user_id}", response=AccountOut, summary="Change a login account")
def user_update(request: HttpRequest, user_id: int, payload: AccountUpdateIn) -> Any:
    actor = _actor(request)
    selectors.account_get_for(actor, user_id)
    administration.account_update(
        actor=actor,
        user_id=user_id,
        display_name=payload.display_name,
        staff_id=payload.staff_id,
        branch_ids=payload.branch_ids,
        default_branch_id=payload.default_branch_id,
        role_ids=payload.role_ids,
    )
    return selectors.account_get_for(actor, user_id)


@router.post("/users/{user_id}/deactivate", response=AccountOut, summary="Deactivate a login account")
def user_deactivate(request: HttpRequest, user_id: int) -> Any:
    actor = _actor(request)
    administration.account_deactivate(actor=actor, user_id=user_id)
    return selectors.account_get_for(actor, user_id)


@router.post("/users/{user_id}/password-reset", response=AccountOut, summary="Set a new initial password")
def user_password_reset(request: HttpRequest, user_id: int, payload: PasswordResetIn) -> Any:
    actor = _actor(request)
    administration.account_password_reset(actor=actor, user_id=user_id, password=payload.password)
    return selectors.account_get_for(actor, user_id)


@router.post("/users/{user_id}/unlock", response=AccountOut, summary="Lift a lock-out")
def user_unlock(request: HttpRequest, user_id: int) -> Any:
    actor = _actor(request)
    security.account_unlock(actor=actor, user_id=user_id)
    return selectors.account_get_for(actor, user_id)


def _permission_ids(keys: list[str]) -> list[int]:
    known = {p.key: p.id for m in permission_tree() for o in m.objects for p in o.permissions}
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise ValidationError(
            _("Unknown permission: %(keys)s") % {"keys": ", ".join(unknown[:5])}, field="permissions"
        )
    return [known[key] for key in keys]


def _role_queryset(actor: User) -> Any:
    return selectors.roles_for(actor).prefetch_related(
        Prefetch("permissions", queryset=Permission.objects.select_related("content_type"))
    )


@router.get("/roles", response=RoleListOut, summary="List roles")
def role_list(request: HttpRequest, params: Query[ListParams]) -> dict[str, Any]:
    actor = _actor(request)
    _require_view(actor, "accounts.view_roleprofile")
    return page(_role_queryset(actor), params)


@router.post("/roles", response={201: RoleOut}, summary="Create a role")
def role_create(request: HttpRequest, payload: RoleIn) -> Status:
    actor = _actor(request)
    _require_view(actor, "accounts.add_roleprofile")
    role = administration.role_create(
        actor=actor,
        name=payload.name,
        data_scope=payload.data_scope,
        description=payload.description,
        permission_ids=_permission_ids(payload.permissions),
    )
    return Status(201, _role_queryset(actor).get(pk=role.pk))


@router.get("/roles/{role_id}", response=RoleOut, summary="One role")
def role_detail(request: HttpRequest, role_id: int) -> Any:
    actor = _actor(request)
    role = _role_queryset(actor).filter(pk=role_id).first()
    if role is None:
        raise NotFound()
    return role


@router.put("/roles/{role_id}", response=RoleOut, summary="Change a role")
def role_update(request: HttpRequest, role_id: int, payload: RoleIn) -> Any:
    actor = _actor(request)
    _require_view(actor, "accounts.change_roleprofile")
    administration.role_update(
        actor=actor,
        role_id=role_id,
        name=payload.name,
        data_scope=payload.data_scope,
        description=payload.description,
        permission_ids=_permission_ids(payload.permissions),
    )
    return _role_queryset(actor).get(pk=role_id)


@router.delete("/roles/{role_id}", response={204: None}, summary="Delete a role")
def role_delete(request: HttpRequest, role_id: int) -> Status:
    administration.role_delete(actor=_actor(request), role_id=role_id)
    return Status(204, None)


@router.get("/permissions", response=list[PermissionModuleOut], summary="The permission tree")
def permission_list(request: HttpRequest) -> Any:
    _require_view(_actor(request), "accounts.view_roleprofile")
    return [
        {
            "app_label": m.app_label,
            "label": str(m.label),
            "objects": [
                {
                    "label": str(o.label),
                    "permissions": [
                        {"key": p.key, "label": str(p.label), "action": p.action} for p in o.permissions
                    ],
                }
                for o in m.objects
            ],
        }
        for m in permission_tree()
    ]
