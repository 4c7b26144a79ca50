"""URLs of the CRM setup pages, mounted under ``/customers/`` (namespace ``customer_setup``)."""

from django.urls import path

from medspa.customers import setup_views as views

app_name = "customer_setup"

urlpatterns = [
    path("custom-fields/", views.CustomFieldListView.as_view(), name="field_list"),
    path("custom-fields/new/", views.CustomFieldCreateView.as_view(), name="field_create"),
    path("custom-fields/<int:pk>/edit/", views.CustomFieldEditView.as_view(), name="field_edit"),
    path(
        "custom-fields/<int:pk>/deactivate/",
        views.CustomFieldDeactivateView.as_view(),
        name="field_deactivate",
    ),
    path("custom-fields/<int:pk>/move/", views.CustomFieldMoveView.as_view(), name="field_move"),
    path("member-levels/", views.MemberLevelListView.as_view(), name="level_list"),
    path("member-levels/new/", views.MemberLevelCreateView.as_view(), name="level_create"),
    path("member-levels/<int:pk>/edit/", views.MemberLevelEditView.as_view(), name="level_edit"),
    path(
        "member-levels/<int:pk>/deactivate/",
        views.MemberLevelDeactivateView.as_view(),
        name="level_deactivate",
    ),
]
