"""Input shapes of the policy pages; the services decide what is acceptable."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from medspa.catalog.choices import CommissionBasis, CommissionKind
from medspa.catalog.models import CardType, Category, CommissionPlan, Product, Project
from medspa.catalog.policy_selectors import TargetKind
from medspa.catalog.scope import organisation_objects
from medspa.organization.models import Position

RULE_TARGET_CHOICES = [
    (TargetKind.PROJECT, _("Project")),
    (TargetKind.PRODUCT, _("Product")),
    (TargetKind.CATEGORY, _("Category")),
]
PLAN_TARGET_CHOICES = [
    (TargetKind.ALL, _("Everything")),
    (TargetKind.PROJECT, _("Project")),
    (TargetKind.PRODUCT, _("Product")),
    (TargetKind.CARD_TYPE, _("Card type")),
    (TargetKind.CATEGORY, _("Category")),
]
TARGET_FIELDS = ("project", "product", "card_type", "category")


class CodedChoiceField(forms.ModelChoiceField):
    """A project, product or card type labelled ``P001 双眼皮手术``."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class CategoryChoiceField(forms.ModelChoiceField):
    """A category labelled with its path: ``注射美容 / 玻尿酸`` (the parents are loaded)."""

    def label_from_instance(self, obj: Any) -> str:
        names, node, seen = [], obj, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = self.parents.get(node.parent_id) if node.parent_id else None
        return " / ".join(reversed(names))

    parents: dict[int, Any] = {}


def _active_or_current(queryset: QuerySet[Any], current: Model | None) -> QuerySet[Any]:
    if current is None:
        return queryset.filter(is_active=True)
    return queryset.filter(Q(is_active=True) | Q(pk=current.pk))


def _category_field(actor: Any, field: CategoryChoiceField, current: Model | None) -> None:
    categories = organisation_objects(actor, Category)
    field.parents = {category.pk: category for category in categories}
    field.queryset = _active_or_current(categories, current).order_by("order", "code", "pk")


def _pickers(form: forms.Form, actor: Any, current: Any) -> None:
    """Targets of the actor's organisation (active ones, and the row's current one)."""
    for name, model in (("project", Project), ("product", Product), ("card_type", CardType)):
        if name in form.fields:
            queryset = organisation_objects(actor, model).order_by("code", "pk")
            field = form.fields[name]
            field.queryset = _active_or_current(  # type: ignore[attr-defined]
                queryset, getattr(current, name, None) if current is not None else None
            )
    _category_field(
        actor,
        form.fields["category"],  # type: ignore[arg-type]
        getattr(current, "category", None) if current is not None else None,
    )


class TargetFormMixin:
    """``target_kind`` says which of the pickers counts; the others are ignored."""

    cleaned_data: dict[str, Any]
    fields: dict[str, Any]

    def clean_target(self) -> None:
        kind = self.cleaned_data.get("target_kind")
        if kind in TARGET_FIELDS and self.cleaned_data.get(kind) is None:
            self.add_error(kind, _("Choose the %(target)s.") % {"target": self.fields[kind].label})  # type: ignore[attr-defined]

    def target_ids(self) -> dict[str, int | None]:
        """``{"project_id": 3, "product_id": None, …}`` for the chosen kind of target."""
        kind = self.cleaned_data.get("target_kind")
        ids: dict[str, int | None] = {}
        for name in TARGET_FIELDS:
            if name in self.fields:
                value = self.cleaned_data.get(name)
                ids[f"{name}_id"] = value.pk if value is not None and kind == name else None
        return ids


def _target_initial(obj: Any, default: str) -> str:
    for name in TARGET_FIELDS:
        if getattr(obj, f"{name}_id", None) is not None:
            return name
    return default


class DiscountRuleForm(TargetFormMixin, forms.Form):
    target_kind = forms.ChoiceField(
        label=_("Set on"),
        choices=RULE_TARGET_CHOICES,
        initial=TargetKind.PROJECT,
        widget=forms.Select(attrs={"x-model": "target"}),
    )
    project = CodedChoiceField(label=_("Project"), queryset=Project.objects.none(), required=False)
    product = CodedChoiceField(label=_("Product"), queryset=Product.objects.none(), required=False)
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        help_text=_("The rule also applies to everything below the category that has no rule of its own."),
    )
    never_discount = forms.BooleanField(
        label=_("Never discounted"), required=False, widget=forms.CheckboxInput(attrs={"x-model": "never"})
    )
    min_percent = forms.DecimalField(
        label=_("Lowest price %"),
        required=False,
        max_digits=5,
        decimal_places=2,
        help_text=_("e.g. 80: at most 20 percent off (8 折). Leave empty when never discounted."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, actor: Any, editing: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _pickers(self, actor, editing)
        if editing is not None:
            self.initial.setdefault("target_kind", _target_initial(editing, TargetKind.PROJECT))
            if editing.never_discount:
                self.initial["min_percent"] = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.clean_target()
        return cleaned


class DiscountAuthorityForm(forms.Form):
    min_percent = forms.DecimalField(
        label=_("Lowest price %"),
        max_digits=5,
        decimal_places=2,
        help_text=_(
            "Holders of the role may discount by hand down to this percentage of the price without approval "
            "(90 = 9 折)."
        ),
    )


class CommissionPlanForm(TargetFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=CommissionKind.choices)
    position = forms.ModelChoiceField(label=_("Position"), queryset=Position.objects.none())
    target_kind = forms.ChoiceField(
        label=_("Set on"),
        choices=PLAN_TARGET_CHOICES,
        initial=TargetKind.ALL,
        widget=forms.Select(attrs={"x-model": "target"}),
    )
    project = CodedChoiceField(label=_("Project"), queryset=Project.objects.none(), required=False)
    product = CodedChoiceField(label=_("Product"), queryset=Product.objects.none(), required=False)
    card_type = CodedChoiceField(
        label=_("Card type"),
        queryset=CardType.objects.none(),
        required=False,
        help_text=_("Member-card commission only."),
    )
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        help_text=_("Applies to everything below the category that has no more specific plan."),
    )
    basis = forms.ChoiceField(
        label=_("Basis"),
        choices=CommissionBasis.choices,
        widget=forms.Select(attrs={"x-model": "basis"}),
        help_text=_(
            "Sales: cash or consumption performance; operator: per session or consumption; "
            "member-card and prepayment: cash."
        ),
    )
    rate_percent = forms.DecimalField(
        label=_("Rate %"),
        required=False,
        max_digits=5,
        decimal_places=2,
        help_text=_("Percentage bases only."),
    )
    fixed_amount = forms.DecimalField(
        label=_("Amount per session"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("Fixed amount per session only."),
    )
    effective_from = forms.DateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    effective_to = forms.DateField(
        label=_("Effective to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: until further notice."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, actor: Any, editing: CommissionPlan | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _pickers(self, actor, editing)
        positions = organisation_objects(actor, Position).order_by("order", "code", "pk")
        self.fields["position"].queryset = _active_or_current(
            positions, editing.position if editing is not None else None
        )
        if editing is None:
            del self.fields["is_active"]
        else:
            self.initial.setdefault("target_kind", _target_initial(editing, TargetKind.ALL))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.clean_target()
        return cleaned
