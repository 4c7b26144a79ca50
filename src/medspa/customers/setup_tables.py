"""Tables of the CRM setup lists (one definition serves the page and the export)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from medspa.core.tables import Column, Table
from medspa.customers.choices import FieldType


def _active(value: bool) -> str:
    return str(_("Active")) if value else str(_("Inactive"))


def _type(value: str) -> str:
    return str(FieldType(value).label) if value in FieldType.values else value


def _options(value: Any) -> str:
    return " / ".join(str(option) for option in value or [])


def _roles(field: Any) -> str:
    """The roles that may edit (prefetched by the selector); empty: every role."""
    names = [role.name for role in field.editable_by.all()]
    return "、".join(names) if names else str(_("Every role"))


class RolesColumn(Column):
    """The roles that may edit the field, from the prefetched ``editable_by``."""

    def raw(self, row: Any) -> Any:
        return _roles(row)


class CustomFieldTable(Table):
    columns = (
        Column("order", _("Order"), order_by="order"),
        Column("label", _("Label"), order_by="label", link="customer_setup:field_edit"),
        Column("key", _("Key"), order_by="key"),
        Column("type", _("Type"), order_by="type", render=_type),
        Column("options", _("Options"), render=_options),
        Column("required", _("Required"), order_by="required"),
        Column("show_in_list", _("Shown in list"), order_by="show_in_list"),
        RolesColumn("editable_by", _("Roles that may edit")),
        Column("is_active", _("State"), order_by="is_active", render=_active),
        Column("updated_at", _("Updated at"), order_by="updated_at"),
    )


class MemberLevelTable(Table):
    columns = (
        Column("order", _("Order"), order_by="order"),
        Column("name", _("Name"), order_by="name", link="customer_setup:level_edit"),
        Column("discount_percent", _("Discount (%)"), order_by="discount_percent"),
        Column("points_multiplier", _("Points multiplier"), order_by="points_multiplier"),
        Column("upgrade_amount", _("Upgrade at spending"), order_by="upgrade_amount", money=True),
        Column("downgrade_amount", _("Downgrade below spending"), order_by="downgrade_amount", money=True),
        Column("window_days", _("Spending window (days)"), order_by="window_days"),
        Column("holders", _("Active members"), order_by="holders"),
        Column("is_active", _("State"), order_by="is_active", render=_active),
        Column("updated_at", _("Updated at"), order_by="updated_at"),
    )
