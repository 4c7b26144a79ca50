"""Customer pages (CRM-01/03/04/06): the list, the create and edit forms, the 360° archive with
its sections, the audited "show full contact", tags, and the top bar's autocomplete."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.accounts.scope import active_branch_id
from medspa.audit.choices import action_label
from medspa.audit.models import AuditEvent
from medspa.audit.services import audit_record
from medspa.configuration.selectors import dictionary_item_path
from medspa.core import errors
from medspa.core.export import FORMATS, MAX_ROWS, export_table
from medspa.core.htmx import wants_partial
from medspa.core.views.generic import (
    ObjectCreateView,
    ObjectEditView,
    ObjectListView,
    PermissionRequiredView,
    get_or_404,
)
from medspa.customers import archive, custom_fields, selectors, services
from medspa.customers.choices import LifecycleStatus
from medspa.customers.filtersets import CustomerFilterSet
from medspa.customers.forms import CustomerForm, TagsForm, customer_initial
from medspa.customers.id_numbers import mask_id_number, mask_phone
from medspa.customers.models import Customer
from medspa.customers.services import CustomerInput
from medspa.customers.tables import CustomerTable, custom_value_text, customer_age, customer_table

CUSTOMERS = (gettext_lazy("Customers"), "customers:customer_list")
VIEW = "customers.view_customer"
AUTOCOMPLETE_LIMIT = 10
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
STATUS_BADGES = {
    LifecycleStatus.POTENTIAL: "bg-secondary-lt",
    LifecycleStatus.NEW: "bg-blue-lt",
    LifecycleStatus.RETURNING: "bg-green-lt",
    LifecycleStatus.DORMANT: "bg-yellow-lt",
    LifecycleStatus.LOST: "bg-red-lt",
}


# --- list ----------------------------------------------------------------------------------------


class CustomerListView(ObjectListView):
    """Filter bar, sortable table (with the custom fields shown in the list), pagination and an
    audited export behind ``customers.export_customer``."""

    permissions = (VIEW,)
    export_permissions = (VIEW, "customers.export_customer")
    title = gettext_lazy("Customers")
    selector = selectors.customer_list_for
    filterset_class = CustomerFilterSet
    table_class = CustomerTable
    export_basename = "customers"
    create_url_name = "customers:customer_create"
    create_permissions = ("customers.add_customer",)
    create_label = gettext_lazy("New customer")
    empty_text = gettext_lazy("No customers match.")

    def selection_action(self) -> dict[str, str] | None:
        user = self.request.user
        if all(user.has_perm(p) for p in ("customers.change_customer", "customers.bulk_change_customer")):
            return {
                "label": str(gettext_lazy("Change the ticked customers")),
                "url": reverse("customer_bulk:change"),
            }
        return None

    def list_actions(self, query: str) -> list[dict[str, str]]:
        user = self.request.user
        actions = []
        if all(user.has_perm(p) for p in ("customers.change_customer", "customers.bulk_change_customer")):
            actions.append(
                {
                    "label": str(gettext_lazy("Change these in bulk")),
                    "url": f"{reverse('customer_bulk:change')}?{query}",
                    "icon": "ti-edit",
                    "testid": "bulk-change",
                }
            )
        if all(user.has_perm(p) for p in ("customers.import_customer", "customers.add_customer")):
            actions.append(
                {
                    "label": str(gettext_lazy("Import")),
                    "url": reverse("customer_import:list"),
                    "icon": "ti-file-import",
                    "testid": "import",
                }
            )
        return actions

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fields = selectors.custom_fields_in_list(request.user)  # type: ignore[arg-type]
        self.table_class = customer_table(fields)  # type: ignore[misc]
        return super().get(request, *args, **kwargs)

    def export(self, queryset: QuerySet[Any], fmt: str) -> HttpResponse:
        if fmt not in FORMATS:
            raise Http404
        if not self.can_export():
            raise DjangoPermissionDenied
        rows = queryset[:MAX_ROWS].iterator(chunk_size=2000)  # tags are prefetched per chunk
        response = export_table(self.table_class, rows, fmt, self.export_basename)
        actor = self.request.user
        audit_record(
            actor=actor,
            module=services.MODULE,
            action="export",
            branch_id=active_branch_id(actor),
            message=self.request.GET.urlencode()[:300],
        )
        return response


# --- create / edit -------------------------------------------------------------------------------


def customer_input(form: CustomerForm, *, editing: bool) -> CustomerInput:
    """The service's input from a valid form. The ID number: empty keeps the stored one (edit),
    "clear" removes it."""
    data = form.cleaned_data
    id_number: str | None = (data.get("id_number") or "").strip() or None
    if editing and data.get("clear_id_number"):
        id_number = ""
    return CustomerInput(
        name=data["name"],
        phone=data["phone"],
        gender=data["gender"],
        birthday=data["birthday"],
        wechat_id=data["wechat_id"],
        id_number=id_number,
        card_no=data["card_no"],
        source_channel_id=data["source_channel"],
        info_source_id=data["info_source"],
        region_id=data["region"],
        referrer_customer_id=data["referrer_customer"],
        referrer_staff_id=data["referrer_staff"],
        consultant_id=data["consultant"],
        doctor_id=data["doctor"],
        intention=data["intention"],
        remarks=data["remarks"],
        tag_ids=data["tags"],
        custom=form.custom_values(),
    )


class ToArchive:
    def success_url(self, result: Model) -> str:
        return reverse("customers:customer_detail", args=[result.pk])


class CustomerCreateView(ToArchive, ObjectCreateView):
    permissions = (VIEW, "customers.add_customer")
    title = gettext_lazy("New customer")
    breadcrumbs = (CUSTOMERS,)
    template_name = "customers/customer_form.html"
    form_class = CustomerForm
    success_message = gettext_lazy("The customer was registered.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": self.request.user}

    def perform(self, form: forms.Form) -> Customer:
        assert isinstance(form, CustomerForm)  # noqa: S101 - the declared form class
        return services.customer_create(actor=self.request.user, data=customer_input(form, editing=False))  # type: ignore[arg-type]


class CustomerEditView(ToArchive, ObjectEditView):
    permissions = (VIEW, "customers.change_customer")
    title = gettext_lazy("Edit customer")
    breadcrumbs = (CUSTOMERS,)
    template_name = "customers/customer_form.html"
    getter = selectors.customer_archive_get_for
    form_class = CustomerForm
    success_message = gettext_lazy("The customer was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": self.request.user, "customer": self.get_object()}

    def initial(self, obj: Any) -> dict[str, Any]:
        return customer_initial(obj)

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        customer = self.get_object()
        context["breadcrumbs"].insert(
            1, {"label": str(customer), "url": reverse("customers:customer_detail", args=[customer.pk])}
        )
        return context

    def perform(self, form: forms.Form) -> Customer:
        assert isinstance(form, CustomerForm)  # noqa: S101 - the declared form class
        return services.customer_update(
            actor=self.request.user,  # type: ignore[arg-type]
            customer_id=self.get_object().pk,
            data=customer_input(form, editing=True),
        )


# --- archive (CRM-06) ----------------------------------------------------------------------------


def tag_badges(tags: Any) -> list[dict[str, Any]]:
    """Tags as coloured badges: the tag's colour when it is a #rrggbb value, readable text on it."""
    badges = []
    for tag in tags:
        colour = tag.colour if _COLOUR.fullmatch(tag.colour or "") else ""
        text = ""
        if colour:
            r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
            text = "#1d273b" if (0.299 * r + 0.587 * g + 0.114 * b) > 160 else "#ffffff"
        badges.append(
            {
                "name": tag.name,
                "group": tag.parent.name if tag.parent is not None else "",
                "colour": colour,
                "text": text,
            }
        )
    return badges


