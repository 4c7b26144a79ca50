"""Pages of the catalog project family: the category tree, projects (CAT-01) with the editor of
their member prices, required resources, standard consumables (BOM) and operator fees (CAT-05),
and the project's knowledge base and cases with the consultation view (CAT-04).

The editor posts the project's fields and every row of its four sections (``<section>`` = the
row's token, fields ``<section>-<token>-<field>``); the view turns them into the service's inputs
and calls ``project_create`` / ``project_update``. A refusal comes back next to the field or row
it names (``materials.0.quantity`` → the first BOM row's quantity) and nothing is written.

Case images are served only through :class:`CaseImageView` (permission, organisation, consent,
each opening audited), never from a public URL."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.accounts.models import User
from medspa.catalog import project_selectors as selectors
from medspa.catalog import project_services as services
from medspa.catalog.models import Project, ProjectCase
from medspa.catalog.project_filtersets import CategoryFilterSet, ProjectFilterSet
from medspa.catalog.project_forms import (
    MAX_ID,
    ROW_FORMS,
    SECTIONS,
    TOKEN,
    ArticleForm,
    CaseForm,
    CategoryForm,
    ProjectForm,
    row_tokens,
)
from medspa.catalog.project_tables import CategoryTable, ProjectTable
from medspa.core import errors, menu
from medspa.core.money import format_cny
from medspa.core.views import generic
from medspa.core.views.generic import (
    ActorFormMixin,
    ObjectCreateView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    PermissionRequiredView,
    detail_section,
    get_or_404,
)
from medspa.inventory.master_selectors import item_search
from medspa.inventory.models import Item

NS = "catalog_projects"
CATEGORIES = (gettext_lazy("Catalog categories"), f"{NS}:category_list")
PROJECTS = (gettext_lazy("Projects"), f"{NS}:project_list")
VIEW_CATEGORY = "catalog.view_category"
VIEW_PROJECT = "catalog.view_project"
ADD_PROJECT = "catalog.add_project"
CHANGE_PROJECT = "catalog.change_project"
LOOKUP_LIMIT = 20
CATEGORY_PROJECTS = 100  # projects listed on a category's page
# The service's names of the child lists and of their id inputs → the editor's sections and fields.
SERVICE_SECTIONS = {
    "level_prices": "levels",
    "resources": "resources",
    "materials": "materials",
    "operator_fees": "fees",
}
KEY_FIELDS = {"levels": "member_level", "resources": "kind", "materials": "item", "fees": "position"}


def _actor(request: HttpRequest) -> User:
    """The logged-in user (the views' permission check has already turned anonymous users away)."""
    return cast(User, request.user)


def _pk(value: Model | None) -> int | None:
    return value.pk if value is not None else None


def _yes_no(value: bool) -> str:
    return str(_("Yes") if value else _("No"))


def _quantity_text(value: Decimal | None) -> str:
    """``10.000`` → ``10``; ``2.500`` → ``2.5``."""
    return "" if value is None else f"{value.normalize():f}"


def _percent_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f} %"


class ToDetail(generic.ToDetail):
    namespace = NS


class CatalogDetailView(ObjectDetailView):
    """A detail page with Edit and Deactivate buttons and sections of child rows."""

    template_name = "catalog/project/detail.html"
    model_name: ClassVar[str]

    def extra_rows(self, obj: Any) -> list[dict[str, Any]]:
        return []

    def sections(self, obj: Any) -> list[dict[str, Any]]:
        return []

    def can(self, perm: str) -> bool:
        return bool(self.request.user.has_perm(f"catalog.{perm}"))

    def extra_context(self, obj: Any) -> dict[str, Any]:
        name = self.model_name
        can_change = self.can(f"change_{name}")
        return {
            "extra_rows": self.extra_rows(obj),
            "sections": self.sections(obj),
            "edit_url": reverse(f"{NS}:{name}_edit", args=[obj.pk]) if can_change else None,
            "deactivate_url": reverse(f"{NS}:{name}_deactivate", args=[obj.pk])
            if can_change and obj.is_active
            else None,
        }


# --- categories -----------------------------------------------------------------------------------


class CategoryListView(ObjectListView):
    permissions = (VIEW_CATEGORY,)
    title = gettext_lazy("Catalog categories")
    selector = selectors.categories_for
    filterset_class = CategoryFilterSet
    table_class = CategoryTable
    export_basename = "catalog-categories"
    create_url_name = f"{NS}:category_create"
    create_permissions = ("catalog.add_category",)
    create_label = gettext_lazy("New category")
    empty_text = gettext_lazy("No categories match.")


