"""Input shapes of the configuration pages; the services decide what is acceptable."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from medspa.configuration.dictionaries import KindSpec
from medspa.configuration.params import ParamSpec

ORDER_HELP = _("Smaller comes first; leave empty to put it last.")


class DictionaryItemForm(forms.Form):
    """One entry of a dictionary; the fields shown depend on the kind (parent, colour, multiple)."""

    parent = forms.TypedChoiceField(label=_("Parent"), coerce=int, required=False, empty_value=None)
    code = forms.CharField(
        label=_("Code"), max_length=32, help_text=_("Letters, digits, hyphens and underscores, e.g. wechat.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    order = forms.IntegerField(label=_("Order"), min_value=0, required=False, help_text=ORDER_HELP)
    colour = forms.CharField(
        label=_("Colour"), max_length=16, required=False, widget=forms.TextInput(attrs={"type": "color"})
    )
    multiple = forms.BooleanField(
        label=_("Multiple choice"),
        required=False,
        help_text=_("A customer may carry several tags of this group."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(
        self,
        *args: Any,
        spec: KindSpec,
        parent_choices: list[tuple[int, str]],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if spec.parent_kind is None:
            del self.fields["parent"]
        else:
            field = self.fields["parent"]
            field.label = str(spec.singular).capitalize() if spec.parent_required else _("Parent")
            if spec.parent_kind != spec.kind:
                from medspa.configuration.dictionaries import KIND_SPECS

                field.label = str(KIND_SPECS[spec.parent_kind].singular).capitalize()
            empty: list[tuple[Any, str]] = [] if spec.parent_required else [("", str(_("(top level)")))]
            field.choices = empty + [(pk, label) for pk, label in parent_choices]  # type: ignore[attr-defined]
            field.required = spec.parent_required
        if not spec.has_colour:
            del self.fields["colour"]
        if not spec.has_multiple:
            del self.fields["multiple"]
        if not editing:
            del self.fields["is_active"]


class VisitStageForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=32, help_text=_("Letters, digits, hyphens and underscores, e.g. triage.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    order = forms.IntegerField(label=_("Order"), min_value=0, required=False, help_text=ORDER_HELP)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]


LEVEL_ORGANISATION = "organisation"
LEVEL_BRANCH = "branch"


class ParameterForm(forms.Form):
    """The value of one parameter, typed by its spec, for the organisation or the active branch."""

    level = forms.ChoiceField(label=_("Applies to"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, spec: ParamSpec, branch_name: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = [(LEVEL_ORGANISATION, str(_("The whole organisation")))]
        if branch_name:
            levels.append((LEVEL_BRANCH, str(_("Only the branch %(branch)s")) % {"branch": branch_name}))
        self.fields["level"].choices = levels  # type: ignore[attr-defined]
        self.fields["value"] = _value_field(spec)

    def clean_level(self) -> str:
        return str(self.cleaned_data["level"])


def _value_field(spec: ParamSpec) -> forms.Field:
    common: dict[str, Any] = {"label": spec.label, "help_text": spec.help_text}
    if spec.choice_pairs:
        return forms.ChoiceField(choices=[(str(v), label) for v, label in spec.choice_pairs], **common)
    if spec.type == "bool":
        return forms.BooleanField(required=False, **common)
    if spec.type == "int":
        return forms.IntegerField(min_value=spec.min_value, max_value=spec.max_value, **common)
    if spec.type == "decimal":
        return forms.DecimalField(min_value=spec.min_value, max_value=spec.max_value, **common)
    return forms.CharField(max_length=1000, required=False, **common)
