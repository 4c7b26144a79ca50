"""Pages for dictionaries, system parameters and the visit flow: declarations on the generic
views, plus the dictionary index, the parameters page and the stage reordering."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.accounts.scope import active_branch_id
from medspa.configuration import selectors, services
from medspa.configuration.choices import DictionaryKind
from medspa.configuration.dictionaries import KIND_SPECS, KindSpec
from medspa.configuration.filtersets import DictionaryItemFilterSet, VisitStageFilterSet
from medspa.configuration.forms import (
    LEVEL_BRANCH,
    DictionaryItemForm,
    ParameterForm,
    VisitStageForm,
)
from medspa.configuration.models import DictionaryItem, VisitStage
from medspa.configuration.tables import DICTIONARY_TABLES, VisitStageTable
from medspa.core import errors
from medspa.core.htmx import wants_partial
from medspa.core.views.generic import (
    ObjectCreateView,
    ObjectDeleteView,
    ObjectEditView,
    ObjectListView,
    PermissionRequiredView,
)
from medspa.organization.models import Branch

DICTIONARIES = (gettext_lazy("Dictionaries"), "configuration:dictionary_kinds")
PARAMETERS = (gettext_lazy("System parameters"), "configuration:parameter_list")
VISIT_FLOW = (gettext_lazy("Visit flow"), "configuration:visit_stage_list")


def _domain_errors_as_http(exc: errors.DomainError) -> Exception:
    if isinstance(exc, errors.PermissionDenied):
        return DjangoPermissionDenied(exc.message)
    return Http404(exc.message)


class ActionsFormMixin:
    """An edit page with a Deactivate button (``configuration/object_form.html``); the htmx
    fragment with inline errors is the generic form's."""

    request: HttpRequest
    template_name: str

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        if wants_partial(self.request):
            self.template_name = "core/object_form.html"
        return super().render_form(form, status)  # type: ignore[misc]


# --- dictionaries ------------------------------------------------------------------------------


class DictionaryKindsView(PermissionRequiredView):
    """The index: one card per dictionary with its number of entries."""

    permissions = ("configuration.view_dictionaryitem",)
    title = gettext_lazy("Dictionaries")

    def get(self, request: HttpRequest) -> HttpResponse:
        kinds = selectors.dictionary_kinds_for(request.user)  # type: ignore[arg-type]
        return render(request, "configuration/dictionary_kinds.html", self.base_context(kinds=kinds))


class KindMixin:
    """Resolves the ``kind`` URL argument (unknown kind → 404) and titles the page with it."""

    request: HttpRequest
    kwargs: dict[str, Any]
    page_title: Any = None

    @property
    def kind(self) -> DictionaryKind:
        try:
            return DictionaryKind(self.kwargs["kind"])
        except ValueError:
            raise Http404 from None

    @property
    def spec(self) -> KindSpec:
        return KIND_SPECS[self.kind]

    def kind_crumbs(self, context: dict[str, Any], title: str) -> dict[str, Any]:
        context["title"] = title
        context["breadcrumbs"] = [
            {"label": DICTIONARIES[0], "url": reverse(DICTIONARIES[1])},
            {
                "label": self.spec.label,
                "url": reverse("configuration:dictionary_item_list", args=[self.kind]),
            },
            {"label": title, "url": None},
        ]
        return context


class DictionaryItemListView(KindMixin, ObjectListView):
    permissions = ("configuration.view_dictionaryitem",)
    export_permissions = ("configuration.view_dictionaryitem", "configuration.export_dictionaryitem")
    filterset_class = DictionaryItemFilterSet
    empty_text = gettext_lazy("This dictionary has no entries yet.")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.table_class = DICTIONARY_TABLES[self.kind]  # type: ignore[misc]
        self.export_basename = str(self.kind)  # type: ignore[misc]
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.dictionary_items_for(self.request.user, self.kind)  # type: ignore[arg-type]

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        context["title"] = self.spec.label
        context["breadcrumbs"] = [
            {"label": DICTIONARIES[0], "url": reverse(DICTIONARIES[1])},
            {"label": self.spec.label, "url": None},
        ]
        context["spec"] = self.spec
        can_add = self.request.user.has_perm("configuration.add_dictionaryitem")
        context["create_url"] = (
            reverse("configuration:dictionary_item_create", args=[self.kind]) if can_add else None
        )
        context["create_label"] = _("New %(kind)s") % {"kind": self.spec.singular}
        return context


