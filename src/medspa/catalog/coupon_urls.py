"""Pages of coupons (namespace ``catalog_coupons``), under ``/catalog/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from medspa.catalog import coupon_views as views

app_name = "catalog_coupons"

urlpatterns: list[URLPattern] = [
    path("coupon-types/", views.CouponTypeListView.as_view(), name="type_list"),
    path("coupon-types/new/", views.CouponTypeCreateView.as_view(), name="type_create"),
    path("coupon-types/<int:pk>/", views.CouponTypeDetailView.as_view(), name="type_detail"),
    path("coupon-types/<int:pk>/edit/", views.CouponTypeEditView.as_view(), name="type_edit"),
    path(
        "coupon-types/<int:pk>/deactivate/", views.CouponTypeDeactivateView.as_view(), name="type_deactivate"
    ),
    path("coupons/", views.CouponListView.as_view(), name="coupon_list"),
    path("coupons/issue/", views.CouponIssueView.as_view(), name="issue"),
    path("coupons/issue-bulk/", views.CouponBulkIssueView.as_view(), name="issue_bulk"),
    path("coupons/generate/", views.CouponGenerateView.as_view(), name="generate"),
    path("coupons/customers/", views.CustomerLookupView.as_view(), name="customer_lookup"),
    path("coupons/batches/<int:pk>/", views.BatchDetailView.as_view(), name="batch_detail"),
    path(
        "coupons/batches/<int:pk>/download/<str:fmt>/",
        views.BatchDownloadView.as_view(),
        name="batch_download",
    ),
    path("coupons/<int:pk>/", views.CouponDetailView.as_view(), name="coupon_detail"),
    path("coupons/<int:pk>/void/", views.CouponVoidView.as_view(), name="coupon_void"),
    path("coupons/<int:pk>/transfer/", views.CouponTransferView.as_view(), name="coupon_transfer"),
]
