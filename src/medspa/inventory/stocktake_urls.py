"""URLs of the stocktake pages, mounted under ``/inventory/`` (namespace ``inventory_stocktake``)."""

from django.urls import path

from medspa.inventory import stocktake_views as views

app_name = "inventory_stocktake"

urlpatterns = [
    path("stocktakes/", views.StocktakeListView.as_view(), name="list"),
    path("stocktakes/new/", views.StocktakeCreateView.as_view(), name="create"),
    path("stocktakes/<int:pk>/", views.StocktakeDetailView.as_view(), name="detail"),
    path("stocktakes/<int:pk>/count/", views.StocktakeCountView.as_view(), name="count"),
    path("stocktakes/<int:pk>/scan/", views.StocktakeScanView.as_view(), name="scan"),
    path("stocktakes/<int:pk>/submit/", views.StocktakeSubmitView.as_view(), name="submit"),
    path("stocktakes/<int:pk>/approve/", views.StocktakeApproveView.as_view(), name="approve"),
    path("stocktakes/<int:pk>/cancel/", views.StocktakeCancelView.as_view(), name="cancel"),
]
