from __future__ import annotations

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
