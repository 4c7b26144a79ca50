"""Input and output shapes of the organisation API (/branches, /departments, /positions, /staff)."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from medspa.core.api import ActiveFilters, Code, LocalDateTime

# --- branches ----------------------------------------------------------------------------------


class BranchIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=100)
    address: str = Field("", max_length=200)
    phone: str = Field("", max_length=30)


class BranchPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    address: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=30)


class BranchOut(Schema):
    id: int
    code: str
    name: str
    address: str
    phone: str
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime


class BranchListOut(Schema):
    items: list[BranchOut]
    count: int


class BranchFilters(ActiveFilters):
    q: str | None = Field(None, max_length=100, description="Search in code, name, address and phone.")


# --- departments -------------------------------------------------------------------------------


class DepartmentIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=100)
    parent_id: int | None = None
    order: int = Field(0, ge=0, le=2_147_483_647)
    branch_id: int | None = Field(None, description="Default: the branch you work in.")


class DepartmentPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    parent_id: int | None = None
    order: int | None = Field(None, ge=0, le=2_147_483_647)


class DepartmentOut(Schema):
    id: int
    branch_id: int
    parent_id: int | None
    code: str
    name: str
    order: int
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime


class DepartmentListOut(Schema):
    items: list[DepartmentOut]
    count: int


class DepartmentFilters(ActiveFilters):
    branch: int | None = Field(None, description="Branch id.")


# --- positions ---------------------------------------------------------------------------------


class PositionIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=100)
    order: int = Field(0, ge=0, le=2_147_483_647)


class PositionPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    order: int | None = Field(None, ge=0, le=2_147_483_647)


class PositionOut(Schema):
    id: int
    code: str
    name: str
    order: int
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime


class PositionListOut(Schema):
    items: list[PositionOut]
    count: int


class PositionFilters(ActiveFilters):
    pass


# --- staff -------------------------------------------------------------------------------------


class StaffIn(Schema):
    employee_no: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=50)
    phone: str = Field("", max_length=30, description="Mobile or landline; stored normalised.")
    branch_id: int | None = Field(None, description="Default: the branch you work in.")
    department_id: int | None = None
    position_ids: list[int] = Field(default_factory=list, max_length=50)
    hire_date: datetime.date | None = None


class StaffPatch(Schema):
    employee_no: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=50)
    phone: str | None = Field(None, max_length=30)
    branch_id: int | None = None
    department_id: int | None = None
    position_ids: list[int] | None = Field(None, max_length=50)
    hire_date: datetime.date | None = None


class StaffOut(Schema):
    id: int
    employee_no: str
    name: str
    phone: str
    branch_id: int
    department_id: int | None
    position_ids: list[int]
    hire_date: datetime.date | None
    is_active: bool
    user_id: int | None

    @staticmethod
    def resolve_position_ids(obj: Any) -> list[int]:
        return sorted(p.pk for p in obj.positions.all())

    @staticmethod
    def resolve_user_id(obj: Any) -> int | None:
        user = getattr(obj, "user", None)
        return user.pk if user is not None else None


class StaffListOut(Schema):
    items: list[StaffOut]
    count: int


class StaffFilters(ActiveFilters):
    q: str | None = Field(None, max_length=100, description="Search in name, employee no and phone.")
    branch: int | None = Field(None, description="Branch id.")
    department: int | None = Field(None, description="Department id.")
    position: int | None = Field(None, description="Position id.")