def _header(actor: Any, customer: Customer) -> dict[str, Any]:
    return {
        "customer": customer,
        "age": customer_age(customer.birthday),
        "phone_masked": mask_phone(customer.phone),
        "id_number_masked": mask_id_number(customer.id_number_tail),
        "status_badge": STATUS_BADGES.get(LifecycleStatus(customer.status), "bg-secondary-lt"),
        "badges": tag_badges(customer.tags.all()),
        "can_view_full_contact": actor.has_perm("customers.view_full_contact"),
        "can_edit": actor.has_perm("customers.change_customer"),
        "can_merge": actor.has_perm("customers.merge_customer"),
    }


def _archive_customer(request: HttpRequest, pk: Any) -> Customer:
    """The customer within the actor's scope, with what the archive shows; 404 otherwise."""
    return cast(Customer, get_or_404(selectors.customer_archive_get_for, request.user, pk))


def render_section(
    request: HttpRequest, section: archive.ArchiveSection, customer: Customer, **extra: Any
) -> SafeString:
    context = {**section.context(request.user, customer), **extra}
    context.update(customer=customer, section=section)
    return SafeString(render_to_string(section.template, context, request=request))


class CustomerDetailView(PermissionRequiredView):
    """The archive: a header and the sections the actor may see (``archive.sections_for``). The
    chosen section (``?section=key``, else the first) is rendered with the page; the others load
    when shown (desktop tabs) or scrolled to (stacked cards on a phone)."""

    permissions = (VIEW,)
    breadcrumbs = (CUSTOMERS,)
    template_name = "customers/customer_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = _archive_customer(request, pk)
        return self.render_archive(customer)

    def render_archive(
        self, customer: Customer, *, status: int = 200, full_contact: Any = None, **section_extra: Any
    ) -> HttpResponse:
        sections = archive.sections_for(self.request.user)
        keys = [s.key for s in sections]
        requested = section_extra.pop("active", None)
        wanted = self.request.GET.get("section") or requested
        active = wanted if wanted in keys else (keys[0] if keys else None)
        panes = []
        for section in sections:
            panes.append(
                {
                    "section": section,
                    "active": section.key == active,
                    "html": render_section(self.request, section, customer, **section_extra)
                    if section.key == active
                    else None,
                    "url": reverse("customers:customer_section", args=[customer.pk, section.key]),
                }
            )
        context = self.base_context(
            panes=panes, full_contact=full_contact, **_header(self.request.user, customer)
        )
        context["title"] = customer.name
        context["breadcrumbs"][-1]["label"] = customer.name
        return render(self.request, self.template_name, context, status=status)


