"""URLs of the monthly close pages and of stock as of a date, mounted under ``/inventory/``
(namespace ``inventory_close``)."""

from django.urls import path

from medspa.inventory import close_views as views

app_name = "inventory_close"

urlpatterns = [
    path("closes/", views.CloseListView.as_view(), name="list"),
    path("closes/new/", views.CloseCreateView.as_view(), name="create"),
    path("closes/<int:pk>/", views.CloseDetailView.as_view(), name="detail"),
    path("closes/<int:pk>/reopen/", views.CloseReopenView.as_view(), name="reopen"),
    path("balances-as-of/", views.BalancesAsOfView.as_view(), name="as_of"),
]
