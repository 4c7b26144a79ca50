"""The customer list table (one definition serves the page and the export). The clinic's custom
fields marked "shown in list" become extra columns: :func:`customer_table` builds the table class
for them."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, OrderBy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from medspa.core.tables import Column, Table
from medspa.customers.id_numbers import mask_phone
from medspa.customers.models import CustomField


@dataclass
class FuncColumn(Column):
    """A column whose value is computed from the row by ``func`` (from data the selector loaded)."""

    func: Callable[[Any], Any] | None = None

    def raw(self, row: Any) -> Any:
        assert self.func is not None  # noqa: S101 - a declaration error, not input
        return self.func(row)


def customer_age(birthday: datetime.date | None, today: datetime.date | None = None) -> int | None:
    """Full years on ``today`` (the clinic's date); None without a birthday."""
    if birthday is None:
        return None
    today = today or timezone.localdate()
    return today.year - birthday.year - ((today.month, today.day) < (birthday.month, birthday.day))


def custom_value_text(value: Any) -> str:
    """A stored custom value as text: multiple choices joined with 、."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _tags(customer: Any) -> str:
    return "、".join(tag.name for tag in customer.tags.all())


def _phone(customer: Any) -> str:
    return mask_phone(customer.phone)


def _age(customer: Any) -> int | None:
    return customer_age(customer.birthday)


class CustomerTable(Table):
    columns: Sequence[Column] = (
        Column(
            "name", pgettext_lazy("person", "Name"), order_by="name_pinyin", link="customers:customer_detail"
        ),
        Column("get_gender_display", _("Gender"), order_by="gender"),
        FuncColumn("age", _("Age"), order_by="birthday", func=_age),
        FuncColumn("phone", _("Phone"), func=_phone),
        Column("card_no", _("Card no"), order_by="card_no", link="customers:customer_detail"),
        Column("get_status_display", _("Customer status"), order_by="status"),
        Column("consultant.name", _("Consultant"), order_by="consultant__name"),
        FuncColumn("tags", _("Tags"), func=_tags),
        Column("member_level.name", _("Member level"), order_by="member_level__order"),
        Column("created_at", _("Registered at"), order_by="created_at"),
    )

    @classmethod
    def order_by_fields(cls, sort: str) -> list[Any]:
        """Age sorts on the birthday the other way round (youngest = latest birthday), customers
        without a birthday last either way."""
        if sort.removeprefix("-") != "age":
            return super().order_by_fields(sort)
        by_birthday: OrderBy = (
            F("birthday").asc(nulls_last=True)
            if sort.startswith("-")
            else F("birthday").desc(nulls_last=True)
        )
        return [by_birthday, "-pk" if sort.startswith("-") else "pk"]


@dataclass
class CustomValueColumn(Column):
    """One custom field's value (``custom_values[key]``)."""

    key: str = ""

    def raw(self, row: Any) -> Any:
        return custom_value_text((row.custom_values or {}).get(self.key)) or None


def customer_table(fields: Sequence[CustomField]) -> type[CustomerTable]:
    """The customer table with a column for each of ``fields`` (custom fields shown in the list)."""
    if not fields:
        return CustomerTable
    extra = tuple(CustomValueColumn(f"custom.{f.key}", f.label, key=f.key) for f in fields)
    return type("CustomerTable", (CustomerTable,), {"columns": (*CustomerTable.columns, *extra)})