class CategoryDetailView(CatalogDetailView):
    model_name = "category"
    permissions = (VIEW_CATEGORY,)
    breadcrumbs = (CATEGORIES,)
    getter = selectors.category_get_for
    fields = (
        (gettext_lazy("Code"), "code"),
        (gettext_lazy("Name"), "name"),
        (gettext_lazy("Order"), "order"),
        (gettext_lazy("Active"), "is_active"),
        (gettext_lazy("Updated at"), "updated_at"),
    )

    def extra_rows(self, obj: Any) -> list[dict[str, Any]]:
        return [{"label": _("Path"), "value": selectors.category_path(obj)}]

    def sections(self, obj: Any) -> list[dict[str, Any]]:
        actor = _actor(self.request)
        children = [
            {
                "cells": [child.code, child.name, _yes_no(child.is_active)],
                "url": reverse(f"{NS}:category_detail", args=[child.pk]),
                "muted": not child.is_active,
            }
            for child in selectors.categories_for(actor).filter(parent=obj)
        ]
        sections = [
            detail_section(
                "children",
                _("Sub-categories"),
                [_("Code"), _("Name"), _("Active")],
                children,
                empty=_("No sub-categories."),
            )
        ]
        if actor.has_perm(VIEW_PROJECT):
            projects = [
                {
                    "cells": [p.code, p.name, format_cny(p.list_price), _yes_no(p.is_active)],
                    "url": reverse(f"{NS}:project_detail", args=[p.pk]),
                    "muted": not p.is_active,
                }
                for p in selectors.projects_for(actor).filter(category=obj)[:CATEGORY_PROJECTS]
            ]
            sections.append(
                detail_section(
                    "projects",
                    _("Projects"),
                    [_("Code"), _("Name"), _("List price"), _("Active")],
                    projects,
                    empty=_("No projects in this category."),
                )
            )
        return sections


def _category_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": data["code"],
        "name": data["name"],
        "parent_id": _pk(data["parent"]),
        "order": data["order"] or 0,
    }


class CategoryCreateView(ToDetail, ActorFormMixin, ObjectCreateView):
    model_name = "category"
    permissions = (VIEW_CATEGORY, "catalog.add_category")
    title = gettext_lazy("New category")
    breadcrumbs = (CATEGORIES,)
    form_class = CategoryForm
    success_message = gettext_lazy("The category was created.")

    def perform(self, form: forms.Form) -> Any:
        return services.category_create(actor=_actor(self.request), **_category_arguments(form.cleaned_data))


class CategoryEditView(ToDetail, ObjectEditView):
    model_name = "category"
    permissions = (VIEW_CATEGORY, "catalog.change_category")
    title = gettext_lazy("Edit category")
    breadcrumbs = (CATEGORIES,)
    getter = selectors.category_get_for
    form_class = CategoryForm
    success_message = gettext_lazy("The category was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self.request), "editing": self.get_object()}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.category_update(
            actor=_actor(self.request),
            category_id=self.get_object().pk,
            is_active=data["is_active"],
            **_category_arguments(data),
        )


class CategoryDeactivateView(ToDetail, ObjectDeleteView):
    model_name = "category"
    permissions = (VIEW_CATEGORY, "catalog.change_category")
    title = gettext_lazy("Deactivate category")
    breadcrumbs = (CATEGORIES,)
    getter = selectors.category_get_for
    submit_label = gettext_lazy("Deactivate")
    confirm_text = gettext_lazy(
        "A deactivated category can no longer be chosen for projects, products or packages. Deactivate it?"
    )
    success_message = gettext_lazy("The category was deactivated.")

    def perform(self, form: forms.Form) -> Any:
        return services.category_deactivate(actor=_actor(self.request), category_id=self.get_object().pk)


# --- projects -------------------------------------------------------------------------------------


class ProjectListView(ObjectListView):
    permissions = (VIEW_PROJECT,)
    export_permissions = (VIEW_PROJECT, "catalog.export_project")
    title = gettext_lazy("Projects")
    selector = selectors.projects_for
    filterset_class = ProjectFilterSet
    table_class = ProjectTable
    export_basename = "projects"
    create_url_name = f"{NS}:project_create"
    create_permissions = (ADD_PROJECT,)
    create_label = gettext_lazy("New project")
    empty_text = gettext_lazy("No projects match.")


def _image_url(case: ProjectCase, side: str) -> str | None:
    if not getattr(case, f"{side}_image"):
        return None
    return reverse(f"{NS}:case_image", args=[case.pk, side])


