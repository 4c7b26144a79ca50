"""Input shapes of the project family's pages; the services decide what is acceptable.

The project editor posts a header (:class:`ProjectForm`) and repeating rows, one small form per
row: ``<section>`` repeats the row's token and the row's fields are ``<section>-<token>-<field>``
(sections: ``levels``, ``resources``, ``materials``, ``fees``)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from medspa.catalog import project_selectors as selectors
from medspa.catalog.choices import ResourceKind
from medspa.catalog.models import Category
from medspa.catalog.scope import category_subtree_ids
from medspa.organization import selectors as org_selectors
from medspa.organization.models import Department

TOKEN = re.compile(r"^[a-z0-9]{1,16}$")
SECTIONS = ("levels", "resources", "materials", "fees")
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"
MAX_ID = 2_147_483_647


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class CategoryChoiceField(forms.ModelChoiceField):
    """Categories labelled with their path: ``注射美容 / 玻尿酸``."""

    def label_from_instance(self, obj: Category) -> str:
        return selectors.category_path(obj)


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments labelled with their branch and path: ``总院 · 医学美容科 / 注射美容组``."""

    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.branch.name} · {org_selectors.department_path(obj)}"


class ActiveField(forms.BooleanField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(label=_("Active"), required=False, **kwargs)


# --- categories -----------------------------------------------------------------------------------


class CategoryForm(forms.Form):
    parent = CategoryChoiceField(
        label=_("Parent category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )
    code = forms.CharField(
        label=_("Code"), max_length=32, help_text=_("Letters, digits, hyphens, e.g. INJ-HA.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, help_text=_("Smaller comes first."))
    is_active = ActiveField()

    def __init__(self, *args: Any, actor: Any, editing: Category | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = selectors.categories_for(actor).filter(is_active=True)
        if editing is None:
            del self.fields["is_active"]
        else:
            parents = parents.exclude(pk__in=category_subtree_ids(editing.organisation_id, [editing.pk]))
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]


# --- projects -------------------------------------------------------------------------------------


class ProjectForm(forms.Form):
    """The project's own fields (the editor's header)."""

    code = forms.CharField(
        label=_("Code"), max_length=32, help_text=_("Letters, digits, hyphens, e.g. P001.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    category = CategoryChoiceField(label=_("Category"), queryset=Category.objects.none())
    department = DepartmentChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    list_price = forms.DecimalField(label=_("List price"), max_digits=14, decimal_places=2, min_value=0)
    sessions_per_course = forms.IntegerField(label=_("Sessions per course"), initial=1)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), initial=30)
    min_interval_days = forms.IntegerField(
        label=_("Minimum days between sessions"),
        initial=0,
        help_text=_("e.g. 90 for botulinum toxin; 0: no minimum."),
    )
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=_textarea(3)
    )
    aftercare = forms.CharField(
        label=_("Post-treatment instructions"), max_length=5000, required=False, widget=_textarea(4)
    )
    is_active = ActiveField()

    def __init__(self, *args: Any, actor: Any, editing: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep_category = editing.category_id if editing is not None else None
        keep_department = editing.department_id if editing is not None else None
        self.fields["category"].queryset = selectors.categories_for(actor).filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk=keep_category)
        )
        self.fields["department"].queryset = selectors.department_choices(actor).filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk=keep_department)
        )
        if editing is None:
            del self.fields["is_active"]


def _choice_field(label: Any, choices: list[tuple[str, str]]) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=[("", "---------"), *choices], coerce=int)


class LevelPriceRowForm(forms.Form):
    """A member level's price: a fixed price or what the member pays in % of the list price."""

    member_level = forms.TypedChoiceField(label=_("Member level"), coerce=int)
    price = forms.DecimalField(label=_("Member price"), max_digits=14, decimal_places=2, required=False)
    discount_percent = forms.DecimalField(
        label=_("Or pays percent of list price"), max_digits=5, decimal_places=2, required=False
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member_level"] = _choice_field(_("Member level"), choices or [])


class ResourceRowForm(forms.Form):
    kind = forms.ChoiceField(label=_("Resource"), choices=[("", "---------"), *ResourceKind.choices])
    description = forms.CharField(label=_("Room or device type"), max_length=100, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), initial=1)

    def __init__(self, *args: Any, choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class MaterialRowForm(forms.Form):
    """A BOM row; the item is picked through the search (its id travels in a hidden input)."""

    item = forms.IntegerField(
        label=_("Item"),
        widget=forms.HiddenInput,
        min_value=1,
        max_value=MAX_ID,
        error_messages={
            "required": _("Choose an item."),
        },
    )
    quantity = forms.DecimalField(label=_("Quantity per session"), max_digits=14, decimal_places=3)
    note = forms.CharField(label=_("Note"), max_length=100, required=False)

    def __init__(self, *args: Any, choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class OperatorFeeRowForm(forms.Form):
    position = forms.TypedChoiceField(label=_("Position"), coerce=int)
    fee = forms.DecimalField(label=_("Fee per session"), max_digits=14, decimal_places=2)

    def __init__(self, *args: Any, choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["position"] = _choice_field(_("Position"), choices or [])


ROW_FORMS: dict[str, type[forms.Form]] = {
    "levels": LevelPriceRowForm,
    "resources": ResourceRowForm,
    "materials": MaterialRowForm,
    "fees": OperatorFeeRowForm,
}


def row_tokens(data: Any, section: str) -> list[str]:
    """The rows of ``section`` a posted editor holds, in page order; malformed or repeated tokens
    are dropped."""
    seen: list[str] = []
    for token in data.getlist(section):
        if TOKEN.match(token) and token not in seen:
            seen.append(token)
    return seen


# --- knowledge base and cases ---------------------------------------------------------------------


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Body"), max_length=20000, widget=_textarea(10))
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, help_text=_("Smaller comes first."))
    is_active = ActiveField()

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]


def _image_field(label: Any) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=False,
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=_("JPEG, PNG or WebP, at most 10 MB."),
    )


class CaseForm(forms.Form):
    name = forms.CharField(label=_("Case name"), max_length=200)
    description = forms.CharField(
        label=_("Case description"), max_length=5000, required=False, widget=_textarea(5)
    )
    before_image = _image_field(_("Before"))
    clear_before_image = forms.BooleanField(label=_("Remove the before image"), required=False)
    after_image = _image_field(_("After"))
    clear_after_image = forms.BooleanField(label=_("Remove the after image"), required=False)
    consent_confirmed = forms.BooleanField(
        label=_("The customer consented to showing this case"),
        required=False,
        help_text=_("Without consent the case is shown only to the staff who edit cases."),
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, help_text=_("Smaller comes first."))
    is_active = ActiveField()

    def __init__(self, *args: Any, editing: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing is None:
            for name in ("is_active", "clear_before_image", "clear_after_image"):
                del self.fields[name]
            return
        if not editing.before_image:
            del self.fields["clear_before_image"]
        if not editing.after_image:
            del self.fields["clear_after_image"]
