"""Tables of the project family's lists (one definition serves the page and the export)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from medspa.catalog.project_selectors import category_depth, category_path
from medspa.core.tables import Column, Table


@dataclass
class FuncColumn(Column):
    """A column whose value is computed from the row by ``func`` (from data the selector loaded)."""

    func: Callable[[Any], Any] | None = None

    def raw(self, row: Any) -> Any:
        assert self.func is not None  # noqa: S101 - a declaration error, not input
        return self.func(row)


def _tree_name(category: Any) -> str:
    depth = category_depth(category)
    return ("\u3000" * (depth - 1) + "└ " if depth else "") + category.name


def _parent_path(category: Any) -> str:
    return category_path(category.parent)


def _category_path(project: Any) -> str:
    return category_path(project.category)


def _department(project: Any) -> str:
    department = project.department
    if department is None:
        return ""
    return f"{department.branch.name} · {department.name}"


class CategoryTable(Table):
    columns = (
        FuncColumn(
            "name",
            gettext_lazy("Category"),
            order_by="tree_key",
            link="catalog_projects:category_detail",
            func=_tree_name,
        ),
        Column("code", gettext_lazy("Code"), order_by="code"),
        FuncColumn("parent", gettext_lazy("Parent category"), func=_parent_path),
        Column("order", gettext_lazy("Order"), order_by="order"),
        Column("is_active", gettext_lazy("Active"), order_by="is_active"),
    )


class ProjectTable(Table):
    columns = (
        Column("code", gettext_lazy("Code"), order_by="code", link="catalog_projects:project_detail"),
        Column("name", gettext_lazy("Name"), order_by="name", link="catalog_projects:project_detail"),
        FuncColumn("category", gettext_lazy("Category"), order_by="category__code", func=_category_path),
        FuncColumn("department", gettext_lazy("Department"), order_by="department__name", func=_department),
        Column("list_price", gettext_lazy("List price"), order_by="list_price", money=True),
        Column("sessions_per_course", gettext_lazy("Sessions per course"), order_by="sessions_per_course"),
        Column("duration_minutes", gettext_lazy("Duration (minutes)"), order_by="duration_minutes"),
        Column(
            "min_interval_days", gettext_lazy("Minimum days between sessions"), order_by="min_interval_days"
        ),
        Column("is_active", gettext_lazy("Active"), order_by="is_active"),
    )