class ProjectDetailView(CatalogDetailView):
    model_name = "project"
    template_name = "catalog/project/project_detail.html"
    permissions = (VIEW_PROJECT,)
    breadcrumbs = (PROJECTS,)
    getter = selectors.project_get_for
    fields = (
        (gettext_lazy("Code"), "code"),
        (gettext_lazy("Name"), "name"),
        (gettext_lazy("Sessions per course"), "sessions_per_course"),
        (gettext_lazy("Duration (minutes)"), "duration_minutes"),
        (gettext_lazy("Minimum days between sessions"), "min_interval_days"),
        (gettext_lazy("Active"), "is_active"),
        (gettext_lazy("Updated at"), "updated_at"),
    )

    def extra_rows(self, obj: Any) -> list[dict[str, Any]]:
        department = obj.department
        return [
            {"label": _("Category"), "value": selectors.category_path(obj.category)},
            {
                "label": _("Department"),
                "value": f"{department.branch.name} · {department.name}" if department else "",
            },
            {"label": _("List price"), "value": format_cny(obj.list_price)},
            {"label": _("Description"), "value": obj.description},
            {"label": _("Post-treatment instructions"), "value": obj.aftercare},
        ]

    def sections(self, obj: Any) -> list[dict[str, Any]]:
        levels = [
            {
                "cells": [
                    row.member_level.name,
                    format_cny(row.price) if row.price is not None else "",
                    _percent_text(row.discount_percent),
                ]
            }
            for row in obj.level_prices.all()
        ]
        resources = [
            {"cells": [row.get_kind_display(), row.description, str(row.quantity)]}
            for row in obj.resources.all()
        ]
        materials = [
            {
                "cells": [
                    f"{row.item.code} {row.item.name}",
                    row.item.specification,
                    f"{_quantity_text(row.quantity)} {row.item.base_unit}",
                    row.note,
                ]
            }
            for row in obj.materials.all()
        ]
        fees = [{"cells": [row.position.name, format_cny(row.fee)]} for row in obj.operator_fees.all()]
        return [
            detail_section(
                "levels",
                _("Member prices"),
                [_("Member level"), _("Member price"), _("Pays percent of list price")],
                levels,
                empty=_("No member prices: each member level's own discount applies."),
            ),
            detail_section(
                "resources",
                _("Required resources"),
                [_("Resource"), _("Room or device type"), _("Quantity")],
                resources,
                empty=_("No resources required."),
            ),
            detail_section(
                "materials",
                _("Standard consumables per session"),
                [_("Item"), _("Specification"), _("Quantity per session"), _("Note")],
                materials,
                empty=_("No standard consumables."),
            ),
            detail_section(
                "fees",
                _("Operators and operation fees"),
                [_("Position"), _("Fee per session")],
                fees,
                empty=_("No operators set."),
            ),
        ]

    def extra_context(self, obj: Any) -> dict[str, Any]:
        context = super().extra_context(obj)
        actor = _actor(self.request)
        can_edit_articles = actor.has_perm("catalog.change_projectarticle")
        can_edit_cases = actor.has_perm("catalog.change_projectcase")
        articles = selectors.articles_for(actor).filter(project=obj)
        if not can_edit_articles:
            articles = articles.filter(is_active=True)
        cases = selectors.cases_for(actor, editing=can_edit_cases).filter(project=obj)
        if not can_edit_cases:
            cases = cases.filter(is_active=True)
        context.update(
            knowledge_url=reverse(f"{NS}:project_knowledge", args=[obj.pk]),
            articles=[
                {
                    "article": article,
                    "edit_url": reverse(f"{NS}:article_edit", args=[article.pk])
                    if can_edit_articles
                    else None,
                    "deactivate_url": reverse(f"{NS}:article_deactivate", args=[article.pk])
                    if can_edit_articles and article.is_active
                    else None,
                }
                for article in articles
            ],
            add_article_url=reverse(f"{NS}:article_create", args=[obj.pk])
            if actor.has_perm("catalog.add_projectarticle")
            else None,
            cases=[
                {
                    "case": case,
                    "before_url": _image_url(case, "before"),
                    "after_url": _image_url(case, "after"),
                    "edit_url": reverse(f"{NS}:case_edit", args=[case.pk]) if can_edit_cases else None,
                    "deactivate_url": reverse(f"{NS}:case_deactivate", args=[case.pk])
                    if can_edit_cases and case.is_active
                    else None,
                }
                for case in cases
            ],
            add_case_url=reverse(f"{NS}:case_create", args=[obj.pk])
            if actor.has_perm("catalog.add_projectcase")
            else None,
        )
        return context


