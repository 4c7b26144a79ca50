"""URLs of the catalog project family (namespace ``catalog_projects``), under ``/catalog/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from medspa.catalog import project_views as views

app_name = "catalog_projects"

urlpatterns: list[URLPattern] = [
    path("categories/", views.CategoryListView.as_view(), name="category_list"),
    path("categories/new/", views.CategoryCreateView.as_view(), name="category_create"),
    path("categories/<int:pk>/", views.CategoryDetailView.as_view(), name="category_detail"),
    path("categories/<int:pk>/edit/", views.CategoryEditView.as_view(), name="category_edit"),
    path(
        "categories/<int:pk>/deactivate/", views.CategoryDeactivateView.as_view(), name="category_deactivate"
    ),
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project_create"),
    path("projects/editor/row/", views.ProjectRowView.as_view(), name="project_row"),
    path("projects/editor/items/", views.ProjectItemLookupView.as_view(), name="item_lookup"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project_detail"),
    path("projects/<int:pk>/edit/", views.ProjectEditView.as_view(), name="project_edit"),
    path("projects/<int:pk>/deactivate/", views.ProjectDeactivateView.as_view(), name="project_deactivate"),
    path("projects/<int:pk>/knowledge/", views.ProjectKnowledgeView.as_view(), name="project_knowledge"),
    path("projects/<int:project_id>/articles/new/", views.ArticleCreateView.as_view(), name="article_create"),
    path("projects/articles/<int:pk>/edit/", views.ArticleEditView.as_view(), name="article_edit"),
    path(
        "projects/articles/<int:pk>/deactivate/",
        views.ArticleDeactivateView.as_view(),
        name="article_deactivate",
    ),
    path("projects/<int:project_id>/cases/new/", views.CaseCreateView.as_view(), name="case_create"),
    path("projects/cases/<int:pk>/edit/", views.CaseEditView.as_view(), name="case_edit"),
    path("projects/cases/<int:pk>/deactivate/", views.CaseDeactivateView.as_view(), name="case_deactivate"),
    path("projects/cases/<int:pk>/images/<slug:side>/", views.CaseImageView.as_view(), name="case_image"),
]
