"""Pages of the stock queries (INV-03, INV-09, INV-10): 库存查询 with its three views (by item,
warehouse, lot) and the 库存不足 / 库存积压 / 近效期 / 已过期 tabs, 出入库流水 (movement history),
a lot's page ("where did lot X go"), and the stock alerts with "mark read". Declarations on the
generic list view; the menu items are registered by :func:`register_menu`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from medspa.core import errors, menu
from medspa.core.views.generic import ObjectDetailView, ObjectListView, PermissionRequiredView
from medspa.inventory import stock_selectors as selectors
from medspa.inventory import stock_services as services
from medspa.inventory.models import Lot
from medspa.inventory.stock_filtersets import (
    VIEW_CHOICES,
    AlertFilterSet,
    LevelFilterSet,
    MoveFilterSet,
    NearExpiryFilterSet,
    StockFilterSet,
    StockViewFilterSet,
)
from medspa.inventory.stock_forms import AlertReadForm
from medspa.inventory.stock_tables import (
    AlertTable,
    ExpiredTable,
    ItemStockTable,
    LotStockTable,
    MoveTable,
    NearExpiryTable,
    OverstockTable,
    ShortageTable,
    StockTable,
    WarehouseStockTable,
    quantity_text,
)

VIEW_STOCK = "inventory.view_stockbalance"
VIEW_MOVES = "inventory.view_stockmove"
VIEW_LOTS = "inventory.view_lot"
VIEW_ALERTS = "inventory.view_stockalert"
CHANGE_ALERTS = "inventory.change_stockalert"

STOCK = (gettext_lazy("Stock query"), "inventory_stock:stock")
MOVES = (gettext_lazy("Stock moves"), "inventory_stock:moves")
ALERTS = (gettext_lazy("Stock alerts"), "inventory_stock:alerts")

STOCK_TABLES: dict[str, type[StockTable]] = {
    "item": ItemStockTable,
    "warehouse": WarehouseStockTable,
    "lot": LotStockTable,
}
# The tabs of the stock page: (key, label, URL name)
TABS: tuple[tuple[str, Promise, str], ...] = (
    ("stock", gettext_lazy("On hand"), "inventory_stock:stock"),
    ("shortages", gettext_lazy("Below minimum"), "inventory_stock:shortages"),
    ("overstocks", gettext_lazy("Above maximum"), "inventory_stock:overstocks"),
    ("near_expiry", gettext_lazy("Near expiry"), "inventory_stock:near_expiry"),
    ("expired", gettext_lazy("Expired"), "inventory_stock:expired"),
)


def register_menu() -> None:
    """The inventory group: stock query (500), movement history (502), expiry (504), alerts (506)."""
    group = gettext_lazy("Inventory")
    items = (
        (
            "inventory-stock",
            gettext_lazy("Stock query"),
            "inventory_stock:stock",
            "ti-packages",
            500,
            VIEW_STOCK,
        ),
        (
            "inventory-moves",
            gettext_lazy("Stock moves"),
            "inventory_stock:moves",
            "ti-arrows-exchange",
            502,
            VIEW_MOVES,
        ),
        (
            "inventory-expiry",
            gettext_lazy("Expiry"),
            "inventory_stock:near_expiry",
            "ti-calendar-exclamation",
            504,
            VIEW_STOCK,
        ),
        (
            "inventory-alerts",
            gettext_lazy("Stock alerts"),
            "inventory_stock:alerts",
            "ti-bell",
            506,
            VIEW_ALERTS,
        ),
    )
    for key, label, url_name, icon, order, permission in items:
        menu.register(
            menu.MenuItem(
                key=key,
                label=label,
                url_name=url_name,
                icon=icon,
                order=order,
                group=group,
                permissions=(permission,),
            )
        )


class StockListView(ObjectListView):
    """A stock list: tabs, filter bar (hidden filters from links kept), table with a totals row,
    pagination and export (``inventory/stock_list.html``)."""

    template_name = "inventory/stock_list.html"
    tab: ClassVar[str | None] = None
    show_totals: ClassVar[bool] = False

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        if self.tab is not None:
            query = self._carried_query()
            context["tabs"] = [
                {"key": key, "label": label, "url": reverse(name) + query, "active": key == self.tab}
                for key, label, name in TABS
            ]
        filterset = extra.get("filterset")
        if filterset is not None:
            form = filterset.form
            context["visible_fields"] = [field for field in form if not field.is_hidden]
            context["hidden_fields"] = [field for field in form if field.is_hidden]
            context["hidden_errors"] = [
                f"{field.label}: {error}" for field in form if field.is_hidden for error in field.errors
            ] + list(form.non_field_errors())
        paginator = extra.get("paginator")
        if self.show_totals and paginator is not None and "table" in extra:
            totals = selectors.stock_totals(paginator.object_list)
            context["totals"] = totals
            context["footer"] = extra["table"].footer(totals)
            context["total_quantity"] = quantity_text(totals.quantity)
        return context

    def _carried_query(self) -> str:
        """The filters that make sense on every tab (warehouse, category, search, item)."""
        keep = {
            key: value
            for key in ("warehouse", "category", "q", "item")
            if (value := self.request.GET.get(key, "").strip())
        }
        return f"?{urlencode(keep)}" if keep else ""


# --- the stock page and its tabs ------------------------------------------------------------------


class StockView(StockListView):
    """库存查询: on hand by item, by warehouse and item, or by lot, with quantity and value."""

    permissions = (VIEW_STOCK,)
    title = gettext_lazy("Stock query")
    filterset_class = StockViewFilterSet
    table_class = ItemStockTable
    tab = "stock"
    show_totals = True
    export_basename = "stock"
    empty_text = gettext_lazy("No stock matches.")

    def get_queryset(self) -> QuerySet[Any]:
        view = self.request.GET.get("view") or "item"
        if view not in STOCK_TABLES:
            view = "item"  # the filter bar reports the bad value and lists nothing
        self.view = view
        self.table_class = STOCK_TABLES[view]  # type: ignore[misc,assignment]  # this request's view
        return selectors.on_hand(self.request.user, group_by=view)  # type: ignore[arg-type]

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        context["views"] = [
            {
                "key": key,
                "label": label,
                "url": self._view_url(key),
                "active": key == getattr(self, "view", "item"),
            }
            for key, label in VIEW_CHOICES
        ]
        return context

    def _view_url(self, view: str) -> str:
        query = self.request.GET.copy()
        for key in ("page", "export", "sort"):
            query.pop(key, None)
        query["view"] = view
        return f"?{query.urlencode()}"


class ShortageView(StockListView):
    """库存不足: item × warehouse levels with less on hand than the minimum."""

    permissions = (VIEW_STOCK,)
    title = gettext_lazy("Below minimum")
    breadcrumbs = (STOCK,)
    selector = selectors.shortages
    filterset_class = LevelFilterSet
    table_class = ShortageTable
    tab = "shortages"
    export_basename = "stock-shortages"
    empty_text = gettext_lazy("No item is below its minimum.")


class OverstockView(StockListView):
    """库存积压: item × warehouse levels with more on hand than the maximum."""

    permissions = (VIEW_STOCK,)
    title = gettext_lazy("Above maximum")
    breadcrumbs = (STOCK,)
    selector = selectors.overstocks
    filterset_class = LevelFilterSet
    table_class = OverstockTable
    tab = "overstocks"
    export_basename = "stock-overstocks"
    empty_text = gettext_lazy("No item is above its maximum.")


class NearExpiryView(StockListView):
    """近效期: stock whose lot expires within the parameter's days (or the days typed)."""

    permissions = (VIEW_STOCK,)
    title = gettext_lazy("Near expiry")
    breadcrumbs = (STOCK,)
    filterset_class = NearExpiryFilterSet
    table_class = NearExpiryTable
    tab = "near_expiry"
    show_totals = True
    export_basename = "stock-near-expiry"
    empty_text = gettext_lazy("No stock expires within this period.")

    def get_queryset(self) -> QuerySet[Any]:
        raw = self.request.GET.get("days", "").strip()
        days = int(raw) if raw.isdigit() and int(raw) <= 3650 else None  # else the filter bar complains
        self.days = days if days is not None else selectors.near_expiry_days(self.request.user)
        return selectors.near_expiry(self.request.user, self.days)

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        context["subtitle"] = ngettext(
            "Lots expiring within %(days)s day from today.",
            "Lots expiring within %(days)s days from today.",
            self.days,
        ) % {"days": self.days}
        return context


