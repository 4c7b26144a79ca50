"""URLs of the stock query pages, mounted under ``/inventory/`` (namespace ``inventory_stock``)."""

from django.urls import path

from medspa.inventory import stock_views as views

app_name = "inventory_stock"

urlpatterns = [
    path("stock/", views.StockView.as_view(), name="stock"),
    path("stock/shortages/", views.ShortageView.as_view(), name="shortages"),
    path("stock/overstocks/", views.OverstockView.as_view(), name="overstocks"),
    path("stock/near-expiry/", views.NearExpiryView.as_view(), name="near_expiry"),
    path("stock/expired/", views.ExpiredView.as_view(), name="expired"),
    path("moves/", views.MoveListView.as_view(), name="moves"),
    path("lots/<int:pk>/", views.LotDetailView.as_view(), name="lot_detail"),
    path("alerts/", views.AlertListView.as_view(), name="alerts"),
    path("alerts/read/", views.AlertReadView.as_view(), name="alert_read"),
]
