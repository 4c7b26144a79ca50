"""Writes for login accounts and API tokens."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from medspa.accounts.models import ApiToken, User
from medspa.core.errors import (
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from medspa.organization.models import Branch

TOKEN_PREFIX = "msp_"  # noqa: S105 - a public marker, not a secret
ACTIVE_BRANCH_SESSION_KEY = "active_branch_id"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _require(actor: User, perm: str) -> None:
    if not actor.is_active or not actor.has_perm(perm):
        raise PermissionDenied()


def _validate_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name."), field="name")
    if len(name) > 100:
        raise ValidationError(_("The name may have at most 100 characters."), field="name")
    return name


def _validate_token_input(name: str, days: int) -> str:
    name = _validate_name(name)
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            _("Validity must be between 1 and %(max)s days.") % {"max": settings.API_TOKEN_MAX_DAYS},
            field="days",
        )
    return name


def _issue(*, user: User, name: str, days: int) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        key_hash=hash_token(secret),
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic(durable=True)
def api_token_create(*, actor: User, name: str, days: int = settings.API_TOKEN_DEFAULT_DAYS) -> IssuedToken:
    """Issue a token for the actor. The secret is returned once and never stored."""
    _require(actor, "accounts.add_apitoken")
    name = _validate_token_input(name, days)
    return _issue(user=actor, name=name, days=days)


def api_token_login(
    *, username: str, password: str, request: HttpRequest | None = None, name: str = ""
) -> IssuedToken:
    """Exchange a username and password for a token (``POST /api/v1/auth/token``) under the
    same rules as the login page: lock-out (403 ``account_locked``), an expired or reset password
    (403 ``password_expired``), wrong credentials (401) — each audited. Not one transaction:
    the audit rows of a refused login must commit."""
    from medspa.accounts.security import login_attempt

    user = login_attempt(
        request=request, username=username, password=password, channel="api", refuse_expired=True
    )
    _require(user, "accounts.add_apitoken")
    label = name.strip() or _("API login")
    with transaction.atomic(durable=True):
        return _issue(user=user, name=label[:100], days=settings.API_TOKEN_DEFAULT_DAYS)


@transaction.atomic(durable=True)
def api_token_rename(*, actor: User, token_id: int, name: str) -> ApiToken:
    """Change the label of one of the actor's tokens (the secret and validity stay)."""
    _require(actor, "accounts.change_apitoken")
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
    if token is None:
        raise NotFound()
    if token.revoked_at is not None:
        raise IllegalTransition(_("A revoked token cannot be renamed."))
    token.name = _validate_name(name)
    token.save(update_fields=["name", "updated_at"])
    return token


@transaction.atomic(durable=True)
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's tokens; revoking twice is harmless."""
    _require(actor, "accounts.delete_apitoken")
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def api_token_authenticate(secret: str) -> User | None:
    """The active user behind a usable bearer token, or ``None``. Marks the token used."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.usable().select_related("user").filter(key_hash=hash_token(secret)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def expired_credentials_purge(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Delete API tokens that expired or were revoked more than a day ago, and expired
    sessions. Returns (tokens deleted, sessions deleted). Run by the scheduler."""
    now = now or timezone.now()
    grace = now - datetime.timedelta(days=1)
    tokens, _detail = ApiToken.objects.filter(expires_at__lt=grace).delete()
    revoked, _detail = ApiToken.objects.filter(revoked_at__lt=grace).delete()
    sessions, _detail = Session.objects.filter(expire_date__lt=now).delete()
    return tokens + revoked, sessions


def active_branch_switch(*, actor: User, request: HttpRequest, branch_id: int) -> Branch:
    """Make ``branch_id`` the actor's active branch for this session."""
    branch = actor.branches.filter(pk=branch_id, is_active=True).first()
    if branch is None:
        raise ValidationError(_("You do not work in that branch."), field="branch")
    request.session[ACTIVE_BRANCH_SESSION_KEY] = branch.pk
    return branch
