"""Tables of the organisation pages (one definition serves the page and the export)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from medspa.core.tables import Column, Table
from medspa.organization.selectors import department_depth, department_path


@dataclass
class FuncColumn(Column):
    """A column whose value is computed from the row by ``func`` (from data the selector loaded)."""

    func: Callable[[Any], Any] | None = None

    def raw(self, row: Any) -> Any:
        assert self.func is not None  # noqa: S101 - a declaration error, not input
        return self.func(row)


def _tree_name(department: Any) -> str:
    depth = department_depth(department)
    return ("\u3000" * (depth - 1) + "└ " if depth else "") + department.name


def _parent_path(department: Any) -> str:
    return department_path(department.parent)


def _positions(staff: Any) -> str:
    return "、".join(p.name for p in sorted(staff.positions.all(), key=lambda p: (p.order, p.code)))


def _account(staff: Any) -> str:
    user = getattr(staff, "user", None)
    return user.username if user is not None else ""


class BranchTable(Table):
    columns = (
        Column("code", _("Code"), order_by="code", link="organization:branch_detail"),
        Column("name", _("Name"), order_by="name", link="organization:branch_detail"),
        Column("address", _("Address")),
        Column("phone", _("Phone")),
        Column("is_active", _("Active"), order_by="is_active"),
    )


class DepartmentTable(Table):
    columns = (
        FuncColumn(
            "name",
            _("Department"),
            order_by="tree_key",
            link="organization:department_detail",
            func=_tree_name,
        ),
        Column("code", _("Code"), order_by="code"),
        Column("branch.name", _("Branch"), order_by="branch__code"),
        FuncColumn("parent", _("Parent department"), func=_parent_path),
        Column("order", _("Order"), order_by="order"),
        Column("is_active", _("Active"), order_by="is_active"),
    )


class PositionTable(Table):
    columns = (
        Column("code", _("Code"), order_by="code", link="organization:position_detail"),
        Column("name", _("Name"), order_by="name", link="organization:position_detail"),
        Column("order", _("Order"), order_by="order"),
        Column("is_active", _("Active"), order_by="is_active"),
    )


class StaffTable(Table):
    columns = (
        Column("employee_no", _("Employee no"), order_by="employee_no", link="organization:staff_detail"),
        Column("name", pgettext_lazy("person", "Name"), order_by="name", link="organization:staff_detail"),
        Column("phone", _("Phone")),
        Column("branch.name", _("Branch"), order_by="branch__code"),
        Column("department.name", _("Department"), order_by="department__name"),
        FuncColumn("positions", _("Positions"), func=_positions),
        Column("hire_date", _("Hire date"), order_by="hire_date"),
        Column("is_active", _("Active"), order_by="is_active"),
        FuncColumn("user", _("Login account"), func=_account),
    )
