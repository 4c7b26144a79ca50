"""Pages of the inventory master data: warehouses with their bins (INV-01), the category tree and
items with pack units, barcodes and stock levels (INV-02), suppliers and manufacturers with their
certificates and the certificate expiry query (SPD-01), and the item typeahead used by documents."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar, cast

from django import forms
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from medspa.accounts.models import User
from medspa.core import menu
from medspa.core.money import format_cny
from medspa.core.views import generic
from medspa.core.views.generic import (
    ActorFormMixin,
    ObjectCreateView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    PermissionRequiredView,
    detail_section,
    get_or_404,
)
from medspa.inventory import master_selectors as selectors
from medspa.inventory import master_services as services
from medspa.inventory.master_filtersets import (
    CategoryFilterSet,
    CertificateExpiryFilterSet,
    CompanyFilterSet,
    ItemFilterSet,
    WarehouseFilterSet,
)
from medspa.inventory.master_forms import (
    BarcodeForm,
    BinForm,
    CategoryForm,
    CertificateForm,
    CompanyForm,
    ItemForm,
    LevelForm,
    PackUnitForm,
    WarehouseForm,
)
from medspa.inventory.master_tables import (
    CategoryTable,
    CertificateExpiryTable,
    CompanyTable,
    ItemTable,
    WarehouseTable,
)
from medspa.inventory.models import Item
from medspa.organization import selectors as org_selectors

NS = "inventory_master"
WAREHOUSES = (_("Warehouses"), f"{NS}:warehouse_list")
CATEGORIES = (_("Item categories"), f"{NS}:category_list")
ITEMS = (_("Items"), f"{NS}:item_list")
COMPANIES = (_("Suppliers and manufacturers"), f"{NS}:company_list")
LOOKUP_LIMIT = 20


def _actor(request: HttpRequest) -> User:
    """The logged-in user (the views' permission check has already turned anonymous users away)."""
    return cast(User, request.user)


def _perm(model: str, action: str) -> str:
    return f"inventory.{action}_{model}"


def _pk(value: Model | None) -> int | None:
    return value.pk if value is not None else None


def _text(value: Any) -> str:
    """A cell of a detail section: dates as 2026-01-31, booleans as Yes/No, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _money(value: Decimal | None) -> str:
    return "" if value is None else format_cny(value)


def _quantity_text(value: Decimal | None) -> str:
    """``10.000`` → ``10``; ``2.500`` → ``2.5``."""
    return "" if value is None else f"{value.normalize():f}"


class ToDetail(generic.ToDetail):
    namespace = NS


class MasterDetailView(ObjectDetailView):
    """A detail page with Edit and Deactivate buttons and sections of child rows."""

    template_name = "inventory/master_detail.html"
    model_name: ClassVar[str]
    perm_model: ClassVar[str] = ""  # the model in permission names, when not ``model_name``

    def extra_rows(self, obj: Any) -> list[dict[str, Any]]:
        return []

    def sections(self, obj: Any) -> list[dict[str, Any]]:
        return []

    def can(self, model: str, action: str) -> bool:
        return bool(self.request.user.has_perm(_perm(model, action)))

    def extra_context(self, obj: Any) -> dict[str, Any]:
        name = self.model_name
        model = self.perm_model or name
        can_edit = self.can(model, "change")
        can_deactivate = obj.is_active and self.can(model, "delete")
        return {
            "extra_rows": self.extra_rows(obj),
            "sections": self.sections(obj),
            "edit_url": reverse(f"{NS}:{name}_edit", args=[obj.pk]) if can_edit else None,
            "deactivate_url": reverse(f"{NS}:{name}_deactivate", args=[obj.pk]) if can_deactivate else None,
        }


class ChildMixin:
    """Forms under a parent (``parent_id`` in the URL, fetched in the actor's scope, else 404)
    that return to the parent's detail page. The permission check (``dispatch``) runs first."""

    parent_getter: ClassVar[Any]
    parent_url_name: ClassVar[str]
    request: Any
    kwargs: dict[str, Any]
    _parent: Any = None

    def get_parent(self) -> Any:
        if self._parent is None:
            self._parent = get_or_404(
                type(self).parent_getter, _actor(self.request), self.kwargs["parent_id"]
            )
        return self._parent

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_parent()
        return super().get(request, *args, **kwargs)  # type: ignore[misc]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_parent()
        return super().post(request, *args, **kwargs)  # type: ignore[misc]

    def success_url(self, result: Any) -> str:
        return reverse(self.parent_url_name, args=[self.get_parent().pk])

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().base_context(**extra)  # type: ignore[misc]
        parent = self.get_parent()
        context["breadcrumbs"].insert(
            -1, {"label": str(parent), "url": reverse(self.parent_url_name, args=[parent.pk])}
        )
        return context


class ChildOfObjectMixin(ChildMixin):
    """Edit/delete pages of a child row: the parent is the row's ``parent_attr`` (kept after a
    delete, since the row was fetched before)."""

    parent_attr: ClassVar[str]

    def get_parent(self) -> Any:
        if self._parent is None:
            self._parent = getattr(self.get_object(), self.parent_attr)  # type: ignore[attr-defined]
        return self._parent


# --- warehouses (INV-01) ------------------------------------------------------------------------------


class WarehouseListView(ObjectListView):
    permissions = ("inventory.view_warehouse",)
    title = _("Warehouses")
    selector = selectors.warehouses_for
    filterset_class = WarehouseFilterSet
    table_class = WarehouseTable
    export_basename = "warehouses"
    create_url_name = f"{NS}:warehouse_create"
    create_permissions = ("inventory.add_warehouse",)
    create_label = _("New warehouse")
    empty_text = _("No warehouses match.")


class WarehouseDetailView(MasterDetailView):
    model_name = "warehouse"
    permissions = ("inventory.view_warehouse",)
    breadcrumbs = (WAREHOUSES,)
    getter = selectors.warehouse_get_for
    fields = (
        (_("Code"), "code"),
        (_("Name"), "name"),
        (_("Kind"), "get_kind_display"),
        (_("Branch"), "branch.name"),
        (_("Location"), "address"),
        (_("Active"), "is_active"),
        (_("Updated at"), "updated_at"),
    )

    def extra_rows(self, obj: Any) -> list[dict[str, Any]]:
        department = None
        if obj.department_id is not None:
            department = (
                org_selectors.departments_for(_actor(self.request)).filter(pk=obj.department_id).first()
            )
        label = (
            org_selectors.department_path(department) if department else getattr(obj.department, "name", "")
        )
        return [{"label": _("Department"), "value": label}]

    def sections(self, obj: Any) -> list[dict[str, Any]]:
        can_change, can_delete = self.can("bin", "change"), self.can("bin", "delete")
        rows = [
            {
                "cells": [bin_.code, bin_.name, _text(bin_.is_active)],
                "edit_url": reverse(f"{NS}:bin_edit", args=[bin_.pk]) if can_change else None,
                "delete_url": reverse(f"{NS}:bin_deactivate", args=[bin_.pk])
                if can_delete and bin_.is_active
                else None,
                "delete_label": _("Deactivate"),
                "muted": not bin_.is_active,
            }
            for bin_ in selectors.bins_for(_actor(self.request)).filter(warehouse=obj)
        ]
        add_url = (
            reverse(f"{NS}:bin_create", args=[obj.pk]) if obj.is_active and self.can("bin", "add") else None
        )
        return [
            detail_section(
                "bins",
                _("Bin locations"),
                [_("Code"), _("Name"), _("Active")],
                rows,
                add_url=add_url,
                add_label=_("Add bin location"),
                empty=_("No bin locations yet."),
            )
        ]


def _warehouse_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": data["code"],
        "name": data["name"],
        "kind": data["kind"],
        "department_id": _pk(data["department"]),
        "address": data["address"],
    }


class WarehouseCreateView(ToDetail, ActorFormMixin, ObjectCreateView):
    model_name = "warehouse"
    permissions = ("inventory.view_warehouse", "inventory.add_warehouse")
    title = _("New warehouse")
    breadcrumbs = (WAREHOUSES,)
    form_class = WarehouseForm
    success_message = _("The warehouse was created.")

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.warehouse_create(
            actor=_actor(self.request), branch_id=_pk(data["branch"]), **_warehouse_arguments(data)
        )


class WarehouseEditView(ToDetail, ObjectEditView):
    model_name = "warehouse"
    permissions = ("inventory.view_warehouse", "inventory.change_warehouse")
    title = _("Edit warehouse")
    breadcrumbs = (WAREHOUSES,)
    getter = selectors.warehouse_get_for
    form_class = WarehouseForm
    success_message = _("The warehouse was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self.request), "editing": self.get_object()}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.warehouse_update(
            actor=_actor(self.request),
            warehouse_id=self.get_object().pk,
            is_active=data["is_active"],
            **_warehouse_arguments(data),
        )


class WarehouseDeactivateView(ToDetail, ObjectDeleteView):
    model_name = "warehouse"
    permissions = ("inventory.view_warehouse", "inventory.delete_warehouse")
    title = _("Deactivate warehouse")
    breadcrumbs = (WAREHOUSES,)
    getter = selectors.warehouse_get_for
    submit_label = _("Deactivate")
    confirm_text = _("Nothing can be received into or issued from a deactivated warehouse. Deactivate it?")
    success_message = _("The warehouse was deactivated.")

    def perform(self, form: forms.Form) -> Any:
        return services.warehouse_deactivate(actor=_actor(self.request), warehouse_id=self.get_object().pk)


class BinCreateView(ChildMixin, ObjectCreateView):
    permissions = ("inventory.view_warehouse", "inventory.add_bin")
    title = _("New bin location")
    breadcrumbs = (WAREHOUSES,)
    parent_getter = selectors.warehouse_get_for
    parent_url_name = f"{NS}:warehouse_detail"
    form_class = BinForm
    success_message = _("The bin location was created.")

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.bin_create(
            actor=_actor(self.request),
            warehouse_id=self.get_parent().pk,
            code=data["code"],
            name=data["name"],
        )


class BinEditView(ChildOfObjectMixin, ObjectEditView):
    permissions = ("inventory.view_warehouse", "inventory.change_bin")
    title = _("Edit bin location")
    breadcrumbs = (WAREHOUSES,)
    getter = selectors.bin_get_for
    parent_attr = "warehouse"
    parent_url_name = f"{NS}:warehouse_detail"
    form_class = BinForm
    success_message = _("The bin location was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"editing": True}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.bin_update(
            actor=_actor(self.request),
            bin_id=self.get_object().pk,
            code=data["code"],
            name=data["name"],
            is_active=data["is_active"],
        )


class BinDeactivateView(ChildOfObjectMixin, ObjectDeleteView):
    permissions = ("inventory.view_warehouse", "inventory.delete_bin")
    title = _("Deactivate bin location")
    breadcrumbs = (WAREHOUSES,)
    getter = selectors.bin_get_for
    parent_attr = "warehouse"
    parent_url_name = f"{NS}:warehouse_detail"
    submit_label = _("Deactivate")
    confirm_text = _("A deactivated bin location can no longer be chosen. Deactivate it?")
    success_message = _("The bin location was deactivated.")

    def perform(self, form: forms.Form) -> Any:
        return services.bin_deactivate(actor=_actor(self.request), bin_id=self.get_object().pk)


# --- categories -----------------------------------------------------------------------------------


class CategoryListView(ObjectListView):
    permissions = ("inventory.view_itemcategory",)
    title = _("Item categories")
    selector = selectors.categories_for
    filterset_class = CategoryFilterSet
    table_class = CategoryTable
    export_basename = "item-categories"
    create_url_name = f"{NS}:category_create"
    create_permissions = ("inventory.add_itemcategory",)
    create_label = _("New category")
    empty_text = _("No categories match.")


class CategoryDetailView(MasterDetailView):
    model_name = "category"
    perm_model = "itemcategory"
    permissions = ("inventory.view_itemcategory",)
    breadcrumbs = (CATEGORIES,)
    getter = selectors.category_get_for
    fields = (
        (_("Code"), "code"),
        (_("Name"), "name"),
        (_("Kind"), "get_kind_display"),
        (_("Order"), "order"),
        (_("Active"), "is_active"),
        (_("Updated at"), "updated_at"),
    )

    def extra_rows(self, obj: Any) -> list[dict[str, Any]]:
        return [{"label": _("Path"), "value": selectors.category_path(obj)}]

    def sections(self, obj: Any) -> list[dict[str, Any]]:
        children = selectors.categories_for(_actor(self.request)).filter(parent=obj)
        rows = [
            {
                "cells": [child.code, child.name, _text(child.is_active)],
                "url": reverse(f"{NS}:category_detail", args=[child.pk]),
                "muted": not child.is_active,
            }
            for child in children
        ]
        return [
            detail_section(
                "children",
                _("Sub-categories"),
                [_("Code"), _("Name"), _("Active")],
                rows,
                empty=_("No sub-categories."),
            )
        ]


def _category_arguments(data: dict[str, Any]) -> dict[str, Any]:
    parent = data["parent"]
    return {
        "code": data["code"],
        "name": data["name"],
        "parent_id": _pk(parent),
        "kind": (data["kind"] or None) if parent is None else None,
        "order": data["order"] or 0,
    }


class CategoryCreateView(ToDetail, ActorFormMixin, ObjectCreateView):
    model_name = "category"
    permissions = ("inventory.view_itemcategory", "inventory.add_itemcategory")
    title = _("New category")
    breadcrumbs = (CATEGORIES,)
    form_class = CategoryForm
    success_message = _("The category was created.")

    def perform(self, form: forms.Form) -> Any:
        return services.category_create(actor=_actor(self.request), **_category_arguments(form.cleaned_data))


class CategoryEditView(ToDetail, ObjectEditView):
    model_name = "category"
    permissions = ("inventory.view_itemcategory", "inventory.change_itemcategory")
    title = _("Edit category")
    breadcrumbs = (CATEGORIES,)
    getter = selectors.category_get_for
    form_class = CategoryForm
    success_message = _("The category was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self.request), "editing": self.get_object()}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.category_update(
            actor=_actor(self.request),
            category_id=self.get_object().pk,
            is_active=data["is_active"],
            **_category_arguments(data),
        )


class CategoryDeactivateView(ToDetail, ObjectDeleteView):
    model_name = "category"
    permissions = ("inventory.view_itemcategory", "inventory.delete_itemcategory")
    title = _("Deactivate category")
    breadcrumbs = (CATEGORIES,)
    getter = selectors.category_get_for
    submit_label = _("Deactivate")
    confirm_text = _("A deactivated category can no longer be chosen for items. Deactivate it?")
    success_message = _("The category was deactivated.")

    def perform(self, form: forms.Form) -> Any:
        return services.category_deactivate(actor=_actor(self.request), category_id=self.get_object().pk)


# --- items (INV-02) -------------------------------------------------------------------------------


class ItemListView(ObjectListView):
    permissions = ("inventory.view_item",)
    title = _("Items")
    selector = selectors.items_for
    filterset_class = ItemFilterSet
    table_class = ItemTable
    export_basename = "items"
    create_url_name = f"{NS}:item_create"
    create_permissions = ("inventory.add_item",)
    create_label = _("New item")
    empty_text = _("No items match.")


class ItemDetailView(MasterDetailView):
    model_name = "item"
    permissions = ("inventory.view_item",)
    breadcrumbs = (ITEMS,)
    getter = selectors.item_get_for
    fields = (
        (_("Code"), "code"),
        (_("Name"), "name"),
        (_("Specification"), "specification"),
        (_("Base unit"), "base_unit"),
        (_("Manufacturer"), "manufacturer.name"),
        (_("Registration certificate no"), "registration_no"),
        (_("Registration expires on"), "registration_expires_on"),
        (_("Storage condition"), "get_storage_condition_display"),
        (_("Shelf life (days)"), "shelf_life_days"),
        (_("Lot tracked"), "is_lot_tracked"),
        (_("Expiry tracked"), "is_expiry_tracked"),
        (_("Serial tracked (high value)"), "is_serial_tracked"),
        (_("Active"), "is_active"),
        (_("Updated at"), "updated_at"),
    )

    def extra_rows(self, obj: Any) -> list[dict[str, Any]]:
        category = selectors.categories_for(_actor(self.request)).filter(pk=obj.category_id).first()
        rows = [
            {"label": _("Category"), "value": selectors.category_path(category)},
            {"label": _("Default purchase price"), "value": _money(obj.purchase_price)},
        ]
        if obj.unpack_item_id is not None:
            rows.append(
                {
                    "label": _("Unpacks into"),
                    "value": _("%(quantity)s %(unit)s of %(item)s")
                    % {
                        "quantity": _quantity_text(obj.unpack_quantity),
                        "unit": obj.unpack_item.base_unit,
                        "item": f"{obj.unpack_item.code} {obj.unpack_item}",
                    },
                }
            )
        return rows

    def sections(self, obj: Any) -> list[dict[str, Any]]:
        return [self._units(obj), self._barcodes(obj), self._levels(obj)]

    def _units(self, obj: Any) -> dict[str, Any]:
        can_change, can_delete = self.can("packunit", "change"), self.can("packunit", "delete")
        rows = [
            {
                "cells": [
                    unit.name,
                    _quantity_text(unit.factor),
                    f"1 {unit.name} = {_quantity_text(unit.factor)} {obj.base_unit}",
                ],
                "edit_url": reverse(f"{NS}:packunit_edit", args=[unit.pk]) if can_change else None,
                "delete_url": reverse(f"{NS}:packunit_delete", args=[unit.pk]) if can_delete else None,
                "delete_label": _("Remove"),
            }
            for unit in obj.pack_units.all()
        ]
        return detail_section(
            "pack-units",
            _("Pack units"),
            [_("Unit"), _("Base units per unit"), _("Conversion")],
            rows,
            add_url=reverse(f"{NS}:packunit_create", args=[obj.pk]) if self.can("packunit", "add") else None,
            add_label=_("Add pack unit"),
            empty=_("Counted in the base unit only."),
        )

    def _barcodes(self, obj: Any) -> dict[str, Any]:
        can_change, can_delete = self.can("itembarcode", "change"), self.can("itembarcode", "delete")
        rows = [
            {
                "cells": [barcode.code, barcode.pack_unit.name if barcode.pack_unit else obj.base_unit],
                "edit_url": reverse(f"{NS}:barcode_edit", args=[barcode.pk]) if can_change else None,
                "delete_url": reverse(f"{NS}:barcode_delete", args=[barcode.pk]) if can_delete else None,
                "delete_label": _("Remove"),
            }
            for barcode in obj.barcodes.all()
        ]
        return detail_section(
            "barcodes",
            _("Barcodes"),
            [_("Barcode / GTIN"), _("Unit")],
            rows,
            add_url=reverse(f"{NS}:barcode_create", args=[obj.pk])
            if self.can("itembarcode", "add")
            else None,
            add_label=_("Add barcode"),
            empty=_("No barcodes yet."),
        )

    def _levels(self, obj: Any) -> dict[str, Any]:
        can_change, can_delete = self.can("stocklevel", "change"), self.can("stocklevel", "delete")
        rows = [
            {
                "cells": [
                    level.warehouse.name,
                    level.warehouse.branch.name,
                    _quantity_text(level.min_quantity),
                    _quantity_text(level.max_quantity),
                ],
                "edit_url": reverse(f"{NS}:level_edit", args=[level.pk]) if can_change else None,
                "delete_url": reverse(f"{NS}:level_delete", args=[level.pk]) if can_delete else None,
                "delete_label": _("Remove"),
            }
            for level in selectors.levels_for(_actor(self.request), obj)
        ]
        return detail_section(
            "levels",
            _("Stock levels"),
            [_("Warehouse"), _("Branch"), _("Minimum"), _("Maximum")],
            rows,
            add_url=reverse(f"{NS}:level_create", args=[obj.pk]) if self.can("stocklevel", "add") else None,
            add_label=_("Add stock levels"),
            empty=_("No minimum or maximum set in your warehouses."),
        )


def _item_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": data["code"],
        "name": data["name"],
        "specification": data["specification"],
        "base_unit": data["base_unit"],
        "category_id": _pk(data["category"]),
        "manufacturer_id": _pk(data["manufacturer"]),
        "registration_no": data["registration_no"],
        "registration_expires_on": data["registration_expires_on"],
        "storage_condition": data["storage_condition"],
        "shelf_life_days": data["shelf_life_days"],
        "purchase_price": data["purchase_price"],
        "is_lot_tracked": data["is_lot_tracked"],
        "is_expiry_tracked": data["is_expiry_tracked"],
        "is_serial_tracked": data["is_serial_tracked"],
        "unpack_item_id": _pk(data["unpack_item"]),
        "unpack_quantity": data["unpack_quantity"],
    }


