"""Input shapes of the inventory master pages; the services decide what is acceptable."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from medspa.accounts.scope import active_branch_id
from medspa.inventory import master_selectors as selectors
from medspa.inventory.choices import CategoryKind, CertificateKind, StorageCondition, WarehouseKind
from medspa.inventory.models import Company, Item, ItemCategory, PackUnit, Warehouse
from medspa.organization import selectors as org_selectors
from medspa.organization.models import Branch, Department


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _quantity_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    """A quantity in base units: up to 11 digits before the point and 3 after."""
    return forms.DecimalField(label=label, max_digits=14, decimal_places=3, **kwargs)


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments labelled with their branch and path: ``总院 · 医学美容科 / 注射美容组``."""

    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.branch.name} · {org_selectors.department_path(obj)}"


class CategoryChoiceField(forms.ModelChoiceField):
    """Categories labelled with their path: ``药品 / 注射剂``."""

    def label_from_instance(self, obj: ItemCategory) -> str:
        return selectors.category_path(obj)


class ActiveField(forms.BooleanField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(label=_("Active"), required=False, **kwargs)


# --- warehouses and bins --------------------------------------------------------------------------


class WarehouseForm(forms.Form):
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False, empty_label=None
    )
    code = forms.CharField(
        label=_("Code"), max_length=32, help_text=_("Letters, digits, hyphens, e.g. WH01.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=WarehouseKind.choices, initial=WarehouseKind.CENTRAL)
    department = DepartmentChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("Department warehouses only: the department it serves."),
    )
    address = forms.CharField(label=_("Location"), max_length=200, required=False)
    is_active = ActiveField()

    def __init__(self, *args: Any, actor: Any, editing: Warehouse | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = org_selectors.departments_for(actor).filter(is_active=True)
        if editing is None:
            del self.fields["is_active"]
            self.fields["branch"].queryset = org_selectors.writable_branches_for(actor)  # type: ignore[attr-defined]
            self.fields["branch"].initial = active_branch_id(actor)
        else:
            del self.fields["branch"]  # a warehouse stays in its branch
            departments = org_selectors.departments_for(actor).filter(
                Q(is_active=True) | Q(pk=editing.department_id), branch_id=editing.branch_id
            )
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class BinForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32, help_text=_("e.g. A-01-02 (shelf, row, level)."))
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    is_active = ActiveField()

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]


# --- categories -----------------------------------------------------------------------------------


class CategoryForm(forms.Form):
    parent = CategoryChoiceField(
        label=_("Parent category"),
        queryset=ItemCategory.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", "---------"), *CategoryKind.choices],
        required=False,
        help_text=_("Top-level categories only; a sub-category has its parent's kind."),
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, help_text=_("Smaller comes first."))
    is_active = ActiveField()

    def __init__(self, *args: Any, actor: Any, editing: ItemCategory | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = selectors.categories_for(actor).filter(is_active=True)
        if editing is None:
            del self.fields["is_active"]
        else:
            parents = parents.exclude(pk__in=selectors.category_subtree_ids(editing.pk))
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]


# --- items ----------------------------------------------------------------------------------------


class ItemForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=200)
    specification = forms.CharField(label=_("Specification"), max_length=200, required=False)
    base_unit = forms.CharField(
        label=_("Base unit"), max_length=16, help_text=_("The unit stock is counted in, e.g. 支, 瓶, 个.")
    )
    category = CategoryChoiceField(label=_("Category"), queryset=ItemCategory.objects.none())
    manufacturer = forms.ModelChoiceField(
        label=_("Manufacturer"), queryset=Company.objects.none(), required=False
    )
    registration_no = forms.CharField(label=_("Registration certificate no"), max_length=64, required=False)
    registration_expires_on = forms.DateField(
        label=_("Registration expires on"), required=False, widget=_date_input()
    )
    storage_condition = forms.ChoiceField(
        label=_("Storage condition"), choices=StorageCondition.choices, initial=StorageCondition.ROOM
    )
    shelf_life_days = forms.IntegerField(label=_("Shelf life (days)"), required=False, min_value=1)
    purchase_price = forms.DecimalField(
        label=_("Default purchase price"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Per base unit."),
    )
    is_lot_tracked = forms.BooleanField(label=_("Lot tracked"), required=False, initial=True)
    is_expiry_tracked = forms.BooleanField(label=_("Expiry tracked"), required=False, initial=True)
    is_serial_tracked = forms.BooleanField(
        label=_("Serial tracked (high value)"),
        required=False,
        help_text=_("Each unit has its own serial number; implies lot tracking."),
    )
    unpack_item = forms.ModelChoiceField(
        label=_("Unpacks into (item code)"),
        queryset=Item.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.TextInput(),
        help_text=_("The code of the item one unit of this one becomes when unpacked."),
        error_messages={"invalid_choice": _("No item has that code.")},
    )
    unpack_quantity = _quantity_field(_("Units per unpacked unit"), required=False)
    is_active = ActiveField()

    def __init__(self, *args: Any, actor: Any, editing: Item | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep_category = editing.category_id if editing is not None else None
        keep_manufacturer = editing.manufacturer_id if editing is not None else None
        self.fields["category"].queryset = selectors.categories_for(actor).filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk=keep_category)
        )
        self.fields["manufacturer"].queryset = selectors.companies_for(actor).filter(  # type: ignore[attr-defined]
            Q(is_manufacturer=True, is_active=True) | Q(pk=keep_manufacturer)
        )
        self.fields["unpack_item"].queryset = selectors.items_for(actor)  # type: ignore[attr-defined]
        if editing is None:
            del self.fields["is_active"]


class PackUnitForm(forms.Form):
    name = forms.CharField(label=_("Unit"), max_length=16, help_text=_("e.g. 盒, 箱."))
    factor = _quantity_field(_("Base units per unit"), help_text=_("How many base units make one, e.g. 10."))


class BarcodeForm(forms.Form):
    code = forms.CharField(
        label=_("Barcode / GTIN"),
        max_length=64,
        help_text=_("A GTIN (8, 12, 13 or 14 digits) or an in-house code with letters."),
    )
    pack_unit = forms.ModelChoiceField(label=_("Unit"), queryset=PackUnit.objects.none(), required=False)

    def __init__(self, *args: Any, item: Item, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pack_unit"]
        field.queryset = PackUnit.objects.filter(item=item).order_by("factor", "pk")  # type: ignore[attr-defined]
        field.empty_label = _("%(unit)s (base unit)") % {"unit": item.base_unit}  # type: ignore[attr-defined]


class LevelForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none())
    min_quantity = _quantity_field(_("Minimum"), initial=0, help_text=_("In base units."))
    max_quantity = _quantity_field(
        _("Maximum"), required=False, help_text=_("In base units; empty: no maximum.")
    )

    def __init__(self, *args: Any, actor: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["warehouse"]  # the levels stay with their warehouse
        else:
            self.fields["warehouse"].queryset = selectors.warehouses_for(actor).filter(is_active=True)  # type: ignore[attr-defined]


# --- companies and certificates -------------------------------------------------------------------


class CompanyForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=200)
    is_supplier = forms.BooleanField(label=_("Supplier"), required=False, initial=True)
    is_manufacturer = forms.BooleanField(label=_("Manufacturer"), required=False)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=32, required=False)
    contact = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    is_active = ActiveField()

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]


class CertificateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CertificateKind.choices)
    number = forms.CharField(label=_("Certificate no"), max_length=64)
    scope = forms.CharField(
        label=_("Scope"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=_date_input())
    expires_on = forms.DateField(
        label=_("Expires on"), required=False, help_text=_("Empty: no expiry."), widget=_date_input()
    )
    is_required = forms.BooleanField(
        label=_("Required for receiving"),
        required=False,
        initial=True,
        help_text=_("Receiving from the supplier is refused while a required certificate has expired."),
    )
