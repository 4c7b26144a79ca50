"""Input shapes of the organisation pages; the services decide what is acceptable."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from medspa.accounts.scope import active_branch_id
from medspa.organization import selectors
from medspa.organization.models import Branch, Department, Position


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments labelled with their branch and path: ``总院 · 医学美容科 / 注射美容组``."""

    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.branch.name} · {selectors.department_path(obj)}"


class BranchForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"), max_length=32, help_text=_("Letters, digits and hyphens, e.g. east.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)


class DepartmentForm(forms.Form):
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False, empty_label=None
    )
    parent = DepartmentChoiceField(
        label=_("Parent department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )
    code = forms.SlugField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, help_text=_("Smaller comes first."))

    def __init__(self, *args: Any, actor: Any, editing: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = selectors.departments_for(actor).filter(is_active=True)
        if editing is not None:
            del self.fields["branch"]  # a department stays in its branch
            parents = parents.filter(branch_id=editing.branch_id).exclude(pk=editing.pk)
        else:
            self.fields["branch"].queryset = selectors.writable_branches_for(actor)  # type: ignore[attr-defined]
            self.fields["branch"].initial = active_branch_id(
                actor
            )  # new records go to the branch one works in
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]


class PositionForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"), max_length=32, help_text=_("Letters, digits and hyphens, e.g. doctor.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, help_text=_("Smaller comes first."))


class StaffForm(forms.Form):
    employee_no = forms.CharField(label=_("Employee no"), max_length=32)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        help_text=_("Mobile (11 digits) or landline such as 010-12345678."),
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False, empty_label=None
    )
    department = DepartmentChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    positions = forms.ModelMultipleChoiceField(
        label=_("Positions"),
        queryset=Position.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )
    hire_date = forms.DateField(
        label=_("Hire date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, actor: Any, held_position_ids: Iterable[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = selectors.writable_branches_for(actor)  # type: ignore[attr-defined]
        self.fields["branch"].initial = active_branch_id(actor)
        self.fields["department"].queryset = selectors.departments_for(actor).filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["positions"].queryset = selectors.positions_for(actor).filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk__in=list(held_position_ids))
        )