class ItemCreateView(ToDetail, ActorFormMixin, ObjectCreateView):
    model_name = "item"
    permissions = ("inventory.view_item", "inventory.add_item")
    title = _("New item")
    breadcrumbs = (ITEMS,)
    form_class = ItemForm
    success_message = _("The item was created. Add its pack units and barcodes below.")

    def perform(self, form: forms.Form) -> Any:
        return services.item_create(actor=_actor(self.request), **_item_arguments(form.cleaned_data))


class ItemEditView(ToDetail, ObjectEditView):
    model_name = "item"
    permissions = ("inventory.view_item", "inventory.change_item")
    title = _("Edit item")
    breadcrumbs = (ITEMS,)
    getter = selectors.item_get_for
    form_class = ItemForm
    success_message = _("The item was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self.request), "editing": self.get_object()}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.item_update(
            actor=_actor(self.request),
            item_id=self.get_object().pk,
            is_active=data["is_active"],
            **_item_arguments(data),
        )


class ItemDeactivateView(ToDetail, ObjectDeleteView):
    model_name = "item"
    permissions = ("inventory.view_item", "inventory.delete_item")
    title = _("Deactivate item")
    breadcrumbs = (ITEMS,)
    getter = selectors.item_get_for
    submit_label = _("Deactivate")
    confirm_text = _(
        "A deactivated item is no longer offered in documents; its stock and history stay. Deactivate it?"
    )
    success_message = _("The item was deactivated.")

    def perform(self, form: forms.Form) -> Any:
        return services.item_deactivate(actor=_actor(self.request), item_id=self.get_object().pk)


