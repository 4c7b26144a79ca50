"""Input shapes of the price preview page (价格试算): the header form (who buys, where, when,
the order discount, the coupons) and the basket's line rows (``line_kind``, ``line_id``,
``line_quantity``, ``line_mode``, ``line_value`` posted once per row, in row order). Forms parse;
the pricing selector and engine decide."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.catalog.pricing_selectors import LineInput, pricing_branches_for
from medspa.customers.models import MemberLevel
from medspa.customers.selectors import member_levels_for
from medspa.organization.models import Branch

MAX_ID = 2**63 - 1
# a number as people type it: no exponent, at most 14 digits before the point
PLAIN_DECIMAL = re.compile(r"^(\d{1,14}(\.\d*)?|\.\d+)$")
QUANTITY = re.compile(r"^-?\d{1,6}$")

MODE_CUSTOMER, MODE_LEVEL = "customer", "level"
PERCENT, AMOUNT = "percent", "amount"
DISCOUNT_MODES = [(PERCENT, gettext_lazy("Discount %")), (AMOUNT, gettext_lazy("Off ¥"))]


class PreviewError(Exception):
    """A value on the page that is not a number; shown like the engine's refusals."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _number(text: str, *, field: str, label: str) -> Decimal | None:
    value = (text or "").strip().replace(",", "").replace("¥", "").replace("%", "")
    if not value:
        return None
    if not PLAIN_DECIMAL.match(value):
        raise PreviewError(_("%(label)s: enter a number such as 85 or 100.50.") % {"label": label}, field)
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only decimals
        raise PreviewError(
            _("%(label)s: enter a number such as 85 or 100.50.") % {"label": label}, field
        ) from exc


def _discount(mode: str, text: str, *, field: str, label: str) -> tuple[Decimal | None, Decimal | None]:
    """(pays %, amount off) from a row's discount mode and value."""
    value = _number(text, field=field, label=label)
    if value is None:
        return None, None
    return (None, value) if mode == AMOUNT else (value, None)


class PreviewForm(forms.Form):
    """Who buys, where and when, the order discount and the chosen coupons."""

    mode = forms.ChoiceField(
        label=gettext_lazy("Price for"),
        choices=[(MODE_CUSTOMER, gettext_lazy("A customer")), (MODE_LEVEL, gettext_lazy("A member level"))],
        widget=forms.RadioSelect,
        initial=MODE_LEVEL,
    )
    customer = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    member_level = forms.ModelChoiceField(
        label=gettext_lazy("Member level"),
        queryset=MemberLevel.objects.none(),
        required=False,
        empty_label=gettext_lazy("No member level"),
    )
    customer_type = forms.ChoiceField(
        label=gettext_lazy("Customer"),
        choices=[
            ("returning", gettext_lazy("Returning customer")),
            ("new", gettext_lazy("First-time customer")),
        ],
        initial="returning",
    )
    branch = forms.ModelChoiceField(
        label=gettext_lazy("Branch"), queryset=Branch.objects.none(), required=False, empty_label=None
    )
    at = forms.DateTimeField(
        label=gettext_lazy("Time"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("Empty: now."),
    )
    order_mode = forms.ChoiceField(
        label=gettext_lazy("Order discount"), choices=DISCOUNT_MODES, initial=PERCENT
    )
    order_value = forms.CharField(label=gettext_lazy("Order discount"), required=False, max_length=20)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member_level"].queryset = member_levels_for(actor)  # type: ignore[attr-defined]
        branches = pricing_branches_for(actor)
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]
        self.branch_count = branches.count()

    def coupon_ids(self) -> list[int]:
        """The ticked coupons (``coupon`` posted once per ticked box)."""
        getlist = getattr(self.data, "getlist", None)
        raw = getlist("coupon") if getlist is not None else []
        if not all(value.isdigit() and int(value) <= MAX_ID for value in raw):
            raise PreviewError(_("Choose the coupons from the list."), "coupon_ids")
        return [int(value) for value in raw]

    def selector_values(self) -> dict[str, Any]:
        """The cleaned header as ``quote_for`` takes it (raises :class:`PreviewError` for a
        discount that is not a number)."""
        data = self.cleaned_data
        values: dict[str, Any] = {
            "branch_id": data["branch"].pk if data.get("branch") else None,
            "at": data.get("at"),
            "coupon_ids": [],
        }
        if data.get("mode") == MODE_CUSTOMER:
            values["customer_id"] = data.get("customer")
            values["coupon_ids"] = self.coupon_ids()
        else:
            level = data.get("member_level")
            values["member_level_id"] = level.pk if level else None
            values["is_new_customer"] = data.get("customer_type") == "new"
        percent, amount = _discount(
            data.get("order_mode") or PERCENT,
            data.get("order_value") or "",
            field="order_percent",
            label=_("Order discount"),
        )
        values["order_percent"], values["order_amount"] = percent, amount
        return values


def parse_lines(data: QueryDict) -> list[LineInput]:
    """The posted line rows, in row order (:class:`PreviewError` for a value that is not a
    number; the engine checks ranges)."""
    kinds = data.getlist("line_kind")
    ids = data.getlist("line_id")
    quantities = data.getlist("line_quantity")
    modes = data.getlist("line_mode")
    values = data.getlist("line_value")
    lines: list[LineInput] = []
    for index, kind in enumerate(kinds):
        number = index + 1
        raw_id = ids[index] if index < len(ids) else ""
        if not raw_id.isdigit() or int(raw_id) > MAX_ID:
            raise PreviewError(_("Line %(n)s: choose an item.") % {"n": number}, f"lines[{index}].id")
        raw_quantity = (quantities[index] if index < len(quantities) else "").strip() or "1"
        if not QUANTITY.match(raw_quantity):
            raise PreviewError(
                _("Line %(n)s: the quantity must be a whole number.") % {"n": number},
                f"lines[{index}].quantity",
            )
        percent, amount = _discount(
            modes[index] if index < len(modes) else PERCENT,
            values[index] if index < len(values) else "",
            field=f"lines[{index}].manual_percent",
            label=_("Line %(n)s") % {"n": number},
        )
        lines.append(
            LineInput(
                kind=kind,
                id=int(raw_id),
                quantity=int(raw_quantity),
                manual_percent=percent,
                manual_amount=amount,
            )
        )
    return lines