class ExpiredView(StockListView):
    """已过期: stock whose lot expired before today."""

    permissions = (VIEW_STOCK,)
    title = gettext_lazy("Expired stock")
    breadcrumbs = (STOCK,)
    selector = selectors.expired
    filterset_class = StockFilterSet
    table_class = ExpiredTable
    tab = "expired"
    show_totals = True
    export_basename = "stock-expired"
    empty_text = gettext_lazy("No expired stock.")


# --- movement history and lots --------------------------------------------------------------------


class MoveListView(StockListView):
    """出入库流水: every ledger entry in scope, newest first."""

    permissions = (VIEW_MOVES,)
    title = gettext_lazy("Stock moves")
    selector = selectors.moves_for
    filterset_class = MoveFilterSet
    table_class = MoveTable
    export_basename = "stock-moves"
    empty_text = gettext_lazy("No stock moves match.")


class LotDetailView(ObjectDetailView):
    """One lot: batch no, item, expiry, cost, where it is now and all its moves."""

    permissions = (VIEW_LOTS,)
    title = gettext_lazy("Lot")
    breadcrumbs = (STOCK,)
    getter = selectors.lot_get_for
    template_name = "inventory/stock_lot_detail.html"
    MAX_MOVES: ClassVar[int] = 200

    def object_title(self, obj: Model) -> str:
        lot: Lot = obj  # type: ignore[assignment]
        return _("Lot %(batch)s of %(item)s") % {"batch": lot.batch_no or "—", "item": lot.item.name}

    def extra_context(self, obj: Model) -> dict[str, Any]:
        lot: Lot = obj  # type: ignore[assignment]
        user = self.request.user
        context: dict[str, Any] = {
            "facts": [
                (_("Item"), f"{lot.item.code} {lot.item}"),
                (_("Batch no"), lot.batch_no or "—"),
                (_("Production date"), f"{lot.production_date:%Y-%m-%d}" if lot.production_date else "—"),
                (_("Expiry date"), f"{lot.expiry_date:%Y-%m-%d}" if lot.expiry_date else "—"),
                (_("Unit cost"), f"¥{lot.unit_cost:,.4f}"),
                (_("Supplier"), lot.supplier or "—"),
                (_("On hand"), f"{quantity_text(lot.on_hand)} {lot.item.base_unit}"),  # type: ignore[attr-defined]
            ],
            "value": lot.value,  # type: ignore[attr-defined]
        }
        if user.has_perm(VIEW_STOCK):
            context["locations"] = _with_quantity_text(selectors.balances_for(user, lot_id=lot.pk))
        if user.has_perm(VIEW_MOVES):
            moves = _with_quantity_text(selectors.moves_for(user, lot_id=lot.pk)[: self.MAX_MOVES + 1])
            context["more_moves"] = len(moves) > self.MAX_MOVES
            context["moves"] = moves[: self.MAX_MOVES]
            context["moves_url"] = f"{reverse('inventory_stock:moves')}?{urlencode({'lot': lot.pk})}"
        return context


