"""Pages of card types (namespace ``catalog_cards``), under ``/catalog/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from medspa.catalog import card_views as views

app_name = "catalog_cards"

urlpatterns: list[URLPattern] = [
    path("card-types/", views.CardTypeListView.as_view(), name="cardtype_list"),
    path("card-types/new/", views.CardTypeCreateView.as_view(), name="cardtype_create"),
    path("card-types/<int:pk>/", views.CardTypeDetailView.as_view(), name="cardtype_detail"),
    path("card-types/<int:pk>/edit/", views.CardTypeEditView.as_view(), name="cardtype_edit"),
    path(
        "card-types/<int:pk>/deactivate/", views.CardTypeDeactivateView.as_view(), name="cardtype_deactivate"
    ),
]
