"""Django's password validation (AUTH_PASSWORD_VALIDATORS) following the security policy, so
Django's own password forms and ``validate_password`` apply the same rules as our services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError

from medspa.accounts import security
from medspa.core.errors import ValidationError


class SecurityPolicyPasswordValidator:
    """Length, character classes and no reuse of the last N passwords (SEC-01)."""

    def validate(self, password: str, user: Any = None) -> None:
        try:
            security.password_validate(user, password)
        except ValidationError as exc:
            raise DjangoValidationError(exc.message, code="password_policy") from exc

    def get_help_text(self) -> str:
        return " ".join(security.policy_rules(security.policy_for(None)))
