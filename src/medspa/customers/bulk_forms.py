"""Forms of the bulk pages (CRM-08); the choices are the actor's organisation's."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from medspa.configuration.choices import DictionaryKind
from medspa.configuration.selectors import dictionary_choices
from medspa.customers.custom_fields import active_fields
from medspa.organization.models import Staff

Choices = list[tuple[Any, Any]]


class BulkChangeForm(forms.Form):
    ids = forms.CharField(widget=forms.HiddenInput)
    change_consultant = forms.BooleanField(label=_("Change the consultant"), required=False)
    consultant = forms.TypedChoiceField(label=_("Consultant"), coerce=int, required=False, empty_value=None)
    change_source = forms.BooleanField(label=_("Change the source channel"), required=False)
    source_channel = forms.TypedChoiceField(
        label=_("Source channel"), coerce=int, required=False, empty_value=None
    )
    add_tags = forms.TypedMultipleChoiceField(label=_("Add tags"), coerce=int, required=False)
    remove_tags = forms.TypedMultipleChoiceField(label=_("Remove tags"), coerce=int, required=False)
    custom_key = forms.ChoiceField(label=_("Custom field"), required=False)
    custom_value = forms.CharField(
        label=_("New value"),
        required=False,
        max_length=500,
        help_text=_("Empty clears the field; several options separated by commas."),
    )

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = Staff.objects.filter(organisation_id=organisation_id, is_active=True).order_by("employee_no")
        none: Choices = [("", _("(none)"))]
        self._choices("consultant", none + [(s.pk, f"{s.name}（{s.employee_no}）") for s in staff])
        self._choices(
            "source_channel", none + list(dictionary_choices(organisation_id, DictionaryKind.CHANNEL))
        )
        tags = list(dictionary_choices(organisation_id, DictionaryKind.TAG))
        self._choices("add_tags", tags)
        self._choices("remove_tags", tags)
        self.custom_fields = {f.key: f for f in active_fields(organisation_id)}
        self._choices("custom_key", [("", "—"), *((f.key, f.label) for f in self.custom_fields.values())])

    def _choices(self, name: str, choices: Choices) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices

    def clean_ids(self) -> list[int]:
        raw = self.cleaned_data["ids"]
        try:
            return [int(part) for part in raw.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("The selection is not valid.")) from None

    def custom_value_for_service(self) -> dict[str, Any]:
        key = self.cleaned_data.get("custom_key")
        if not key:
            return {}
        value: Any = self.cleaned_data.get("custom_value", "")
        if self.custom_fields[key].type == "multi":
            value = [part.strip() for part in value.split(",") if part.strip()]
        return {key: value}


class MergeForm(forms.Form):
    keep = forms.IntegerField(widget=forms.HiddenInput)
    duplicate = forms.IntegerField(widget=forms.HiddenInput)
