"""Pages of the CRM setup: custom-field definitions (CRM-02) and member levels (MBR-01) —
declarations on the generic views, plus moving a field up or down. The menu items are registered
by :func:`register_menu` from the app's ``ready()``."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.core import errors, menu
from medspa.core.export import FORMATS, MAX_ROWS, export_table
from medspa.core.htmx import wants_partial
from medspa.core.views.generic import (
    ObjectCreateView,
    ObjectDeleteView,
    ObjectEditView,
    ObjectListView,
    PermissionRequiredView,
)
from medspa.customers import setup_selectors as selectors
from medspa.customers import setup_services as services
from medspa.customers.models import CustomField, MemberLevel
from medspa.customers.setup_forms import (
    CustomFieldFilterSet,
    CustomFieldForm,
    MemberLevelFilterSet,
    MemberLevelForm,
)
from medspa.customers.setup_tables import CustomFieldTable, MemberLevelTable

CUSTOM_FIELDS = (gettext_lazy("Custom fields"), "customer_setup:field_list")
MEMBER_LEVELS = (gettext_lazy("Member levels"), "customer_setup:level_list")


def register_menu() -> None:
    """Both pages sit in the System group after the configuration pages."""
    group = gettext_lazy("System")
    menu.register(
        menu.MenuItem(
            key="customer-fields",
            label=gettext_lazy("Custom fields"),
            url_name="customer_setup:field_list",
            icon="ti-forms",
            order=860,
            group=group,
            permissions=("customers.view_customfield", "customers.change_customfield"),
        )
    )
    menu.register(
        menu.MenuItem(
            key="member-levels",
            label=gettext_lazy("Member levels"),
            url_name="customer_setup:level_list",
            icon="ti-crown",
            order=870,
            group=group,
            permissions=("customers.view_memberlevel", "customers.change_memberlevel"),
        )
    )


class ActionsFormMixin:
    """An edit page with a Deactivate button (``customers/setup_object_form.html``); the htmx
    fragment with inline errors is the generic form's."""

    request: HttpRequest
    template_name: str

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        if wants_partial(self.request):
            self.template_name = "core/object_form.html"
        return super().render_form(form, status)  # type: ignore[misc]


def _titled(context: dict[str, Any], title: str) -> dict[str, Any]:
    context["title"] = title
    context["breadcrumbs"][-1]["label"] = title
    return context


# --- custom fields ---------------------------------------------------------------------------------


class CustomFieldListView(ObjectListView):
    permissions = ("customers.view_customfield",)
    title = gettext_lazy("Custom fields")
    selector = selectors.custom_fields_for
    filterset_class = CustomFieldFilterSet
    table_class = CustomFieldTable
    template_name = "customers/setup_field_list.html"
    create_url_name = "customer_setup:field_create"
    create_permissions = ("customers.add_customfield",)
    create_label = gettext_lazy("New custom field")
    empty_text = gettext_lazy("No custom fields are defined yet.")

    def can_export(self) -> bool:
        return False  # definitions have no export permission; the page shows them all

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        if "table" in extra:
            context["rows"] = list(zip(extra["page"].object_list, extra["table"].body(), strict=True))
        user = self.request.user
        filtered = any(self.request.GET.get(name) for name in ("sort", "q", "type", "is_active"))
        context["can_move"] = user.has_perm("customers.change_customfield") and not filtered
        return context


class CustomFieldFormMixin:
    request: HttpRequest

    def form_kwargs(self) -> dict[str, Any]:
        return {
            "role_choices": selectors.custom_field_role_choices(self.request.user),  # type: ignore[arg-type]
            "editing": isinstance(self, ObjectEditView),
        }

    def success_url(self, result: CustomField) -> str:
        return reverse("customer_setup:field_list")

    @staticmethod
    def field_data(form: forms.Form) -> dict[str, Any]:
        data = form.cleaned_data
        return {
            "label": data["label"],
            "type": data["type"],
            "options": data["options"],
            "required": data["required"],
            "show_in_list": data["show_in_list"],
            # no roles field (the actor may not see roles): keep the stored ones
            "editable_by": data["editable_by"] if "editable_by" in form.fields else None,
            "order": data.get("order"),
        }


