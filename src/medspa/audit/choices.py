from django.db import models
from django.utils.translation import gettext_lazy as _


class Result(models.TextChoices):
    SUCCESS = "success", _("Success")
    DENIED = "denied", _("Denied")
    FAILED = "failed", _("Failed")


# Labels for the actions services record. Any other action code is shown as it is.
ACTION_LABELS = {
    "create": _("Create"),
    "update": _("Update"),
    "delete": _("Delete"),
    "deactivate": _("Deactivate"),
    "reactivate": _("Reactivate"),
    "login": _("Log in"),
    "login_failed": _("Failed login"),
    "locked": _("Account locked"),
    "unlock": _("Unlock"),
    "logout": _("Log out"),
    "password_change": _("Password change"),
    "password_reset": _("Password reset"),
    "policy_update": _("Policy update"),
    "role_create": _("Create role"),
    "role_update": _("Update role"),
    "role_delete": _("Delete role"),
    "denied": _("Permission denied"),
    "view": _("View"),
    "export": _("Export"),
    "purge": _("Purge"),
}


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code
