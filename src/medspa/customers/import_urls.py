from django.urls import path

from medspa.customers import import_views

app_name = "customer_import"

urlpatterns = [
    path("import/", import_views.ImportListView.as_view(), name="list"),
    path("import/template.xlsx", import_views.TemplateDownloadView.as_view(), name="template"),
    path("import/<int:pk>/", import_views.ImportDetailView.as_view(), name="detail"),
    path("import/<int:pk>/report.xlsx", import_views.ReportDownloadView.as_view(), name="report"),
]
