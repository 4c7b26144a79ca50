"""Declarative tables for list pages and their exports (one column definition serves both)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from medspa.core.money import format_cny


@dataclass
class Column:
    """One column: ``accessor`` is a dotted attribute path; ``order_by`` the ORM field to sort on."""

    accessor: str
    label: str | Promise
    order_by: str | None = None
    link: str | None = None  # URL name taking the row's pk
    money: bool = False
    render: Callable[[Any], Any] | None = None

    def raw(self, row: Any) -> Any:
        value: Any = row
        for part in self.accessor.split("."):
            if value is None:
                return None
            value = getattr(value, part)
            if callable(value) and not isinstance(value, Model):
                value = value()
        if self.render is not None:
            value = self.render(value)
        return value

    def text(self, row: Any) -> str:
        """Display text (also used in CSV)."""
        value = self.raw(row)
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if self.money and isinstance(value, Decimal | int):
            return format_cny(value)
        if isinstance(value, datetime.datetime):
            return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
        if isinstance(value, datetime.date):
            return formats.date_format(value, "Y-m-d")
        return str(value)

    def export_value(self, row: Any) -> Any:
        """Typed value for spreadsheets: numbers stay numbers, times become local and naive."""
        value = self.raw(row)
        if isinstance(value, bool) or value is None:
            return self.text(row)
        if isinstance(value, Decimal | int):
            return value
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).replace(tzinfo=None)
        if isinstance(value, datetime.date):
            return value
        return str(value)

    def url(self, row: Any) -> str | None:
        return reverse(self.link, args=[row.pk]) if self.link else None


@dataclass
class Cell:
    text: str
    url: str | None
    numeric: bool


class Table:
    """Subclass and set ``columns``. ``sort`` is validated against the orderable columns."""

    columns: Sequence[Column] = ()
    default_sort: str = ""

    def __init__(self, rows: Iterable[Any], sort: str = "") -> None:
        self.rows = rows
        self.sort = sort

    @classmethod
    def orderings(cls) -> dict[str, str]:
        return {c.accessor: c.order_by for c in cls.columns if c.order_by}

    @classmethod
    def clean_sort(cls, sort: str | None) -> str:
        """``"name"`` or ``"-name"`` when that column is orderable, else the default."""
        sort = (sort or "").strip()
        key = sort.removeprefix("-")
        if key in cls.orderings():
            return sort
        return cls.default_sort

    @classmethod
    def order_by_fields(cls, sort: str) -> list[str]:
        if not sort:
            return []
        key = sort.removeprefix("-")
        field = cls.orderings()[key]
        prefix = "-" if sort.startswith("-") else ""
        return [prefix + field, prefix + "pk"]

    def headers(self) -> list[dict[str, Any]]:
        result = []
        for column in self.columns:
            current = self.sort.removeprefix("-") == column.accessor
            descending = self.sort.startswith("-")
            next_sort = None
            if column.order_by:
                next_sort = f"-{column.accessor}" if current and not descending else column.accessor
            result.append(
                {
                    "label": column.label,
                    "sort": next_sort,
                    "active": current,
                    "descending": current and descending,
                }
            )
        return result

    def body(self) -> list[list[Cell]]:
        return [cells for _key, cells in self.keyed_body()]

    def keyed_body(self) -> list[tuple[Any, list[Cell]]]:
        """(primary key, cells) per row, for lists whose rows can be ticked."""
        return [
            (
                getattr(row, "pk", None),
                [Cell(text=c.text(row), url=c.url(row), numeric=c.money) for c in self.columns],
            )
            for row in self.rows
        ]