class CustomFieldCreateView(CustomFieldFormMixin, ObjectCreateView):
    permissions = ("customers.view_customfield", "customers.add_customfield")
    title = gettext_lazy("New custom field")
    breadcrumbs = (CUSTOM_FIELDS,)
    form_class = CustomFieldForm
    success_message = gettext_lazy("The custom field was created.")

    def perform(self, form: forms.Form) -> CustomField:
        data = self.field_data(form)
        if data["editable_by"] is None:
            data["editable_by"] = []
        return services.customfield_create(
            actor=self.request.user,  # type: ignore[arg-type]
            key=form.cleaned_data["key"],
            **data,
        )


class CustomFieldEditView(ActionsFormMixin, CustomFieldFormMixin, ObjectEditView):
    permissions = ("customers.view_customfield", "customers.change_customfield")
    title = gettext_lazy("Edit custom field")
    breadcrumbs = (CUSTOM_FIELDS,)
    getter = selectors.custom_field_get_for
    form_class = CustomFieldForm
    template_name = "customers/setup_object_form.html"
    success_message = gettext_lazy("The custom field was saved.")

    def initial(self, obj: Model) -> dict[str, Any]:
        field: CustomField = obj  # type: ignore[assignment]
        return {
            "key": field.key,
            "label": field.label,
            "type": field.type,
            "options": "\n".join(str(option) for option in field.options or []),
            "required": field.required,
            "show_in_list": field.show_in_list,
            "editable_by": [role.pk for role in field.editable_by.all()],
            "order": field.order,
            "is_active": field.is_active,
        }

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        field: CustomField = self.get_object()  # type: ignore[assignment]
        context["object"] = field
        if field.is_active and self.request.user.has_perm("customers.delete_customfield"):
            context["deactivate_url"] = reverse("customer_setup:field_deactivate", args=[field.pk])
        return _titled(context, _("Edit %(name)s") % {"name": field.label})

    def perform(self, form: forms.Form) -> CustomField:
        return services.customfield_update(
            actor=self.request.user,  # type: ignore[arg-type]
            field_id=self.get_object().pk,
            key=form.cleaned_data["key"],
            is_active=form.cleaned_data["is_active"],
            **self.field_data(form),
        )


class CustomFieldDeactivateView(ObjectDeleteView):
    permissions = ("customers.view_customfield", "customers.delete_customfield")
    title = gettext_lazy("Deactivate custom field")
    breadcrumbs = (CUSTOM_FIELDS,)
    getter = selectors.custom_field_get_for
    submit_label = gettext_lazy("Deactivate")
    confirm_text = gettext_lazy(
        "The field leaves the customer forms, the archive and the customer list; it can be "
        "reactivated later. Deactivate it?"
    )
    success_message = gettext_lazy("The custom field was deactivated.")

    def perform(self, form: forms.Form) -> CustomField:
        return services.customfield_deactivate(actor=self.request.user, field_id=self.get_object().pk)  # type: ignore[arg-type]

    def success_url(self, result: CustomField) -> str:
        return reverse("customer_setup:field_list")


class CustomFieldMoveView(PermissionRequiredView):
    """POST ``direction=up|down``: swap the field with its neighbour in the form order."""

    permissions = ("customers.view_customfield", "customers.change_customfield")
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        ids = list(selectors.custom_fields_for(request.user).values_list("pk", flat=True))  # type: ignore[arg-type]
        if pk not in ids:
            raise Http404
        index = ids.index(pk)
        target = index - 1 if request.POST.get("direction") == "up" else index + 1
        if 0 <= target < len(ids):
            ids[index], ids[target] = ids[target], ids[index]
            try:
                services.customfields_reorder(actor=request.user, ids=ids)  # type: ignore[arg-type]
            except errors.PermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from exc
            except errors.DomainError as exc:
                messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("customer_setup:field_list"))


# --- member levels ---------------------------------------------------------------------------------


