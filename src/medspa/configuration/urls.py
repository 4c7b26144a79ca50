from django.urls import path

from medspa.configuration import views

app_name = "configuration"

urlpatterns = [
    path("dictionaries/", views.DictionaryKindsView.as_view(), name="dictionary_kinds"),
    path("dictionaries/<str:kind>/", views.DictionaryItemListView.as_view(), name="dictionary_item_list"),
    path(
        "dictionaries/<str:kind>/new/",
        views.DictionaryItemCreateView.as_view(),
        name="dictionary_item_create",
    ),
    path(
        "dictionaries/<str:kind>/<int:pk>/edit/",
        views.DictionaryItemEditView.as_view(),
        name="dictionary_item_edit",
    ),
    path(
        "dictionaries/<str:kind>/<int:pk>/deactivate/",
        views.DictionaryItemDeactivateView.as_view(),
        name="dictionary_item_deactivate",
    ),
    path("parameters/", views.ParameterListView.as_view(), name="parameter_list"),
    path("parameters/<str:key>/edit/", views.ParameterEditView.as_view(), name="parameter_edit"),
    path("parameters/<str:key>/reset/", views.ParameterResetView.as_view(), name="parameter_reset"),
    path("visit-stages/", views.VisitStageListView.as_view(), name="visit_stage_list"),
    path("visit-stages/new/", views.VisitStageCreateView.as_view(), name="visit_stage_create"),
    path("visit-stages/<int:pk>/edit/", views.VisitStageEditView.as_view(), name="visit_stage_edit"),
    path(
        "visit-stages/<int:pk>/deactivate/",
        views.VisitStageDeactivateView.as_view(),
        name="visit_stage_deactivate",
    ),
    path("visit-stages/<int:pk>/move/", views.VisitStageMoveView.as_view(), name="visit_stage_move"),
]
