"""Input shapes of the product and package pages; the services decide what is acceptable."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from medspa.catalog import product_selectors as selectors
from medspa.catalog.choices import ComponentKind
from medspa.catalog.models import Category, Product, Project
from medspa.catalog.scope import organisation_objects
from medspa.core.money import format_cny
from medspa.inventory.models import Item, PackUnit

TOKEN = re.compile(r"^[a-z0-9]{1,16}$")
TARGET = re.compile(r"^(project|product):([1-9]\d{0,17})$")
MAX_ROWS = 100


class CategoryChoiceField(forms.ModelChoiceField):
    """Catalog categories labelled with their path: ``注射美容 / 玻尿酸`` (the organisation's tree
    is read once per field)."""

    _paths: dict[int, str] | None = None

    def label_from_instance(self, obj: Category) -> str:
        if self._paths is None:
            tree = {
                pk: (parent_id, name)
                for pk, parent_id, name in Category.objects.filter(
                    organisation_id=obj.organisation_id
                ).values_list("pk", "parent_id", "name")
            }
            paths: dict[int, str] = {}
            for pk in tree:
                chain: list[str] = []
                current: int | None = pk
                while current is not None and current in tree and len(chain) < 10:
                    chain.append(tree[current][1])
                    current = tree[current][0]
                paths[pk] = " / ".join(reversed(chain))
            self._paths = paths
        return self._paths.get(obj.pk, obj.name)


class ItemChoiceField(forms.ModelChoiceField):
    """Inventory items labelled ``G001 医用修复面膜 5片/盒``."""

    def label_from_instance(self, obj: Item) -> str:
        label = f"{obj.code} {obj.name} {obj.specification}".strip()
        return label if obj.is_active else f"{label}（{_('inactive')}）"


class UnitChoiceField(forms.TypedChoiceField):
    """The unit sold: the item's base unit (empty) or one of its pack units. Any id is passed on,
    so that the service says when a unit is not the item's."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, empty_value=None, required=False, **kwargs)

    def valid_value(self, value: Any) -> bool:
        return value in ("", None) or str(value).isdigit()


def unit_options(item: Item | None) -> list[tuple[str, str]]:
    """The choices of the unit sold for ``item``: its base unit, then each pack unit with its
    conversion (``盒（1 盒 = 10 支）``)."""
    if item is None:
        return [("", "---------")]
    options = [("", str(_("%(unit)s (base unit)") % {"unit": item.base_unit}))]
    for unit in PackUnit.objects.filter(item=item).order_by("factor", "pk"):
        factor = selectors.unit_factor_text(unit.factor)
        options.append((str(unit.pk), f"{unit.name}（1 {unit.name} = {factor} {item.base_unit}）"))
    return options


