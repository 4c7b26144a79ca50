"""Generic list / detail / create / edit / delete views. Each model's pages are declarations:
a selector for the queryset (data scope applied there), a FilterSet, a Table, a form and a service.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views import View

from medspa.core import errors
from medspa.core.export import FORMATS, MAX_ROWS, export_table
from medspa.core.htmx import template_for, wants_partial
from medspa.core.tables import Column, Table

PER_PAGE_CHOICES = (25, 50, 100)


class PermissionRequiredView(LoginRequiredMixin, View):
    """Anonymous → login page; authenticated without every permission in ``permissions`` → 403."""

    permissions: ClassVar[Sequence[str]] = ()
    title: ClassVar[str | Promise] = ""
    breadcrumbs: ClassVar[Sequence[tuple[str | Promise, str | None]]] = ()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not all(request.user.has_perm(p) for p in self.permissions):
            raise DjangoPermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def base_context(self, **extra: Any) -> dict[str, Any]:
        crumbs = [
            {"label": label, "url": reverse(name) if name else None} for label, name in self.breadcrumbs
        ]
        crumbs.append({"label": self.title, "url": None})
        return {"title": self.title, "breadcrumbs": crumbs, **extra}


class ObjectListView(PermissionRequiredView):
    """Filter bar, sortable table, pagination and export of a selector's queryset."""

    selector: ClassVar[Callable[..., QuerySet[Any]]]
    filterset_class: ClassVar[type[django_filters.FilterSet] | None] = None
    table_class: ClassVar[type[Table]]
    template_name = "core/object_list.html"
    export_basename: ClassVar[str] = "export"
    export_permissions: ClassVar[Sequence[str] | None] = None  # None: the view permissions
    create_url_name: ClassVar[str | None] = None
    create_permissions: ClassVar[Sequence[str]] = ()
    create_label: ClassVar[str | Promise | None] = None
    empty_text: ClassVar[str | Promise | None] = None

    def get_queryset(self) -> QuerySet[Any]:
        return type(self).selector(self.request.user)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        queryset = self.get_queryset()
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(request.GET or None, queryset=queryset, request=request)
            if filterset.is_bound and filterset.is_valid():
                queryset = filterset.qs
            elif filterset.is_bound:
                queryset = queryset.none()
        sort = self.table_class.clean_sort(request.GET.get("sort"))
        if sort:
            queryset = queryset.order_by(*self.table_class.order_by_fields(sort))

        export = request.GET.get("export")
        if export:
            return self.export(queryset, export)

        per_page = _int(request.GET.get("per_page"), PER_PAGE_CHOICES[0])
        if per_page not in PER_PAGE_CHOICES:
            per_page = PER_PAGE_CHOICES[0]
        paginator = Paginator(queryset, per_page)
        page = paginator.get_page(request.GET.get("page"))
        table = self.table_class(page.object_list, sort=sort)
        query = request.GET.copy()
        for key in ("page", "export"):
            query.pop(key, None)
        can_create = bool(self.create_url_name) and all(
            request.user.has_perm(p) for p in self.create_permissions
        )
        context = self.base_context(
            table=table,
            filterset=filterset,
            page=page,
            paginator=paginator,
            per_page=per_page,
            per_page_choices=PER_PAGE_CHOICES,
            query=query.urlencode(),
            query_without_sort=_without(query, "sort"),
            can_export=self.can_export(),
            export_formats=FORMATS,
            create_url=reverse(self.create_url_name) if can_create and self.create_url_name else None,
            create_label=self.create_label or _("Add"),
            empty_text=self.empty_text or _("Nothing here yet."),
            list_actions=self.list_actions(query.urlencode()),
            selection=self.selection_action(),
        )
        return render(request, template_for(request, self.template_name, "results"), context)

    def selection_action(self) -> dict[str, str] | None:
        """``{"label", "url"}`` when rows can be ticked: the ticked rows' keys go to ``url`` as
        ``?id=1&id=2`` (GET, so the target page shows what it will do before anything changes)."""
        return None

    def list_actions(self, query: str) -> list[dict[str, str]]:
        """Extra buttons beside "new": ``{"label", "url", "icon", "testid"}``, already filtered by
        the actor's permissions; ``query`` is the list's current filter (for "apply to these")."""
        return []

    def can_export(self) -> bool:
        perms = self.permissions if self.export_permissions is None else self.export_permissions
        return all(self.request.user.has_perm(p) for p in perms)

    def export(self, queryset: QuerySet[Any], fmt: str) -> HttpResponse:
        if fmt not in FORMATS:
            raise Http404
        if not self.can_export():
            raise DjangoPermissionDenied
        return export_table(
            self.table_class, queryset[:MAX_ROWS].iterator(chunk_size=2000), fmt, self.export_basename
        )


