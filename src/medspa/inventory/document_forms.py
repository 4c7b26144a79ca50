"""Input shapes of the stock document pages: the header form of each document type, one line
form per line row (prefix ``line-<token>``), the scan box and the reversal reason. Forms parse;
the document services decide."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from medspa.inventory import document_selectors as selectors
from medspa.inventory.choices import InboundKind, IssueKind
from medspa.inventory.document_services import LineInput
from medspa.organization.selectors import departments_for

MAX_ID = 2**63 - 1  # the largest database id
TOKEN = re.compile(r"^[a-z0-9]{1,16}$")
# A decimal as people type it (no exponent, at most 20 digits before the point); anything else
# is refused here, before it reaches the services' arithmetic.
PLAIN_DECIMAL = re.compile(r"^[+-]?(\d{1,20}(\.\d*)?|\.\d+)$")


def is_plain_decimal(text: str, *, separators: bool = False) -> bool:
    """``"12"``, ``"2.5"``, ``"-1"`` (``separators``: also ``"1,234.50"``); not ``"1e5"``, ``"NaN"``."""
    value = text.strip()
    if separators:
        value = value.replace(",", "")
    return bool(PLAIN_DECIMAL.match(value))


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class WarehouseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class TargetWarehouseChoiceField(forms.ModelChoiceField):
    """A warehouse of any branch of the organisation: the branch is named."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name} · {obj.branch.name}"


class SupplierChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class DocumentHeaderForm(forms.Form):
    """The header every document has: the (source) warehouse and a note."""

    warehouse = WarehouseChoiceField(label=_("Warehouse"), queryset=None)
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    # fields whose change re-renders the editor (their lots and bins change)
    refresh_fields: ClassVar[tuple[str, ...]] = ("warehouse",)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = selectors.warehouse_choices(actor)  # type: ignore[attr-defined]
        if "to_warehouse" in self.fields:
            self.fields["to_warehouse"].queryset = selectors.target_warehouse_choices(actor)  # type: ignore[attr-defined]
        if "supplier" in self.fields:
            self.fields["supplier"].queryset = selectors.supplier_choices(actor)  # type: ignore[attr-defined]
        if "department" in self.fields:
            self.fields["department"].queryset = departments_for(actor)  # type: ignore[attr-defined]

    def service_values(self) -> dict[str, Any]:
        """The cleaned header as the services take it (records by id)."""
        values: dict[str, Any] = {}
        for name in self.fields:
            value = self.cleaned_data.get(name)
            values[name] = getattr(value, "pk", value)
        return values


class ReceiptHeaderForm(DocumentHeaderForm):
    supplier = SupplierChoiceField(label=_("Supplier"), queryset=None)
    invoice_no = forms.CharField(label=_("Invoice no"), max_length=64, required=False)
    field_order = ("warehouse", "supplier", "invoice_no", "note")


class OtherInboundHeaderForm(DocumentHeaderForm):
    inbound_kind = forms.ChoiceField(label=_("Inbound kind"), choices=InboundKind.choices)
    supplier = SupplierChoiceField(
        label=_("Supplier"), queryset=None, required=False, help_text=_("Optional: who gave the goods.")
    )
    field_order = ("warehouse", "inbound_kind", "supplier", "note")


class IssueHeaderForm(DocumentHeaderForm):
    issue_kind = forms.ChoiceField(label=_("Issue kind"), choices=[("", "---------"), *IssueKind.choices])
    to_warehouse = TargetWarehouseChoiceField(
        label=_("Target warehouse"),
        queryset=None,
        required=False,
        help_text=_("The department warehouse receiving the goods (issue to a department only)."),
    )
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Department"),
        queryset=None,
        required=False,
        help_text=_("Optional: the department that uses the goods."),
    )
    field_order = ("warehouse", "issue_kind", "to_warehouse", "department", "note")
    refresh_fields = ("warehouse", "to_warehouse")


class TransferHeaderForm(DocumentHeaderForm):
    to_warehouse = TargetWarehouseChoiceField(label=_("Target warehouse"), queryset=None)
    field_order = ("warehouse", "to_warehouse", "note")
    refresh_fields = ("warehouse", "to_warehouse")


class UnpackingHeaderForm(DocumentHeaderForm):
    field_order = ("warehouse", "note")


class LineForm(forms.Form):
    """One line row of the editor, named ``line-<token>-<field>``. Which fields a row shows
    depends on the document type; the ones it does not show arrive empty."""

    item = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=MAX_ID,
        error_messages={"required": _("Choose the item.")},
    )
    pack_unit = forms.IntegerField(label=_("Unit"), required=False, min_value=1, max_value=MAX_ID)
    quantity = forms.CharField(label=_("Quantity"), max_length=30)
    unit_price = forms.CharField(label=_("Unit price"), max_length=30, required=False)
    batch_no = forms.CharField(label=_("Batch no"), max_length=40, required=False)
    production_date = forms.DateField(label=_("Production date"), required=False, widget=DATE_INPUT)
    expiry_date = forms.DateField(label=_("Expiry date"), required=False, widget=DATE_INPUT)
    serial_no = forms.CharField(label=_("Serial no"), max_length=40, required=False)
    lot = forms.IntegerField(label=_("Lot"), required=False, min_value=1, max_value=MAX_ID)
    bin = forms.IntegerField(label=_("Bin location"), required=False, min_value=1, max_value=MAX_ID)
    to_bin = forms.IntegerField(label=_("To bin"), required=False, min_value=1, max_value=MAX_ID)

    def clean_quantity(self) -> str:
        value: str = self.cleaned_data["quantity"]
        if not is_plain_decimal(value):
            raise forms.ValidationError(_("Enter a number, for example 10 or 2.5."))
        return value.strip()

    def clean_unit_price(self) -> str:
        value: str = self.cleaned_data.get("unit_price") or ""
        if value.strip() and not is_plain_decimal(value, separators=True):
            raise forms.ValidationError(_("Enter a valid amount, for example 1234.50."))
        return value.strip()

    def line_input(self) -> LineInput:
        data = self.cleaned_data
        return LineInput(
            item_id=data["item"],
            quantity=data["quantity"].strip(),
            pack_unit_id=data.get("pack_unit"),
            unit_price=(data.get("unit_price") or "").strip() or None,
            lot_id=data.get("lot"),
            batch_no=data.get("batch_no") or "",
            production_date=data.get("production_date"),
            expiry_date=data.get("expiry_date"),
            serial_no=data.get("serial_no") or "",
            bin_id=data.get("bin"),
            to_bin_id=data.get("to_bin"),
        )


def line_tokens(data: Any) -> list[str]:
    """The line rows a posted editor form holds, in page order (``line`` repeats per row);
    malformed or repeated tokens are dropped."""
    seen: list[str] = []
    for token in data.getlist("line"):
        if TOKEN.match(token) and token not in seen:
            seen.append(token)
    return seen


class ScanForm(forms.Form):
    code = forms.CharField(label=_("Scan"), max_length=400, strip=False)


class ReverseForm(forms.Form):
    note = forms.CharField(
        label=_("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
