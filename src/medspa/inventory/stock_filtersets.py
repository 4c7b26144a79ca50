"""FilterSets of the stock pages; each serves a page's filter bar and the matching API endpoint's
query parameters. The filtering itself is the selectors' (``filter_balances``, ``filter_levels``,
``filter_moves``), so a page, the API and a direct selector call filter alike."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from medspa.inventory import stock_selectors as selectors
from medspa.inventory.choices import AlertKind, MoveType
from medspa.inventory.models import ItemCategory, StockAlert, StockBalance, StockLevel, StockMove, Warehouse
from medspa.inventory.stock_forms import CategoryChoiceField, DateRangeForm, IdField

VIEW_CHOICES = [("item", _("By item")), ("warehouse", _("By warehouse")), ("lot", _("By lot"))]
OWNER_CHOICES = [("own", _("Own stock")), ("consignment", _("Consignment stock"))]
DIRECTION_CHOICES = [("in", _("Inbound")), ("out", _("Outbound"))]
STATUS_CHOICES = [("unread", _("Unread")), ("all", _("All")), ("read", _("Read"))]


def _warehouses(request: Any) -> QuerySet[Warehouse]:
    if request is None:
        return Warehouse.objects.none()
    return selectors.stock_warehouse_choices(request.user)


def _categories(request: Any) -> QuerySet[ItemCategory]:
    if request is None:
        return ItemCategory.objects.none()
    return selectors.stock_category_choices(request.user).select_related("parent__parent__parent")


def _search_widget(placeholder: Any) -> forms.TextInput:
    return forms.TextInput(attrs={"type": "search", "placeholder": placeholder})


class IdFilter(django_filters.Filter):
    """``?item=12`` from a link (hidden in the filter bar)."""

    field_class = IdField


class IntFilter(django_filters.Filter):
    field_class = forms.IntegerField


class CategoryFilter(django_filters.ModelChoiceFilter):
    field_class = CategoryChoiceField


def _pk(value: Any) -> int | None:
    return value.pk if value is not None else None


class StockFilterSet(django_filters.FilterSet):
    """The stock page and its API (``GET /inventory/balances``) and the expiry views."""

    warehouse = django_filters.ModelChoiceFilter(
        label=_("Warehouse"), queryset=_warehouses, empty_label=_("All")
    )
    category = CategoryFilter(label=_("Category"), queryset=_categories, empty_label=_("All"))
    q = django_filters.CharFilter(
        label=_("Search"), max_length=100, widget=_search_widget(_("Item code, name, pinyin or batch no"))
    )
    owner = django_filters.ChoiceFilter(label=_("Stock owner"), choices=OWNER_CHOICES, empty_label=_("All"))
    item = IdFilter(label=_("Item"))
    lot = IdFilter(label=_("Lot"))

    class Meta:
        model = StockBalance
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        data = self.form.cleaned_data
        return selectors.filter_balances(
            queryset,
            warehouse_id=_pk(data.get("warehouse")),
            category_id=_pk(data.get("category")),
            q=data.get("q") or None,
            owner=data.get("owner") or None,
            item_id=data.get("item"),
            lot_id=data.get("lot"),
        )


class StockViewFilterSet(StockFilterSet):
    """The stock page: the filters plus the view (by item, warehouse or lot) it shows."""

    view = django_filters.ChoiceFilter(
        label=_("View by"), choices=VIEW_CHOICES, empty_label=None, widget=forms.HiddenInput
    )


class NearExpiryFilterSet(StockFilterSet):
    """The near-expiry view: the stock filters plus the number of days to look ahead (empty: the
    parameter ``inventory.near_expiry_days``)."""

    days = IntFilter(
        label=_("Expiring within (days)"),
        min_value=0,
        max_value=3650,
        widget=forms.NumberInput(attrs={"min": 0, "max": 3650, "step": 1}),
    )


class LevelFilterSet(django_filters.FilterSet):
    """The shortage and overstock views and their API."""

    warehouse = django_filters.ModelChoiceFilter(
        label=_("Warehouse"), queryset=_warehouses, empty_label=_("All")
    )
    category = CategoryFilter(label=_("Category"), queryset=_categories, empty_label=_("All"))
    q = django_filters.CharFilter(
        label=_("Search"), max_length=100, widget=_search_widget(_("Item code, name or pinyin"))
    )
    item = IdFilter(label=_("Item"))

    class Meta:
        model = StockLevel
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        data = self.form.cleaned_data
        return selectors.filter_levels(
            queryset,
            warehouse_id=_pk(data.get("warehouse")),
            category_id=_pk(data.get("category")),
            q=data.get("q") or None,
            item_id=data.get("item"),
        )


class MoveFilterSet(django_filters.FilterSet):
    """The movement history (出入库流水) and ``GET /inventory/moves``."""

    date_from = django_filters.DateFilter(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    warehouse = django_filters.ModelChoiceFilter(
        label=_("Warehouse"), queryset=_warehouses, empty_label=_("All")
    )
    direction = django_filters.ChoiceFilter(
        label=_("Direction"), choices=DIRECTION_CHOICES, empty_label=_("All")
    )
    move_type = django_filters.ChoiceFilter(
        label=_("Move type"), choices=MoveType.choices, empty_label=_("All")
    )
    q = django_filters.CharFilter(
        label=_("Item"), max_length=100, widget=_search_widget(_("Item code, name or pinyin"))
    )
    batch_no = django_filters.CharFilter(label=_("Batch no"), max_length=40)
    document_number = django_filters.CharFilter(label=_("Document no"), max_length=32)
    item = IdFilter(label=_("Item"))
    lot = IdFilter(label=_("Lot"))

    class Meta:
        model = StockMove
        fields: list[str] = []
        form = DateRangeForm

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        data = self.form.cleaned_data
        return selectors.filter_moves(
            queryset,
            item_id=data.get("item"),
            lot_id=data.get("lot"),
            batch_no=data.get("batch_no") or None,
            warehouse_id=_pk(data.get("warehouse")),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            direction=data.get("direction") or None,
            move_type=data.get("move_type") or None,
            document_number=data.get("document_number") or None,
            q=data.get("q") or None,
        )


class AlertFilterSet(django_filters.FilterSet):
    """The alert list and ``GET /inventory/alerts``: unread alerts unless told otherwise."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=STATUS_CHOICES, empty_label=None)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=AlertKind.choices, empty_label=_("All"))

    class Meta:
        model = StockAlert
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        # Always bound: the page without parameters lists the unread alerts.
        super().__init__(data if data is not None else QueryDict(), *args, **kwargs)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        data = self.form.cleaned_data
        status = data.get("status") or "unread"
        if status != "all":
            queryset = queryset.filter(read_at__isnull=status == "unread")
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        return queryset
