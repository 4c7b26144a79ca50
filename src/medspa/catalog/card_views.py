"""Pages of card types (卡项) — MKT-01: the list with its filter bar and export, the detail page, the
editor (one form whose fields follow the chosen kind, with repeating project and category discount
rows) and deactivation. Namespace ``catalog_cards``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.accounts.models import User
from medspa.catalog import card_selectors as selectors
from medspa.catalog import card_services as services
from medspa.catalog.card_filtersets import CardTypeFilterSet
from medspa.catalog.card_forms import (
    CardDiscountForm,
    CardItemForm,
    CardTypeForm,
    category_choices,
    project_choices,
)
from medspa.catalog.card_tables import CardTypeTable
from medspa.catalog.choices import CardKind, ValidityMode
from medspa.catalog.models import CardType
from medspa.core import errors, menu
from medspa.core.export import FORMATS, export_table
from medspa.core.export import MAX_ROWS as MAX_EXPORT_ROWS
from medspa.core.money import format_cny
from medspa.core.views.generic import (
    ObjectDeleteView,
    ObjectListView,
    PermissionRequiredView,
    get_or_404,
)

NS = "catalog_cards"
VIEW, ADD, CHANGE, DELETE, EXPORT = (
    f"catalog.{action}_cardtype" for action in ("view", "add", "change", "delete", "export")
)
CARD_TYPES = (gettext_lazy("Card types"), f"{NS}:cardtype_list")
TOKEN = re.compile(r"^[a-z0-9]{1,24}$")
MAX_ROWS = 100
BLANK_ITEM_ROWS = 2
EXPORT_CHUNK = 500
HEADER_FIELDS = (
    "code",
    "name",
    "kind",
    "price",
    "total_sessions",
    "bonus_amount",
    "validity_mode",
    "validity_days",
    "valid_until",
    "max_shared_members",
    "description",
)


def _actor(request: HttpRequest) -> User:
    """The logged-in user (the permission check has already turned anonymous users away)."""
    return cast(User, request.user)


# --- list, detail, deactivate -----------------------------------------------------------------------


class CardTypeListView(ObjectListView):
    permissions = (VIEW,)
    title = gettext_lazy("Card types")
    selector = selectors.card_types_for
    filterset_class = CardTypeFilterSet
    table_class = CardTypeTable
    export_basename = "card-types"
    export_permissions = (VIEW, EXPORT)
    create_url_name = f"{NS}:cardtype_create"
    create_permissions = (ADD,)
    create_label = gettext_lazy("New card type")
    empty_text = gettext_lazy("No card types match.")

    def export(self, queryset: QuerySet[Any], fmt: str) -> HttpResponse:
        """As the generic export, in chunks: the projects and discounts are prefetched per chunk."""
        if fmt not in FORMATS:
            raise Http404
        if not self.can_export():
            raise DjangoPermissionDenied
        rows = queryset[:MAX_EXPORT_ROWS].iterator(chunk_size=EXPORT_CHUNK)
        return export_table(self.table_class, rows, fmt, self.export_basename)


def _yes_no(value: bool) -> str:
    return str(_("Yes") if value else _("No"))


class CardTypeDetailView(PermissionRequiredView):
    """The card type with its projects or discounts and what one card gives."""

    permissions = (VIEW,)
    template_name = "catalog/card/detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        card_type = cast(CardType, get_or_404(selectors.card_type_get_for, request.user, pk))
        user = _actor(request)
        rows = [
            (_("Code"), card_type.code),
            (_("Name"), card_type.name),
            (_("Kind"), card_type.get_kind_display()),
            (_("Price"), format_cny(card_type.price)),
            (_("Content"), selectors.card_type_summary(card_type)),
        ]
        if card_type.kind == CardKind.STORED_VALUE:
            rows += [
                (_("Principal"), format_cny(card_type.price)),
                (_("Bonus"), format_cny(card_type.bonus_amount)),
            ]
        else:
            rows.append((_("Sessions in total"), str(card_type.total_sessions or "")))
        rows += [
            (_("Validity"), selectors.card_type_validity_text(card_type)),
            (_("Transferable"), _yes_no(card_type.is_transferable)),
            (_("Shareable with family members"), selectors.card_type_sharing_text(card_type)),
            (_("Description"), card_type.description),
            (_("Active"), _yes_no(card_type.is_active)),
        ]
        sessions_label = _("Cap") if card_type.kind == CardKind.CHOICE else _("Sessions")
        items = [
            {
                "code": item.project.code,
                "name": item.project.name,
                "sessions": item.sessions if item.sessions is not None else _("No cap"),
                "inactive": not item.project.is_active,
            }
            for item in card_type.items.all()
        ]
        discounts = [
            {
                "code": discount.category.code,
                "name": discount.category.name,
                "percent": f"{discount.discount_percent.normalize():f}%",
            }
            for discount in card_type.discounts.all()
        ]
        context = {
            "title": card_type.name,
            "breadcrumbs": [
                {"label": CARD_TYPES[0], "url": reverse(CARD_TYPES[1])},
                {"label": card_type.name, "url": None},
            ],
            "object": card_type,
            "rows": rows,
            "items": items,
            "sessions_label": sessions_label,
            "discounts": discounts,
            "edit_url": reverse(f"{NS}:cardtype_edit", args=[card_type.pk])
            if user.has_perm(CHANGE)
            else None,
            "deactivate_url": reverse(f"{NS}:cardtype_deactivate", args=[card_type.pk])
            if card_type.is_active and user.has_perm(DELETE)
            else None,
        }
        return render(request, self.template_name, context)


class CardTypeDeactivateView(ObjectDeleteView):
    permissions = (VIEW, DELETE)
    title = gettext_lazy("Deactivate card type")
    breadcrumbs = (CARD_TYPES,)
    getter = selectors.card_type_get_for
    submit_label = gettext_lazy("Deactivate")
    confirm_text = gettext_lazy(
        "A deactivated card type can no longer be sold; cards already sold keep their rights. Deactivate it?"
    )
    success_message = gettext_lazy("The card type was deactivated.")

    def perform(self, form: forms.Form) -> Any:
        return services.card_type_deactivate(actor=_actor(self.request), card_type_id=self.get_object().pk)

    def success_url(self, result: Any) -> str:
        return reverse(f"{NS}:cardtype_detail", args=[result.pk])


# --- the editor -------------------------------------------------------------------------------------


@dataclass
class Row:
    """One repeating row as the template draws it."""

    token: str
    form: forms.Form
    errors: list[str] = field(default_factory=list)


def _tokens(data: QueryDict, name: str) -> list[str]:
    """The posted row tokens of ``name`` (``item`` or ``discount``), well-formed, once each."""
    seen: dict[str, None] = {}
    for token in data.getlist(name):
        if TOKEN.match(token) and len(seen) < MAX_ROWS:
            seen.setdefault(token, None)
    return list(seen)


class CardTypeEditorView(PermissionRequiredView):
    """New card type, or one changed (``editing``). GET draws the form; POST validates the input
    shape, calls the service and puts each refusal next to the field or row it names."""

    template_name = "catalog/card/form.html"
    editing = False

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.card_type: CardType | None = None

    def get_card_type(self) -> CardType:
        if self.card_type is None:
            self.card_type = cast(
                CardType, get_or_404(selectors.card_type_get_for, self.request.user, self.kwargs["pk"])
            )
        return self.card_type

    # choices

    def current_projects(self) -> list[int]:
        return [item.project_id for item in self.get_card_type().items.all()] if self.editing else []

    def current_categories(self) -> list[int]:
        return [row.category_id for row in self.get_card_type().discounts.all()] if self.editing else []

    def header_form(self, data: Any = None, initial: dict[str, Any] | None = None) -> CardTypeForm:
        return CardTypeForm(data, initial=initial, projects=self.projects, editing=self.editing)

    def item_form(self, token: str, data: Any = None, initial: dict[str, Any] | None = None) -> CardItemForm:
        return CardItemForm(data, initial=initial, prefix=f"item-{token}", projects=self.projects)

    def discount_form(
        self, token: str, data: Any = None, initial: dict[str, Any] | None = None
    ) -> CardDiscountForm:
        return CardDiscountForm(data, initial=initial, prefix=f"discount-{token}", categories=self.categories)

    def load_choices(self) -> None:
        actor = _actor(self.request)
        self.projects = project_choices(actor, self.current_projects())
        self.categories = category_choices(actor, self.current_categories())

    # drawing

    def render_editor(
        self,
        header: CardTypeForm,
        items: list[Row],
        discounts: list[Row],
        *,
        general: list[str] | None = None,
        items_errors: list[str] | None = None,
        discounts_errors: list[str] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        if self.editing:
            card_type = self.get_card_type()
            title = _("Edit %(name)s") % {"name": card_type.name}
            cancel_url = reverse(f"{NS}:cardtype_detail", args=[card_type.pk])
            crumbs = [
                {"label": CARD_TYPES[0], "url": reverse(CARD_TYPES[1])},
                {"label": card_type.name, "url": cancel_url},
                {"label": _("Edit"), "url": None},
            ]
        else:
            title = str(_("New card type"))
            cancel_url = reverse(CARD_TYPES[1])
            crumbs = [{"label": CARD_TYPES[0], "url": reverse(CARD_TYPES[1])}, {"label": title, "url": None}]
        context = {
            "title": title,
            "breadcrumbs": crumbs,
            "header": header,
            "items": items,
            "discounts": discounts,
            "item_template": Row("__token__", self.item_form("__token__")),
            "discount_template": Row("__token__", self.discount_form("__token__")),
            "general_errors": general or [],
            "items_errors": items_errors or [],
            "discounts_errors": discounts_errors or [],
            "cancel_url": cancel_url,
            "kind": _raw(header, "kind") or CardKind.SESSION,
            "validity": _raw(header, "validity_mode") or ValidityMode.DAYS,
            "shareable": _checked(header, "is_shareable"),
            "editing": self.editing,
        }
        return render(self.request, self.template_name, context, status=status)

    # GET

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_choices()
        if not self.editing:
            header = self.header_form(
                initial={
                    "kind": CardKind.SESSION,
                    "validity_mode": ValidityMode.DAYS,
                    "max_shared_members": 0,
                }
            )
            blank = [Row(f"n{i}", self.item_form(f"n{i}")) for i in range(BLANK_ITEM_ROWS)]
            return self.render_editor(header, blank, [])
        card_type = self.get_card_type()
        initial: dict[str, Any] = {
            name: getattr(card_type, name)
            for name in (*HEADER_FIELDS, "is_transferable", "is_shareable", "is_active")
        }
        entries = list(card_type.items.all())
        items: list[Row] = []
        if card_type.kind == CardKind.SESSION and entries:
            initial["session_project"] = entries[0].project_id
        else:
            items = [
                Row(
                    f"e{i}",
                    self.item_form(f"e{i}", initial={"project": e.project_id, "sessions": e.sessions}),
                )
                for i, e in enumerate(entries)
            ]
        if card_type.kind == CardKind.COMBINATION:
            initial["total_sessions"] = None  # computed from the rows
        if len(items) < BLANK_ITEM_ROWS:
            items += [Row(f"n{i}", self.item_form(f"n{i}")) for i in range(BLANK_ITEM_ROWS - len(items))]
        discounts = [
            Row(
                f"e{i}",
                self.discount_form(
                    f"e{i}",
                    initial={
                        "category": d.category_id,
                        "discount_percent": f"{d.discount_percent.normalize():f}",
                    },
                ),
            )
            for i, d in enumerate(card_type.discounts.all())
        ]
        return self.render_editor(self.header_form(initial=initial), items, discounts)

    # POST

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.editing:
            self.get_card_type()
        self.load_choices()
        data = request.POST
        header = self.header_form(data)
        items = [Row(token, self.item_form(token, data)) for token in _tokens(data, "item")]
        discounts = [Row(token, self.discount_form(token, data)) for token in _tokens(data, "discount")]
        checked = [header.is_valid()] + [row.form.is_valid() for row in (*items, *discounts)]
        if not all(checked):
            return self.render_editor(
                header, items, discounts, general=[_("Please correct the errors below.")], status=422
            )
        kind = header.cleaned_data["kind"]
        filled_items = [row for row in items if not cast(CardItemForm, row.form).is_blank()]
        filled_discounts = [row for row in discounts if not cast(CardDiscountForm, row.form).is_blank()]
        if kind == CardKind.SESSION:
            project = header.cleaned_data.get("session_project")
            item_inputs = [services.CardItemInput(project_id=project)] if project is not None else []
        else:
            item_inputs = [
                services.CardItemInput(
                    project_id=row.form.cleaned_data["project"], sessions=row.form.cleaned_data["sessions"]
                )
                for row in filled_items
            ]
        discount_inputs = [
            services.CardDiscountInput(
                category_id=row.form.cleaned_data["category"],
                discount_percent=row.form.cleaned_data["discount_percent"].strip(),
            )
            for row in filled_discounts
        ]
        values: dict[str, Any] = {name: header.cleaned_data.get(name) for name in HEADER_FIELDS}
        values.update(
            is_transferable=header.cleaned_data["is_transferable"],
            is_shareable=header.cleaned_data["is_shareable"],
            description=header.cleaned_data.get("description") or "",
            items=item_inputs,
            discounts=discount_inputs,
        )
        items_errors: list[str] = []
        discounts_errors: list[str] = []
        general: list[str] = []
        try:
            if self.editing:
                card_type = services.card_type_update(
                    actor=_actor(request),
                    card_type_id=self.get_card_type().pk,
                    is_active=header.cleaned_data.get("is_active"),
                    **values,
                )
            else:
                card_type = services.card_type_create(actor=_actor(request), **values)
        except errors.PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except errors.NotFound as exc:
            raise Http404 from exc
        except errors.DomainError as exc:
            target = _place_error(exc, kind, header, filled_items, filled_discounts)
            if target != "placed":
                {"items": items_errors, "discounts": discounts_errors}.get(target, general).append(
                    exc.message
                )
            return self.render_editor(
                header,
                items,
                discounts,
                general=general,
                items_errors=items_errors,
                discounts_errors=discounts_errors,
                status=422,
            )
        done = _("The card type was saved.") if self.editing else _("The card type was created.")
        messages.success(request, done)
        return HttpResponseRedirect(reverse(f"{NS}:cardtype_detail", args=[card_type.pk]))


def _place_error(
    exc: errors.DomainError,
    kind: str,
    header: CardTypeForm,
    items: list[Row],
    discounts: list[Row],
) -> str:
    """Attach a service refusal to what it names; returns ``"placed"``, or the list it belongs to
    (``items``, ``discounts``, ``general``) when no single field shows it."""
    name = exc.field or ""
    parts = name.split(".")
    if parts[0] == "items" and kind == CardKind.SESSION:
        field_name = "total_sessions" if name.endswith(".sessions") else "session_project"
        header.add_error(field_name, exc.message)
        return "placed"
    if parts[0] in ("items", "discounts") and len(parts) == 3 and parts[1].isdigit():
        rows = items if parts[0] == "items" else discounts
        index = int(parts[1])
        row_field = {"project_id": "project", "category_id": "category"}.get(parts[2], parts[2])
        if index < len(rows) and row_field in rows[index].form.fields:
            rows[index].form.add_error(row_field, exc.message)
            return "placed"
    if parts[0] in ("items", "discounts"):
        return parts[0]
    if name in header.fields:
        header.add_error(name, exc.message)
        return "placed"
    return "general"


def _raw(form: forms.Form, name: str) -> str:
    value = form[name].value()
    return "" if value is None else str(value)


def _checked(form: forms.Form, name: str) -> bool:
    return bool(form[name].value())


class CardTypeCreateView(CardTypeEditorView):
    permissions = (VIEW, ADD)


class CardTypeEditView(CardTypeEditorView):
    permissions = (VIEW, CHANGE)
    editing = True


def register_menu() -> None:
    """The card type entry of the Marketing (营销) menu group."""
    menu.register(
        menu.MenuItem(
            "marketing-card-types",
            gettext_lazy("Card types"),
            f"{NS}:cardtype_list",
            "ti-cards",
            400,
            gettext_lazy("Marketing"),
            (VIEW,),
        )
    )
