"""Pages of bulk maintenance (CRM-08): change the chosen customers, merge two duplicates."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.accounts.models import User
from medspa.core.views.generic import ObjectFormView
from medspa.customers import bulk_services, selectors
from medspa.customers.bulk_forms import BulkChangeForm, MergeForm
from medspa.customers.filtersets import CustomerFilterSet
from medspa.customers.id_numbers import mask_phone

CUSTOMERS = (gettext_lazy("Customers"), "customers:customer_list")
PREVIEW = 20


def _ids(raw: str) -> list[int]:
    return [int(part) for part in raw.split(",") if part.strip().isdigit()]


class BulkChangeView(ObjectFormView):
    """GET ``?ids=1,2,3`` (the list's selection) shows the form; POST applies it to all."""

    permissions = ("customers.view_customer", "customers.change_customer", "customers.bulk_change_customer")
    title = gettext_lazy("Change customers in bulk")
    breadcrumbs = (CUSTOMERS,)
    form_class = BulkChangeForm
    template_name = "customers/bulk_change.html"
    submit_label = gettext_lazy("Apply to all")
    htmx_form = False

    def form_kwargs(self) -> dict[str, Any]:
        return {"organisation_id": cast(User, self.request.user).organisation_id}

    def get_form(self, data: Any = None) -> forms.Form:
        return self.form_class(data=data, initial={"ids": self._chosen()}, **self.form_kwargs())

    def _chosen(self) -> str:
        """``?id=1&id=2`` (rows ticked in the list) or ``?ids=1,2``, else the customers the list's
        filter finds (its "change these" button passes the query); no filter chooses nobody."""
        explicit = self.request.GET.get("ids", "") or ",".join(self.request.GET.getlist("id"))
        if explicit:
            return explicit
        query = self.request.GET.copy()
        for key in ("sort", "page", "per_page", "id"):
            query.pop(key, None)
        if not any(v for values in query.lists() for v in values[1]):
            return ""
        actor = cast(User, self.request.user)
        filterset = CustomerFilterSet(query, queryset=selectors.customers_for(actor), request=self.request)
        if not filterset.is_valid():
            return ""
        ids = filterset.qs.order_by("pk").values_list("pk", flat=True)[: bulk_services.MAX_BULK + 1]
        return ",".join(str(pk) for pk in ids)

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        raw = form.data.get("ids") if form.is_bound else form.initial.get("ids", "")
        chosen = selectors.customers_for(cast(User, self.request.user)).filter(pk__in=_ids(raw or ""))
        context = self.base_context(
            form=form,
            submit_label=self.submit_label,
            htmx_form=False,
            chosen_count=chosen.count(),
            preview=list(chosen.order_by("name_pinyin", "pk")[:PREVIEW]),
        )
        return render(self.request, self.template_name, context, status=status)

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        form = cast(BulkChangeForm, form)
        change = bulk_services.BulkChange(
            consultant_id=data["consultant"] if data["change_consultant"] else bulk_services.UNSET,
            source_channel_id=data["source_channel"] if data["change_source"] else bulk_services.UNSET,
            add_tag_ids=data["add_tags"],
            remove_tag_ids=data["remove_tags"],
            custom=form.custom_value_for_service(),
        )
        return bulk_services.customer_bulk_change(
            actor=cast(User, self.request.user), customer_ids=data["ids"], change=change
        )

    def success(self, result: Any) -> HttpResponse:
        messages.success(self.request, _("%(count)s customers were changed.") % {"count": result})
        return HttpResponseRedirect(reverse("customers:customer_list"))


class MergeView(ObjectFormView):
    """GET ``?keep=1&duplicate=2`` shows both and what will move; POST merges."""

    permissions = ("customers.view_customer", "customers.merge_customer")
    title = gettext_lazy("Merge duplicate customers")
    breadcrumbs = (CUSTOMERS,)
    form_class = MergeForm
    template_name = "customers/bulk_merge.html"
    submit_label = gettext_lazy("Merge")
    htmx_form = False

    def get_form(self, data: Any = None) -> forms.Form:
        initial = {"keep": self.request.GET.get("keep"), "duplicate": self.request.GET.get("duplicate")}
        return self.form_class(data=data, initial=initial)

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        source = form.data if form.is_bound else form.initial
        actor = cast(User, self.request.user)
        pair = []
        for name in ("keep", "duplicate"):
            raw = str(source.get(name) or "")
            customer = (
                selectors.customers_for(actor)
                .annotate(n_consultations=Count("consultations", distinct=True))
                .annotate(n_complaints=Count("complaints", distinct=True))
                .annotate(n_files=Count("files", distinct=True))
                .filter(pk=int(raw))
                .first()
                if raw.isdigit()
                else None
            )
            if customer is not None and not actor.has_perm("customers.view_full_contact"):
                customer.phone = mask_phone(customer.phone)
            pair.append(customer)
        if not form.errors and (pair[0] is None or pair[1] is None):
            form.add_error(None, _("Choose two customers you may see."))
        context = self.base_context(
            form=form, submit_label=self.submit_label, htmx_form=False, keep=pair[0], duplicate=pair[1]
        )
        return render(self.request, self.template_name, context, status=status)

    def perform(self, form: forms.Form) -> Any:
        return bulk_services.customer_merge(
            actor=cast(User, self.request.user),
            keep_id=form.cleaned_data["keep"],
            duplicate_id=form.cleaned_data["duplicate"],
        )

    def success(self, result: Any) -> HttpResponse:
        messages.success(self.request, _("The customers were merged."))
        return HttpResponseRedirect(reverse("customers:customer_detail", args=[result.customer.pk]))