class ActiveField(forms.BooleanField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(label=_("Active"), required=False, **kwargs)


# --- products -------------------------------------------------------------------------------------


class ProductForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=32, help_text=_("Letters, digits, hyphens, e.g. R001.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    category = CategoryChoiceField(label=_("Category"), queryset=Category.objects.none())
    item = ItemChoiceField(
        label=_("Inventory item"),
        queryset=Item.objects.none(),
        help_text=_("The stock item the product is issued from."),
    )
    pack_unit = UnitChoiceField(
        label=_("Sold per"),
        help_text=_("The unit one sale is counted in; the retail price is per this unit."),
    )
    retail_price = forms.DecimalField(
        label=_("Retail price"), max_digits=14, decimal_places=2, help_text=_("Yuan per unit sold.")
    )
    is_prescription = forms.BooleanField(
        label=_("Prescription only"), required=False, help_text=_("Sold only on a doctor's prescription.")
    )
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = ActiveField()

    def __init__(self, *args: Any, actor: Any, editing: Product | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep_category = editing.category_id if editing is not None else None
        keep_item = editing.item_id if editing is not None else None
        self.fields["category"].queryset = organisation_objects(actor, Category).filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk=keep_category)
        )
        items = Item.objects.filter(organisation_id=actor.organisation_id).filter(
            Q(is_active=True) | Q(pk=keep_item)
        )
        self.fields["item"].queryset = items.order_by("code", "pk")  # type: ignore[attr-defined]
        self.fields["item"].widget.attrs.update(
            {
                "hx-get": reverse("catalog_products:unit_options"),
                "hx-target": "#id_pack_unit",
                "hx-swap": "innerHTML",
                "hx-trigger": "change",
                "data-testid": "item-select",
            }
        )
        self.fields["pack_unit"].choices = unit_options(self._chosen_item(items))  # type: ignore[attr-defined]
        if editing is None:
            del self.fields["is_active"]

    def _chosen_item(self, items: Any) -> Item | None:
        raw = self.data.get("item") if self.is_bound else self.initial.get("item")
        pk = raw.pk if isinstance(raw, Item) else raw
        if pk in (None, "") or not str(pk).isdigit() or not selectors.valid_pk(int(pk)):
            return None
        item: Item | None = items.filter(pk=int(pk)).first()
        return item


# --- packages -------------------------------------------------------------------------------------


class PackageForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=32, help_text=_("Letters, digits, hyphens, e.g. PKG001.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    category = CategoryChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("(none)")
    )
    price = forms.DecimalField(
        label=_("Package price"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Allocated to the components in proportion to their list value."),
    )
    validity_days = forms.IntegerField(
        label=_("Valid for (days)"),
        required=False,
        min_value=1,
        help_text=_("From purchase; empty: no expiry."),
    )
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_active = ActiveField()

    def __init__(self, *args: Any, actor: Any, editing: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = editing.category_id if editing is not None else None
        self.fields["category"].queryset = organisation_objects(actor, Category).filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk=keep)
        )
        if editing is None:
            del self.fields["is_active"]


class ComponentForm(forms.Form):
    """One row of the package editor: a project or product (``project:12`` / ``product:5``) and
    its quantity (sessions or units)."""

    target = forms.CharField(label=_("Project or product"), widget=forms.Select())
    quantity = forms.IntegerField(
        label=_("Quantity"), initial=1, widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"})
    )

    def __init__(self, *args: Any, choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].widget.choices = choices

    def clean_target(self) -> str:
        value = str(self.cleaned_data["target"])
        if not TARGET.match(value):
            raise forms.ValidationError(_("Choose a project or a product."))
        return value

    def component_values(self) -> dict[str, Any]:
        match = TARGET.match(self.cleaned_data["target"])
        assert match is not None  # noqa: S101 - checked by clean_target
        kind, pk = match.group(1), int(match.group(2))
        return {
            "kind": kind,
            "project_id": pk if kind == ComponentKind.PROJECT else None,
            "product_id": pk if kind == ComponentKind.PRODUCT else None,
            "quantity": self.cleaned_data["quantity"],
        }


def _sold_per(product: Product) -> str:
    return product.pack_unit.name if product.pack_unit else product.item.base_unit


def component_choices(actor: Any, keep: list[str] | None = None) -> list[Any]:
    """The editor's picker: active projects, then active products (and any inactive one a row
    already holds, marked), each with its list price per session or unit."""
    kept = [match.groups() for match in (TARGET.match(value) for value in keep or []) if match]
    keep_projects = [int(pk) for kind, pk in kept if kind == ComponentKind.PROJECT]
    keep_products = [int(pk) for kind, pk in kept if kind == ComponentKind.PRODUCT]
    projects = (
        organisation_objects(actor, Project)
        .filter(Q(is_active=True) | Q(pk__in=keep_projects))
        .order_by("code", "pk")
    )
    products = (
        selectors.products_for(actor)
        .filter(Q(is_active=True) | Q(pk__in=keep_products))
        .order_by("code", "pk")
    )
    inactive = f"（{_('inactive')}）"
    project_options = [
        (
            f"project:{p.pk}",
            f"{p.code} {p.name} · {format_cny(p.list_price)}/{pgettext('catalog', 'session')}"
            + ("" if p.is_active else inactive),
        )
        for p in projects
    ]
    product_options = [
        (
            f"product:{p.pk}",
            f"{p.code} {p.name} · {format_cny(p.retail_price)}/{_sold_per(p)}"
            + ("" if p.is_active else inactive),
        )
        for p in products
    ]
    return [
        ("", "---------"),
        (str(_("Projects")), project_options),
        (str(_("Products")), product_options),
    ]


def component_tokens(data: Any) -> list[str]:
    """The component rows a posted editor holds, in page order (``component`` repeats per row);
    malformed or repeated tokens are dropped, at most ``MAX_ROWS``."""
    seen: list[str] = []
    for token in data.getlist("component"):
        if TOKEN.match(token) and token not in seen:
            seen.append(token)
    return seen[:MAX_ROWS]
