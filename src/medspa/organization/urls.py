from django.urls import path

from medspa.organization import views

app_name = "organization"


def _crud(prefix: str, name: str, list_view, detail, create, edit, deactivate) -> list:
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/new/", create.as_view(), name=f"{name}_create"),
        path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{name}_detail"),
        path(f"{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{name}_edit"),
        path(f"{prefix}/<int:pk>/deactivate/", deactivate.as_view(), name=f"{name}_deactivate"),
    ]


urlpatterns = [
    *_crud(
        "branches",
        "branch",
        views.BranchListView,
        views.BranchDetailView,
        views.BranchCreateView,
        views.BranchEditView,
        views.BranchDeactivateView,
    ),
    *_crud(
        "departments",
        "department",
        views.DepartmentListView,
        views.DepartmentDetailView,
        views.DepartmentCreateView,
        views.DepartmentEditView,
        views.DepartmentDeactivateView,
    ),
    *_crud(
        "positions",
        "position",
        views.PositionListView,
        views.PositionDetailView,
        views.PositionCreateView,
        views.PositionEditView,
        views.PositionDeactivateView,
    ),
    *_crud(
        "staff",
        "staff",
        views.StaffListView,
        views.StaffDetailView,
        views.StaffCreateView,
        views.StaffEditView,
        views.StaffDeactivateView,
    ),
]
