"""Input shapes of the stocktake pages (INV-07) and the FilterSet their list and the API share.
The services decide what is acceptable."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from medspa.inventory import master_selectors
from medspa.inventory.choices import StocktakeStatus
from medspa.inventory.models import ItemCategory, Stocktake, Warehouse


def warehouse_choices(request: Any) -> QuerySet[Warehouse]:
    if request is None:
        return Warehouse.objects.none()
    return master_selectors.warehouses_for(request.user)


class WarehouseChoiceField(forms.ModelChoiceField):
    """Warehouses labelled ``code name``."""

    def label_from_instance(self, obj: Warehouse) -> str:
        return f"{obj.code} {obj.name}"


class CategoryChoiceField(forms.ModelChoiceField):
    """Categories labelled with their path (``药品 / 注射剂``)."""

    def label_from_instance(self, obj: ItemCategory) -> str:
        return master_selectors.category_path(obj)


class WarehouseChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = WarehouseChoiceField


class StocktakeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Document no"), field_name="number", lookup_expr="icontains")
    warehouse = WarehouseChoiceFilter(label=_("Warehouse"), queryset=warehouse_choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=StocktakeStatus.choices, empty_label=_("All")
    )

    class Meta:
        model = Stocktake
        fields: list[str] = []


class StocktakeStartForm(forms.Form):
    warehouse = WarehouseChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none())
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=ItemCategory.objects.none(),
        required=False,
        empty_label=_("All categories"),
        help_text=_("Count only the items of this category and the categories below it."),
    )
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = master_selectors.warehouses_for(actor).filter(  # type: ignore[attr-defined]
            is_active=True
        )
        self.fields["category"].queryset = master_selectors.categories_for(actor).filter(  # type: ignore[attr-defined]
            is_active=True
        )


class StocktakeScanForm(forms.Form):
    code = forms.CharField(label=_("Barcode"), max_length=200)
    quantity = forms.CharField(label=_("Times"), max_length=20, required=False, initial="1")

    def clean_quantity(self) -> str:
        return (self.cleaned_data.get("quantity") or "").strip() or "1"


class StocktakeSubmitForm(forms.Form):
    uncounted_as_zero = forms.BooleanField(label=_("Uncounted lines count as zero"), required=False)

    def __init__(self, *args: Any, uncounted: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if uncounted:
            self.fields["uncounted_as_zero"].help_text = _(
                "Tick this only if the uncounted positions were looked for and are not on the shelf: "
                "they are posted as losses."
            )
        else:
            del self.fields["uncounted_as_zero"]


class StocktakeApproveForm(forms.Form):
    posted_at = forms.DateTimeField(
        label=_("Posting time"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty to post now."),
    )
