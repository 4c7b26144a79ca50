"""Pages of consultations (CRM-05), complaints (CRM-09) and archive files (CRM-06): the two work
lists, the create / edit / assign / resolve / upload / delete forms, the permission-checked file
download, and the archive sections (registered with :mod:`medspa.customers.archive`).

Forms opened from the archive carry ``?next=<archive url>`` and return there when saved."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from medspa.core import errors
from medspa.core.htmx import wants_partial
from medspa.core.views.generic import (
    ObjectCreateView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    PermissionRequiredView,
    get_or_404,
)
from medspa.customers import archive, record_selectors, record_services
from medspa.customers.choices import ComplaintStatus, FileKind
from medspa.customers.models import Complaint, Consultation, Customer, CustomerFile
from medspa.customers.record_filtersets import ComplaintFilterSet, ConsultationFilterSet
from medspa.customers.record_forms import (
    ComplaintAssignForm,
    ComplaintForm,
    ComplaintResolveForm,
    ConsultationForm,
    CustomerFileForm,
)
from medspa.customers.record_services import ConsultationInput
from medspa.customers.record_tables import ComplaintTable, ConsultationTable, customer_url
from medspa.customers.selectors import customer_get_for

CONSULTATIONS = (_("Consultations"), "customer_records:consultation_list")
COMPLAINTS = (_("Complaints"), "customer_records:complaint_list")

# Rows an archive section shows (a link leads to the full list beyond them).
SECTION_CONSULTATIONS = 20
SECTION_COMPLAINTS = 20
SECTION_FILES = 100


# --- helpers -----------------------------------------------------------------------------------


def safe_next(request: HttpRequest) -> str | None:
    """The ``next`` URL of the request when it stays on this site, else None."""
    value = request.POST.get("next") or request.GET.get("next")
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


def _local(value: Any, fmt: str = "%Y-%m-%d") -> str:
    """A time in the clinic's time zone, formatted."""
    return timezone.localtime(value).strftime(fmt) if value else ""


def download_response(customer_file: CustomerFile, handle: Any, *, inline: bool = False) -> FileResponse:
    """Stream a file with the type its content was checked to be: never cached, never sniffed;
    an image shown on its own may load nothing else (a PDF keeps the browser's viewer working)."""
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=customer_file.original_name,
        content_type=customer_file.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if customer_file.content_type.startswith("image/"):
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


class NextMixin:
    """After a successful form: the ``next`` URL when given (the archive), else ``default_url``
    — by default the archive of the customer the result belongs to."""

    request: HttpRequest

    def success_url(self, result: Any) -> str:
        return safe_next(self.request) or self.default_url(result)

    def default_url(self, result: Any) -> str:
        return customer_url(result.customer_id)


class CustomerMixin:
    """Views under ``<customer_id>/``: the customer in the actor's scope, else 404."""

    request: HttpRequest
    kwargs: dict[str, Any]
    _customer: Customer | None = None

    def get_customer(self) -> Customer:
        if self._customer is None:
            self._customer = get_or_404(customer_get_for, self.request.user, self.kwargs["customer_id"])  # type: ignore[assignment]
        assert self._customer is not None  # noqa: S101 - set above
        return self._customer


class RecordFormMixin(NextMixin):
    """The form page of this module: multipart, ``next`` kept, the customer named."""

    template_name = "customers/record_form.html"
    request: HttpRequest

    def customer_for_context(self) -> Customer | None:
        return None

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().base_context(**extra)  # type: ignore[misc]
        customer = self.customer_for_context()
        if customer is not None:
            context["customer"] = customer
            context["customer_url"] = customer_url(customer.pk)
            context["breadcrumbs"].insert(-1, {"label": customer.name, "url": context["customer_url"]})
        context["next"] = safe_next(self.request) or ""
        return context


class FilesFormMixin:
    """Forms with file inputs get ``request.FILES``."""

    request: HttpRequest
    form_class: ClassVar[type[forms.Form]]

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_form(self, data: Any = None) -> forms.Form:
        files = self.request.FILES if data is not None else None
        return self.form_class(data=data, files=files, **self.form_kwargs())


class NoExportListView(ObjectListView):
    """The record lists have no export (no export permission exists for them)."""

    def can_export(self) -> bool:
        return False


