"""Pages of the monthly close (月结) and of stock as of any moment (历史库存) — INV-10: the list of
closes, closing a month, a close with its lines, reopening it, and the balances of a warehouse
at a date and time. :func:`register_menu` adds the menu items."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.core import errors, menu
from medspa.core.export import FORMATS, MAX_ROWS, export_table
from medspa.core.views.generic import (
    PER_PAGE_CHOICES,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    PermissionRequiredView,
)
from medspa.inventory import close_selectors as selectors
from medspa.inventory import close_services as services
from medspa.inventory.close_forms import AsOfForm, CloseFilterSet, CloseMonthForm, ReopenForm
from medspa.inventory.close_tables import AsOfTable, CloseTable
from medspa.inventory.models import MonthClose

VIEW = "inventory.view_monthclose"
ADD = "inventory.add_monthclose"
REOPEN = "inventory.reopen_monthclose"
VIEW_STOCK = "inventory.view_stockbalance"
CLOSES = (gettext_lazy("Monthly close"), "inventory_close:list")


def register_menu() -> None:
    group = gettext_lazy("Inventory")
    menu.register(
        menu.MenuItem(
            key="inventory-closes",
            label=gettext_lazy("Monthly close"),
            url_name="inventory_close:list",
            icon="ti-calendar-check",
            order=560,
            group=group,
            permissions=(VIEW,),
        )
    )
    menu.register(
        menu.MenuItem(
            key="inventory-as-of",
            label=gettext_lazy("Stock as of a date"),
            url_name="inventory_close:as_of",
            icon="ti-history",
            order=562,
            group=group,
            permissions=(VIEW_STOCK,),
        )
    )


def _close_title(close: MonthClose) -> str:
    return _("%(warehouse)s %(month)s") % {"warehouse": close.warehouse.name, "month": f"{close.month:%Y-%m}"}


def _titled(context: dict[str, Any], title: str) -> dict[str, Any]:
    context["title"] = title
    context["breadcrumbs"][-1]["label"] = title
    return context


class CloseListView(ObjectListView):
    permissions = (VIEW,)
    title = gettext_lazy("Monthly close")
    selector = selectors.closes_for
    filterset_class = CloseFilterSet
    table_class = CloseTable
    export_basename = "monthly-closes"
    create_url_name = "inventory_close:create"
    create_permissions = (ADD,)
    create_label = gettext_lazy("Close a month")
    empty_text = gettext_lazy("No month has been closed yet.")


class CloseCreateView(ObjectCreateView):
    permissions = (VIEW, ADD)
    title = gettext_lazy("Close a month")
    breadcrumbs = (CLOSES,)
    form_class = CloseMonthForm
    submit_label = gettext_lazy("Close the month")
    success_message = gettext_lazy(
        "The month was closed: nothing can be posted dated in it any more unless it is reopened."
    )

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": self.request.user}

    def perform(self, form: forms.Form) -> MonthClose:
        return services.close_month(
            actor=self.request.user,  # type: ignore[arg-type]
            warehouse=form.cleaned_data["warehouse"],
            month=form.cleaned_data["month"],
        )

    def success_url(self, result: MonthClose) -> str:
        return reverse("inventory_close:detail", args=[result.pk])


class CloseDetailView(ObjectDetailView):
    permissions = (VIEW,)
    breadcrumbs = (CLOSES,)
    getter = selectors.close_get_for
    template_name = "inventory/close_detail.html"

    def object_title(self, obj: Model) -> str:
        return _close_title(obj)  # type: ignore[arg-type]

    def extra_context(self, obj: Model) -> dict[str, Any]:
        close: MonthClose = obj  # type: ignore[assignment]
        lines = list(selectors.close_lines(close))
        can_reopen = self.request.user.has_perm(REOPEN) and selectors.close_is_latest(close)
        return {
            "lines": lines,
            "total_value": close.closing_value,
            "reopen_url": reverse("inventory_close:reopen", args=[close.pk]) if can_reopen else None,
        }


class CloseReopenView(ObjectEditView):
    permissions = (VIEW, REOPEN)
    title = gettext_lazy("Reopen a month")
    breadcrumbs = (CLOSES,)
    getter = selectors.close_get_for
    form_class = ReopenForm
    submit_label = gettext_lazy("Reopen the month")
    success_message = gettext_lazy("The month was reopened: postings dated in it are accepted again.")

    def initial(self, obj: Model) -> dict[str, Any]:
        return {}

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        close: MonthClose = self.get_object()  # type: ignore[assignment]
        return _titled(context, _("Reopen %(close)s") % {"close": _close_title(close)})

    def perform(self, form: forms.Form) -> MonthClose:
        return services.reopen_month(
            actor=self.request.user,  # type: ignore[arg-type]
            close=self.get_object().pk,
            reason=form.cleaned_data["reason"],
        )

    def success_url(self, result: MonthClose) -> str:
        return reverse("inventory_close:detail", args=[result.pk])


class BalancesAsOfView(PermissionRequiredView):
    """Pick a warehouse and a moment: its stock then, valued at lot cost (last close + moves)."""

    permissions = (VIEW_STOCK,)
    title = gettext_lazy("Stock as of a date")
    template_name = "inventory/close_balances.html"
    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        bound = bool(request.GET.get("warehouse") or request.GET.get("at"))
        form = AsOfForm(request.GET if bound else None, actor=request.user)
        result = None
        if bound and form.is_valid():
            try:
                result = selectors.balances_as_of(
                    request.user,  # type: ignore[arg-type]
                    warehouse_id=form.cleaned_data["warehouse"].pk,
                    at=form.cleaned_data["at"],
                )
            except errors.NotFound as exc:
                raise Http404(exc.message) from exc
            export = request.GET.get("export")
            if export:
                if export not in FORMATS:
                    raise Http404
                return export_table(AsOfTable, result.rows[:MAX_ROWS], export, "stock-as-of")
        page = None
        if result is not None:
            page = Paginator(result.rows, PER_PAGE_CHOICES[-1]).get_page(request.GET.get("page"))
        query = request.GET.copy()
        for key in ("page", "export"):
            query.pop(key, None)
        context = self.base_context(
            form=form,
            result=result,
            page=page,
            table=AsOfTable(page.object_list if page is not None else [], sort=""),
            query=query.urlencode(),
            export_formats=FORMATS,
        )
        return render(
            request, self.template_name, context, status=200 if not bound or form.is_valid() else 422
        )
