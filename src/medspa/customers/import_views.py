"""Pages of the legacy import (CRM-07): upload with the template link and past imports; one
import's progress (polled while it runs) and report."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.accounts.models import User
from medspa.core import errors
from medspa.core.views.generic import PermissionRequiredView
from medspa.customers import import_services
from medspa.customers.models import ImportJob

CUSTOMERS = (gettext_lazy("Customers"), "customers:customer_list")
IMPORTS = (gettext_lazy("Import customers"), "customer_import:list")
PERMISSIONS = ("customers.import_customer", "customers.add_customer")
RECENT = 20


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("The template filled in: .xlsx or .csv, at most 20 MB."),
    )


class ImportListView(PermissionRequiredView):
    permissions = PERMISSIONS
    title = gettext_lazy("Import customers")
    breadcrumbs = (CUSTOMERS,)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(UploadForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = import_services.import_upload(
                    actor=cast(User, request.user), upload=form.cleaned_data["file"]
                )
            except errors.ValidationError as exc:
                form.add_error("file", exc.message)
            else:
                return HttpResponseRedirect(reverse("customer_import:detail", args=[job.pk]))
        return self._render(form, status=422)

    def _render(self, form: UploadForm, status: int = 200) -> HttpResponse:
        jobs = import_services.import_jobs_for(cast(User, self.request.user)).select_related("created_by")[
            :RECENT
        ]
        return render(
            self.request,
            "customers/import_list.html",
            self.base_context(form=form, jobs=list(jobs)),
            status=status,
        )


class ImportDetailView(PermissionRequiredView):
    """The job's state; while it is checking or importing the status card polls itself."""

    permissions = PERMISSIONS
    title = gettext_lazy("Import")
    breadcrumbs = (CUSTOMERS, IMPORTS)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self._job(pk)
        context = self.base_context(
            job=job, running=job.status in (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING)
        )
        context["title"] = job.original_name
        template = "customers/import_detail.html"
        if request.headers.get("HX-Request") and request.GET.get("fragment") == "status":
            return render(request, template + "#status", context)
        return render(request, template, context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            import_services.import_start(actor=cast(User, request.user), job_id=pk)
        except errors.NotFound as exc:
            raise Http404(exc.message) from exc
        except errors.DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The import has started."))
        return HttpResponseRedirect(reverse("customer_import:detail", args=[pk]))

    def _job(self, pk: int) -> ImportJob:
        try:
            return import_services.import_job_get_for(cast(User, self.request.user), pk)
        except errors.NotFound as exc:
            raise Http404(exc.message) from exc


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class TemplateDownloadView(PermissionRequiredView):
    permissions = PERMISSIONS

    def get(self, request: HttpRequest) -> HttpResponse:
        actor = cast(User, request.user)
        return _xlsx(
            import_services.import_template(actor.organisation_id or 0), "customer-import-template.xlsx"
        )


class ReportDownloadView(ImportDetailView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _xlsx(import_services.import_report(self._job(pk)), f"customer-import-{pk}.xlsx")

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return HttpResponse(status=405)