class DictionaryItemFormMixin(KindMixin):
    form_class: ClassVar[type[forms.Form]] = DictionaryItemForm

    def form_kwargs(self) -> dict[str, Any]:
        editing = getattr(self, "object", None)
        return {
            "spec": self.spec,
            "parent_choices": selectors.dictionary_parent_choices(
                self.request.user,  # type: ignore[arg-type]
                self.kind,
                exclude=editing,
            ),
            "editing": editing is not None,
        }

    def success_url(self, result: DictionaryItem) -> str:
        return reverse("configuration:dictionary_item_list", args=[result.kind])

    @staticmethod
    def item_data(form: forms.Form) -> dict[str, Any]:
        data = form.cleaned_data
        return {
            "code": data["code"],
            "name": data["name"],
            "parent_id": data.get("parent"),
            "order": data.get("order"),
            "colour": data.get("colour", ""),
            "multiple": data.get("multiple", False),
        }


class DictionaryItemCreateView(DictionaryItemFormMixin, ObjectCreateView):
    permissions = ("configuration.view_dictionaryitem", "configuration.add_dictionaryitem")
    success_message = gettext_lazy("The entry was created.")

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        return self.kind_crumbs(context, _("New %(kind)s") % {"kind": self.spec.singular})

    def perform(self, form: forms.Form) -> DictionaryItem:
        return services.dictionary_item_create(
            actor=self.request.user,  # type: ignore[arg-type]
            kind=self.kind,
            **self.item_data(form),
        )


class DictionaryItemGetterMixin(KindMixin):
    object: Model | None

    def get_object(self) -> Model:
        obj = getattr(self, "object", None)
        if obj is None:
            try:
                obj = selectors.dictionary_item_get_for(
                    self.request.user,  # type: ignore[arg-type]
                    self.kind,
                    int(self.kwargs["pk"]),
                )
            except errors.NotFound as exc:
                raise Http404 from exc
            self.object = obj
        return obj


class DictionaryItemEditView(
    ActionsFormMixin, DictionaryItemGetterMixin, DictionaryItemFormMixin, ObjectEditView
):
    permissions = ("configuration.view_dictionaryitem", "configuration.change_dictionaryitem")
    success_message = gettext_lazy("The entry was saved.")
    template_name = "configuration/object_form.html"

    def form_kwargs(self) -> dict[str, Any]:
        self.get_object()
        return super().form_kwargs()

    def initial(self, obj: Model) -> dict[str, Any]:
        item: DictionaryItem = obj  # type: ignore[assignment]
        return {
            "parent": item.parent_id,
            "code": item.code,
            "name": item.name,
            "order": item.order,
            "colour": item.colour,
            "multiple": item.multiple,
            "is_active": item.is_active,
        }

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        item: DictionaryItem = self.get_object()  # type: ignore[assignment]
        context["object"] = item
        if item.is_active and self.request.user.has_perm("configuration.delete_dictionaryitem"):
            context["deactivate_url"] = reverse(
                "configuration:dictionary_item_deactivate", args=[self.kind, item.pk]
            )
        return self.kind_crumbs(context, _("Edit %(name)s") % {"name": item.name})

    def perform(self, form: forms.Form) -> DictionaryItem:
        return services.dictionary_item_update(
            actor=self.request.user,  # type: ignore[arg-type]
            item_id=self.get_object().pk,
            kind=self.kind,
            is_active=form.cleaned_data["is_active"],
            **self.item_data(form),
        )


class DictionaryItemDeactivateView(DictionaryItemGetterMixin, ObjectDeleteView):
    permissions = ("configuration.view_dictionaryitem", "configuration.delete_dictionaryitem")
    submit_label = gettext_lazy("Deactivate")
    confirm_text = gettext_lazy(
        "A deactivated entry is no longer offered for new records (its children too); "
        "records that use it keep it. Deactivate it?"
    )
    success_message = gettext_lazy("The entry was deactivated.")

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        return self.kind_crumbs(context, _("Deactivate %(name)s") % {"name": self.get_object()})

    def perform(self, form: forms.Form) -> DictionaryItem:
        return services.dictionary_item_deactivate(
            actor=self.request.user,  # type: ignore[arg-type]
            item_id=self.get_object().pk,
            kind=self.kind,
        )

    def success_url(self, result: DictionaryItem) -> str:
        return reverse("configuration:dictionary_item_list", args=[result.kind])