class ItemChildCreateView(ChildMixin, ObjectCreateView):
    """Add a pack unit, barcode or level from the item's page."""

    breadcrumbs = (ITEMS,)
    parent_getter = selectors.item_get_for
    parent_url_name = f"{NS}:item_detail"


class ItemChildEditMixin(ChildOfObjectMixin):
    breadcrumbs: ClassVar[Sequence[tuple[str | Promise, str | None]]] = (ITEMS,)
    parent_attr = "item"
    parent_url_name = f"{NS}:item_detail"


class PackUnitCreateView(ItemChildCreateView):
    permissions = ("inventory.view_item", "inventory.add_packunit")
    title = _("New pack unit")
    form_class = PackUnitForm
    success_message = _("The pack unit was added.")

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.packunit_create(
            actor=_actor(self.request), item_id=self.get_parent().pk, name=data["name"], factor=data["factor"]
        )


class PackUnitEditView(ItemChildEditMixin, ObjectEditView):
    permissions = ("inventory.view_item", "inventory.change_packunit")
    title = _("Edit pack unit")
    getter = selectors.packunit_get_for
    form_class = PackUnitForm
    success_message = _("The pack unit was saved.")

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.packunit_update(
            actor=_actor(self.request),
            pack_unit_id=self.get_object().pk,
            name=data["name"],
            factor=data["factor"],
        )


