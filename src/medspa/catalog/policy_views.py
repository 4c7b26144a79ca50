"""Pages of the discount settings (CAT-06: discount rules, discount authority per role) and the
commission plans (CAT-07), in the Catalog (项目与产品) menu group, orders 330–339."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.db.models import Model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from medspa.accounts.models import User
from medspa.catalog import policy_selectors as selectors
from medspa.catalog import policy_services as services
from medspa.catalog.policy_filtersets import (
    CommissionPlanFilterSet,
    DiscountAuthorityFilterSet,
    DiscountRuleFilterSet,
)
from medspa.catalog.policy_forms import CommissionPlanForm, DiscountAuthorityForm, DiscountRuleForm
from medspa.catalog.policy_tables import (
    CommissionPlanTable,
    DiscountAuthorityTable,
    DiscountRuleTable,
    discount_text,
    period_text,
    rate_text,
    target_kind_label,
    target_text,
)
from medspa.core import menu
from medspa.core.tables import Column
from medspa.core.views import generic
from medspa.core.views.generic import (
    ActorFormMixin,
    ObjectCreateView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)

NS = "catalog_policies"
RULES = (_("Discount rules"), f"{NS}:rule_list")
AUTHORITIES = (_("Discount authority"), f"{NS}:authority_list")
PLANS = (_("Commission plans"), f"{NS}:plan_list")
VIEW_RULE, VIEW_AUTHORITY, VIEW_PLAN = (
    "catalog.view_discountrule",
    "catalog.view_discountauthority",
    "catalog.view_commissionplan",
)


def _actor(view: Any) -> User:
    """The logged-in user (the permission check has already turned anonymous users away)."""
    return cast(User, view.request.user)


def _text(obj: Any, accessor: str) -> str:
    return Column(accessor=accessor, label="").text(obj)


class PolicyDetailView(ObjectDetailView):
    """A detail page with Edit and Delete (or Deactivate) buttons; rows from ``detail_rows``."""

    template_name = "catalog/policy/detail.html"
    edit_url_name: ClassVar[str]
    remove_url_name: ClassVar[str]
    edit_permission: ClassVar[str]
    remove_permission: ClassVar[str]
    remove_label: ClassVar[Any] = _("Delete")
    remove_icon: ClassVar[str] = "ti-trash"

    def detail_rows(self, obj: Any) -> list[tuple[Any, str]]:
        return []

    def removable(self, obj: Any) -> bool:
        return True

    def extra_context(self, obj: Model) -> dict[str, Any]:
        user = self.request.user
        can_remove = self.removable(obj) and user.has_perm(self.remove_permission)
        return {
            "edit_url": reverse(self.edit_url_name, args=[obj.pk])
            if user.has_perm(self.edit_permission)
            else None,
            "remove_url": reverse(self.remove_url_name, args=[obj.pk]) if can_remove else None,
            "remove_label": self.remove_label,
            "remove_icon": self.remove_icon,
            "inactive": getattr(obj, "is_active", True) is False,
        }

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        obj = extra.get("object")
        if obj is not None:
            context["rows"] = [{"label": label, "value": value} for label, value in self.detail_rows(obj)]
        return context


# --- discount rules (CAT-06) -------------------------------------------------------------------------


class DiscountRuleListView(ObjectListView):
    permissions = (VIEW_RULE,)
    export_permissions = (VIEW_RULE, "catalog.export_discountrule")
    title = _("Discount rules")
    selector = selectors.discount_rules_for
    filterset_class = DiscountRuleFilterSet
    table_class = DiscountRuleTable
    export_basename = "discount-rules"
    create_url_name = f"{NS}:rule_create"
    create_permissions = ("catalog.add_discountrule",)
    create_label = _("New discount rule")
    empty_text = _("No discount rules match.")


class DiscountRuleDetailView(PolicyDetailView):
    permissions = (VIEW_RULE,)
    breadcrumbs = (RULES,)
    getter = selectors.discount_rule_get_for
    edit_url_name = f"{NS}:rule_edit"
    remove_url_name = f"{NS}:rule_delete"
    edit_permission = "catalog.change_discountrule"
    remove_permission = "catalog.delete_discountrule"

    def object_title(self, obj: Any) -> str:
        return f"{target_text(obj)} · {discount_text(obj.never_discount, obj.min_percent)}"

    def detail_rows(self, obj: Any) -> list[tuple[Any, str]]:
        return [
            (_("Set on"), target_text(obj)),
            (_("Kind"), target_kind_label(obj.target_kind)),
            (_("Discount limit"), discount_text(obj.never_discount, obj.min_percent)),
            (_("Note"), obj.note),
            (_("Updated at"), _text(obj, "updated_at")),
        ]


def _rule_arguments(form: forms.Form) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        **form.target_ids(),  # type: ignore[attr-defined]
        "never_discount": data["never_discount"],
        "min_percent": data["min_percent"],
        "note": data["note"],
    }


class ToDetail(generic.ToDetail):
    namespace = NS


class DiscountRuleCreateView(ToDetail, ActorFormMixin, ObjectCreateView):
    permissions = (VIEW_RULE, "catalog.add_discountrule")
    title = _("New discount rule")
    breadcrumbs = (RULES,)
    template_name = "catalog/policy/form.html"
    form_class = DiscountRuleForm
    model_name = "rule"
    success_message = _("The discount rule was created.")

    def perform(self, form: forms.Form) -> Any:
        return services.discount_rule_create(actor=_actor(self), **_rule_arguments(form))


class DiscountRuleEditView(ToDetail, ObjectEditView):
    permissions = (VIEW_RULE, "catalog.change_discountrule")
    title = _("Edit discount rule")
    breadcrumbs = (RULES,)
    template_name = "catalog/policy/form.html"
    getter = selectors.discount_rule_get_for
    form_class = DiscountRuleForm
    model_name = "rule"
    success_message = _("The discount rule was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self), "editing": self.get_object()}

    def perform(self, form: forms.Form) -> Any:
        return services.discount_rule_update(
            actor=_actor(self), rule_id=self.get_object().pk, **_rule_arguments(form)
        )


class DiscountRuleDeleteView(ObjectDeleteView):
    permissions = (VIEW_RULE, "catalog.delete_discountrule")
    title = _("Delete discount rule")
    breadcrumbs = (RULES,)
    getter = selectors.discount_rule_get_for
    confirm_text = _(
        "Without this rule the item follows its category's rule, or may be discounted freely. Delete it?"
    )
    success_message = _("The discount rule was deleted.")

    def perform(self, form: forms.Form) -> Any:
        services.discount_rule_delete(actor=_actor(self), rule_id=self.get_object().pk)

    def success_url(self, result: Any) -> str:
        return reverse(f"{NS}:rule_list")


# --- discount authority (CAT-06) ---------------------------------------------------------------------


class DiscountAuthorityListView(ObjectListView):
    permissions = (VIEW_AUTHORITY,)
    export_permissions = (VIEW_AUTHORITY, "catalog.export_discountauthority")
    title = _("Discount authority")
    selector = selectors.discount_authorities_for
    filterset_class = DiscountAuthorityFilterSet
    table_class = DiscountAuthorityTable
    export_basename = "discount-authority"
    empty_text = _("No roles match.")


class RoleTitle:
    """Pages of one role's authority are titled with the role's name."""

    title: ClassVar[Any]

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().base_context(**extra)  # type: ignore[misc]
        role = self.get_object()  # type: ignore[attr-defined]
        context["title"] = f"{self.title} · {role.name}"
        context["breadcrumbs"][-1]["label"] = context["title"]
        return context


class DiscountAuthorityEditView(RoleTitle, ObjectEditView):
    permissions = (VIEW_AUTHORITY, "catalog.change_discountauthority")
    title = _("Set discount authority")
    breadcrumbs = (AUTHORITIES,)
    getter = selectors.discount_authority_role_get_for
    form_class = DiscountAuthorityForm
    template_name = "catalog/policy/authority_form.html"
    success_message = _("The discount authority was saved.")

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        role: Any = self.get_object()
        has_authority = role.min_percent is not None
        context["current"] = discount_text(False, role.min_percent) if has_authority else ""
        can_clear = has_authority and self.request.user.has_perm("catalog.delete_discountauthority")
        context["clear_url"] = reverse(f"{NS}:authority_clear", args=[role.pk]) if can_clear else None
        return context

    def perform(self, form: forms.Form) -> Any:
        return services.discount_authority_set(
            actor=_actor(self), role_id=self.get_object().pk, min_percent=form.cleaned_data["min_percent"]
        )

    def success_url(self, result: Any) -> str:
        return reverse(f"{NS}:authority_list")


class DiscountAuthorityClearView(RoleTitle, ObjectDeleteView):
    permissions = (VIEW_AUTHORITY, "catalog.delete_discountauthority")
    title = _("Clear discount authority")
    breadcrumbs = (AUTHORITIES,)
    getter = selectors.discount_authority_role_get_for
    submit_label = _("Clear")
    confirm_text = _(
        "Holders of this role will need approval for every manual discount. Clear its authority?"
    )
    success_message = _("The discount authority was cleared.")

    def perform(self, form: forms.Form) -> Any:
        services.discount_authority_clear(actor=_actor(self), role_id=self.get_object().pk)

    def success_url(self, result: Any) -> str:
        return reverse(f"{NS}:authority_list")


# --- commission plans (CAT-07) -----------------------------------------------------------------------


class CommissionPlanListView(ObjectListView):
    permissions = (VIEW_PLAN,)
    export_permissions = (VIEW_PLAN, "catalog.export_commissionplan")
    title = _("Commission plans")
    selector = selectors.commission_plans_for
    filterset_class = CommissionPlanFilterSet
    table_class = CommissionPlanTable
    export_basename = "commission-plans"
    create_url_name = f"{NS}:plan_create"
    create_permissions = ("catalog.add_commissionplan",)
    create_label = _("New commission plan")
    empty_text = _("No commission plans match.")


class CommissionPlanDetailView(PolicyDetailView):
    permissions = (VIEW_PLAN,)
    breadcrumbs = (PLANS,)
    getter = selectors.commission_plan_get_for
    edit_url_name = f"{NS}:plan_edit"
    remove_url_name = f"{NS}:plan_deactivate"
    edit_permission = "catalog.change_commissionplan"
    remove_permission = "catalog.delete_commissionplan"
    remove_label = _("Deactivate")
    remove_icon = "ti-ban"

    def removable(self, obj: Any) -> bool:
        return bool(obj.is_active)

    def detail_rows(self, obj: Any) -> list[tuple[Any, str]]:
        return [
            (_("Name"), obj.name),
            (_("Kind"), obj.get_kind_display()),
            (_("Position"), obj.position.name),
            (_("Set on"), target_text(obj)),
            (_("Target kind"), target_kind_label(obj.target_kind)),
            (_("Basis"), obj.get_basis_display()),
            (_("Rate or amount"), rate_text(obj)),
            (_("Effective"), period_text(obj)),
            (_("Active"), _text(obj, "is_active")),
            (_("Updated at"), _text(obj, "updated_at")),
        ]


def _plan_arguments(form: forms.Form) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        **form.target_ids(),  # type: ignore[attr-defined]
        "name": data["name"],
        "kind": data["kind"],
        "position_id": data["position"].pk,
        "basis": data["basis"],
        "rate_percent": data["rate_percent"],
        "fixed_amount": data["fixed_amount"],
        "effective_from": data["effective_from"],
        "effective_to": data["effective_to"],
    }


class CommissionPlanCreateView(ToDetail, ActorFormMixin, ObjectCreateView):
    permissions = (VIEW_PLAN, "catalog.add_commissionplan")
    title = _("New commission plan")
    breadcrumbs = (PLANS,)
    template_name = "catalog/policy/form.html"
    form_class = CommissionPlanForm
    model_name = "plan"
    success_message = _("The commission plan was created.")

    def perform(self, form: forms.Form) -> Any:
        return services.commission_plan_create(actor=_actor(self), **_plan_arguments(form))


class CommissionPlanEditView(ToDetail, ObjectEditView):
    permissions = (VIEW_PLAN, "catalog.change_commissionplan")
    title = _("Edit commission plan")
    breadcrumbs = (PLANS,)
    template_name = "catalog/policy/form.html"
    getter = selectors.commission_plan_get_for
    form_class = CommissionPlanForm
    model_name = "plan"
    success_message = _("The commission plan was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self), "editing": self.get_object()}

    def perform(self, form: forms.Form) -> Any:
        return services.commission_plan_update(
            actor=_actor(self),
            plan_id=self.get_object().pk,
            is_active=form.cleaned_data["is_active"],
            **_plan_arguments(form),
        )


class CommissionPlanDeactivateView(ToDetail, ObjectDeleteView):
    permissions = (VIEW_PLAN, "catalog.delete_commissionplan")
    title = _("Deactivate commission plan")
    breadcrumbs = (PLANS,)
    getter = selectors.commission_plan_get_for
    model_name = "plan"
    submit_label = _("Deactivate")
    confirm_text = _("A deactivated plan no longer applies on any date. Deactivate it?")
    success_message = _("The commission plan was deactivated.")

    def perform(self, form: forms.Form) -> Any:
        return services.commission_plan_deactivate(actor=_actor(self), plan_id=self.get_object().pk)


def register_menu() -> None:
    """The policy entries of the Catalog (项目与产品) menu group, orders 330–339."""
    group = _("Catalog")
    for item in (
        menu.MenuItem(
            "catalog-discount-rules",
            _("Discount rules"),
            f"{NS}:rule_list",
            "ti-discount",
            330,
            group,
            (VIEW_RULE,),
        ),
        menu.MenuItem(
            "catalog-discount-authority",
            _("Discount authority"),
            f"{NS}:authority_list",
            "ti-user-dollar",
            332,
            group,
            (VIEW_AUTHORITY,),
        ),
        menu.MenuItem(
            "catalog-commission-plans",
            _("Commission plans"),
            f"{NS}:plan_list",
            "ti-coin",
            334,
            group,
            (VIEW_PLAN,),
        ),
    ):
        menu.register(item)
