from django.urls import path

from medspa.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="customer_list"),
    path("new/", views.CustomerCreateView.as_view(), name="customer_create"),
    path("autocomplete/", views.CustomerAutocompleteView.as_view(), name="customer_autocomplete"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="customer_detail"),
    path("<int:pk>/edit/", views.CustomerEditView.as_view(), name="customer_edit"),
    path("<int:pk>/full-contact/", views.CustomerFullContactView.as_view(), name="customer_full_contact"),
    path("<int:pk>/tags/", views.CustomerTagsView.as_view(), name="customer_tags"),
    path("<int:pk>/sections/<slug:key>/", views.CustomerSectionView.as_view(), name="customer_section"),
]
