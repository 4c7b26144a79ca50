from django.urls import path

from medspa.customers import bulk_views

app_name = "customer_bulk"

urlpatterns = [
    path("bulk/", bulk_views.BulkChangeView.as_view(), name="change"),
    path("merge/", bulk_views.MergeView.as_view(), name="merge"),
]