class ProjectKnowledgeView(PermissionRequiredView):
    """The consultation view (知识库与案例) for consultants on a tablet: price, sessions, duration,
    aftercare, the articles and the consented cases with before and after side by side."""

    permissions = (VIEW_PROJECT,)
    breadcrumbs = (PROJECTS,)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            knowledge = selectors.project_knowledge_for(_actor(request), int(pk))
        except errors.NotFound as exc:
            raise Http404 from exc
        project = knowledge.project
        context = self.base_context(
            project=project,
            category_path=selectors.category_path(project.category),
            level_prices=[
                {
                    "name": row.member_level.name,
                    "price": format_cny(row.price)
                    if row.price is not None
                    else _percent_text(row.discount_percent),
                }
                for row in project.level_prices.all()
            ],
            articles=knowledge.articles,
            cases=[
                {
                    "case": case,
                    "before_url": _image_url(case, "before"),
                    "after_url": _image_url(case, "after"),
                }
                for case in knowledge.cases
            ],
        )
        context["title"] = project.name
        context["breadcrumbs"].insert(
            -1, {"label": project.name, "url": reverse(f"{NS}:project_detail", args=[project.pk])}
        )
        context["breadcrumbs"][-1]["label"] = _("Knowledge base and cases")
        return render(request, "catalog/project/project_knowledge.html", context)


class ProjectDeactivateView(ToDetail, ObjectDeleteView):
    model_name = "project"
    permissions = (VIEW_PROJECT, CHANGE_PROJECT)
    title = gettext_lazy("Deactivate project")
    breadcrumbs = (PROJECTS,)
    getter = selectors.project_get_for
    submit_label = gettext_lazy("Deactivate")
    confirm_text = gettext_lazy(
        "A deactivated project is no longer offered for sale; its history stays. Deactivate it?"
    )
    success_message = gettext_lazy("The project was deactivated.")

    def perform(self, form: forms.Form) -> Any:
        return services.project_deactivate(actor=_actor(self.request), project_id=self.get_object().pk)


# --- the project editor ---------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_hex(4)


def _int(value: Any) -> int | None:
    """A positive database id, or None."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _raw(form: forms.Form, name: str) -> str:
    value = form[name].value()
    return "" if value is None else str(value)


@dataclass
class EditorRow:
    """One row of a section of the editor as the template draws it."""

    section: str
    token: str
    form: forms.Form
    item: Item | None = None
    errors: list[str] = field(default_factory=list)


class RowContext:
    """What the editor's rows need, fetched once for all rows: the member levels and positions
    to choose from and the BOM rows' items."""

    def __init__(self, actor: User, item_ids: list[int]) -> None:
        self.choices = {
            "levels": [
                (str(level.pk), _label(level.name, level.is_active))
                for level in selectors.member_level_choices(actor)
            ],
            "fees": [
                (str(position.pk), _label(position.name, position.is_active))
                for position in selectors.position_choices(actor)
            ],
        }
        wanted = [pk for pk in item_ids if pk]
        self.items = (
            {item.pk: item for item in selectors.item_choices(actor).filter(pk__in=wanted)} if wanted else {}
        )

    def form(
        self, section: str, token: str, data: Any = None, initial: dict[str, Any] | None = None
    ) -> forms.Form:
        form_class: Any = ROW_FORMS[section]
        return cast(
            forms.Form,
            form_class(data, initial=initial, prefix=f"{section}-{token}", choices=self.choices.get(section)),
        )

    def row(self, section: str, token: str, form: forms.Form, errors: list[str] | None = None) -> EditorRow:
        item = self.items.get(_int(_raw(form, "item")) or 0) if section == "materials" else None
        return EditorRow(section=section, token=token, form=form, item=item, errors=list(errors or []))


def _label(name: str, active: bool) -> str:
    return name if active else _("%(name)s (deactivated)") % {"name": name}


SECTION_TITLES = {
    "levels": (gettext_lazy("Member prices"), gettext_lazy("Add a member price")),
    "resources": (gettext_lazy("Required resources"), gettext_lazy("Add a resource")),
    "materials": (gettext_lazy("Standard consumables per session"), gettext_lazy("Add a consumable")),
    "fees": (gettext_lazy("Operators and operation fees"), gettext_lazy("Add an operator")),
}
SECTION_HINTS = {
    "levels": gettext_lazy(
        "A fixed member price, or what the member pays as a percent of the list price (90 = 10 percent off). "
        "Levels not listed get their own discount."
    ),
    "resources": gettext_lazy("What a booking of this project needs: doctor, nurse, room or device."),
    "materials": gettext_lazy("Inventory items consumed by one session, in each item's base unit."),
    "fees": gettext_lazy("The positions that perform the project and the operation fee per session."),
}