class MemberLevelListView(ObjectListView):
    permissions = ("customers.view_memberlevel",)
    export_permissions = ("customers.view_memberlevel", "customers.export_memberlevel")
    title = gettext_lazy("Member levels")
    selector = selectors.member_levels_for
    filterset_class = MemberLevelFilterSet
    table_class = MemberLevelTable
    export_basename = "member-levels"
    create_url_name = "customer_setup:level_create"
    create_permissions = ("customers.add_memberlevel",)
    create_label = gettext_lazy("New member level")
    empty_text = gettext_lazy("No member levels are defined yet.")

    def export(self, queryset: QuerySet[Any], fmt: str) -> HttpResponse:
        """The export is audited."""
        if fmt not in FORMATS:
            raise Http404
        if not self.can_export():
            raise DjangoPermissionDenied
        response = export_table(self.table_class, queryset[:MAX_ROWS].iterator(), fmt, self.export_basename)
        services.memberlevel_export_record(actor=self.request.user, query=self.request.GET.urlencode())  # type: ignore[arg-type]
        return response


class MemberLevelFormMixin:
    form_class: ClassVar[type[forms.Form]] = MemberLevelForm

    def success_url(self, result: MemberLevel) -> str:
        return reverse("customer_setup:level_list")

    @staticmethod
    def level_data(form: forms.Form) -> dict[str, Any]:
        data = form.cleaned_data
        return {
            "name": data["name"],
            "discount_percent": data["discount_percent"],
            "points_multiplier": data["points_multiplier"],
            "upgrade_amount": data["upgrade_amount"],
            "downgrade_amount": data["downgrade_amount"],
            "window_days": data["window_days"],
            "order": data.get("order"),
        }


class MemberLevelCreateView(MemberLevelFormMixin, ObjectCreateView):
    permissions = ("customers.view_memberlevel", "customers.add_memberlevel")
    title = gettext_lazy("New member level")
    breadcrumbs = (MEMBER_LEVELS,)
    success_message = gettext_lazy("The member level was created.")

    def perform(self, form: forms.Form) -> MemberLevel:
        return services.memberlevel_create(actor=self.request.user, **self.level_data(form))  # type: ignore[arg-type]


class MemberLevelEditView(ActionsFormMixin, MemberLevelFormMixin, ObjectEditView):
    permissions = ("customers.view_memberlevel", "customers.change_memberlevel")
    title = gettext_lazy("Edit member level")
    breadcrumbs = (MEMBER_LEVELS,)
    getter = selectors.member_level_get_for
    template_name = "customers/setup_object_form.html"
    success_message = gettext_lazy("The member level was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"editing": True}

    def initial(self, obj: Model) -> dict[str, Any]:
        level: MemberLevel = obj  # type: ignore[assignment]
        return {
            "name": level.name,
            "discount_percent": level.discount_percent,
            "points_multiplier": level.points_multiplier,
            "upgrade_amount": f"{level.upgrade_amount:.2f}",
            "downgrade_amount": f"{level.downgrade_amount:.2f}",
            "window_days": level.window_days,
            "order": level.order,
            "is_active": level.is_active,
        }

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        level: MemberLevel = self.get_object()  # type: ignore[assignment]
        context["object"] = level
        if level.is_active and self.request.user.has_perm("customers.delete_memberlevel"):
            context["deactivate_url"] = reverse("customer_setup:level_deactivate", args=[level.pk])
        return _titled(context, _("Edit %(name)s") % {"name": level.name})

    def perform(self, form: forms.Form) -> MemberLevel:
        return services.memberlevel_update(
            actor=self.request.user,  # type: ignore[arg-type]
            level_id=self.get_object().pk,
            is_active=form.cleaned_data["is_active"],
            **self.level_data(form),
        )


class MemberLevelDeactivateView(ObjectDeleteView):
    permissions = ("customers.view_memberlevel", "customers.delete_memberlevel")
    title = gettext_lazy("Deactivate member level")
    breadcrumbs = (MEMBER_LEVELS,)
    getter = selectors.member_level_get_for
    submit_label = gettext_lazy("Deactivate")
    confirm_text = gettext_lazy(
        "A deactivated level is no longer offered; it can be reactivated later. "
        "Customers who hold it must be moved to another level first. Deactivate it?"
    )
    success_message = gettext_lazy("The member level was deactivated.")

    def perform(self, form: forms.Form) -> MemberLevel:
        return services.memberlevel_deactivate(actor=self.request.user, level_id=self.get_object().pk)  # type: ignore[arg-type]

    def success_url(self, result: MemberLevel) -> str:
        return reverse("customer_setup:level_list")
