"""URLs of the inventory master pages (namespace ``inventory_master``)."""

from django.urls import path

from medspa.inventory import master_views as views

app_name = "inventory_master"


def _crud(prefix: str, name: str, list_view, detail, create, edit, deactivate) -> list:
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/new/", create.as_view(), name=f"{name}_create"),
        path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{name}_detail"),
        path(f"{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{name}_edit"),
        path(f"{prefix}/<int:pk>/deactivate/", deactivate.as_view(), name=f"{name}_deactivate"),
    ]


def _children(parent: str, prefix: str, name: str, create, edit, remove, remove_name: str = "delete") -> list:
    return [
        path(f"{parent}/<int:parent_id>/{prefix}/new/", create.as_view(), name=f"{name}_create"),
        path(f"{parent}/{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{name}_edit"),
        path(f"{parent}/{prefix}/<int:pk>/{remove_name}/", remove.as_view(), name=f"{name}_{remove_name}"),
    ]


urlpatterns = [
    path("items/lookup/", views.ItemLookupView.as_view(), name="item_lookup"),
    path("certificates/expiring/", views.CertificateExpiryView.as_view(), name="certificate_expiry"),
    *_crud(
        "warehouses",
        "warehouse",
        views.WarehouseListView,
        views.WarehouseDetailView,
        views.WarehouseCreateView,
        views.WarehouseEditView,
        views.WarehouseDeactivateView,
    ),
    *_children(
        "warehouses",
        "bins",
        "bin",
        views.BinCreateView,
        views.BinEditView,
        views.BinDeactivateView,
        "deactivate",
    ),
    *_crud(
        "categories",
        "category",
        views.CategoryListView,
        views.CategoryDetailView,
        views.CategoryCreateView,
        views.CategoryEditView,
        views.CategoryDeactivateView,
    ),
    *_crud(
        "items",
        "item",
        views.ItemListView,
        views.ItemDetailView,
        views.ItemCreateView,
        views.ItemEditView,
        views.ItemDeactivateView,
    ),
    *_children(
        "items",
        "units",
        "packunit",
        views.PackUnitCreateView,
        views.PackUnitEditView,
        views.PackUnitDeleteView,
    ),
    *_children(
        "items",
        "barcodes",
        "barcode",
        views.BarcodeCreateView,
        views.BarcodeEditView,
        views.BarcodeDeleteView,
    ),
    *_children("items", "levels", "level", views.LevelCreateView, views.LevelEditView, views.LevelDeleteView),
    *_crud(
        "suppliers",
        "company",
        views.CompanyListView,
        views.CompanyDetailView,
        views.CompanyCreateView,
        views.CompanyEditView,
        views.CompanyDeactivateView,
    ),
    *_children(
        "suppliers",
        "certificates",
        "certificate",
        views.CertificateCreateView,
        views.CertificateEditView,
        views.CertificateDeleteView,
    ),
]