def _initial_rows(project: Project) -> dict[str, list[dict[str, Any]]]:
    return {
        "levels": [
            {
                "member_level": row.member_level_id,
                "price": row.price if row.price is not None else "",
                "discount_percent": row.discount_percent if row.discount_percent is not None else "",
            }
            for row in project.level_prices.all()
        ],
        "resources": [
            {"kind": row.kind, "description": row.description, "quantity": row.quantity}
            for row in project.resources.all()
        ],
        "materials": [
            {"item": row.item_id, "quantity": _quantity_text(row.quantity), "note": row.note}
            for row in project.materials.all()
        ],
        "fees": [{"position": row.position_id, "fee": row.fee} for row in project.operator_fees.all()],
    }


def _is_blank(form: forms.Form, section: str) -> bool:
    """A row left empty: no key value (level, kind, item, position) and nothing else typed."""
    for name, form_field in form.fields.items():
        raw = _raw(form, name).strip()
        if name == KEY_FIELDS[section]:
            if raw:
                return False
        elif raw and raw != str(form_field.initial if form_field.initial is not None else ""):
            return False
    return True


def _inputs(section: str, data: dict[str, Any]) -> Any:
    if section == "levels":
        return services.LevelPriceInput(
            member_level_id=data["member_level"],
            price=data["price"],
            discount_percent=data["discount_percent"],
        )
    if section == "resources":
        return services.ResourceInput(
            kind=data["kind"], description=data["description"], quantity=data["quantity"]
        )
    if section == "materials":
        return services.MaterialInput(item_id=data["item"], quantity=data["quantity"], note=data["note"])
    return services.OperatorFeeInput(position_id=data["position"], fee=data["fee"])


def _attach_error(
    exc: errors.DomainError,
    header: forms.Form,
    rows: dict[str, list[tuple[str, forms.Form]]],
    row_errors: dict[str, list[str]],
    general: list[str],
) -> None:
    """Put a service refusal next to what it names: ``materials.<n>.<field>`` → that row's
    field (or the row, for its hidden item), a header field → the header, else above the form."""
    name = exc.field or ""
    parts = name.split(".")
    section = SERVICE_SECTIONS.get(parts[0])
    if section is not None and len(parts) >= 2 and parts[1].isdigit():
        index = int(parts[1])
        if 0 <= index < len(rows[section]):
            token, form = rows[section][index]
            field_name = parts[2].removesuffix("_id") if len(parts) > 2 else ""
            if field_name in form.fields and not isinstance(
                form.fields[field_name].widget, forms.HiddenInput
            ):
                form.add_error(field_name, exc.message)
            else:
                row_errors.setdefault(f"{section}-{token}", []).append(exc.message)
            return
    if section is not None:
        general.append(exc.message)
        return
    if name in header.fields:
        header.add_error(name, exc.message)
        return
    general.append(exc.message)


