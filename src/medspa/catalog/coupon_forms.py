"""Input shapes of the coupon pages; the services decide what is acceptable. Field names follow
the services' parameters so that their errors land on the right field."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from medspa.catalog import coupon_selectors as selectors
from medspa.catalog.choices import CouponKind, ValidityMode
from medspa.catalog.coupon_services import MAX_CODES, MAX_PER_CUSTOMER
from medspa.catalog.models import Category, CouponType, Product, Project
from medspa.organization.models import Staff

VALIDITY_CHOICES = [
    (ValidityMode.FIXED, _("Between fixed dates")),
    (ValidityMode.DAYS, _("A number of days from issue")),
]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _tom_select() -> forms.SelectMultiple:
    return forms.SelectMultiple(attrs={"data-tom-select": ""})


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class IdempotencyField(forms.CharField):
    """A hidden key drawn when the form is shown: submitting the same form twice (a double click,
    a reload) issues once."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required=False, max_length=64, widget=forms.HiddenInput(), initial=new_idempotency_key, **kwargs
        )


class CodeNameChoiceField(forms.ModelMultipleChoiceField):
    """Projects, products and categories labelled ``P001 玻尿酸填充-鼻部``."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class CouponTypeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=32, help_text=_("Letters, digits, hyphens, e.g. NEW200.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=CouponKind.choices, initial=CouponKind.VOUCHER)
    amount = forms.DecimalField(
        label=_("Amount off"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("In yuan, e.g. 200."),
    )
    discount_percent = forms.DecimalField(
        label=_("Pays %"),
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text=_("The share of the price the customer pays: 90 means 10 percent off."),
    )
    min_spend = forms.DecimalField(
        label=_("Minimum spend"),
        max_digits=14,
        decimal_places=2,
        required=False,
        initial=0,
        help_text=_("Usable only when the applicable items cost at least this much; 0: always."),
    )
    applies_to_all = forms.BooleanField(label=_("Applies to everything"), required=False)
    project_ids = CodeNameChoiceField(
        label=_("Projects"), queryset=Project.objects.none(), required=False, widget=_tom_select()
    )
    product_ids = CodeNameChoiceField(
        label=_("Products"), queryset=Product.objects.none(), required=False, widget=_tom_select()
    )
    category_ids = CodeNameChoiceField(
        label=_("Categories"),
        queryset=Category.objects.none(),
        required=False,
        widget=_tom_select(),
        help_text=_("A category includes everything below it."),
    )
    validity_mode = forms.ChoiceField(
        label=_("Validity"), choices=VALIDITY_CHOICES, initial=ValidityMode.DAYS
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=_date_input())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=_date_input())
    validity_days = forms.IntegerField(
        label=_("Valid for (days after issue)"), required=False, min_value=1, max_value=36500
    )
    per_customer_limit = forms.IntegerField(
        label=_("Per customer at most"), required=False, min_value=1, help_text=_("Empty: no limit.")
    )
    is_stackable = forms.BooleanField(label=_("Combines with other offers"), required=False)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, actor: Any, editing: CouponType | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = selectors.coupon_scope_choices(actor)
        for field, key, attr in (
            ("project_ids", "projects", "projects"),
            ("product_ids", "products", "products"),
            ("category_ids", "categories", "categories"),
        ):
            keep = list(getattr(editing, attr).values_list("pk", flat=True)) if editing is not None else []
            self.fields[field].queryset = choices[key].filter(Q(is_active=True) | Q(pk__in=keep))  # type: ignore[attr-defined]
        if editing is None:
            del self.fields["is_active"]
        # Alpine shows the fields of the chosen kind and validity; hidden ones are disabled and so
        # not submitted.
        self.fields["kind"].widget.attrs["x-model"] = "kind"
        self.fields["validity_mode"].widget.attrs["x-model"] = "mode"
        self.fields["applies_to_all"].widget.attrs["x-model"] = "all"
        self.fields["amount"].widget.attrs["x-bind:disabled"] = "kind === 'discount'"
        self.fields["discount_percent"].widget.attrs["x-bind:disabled"] = "kind !== 'discount'"
        for name in ("valid_from", "valid_to"):
            self.fields[name].widget.attrs["x-bind:disabled"] = "mode !== 'fixed'"
        self.fields["validity_days"].widget.attrs["x-bind:disabled"] = "mode !== 'days'"


def _coupon_types(actor: Any, *, kinds: tuple[str, ...] | None = None) -> Any:
    queryset = selectors.coupon_types_for(actor).filter(is_active=True)
    return queryset.filter(kind__in=kinds) if kinds is not None else queryset


class CouponTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CouponType) -> str:
        return f"{obj.code} {obj.name}"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return str(obj)


class IssueForm(forms.Form):
    """Issue to one customer (or, for a staff coupon, to one staff member)."""

    coupon_type_id = CouponTypeChoiceField(label=_("Coupon type"), queryset=CouponType.objects.none())
    customer_id = forms.IntegerField(
        label=_("Customer no"),
        required=False,
        min_value=1,
        help_text=_("Find the customer below, or type her customer number."),
    )
    staff_id = StaffChoiceField(
        label=_("Staff member"),
        queryset=Staff.objects.none(),
        required=False,
        help_text=_("Staff coupons only: who receives it (the customer is then optional)."),
    )
    quantity = forms.IntegerField(label=_("Coupons"), min_value=1, max_value=MAX_PER_CUSTOMER, initial=1)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    idempotency_key = IdempotencyField()

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coupon_type_id"].queryset = _coupon_types(actor)  # type: ignore[attr-defined]
        self.fields["staff_id"].queryset = selectors.coupon_staff_choices(actor)  # type: ignore[attr-defined]


class BulkIssueForm(forms.Form):
    """Issue to every customer the filter above the form matches."""

    coupon_type_id = CouponTypeChoiceField(label=_("Coupon type"), queryset=CouponType.objects.none())
    quantity = forms.IntegerField(
        label=_("Coupons per customer"), min_value=1, max_value=MAX_PER_CUSTOMER, initial=1
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    idempotency_key = IdempotencyField()

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coupon_type_id"].queryset = _coupon_types(  # type: ignore[attr-defined]
            actor, kinds=(CouponKind.VOUCHER, CouponKind.DISCOUNT, CouponKind.FRIENDS)
        )


class GenerateForm(forms.Form):
    """Generate codes nobody holds yet."""

    coupon_type_id = CouponTypeChoiceField(label=_("Coupon type"), queryset=CouponType.objects.none())
    quantity = forms.IntegerField(label=_("Codes"), min_value=1, max_value=MAX_CODES, initial=100)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    idempotency_key = IdempotencyField()

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coupon_type_id"].queryset = _coupon_types(  # type: ignore[attr-defined]
            actor, kinds=(CouponKind.VOUCHER, CouponKind.DISCOUNT, CouponKind.FRIENDS)
        )


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class TransferForm(forms.Form):
    to_customer_id = forms.IntegerField(
        label=_("Hand on to customer no"),
        min_value=1,
        required=False,
        help_text=_("Find the relative or friend below, or type her customer number."),
    )
