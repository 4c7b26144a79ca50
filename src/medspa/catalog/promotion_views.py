"""Pages of promotions (促销) — MKT-03: list with filters and export, detail with the rule in plain
words, create/edit with the kind's fields and a repeating-row target editor, deactivate, copy."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from medspa.accounts.models import User
from medspa.catalog import promotion_selectors as selectors
from medspa.catalog import promotion_services as services
from medspa.catalog.models import Promotion
from medspa.catalog.promotion_filtersets import PromotionFilterSet
from medspa.catalog.promotion_forms import TARGET_KIND_LABELS, PromotionCopyForm, PromotionForm, initial_for
from medspa.catalog.promotion_tables import (
    PromotionTable,
    branch_names,
    level_names,
    status_label,
    window_text,
)
from medspa.core import menu
from medspa.core.errors import ValidationError
from medspa.core.export import FORMATS, MAX_ROWS, export_table
from medspa.core.money import format_cny
from medspa.core.views import generic
from medspa.core.views.generic import (
    ObjectCreateView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)

NS = "catalog_promotions"
PROMOTIONS = (_("Promotions"), f"{NS}:promotion_list")
VIEW = "catalog.view_promotion"
EXPORT_CHUNK = 500


def _actor(request: Any) -> User:
    """The logged-in user (the views' permission check has already turned anonymous users away)."""
    return cast(User, request.user)


def _targets_error(call: Any) -> Any:
    """Run a service call; an error on one target row (``targets.2.project``) is shown on the
    editor (the form's ``targets`` field)."""
    try:
        return call()
    except ValidationError as exc:
        if exc.field and exc.field.startswith("targets."):
            raise ValidationError(exc.message, field="targets") from exc
        raise


class ToDetail(generic.ToDetail):
    namespace = NS
    model_name = "promotion"


class PromotionListView(ObjectListView):
    permissions = (VIEW,)
    title = _("Promotions")
    selector = selectors.promotions_for
    filterset_class = PromotionFilterSet
    table_class = PromotionTable
    export_basename = "promotions"
    export_permissions = (VIEW, "catalog.export_promotion")
    create_url_name = f"{NS}:promotion_create"
    create_permissions = ("catalog.add_promotion",)
    create_label = _("New promotion")
    empty_text = _("No promotions match.")

    def export(self, queryset: QuerySet[Any], fmt: str) -> HttpResponse:
        """As the generic export, but in chunks so that the loaded branches and targets come along."""
        if fmt not in FORMATS:
            raise Http404
        if not self.can_export():
            raise PermissionDenied
        rows = queryset[:MAX_ROWS].iterator(chunk_size=EXPORT_CHUNK)
        return export_table(self.table_class, rows, fmt, self.export_basename)


def _money(value: Any) -> str:
    return "" if value is None else format_cny(value)


class PromotionDetailView(ObjectDetailView):
    permissions = (VIEW,)
    breadcrumbs = (PROMOTIONS,)
    getter = selectors.promotion_get_for
    template_name = "catalog/promotion/promotion_detail.html"

    def extra_context(self, obj: Model) -> dict[str, Any]:
        promotion = cast(Promotion, obj)
        user = self.request.user
        rows: list[tuple[Any, Any]] = [
            (_("Code"), promotion.code),
            (_("Kind"), promotion.get_kind_display()),
            (_("Status"), status_label(promotion)),
            (_("Campaign period"), window_text(promotion)),
            (_("Branches"), branch_names(promotion)),
            (_("Member levels"), level_names(promotion)),
            (_("New customers only"), _("Yes") if promotion.new_customers_only else _("No")),
            (_("Priority"), str(promotion.priority)),
            (_("Exclusive"), _("Yes") if promotion.is_exclusive else _("No")),
        ]
        rule_rows: dict[str, list[tuple[Any, Any]]] = {
            "spend_save": [
                (_("Spend at least"), _money(promotion.threshold_amount)),
                (_("Saving"), _money(promotion.discount_amount)),
                (_("Again for every multiple"), _("Yes") if promotion.is_repeatable else _("No")),
            ],
            "category_percent": [(_("Customer pays (%)"), f"{promotion.discount_percent or ''}")],
            "bundle": [(_("Bundle price"), _money(promotion.bundle_price))],
            "buy_get": [
                (_("Quantity to buy"), str(promotion.buy_quantity)),
                (_("Quantity given free"), str(promotion.get_quantity)),
            ],
        }
        targets = [
            {
                "role": target.get_role_display(),
                "kind": next(
                    str(TARGET_KIND_LABELS[name])
                    for name in selectors.TARGET_RELATIONS
                    if getattr(target, f"{name}_id") is not None
                ),
                "name": selectors.promotion_target_name(target),
                "quantity": target.quantity if target.role == "bundle" else "",
            }
            for target in promotion.targets.all()
        ]
        return {
            "description": selectors.promotion_describe(promotion),
            "fields": [
                {"label": label, "value": value}
                for label, value in [*rows, *rule_rows.get(promotion.kind, [])]
            ],
            "note": promotion.description,
            "targets": targets,
            "edit_url": reverse(f"{NS}:promotion_edit", args=[promotion.pk])
            if user.has_perm("catalog.change_promotion")
            else None,
            "copy_url": reverse(f"{NS}:promotion_copy", args=[promotion.pk])
            if user.has_perm("catalog.add_promotion")
            else None,
            "deactivate_url": reverse(f"{NS}:promotion_deactivate", args=[promotion.pk])
            if promotion.is_active and user.has_perm("catalog.delete_promotion")
            else None,
        }


class PromotionFormMixin:
    template_name = "catalog/promotion/promotion_form.html"
    htmx_form = False


class PromotionCreateView(ToDetail, PromotionFormMixin, ObjectCreateView):
    permissions = (VIEW, "catalog.add_promotion")
    title = _("New promotion")
    breadcrumbs = (PROMOTIONS,)
    form_class = PromotionForm
    success_message = _("The promotion was created.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self.request)}

    def perform(self, form: forms.Form) -> Any:
        arguments = cast(PromotionForm, form).service_arguments()
        return _targets_error(lambda: services.promotion_create(actor=_actor(self.request), **arguments))


class PromotionEditView(ToDetail, PromotionFormMixin, ObjectEditView):
    permissions = (VIEW, "catalog.change_promotion")
    title = _("Edit promotion")
    breadcrumbs = (PROMOTIONS,)
    form_class = PromotionForm
    getter = selectors.promotion_get_for
    success_message = _("The promotion was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self.request), "editing": self.get_object()}

    def initial(self, obj: Model) -> dict[str, Any]:
        return initial_for(cast(Promotion, obj))

    def perform(self, form: forms.Form) -> Any:
        arguments = cast(PromotionForm, form).service_arguments()
        is_active = form.cleaned_data["is_active"]
        return _targets_error(
            lambda: services.promotion_update(
                actor=_actor(self.request),
                promotion_id=self.get_object().pk,
                is_active=is_active,
                **arguments,
            )
        )


class PromotionDeactivateView(ToDetail, ObjectDeleteView):
    permissions = (VIEW, "catalog.delete_promotion")
    title = _("Deactivate promotion")
    breadcrumbs = (PROMOTIONS,)
    getter = selectors.promotion_get_for
    submit_label = _("Deactivate")
    confirm_text = _(
        "A deactivated promotion no longer applies to any sale; it stays listed and can be copied. "
        "Deactivate it?"
    )
    success_message = _("The promotion was deactivated.")

    def perform(self, form: forms.Form) -> Any:
        return services.promotion_deactivate(actor=_actor(self.request), promotion_id=self.get_object().pk)


class PromotionCopyView(ToDetail, ObjectEditView):
    """Duplicate a promotion under a new code for the next campaign."""

    permissions = (VIEW, "catalog.add_promotion")
    title = _("Copy promotion")
    breadcrumbs = (PROMOTIONS,)
    getter = selectors.promotion_get_for
    form_class = PromotionCopyForm
    submit_label = _("Create the copy")
    success_message = _("The copy was created.")
    htmx_form = False

    def initial(self, obj: Model) -> dict[str, Any]:
        promotion = cast(Promotion, obj)
        return {
            "code": "",
            "name": promotion.name,
            "starts_at": promotion.starts_at,
            "ends_at": promotion.ends_at,
        }

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return _targets_error(
            lambda: services.promotion_copy(
                actor=_actor(self.request),
                promotion_id=self.get_object().pk,
                code=data["code"],
                name=data["name"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
            )
        )


def register_menu() -> None:
    """The promotions entry of the Marketing menu group (orders 420–429)."""
    menu.register(
        menu.MenuItem(
            "catalog-promotions",
            _("Promotions"),
            f"{NS}:promotion_list",
            "ti-discount-2",
            420,
            _("Marketing"),
            (VIEW,),
        )
    )