class PackUnitDeleteView(ItemChildEditMixin, ObjectDeleteView):
    permissions = ("inventory.view_item", "inventory.delete_packunit")
    title = _("Remove pack unit")
    getter = selectors.packunit_get_for
    submit_label = _("Remove")
    confirm_text = _("The pack unit and its barcodes are removed. Remove it?")
    success_message = _("The pack unit was removed.")

    def perform(self, form: forms.Form) -> Any:
        return services.packunit_delete(actor=_actor(self.request), pack_unit_id=self.get_object().pk)


class BarcodeCreateView(ItemChildCreateView):
    permissions = ("inventory.view_item", "inventory.add_itembarcode")
    title = _("New barcode")
    form_class = BarcodeForm
    success_message = _("The barcode was added.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"item": self.get_parent()}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.barcode_create(
            actor=_actor(self.request),
            item_id=self.get_parent().pk,
            code=data["code"],
            pack_unit_id=_pk(data["pack_unit"]),
        )


class BarcodeEditView(ItemChildEditMixin, ObjectEditView):
    permissions = ("inventory.view_item", "inventory.change_itembarcode")
    title = _("Edit barcode")
    getter = selectors.barcode_get_for
    form_class = BarcodeForm
    success_message = _("The barcode was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"item": self.get_object().item}  # type: ignore[attr-defined]

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.barcode_update(
            actor=_actor(self.request),
            barcode_id=self.get_object().pk,
            code=data["code"],
            pack_unit_id=_pk(data["pack_unit"]),
        )


class BarcodeDeleteView(ItemChildEditMixin, ObjectDeleteView):
    permissions = ("inventory.view_item", "inventory.delete_itembarcode")
    title = _("Remove barcode")
    getter = selectors.barcode_get_for
    submit_label = _("Remove")
    confirm_text = _("Scanning this barcode will no longer find the item. Remove it?")
    success_message = _("The barcode was removed.")

    def perform(self, form: forms.Form) -> Any:
        return services.barcode_delete(actor=_actor(self.request), barcode_id=self.get_object().pk)


class LevelCreateView(ItemChildCreateView):
    permissions = ("inventory.view_item", "inventory.add_stocklevel")
    title = _("New stock levels")
    form_class = LevelForm
    success_message = _("The stock levels were saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self.request)}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.stocklevel_create(
            actor=_actor(self.request),
            item_id=self.get_parent().pk,
            warehouse_id=data["warehouse"].pk,
            min_quantity=data["min_quantity"],
            max_quantity=data["max_quantity"],
        )


class LevelEditView(ItemChildEditMixin, ObjectEditView):
    permissions = ("inventory.view_item", "inventory.change_stocklevel")
    title = _("Edit stock levels")
    getter = selectors.stocklevel_get_for
    form_class = LevelForm
    success_message = _("The stock levels were saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self.request), "editing": True}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.stocklevel_update(
            actor=_actor(self.request),
            level_id=self.get_object().pk,
            min_quantity=data["min_quantity"],
            max_quantity=data["max_quantity"],
        )


class LevelDeleteView(ItemChildEditMixin, ObjectDeleteView):
    permissions = ("inventory.view_item", "inventory.delete_stocklevel")
    title = _("Remove stock levels")
    getter = selectors.stocklevel_get_for
    submit_label = _("Remove")
    confirm_text = _("No shortage or overstock alerts will be raised for this warehouse any more. Remove?")
    success_message = _("The stock levels were removed.")

    def perform(self, form: forms.Form) -> Any:
        return services.stocklevel_delete(actor=_actor(self.request), level_id=self.get_object().pk)


class ItemLookupView(PermissionRequiredView):
    """Typeahead for document pages: ``?q=`` (code, name, pinyin, initials, barcode or a scanned
    GS1 string) → JSON ``[{id, code, name, specification, base_unit, pack_units: [...]}]``."""

    permissions = ("inventory.view_item",)

    def get(self, request: HttpRequest) -> JsonResponse:
        try:
            limit = int(request.GET.get("limit") or LOOKUP_LIMIT)
        except ValueError:
            limit = LOOKUP_LIMIT
        items = selectors.item_search(_actor(request), request.GET.get("q", ""), limit=limit)
        return JsonResponse([_lookup_row(item) for item in items], safe=False)


def _lookup_row(item: Item) -> dict[str, Any]:
    return {
        "id": item.pk,
        "code": item.code,
        "name": item.name,
        "specification": item.specification,
        "base_unit": item.base_unit,
        "pack_units": [
            {"id": unit.pk, "name": unit.name, "factor": str(unit.factor)} for unit in item.pack_units.all()
        ],
    }


# --- companies and certificates (SPD-01) ----------------------------------------------------------


class CompanyListView(ObjectListView):
    permissions = ("inventory.view_company",)
    title = _("Suppliers and manufacturers")
    selector = selectors.companies_for
    filterset_class = CompanyFilterSet
    table_class = CompanyTable
    export_basename = "suppliers"
    create_url_name = f"{NS}:company_create"
    create_permissions = ("inventory.add_company",)
    create_label = _("New supplier or manufacturer")
    empty_text = _("No suppliers or manufacturers match.")


def _certificate_state(expires_on: Any, today: Any) -> str:
    if expires_on is None:
        return str(_("No expiry"))
    if expires_on < today:
        return str(_("Expired"))
    if (expires_on - today).days <= selectors.CERTIFICATE_WARNING_DAYS:
        return str(_("Expiring"))
    return str(_("Valid"))


class CompanyDetailView(MasterDetailView):
    model_name = "company"
    permissions = ("inventory.view_company",)
    breadcrumbs = (COMPANIES,)
    getter = selectors.company_get_for
    fields = (
        (_("Code"), "code"),
        (_("Name"), "name"),
        (_("Supplier"), "is_supplier"),
        (_("Manufacturer"), "is_manufacturer"),
        (_("Unified social credit code"), "credit_code"),
        (_("Contact person"), "contact"),
        (_("Phone"), "phone"),
        (_("Address"), "address"),
        (_("Active"), "is_active"),
        (_("Updated at"), "updated_at"),
    )

    def sections(self, obj: Any) -> list[dict[str, Any]]:
        if not self.can("certificate", "view"):
            return []
        today = timezone.localdate()
        can_change, can_delete = self.can("certificate", "change"), self.can("certificate", "delete")
        rows = [
            {
                "cells": [
                    cert.get_kind_display(),
                    cert.number,
                    cert.scope,
                    _text(cert.issued_on),
                    _text(cert.expires_on),
                    _text(cert.is_required),
                    _certificate_state(cert.expires_on, today),
                ],
                "edit_url": reverse(f"{NS}:certificate_edit", args=[cert.pk]) if can_change else None,
                "delete_url": reverse(f"{NS}:certificate_delete", args=[cert.pk]) if can_delete else None,
                "delete_label": _("Delete"),
            }
            for cert in obj.certificates.all()
        ]
        return [
            detail_section(
                "certificates",
                _("Certificates"),
                [
                    _("Kind"),
                    _("Certificate no"),
                    _("Scope"),
                    _("Issued on"),
                    _("Expires on"),
                    _("Required for receiving"),
                    _("State"),
                ],
                rows,
                add_url=reverse(f"{NS}:certificate_create", args=[obj.pk])
                if self.can("certificate", "add")
                else None,
                add_label=_("Add certificate"),
                empty=_("No certificates yet."),
            )
        ]


def _company_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: data[key]
        for key in (
            "code",
            "name",
            "is_supplier",
            "is_manufacturer",
            "credit_code",
            "contact",
            "phone",
            "address",
        )
    }


