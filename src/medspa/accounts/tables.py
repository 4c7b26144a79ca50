from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medspa.core.tables import Column, Table


class ApiTokenTable(Table):
    default_sort = "-created_at"
    columns = (
        Column("name", _("Name"), order_by="name", link="accounts:token_detail"),
        Column("prefix", _("Prefix")),
        Column("created_at", _("Created at"), order_by="created_at"),
        Column("expires_at", _("Expires at"), order_by="expires_at"),
        Column("last_used_at", _("Last used at"), order_by="last_used_at"),
        Column("revoked_at", _("Revoked at"), order_by="revoked_at"),
    )


def _locked(until: datetime.datetime | None) -> str:
    return str(_("Locked")) if until is not None and until > timezone.now() else ""


class AccountTable(Table):
    default_sort = "username"
    columns = (
        Column("username", _("User name"), order_by="username", link="accounts:user_detail"),
        Column("display_name", _("Display name"), order_by="display_name"),
        Column("staff.employee_no", _("Employee no"), order_by="staff__employee_no"),
        Column("role_names", _("Roles")),
        Column("default_branch.name", _("Default branch")),
        Column("is_active", _("Active"), order_by="is_active"),
        Column("locked_until", _("Lock-out"), render=_locked),
        Column("last_login", _("Last login"), order_by="last_login"),
    )


class RoleTable(Table):
    columns = (
        Column("name", _("Name"), order_by="name", link="accounts:role_detail"),
        Column("profile.get_data_scope_display", _("Data scope"), order_by="profile__data_scope"),
        Column("profile.builtin_key", _("Built-in"), render=bool),
        Column("permission_count", _("Permissions"), order_by="permission_count"),
        Column("holders", _("Accounts"), order_by="holders"),
        Column("profile.description", _("Description")),
    )
