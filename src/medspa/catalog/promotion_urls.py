"""Pages of promotions (namespace ``catalog_promotions``), under ``/catalog/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from medspa.catalog import promotion_views as views

app_name = "catalog_promotions"

urlpatterns: list[URLPattern] = [
    path("promotions/", views.PromotionListView.as_view(), name="promotion_list"),
    path("promotions/new/", views.PromotionCreateView.as_view(), name="promotion_create"),
    path("promotions/<int:pk>/", views.PromotionDetailView.as_view(), name="promotion_detail"),
    path("promotions/<int:pk>/edit/", views.PromotionEditView.as_view(), name="promotion_edit"),
    path(
        "promotions/<int:pk>/deactivate/",
        views.PromotionDeactivateView.as_view(),
        name="promotion_deactivate",
    ),
    path("promotions/<int:pk>/copy/", views.PromotionCopyView.as_view(), name="promotion_copy"),
]