class CustomerSectionView(PermissionRequiredView):
    """One archive section as a fragment (loaded by the archive page with htmx)."""

    permissions = (VIEW,)

    def get(self, request: HttpRequest, pk: int, key: str) -> HttpResponse:
        section = archive.section(key)
        if section is None:
            raise Http404
        if not request.user.has_perm(section.permission):
            raise DjangoPermissionDenied
        customer = _archive_customer(request, pk)
        return HttpResponse(render_section(request, section, customer))


class CustomerFullContactView(PermissionRequiredView):
    """POST: the unmasked phone and ID number, audited by the service (CRM-01)."""

    permissions = (VIEW, "customers.view_full_contact")
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            contact = services.customer_full_contact(actor=request.user, customer_id=int(pk))  # type: ignore[arg-type]
        except errors.NotFound as exc:
            raise Http404 from exc
        except errors.PermissionDenied as exc:
            raise DjangoPermissionDenied from exc
        customer = _archive_customer(request, pk)
        if wants_partial(request):
            context = {**_header(request.user, customer), "full_contact": contact}
            return render(request, "customers/customer_detail.html#contact", context)
        detail = CustomerDetailView()
        detail.setup(request, pk=pk)
        return detail.render_archive(customer, full_contact=contact)


class CustomerTagsView(PermissionRequiredView):
    """POST: set the customer's tags (CRM-03) from the archive's tags section."""

    permissions = (VIEW, "customers.change_customer")
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = _archive_customer(request, pk)
        form = TagsForm(request.POST, actor=request.user, customer=customer)
        if form.is_valid():
            try:
                services.customer_tags_set(
                    actor=request.user,  # type: ignore[arg-type]
                    customer_id=customer.pk,
                    tag_ids=form.cleaned_data["tags"],
                )
            except errors.PermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from exc
            except errors.NotFound as exc:
                raise Http404 from exc
            except errors.DomainError as exc:
                form.add_error("tags" if exc.field == "tags" else None, exc.message)
            else:
                return self.saved(customer.pk)
        section = archive.section("tags")
        assert section is not None  # noqa: S101 - registered in apps.ready
        if wants_partial(request):
            return HttpResponse(render_section(request, section, customer, tags_form=form))
        detail = CustomerDetailView()
        detail.setup(request, pk=pk)
        return detail.render_archive(customer, status=422, active="tags", tags_form=form)

    def saved(self, pk: int) -> HttpResponse:
        request = self.request
        message = _("The tags were saved.")
        if wants_partial(request):
            customer = selectors.customer_archive_get_for(request.user, pk)  # type: ignore[arg-type]
            section = archive.section("tags")
            assert section is not None  # noqa: S101 - registered in apps.ready
            return HttpResponse(render_section(request, section, customer, saved_message=message, oob=True))
        messages.success(request, message)
        return HttpResponseRedirect(reverse("customers:customer_detail", args=[pk]) + "?section=tags")