class CompanyCreateView(ToDetail, ObjectCreateView):
    model_name = "company"
    permissions = ("inventory.view_company", "inventory.add_company")
    title = _("New supplier or manufacturer")
    breadcrumbs = (COMPANIES,)
    form_class = CompanyForm
    success_message = _("The company was created. Add its certificates below.")

    def perform(self, form: forms.Form) -> Any:
        return services.company_create(actor=_actor(self.request), **_company_arguments(form.cleaned_data))


class CompanyEditView(ToDetail, ObjectEditView):
    model_name = "company"
    permissions = ("inventory.view_company", "inventory.change_company")
    title = _("Edit supplier or manufacturer")
    breadcrumbs = (COMPANIES,)
    getter = selectors.company_get_for
    form_class = CompanyForm
    success_message = _("The company was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"editing": True}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.company_update(
            actor=_actor(self.request),
            company_id=self.get_object().pk,
            is_active=data["is_active"],
            **_company_arguments(data),
        )


class CompanyDeactivateView(ToDetail, ObjectDeleteView):
    model_name = "company"
    permissions = ("inventory.view_company", "inventory.delete_company")
    title = _("Deactivate supplier or manufacturer")
    breadcrumbs = (COMPANIES,)
    getter = selectors.company_get_for
    submit_label = _("Deactivate")
    confirm_text = _(
        "A deactivated company can no longer be chosen as supplier or manufacturer. Deactivate it?"
    )
    success_message = _("The company was deactivated.")

    def perform(self, form: forms.Form) -> Any:
        return services.company_deactivate(actor=_actor(self.request), company_id=self.get_object().pk)


