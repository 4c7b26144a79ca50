from django.urls import path

from medspa.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.AuditEventListView.as_view(), name="event_list"),
    path("<int:pk>/", views.AuditEventDetailView.as_view(), name="event_detail"),
]
