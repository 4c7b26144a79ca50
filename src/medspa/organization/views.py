"""Pages for branches, departments, positions and staff: declarations on the generic views."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from medspa.core.export import FORMATS, MAX_ROWS, export_table
from medspa.core.views import generic
from medspa.core.views.generic import (
    ActorFormMixin,
    ObjectCreateView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)
from medspa.organization import selectors, services
from medspa.organization.filtersets import (
    BranchFilterSet,
    DepartmentFilterSet,
    PositionFilterSet,
    StaffFilterSet,
)
from medspa.organization.forms import BranchForm, DepartmentForm, PositionForm, StaffForm
from medspa.organization.models import Branch, Department, Position, Staff
from medspa.organization.tables import BranchTable, DepartmentTable, PositionTable, StaffTable

BRANCHES = (_("Branches"), "organization:branch_list")
DEPARTMENTS = (_("Departments"), "organization:department_list")
POSITIONS = (_("Positions"), "organization:position_list")
STAFF = (_("Staff"), "organization:staff_list")


def _perm(model: str, action: str) -> str:
    return f"organization.{action}_{model}"


class ListView(ObjectListView):
    """A list whose export permission is ``organization.export_<model>``; exports stream in
    chunks so prefetched relations (staff positions) load per chunk."""

    model_name: ClassVar[str]

    def export(self, queryset: QuerySet[Any], fmt: str) -> HttpResponse:
        if fmt not in FORMATS:
            raise Http404
        if not self.can_export():
            raise DjangoPermissionDenied
        rows = queryset[:MAX_ROWS].iterator(chunk_size=2000)
        return export_table(self.table_class, rows, fmt, self.export_basename)


class DetailView(ObjectDetailView):
    """A detail page with Edit and Deactivate buttons for those who may use them."""

    template_name = "organization/object_detail.html"
    model_name: ClassVar[str]

    def extra_rows(self, obj: Any) -> list[dict[str, Any]]:
        return []

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        name = self.model_name
        can_edit = user.has_perm(_perm(name, "change"))
        can_deactivate = obj.is_active and user.has_perm(_perm(name, "delete"))
        return {
            "extra_rows": self.extra_rows(obj),
            "edit_url": reverse(f"organization:{name}_edit", args=[obj.pk]) if can_edit else None,
            "deactivate_url": reverse(f"organization:{name}_deactivate", args=[obj.pk])
            if can_deactivate
            else None,
        }


class ToDetail(generic.ToDetail):
    namespace = "organization"


# --- branches ----------------------------------------------------------------------------------


class BranchListView(ListView):
    model_name = "branch"
    permissions = ("organization.view_branch",)
    export_permissions = ("organization.view_branch", "organization.export_branch")
    title = _("Branches")
    selector = selectors.branches_for
    filterset_class = BranchFilterSet
    table_class = BranchTable
    export_basename = "branches"
    create_url_name = "organization:branch_create"
    create_permissions = ("organization.add_branch",)
    create_label = _("New branch")
    empty_text = _("No branches match.")


class BranchDetailView(DetailView):
    model_name = "branch"
    permissions = ("organization.view_branch",)
    breadcrumbs = (BRANCHES,)
    getter = selectors.branch_get_for
    fields = (
        (_("Code"), "code"),
        (_("Name"), "name"),
        (_("Address"), "address"),
        (_("Phone"), "phone"),
        (_("Active"), "is_active"),
        (_("Updated at"), "updated_at"),
    )


class BranchCreateView(ToDetail, ObjectCreateView):
    model_name = "branch"
    permissions = ("organization.view_branch", "organization.add_branch")
    title = _("New branch")
    breadcrumbs = (BRANCHES,)
    form_class = BranchForm
    success_message = _("The branch was created.")

    def perform(self, form: forms.Form) -> Branch:
        return services.branch_create(actor=self.request.user, **form.cleaned_data)  # type: ignore[arg-type]


class BranchEditView(ToDetail, ObjectEditView):
    model_name = "branch"
    permissions = ("organization.view_branch", "organization.change_branch")
    title = _("Edit branch")
    breadcrumbs = (BRANCHES,)
    getter = selectors.branch_get_for
    form_class = BranchForm
    success_message = _("The branch was saved.")

    def perform(self, form: forms.Form) -> Branch:
        return services.branch_update(
            actor=self.request.user,  # type: ignore[arg-type]
            branch_id=self.get_object().pk,
            **form.cleaned_data,
        )


class BranchDeactivateView(ToDetail, ObjectDeleteView):
    model_name = "branch"
    permissions = ("organization.view_branch", "organization.delete_branch")
    title = _("Deactivate branch")
    breadcrumbs = (BRANCHES,)
    getter = selectors.branch_get_for
    submit_label = _("Deactivate")
    confirm_text = _(
        "Nobody can switch to a deactivated branch and no new records can be made in it. Deactivate it?"
    )
    success_message = _("The branch was deactivated.")

    def perform(self, form: forms.Form) -> Branch:
        return services.branch_deactivate(actor=self.request.user, branch_id=self.get_object().pk)  # type: ignore[arg-type]


# --- departments -------------------------------------------------------------------------------


class DepartmentListView(ListView):
    model_name = "department"
    permissions = ("organization.view_department",)
    export_permissions = ("organization.view_department", "organization.export_department")
    title = _("Departments")
    selector = selectors.departments_for
    filterset_class = DepartmentFilterSet
    table_class = DepartmentTable
    export_basename = "departments"
    create_url_name = "organization:department_create"
    create_permissions = ("organization.add_department",)
    create_label = _("New department")
    empty_text = _("No departments match.")


class DepartmentDetailView(DetailView):
    model_name = "department"
    permissions = ("organization.view_department",)
    breadcrumbs = (DEPARTMENTS,)
    getter = selectors.department_get_for
    fields = (
        (_("Code"), "code"),
        (_("Name"), "name"),
        (_("Branch"), "branch.name"),
        (_("Order"), "order"),
        (_("Active"), "is_active"),
        (_("Updated at"), "updated_at"),
    )

    def extra_rows(self, obj: Any) -> list[dict[str, Any]]:
        return [{"label": _("Path"), "value": selectors.department_path(obj)}]


class DepartmentCreateView(ToDetail, ActorFormMixin, ObjectCreateView):
    model_name = "department"
    permissions = ("organization.view_department", "organization.add_department")
    title = _("New department")
    breadcrumbs = (DEPARTMENTS,)
    form_class = DepartmentForm
    success_message = _("The department was created.")

    def perform(self, form: forms.Form) -> Department:
        data = form.cleaned_data
        return services.department_create(
            actor=self.request.user,
            code=data["code"],
            name=data["name"],
            parent_id=data["parent"].pk if data["parent"] else None,
            order=data["order"] or 0,
            branch_id=data["branch"].pk if data["branch"] else None,
        )


class DepartmentEditView(ToDetail, ObjectEditView):
    model_name = "department"
    permissions = ("organization.view_department", "organization.change_department")
    title = _("Edit department")
    breadcrumbs = (DEPARTMENTS,)
    getter = selectors.department_get_for
    form_class = DepartmentForm
    success_message = _("The department was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": self.request.user, "editing": self.get_object()}

    def perform(self, form: forms.Form) -> Department:
        data = form.cleaned_data
        return services.department_update(
            actor=self.request.user,  # type: ignore[arg-type]
            department_id=self.get_object().pk,
            code=data["code"],
            name=data["name"],
            parent_id=data["parent"].pk if data["parent"] else None,
            order=data["order"] or 0,
        )


class DepartmentDeactivateView(ToDetail, ObjectDeleteView):
    model_name = "department"
    permissions = ("organization.view_department", "organization.delete_department")
    title = _("Deactivate department")
    breadcrumbs = (DEPARTMENTS,)
    getter = selectors.department_get_for
    submit_label = _("Deactivate")
    confirm_text = _("A deactivated department can no longer be chosen for staff or records. Deactivate it?")
    success_message = _("The department was deactivated.")

    def perform(self, form: forms.Form) -> Department:
        return services.department_deactivate(actor=self.request.user, department_id=self.get_object().pk)  # type: ignore[arg-type]


# --- positions ---------------------------------------------------------------------------------


class PositionListView(ListView):
    model_name = "position"
    permissions = ("organization.view_position",)
    export_permissions = ("organization.view_position", "organization.export_position")
    title = _("Positions")
    selector = selectors.positions_for
    filterset_class = PositionFilterSet
    table_class = PositionTable
    export_basename = "positions"
    create_url_name = "organization:position_create"
    create_permissions = ("organization.add_position",)
    create_label = _("New position")
    empty_text = _("No positions match.")


class PositionDetailView(DetailView):
    model_name = "position"
    permissions = ("organization.view_position",)
    breadcrumbs = (POSITIONS,)
    getter = selectors.position_get_for
    fields = (
        (_("Code"), "code"),
        (_("Name"), "name"),
        (_("Order"), "order"),
        (_("Active"), "is_active"),
        (_("Updated at"), "updated_at"),
    )


class PositionCreateView(ToDetail, ObjectCreateView):
    model_name = "position"
    permissions = ("organization.view_position", "organization.add_position")
    title = _("New position")
    breadcrumbs = (POSITIONS,)
    form_class = PositionForm
    success_message = _("The position was created.")

    def perform(self, form: forms.Form) -> Position:
        data = form.cleaned_data
        return services.position_create(
            actor=self.request.user,  # type: ignore[arg-type]
            code=data["code"],
            name=data["name"],
            order=data["order"] or 0,
        )


class PositionEditView(ToDetail, ObjectEditView):
    model_name = "position"
    permissions = ("organization.view_position", "organization.change_position")
    title = _("Edit position")
    breadcrumbs = (POSITIONS,)
    getter = selectors.position_get_for
    form_class = PositionForm
    success_message = _("The position was saved.")

    def perform(self, form: forms.Form) -> Position:
        data = form.cleaned_data
        return services.position_update(
            actor=self.request.user,  # type: ignore[arg-type]
            position_id=self.get_object().pk,
            code=data["code"],
            name=data["name"],
            order=data["order"] or 0,
        )


class PositionDeactivateView(ToDetail, ObjectDeleteView):
    model_name = "position"
    permissions = ("organization.view_position", "organization.delete_position")
    title = _("Deactivate position")
    breadcrumbs = (POSITIONS,)
    getter = selectors.position_get_for
    submit_label = _("Deactivate")
    confirm_text = _(
        "A deactivated position can no longer be given; staff who hold it keep it. Deactivate it?"
    )
    success_message = _("The position was deactivated.")

    def perform(self, form: forms.Form) -> Position:
        return services.position_deactivate(actor=self.request.user, position_id=self.get_object().pk)  # type: ignore[arg-type]


# --- staff -------------------------------------------------------------------------------------


def _staff_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "employee_no": data["employee_no"],
        "name": data["name"],
        "phone": data["phone"],
        "branch_id": data["branch"].pk if data["branch"] else None,
        "department_id": data["department"].pk if data["department"] else None,
        "position_ids": [p.pk for p in data["positions"]],
        "hire_date": data["hire_date"],
    }


class StaffListView(ListView):
    model_name = "staff"
    permissions = ("organization.view_staff",)
    export_permissions = ("organization.view_staff", "organization.export_staff")
    title = _("Staff")
    selector = selectors.staff_for
    filterset_class = StaffFilterSet
    table_class = StaffTable
    export_basename = "staff"
    create_url_name = "organization:staff_create"
    create_permissions = ("organization.add_staff",)
    create_label = _("New staff member")
    empty_text = _("No staff match.")


class StaffDetailView(DetailView):
    model_name = "staff"
    permissions = ("organization.view_staff",)
    breadcrumbs = (STAFF,)
    getter = selectors.staff_get_for
    fields = (
        (_("Employee no"), "employee_no"),
        (pgettext_lazy("person", "Name"), "name"),
        (_("Phone"), "phone"),
        (_("Branch"), "branch.name"),
        (_("Hire date"), "hire_date"),
        (_("Active"), "is_active"),
        (_("Updated at"), "updated_at"),
    )

    def extra_rows(self, obj: Any) -> list[dict[str, Any]]:
        user = getattr(obj, "user", None)
        return [
            {"label": _("Department"), "value": selectors.department_path(obj.department)},
            {"label": _("Positions"), "value": "、".join(p.name for p in obj.positions.all())},
            {"label": _("Login account"), "value": user.username if user else ""},
        ]


class StaffCreateView(ToDetail, ActorFormMixin, ObjectCreateView):
    model_name = "staff"
    permissions = ("organization.view_staff", "organization.add_staff")
    title = _("New staff member")
    breadcrumbs = (STAFF,)
    form_class = StaffForm
    success_message = _("The staff member was created.")

    def get_form(self, data: Any = None) -> forms.Form:
        form = super().get_form(data)
        if data is None:
            form.fields["branch"].initial = getattr(self.request.user, "active_branch_id", None)
        return form

    def perform(self, form: forms.Form) -> Staff:
        return services.staff_create(actor=self.request.user, **_staff_arguments(form.cleaned_data))


class StaffEditView(ToDetail, ObjectEditView):
    model_name = "staff"
    permissions = ("organization.view_staff", "organization.change_staff")
    title = _("Edit staff member")
    breadcrumbs = (STAFF,)
    getter = selectors.staff_get_for
    form_class = StaffForm
    success_message = _("The staff member was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        held = [p.pk for p in self.get_object().positions.all()]  # type: ignore[attr-defined]
        return {"actor": self.request.user, "held_position_ids": held}

    def initial(self, obj: Any) -> dict[str, Any]:
        initial = super().initial(obj)
        initial["positions"] = [p.pk for p in obj.positions.all()]
        return initial

    def perform(self, form: forms.Form) -> Staff:
        return services.staff_update(
            actor=self.request.user,  # type: ignore[arg-type]
            staff_id=self.get_object().pk,
            **_staff_arguments(form.cleaned_data),
        )


class StaffDeactivateView(ToDetail, ObjectDeleteView):
    model_name = "staff"
    permissions = ("organization.view_staff", "organization.delete_staff")
    title = _("Deactivate staff member")
    breadcrumbs = (STAFF,)
    getter = selectors.staff_get_for
    submit_label = _("Deactivate")
    confirm_text = _("The staff member is marked as left. A linked login account is not changed. Deactivate?")
    success_message = _("The staff member was deactivated.")

    def perform(self, form: forms.Form) -> Staff:
        return services.staff_deactivate(actor=self.request.user, staff_id=self.get_object().pk)  # type: ignore[arg-type]
