"""Reads of the audit log. Only holders of ``audit.view_auditevent`` (the audit administrator
role; not the system administrator) see anything, and only their own organisation's events."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet

from medspa.audit.models import AuditEvent
from medspa.core.errors import NotFound

VIEW_PERMISSION = "audit.view_auditevent"
EXPORT_PERMISSION = "audit.export_auditevent"


def audit_events_for(actor: Any) -> QuerySet[AuditEvent]:
    if not (
        getattr(actor, "is_authenticated", False) and actor.is_active and actor.has_perm(VIEW_PERMISSION)
    ):
        return AuditEvent.objects.none()
    queryset = AuditEvent.objects.select_related("branch").order_by("-pk")
    if actor.is_superuser:
        return queryset
    if actor.organisation_id is None:
        return AuditEvent.objects.none()
    return queryset.filter(organisation_id=actor.organisation_id)


def audit_event_get_for(actor: Any, pk: int) -> AuditEvent:
    event = audit_events_for(actor).filter(pk=pk).first()
    if event is None:
        raise NotFound()
    return event


def module_choices() -> list[tuple[str, str]]:
    """(app label, app name) of the medspa apps — the modules events are recorded under."""
    return [
        (config.label, str(config.verbose_name))
        for config in apps.get_app_configs()
        if config.name.startswith("medspa.")
    ]


def module_label(code: str) -> str:
    return dict(module_choices()).get(code, code)


def change_rows(event: AuditEvent) -> list[dict[str, Any]]:
    """The event's changes as rows (field label, before, after) for the detail page."""
    model = None
    if event.object_type:
        try:
            model = apps.get_model(event.object_type)
        except (LookupError, ValueError):
            model = None
    rows = []
    for name, value in sorted((event.changes or {}).items()):
        before, after = value if isinstance(value, list) and len(value) == 2 else (None, value)
        label: Any = name
        if model is not None:
            try:
                label = model._meta.get_field(name).verbose_name
            except FieldDoesNotExist:  # a field that no longer exists keeps its name
                label = name
        rows.append({"field": name, "label": label, "before": _display(before), "after": _display(after)})
    return rows


def _display(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