class ProjectEditorView(PermissionRequiredView):
    """The editor of a project (new, or ``editing`` one): its fields and four sections of rows.
    GET draws it; POST saves through the service, or draws it again with the errors."""

    template_name = "catalog/project/project_form.html"
    breadcrumbs = (PROJECTS,)
    editing: ClassVar[bool] = False

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.project: Project | None = None

    def get_project(self) -> Project:
        if self.project is None:
            self.project = cast(
                Project, get_or_404(selectors.project_get_for, self.request.user, self.kwargs["pk"])
            )
        return self.project

    def header_form(self, data: Any = None, initial: dict[str, Any] | None = None) -> ProjectForm:
        editing = self.get_project() if self.editing else None
        return ProjectForm(data, initial=initial, actor=_actor(self.request), editing=editing)

    def render_editor(
        self,
        header: ProjectForm,
        rows: dict[str, list[tuple[str, forms.Form]]],
        context_rows: RowContext,
        *,
        row_errors: dict[str, list[str]] | None = None,
        general_errors: list[str] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        errors_by_row = row_errors or {}
        sections = [
            {
                "key": section,
                "title": SECTION_TITLES[section][0],
                "add_label": SECTION_TITLES[section][1],
                "hint": SECTION_HINTS[section],
                "rows": [
                    context_rows.row(section, token, form, errors_by_row.get(f"{section}-{token}"))
                    for token, form in rows[section]
                ],
            }
            for section in SECTIONS
        ]
        if self.editing:
            project = self.get_project()
            title = _("Edit %(name)s") % {"name": project.name}
            cancel_url = reverse(f"{NS}:project_detail", args=[project.pk])
        else:
            title = _("New project")
            cancel_url = reverse(f"{NS}:project_list")
        context = self.base_context(
            header=header, sections=sections, general_errors=general_errors or [], cancel_url=cancel_url
        )
        context["title"] = title
        context["breadcrumbs"][-1]["label"] = title
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.editing:
            rows: dict[str, list[tuple[str, forms.Form]]] = {section: [] for section in SECTIONS}
            return self.render_editor(self.header_form(), rows, RowContext(_actor(request), []))
        project = self.get_project()
        initial = {
            "code": project.code,
            "name": project.name,
            "category": project.category_id,
            "department": project.department_id,
            "list_price": project.list_price,
            "sessions_per_course": project.sessions_per_course,
            "duration_minutes": project.duration_minutes,
            "min_interval_days": project.min_interval_days,
            "description": project.description,
            "aftercare": project.aftercare,
            "is_active": project.is_active,
        }
        values = _initial_rows(project)
        context_rows = RowContext(_actor(request), [row["item"] for row in values["materials"]])
        rows = {
            section: [
                (f"r{index}", context_rows.form(section, f"r{index}", initial=row))
                for index, row in enumerate(values[section], start=1)
            ]
            for section in SECTIONS
        }
        return self.render_editor(self.header_form(initial=initial), rows, context_rows)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.editing:
            self.get_project()
        data = request.POST
        item_ids = [_int(data.get(f"materials-{token}-item")) or 0 for token in row_tokens(data, "materials")]
        context_rows = RowContext(_actor(request), item_ids)
        header = self.header_form(data)
        rows: dict[str, list[tuple[str, forms.Form]]] = {}
        for section in SECTIONS:
            forms_of_section = [(t, context_rows.form(section, t, data)) for t in row_tokens(data, section)]
            rows[section] = [(t, f) for t, f in forms_of_section if not _is_blank(f, section)]
        checked = [header.is_valid()] + [
            form.is_valid() for section in SECTIONS for _t, form in rows[section]
        ]
        row_errors: dict[str, list[str]] = {}
        general: list[str] = []
        if all(checked):
            try:
                project = self.save(header.cleaned_data, rows)
            except errors.PermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from exc
            except errors.NotFound as exc:
                raise Http404 from exc
            except errors.DomainError as exc:
                _attach_error(exc, header, rows, row_errors, general)
            else:
                messages.success(request, _("The project was saved."))
                return HttpResponseRedirect(reverse(f"{NS}:project_detail", args=[project.pk]))
        else:
            general.append(_("Please correct the errors below."))
        return self.render_editor(
            header, rows, context_rows, row_errors=row_errors, general_errors=general, status=422
        )

    def save(self, data: dict[str, Any], rows: dict[str, list[tuple[str, forms.Form]]]) -> Project:
        inputs = {
            section: [_inputs(section, form.cleaned_data) for _t, form in rows[section]]
            for section in SECTIONS
        }
        arguments = {
            "code": data["code"],
            "name": data["name"],
            "category_id": _pk(data["category"]),
            "department_id": _pk(data["department"]),
            "list_price": data["list_price"],
            "sessions_per_course": data["sessions_per_course"],
            "duration_minutes": data["duration_minutes"],
            "min_interval_days": data["min_interval_days"],
            "description": data["description"],
            "aftercare": data["aftercare"],
            "level_prices": inputs["levels"],
            "resources": inputs["resources"],
            "materials": inputs["materials"],
            "operator_fees": inputs["fees"],
        }
        actor = _actor(self.request)
        if self.editing:
            return services.project_update(
                actor=actor, project_id=self.get_project().pk, is_active=data["is_active"], **arguments
            )
        return services.project_create(actor=actor, **arguments)


class ProjectCreateView(ProjectEditorView):
    permissions = (VIEW_PROJECT, ADD_PROJECT)
    title = gettext_lazy("New project")


class ProjectEditView(ProjectEditorView):
    permissions = (VIEW_PROJECT, CHANGE_PROJECT)
    title = gettext_lazy("Edit project")
    editing = True


class EditorPermissionMixin:
    """The editor's helper endpoints serve whoever may create or change projects."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and not (user.has_perm(ADD_PROJECT) or user.has_perm(CHANGE_PROJECT)):
            raise DjangoPermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class ProjectRowView(EditorPermissionMixin, PermissionRequiredView):
    """GET ``section`` (``token``, ``item``): one editor row — empty, or for the BOM the row of
    the item just picked."""

    permissions = (VIEW_PROJECT,)

    def get(self, request: HttpRequest) -> HttpResponse:
        section = request.GET.get("section", "")
        if section not in SECTIONS:
            raise Http404
        token = request.GET.get("token", "")
        if not TOKEN.match(token):
            token = new_token()
        initial: dict[str, Any] = {}
        item_id = _int(request.GET.get("item")) if section == "materials" else None
        if item_id is not None:
            initial["item"] = item_id
        context_rows = RowContext(_actor(request), [item_id or 0])
        if section == "materials" and item_id is not None and item_id not in context_rows.items:
            raise Http404
        form = context_rows.form(section, token, initial=initial)
        return render(
            request, "catalog/project/_editor_row.html", {"row": context_rows.row(section, token, form)}
        )


class ProjectItemLookupView(EditorPermissionMixin, PermissionRequiredView):
    """GET ``q`` (``token``): the active inventory items matching it (code, name, pinyin, barcode)
    as buttons that fill the asking BOM row."""

    permissions = (VIEW_PROJECT,)

    def get(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.get("q", "")
        token = request.GET.get("token", "")
        items = item_search(_actor(request), query, limit=LOOKUP_LIMIT)
        context = {"items": items, "query": query.strip(), "token": token if TOKEN.match(token) else ""}
        return render(request, "catalog/project/_item_results.html", context)


# --- knowledge articles and cases -----------------------------------------------------------------


class ProjectChildMixin:
    """Forms under a project (``project_id`` in the URL, fetched in the actor's scope, else 404)
    that return to the project's page. The permission check (``dispatch``) runs first."""

    request: Any
    kwargs: dict[str, Any]
    _project: Any = None

    def get_project(self) -> Any:
        if self._project is None:
            self._project = get_or_404(
                selectors.project_get_for, _actor(self.request), self.kwargs["project_id"]
            )
        return self._project

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_project()
        return super().get(request, *args, **kwargs)  # type: ignore[misc]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_project()
        return super().post(request, *args, **kwargs)  # type: ignore[misc]

    def success_url(self, result: Any) -> str:
        return reverse(f"{NS}:project_detail", args=[self.get_project().pk])

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().base_context(**extra)  # type: ignore[misc]
        project = self.get_project()
        context["breadcrumbs"].insert(
            -1, {"label": str(project), "url": reverse(f"{NS}:project_detail", args=[project.pk])}
        )
        return context


class ProjectRowOfObjectMixin(ProjectChildMixin):
    """Edit/deactivate pages of an article or a case: the project is the row's."""

    def get_project(self) -> Any:
        if self._project is None:
            self._project = self.get_object().project  # type: ignore[attr-defined]
        return self._project


class MultipartFormMixin:
    """Forms with file inputs: ``request.FILES`` and a multipart form template."""

    request: HttpRequest
    form_class: ClassVar[type[forms.Form]]
    template_name = "catalog/project/multipart_form.html"

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_form(self, data: Any = None) -> forms.Form:
        files = self.request.FILES if data is not None else None
        return self.form_class(data=data, files=files, initial=self.initial_values(), **self.form_kwargs())

    def initial_values(self) -> dict[str, Any]:
        return {}


class ArticleCreateView(ProjectChildMixin, ObjectCreateView):
    permissions = (VIEW_PROJECT, "catalog.add_projectarticle")
    title = gettext_lazy("New article")
    breadcrumbs = (PROJECTS,)
    form_class = ArticleForm
    success_message = gettext_lazy("The article was added.")

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.project_article_create(
            actor=_actor(self.request),
            project_id=self.get_project().pk,
            title=data["title"],
            body=data["body"],
            order=data["order"] or 0,
        )


class ArticleEditView(ProjectRowOfObjectMixin, ObjectEditView):
    permissions = (VIEW_PROJECT, "catalog.change_projectarticle")
    title = gettext_lazy("Edit article")
    breadcrumbs = (PROJECTS,)
    getter = selectors.article_get_for
    form_class = ArticleForm
    success_message = gettext_lazy("The article was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"editing": True}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.project_article_update(
            actor=_actor(self.request),
            article_id=self.get_object().pk,
            title=data["title"],
            body=data["body"],
            order=data["order"] or 0,
            is_active=data["is_active"],
        )


class ArticleDeactivateView(ProjectRowOfObjectMixin, ObjectDeleteView):
    permissions = (VIEW_PROJECT, "catalog.change_projectarticle")
    title = gettext_lazy("Deactivate article")
    breadcrumbs = (PROJECTS,)
    getter = selectors.article_get_for
    submit_label = gettext_lazy("Deactivate")
    confirm_text = gettext_lazy("A deactivated article is no longer shown while consulting. Deactivate it?")
    success_message = gettext_lazy("The article was deactivated.")

    def perform(self, form: forms.Form) -> Any:
        return services.project_article_deactivate(
            actor=_actor(self.request), article_id=self.get_object().pk
        )


def _case_get_for_editing(actor: User, pk: int) -> ProjectCase:
    return selectors.case_get_for(actor, pk, editing=True)


class CaseCreateView(ProjectChildMixin, MultipartFormMixin, ObjectCreateView):
    permissions = (VIEW_PROJECT, "catalog.add_projectcase")
    title = gettext_lazy("New case")
    breadcrumbs = (PROJECTS,)
    form_class = CaseForm
    success_message = gettext_lazy("The case was added.")

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.project_case_create(
            actor=_actor(self.request),
            project_id=self.get_project().pk,
            name=data["name"],
            description=data["description"],
            consent_confirmed=data["consent_confirmed"],
            order=data["order"] or 0,
            before_image=data["before_image"],
            after_image=data["after_image"],
        )


class CaseEditView(ProjectRowOfObjectMixin, MultipartFormMixin, ObjectEditView):
    permissions = (VIEW_PROJECT, "catalog.change_projectcase")
    title = gettext_lazy("Edit case")
    breadcrumbs = (PROJECTS,)
    getter = _case_get_for_editing
    form_class = CaseForm
    success_message = gettext_lazy("The case was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"editing": self.get_object()}

    def initial_values(self) -> dict[str, Any]:
        case: Any = self.get_object()
        return {
            "name": case.name,
            "description": case.description,
            "consent_confirmed": case.consent_confirmed,
            "order": case.order,
            "is_active": case.is_active,
        }

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        case: Any = self.get_object()
        context["images"] = [
            {"label": label, "url": _image_url(case, side)}
            for side, label in (("before", _("Before")), ("after", _("After")))
            if getattr(case, f"{side}_image")
        ]
        return context

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.project_case_update(
            actor=_actor(self.request),
            case_id=self.get_object().pk,
            name=data["name"],
            description=data["description"],
            consent_confirmed=data["consent_confirmed"],
            order=data["order"] or 0,
            before_image=data["before_image"],
            after_image=data["after_image"],
            clear_before_image=bool(data.get("clear_before_image")),
            clear_after_image=bool(data.get("clear_after_image")),
            is_active=data["is_active"],
        )


class CaseDeactivateView(ProjectRowOfObjectMixin, ObjectDeleteView):
    permissions = (VIEW_PROJECT, "catalog.change_projectcase")
    title = gettext_lazy("Deactivate case")
    breadcrumbs = (PROJECTS,)
    getter = _case_get_for_editing
    submit_label = gettext_lazy("Deactivate")
    confirm_text = gettext_lazy("A deactivated case is no longer shown while consulting. Deactivate it?")
    success_message = gettext_lazy("The case was deactivated.")

    def perform(self, form: forms.Form) -> Any:
        return services.project_case_deactivate(actor=_actor(self.request), case_id=self.get_object().pk)


def image_response(content_type: str, handle: Any) -> FileResponse:
    """Stream a case image shown inline: never cached, never sniffed, loading nothing else."""
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


class CaseImageView(PermissionRequiredView):
    """A case's ``before`` or ``after`` image after the permission, organisation and consent
    checks; each opening is audited."""

    permissions = (VIEW_PROJECT,)

    def get(self, request: HttpRequest, pk: int, side: str) -> FileResponse:
        try:
            _case, content_type, handle = services.project_case_image_open(
                actor=_actor(request), case_id=int(pk), side=side
            )
        except errors.PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except errors.NotFound as exc:
            raise Http404(exc.message) from exc
        return image_response(content_type, handle)


# --- menu -----------------------------------------------------------------------------------------


def register_menu() -> None:
    """The project family's entries of the Catalog menu group (orders 300–319)."""
    group = gettext_lazy("Catalog")
    for item in (
        menu.MenuItem(
            "catalog-projects",
            gettext_lazy("Projects"),
            f"{NS}:project_list",
            "ti-vaccine",
            300,
            group,
            (VIEW_PROJECT,),
        ),
        menu.MenuItem(
            "catalog-categories",
            gettext_lazy("Catalog categories"),
            f"{NS}:category_list",
            "ti-category-2",
            318,
            group,
            (VIEW_CATEGORY,),
        ),
    ):
        menu.register(item)