# --- system parameters -------------------------------------------------------------------------


def _active_branch(request: HttpRequest) -> Branch | None:
    branch_id = active_branch_id(request.user)
    if branch_id is None:
        return None
    return selectors.parameter_branches_for(request.user).filter(pk=branch_id).first()  # type: ignore[arg-type]


class ParameterListView(PermissionRequiredView):
    """Every parameter, grouped, with its effective value for the active branch and its source."""

    permissions = ("configuration.view_parametervalue",)
    title = gettext_lazy("System parameters")

    def get(self, request: HttpRequest) -> HttpResponse:
        branch = _active_branch(request)
        rows = selectors.parameters_for(request.user, branch_id=branch.pk if branch else None)  # type: ignore[arg-type]
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(str(row.spec.group), []).append(
                {"row": row, "can_change": request.user.has_perm(row.spec.permission)}
            )
        context = self.base_context(groups=groups, branch=branch)
        return render(request, "configuration/parameter_list.html", context)


class ParameterMixin:
    request: HttpRequest
    kwargs: dict[str, Any]

    def parameter(self) -> selectors.ParameterRow:
        branch = _active_branch(self.request)
        try:
            row = selectors.parameter_get_for(
                self.request.user,  # type: ignore[arg-type]
                self.kwargs["key"],
                branch_id=branch.pk if branch else None,
            )
        except errors.NotFound as exc:
            raise Http404 from exc
        if not self.request.user.has_perm(row.spec.permission):
            raise DjangoPermissionDenied
        return row


class ParameterEditView(ParameterMixin, ObjectEditView):
    permissions = ("configuration.view_parametervalue",)
    title = gettext_lazy("Change system parameter")
    breadcrumbs = (PARAMETERS,)
    success_message = gettext_lazy("The parameter was saved.")
    form_class = ParameterForm

    def get_object(self) -> Any:
        if self.object is None:
            self.object = self.parameter()  # type: ignore[assignment]
        return self.object

    def get_form(self, data: Any = None) -> forms.Form:
        row = self.get_object()
        branch = _active_branch(self.request)
        level = LEVEL_BRANCH if row.has_branch_value else "organisation"
        value = row.branch_value if row.has_branch_value else row.value
        initial = {"level": level, "value": str(value) if row.spec.choice_pairs else value}
        return ParameterForm(
            data=data, initial=initial, spec=row.spec, branch_name=branch.name if branch else None
        )

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        context["title"] = self.get_object().spec.label
        context["breadcrumbs"][-1]["label"] = context["title"]
        return context

    def perform(self, form: forms.Form) -> Any:
        branch = _active_branch(self.request)
        data = form.cleaned_data
        return services.parameter_set(
            actor=self.request.user,  # type: ignore[arg-type]
            key=self.get_object().spec.key,
            value=data["value"],
            branch_id=branch.pk if data["level"] == LEVEL_BRANCH and branch else None,
        )

    def success_url(self, result: Any) -> str:
        return reverse("configuration:parameter_list")


class ParameterResetView(ParameterMixin, PermissionRequiredView):
    """POST only: remove the organisation's value or the active branch's override."""

    permissions = ("configuration.view_parametervalue",)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        row = self.parameter()
        branch = _active_branch(request)
        level = request.POST.get("level")
        branch_id = branch.pk if level == LEVEL_BRANCH and branch else None
        try:
            services.parameter_reset(actor=request.user, key=row.spec.key, branch_id=branch_id)  # type: ignore[arg-type]
        except (errors.PermissionDenied, errors.NotFound) as exc:
            raise _domain_errors_as_http(exc) from exc
        except errors.DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The parameter was reset."))
        return HttpResponseRedirect(reverse("configuration:parameter_list"))


# --- visit-flow stages ---------------------------------------------------------------------------