def _certificate_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data[key] for key in ("kind", "number", "scope", "issued_on", "expires_on", "is_required")}


class CertificateCreateView(ChildMixin, ObjectCreateView):
    permissions = ("inventory.view_company", "inventory.add_certificate")
    title = _("New certificate")
    breadcrumbs = (COMPANIES,)
    parent_getter = selectors.company_get_for
    parent_url_name = f"{NS}:company_detail"
    form_class = CertificateForm
    success_message = _("The certificate was added.")

    def perform(self, form: forms.Form) -> Any:
        return services.certificate_create(
            actor=_actor(self.request),
            company_id=self.get_parent().pk,
            **_certificate_arguments(form.cleaned_data),
        )


class CertificateEditView(ChildOfObjectMixin, ObjectEditView):
    permissions = ("inventory.view_company", "inventory.change_certificate")
    title = _("Edit certificate")
    breadcrumbs = (COMPANIES,)
    getter = selectors.certificate_get_for
    parent_attr = "company"
    parent_url_name = f"{NS}:company_detail"
    form_class = CertificateForm
    success_message = _("The certificate was saved.")

    def perform(self, form: forms.Form) -> Any:
        return services.certificate_update(
            actor=_actor(self.request),
            certificate_id=self.get_object().pk,
            **_certificate_arguments(form.cleaned_data),
        )