def _with_quantity_text(rows: Iterable[Any]) -> list[Any]:
    """The rows, each with ``quantity_text`` for the template (``12.5``, not ``12.500``)."""
    result = list(rows)
    for row in result:
        row.quantity_text = quantity_text(row.quantity)
    return result


# --- alerts ---------------------------------------------------------------------------------------


class AlertListView(StockListView):
    """提醒: the stock alerts of the actor's warehouses (unread first by default), with "mark read"
    for the ticked ones."""

    permissions = (VIEW_ALERTS,)
    title = gettext_lazy("Stock alerts")
    selector = selectors.alerts_for
    filterset_class = AlertFilterSet
    table_class = AlertTable
    export_basename = "stock-alerts"
    empty_text = gettext_lazy("No alerts.")

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        if self.request.user.has_perm(CHANGE_ALERTS):
            context["mark_read"] = {"url": reverse("inventory_stock:alert_read"), "label": _("Mark as read")}
        return context


class AlertReadView(PermissionRequiredView):
    """POST the ticked alert ids (``id``): they are marked read; back to the list."""

    permissions = (VIEW_ALERTS, CHANGE_ALERTS)
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AlertReadForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for e in form.errors.get("id", [])))
        else:
            try:
                count = services.alert_mark_read(actor=request.user, alert_ids=form.cleaned_data["id"])
            except errors.PermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from exc
            except errors.DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    ngettext("%(count)s alert marked as read.", "%(count)s alerts marked as read.", count)
                    % {"count": count},
                )
        query = QueryDict(request.POST.get("query", "")).urlencode()  # re-encoded: only a query string
        url = reverse("inventory_stock:alerts")
        return HttpResponseRedirect(f"{url}?{query}" if query else url)


__all__ = [
    "AlertListView",
    "AlertReadView",
    "ExpiredView",
    "LotDetailView",
    "MoveListView",
    "NearExpiryView",
    "OverstockView",
    "ShortageView",
    "StockView",
    "register_menu",
]
