"""Pages of coupons (券) — MKT-02: coupon types; issued coupons with their history; issuing to one
customer, to a filtered list of customers, or as generated codes (with their download); voiding
and handing on a coupon."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, ClassVar, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from medspa.accounts.models import User
from medspa.catalog import coupon_selectors as selectors
from medspa.catalog import coupon_services as services
from medspa.catalog.choices import CouponKind, CouponState
from medspa.catalog.coupon_filtersets import CouponFilterSet, CouponTypeFilterSet
from medspa.catalog.coupon_forms import (
    BulkIssueForm,
    CouponTypeForm,
    GenerateForm,
    IssueForm,
    TransferForm,
    VoidForm,
)
from medspa.catalog.coupon_tables import (
    CodeTable,
    CouponTable,
    CouponTypeTable,
    coupon_scope,
    coupon_validity,
    coupon_value,
)
from medspa.catalog.models import Coupon, CouponBatch
from medspa.catalog.models.coupon import BatchMode
from medspa.core import errors, menu
from medspa.core.export import FORMATS, export_table
from medspa.core.htmx import template_for
from medspa.core.money import format_cny
from medspa.core.views.generic import (
    ObjectCreateView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    PermissionRequiredView,
)
from medspa.customers import selectors as customer_selectors
from medspa.customers.filtersets import CustomerFilterSet
from medspa.customers.id_numbers import mask_phone

NS = "catalog_coupons"
TYPES = (gettext_lazy("Coupon types"), f"{NS}:type_list")
COUPONS = (gettext_lazy("Coupons"), f"{NS}:coupon_list")
VIEW_TYPE = "catalog.view_coupontype"
VIEW = "catalog.view_coupon"
ISSUE = "catalog.issue_coupon"
LOOKUP_LIMIT = 10
BATCH_PREVIEW = 50


def _actor(request: HttpRequest) -> User:
    """The logged-in user (the views' permission check has already turned anonymous users away)."""
    return cast(User, request.user)


def _pk(value: Model | None) -> int | None:
    return value.pk if value is not None else None


def _date(value: datetime.date | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else ""


def _when(value: datetime.datetime | None) -> str:
    return formats.date_format(timezone.localtime(value), "Y-m-d H:i") if value is not None else ""


def _ids(rows: Any) -> list[int]:
    return [row.pk for row in rows or ()]


# --- coupon types -----------------------------------------------------------------------------------


class CouponTypeListView(ObjectListView):
    permissions = (VIEW_TYPE,)
    title = gettext_lazy("Coupon types")
    selector = selectors.coupon_type_list_for
    filterset_class = CouponTypeFilterSet
    table_class = CouponTypeTable
    export_basename = "coupon-types"
    export_permissions = (VIEW_TYPE, "catalog.export_coupontype")
    create_url_name = f"{NS}:type_create"
    create_permissions = ("catalog.add_coupontype",)
    create_label = gettext_lazy("New coupon type")
    empty_text = gettext_lazy("No coupon types match.")


class CouponTypeDetailView(ObjectDetailView):
    permissions = (VIEW_TYPE,)
    breadcrumbs = (TYPES,)
    getter = selectors.coupon_type_get_for
    template_name = "catalog/coupon/type_detail.html"
    fields = (
        (gettext_lazy("Code"), "code"),
        (gettext_lazy("Name"), "name"),
        (gettext_lazy("Kind"), "get_kind_display"),
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        rows = [
            (pgettext("coupon", "Value"), coupon_value(obj)),
            (_("Minimum spend"), format_cny(obj.min_spend)),
            (_("Applies to"), coupon_scope(obj)),
            (_("Validity"), coupon_validity(obj)),
            (_("Per customer at most"), obj.per_customer_limit or _("No limit")),
            (_("Combines with other offers"), _("Yes") if obj.is_stackable else _("No")),
            (_("Description"), obj.description),
            (_("Active"), _("Yes") if obj.is_active else _("No")),
        ]
        can_issue = obj.is_active and user.has_perm(VIEW) and user.has_perm(ISSUE)
        issue_links = []
        if can_issue:
            query = f"?coupon_type_id={obj.pk}"
            if obj.kind != CouponKind.STAFF:
                issue_links = [
                    (_("Issue to a customer"), reverse(f"{NS}:issue") + query, "issue"),
                    (_("Issue in bulk"), reverse(f"{NS}:issue_bulk") + query, "issue-bulk"),
                    (_("Generate codes"), reverse(f"{NS}:generate") + query, "generate"),
                ]
            else:
                issue_links = [(_("Issue to a staff member"), reverse(f"{NS}:issue") + query, "issue")]
        return {
            "more_rows": [{"label": label, "value": value} for label, value in rows],
            "edit_url": reverse(f"{NS}:type_edit", args=[obj.pk])
            if user.has_perm("catalog.change_coupontype")
            else None,
            "deactivate_url": reverse(f"{NS}:type_deactivate", args=[obj.pk])
            if obj.is_active and user.has_perm("catalog.delete_coupontype")
            else None,
            "issue_links": issue_links,
            "coupons_url": reverse(f"{NS}:coupon_list") + f"?coupon_type={obj.pk}"
            if user.has_perm(VIEW)
            else None,
        }


def _type_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": data["code"],
        "name": data["name"],
        "kind": data["kind"],
        "amount": data.get("amount"),
        "discount_percent": data.get("discount_percent"),
        "min_spend": data.get("min_spend"),
        "applies_to_all": data["applies_to_all"],
        "project_ids": _ids(data.get("project_ids")),
        "product_ids": _ids(data.get("product_ids")),
        "category_ids": _ids(data.get("category_ids")),
        "validity_mode": data["validity_mode"],
        "valid_from": data.get("valid_from"),
        "valid_to": data.get("valid_to"),
        "validity_days": data.get("validity_days"),
        "is_stackable": data["is_stackable"],
        "per_customer_limit": data.get("per_customer_limit"),
        "description": data["description"],
    }


class TypeFormMixin:
    request: Any
    template_name = "catalog/coupon/type_form.html"

    def success_url(self, result: Model) -> str:
        return reverse(f"{NS}:type_detail", args=[result.pk])


class CouponTypeCreateView(TypeFormMixin, ObjectCreateView):
    permissions = (VIEW_TYPE, "catalog.add_coupontype")
    title = gettext_lazy("New coupon type")
    breadcrumbs = (TYPES,)
    form_class = CouponTypeForm
    success_message = gettext_lazy("The coupon type was created.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self.request)}

    def perform(self, form: forms.Form) -> Any:
        return services.coupon_type_create(actor=_actor(self.request), **_type_arguments(form.cleaned_data))


class CouponTypeEditView(TypeFormMixin, ObjectEditView):
    permissions = (VIEW_TYPE, "catalog.change_coupontype")
    title = gettext_lazy("Edit coupon type")
    breadcrumbs = (TYPES,)
    getter = selectors.coupon_type_get_for
    form_class = CouponTypeForm
    success_message = gettext_lazy("The coupon type was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self.request), "editing": self.get_object()}

    def initial(self, obj: Any) -> dict[str, Any]:
        values = super().initial(obj)
        values.update(
            project_ids=[row.pk for row in obj.projects.all()],
            product_ids=[row.pk for row in obj.products.all()],
            category_ids=[row.pk for row in obj.categories.all()],
        )
        return values

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.coupon_type_update(
            actor=_actor(self.request),
            coupon_type_id=self.get_object().pk,
            is_active=data["is_active"],
            **_type_arguments(data),
        )


class CouponTypeDeactivateView(ObjectDeleteView):
    permissions = (VIEW_TYPE, "catalog.delete_coupontype")
    title = gettext_lazy("Deactivate coupon type")
    breadcrumbs = (TYPES,)
    getter = selectors.coupon_type_get_for
    submit_label = gettext_lazy("Deactivate")
    confirm_text = gettext_lazy(
        "No more coupons of a deactivated type can be issued; coupons already issued stay usable. "
        "Deactivate it?"
    )
    success_message = gettext_lazy("The coupon type was deactivated.")

    def success_url(self, result: Any) -> str:
        return reverse(f"{NS}:type_detail", args=[result.pk])

    def perform(self, form: forms.Form) -> Any:
        return services.coupon_type_deactivate(
            actor=_actor(self.request), coupon_type_id=self.get_object().pk
        )


# --- issued coupons ---------------------------------------------------------------------------------


class CouponListView(ObjectListView):
    permissions = (VIEW,)
    title = gettext_lazy("Coupons")
    selector = selectors.coupons_for
    filterset_class = CouponFilterSet
    table_class = CouponTable
    export_basename = "coupons"
    export_permissions = (VIEW, "catalog.export_coupon")
    empty_text = gettext_lazy("No coupons match.")

    def list_actions(self, query: str) -> list[dict[str, str]]:
        if not self.request.user.has_perm(ISSUE):
            return []
        return [
            {
                "label": _("Generate codes"),
                "url": reverse(f"{NS}:generate"),
                "icon": "ti-barcode",
                "testid": "generate",
            },
            {
                "label": _("Issue in bulk"),
                "url": reverse(f"{NS}:issue_bulk"),
                "icon": "ti-users",
                "testid": "issue-bulk",
            },
            {
                "label": _("Issue to a customer"),
                "url": reverse(f"{NS}:issue"),
                "icon": "ti-send",
                "testid": "issue",
            },
        ]


def _customer_text(customer: Any) -> str:
    if customer is None:
        return ""
    phone = mask_phone(customer.phone)
    return f"{customer.name}（{phone}）" if phone else customer.name


class CouponDetailView(ObjectDetailView):
    permissions = (VIEW,)
    breadcrumbs = (COUPONS,)
    getter = selectors.coupon_get_for
    template_name = "catalog/coupon/coupon_detail.html"

    def object_title(self, obj: Model) -> str:
        coupon = cast(Coupon, obj)
        return _("Coupon %(code)s") % {"code": coupon.code}

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        coupon_type = obj.coupon_type
        validity = _date(obj.valid_from) + " – " + (_date(obj.valid_to) or _("no end"))
        rows = [
            (_("Code"), obj.code),
            (_("Coupon type"), f"{coupon_type.code} {coupon_type.name}"),
            (_("Kind"), coupon_type.get_kind_display()),
            (pgettext("coupon", "Value"), coupon_value(coupon_type)),
            (_("Minimum spend"), format_cny(coupon_type.min_spend)),
            (_("Customer"), _customer_text(obj.customer)),
            (_("Staff member"), str(obj.staff) if obj.staff else ""),
            (_("Handed on by"), _customer_text(obj.given_by)),
            (_("Validity"), validity),
            (_("Branch"), obj.branch.name),
            (_("Redeemed at"), _when(obj.redeemed_at)),
            (_("Redeemed on"), obj.redeemed_ref),
            (_("Issued at"), _when(obj.created_at)),
        ]
        history = [
            {
                "at": _when(event.at),
                "action": event.get_action_display(),
                "customer": event.customer.name if event.customer else "",
                "actor": (event.actor.display_name or event.actor.username) if event.actor else _("System"),
                "note": event.note,
            }
            for event in obj.events.all()
        ]
        issued = obj.state == CouponState.ISSUED
        can_void = issued and user.has_perm("catalog.void_coupon")
        can_transfer = (
            issued
            and obj.customer_id is not None
            and coupon_type.kind == CouponKind.FRIENDS
            and user.has_perm("catalog.change_coupon")
        )
        return {
            "more_rows": [{"label": label, "value": value} for label, value in rows],
            "history": history,
            "batch_url": reverse(f"{NS}:batch_detail", args=[obj.batch_id]) if obj.batch_id else None,
            "void_url": reverse(f"{NS}:coupon_void", args=[obj.pk]) if can_void else None,
            "transfer_url": reverse(f"{NS}:coupon_transfer", args=[obj.pk]) if can_transfer else None,
        }


class CouponActionMixin:
    """Void / hand on: a form on one coupon, back to its page."""

    request: Any
    breadcrumbs: ClassVar[Sequence[tuple[str | Promise, str | None]]] = (COUPONS,)
    getter = selectors.coupon_get_for

    def success_url(self, result: Any) -> str:
        return reverse(f"{NS}:coupon_detail", args=[result.pk])

    def initial(self, obj: Model) -> dict[str, Any]:
        return {}


class CouponVoidView(CouponActionMixin, ObjectEditView):
    permissions = (VIEW, "catalog.void_coupon")
    title = gettext_lazy("Void coupon")
    form_class = VoidForm
    submit_label = gettext_lazy("Void")
    success_message = gettext_lazy("The coupon was voided.")
    htmx_form = True

    def perform(self, form: forms.Form) -> Any:
        return services.coupon_void(
            actor=_actor(self.request), coupon_id=self.get_object().pk, reason=form.cleaned_data["reason"]
        )


class CouponTransferView(CouponActionMixin, ObjectEditView):
    permissions = (VIEW, "catalog.change_coupon")
    title = gettext_lazy("Hand on coupon")
    template_name = "catalog/coupon/pick_customer_form.html"
    form_class = TransferForm
    submit_label = gettext_lazy("Hand on")
    success_message = gettext_lazy("The coupon was handed on.")

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        context = self.base_context(
            form=form,
            submit_label=self.submit_label,
            htmx_form=self.htmx_form,
            customer_field=form["to_customer_id"],
        )
        return render(
            self.request, template_for(self.request, self.template_name, "form"), context, status=status
        )

    def perform(self, form: forms.Form) -> Any:
        return services.coupon_transfer(
            actor=_actor(self.request),
            coupon_id=self.get_object().pk,
            to_customer_id=form.cleaned_data["to_customer_id"],
        )


# --- issuing ----------------------------------------------------------------------------------------


class IssueMixin:
    """Issue pages: the type may be preselected with ``?coupon_type_id=``."""

    request: Any
    breadcrumbs: ClassVar[Sequence[tuple[str | Promise, str | None]]] = (COUPONS,)

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self.request)}

    def get_form(self, data: Any = None) -> forms.Form:
        initial = {}
        chosen = self.request.GET.get("coupon_type_id")
        if chosen and chosen.isdigit():
            initial["coupon_type_id"] = int(chosen)
        return self.form_class(data=data, initial=initial, **self.form_kwargs())  # type: ignore[attr-defined]

    def success_url(self, result: services.IssueResult) -> str:
        if len(result.coupons) == 1:
            return reverse(f"{NS}:coupon_detail", args=[result.coupons[0].pk])
        return reverse(f"{NS}:batch_detail", args=[result.batch.pk])


class CouponIssueView(IssueMixin, ObjectCreateView):
    permissions = (VIEW, ISSUE)
    title = gettext_lazy("Issue coupons to a customer")
    template_name = "catalog/coupon/pick_customer_form.html"
    form_class = IssueForm
    submit_label = pgettext_lazy("coupon", "Issue")

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        context = self.base_context(
            form=form,
            submit_label=self.submit_label,
            htmx_form=self.htmx_form,
            customer_field=form["customer_id"],
        )
        return render(
            self.request, template_for(self.request, self.template_name, "form"), context, status=status
        )

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.coupon_issue(
            actor=_actor(self.request),
            coupon_type_id=data["coupon_type_id"].pk,
            customer_id=data["customer_id"],
            staff_id=_pk(data["staff_id"]),
            quantity=data["quantity"],
            note=data["note"],
            idempotency_key=data["idempotency_key"],
        )

    def success(self, result: Any) -> HttpResponse:
        count = len(result.coupons)
        messages.success(
            self.request,
            ngettext("%(count)s coupon was issued.", "%(count)s coupons were issued.", count)
            % {"count": count},
        )
        return super().success(result)


def bulk_criteria(query: Any) -> dict[str, str]:
    """The customer filter of the bulk issue page, from its query string."""
    return {key: query.get(key) for key in selectors.BULK_FILTER_KEYS if query.get(key)}


class CouponBulkIssueView(IssueMixin, ObjectCreateView):
    """The customer list's filter bar above the form: the page shows how many active customers
    match before anything is issued; the form posts to the same filtered address."""

    permissions = (VIEW, ISSUE)
    title = gettext_lazy("Issue coupons in bulk")
    template_name = "catalog/coupon/issue_bulk.html"
    form_class = BulkIssueForm
    submit_label = gettext_lazy("Issue to the matching customers")

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        actor = _actor(self.request)
        criteria = bulk_criteria(self.request.GET)
        filterset = CustomerFilterSet(
            criteria or None, queryset=customer_selectors.customers_for(actor), request=self.request
        )
        matched: int | None = None
        filter_error = ""
        try:
            matched = selectors.coupon_bulk_candidates(actor, criteria).count()
        except errors.ValidationError as exc:
            filter_error = exc.message
        context = self.base_context(
            form=form,
            submit_label=self.submit_label,
            htmx_form=self.htmx_form,
            filter_fields=[field for field in filterset.form if field.name in selectors.BULK_FILTER_KEYS],
            matched=matched,
            filter_error=filter_error,
            criteria=criteria,
            max_customers=services.MAX_BULK_CUSTOMERS,
        )
        return render(
            self.request, template_for(self.request, self.template_name, "form"), context, status=status
        )

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.coupon_issue_bulk(
            actor=_actor(self.request),
            coupon_type_id=data["coupon_type_id"].pk,
            criteria=bulk_criteria(self.request.GET),
            quantity=data["quantity"],
            note=data["note"],
            idempotency_key=data["idempotency_key"],
        )

    def success(self, result: Any) -> HttpResponse:
        customers = len({coupon.customer_id for coupon in result.coupons})
        messages.success(
            self.request,
            _("%(count)s coupons were issued to %(customers)s customers; %(skipped)s skipped (at the limit).")
            % {"count": len(result.coupons), "customers": customers, "skipped": result.skipped},
        )
        return super().success(result)

    def success_url(self, result: services.IssueResult) -> str:
        return reverse(f"{NS}:batch_detail", args=[result.batch.pk])


class CouponGenerateView(IssueMixin, ObjectCreateView):
    permissions = (VIEW, ISSUE)
    title = gettext_lazy("Generate coupon codes")
    form_class = GenerateForm
    submit_label = gettext_lazy("Generate")

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.coupon_generate(
            actor=_actor(self.request),
            coupon_type_id=data["coupon_type_id"].pk,
            quantity=data["quantity"],
            note=data["note"],
            idempotency_key=data["idempotency_key"],
        )

    def success(self, result: Any) -> HttpResponse:
        messages.success(
            self.request,
            _("%(count)s codes were generated. Download them below.") % {"count": len(result.coupons)},
        )
        return super().success(result)

    def success_url(self, result: services.IssueResult) -> str:
        return reverse(f"{NS}:batch_detail", args=[result.batch.pk])


def _criteria_text(batch: CouponBatch) -> str:
    criteria = batch.criteria or {}
    if batch.mode != BatchMode.BULK:
        return ""
    filters = criteria.get("filters") or {}
    described = "; ".join(f"{key}={value}" for key, value in filters.items()) or _("all active customers")
    return _("%(filters)s — %(matched)s customers matched, %(skipped)s skipped, %(per)s per customer") % {
        "filters": described,
        "matched": criteria.get("matched", 0),
        "skipped": criteria.get("skipped", 0),
        "per": criteria.get("per_customer", 1),
    }


class BatchDetailView(ObjectDetailView):
    permissions = (VIEW,)
    breadcrumbs = (COUPONS,)
    getter = selectors.coupon_batch_get_for
    template_name = "catalog/coupon/batch_detail.html"

    def object_title(self, obj: Model) -> str:
        return _("Coupon batch %(no)s") % {"no": obj}

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        actor = _actor(self.request)
        rows = [
            (pgettext("coupon", "Batch no"), str(obj)),
            (_("Coupon type"), f"{obj.coupon_type.code} {obj.coupon_type.name}"),
            (_("Issued as"), obj.get_mode_display()),
            (_("Coupons"), obj.quantity),
            (_("Customer filter"), _criteria_text(obj)),
            (_("Note"), obj.note),
            (_("Branch"), obj.branch.name),
            (
                _("Issued by"),
                (obj.created_by.display_name or obj.created_by.username) if obj.created_by else "",
            ),
            (_("Issued at"), _when(obj.created_at)),
        ]
        coupons = list(selectors.coupons_for(actor).filter(batch=obj).order_by("pk")[:BATCH_PREVIEW])
        can_download = obj.mode == BatchMode.CODES and user.has_perm(ISSUE)
        return {
            "more_rows": [{"label": label, "value": value} for label, value in rows],
            "coupons": [
                {
                    "code": coupon.code,
                    "url": reverse(f"{NS}:coupon_detail", args=[coupon.pk]),
                    "state": coupon.get_state_display(),
                    "customer": _customer_text(coupon.customer),
                }
                for coupon in coupons
            ],
            "more": obj.quantity > len(coupons),
            "list_url": reverse(f"{NS}:coupon_list") + f"?batch={obj.pk}",
            "downloads": [(fmt, reverse(f"{NS}:batch_download", args=[obj.pk, fmt])) for fmt in FORMATS]
            if can_download
            else [],
        }


class BatchDownloadView(PermissionRequiredView):
    """The generated codes of a batch as .xlsx or .csv (recorded in the audit log)."""

    permissions = (VIEW, ISSUE)

    def get(self, request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
        if fmt not in FORMATS:
            raise Http404
        try:
            coupons = services.coupon_codes_export(actor=_actor(request), batch_id=pk)
        except errors.NotFound as exc:
            raise Http404 from exc
        except errors.PermissionDenied as exc:
            raise DjangoPermissionDenied from exc
        return export_table(CodeTable, coupons, fmt, f"coupon-codes-{pk}")


class CustomerLookupView(PermissionRequiredView):
    """``?q=`` → up to 10 customers within the actor's customer scope to pick from (name,
    pinyin, phone or its last 4 digits, card no); phones masked."""

    permissions = (VIEW,)

    def get(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.get("q", "")[:100]
        found = (
            customer_selectors.customer_search(_actor(request), query, limit=LOOKUP_LIMIT)
            if query.strip()
            else []
        )
        rows = [{"customer": c, "phone": mask_phone(c.phone)} for c in found]
        return render(request, "catalog/coupon/_customer_lookup.html", {"rows": rows, "query": query})


# --- menu -------------------------------------------------------------------------------------------


def register_menu() -> None:
    """The coupon entries of the Marketing menu group (called from ``catalog.menu``)."""
    group = gettext_lazy("Marketing")
    for item in (
        menu.MenuItem(
            "catalog-coupon-types",
            gettext_lazy("Coupon types"),
            f"{NS}:type_list",
            "ti-ticket",
            410,
            group,
            (VIEW_TYPE,),
        ),
        menu.MenuItem(
            "catalog-coupons",
            gettext_lazy("Coupons"),
            f"{NS}:coupon_list",
            "ti-discount-2",
            412,
            group,
            (VIEW,),
        ),
    ):
        menu.register(item)