# --- top-bar search (CRM-04) ---------------------------------------------------------------------


class CustomerAutocompleteView(PermissionRequiredView):
    """Up to 10 matches for the top bar's box (or the referrer field with ``?pick=1``)."""

    permissions = (VIEW,)

    def get(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.get("q", "")[:100]
        results = (
            selectors.customer_search(request.user, query, limit=AUTOCOMPLETE_LIMIT)  # type: ignore[arg-type]
            if query.strip()
            else []
        )
        rows = [{"customer": c, "phone": mask_phone(c.phone)} for c in results]
        context = {
            "rows": rows,
            "query": query,
            "pick": request.GET.get("pick") == "1",
            "list_url": reverse("customers:customer_list"),
        }
        return render(request, "customers/_autocomplete.html", context)


# --- archive sections of this app ----------------------------------------------------------------


def _path(item: Any) -> str:
    return dictionary_item_path(item) if item is not None else ""


def profile_context(actor: Any, customer: Customer) -> dict[str, Any]:
    age = customer_age(customer.birthday)
    birthday = ""
    if customer.birthday is not None:
        birthday = _("%(date)s (age %(age)s)") % {"date": customer.birthday.isoformat(), "age": age}
    referrer = ""
    if customer.referrer_customer is not None:
        referrer = _("%(name)s (customer no %(pk)s)") % {
            "name": customer.referrer_customer.name,
            "pk": customer.referrer_customer_id,
        }
    rows = [
        (_("Customer no"), str(customer.pk)),
        (_("Gender"), customer.get_gender_display()),
        (_("Birthday"), birthday),
        (_("Mobile phone"), mask_phone(customer.phone)),
        (_("ID number"), mask_id_number(customer.id_number_tail)),
        (_("WeChat id"), customer.wechat_id),
        (_("Card no"), customer.card_no),
        (_("Source channel"), _path(customer.source_channel)),
        (_("Information source"), _path(customer.info_source)),
        (_("Region"), _path(customer.region)),
        (_("Referred by customer"), referrer),
        (_("Referred by staff"), str(customer.referrer_staff or "")),
        (_("Consultant"), str(customer.consultant or "")),
        (_("Doctor"), str(customer.doctor or "")),
        (_("Intended projects"), customer.intention),
        (_("Remarks"), customer.remarks),
        (_("Member level"), customer.member_level.name if customer.member_level else ""),
        (_("Home branch"), customer.branch.name),
        (_("Registered at"), formats.date_format(timezone.localtime(customer.created_at), "Y-m-d H:i")),
        (_("Registered by"), str(customer.created_by or "")),
        (_("Active"), _("Yes") if customer.is_active else _("No")),
    ]
    return {
        "rows": [{"label": label, "value": value} for label, value in rows],
        "card_changes": list(customer.card_changes.select_related("changed_by")[:20]),
    }


def tags_context(actor: Any, customer: Customer) -> dict[str, Any]:
    can_edit = actor.has_perm("customers.change_customer")
    return {
        "badges": tag_badges(customer.tags.all()),
        "tags_form": TagsForm(actor=actor, customer=customer) if can_edit else None,
        "tags_url": reverse("customers:customer_tags", args=[customer.pk]),
    }


def custom_context(actor: Any, customer: Customer) -> dict[str, Any]:
    values = customer.custom_values or {}
    fields = custom_fields.active_fields(customer.organisation_id)
    return {
        "values": [
            {"label": f.label, "value": custom_value_text(values.get(f.key)), "required": f.required}
            for f in fields
        ]
    }


TIMELINE_ACTIONS = {
    "create": gettext_lazy("Registered"),
    "update": gettext_lazy("Profile changed"),
    "tag": gettext_lazy("Tags set"),
    "view_contact": gettext_lazy("Full contact viewed"),
    "status": gettext_lazy("Customer status changed"),
}
# Changes the timeline names without values (a timeline must not reveal a full phone or a hash).
_FIELD_LABELS = {"id_number_index": gettext_lazy("ID number"), "custom_values": gettext_lazy("Custom fields")}


def _field_label(name: str) -> str:
    if name in _FIELD_LABELS:
        return str(_FIELD_LABELS[name])
    try:
        return str(getattr(Customer._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:
        return name


def _status_label(value: Any) -> str:
    try:
        return str(LifecycleStatus(value).label)
    except ValueError:
        return str(value or "—")


def timeline_entry(event: AuditEvent) -> dict[str, Any]:
    changes = event.changes or {}
    details: list[str] = []
    for name in sorted(changes):
        if name == "status" and isinstance(changes[name], list) and len(changes[name]) == 2:
            before, after = changes[name]
            details.append(
                format_html("{}: {} → {}", _field_label(name), _status_label(before), _status_label(after))
            )
        else:
            details.append(_field_label(name))
    label = TIMELINE_ACTIONS.get(event.action)
    return {
        "at": event.occurred_at,
        "who": event.actor_name or _("system"),
        "action": str(label) if label is not None else action_label(event.action),
        "details": details,
        "message": event.message,
    }


def timeline_context(actor: Any, customer: Customer) -> dict[str, Any]:
    return {"entries": [timeline_entry(e) for e in selectors.customer_timeline(customer)]}


SECTIONS = (
    archive.ArchiveSection(
        key="profile",
        title=gettext_lazy("Profile"),
        order=10,
        permission=VIEW,
        template="customers/section_profile.html",
        context=profile_context,
    ),
    archive.ArchiveSection(
        key="tags",
        title=gettext_lazy("Tags"),
        order=20,
        permission=VIEW,
        template="customers/section_tags.html",
        context=tags_context,
    ),
    archive.ArchiveSection(
        key="custom",
        title=gettext_lazy("Custom fields"),
        order=30,
        permission=VIEW,
        template="customers/section_custom.html",
        context=custom_context,
    ),
    archive.ArchiveSection(
        key="timeline",
        title=gettext_lazy("Timeline"),
        order=900,
        permission=VIEW,
        template="customers/section_timeline.html",
        context=timeline_context,
    ),
)
