"""Helpers for the audit tests: events written through the real service, auditor users."""

from __future__ import annotations

from typing import Any

from medspa.accounts.models import User
from medspa.accounts.roles import AUDIT_ADMIN, SYSTEM_ADMIN, ensure_builtin_roles
from medspa.audit.models import AuditEvent
from medspa.audit.services import audit_record
from medspa.core import request_context
from medspa.organization.models import Branch
from tests.factories import role_user


def record(actor: Any = None, *, ip: str | None = None, user_agent: str = "", **kwargs: Any) -> AuditEvent:
    """``audit_record`` as if called from a request from ``ip``."""
    kwargs.setdefault("module", "organization")
    kwargs.setdefault("action", "update")
    token = request_context.set_current(request_context.RequestContext(ip=ip, user_agent=user_agent))
    try:
        return audit_record(actor=actor, **kwargs)
    finally:
        request_context.reset(token)


def auditor(branch: Branch, username: str = "auditor") -> User:
    ensure_builtin_roles()  # a transactional test's flush removes the roles the migration made
    return role_user(AUDIT_ADMIN, username=username, branches=[branch])


def sysadmin(branch: Branch, username: str = "sysadmin") -> User:
    ensure_builtin_roles()
    return role_user(SYSTEM_ADMIN, username=username, branches=[branch])
