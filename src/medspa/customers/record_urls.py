"""URLs of consultations, complaints and archive files (included under ``customers/``)."""

from django.urls import path

from medspa.customers import record_views as views

app_name = "customer_records"

urlpatterns = [
    path("consultations/", views.ConsultationListView.as_view(), name="consultation_list"),
    path("consultations/<int:pk>/", views.ConsultationDetailView.as_view(), name="consultation_detail"),
    path("consultations/<int:pk>/edit/", views.ConsultationEditView.as_view(), name="consultation_edit"),
    path(
        "<int:customer_id>/consultations/new/",
        views.ConsultationCreateView.as_view(),
        name="consultation_create",
    ),
    path("complaints/", views.ComplaintListView.as_view(), name="complaint_list"),
    path("complaints/<int:pk>/", views.ComplaintDetailView.as_view(), name="complaint_detail"),
    path("complaints/<int:pk>/assign/", views.ComplaintAssignView.as_view(), name="complaint_assign"),
    path("complaints/<int:pk>/resolve/", views.ComplaintResolveView.as_view(), name="complaint_resolve"),
    path("<int:customer_id>/complaints/new/", views.ComplaintCreateView.as_view(), name="complaint_create"),
    path("<int:customer_id>/files/new/", views.CustomerFileUploadView.as_view(), name="file_upload"),
    path("files/<int:pk>/download/", views.CustomerFileDownloadView.as_view(), name="file_download"),
    path("files/<int:pk>/delete/", views.CustomerFileDeleteView.as_view(), name="file_delete"),
    path("<int:customer_id>/records/", views.CustomerRecordsView.as_view(), name="customer_records"),
    path(
        "<int:customer_id>/records/<slug:key>/",
        views.CustomerRecordsView.as_view(),
        name="customer_record_section",
    ),
]