class CertificateDeleteView(ChildOfObjectMixin, ObjectDeleteView):
    permissions = ("inventory.view_company", "inventory.delete_certificate")
    title = _("Delete certificate")
    breadcrumbs = (COMPANIES,)
    getter = selectors.certificate_get_for
    parent_attr = "company"
    parent_url_name = f"{NS}:company_detail"
    confirm_text = _("Delete this certificate? Use this only for a certificate entered by mistake.")
    success_message = _("The certificate was deleted.")

    def perform(self, form: forms.Form) -> Any:
        return services.certificate_delete(actor=_actor(self.request), certificate_id=self.get_object().pk)


class CertificateExpiryView(ObjectListView):
    """资质效期查询: certificates already expired or expiring within N days (30 unless given)."""

    permissions = ("inventory.view_company", "inventory.view_certificate")
    title = _("Certificate expiry")
    selector = selectors.certificates_for
    filterset_class = CertificateExpiryFilterSet
    table_class = CertificateExpiryTable
    export_basename = "certificate-expiry"
    empty_text = _("No certificate expires within that many days.")


# --- menu -----------------------------------------------------------------------------------------


def register_menu() -> None:
    """The master-data entries of the Inventory menu group (called from ``inventory.menu``)."""
    group = _("Inventory")
    for item in (
        menu.MenuItem(
            "inventory-items",
            _("Items"),
            f"{NS}:item_list",
            "ti-package",
            580,
            group,
            ("inventory.view_item",),
        ),
        menu.MenuItem(
            "inventory-categories",
            _("Item categories"),
            f"{NS}:category_list",
            "ti-category",
            582,
            group,
            ("inventory.view_itemcategory",),
        ),
        menu.MenuItem(
            "inventory-warehouses",
            _("Warehouses"),
            f"{NS}:warehouse_list",
            "ti-building-warehouse",
            584,
            group,
            ("inventory.view_warehouse",),
        ),
        menu.MenuItem(
            "inventory-suppliers",
            _("Suppliers and manufacturers"),
            f"{NS}:company_list",
            "ti-truck",
            586,
            group,
            ("inventory.view_company",),
        ),
        menu.MenuItem(
            "inventory-certificate-expiry",
            _("Certificate expiry"),
            f"{NS}:certificate_expiry",
            "ti-certificate",
            588,
            group,
            ("inventory.view_company", "inventory.view_certificate"),
        ),
    ):
        menu.register(item)
