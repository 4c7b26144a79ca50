"""FilterSets of the stock document lists and the inbound / outbound queries; each serves a list
page's filter bar and the matching API list. The filtering itself is
:func:`medspa.inventory.document_selectors.filter_documents`."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from medspa.accounts.scope import scope_queryset
from medspa.inventory import document_selectors as selectors
from medspa.inventory.choices import DocumentStatus, DocumentType
from medspa.inventory.models import Company, StockDocument, Warehouse

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _warehouses(request: Any) -> QuerySet[Warehouse]:
    """Every warehouse the actor sees (inactive ones too: old documents name them)."""
    if request is None:
        return Warehouse.objects.none()
    queryset = scope_queryset(Warehouse.objects.all(), request.user, branch="branch", department="department")
    return queryset.order_by("-is_active", "branch_id", "code")


def _suppliers(request: Any) -> QuerySet[Company]:
    if request is None:
        return Company.objects.none()
    queryset = scope_queryset(
        Company.objects.filter(is_supplier=True), request.user, branch=None, organisation="organisation"
    )
    return queryset.order_by("-is_active", "code")


class WarehouseFilterField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class WarehouseFilter(django_filters.ModelChoiceFilter):
    field_class = WarehouseFilterField


class DocumentFilterSet(django_filters.FilterSet):
    """Number, warehouse (source or target), status, document date range and item."""

    number = django_filters.CharFilter(label=_("Document no"), method="filter_number")
    warehouse = WarehouseFilter(
        label=_("Warehouse"), queryset=_warehouses, method="filter_warehouse", empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=DocumentStatus.choices, method="filter_status", empty_label=_("All")
    )
    date_from = django_filters.DateFilter(label=_("From"), method="filter_from", widget=DATE_INPUT)
    date_to = django_filters.DateFilter(label=_("To"), method="filter_to", widget=DATE_INPUT)
    item = django_filters.CharFilter(label=_("Item"), method="filter_item")

    class Meta:
        model = StockDocument
        fields = ["number", "warehouse", "status", "date_from", "date_to", "item"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The filter bar shows the filters in ``Meta.fields`` order.
        self.filters = {name: self.filters[name] for name in self._meta.fields}  # type: ignore[has-type]

    def filter_number(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return selectors.filter_documents(queryset, number=value)

    def filter_warehouse(self, queryset: QuerySet[Any], name: str, value: Warehouse) -> QuerySet[Any]:
        return selectors.filter_documents(queryset, warehouse_id=value.pk)

    def filter_status(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return selectors.filter_documents(queryset, status=value)

    def filter_from(self, queryset: QuerySet[Any], name: str, value: datetime.date) -> QuerySet[Any]:
        return selectors.filter_documents(queryset, date_from=value)

    def filter_to(self, queryset: QuerySet[Any], name: str, value: datetime.date) -> QuerySet[Any]:
        return selectors.filter_documents(queryset, date_to=value)

    def filter_item(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return selectors.filter_documents(queryset, item=value)


class SupplierFilterMixin(django_filters.FilterSet):
    supplier = django_filters.ModelChoiceFilter(
        label=_("Supplier"), queryset=_suppliers, method="filter_supplier", empty_label=_("All")
    )

    def filter_supplier(self, queryset: QuerySet[Any], name: str, value: Company) -> QuerySet[Any]:
        return selectors.filter_documents(queryset, supplier_id=value.pk)


class ReceiptFilterSet(DocumentFilterSet, SupplierFilterMixin):
    """Purchase receipts: the document filters plus the supplier."""

    class Meta(DocumentFilterSet.Meta):
        fields = ["number", "warehouse", "supplier", "status", "date_from", "date_to", "item"]


class InboundQueryFilterSet(DocumentFilterSet, SupplierFilterMixin):
    """入库单查询 (and GET /inventory/receipts): the type, then the receipt filters."""

    type = django_filters.ChoiceFilter(
        label=_("Document type"),
        choices=[(t, DocumentType(t).label) for t in selectors.INBOUND_TYPES],
        method="filter_type",
        empty_label=_("All"),
    )

    class Meta(DocumentFilterSet.Meta):
        fields = ["type", "number", "warehouse", "supplier", "status", "date_from", "date_to", "item"]

    def filter_type(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return selectors.filter_documents(queryset, doc_type=value)


class OutboundQueryFilterSet(DocumentFilterSet):
    """出库单查询: issues and transfers."""

    type = django_filters.ChoiceFilter(
        label=_("Document type"),
        choices=[(t, DocumentType(t).label) for t in selectors.OUTBOUND_TYPES],
        method="filter_type",
        empty_label=_("All"),
    )

    class Meta(DocumentFilterSet.Meta):
        fields = ["type", "number", "warehouse", "status", "date_from", "date_to", "item"]

    def filter_type(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return selectors.filter_documents(queryset, doc_type=value)
