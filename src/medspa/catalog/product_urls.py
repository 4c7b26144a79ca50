"""URLs of the product and package pages (namespace ``catalog_products``, under ``/catalog/``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from medspa.catalog import product_views as views

app_name = "catalog_products"

urlpatterns: list[URLPattern] = [
    path("products/", views.ProductListView.as_view(), name="product_list"),
    path("products/new/", views.ProductCreateView.as_view(), name="product_create"),
    path("products/units/", views.UnitOptionsView.as_view(), name="unit_options"),
    path("products/<int:pk>/", views.ProductDetailView.as_view(), name="product_detail"),
    path("products/<int:pk>/edit/", views.ProductEditView.as_view(), name="product_edit"),
    path("products/<int:pk>/deactivate/", views.ProductDeactivateView.as_view(), name="product_deactivate"),
    path("packages/", views.PackageListView.as_view(), name="package_list"),
    path("packages/new/", views.PackageCreateView.as_view(), name="package_create"),
    path("packages/component-row/", views.ComponentRowView.as_view(), name="component_row"),
    path("packages/<int:pk>/", views.PackageDetailView.as_view(), name="package_detail"),
    path("packages/<int:pk>/edit/", views.PackageEditView.as_view(), name="package_edit"),
    path("packages/<int:pk>/deactivate/", views.PackageDeactivateView.as_view(), name="package_deactivate"),
]
