"""Pages of the pricing family (namespace ``catalog_pricing``), under ``/catalog/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from medspa.catalog import pricing_views as views

app_name = "catalog_pricing"

urlpatterns: list[URLPattern] = [
    path("pricing/preview/", views.PricePreviewView.as_view(), name="preview"),
    path("pricing/preview/items/", views.ItemLookupView.as_view(), name="item_lookup"),
    path("pricing/preview/line/", views.LineRowView.as_view(), name="line_row"),
    path("pricing/preview/customer/", views.CustomerPickView.as_view(), name="customer_pick"),
]