# --- consultations -----------------------------------------------------------------------------


def _consultation_input(data: dict[str, Any]) -> ConsultationInput:
    return ConsultationInput(
        consulted_at=data["consulted_at"],
        consultant_id=data["consultant"].pk if data["consultant"] else None,
        channel=data["channel"],
        projects=data["projects"],
        content=data["content"],
        chat_log=data["chat_log"],
        potential_needs=data["potential_needs"],
        outcome=data["outcome"],
        outcome_reason_id=data["outcome_reason"].pk if data["outcome_reason"] else None,
    )


class ConsultationListView(NoExportListView):
    permissions = ("customers.view_consultation",)
    title = _("Consultations")
    selector = record_selectors.consultations_for
    filterset_class = ConsultationFilterSet
    table_class = ConsultationTable
    empty_text = _("No consultations match.")


class ConsultationDetailView(ObjectDetailView):
    permissions = ("customers.view_consultation",)
    breadcrumbs = (CONSULTATIONS,)
    getter = record_selectors.consultation_get_for
    template_name = "customers/record_consultation_detail.html"
    fields = (
        (_("Customer"), "customer.name"),
        (_("Consulted at"), "consulted_at"),
        (_("Consultant"), "consultant.name"),
        (_("Consultation channel"), "get_channel_display"),
        (_("Projects of interest"), "projects"),
        (_("Consultation content"), "content"),
        (_("Potential needs"), "potential_needs"),
        (_("Outcome"), "get_outcome_display"),
        (_("Reason not closed"), "outcome_reason.name"),
    )

    def object_title(self, obj: Model) -> str:
        return str(_("Consultation %(date)s") % {"date": _local(obj.consulted_at)})  # type: ignore[attr-defined]

    def extra_context(self, obj: Model) -> dict[str, Any]:
        user = self.request.user
        return {
            "customer_url": customer_url(obj.customer_id),  # type: ignore[attr-defined]
            "can_view_files": user.has_perm("customers.view_customerfile"),
            "edit_url": reverse("customer_records:consultation_edit", args=[obj.pk])
            if user.has_perm("customers.change_consultation")
            else None,
        }


class ConsultationCreateView(CustomerMixin, FilesFormMixin, RecordFormMixin, ObjectCreateView):
    permissions = ("customers.view_consultation", "customers.add_consultation")
    title = _("New consultation")
    breadcrumbs = (CONSULTATIONS,)
    form_class = ConsultationForm
    success_message = _("The consultation was recorded.")

    def customer_for_context(self) -> Customer | None:
        return self.get_customer()

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": self.request.user}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_customer()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_customer()
        return super().post(request, *args, **kwargs)

    def perform(self, form: forms.Form) -> Consultation:
        return record_services.consultation_create(
            actor=self.request.user,  # type: ignore[arg-type]
            customer_id=self.get_customer().pk,
            data=_consultation_input(form.cleaned_data),
            photos=form.cleaned_data.get("photos") or (),
        )

    def default_url(self, result: Consultation) -> str:
        return reverse("customer_records:consultation_detail", args=[result.pk])


class ConsultationEditView(RecordFormMixin, ObjectEditView):
    permissions = ("customers.view_consultation", "customers.change_consultation")
    title = _("Edit consultation")
    breadcrumbs = (CONSULTATIONS,)
    getter = record_selectors.consultation_get_for
    form_class = ConsultationForm
    success_message = _("The consultation was saved.")

    def customer_for_context(self) -> Customer | None:
        return self.get_object().customer  # type: ignore[attr-defined]

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": self.request.user, "editing": self.get_object()}

    def initial(self, obj: Any) -> dict[str, Any]:
        return {
            "consulted_at": _local(obj.consulted_at, "%Y-%m-%dT%H:%M"),
            "consultant": obj.consultant_id,
            "channel": obj.channel,
            "projects": obj.projects,
            "content": obj.content,
            "chat_log": obj.chat_log,
            "potential_needs": obj.potential_needs,
            "outcome": obj.outcome,
            "outcome_reason": obj.outcome_reason_id,
        }

    def perform(self, form: forms.Form) -> Consultation:
        return record_services.consultation_update(
            actor=self.request.user,  # type: ignore[arg-type]
            consultation_id=self.get_object().pk,
            data=_consultation_input(form.cleaned_data),
        )

    def default_url(self, result: Consultation) -> str:
        return reverse("customer_records:consultation_detail", args=[result.pk])