class VisitStageListView(ObjectListView):
    permissions = ("configuration.view_visitstage",)
    export_permissions = ("configuration.view_visitstage", "configuration.export_visitstage")
    title = gettext_lazy("Visit flow")
    selector = selectors.visit_stages_for
    filterset_class = VisitStageFilterSet
    table_class = VisitStageTable
    template_name = "configuration/visit_stage_list.html"
    export_basename = "visit-stages"
    create_url_name = "configuration:visit_stage_create"
    create_permissions = ("configuration.add_visitstage",)
    create_label = gettext_lazy("New stage")
    empty_text = gettext_lazy("The visit flow has no stages yet.")

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        user = self.request.user
        filtered = any(self.request.GET.get(name) for name in ("sort", "q", "is_active"))
        context["can_move"] = user.has_perm("configuration.change_visitstage") and not filtered
        context["can_edit"] = user.has_perm("configuration.change_visitstage")
        return context


class VisitStageCreateView(ObjectCreateView):
    permissions = ("configuration.view_visitstage", "configuration.add_visitstage")
    title = gettext_lazy("New stage")
    breadcrumbs = (VISIT_FLOW,)
    form_class = VisitStageForm
    success_message = gettext_lazy("The stage was created.")

    def perform(self, form: forms.Form) -> VisitStage:
        data = form.cleaned_data
        return services.visit_stage_create(
            actor=self.request.user,  # type: ignore[arg-type]
            code=data["code"],
            name=data["name"],
            order=data["order"],
        )

    def success_url(self, result: VisitStage) -> str:
        return reverse("configuration:visit_stage_list")


class VisitStageEditView(ActionsFormMixin, ObjectEditView):
    permissions = ("configuration.view_visitstage", "configuration.change_visitstage")
    title = gettext_lazy("Edit stage")
    breadcrumbs = (VISIT_FLOW,)
    getter = selectors.visit_stage_get_for
    form_class = VisitStageForm
    template_name = "configuration/object_form.html"
    success_message = gettext_lazy("The stage was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"editing": True}

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        stage: VisitStage = self.get_object()  # type: ignore[assignment]
        context["object"] = stage
        if stage.is_active and self.request.user.has_perm("configuration.delete_visitstage"):
            context["deactivate_url"] = reverse("configuration:visit_stage_deactivate", args=[stage.pk])
        return context

    def perform(self, form: forms.Form) -> VisitStage:
        data = form.cleaned_data
        return services.visit_stage_update(
            actor=self.request.user,  # type: ignore[arg-type]
            stage_id=self.get_object().pk,
            code=data["code"],
            name=data["name"],
            order=data["order"],
            is_active=data["is_active"],
        )

    def success_url(self, result: VisitStage) -> str:
        return reverse("configuration:visit_stage_list")


class VisitStageDeactivateView(ObjectDeleteView):
    permissions = ("configuration.view_visitstage", "configuration.delete_visitstage")
    title = gettext_lazy("Deactivate stage")
    breadcrumbs = (VISIT_FLOW,)
    getter = selectors.visit_stage_get_for
    submit_label = gettext_lazy("Deactivate")
    confirm_text = gettext_lazy("The stage leaves the visit flow; past visits keep it. Deactivate it?")
    success_message = gettext_lazy("The stage was deactivated.")

    def perform(self, form: forms.Form) -> VisitStage:
        return services.visit_stage_deactivate(actor=self.request.user, stage_id=self.get_object().pk)  # type: ignore[arg-type]

    def success_url(self, result: VisitStage) -> str:
        return reverse("configuration:visit_stage_list")


class VisitStageMoveView(PermissionRequiredView):
    """POST ``direction=up|down``: swap the stage with its neighbour in the flow."""

    permissions = ("configuration.view_visitstage", "configuration.change_visitstage")
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        ids = list(selectors.visit_stages_for(request.user).values_list("pk", flat=True))  # type: ignore[arg-type]
        if pk not in ids:
            raise Http404
        index = ids.index(pk)
        target = index - 1 if request.POST.get("direction") == "up" else index + 1
        if 0 <= target < len(ids):
            ids[index], ids[target] = ids[target], ids[index]
            try:
                services.visit_stages_reorder(actor=request.user, ids=ids)  # type: ignore[arg-type]
            except (errors.PermissionDenied, errors.NotFound) as exc:
                raise _domain_errors_as_http(exc) from exc
            except errors.DomainError as exc:
                messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("configuration:visit_stage_list"))
