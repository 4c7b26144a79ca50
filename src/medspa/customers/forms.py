"""Input shapes of the customer pages; the services decide what is acceptable (duplicates, the
birthday, the ID number's check digit, tag groups, custom field rules)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from medspa.configuration.choices import DictionaryKind
from medspa.configuration.selectors import dictionary_choices, dictionary_queryset
from medspa.customers import selectors
from medspa.customers.choices import FieldType, Gender
from medspa.customers.custom_fields import MAX_TEXT, active_fields, may_edit
from medspa.customers.id_numbers import mask_id_number
from medspa.customers.models import Customer, CustomField

MAX_ID = 9_223_372_036_854_775_807  # a 64-bit primary key
CUSTOM_PREFIX = "custom."
DICTIONARY_FIELDS = {
    "source_channel": DictionaryKind.CHANNEL,
    "info_source": DictionaryKind.INFO_SOURCE,
    "region": DictionaryKind.REGION,
}
STAFF_FIELDS = ("consultant", "doctor", "referrer_staff")


def _id_choice(label: Any, **kwargs: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, coerce=int, empty_value=None, required=False, **kwargs)


def tag_choices(organisation_id: int | None, keep: Iterable[Any] = ()) -> list[tuple[Any, Any]]:
    """Active tags grouped by tag group (``<optgroup>``), plus the tags in ``keep`` (held now)."""
    if organisation_id is None:
        return []
    kept = {t.pk: t for t in keep}
    groups: dict[str, list[tuple[int, str]]] = {}
    ungrouped: list[tuple[int, str]] = []
    for tag in dictionary_queryset(organisation_id, DictionaryKind.TAG):
        kept.pop(tag.pk, None)
        target = groups.setdefault(tag.parent.name, []) if tag.parent is not None else ungrouped
        target.append((tag.pk, tag.name))
    for tag in kept.values():  # a deactivated tag the customer still carries
        target = groups.setdefault(tag.parent.name, []) if tag.parent is not None else ungrouped
        target.append((tag.pk, tag.name))
    choices: list[tuple[Any, Any]] = list(groups.items())
    if ungrouped:
        choices.append((_("Other tags"), ungrouped))
    return choices


def _tags_field() -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label=_("Tags"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8, "data-tom-select": ""}),
        help_text=_("A single-choice tag group allows one tag."),
    )


class TagsForm(forms.Form):
    """The tags of one customer (the archive's tags section)."""

    tags = _tags_field()

    def __init__(self, *args: Any, actor: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        held = list(customer.tags.all())
        self.fields["tags"].choices = tag_choices(actor.organisation_id, held)  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("tags", [t.pk for t in held])


class CustomerForm(forms.Form):
    """The profile (CRM-01) and the clinic's custom fields (CRM-02, one form field per field,
    named ``custom.<key>`` like the services' error fields)."""

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.UNKNOWN)
    birthday = forms.DateField(
        label=_("Birthday"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        required=False,
        help_text=_("Mobile (11 digits) or landline such as 010-12345678."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    wechat_id = forms.CharField(label=_("WeChat id"), max_length=50, required=False)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("18-digit resident ID number; stored encrypted."),
    )
    clear_id_number = forms.BooleanField(label=_("Clear the stored ID number"), required=False)
    card_no = forms.CharField(label=_("Card no"), max_length=32, required=False)
    source_channel = _id_choice(_("Source channel"))
    info_source = _id_choice(_("Information source"))
    region = _id_choice(_("Region"))
    referrer_customer = forms.IntegerField(
        label=_("Referred by customer"),
        required=False,
        min_value=1,
        max_value=MAX_ID,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("The referrer's customer no; search by name or phone below."),
    )
    referrer_staff = _id_choice(_("Referred by staff"))
    consultant = _id_choice(
        _("Consultant"), help_text=_("The owner; empty: you, when you are a staff member.")
    )
    doctor = _id_choice(_("Doctor"))
    intention = forms.CharField(label=_("Intended projects"), max_length=200, required=False)
    remarks = forms.CharField(
        label=_("Remarks"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    tags = _tags_field()

    def __init__(self, *args: Any, actor: Any, customer: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.customer = customer
        org = actor.organisation_id
        for name, kind in DICTIONARY_FIELDS.items():
            choices = dictionary_choices(org, kind) if org is not None else []
            current = getattr(customer, name, None) if customer is not None else None
            if current is not None and current.pk not in {pk for pk, _label in choices}:
                choices.append((current.pk, current.name))  # deactivated since: keep it choosable
            self.fields[name].choices = [("", "—"), *choices]  # type: ignore[attr-defined]
        staff = [(s.pk, str(s)) for s in selectors.customer_staff_choices(actor)]
        for name in STAFF_FIELDS:
            choices = list(staff)
            current = getattr(customer, name, None) if customer is not None else None
            if current is not None and current.pk not in {pk for pk, _label in choices}:
                choices.append((current.pk, str(current)))
            self.fields[name].choices = [("", "—"), *choices]  # type: ignore[attr-defined]
        held = list(customer.tags.all()) if customer is not None else []
        self.fields["tags"].choices = tag_choices(org, held)  # type: ignore[attr-defined]
        if customer is None:
            del self.fields["clear_id_number"]
        else:
            self.fields["id_number"].help_text = _(
                "Stored: %(masked)s. Leave empty to keep it; it is never shown here."
            ) % {"masked": mask_id_number(customer.id_number_tail) or "—"}
        self.custom_fields: list[CustomField] = active_fields(org) if org is not None else []
        for field in self.custom_fields:
            self.fields[CUSTOM_PREFIX + field.key] = _custom_form_field(
                field, editable=may_edit(actor, field)
            )

    @property
    def profile_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith(CUSTOM_PREFIX)]

    @property
    def custom_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(CUSTOM_PREFIX)]

    def custom_values(self) -> dict[str, Any]:
        """The custom values the actor may edit, as the service takes them (empty: cleared)."""
        values: dict[str, Any] = {}
        for field in self.custom_fields:
            name = CUSTOM_PREFIX + field.key
            if self.fields[name].disabled:
                continue
            value = self.cleaned_data.get(name)
            if isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            values[field.key] = value if value not in (None, "") else None
        return values


def _custom_form_field(field: CustomField, *, editable: bool) -> forms.Field:
    # "Required" is the service's rule (its message lands on this field); the form only marks it.
    common: dict[str, Any] = {"label": field.label, "required": False}
    options = [(str(o), str(o)) for o in field.options]
    form_field: forms.Field
    if field.type == FieldType.NUMBER:
        form_field = forms.DecimalField(max_digits=20, decimal_places=6, **common)
    elif field.type == FieldType.DATE:
        form_field = forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
        )
    elif field.type == FieldType.CHOICE:
        form_field = forms.ChoiceField(choices=[("", "—"), *options], **common)
    elif field.type == FieldType.MULTI:
        form_field = forms.MultipleChoiceField(
            choices=options,
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            **common,
        )
    else:
        form_field = forms.CharField(max_length=MAX_TEXT, **common)
    form_field.mark_required = field.required  # type: ignore[union-attr]
    if not editable:
        form_field.disabled = True
        form_field.help_text = _("Your role may not edit this field.")
    return form_field


def customer_initial(customer: Customer) -> dict[str, Any]:
    """The edit form's values: everything but the ID number (never sent back to the browser)."""
    initial: dict[str, Any] = {
        "name": customer.name,
        "gender": customer.gender,
        "birthday": customer.birthday,
        "phone": customer.phone,
        "wechat_id": customer.wechat_id,
        "card_no": customer.card_no,
        "referrer_customer": customer.referrer_customer_id,
        "intention": customer.intention,
        "remarks": customer.remarks,
        "tags": [t.pk for t in customer.tags.all()],
    }
    for name in (*DICTIONARY_FIELDS, *STAFF_FIELDS):
        initial[name] = getattr(customer, f"{name}_id")
    for key, value in (customer.custom_values or {}).items():
        initial[CUSTOM_PREFIX + key] = value
    return initial