class ObjectDetailView(PermissionRequiredView):
    """One object, fetched through ``getter(actor, pk)`` which raises NotFound outside the scope."""

    getter: ClassVar[Callable[..., Model]]
    template_name = "core/object_detail.html"
    fields: ClassVar[Sequence[tuple[str | Promise, str]]] = ()  # (label, attribute)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_or_404(type(self).getter, request.user, pk)
        rows = []
        for label, accessor in self.fields:
            rows.append({"label": label, "value": Column(accessor=accessor, label=label).text(obj)})
        context = self.base_context(object=obj, rows=rows, **self.extra_context(obj))
        context["title"] = self.object_title(obj)
        context["breadcrumbs"][-1]["label"] = context["title"]
        return render(request, self.template_name, context)

    def object_title(self, obj: Model) -> str:
        return str(obj)

    def extra_context(self, obj: Model) -> dict[str, Any]:
        return {}


class ObjectFormView(PermissionRequiredView, abc.ABC):
    """A form whose valid data goes to a service; DomainErrors come back as form errors."""

    form_class: ClassVar[type[forms.Form]]
    template_name = "core/object_form.html"
    submit_label: ClassVar[str | Promise | None] = None
    success_message: ClassVar[str | Promise | None] = None
    htmx_form: ClassVar[bool] = True  # submit with htmx and swap only the form (inline errors)

    def get_form(self, data: Any = None) -> forms.Form:
        return self.form_class(data=data, **self.form_kwargs())

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    @abc.abstractmethod
    def perform(self, form: forms.Form) -> Any:
        """Call the service with the form's cleaned data and return its result."""

    def success(self, result: Any) -> HttpResponse:
        if self.success_message:
            messages.success(self.request, str(self.success_message))
        url = self.success_url(result)
        if wants_partial(self.request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)

    def success_url(self, result: Any) -> str:
        return reverse("core:home")

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        context = self.base_context(
            form=form, submit_label=self.submit_label or _("Save"), htmx_form=self.htmx_form
        )
        return render(
            self.request, template_for(self.request, self.template_name, "form"), context, status=status
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_form(self.get_form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                result = self.perform(form)
            except errors.PermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from exc
            except errors.NotFound as exc:
                raise Http404(exc.message) from exc
            except errors.DomainError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.message)
            else:
                return self.success(result)
        # htmx swaps only 2xx responses: the fragment with errors comes back 200, the page 422.
        return self.render_form(form, status=200 if wants_partial(request) else 422)


class ObjectCreateView(ObjectFormView):
    pass


class ObjectEditView(ObjectFormView):
    """Edit one object: ``getter`` fetches it within the actor's scope; ``initial`` fills the form."""

    getter: ClassVar[Callable[..., Model]]

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.object: Model | None = None

    def get_object(self) -> Model:
        if self.object is None:
            self.object = get_or_404(type(self).getter, self.request.user, self.kwargs["pk"])
        return self.object

    def get_form(self, data: Any = None) -> forms.Form:
        obj = self.get_object()
        return self.form_class(data=data, initial=self.initial(obj), **self.form_kwargs())

    def initial(self, obj: Model) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self.form_class.base_fields if hasattr(obj, name)}


class ObjectDeleteView(ObjectEditView):
    """Confirmation page; POST calls the service (delete, revoke, deactivate…)."""

    template_name = "core/object_confirm.html"
    form_class = forms.Form
    confirm_text: ClassVar[str | Promise] = ""
    danger: ClassVar[bool] = True

    def initial(self, obj: Model) -> dict[str, Any]:
        return {}

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        context = self.base_context(
            form=form,
            object=self.get_object(),
            confirm_text=self.confirm_text,
            submit_label=self.submit_label or _("Delete"),
            danger=self.danger,
        )
        return render(self.request, self.template_name, context, status=status)


def get_or_404(getter: Callable[..., Model], actor: Any, pk: Any) -> Model:
    try:
        return getter(actor, int(pk))
    except (errors.NotFound, ValueError, TypeError) as exc:
        raise Http404 from exc


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def _without(query: Any, key: str) -> str:
    copy = query.copy()
    copy.pop(key, None)
    return str(copy.urlencode())


# --- small pieces the apps' edit and detail pages share ----------------------------------------------


class ActorFormMixin:
    """For forms whose choices come from selectors: the form gets the actor."""

    request: Any

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": self.request.user}


class ToDetail:
    """After a successful form: the object's detail page, ``<namespace>:<model_name>_detail``.
    An app sets ``namespace`` once on a subclass; each view sets ``model_name``."""

    namespace: ClassVar[str]
    model_name: ClassVar[str]

    def success_url(self, result: Model) -> str:
        return reverse(f"{self.namespace}:{self.model_name}_detail", args=[result.pk])


def detail_section(
    key: str,
    title: Any,
    headers: list[Any],
    rows: list[dict[str, Any]],
    *,
    add_url: str | None = None,
    add_label: Any = None,
    empty: Any = None,
) -> dict[str, Any]:
    """One section of child rows on a detail page (rendered by the apps' detail templates)."""
    return {
        "key": key,
        "title": title,
        "headers": headers,
        "rows": rows,
        "add_url": add_url,
        "add_label": add_label,
        "empty": empty or _("Nothing here yet."),
    }
