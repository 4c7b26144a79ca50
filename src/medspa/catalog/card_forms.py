"""Forms of the card type editor: the card itself, and its repeating project and category discount
rows. They only shape the input; :mod:`medspa.catalog.card_services` decides what is allowed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from medspa.accounts.models import User
from medspa.catalog import card_selectors as selectors
from medspa.catalog.choices import CardKind, ValidityMode

Choices = list[tuple[Any, str]]


def project_choices(actor: User, include: Iterable[int] = ()) -> Choices:
    """(id, "P003 水光针") of the projects a card may be given, evaluated once for every row."""
    rows = selectors.project_choices_for(actor, include).values_list("pk", "code", "name")
    return [("", "---------")] + [(pk, f"{code} {name}") for pk, code, name in rows]


def category_choices(actor: User, include: Iterable[int] = ()) -> Choices:
    """(id, "SKIN 皮肤管理") of the categories a stored-value card may discount."""
    rows = selectors.category_choices_for(actor, include).values_list("pk", "code", "name")
    return [("", "---------")] + [(pk, f"{code} {name}") for pk, code, name in rows]


def _id_field(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, coerce=int, empty_value=None, required=False)


def _number_input(**attrs: Any) -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "numeric", "step": "1", **attrs})


def _money_input() -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class CardTypeForm(forms.Form):
    """The card type's own fields. ``session_project`` is the one project of a session card."""

    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=CardKind.choices)
    price = forms.CharField(label=_("Price"), max_length=32, widget=_money_input())
    session_project = _id_field(_("Project"))
    total_sessions = forms.IntegerField(label=_("Sessions in total"), required=False, widget=_number_input())
    bonus_amount = forms.CharField(
        label=_("Bonus"),
        max_length=32,
        required=False,
        widget=_money_input(),
        help_text=_("Credited apart from the price (the principal); forfeited on a refund."),
    )
    validity_mode = forms.ChoiceField(label=_("Validity"), choices=ValidityMode.choices)
    validity_days = forms.IntegerField(
        label=_("Valid for (days)"),
        required=False,
        widget=_number_input(),
        help_text=_("The purchase day is day 1."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    is_transferable = forms.BooleanField(label=_("Transferable"), required=False)
    is_shareable = forms.BooleanField(label=_("Shareable with family members"), required=False)
    max_shared_members = forms.IntegerField(
        label=_("Family members at most"),
        required=False,
        widget=_number_input(),
        help_text=_("Their names are recorded when the card is sold."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, projects: Choices, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session_project"].choices = projects  # type: ignore[attr-defined]
        if not editing:
            del self.fields["is_active"]


class CardItemForm(forms.Form):
    """One project row of a combination or N-choose-M card: its sessions or its cap."""

    project = _id_field(_("Project"))
    sessions = forms.IntegerField(label=_("Sessions"), required=False, widget=_number_input(min="1"))

    def __init__(self, *args: Any, projects: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = projects  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        """Nothing chosen or typed: the row is left out."""
        return self.cleaned_data.get("project") is None and self.cleaned_data.get("sessions") is None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("project") is None and data.get("sessions") is not None and "project" not in self.errors:
            self.add_error("project", _("Choose the project."))
        return data


class CardDiscountForm(forms.Form):
    """One category discount row of a stored-value card."""

    category = _id_field(_("Category"))
    discount_percent = forms.CharField(
        label=_("Pays %"),
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, categories: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = categories  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        return (
            self.cleaned_data.get("category") is None
            and not (self.cleaned_data.get("discount_percent") or "").strip()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        percent = (data.get("discount_percent") or "").strip()
        if data.get("category") is None and percent and "category" not in self.errors:
            self.add_error("category", _("Choose the category."))
        return data
