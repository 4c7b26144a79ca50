"""REST endpoints of the organisation: /branches, /departments, /positions, /staff. Each one
parses its schema and calls the selector or service the pages use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import PermissionDenied
from medspa.organization import selectors, services
from medspa.organization.filtersets import (
    BranchFilterSet,
    DepartmentFilterSet,
    PositionFilterSet,
    StaffFilterSet,
)
from medspa.organization.schemas import (
    BranchFilters,
    BranchIn,
    BranchListOut,
    BranchOut,
    BranchPatch,
    DepartmentFilters,
    DepartmentIn,
    DepartmentListOut,
    DepartmentOut,
    DepartmentPatch,
    PositionFilters,
    PositionIn,
    PositionListOut,
    PositionOut,
    PositionPatch,
    StaffFilters,
    StaffIn,
    StaffListOut,
    StaffOut,
    StaffPatch,
)

router = Router(tags=["organization"])


def _actor(request: HttpRequest, perm: str | None = None) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if perm is not None and not user.has_perm(f"organization.{perm}"):
        raise PermissionDenied()
    return user


def _merged(current: dict[str, Any], payload: Schema) -> dict[str, Any]:
    """PATCH: the stored values overlaid with the fields the client sent."""
    return {**current, **payload.dict(exclude_unset=True)}


# --- branches ----------------------------------------------------------------------------------


@router.get("/branches", response=BranchListOut, summary="List branches")
def branch_list(request: HttpRequest, params: Query[ListParams], filters: Query[BranchFilters]) -> Any:
    actor = _actor(request, "view_branch")
    return page(filtered(request, BranchFilterSet, selectors.branches_for(actor), filters), params)


@router.post("/branches", response={201: BranchOut}, summary="Create a branch")
def branch_create(request: HttpRequest, payload: BranchIn) -> Status:
    return Status(201, services.branch_create(actor=_actor(request), **payload.dict()))


@router.get("/branches/{branch_id}", response=BranchOut, summary="One branch")
def branch_detail(request: HttpRequest, branch_id: int) -> Any:
    return selectors.branch_get_for(_actor(request, "view_branch"), branch_id)


@router.patch("/branches/{branch_id}", response=BranchOut, summary="Change a branch")
def branch_update(request: HttpRequest, branch_id: int, payload: BranchPatch) -> Any:
    actor = _actor(request, "change_branch")
    branch = selectors.branch_get_for(actor, branch_id)
    current = {"code": branch.code, "name": branch.name, "address": branch.address, "phone": branch.phone}
    return services.branch_update(actor=actor, branch_id=branch.pk, **_merged(current, payload))


@router.post("/branches/{branch_id}/deactivate", response=BranchOut, summary="Deactivate a branch")
def branch_deactivate(request: HttpRequest, branch_id: int) -> Any:
    return services.branch_deactivate(actor=_actor(request), branch_id=branch_id)


# --- departments -------------------------------------------------------------------------------


@router.get("/departments", response=DepartmentListOut, summary="List departments (tree order)")
def department_list(
    request: HttpRequest, params: Query[ListParams], filters: Query[DepartmentFilters]
) -> Any:
    actor = _actor(request, "view_department")
    return page(filtered(request, DepartmentFilterSet, selectors.departments_for(actor), filters), params)


@router.post("/departments", response={201: DepartmentOut}, summary="Create a department")
def department_create(request: HttpRequest, payload: DepartmentIn) -> Status:
    return Status(201, services.department_create(actor=_actor(request), **payload.dict()))


@router.get("/departments/{department_id}", response=DepartmentOut, summary="One department")
def department_detail(request: HttpRequest, department_id: int) -> Any:
    return selectors.department_get_for(_actor(request, "view_department"), department_id)


@router.patch("/departments/{department_id}", response=DepartmentOut, summary="Change a department")
def department_update(request: HttpRequest, department_id: int, payload: DepartmentPatch) -> Any:
    actor = _actor(request, "change_department")
    department = selectors.department_get_for(actor, department_id)
    current = {
        "code": department.code,
        "name": department.name,
        "parent_id": department.parent_id,
        "order": department.order,
    }
    return services.department_update(actor=actor, department_id=department.pk, **_merged(current, payload))


@router.post(
    "/departments/{department_id}/deactivate", response=DepartmentOut, summary="Deactivate a department"
)
def department_deactivate(request: HttpRequest, department_id: int) -> Any:
    return services.department_deactivate(actor=_actor(request), department_id=department_id)


# --- positions ---------------------------------------------------------------------------------


@router.get("/positions", response=PositionListOut, summary="List positions")
def position_list(request: HttpRequest, params: Query[ListParams], filters: Query[PositionFilters]) -> Any:
    actor = _actor(request, "view_position")
    return page(filtered(request, PositionFilterSet, selectors.positions_for(actor), filters), params)


@router.post("/positions", response={201: PositionOut}, summary="Create a position")
def position_create(request: HttpRequest, payload: PositionIn) -> Status:
    return Status(201, services.position_create(actor=_actor(request), **payload.dict()))


@router.get("/positions/{position_id}", response=PositionOut, summary="One position")
def position_detail(request: HttpRequest, position_id: int) -> Any:
    return selectors.position_get_for(_actor(request, "view_position"), position_id)


@router.patch("/positions/{position_id}", response=PositionOut, summary="Change a position")
def position_update(request: HttpRequest, position_id: int, payload: PositionPatch) -> Any:
    actor = _actor(request, "change_position")
    position = selectors.position_get_for(actor, position_id)
    current = {"code": position.code, "name": position.name, "order": position.order}
    return services.position_update(actor=actor, position_id=position.pk, **_merged(current, payload))


@router.post("/positions/{position_id}/deactivate", response=PositionOut, summary="Deactivate a position")
def position_deactivate(request: HttpRequest, position_id: int) -> Any:
    return services.position_deactivate(actor=_actor(request), position_id=position_id)


# --- staff -------------------------------------------------------------------------------------


@router.get("/staff", response=StaffListOut, summary="List staff")
def staff_list(request: HttpRequest, params: Query[ListParams], filters: Query[StaffFilters]) -> Any:
    actor = _actor(request, "view_staff")
    return page(filtered(request, StaffFilterSet, selectors.staff_for(actor), filters), params)


@router.post("/staff", response={201: StaffOut}, summary="Create a staff record")
def staff_create(request: HttpRequest, payload: StaffIn) -> Status:
    return Status(201, services.staff_create(actor=_actor(request), **payload.dict()))


@router.get("/staff/{staff_id}", response=StaffOut, summary="One staff record")
def staff_detail(request: HttpRequest, staff_id: int) -> Any:
    return selectors.staff_get_for(_actor(request, "view_staff"), staff_id)


@router.patch("/staff/{staff_id}", response=StaffOut, summary="Change a staff record")
def staff_update(request: HttpRequest, staff_id: int, payload: StaffPatch) -> Any:
    actor = _actor(request, "change_staff")
    staff = selectors.staff_get_for(actor, staff_id)
    current = {
        "employee_no": staff.employee_no,
        "name": staff.name,
        "phone": staff.phone,
        "branch_id": staff.branch_id,
        "department_id": staff.department_id,
        "position_ids": [p.pk for p in staff.positions.all()],
        "hire_date": staff.hire_date,
    }
    return services.staff_update(actor=actor, staff_id=staff.pk, **_merged(current, payload))


@router.post("/staff/{staff_id}/deactivate", response=StaffOut, summary="Deactivate a staff record")
def staff_deactivate(request: HttpRequest, staff_id: int) -> Any:
    return services.staff_deactivate(actor=_actor(request), staff_id=staff_id)
