"""URLs of the policy pages (namespace ``catalog_policies``): discount rules, discount authority
per role and commission plans, under ``/catalog/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from medspa.catalog import policy_views as views

app_name = "catalog_policies"

urlpatterns: list[URLPattern] = [
    path("discount-rules/", views.DiscountRuleListView.as_view(), name="rule_list"),
    path("discount-rules/new/", views.DiscountRuleCreateView.as_view(), name="rule_create"),
    path("discount-rules/<int:pk>/", views.DiscountRuleDetailView.as_view(), name="rule_detail"),
    path("discount-rules/<int:pk>/edit/", views.DiscountRuleEditView.as_view(), name="rule_edit"),
    path("discount-rules/<int:pk>/delete/", views.DiscountRuleDeleteView.as_view(), name="rule_delete"),
    path("discount-authority/", views.DiscountAuthorityListView.as_view(), name="authority_list"),
    path("discount-authority/<int:pk>/", views.DiscountAuthorityEditView.as_view(), name="authority_edit"),
    path(
        "discount-authority/<int:pk>/clear/",
        views.DiscountAuthorityClearView.as_view(),
        name="authority_clear",
    ),
    path("commission-plans/", views.CommissionPlanListView.as_view(), name="plan_list"),
    path("commission-plans/new/", views.CommissionPlanCreateView.as_view(), name="plan_create"),
    path("commission-plans/<int:pk>/", views.CommissionPlanDetailView.as_view(), name="plan_detail"),
    path("commission-plans/<int:pk>/edit/", views.CommissionPlanEditView.as_view(), name="plan_edit"),
    path(
        "commission-plans/<int:pk>/deactivate/",
        views.CommissionPlanDeactivateView.as_view(),
        name="plan_deactivate",
    ),
]