# --- complaints --------------------------------------------------------------------------------


class ComplaintListView(NoExportListView):
    permissions = ("customers.view_complaint",)
    title = _("Complaints")
    selector = record_selectors.complaints_for
    filterset_class = ComplaintFilterSet
    table_class = ComplaintTable
    empty_text = _("No complaints match.")


class ComplaintDetailView(ObjectDetailView):
    permissions = ("customers.view_complaint",)
    breadcrumbs = (COMPLAINTS,)
    getter = record_selectors.complaint_get_for
    template_name = "customers/record_complaint_detail.html"
    fields = (
        (_("Customer"), "customer.name"),
        (_("Received at"), "received_at"),
        (_("Complaint"), "content"),
        (_("Status"), "get_status_display"),
        (_("Assignee"), "assignee.name"),
        (_("Resolution"), "resolution"),
        (_("Resolved at"), "resolved_at"),
    )

    def object_title(self, obj: Model) -> str:
        return str(_("Complaint %(date)s") % {"date": _local(obj.received_at)})  # type: ignore[attr-defined]

    def extra_context(self, obj: Model) -> dict[str, Any]:
        can_change = (
            self.request.user.has_perm("customers.change_complaint")
            and obj.status != ComplaintStatus.RESOLVED  # type: ignore[attr-defined]
        )
        return {
            "customer_url": customer_url(obj.customer_id),  # type: ignore[attr-defined]
            "assign_url": reverse("customer_records:complaint_assign", args=[obj.pk]) if can_change else None,
            "resolve_url": reverse("customer_records:complaint_resolve", args=[obj.pk])
            if can_change
            else None,
        }


class ComplaintCreateView(CustomerMixin, RecordFormMixin, ObjectCreateView):
    permissions = ("customers.view_complaint", "customers.add_complaint")
    title = _("New complaint")
    breadcrumbs = (COMPLAINTS,)
    form_class = ComplaintForm
    success_message = _("The complaint was recorded.")

    def customer_for_context(self) -> Customer | None:
        return self.get_customer()

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_customer()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_customer()
        return super().post(request, *args, **kwargs)

    def perform(self, form: forms.Form) -> Complaint:
        return record_services.complaint_create(
            actor=self.request.user,  # type: ignore[arg-type]
            customer_id=self.get_customer().pk,
            received_at=form.cleaned_data["received_at"],
            content=form.cleaned_data["content"],
        )

    def default_url(self, result: Complaint) -> str:
        return reverse("customer_records:complaint_detail", args=[result.pk])


class ComplaintActionView(RecordFormMixin, ObjectEditView):
    """Assign or resolve: a small form on one complaint in the actor's scope."""

    getter = record_selectors.complaint_get_for
    breadcrumbs = (COMPLAINTS,)

    def customer_for_context(self) -> Customer | None:
        return self.get_object().customer  # type: ignore[attr-defined]

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        context["record"] = self.get_object()
        return context

    def default_url(self, result: Complaint) -> str:
        return reverse("customer_records:complaint_detail", args=[result.pk])


class ComplaintAssignView(ComplaintActionView):
    permissions = ("customers.view_complaint", "customers.change_complaint")
    title = _("Assign complaint")
    form_class = ComplaintAssignForm
    submit_label = _("Assign")
    success_message = _("The complaint was assigned.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": self.request.user}

    def initial(self, obj: Any) -> dict[str, Any]:
        return {"assignee": obj.assignee_id}

    def perform(self, form: forms.Form) -> Complaint:
        return record_services.complaint_assign(
            actor=self.request.user,  # type: ignore[arg-type]
            complaint_id=self.get_object().pk,
            assignee_id=form.cleaned_data["assignee"].pk,
        )


class ComplaintResolveView(ComplaintActionView):
    permissions = ("customers.view_complaint", "customers.change_complaint")
    title = _("Resolve complaint")
    form_class = ComplaintResolveForm
    submit_label = _("Resolve")
    success_message = _("The complaint was resolved.")

    def initial(self, obj: Any) -> dict[str, Any]:
        return {}

    def perform(self, form: forms.Form) -> Complaint:
        return record_services.complaint_resolve(
            actor=self.request.user,  # type: ignore[arg-type]
            complaint_id=self.get_object().pk,
            resolution=form.cleaned_data["resolution"],
        )


