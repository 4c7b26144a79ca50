"""Input shapes of the promotion pages; the services decide what is acceptable.

The edit form shows only the chosen kind's fields (Alpine.js); whatever belongs to another kind is
cleared here, so a value typed before switching the kind is not sent. Targets come from the
repeating-row editor as parallel lists (``target_role``, ``target_kind``, ``target_id``,
``target_quantity``); a row without a chosen target is ignored."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q
from django.forms.boundfield import BoundField
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.catalog.choices import PromotionKind, TargetRole
from medspa.catalog.models import Category, Package, Product, Project, Promotion
from medspa.catalog.promotion_services import KIND_FIELDS, KIND_ROLES, TARGET_FIELDS, TargetInput
from medspa.catalog.scope import organisation_objects
from medspa.customers.models import MemberLevel
from medspa.organization.models import Branch

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
_MODELS: dict[str, Any] = {"project": Project, "product": Product, "package": Package, "category": Category}
TARGET_KIND_LABELS = {
    "project": gettext_lazy("Project"),
    "product": gettext_lazy("Product"),
    "package": gettext_lazy("Package"),
    "category": gettext_lazy("Category (and below)"),
}
COMMON_FIELDS = (
    "code",
    "name",
    "kind",
    "starts_at",
    "ends_at",
    "priority",
    "is_exclusive",
    "new_customers_only",
    "is_active",
    "branches",
    "member_levels",
    "description",
)
WIDE_FIELDS = ("branches", "member_levels", "description")


def _datetime_field(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        help_text=gettext_lazy("Beijing time (Asia/Shanghai)."),
    )


def _money_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=14, decimal_places=2, required=False, widget=forms.NumberInput(), **kwargs
    )


def _checkbox() -> forms.CheckboxInput:
    return forms.CheckboxInput(attrs={"class": "form-check-input"})


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


class BranchesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Branch) -> str:
        return obj.name


class PromotionForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        help_text=gettext_lazy("Letters, digits, hyphens, e.g. M5000-05."),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=PromotionKind.choices,
        initial=PromotionKind.SPEND_SAVE,
        widget=forms.Select(attrs={"x-model": "kind", "data-testid": "kind"}),
    )
    starts_at = _datetime_field(gettext_lazy("Starts at"))
    ends_at = _datetime_field(gettext_lazy("Ends at"))
    priority = forms.IntegerField(
        label=gettext_lazy("Priority"),
        min_value=0,
        max_value=9999,
        initial=0,
        required=False,
        help_text=gettext_lazy("Higher is considered first."),
    )
    is_exclusive = forms.BooleanField(
        label=gettext_lazy("Exclusive (never combined with another promotion)"),
        required=False,
        widget=_checkbox(),
    )
    new_customers_only = forms.BooleanField(
        label=gettext_lazy("New customers only"), required=False, widget=_checkbox()
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, widget=_checkbox())
    branches = BranchesField(
        label=gettext_lazy("Branches"), queryset=Branch.objects.none(), required=False, widget=_checkboxes()
    )
    member_levels = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Member levels"),
        queryset=MemberLevel.objects.none(),
        required=False,
        widget=_checkboxes(),
        help_text=gettext_lazy("None ticked: every level."),
    )
    description = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    # spend X save Y
    threshold_amount = _money_field(gettext_lazy("Spend at least (¥)"))
    discount_amount = _money_field(gettext_lazy("Save (¥)"))
    is_repeatable = forms.BooleanField(
        label=gettext_lazy("Again for every multiple"),
        required=False,
        widget=_checkbox(),
        help_text=gettext_lazy("Spending twice the threshold saves twice."),
    )
    # percent off
    discount_percent = forms.DecimalField(
        label=gettext_lazy("Customer pays (%)"),
        max_digits=5,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(),
        help_text=gettext_lazy("80 means 20 percent off (8 折)."),
    )
    # bundle
    bundle_price = _money_field(
        gettext_lazy("Bundle price (¥)"), help_text=gettext_lazy("Below the components' list value.")
    )
    # buy X get Y free
    buy_quantity = forms.IntegerField(
        label=gettext_lazy("Quantity to buy"), min_value=1, max_value=999, required=False
    )
    get_quantity = forms.IntegerField(
        label=gettext_lazy("Quantity given free"), min_value=1, max_value=999, required=False
    )
    # the editor's rows arrive as lists; errors about them are shown on this field
    targets = forms.CharField(label=gettext_lazy("Targets"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, actor: Any, editing: Promotion | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.editing = editing
        keep_branches: list[int] = []
        keep_levels: list[int] = []
        if editing is None:
            del self.fields["is_active"]
        else:
            keep_branches = [b.pk for b in editing.branches.all()]
            keep_levels = [m.pk for m in editing.member_levels.all()]
        branches = organisation_objects(actor, Branch).filter(Q(is_active=True) | Q(pk__in=keep_branches))
        levels = organisation_objects(actor, MemberLevel).filter(Q(is_active=True) | Q(pk__in=keep_levels))
        cast(forms.ModelMultipleChoiceField, self.fields["branches"]).queryset = branches.order_by(
            "code", "pk"
        )
        cast(forms.ModelMultipleChoiceField, self.fields["member_levels"]).queryset = levels.order_by(
            "order", "pk"
        )

    # --- layout ---------------------------------------------------------------------------------

    def common_fields(self) -> list[BoundField]:
        return [self[name] for name in COMMON_FIELDS if name in self.fields]

    def kind_groups(self) -> list[dict[str, Any]]:
        """The fields of each kind, shown only while that kind is chosen."""
        return [
            {"kind": kind, "fields": [self[name] for name in names]} for kind, names in KIND_FIELDS.items()
        ]

    def current_kind(self) -> str:
        value = self["kind"].value()
        return str(value) if value in PromotionKind.values else PromotionKind.SPEND_SAVE.value

    # --- targets --------------------------------------------------------------------------------

    def _posted_rows(self) -> list[dict[str, str]]:
        """The editor's rows as sent, rows without a chosen target left out."""
        data: Any = self.data
        lists = [data.getlist(f"target_{part}") for part in ("role", "kind", "id", "quantity")]
        count = max((len(values) for values in lists), default=0)
        rows = []
        for index in range(count):
            role, kind, pk, quantity = (values[index] if index < len(values) else "" for values in lists)
            if pk.strip():
                rows.append(
                    {"role": role, "kind": kind, "id": pk.strip(), "quantity": quantity.strip() or "1"}
                )
        return rows

    def target_rows(self) -> list[dict[str, Any]]:
        """The rows the editor starts with: as sent, else the promotion's targets, else one empty row."""
        if self.is_bound:
            rows: list[dict[str, Any]] = self._posted_rows()
        else:
            rows = list(self.initial.get("target_rows", []))
        return rows or [{"role": "", "kind": "project", "id": "", "quantity": 1}]

    def _clean_targets(self, kind: str) -> list[TargetInput]:
        bundle = kind == PromotionKind.BUNDLE
        result = []
        for index, row in enumerate(self._posted_rows(), start=1):
            if row["kind"] not in TARGET_FIELDS:
                raise forms.ValidationError(
                    _("Row %(row)s: choose one project, product, package or category.") % {"row": index}
                )
            try:
                pk = int(row["id"])
            except ValueError:
                raise forms.ValidationError(
                    _("Row %(row)s: choose the target from the list.") % {"row": index}
                ) from None
            quantity = 1
            if bundle and row["role"] == TargetRole.BUNDLE:
                try:
                    quantity = int(row["quantity"])
                except ValueError:
                    raise forms.ValidationError(
                        _("Row %(row)s: the quantity must be a whole number.") % {"row": index}
                    ) from None
            result.append(TargetInput(role=row["role"], quantity=quantity, **{f"{row['kind']}_id": pk}))
        return result

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind") or ""
        for other, names in KIND_FIELDS.items():
            if other != kind:
                for name in names:
                    data[name] = False if name == "is_repeatable" else None
        try:
            data["targets"] = self._clean_targets(kind)
        except forms.ValidationError as exc:
            self.add_error("targets", exc)
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments = {
            name: data[name]
            for name in (
                "code",
                "name",
                "kind",
                "starts_at",
                "ends_at",
                "new_customers_only",
                "is_exclusive",
                "description",
                "targets",
            )
        }
        arguments["priority"] = data["priority"] if data["priority"] is not None else 0
        arguments["branch_ids"] = [b.pk for b in data["branches"]]
        arguments["member_level_ids"] = [m.pk for m in data["member_levels"]]
        for names in KIND_FIELDS.values():
            for name in names:
                arguments[name] = data[name]
        return arguments

    # --- the editor's data ----------------------------------------------------------------------

    def editor_data(self) -> dict[str, Any]:
        """What the Alpine editor needs: the kind, its rows, the roles per kind and the choices."""
        chosen: dict[str, set[int]] = {name: set() for name in TARGET_FIELDS}
        for row in self.target_rows():
            if row["kind"] in chosen and str(row["id"]).isdigit():
                chosen[row["kind"]].add(int(row["id"]))
        options: dict[str, list[dict[str, Any]]] = {}
        for name in TARGET_FIELDS:
            rows = (
                organisation_objects(self.actor, _MODELS[name])
                .filter(Q(is_active=True) | Q(pk__in=chosen[name]))
                .order_by("code", "pk")
                .values_list("pk", "code", "name")
            )
            options[name] = [{"id": str(pk), "label": f"{code} {label}"} for pk, code, label in rows]
        return {
            "kind": self.current_kind(),
            "rows": [{**row, "id": str(row["id"])} for row in self.target_rows()],
            "roles": {
                kind: [{"value": role, "label": str(TargetRole(role).label)} for role in roles]
                for kind, roles in KIND_ROLES.items()
            },
            "kinds": [{"value": name, "label": str(TARGET_KIND_LABELS[name])} for name in TARGET_FIELDS],
            "options": options,
        }


def initial_for(promotion: Promotion) -> dict[str, Any]:
    """The edit form's initial values from a promotion loaded by ``promotion_get_for``."""
    initial: dict[str, Any] = {
        name: getattr(promotion, name)
        for name in (*COMMON_FIELDS, *(n for names in KIND_FIELDS.values() for n in names))
        if name not in ("branches", "member_levels")
    }
    initial["branches"] = [b.pk for b in promotion.branches.all()]
    initial["member_levels"] = [m.pk for m in promotion.member_levels.all()]
    rows = []
    for target in promotion.targets.all():
        kind = next(name for name in TARGET_FIELDS if getattr(target, f"{name}_id") is not None)
        rows.append(
            {
                "role": target.role,
                "kind": kind,
                "id": getattr(target, f"{kind}_id"),
                "quantity": target.quantity,
            }
        )
    initial["target_rows"] = rows
    return initial


class PromotionCopyForm(forms.Form):
    """A copy for the next campaign: a new code, its name and window."""

    code = forms.CharField(label=gettext_lazy("New code"), max_length=32)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    starts_at = _datetime_field(gettext_lazy("Starts at"))
    ends_at = _datetime_field(gettext_lazy("Ends at"))
