"""One domain error hierarchy with stable codes; pages show the message, the API maps it to
RFC 9457 problem JSON with the HTTP status below."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A business rule refused the operation. ``message`` is shown to the user as is."""

    code = "domain_error"
    status = 400
    default_message = _("The operation could not be completed.")

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = str(message if message is not None else self.default_message)
        self.field = field
        super().__init__(self.message)

    @property
    def title(self) -> str:
        return str(self.default_message)


class ValidationError(DomainError):
    """Input is well-formed but not acceptable (wrong value, missing field)."""

    code = "invalid"
    status = 422
    default_message = _("The input is not valid.")


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it exists."""

    code = "not_found"
    status = 404
    default_message = _("The object was not found.")


class PermissionDenied(DomainError):
    """The actor lacks the permission or the data scope for this operation."""

    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to do this.")


class NotAuthenticated(DomainError):
    """No valid credentials were presented."""

    code = "not_authenticated"
    status = 401
    default_message = _("Authentication is required.")


class Conflict(DomainError):
    """The operation conflicts with the current state (a double booking, a stale version)."""

    code = "conflict"
    status = 409
    default_message = _("The operation conflicts with the current state.")


class IllegalTransition(Conflict):
    """A document cannot move from its current status to the requested one."""

    code = "illegal_transition"
    default_message = _("This action is not allowed in the document's current status.")