# --- files -------------------------------------------------------------------------------------


class CustomerFileUploadView(CustomerMixin, FilesFormMixin, RecordFormMixin, ObjectCreateView):
    permissions = ("customers.view_customerfile", "customers.add_customerfile")
    title = _("Upload file")
    form_class = CustomerFileForm
    submit_label = _("Upload")
    success_message = _("The file was uploaded.")

    def customer_for_context(self) -> Customer | None:
        return self.get_customer()

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": self.request.user, "customer": self.get_customer()}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_customer()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_customer()
        return super().post(request, *args, **kwargs)

    def perform(self, form: forms.Form) -> CustomerFile:
        data = form.cleaned_data
        return record_services.customer_file_upload(
            actor=self.request.user,  # type: ignore[arg-type]
            customer_id=self.get_customer().pk,
            kind=data["kind"],
            upload=data["file"],
            consultation_id=data["consultation"].pk if data["consultation"] else None,
            description=data["description"],
        )


class CustomerFileDeleteView(NextMixin, ObjectDeleteView):
    permissions = ("customers.view_customerfile", "customers.delete_customerfile")
    title = _("Delete file")
    getter = record_selectors.customer_file_get_for
    confirm_text = _("The file is removed from the customer's archive for good. Delete it?")
    success_message = _("The file was deleted.")

    def perform(self, form: forms.Form) -> int:
        customer_file: Any = self.get_object()
        record_services.customer_file_delete(actor=self.request.user, file_id=customer_file.pk)  # type: ignore[arg-type]
        return int(customer_file.customer_id)

    def default_url(self, result: int) -> str:
        return customer_url(result)


class CustomerFileDownloadView(PermissionRequiredView):
    """Stream one file after the permission and scope checks; each opening is audited.
    ``?inline=1`` shows it in the browser (thumbnails, PDF preview) instead of saving it."""

    permissions = ("customers.view_customerfile",)

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        try:
            customer_file, handle = record_services.customer_file_open(actor=request.user, file_id=pk)  # type: ignore[arg-type]
        except errors.PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except errors.NotFound as exc:
            raise Http404(exc.message) from exc
        return download_response(customer_file, handle, inline=request.GET.get("inline") == "1")


# --- archive sections --------------------------------------------------------------------------


def _archive_return(customer: Customer, key: str) -> str:
    """Where a section's forms return: the archive with this section open."""
    return f"{customer_url(customer.pk)}?section={key}"


def consultations_section(actor: Any, customer: Customer) -> dict[str, Any]:
    """Newest consultations with outcome badges and photo thumbnails; the add form for those who
    may record one. Two queries (+2 for the form's choices)."""
    rows = list(
        record_selectors.consultations_for(actor).filter(customer=customer)[: SECTION_CONSULTATIONS + 1]
    )
    can_add = actor.has_perm("customers.add_consultation")
    return {
        "customer": customer,
        "next_url": _archive_return(customer, "consultations"),
        "consultations": rows[:SECTION_CONSULTATIONS],
        "more": len(rows) > SECTION_CONSULTATIONS,
        "can_add": can_add,
        "can_change": actor.has_perm("customers.change_consultation"),
        "can_view_files": actor.has_perm("customers.view_customerfile"),
        "form": ConsultationForm(actor=actor, auto_id="consultation-%s") if can_add else None,
    }


def complaints_section(actor: Any, customer: Customer) -> dict[str, Any]:
    """Open complaints first and flagged; add, assign and resolve per permission. Two queries
    (+1 for the assignee choices)."""
    rows = list(record_selectors.complaints_for(actor).filter(customer=customer)[: SECTION_COMPLAINTS + 1])
    can_add = actor.has_perm("customers.add_complaint")
    can_change = actor.has_perm("customers.change_complaint")
    return {
        "customer": customer,
        "next_url": _archive_return(customer, "complaints"),
        "complaints": rows[:SECTION_COMPLAINTS],
        "more": len(rows) > SECTION_COMPLAINTS,
        "open_count": record_selectors.open_complaint_count(actor, customer.pk),
        "can_add": can_add,
        "can_change": can_change,
        "assignees": list(record_selectors.staff_choices_for(actor)) if can_change else [],
        "form": ComplaintForm(auto_id="complaint-%s") if can_add else None,
    }


