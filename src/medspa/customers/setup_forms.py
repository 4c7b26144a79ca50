"""Input shapes of the CRM setup pages (custom fields, member levels) and the FilterSets their
lists and the API share. The services decide what is acceptable."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from medspa.customers.choices import FieldType
from medspa.customers.models import CustomField, MemberLevel

ORDER_HELP = _("Smaller comes first; leave empty to put it last.")
ACTIVE_CHOICES = [("true", _("Active")), ("false", _("Inactive"))]


# --- filters ---------------------------------------------------------------------------------------


class _ActiveFilterSet(django_filters.FilterSet):
    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(label=_("Search"), method="search")
    is_active = django_filters.ChoiceFilter(
        label=_("State"), choices=ACTIVE_CHOICES, method="filter_active", empty_label=_("All")
    )

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)

    def filter_active(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value in ("true", "false"):
            return queryset.filter(is_active=value == "true")
        return queryset


class CustomFieldFilterSet(_ActiveFilterSet):
    search_fields = ("key", "label")
    type = django_filters.ChoiceFilter(label=_("Type"), choices=FieldType.choices, empty_label=_("All"))

    class Meta:
        model = CustomField
        fields: list[str] = []


class MemberLevelFilterSet(_ActiveFilterSet):
    search_fields = ("name",)

    class Meta:
        model = MemberLevel
        fields: list[str] = []


# --- forms -----------------------------------------------------------------------------------------


class CustomFieldForm(forms.Form):
    """One custom-field definition. The key is shown but fixed when editing; the roles field is
    left out for an actor who may not see roles (the service then keeps them)."""

    key = forms.CharField(
        label=_("Key"),
        max_length=32,
        help_text=_(
            "Lower-case letters, digits and underscores, starting with a letter, e.g. skin_type. "
            "It cannot be changed later."
        ),
    )
    label = forms.CharField(label=_("Label"), max_length=50)
    type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices)
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Single and multiple choice only: one option per line."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    show_in_list = forms.BooleanField(
        label=_("Shown in list"),
        required=False,
        help_text=_("Show the field as a column of the customer list."),
    )
    editable_by = forms.TypedMultipleChoiceField(
        label=_("Roles that may edit"),
        coerce=int,
        required=False,
        help_text=_("Leave empty to let every role that may change customers edit it."),
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, required=False, help_text=ORDER_HELP)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(
        self, *args: Any, role_choices: list[tuple[int, str]], editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if role_choices:
            self.fields["editable_by"].choices = role_choices  # type: ignore[attr-defined]
        else:
            del self.fields["editable_by"]
        if editing:
            self.fields["key"].disabled = True
            self.fields["key"].help_text = _("The key cannot be changed.")
        else:
            del self.fields["is_active"]

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class MemberLevelForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    discount_percent = forms.DecimalField(
        label=_("Discount (%)"),
        initial=100,
        help_text=_("What a member pays of the list price: 95 means 95% (95折); 100 means no discount."),
    )
    points_multiplier = forms.DecimalField(
        label=_("Points multiplier"), initial=1, help_text=_("Points earned per yuan spent, e.g. 1.5.")
    )
    upgrade_amount = forms.CharField(
        label=_("Upgrade at spending"),
        initial="0.00",
        help_text=_("A customer who spends at least this much within the window reaches this level."),
    )
    downgrade_amount = forms.CharField(
        label=_("Downgrade below spending"),
        initial="0.00",
        help_text=_("A member who spends less than this within the window loses this level."),
    )
    window_days = forms.IntegerField(label=_("Spending window (days)"), initial=365)
    order = forms.IntegerField(label=_("Order"), min_value=0, required=False, help_text=ORDER_HELP)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]
