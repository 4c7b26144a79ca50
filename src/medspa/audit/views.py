"""The audit log pages (审计日志): list with filters and export, and one event with its changes.
Reading the log is itself audited."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from medspa.audit import selectors, services
from medspa.audit.choices import action_label
from medspa.audit.filtersets import AuditEventFilterSet
from medspa.audit.models import AuditEvent
from medspa.audit.tables import AuditEventExportTable, AuditEventTable
from medspa.core.export import FORMATS, MAX_ROWS, export_table
from medspa.core.tables import Column
from medspa.core.views.generic import ObjectDetailView, ObjectListView, get_or_404

AUDIT_LOG = (gettext_lazy("Audit log"), "audit:event_list")


class AuditEventListView(ObjectListView):
    permissions = (selectors.VIEW_PERMISSION,)
    export_permissions = (selectors.VIEW_PERMISSION, selectors.EXPORT_PERMISSION)
    title = gettext_lazy("Audit log")
    selector = selectors.audit_events_for
    filterset_class = AuditEventFilterSet
    table_class = AuditEventTable
    export_basename = "audit-log"
    empty_text = gettext_lazy("No audit events match.")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        if response.status_code == 200 and not request.GET.get("export"):
            services.audit_access_record(actor=request.user, action="view", query=request.GET.urlencode())
        return response

    def export(self, queryset: QuerySet[Any], fmt: str) -> HttpResponse:
        """The export carries every column of the row (AuditEventExportTable) and is audited."""
        if fmt not in FORMATS:
            raise Http404
        if not self.can_export():
            raise DjangoPermissionDenied
        response = export_table(
            AuditEventExportTable, queryset[:MAX_ROWS].iterator(), fmt, self.export_basename
        )
        services.audit_access_record(
            actor=self.request.user, action="export", query=self.request.GET.urlencode()
        )
        return response


class AuditEventDetailView(ObjectDetailView):
    permissions = (selectors.VIEW_PERMISSION,)
    breadcrumbs = (AUDIT_LOG,)
    getter = selectors.audit_event_get_for
    template_name = "audit/event_detail.html"
    columns = (
        Column("occurred_at", gettext_lazy("Time")),
        Column("actor_name", gettext_lazy("User")),
        Column("branch.name", gettext_lazy("Branch")),
        Column("module", gettext_lazy("Module"), render=selectors.module_label),
        Column("action", gettext_lazy("Action"), render=action_label),
        Column("object_type", gettext_lazy("Object type")),
        Column("object_id", gettext_lazy("Object id")),
        Column("object_repr", gettext_lazy("Object")),
        Column("get_result_display", gettext_lazy("Result")),
        Column("message", gettext_lazy("Message")),
        Column("ip", gettext_lazy("IP address")),
        Column("user_agent", gettext_lazy("User agent")),
        Column("request_id", gettext_lazy("Request id")),
        Column("prev_hash", gettext_lazy("Previous hash")),
        Column("hash", gettext_lazy("Hash")),
    )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        event = cast(AuditEvent, get_or_404(type(self).getter, request.user, pk))
        context = self.base_context(
            object=event,
            rows=[{"label": column.label, "value": column.text(event)} for column in self.columns],
            changes=selectors.change_rows(event),
        )
        context["title"] = context["breadcrumbs"][-1]["label"] = (
            f"#{event.pk} {selectors.module_label(event.module)} · {action_label(event.action)}"
        )
        response = render(request, self.template_name, context)
        services.audit_access_record(actor=request.user, action="view", event=event)
        return response