def files_section(actor: Any, customer: Customer) -> dict[str, Any]:
    """The archive documents grouped by kind, with upload, download and delete per permission.
    One query (+1 for the upload form's consultations)."""
    rows = list(record_selectors.customer_files_for(actor).filter(customer=customer)[: SECTION_FILES + 1])
    shown = rows[:SECTION_FILES]
    groups = []
    for kind, label in FileKind.choices:
        files = [f for f in shown if f.kind == kind]
        if files:
            groups.append({"kind": kind, "label": label, "files": files})
    can_add = actor.has_perm("customers.add_customerfile")
    return {
        "customer": customer,
        "next_url": _archive_return(customer, "files"),
        "groups": groups,
        "count": len(shown),
        "more": len(rows) > SECTION_FILES,
        "can_add": can_add,
        "can_delete": actor.has_perm("customers.delete_customerfile"),
        "form": CustomerFileForm(actor=actor, customer=customer, auto_id="file-%s") if can_add else None,
    }


SECTIONS = (
    archive.ArchiveSection(
        key="consultations",
        title=_("Consultations"),
        order=40,
        permission="customers.view_consultation",
        template="customers/record_consultations_section.html",
        context=consultations_section,
    ),
    archive.ArchiveSection(
        key="complaints",
        title=_("Complaints"),
        order=50,
        permission="customers.view_complaint",
        template="customers/record_complaints_section.html",
        context=complaints_section,
    ),
    archive.ArchiveSection(
        key="files",
        title=_("Files"),
        order=60,
        permission="customers.view_customerfile",
        template="customers/record_files_section.html",
        context=files_section,
    ),
)
SECTION_KEYS = tuple(s.key for s in SECTIONS)


def register_sections() -> None:
    """Called from ``CustomersConfig.ready()``: the three archive sections and the two menu items."""
    from medspa.core import menu

    for section in SECTIONS:
        archive.register(section)
    group = _("Customers")
    menu.register(
        menu.MenuItem(
            key="customers-consultations",
            label=_("Consultations"),
            url_name="customer_records:consultation_list",
            icon="ti-message-2",
            order=110,
            group=group,
            permissions=("customers.view_consultation",),
        )
    )
    menu.register(
        menu.MenuItem(
            key="customers-complaints",
            label=_("Complaints"),
            url_name="customer_records:complaint_list",
            icon="ti-alert-triangle",
            order=120,
            group=group,
            permissions=("customers.view_complaint",),
        )
    )


def render_section(
    request: HttpRequest, section: archive.ArchiveSection, customer: Customer, next_url: str
) -> SafeString:
    """One section's HTML for ``request.user``; its forms return to ``next_url``."""
    context = section.context(request.user, customer)
    context["next_url"] = next_url
    return mark_safe(render_to_string(section.template, context, request=request))  # noqa: S308 - our template output


class CustomerRecordsView(CustomerMixin, PermissionRequiredView):
    """The customer's consultations, complaints and files on one page, each section per its
    permission (the archive shows the same sections among its own); ``<key>/`` renders one
    section — the fragment alone for htmx."""

    permissions = ("customers.view_customer",)
    template_name = "customers/record_customer_records.html"

    def get(self, request: HttpRequest, customer_id: int, key: str | None = None) -> HttpResponse:
        customer = self.get_customer()
        visible = [s for s in archive.sections_for(request.user) if s.key in SECTION_KEYS]
        if key is not None:
            if key not in SECTION_KEYS:
                raise Http404
            visible = [s for s in visible if s.key == key]
            if not visible:
                raise DjangoPermissionDenied
        page_url = reverse("customer_records:customer_records", args=[customer.pk])
        sections = [{"section": s, "html": render_section(request, s, customer, page_url)} for s in visible]
        if key is not None and wants_partial(request):
            return HttpResponse(sections[0]["html"])
        archive_url = customer_url(customer.pk)
        context = self.base_context(
            customer=customer, sections=sections, archive_url=archive_url if archive_url != page_url else None
        )
        context["title"] = customer.name
        context["breadcrumbs"][-1]["label"] = customer.name
        return render(request, self.template_name, context)
