"""Security policy of the actor's organisation and changing one's own password (SEC-01…06)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from medspa.accounts import security
from medspa.core.api import LocalDateTime
from medspa.core.errors import NotFound, PermissionDenied, ValidationError

router = Router(tags=["security"])


class SecurityPolicyOut(Schema):
    password_min_length: int
    password_min_classes: int
    password_history: int
    password_max_age_days: int
    lockout_threshold: int
    lockout_minutes: int
    idle_timeout_minutes: int
    single_session: bool
    watermark_enabled: bool
    watermark_template: str


class SecurityPolicyIn(Schema):
    password_min_length: int = Field(..., description="6–64")
    password_min_classes: int = Field(..., description="1–4 of lower, upper, digits, symbols")
    password_history: int = Field(..., description="0–24; 0 allows reuse")
    password_max_age_days: int = Field(..., description="0–3650; 0 never expires")
    lockout_threshold: int = Field(..., description="1–20 failed logins")
    lockout_minutes: int = Field(..., description="1–1440")
    idle_timeout_minutes: int = Field(..., description="1–1440")
    single_session: bool
    watermark_enabled: bool
    watermark_template: str = Field(..., max_length=100, description="{name} {username} {employee_no} {time}")


class PasswordChangeIn(Schema):
    old_password: str = Field(..., min_length=1, max_length=128)
    new_password: str = Field(..., min_length=1, max_length=128)


class PasswordChangedOut(Schema):
    password_changed_at: LocalDateTime


def _policy_out(policy: Any) -> dict[str, Any]:
    return {name: getattr(policy, name) for name in security.POLICY_FIELDS}


@router.get("/security-policy", response=SecurityPolicyOut, summary="The security policy of my organisation")
def security_policy_get(request: HttpRequest) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm("accounts.view_securitypolicy"):
        raise PermissionDenied()
    if user.organisation_id is None:
        raise NotFound()
    return _policy_out(security.policy_for(user.organisation_id))


@router.put(
    "/security-policy", response=SecurityPolicyOut, summary="Change the security policy of my organisation"
)
def security_policy_put(request: HttpRequest, payload: SecurityPolicyIn) -> dict[str, Any]:
    policy = security.security_policy_update(actor=request.auth, **payload.dict())  # type: ignore[attr-defined]
    return _policy_out(policy)


@router.post("/me/password", response=PasswordChangedOut, summary="Change my password")
def my_password_change(request: HttpRequest, payload: PasswordChangeIn) -> dict[str, Any]:
    try:
        user = security.password_change(
            actor=request.auth,  # type: ignore[attr-defined]
            old_password=payload.old_password,
            new_password=payload.new_password,
        )
    except ValidationError as exc:
        field = "new_password" if exc.field == "password" else exc.field
        raise ValidationError(exc.message, field=field) from exc
    if not request.headers.get("Authorization") and hasattr(request, "session"):
        # the browser session stays logged in after its own password change
        old_key = request.session.session_key
        update_session_auth_hash(request, user)
        security.session_rekey(old_key, request.session.session_key)
    return {"password_changed_at": user.password_changed_at}
