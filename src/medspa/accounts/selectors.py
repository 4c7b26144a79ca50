"""Reads for login accounts and API tokens. Every selector takes the actor."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest

from medspa.accounts.models import ApiToken, User
from medspa.accounts.scope import scope_queryset
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


def accounts_for(actor: User) -> QuerySet[User]:
    """Login accounts of the actor's organisation (superusers, the installation's own accounts,
    are never listed). Accounts are organisation-wide records: no branch narrowing."""
    if not actor.is_authenticated or not actor.has_perm("accounts.view_user"):
        return User.objects.none()
    queryset = User.objects.filter(is_superuser=False)
    queryset = scope_queryset(queryset, actor, branch=None, organisation="organisation")
    return (
        queryset.select_related("staff", "default_branch")
        .prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))
        .order_by("username")
    )


def account_get_for(actor: User, pk: int) -> User:
    user = accounts_for(actor).filter(pk=pk).first()
    if user is None:
        raise NotFound()
    return user


def roles_for(actor: User) -> QuerySet[Group]:
    """Built-in roles and the actor's organisation's own roles, with how many active accounts of
    the organisation hold each."""
    if not actor.is_authenticated or not actor.has_perm("accounts.view_roleprofile"):
        return Group.objects.none()
    visible = Q(profile__organisation__isnull=True) | Q(profile__organisation_id=actor.organisation_id)
    return (
        Group.objects.filter(visible, profile__isnull=False)
        .select_related("profile")
        .annotate(
            holders=Count(
                "user",
                filter=Q(user__is_active=True, user__organisation_id=actor.organisation_id),
                distinct=True,
            ),
            permission_count=Count("permissions", distinct=True),
        )
        .order_by("profile__organisation_id", "pk")
    )


def role_get_for(actor: User, pk: int) -> Group:
    role = roles_for(actor).filter(pk=pk).first()
    if role is None:
        raise NotFound()
    return role
