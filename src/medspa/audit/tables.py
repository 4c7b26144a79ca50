from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from medspa.audit.choices import action_label
from medspa.audit.selectors import module_label
from medspa.core.tables import Column, Table


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


class AuditEventTable(Table):
    default_sort = ""  # newest first (the selector's order)
    columns: Sequence[Column] = (
        Column("occurred_at", _("Time"), order_by="occurred_at", link="audit:event_detail"),
        Column("actor_name", _("User"), order_by="actor_name"),
        Column("branch.name", _("Branch")),
        Column("module", _("Module"), order_by="module", render=module_label),
        Column("action", _("Action"), order_by="action", render=action_label),
        Column("object_repr", _("Object")),
        Column("get_result_display", _("Result"), order_by="result"),
        Column("ip", _("IP address"), order_by="ip"),
    )


class AuditEventExportTable(AuditEventTable):
    """The export carries the rest of each row: object reference, message, user agent, hashes."""

    columns = (
        Column("pk", _("ID")),
        *AuditEventTable.columns,
        Column("object_type", _("Object type")),
        Column("object_id", _("Object id")),
        Column("changes", _("Changes"), render=_json),
        Column("message", _("Message")),
        Column("user_agent", _("User agent")),
        Column("request_id", _("Request id")),
        Column("hash", _("Hash")),
    )
