"""One FilterSet per master list: it serves the page's filter bar and the API's query parameters."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medspa.inventory import master_selectors as selectors
from medspa.inventory.choices import CategoryKind, CertificateKind, WarehouseKind
from medspa.inventory.master_forms import CategoryChoiceField, DepartmentChoiceField
from medspa.inventory.models import Bin, Certificate, Company, Item, ItemCategory, Warehouse
from medspa.organization import selectors as org_selectors
from medspa.organization.models import Branch, Department

ACTIVE_CHOICES = [("true", _("Active")), ("false", _("Inactive"))]
YES_NO = [("true", _("Yes")), ("false", _("No"))]
ROLE_CHOICES = [("supplier", _("Supplier")), ("manufacturer", _("Manufacturer"))]
MAX_WITHIN_DAYS = 3650


def _branches(request: Any) -> QuerySet[Branch]:
    return org_selectors.branches_for(request.user) if request is not None else Branch.objects.none()


def _departments(request: Any) -> QuerySet[Department]:
    if request is None:
        return Department.objects.none()
    return org_selectors.departments_for(request.user)


def _categories(request: Any) -> QuerySet[ItemCategory]:
    return selectors.categories_for(request.user) if request is not None else ItemCategory.objects.none()


def _manufacturers(request: Any) -> QuerySet[Company]:
    if request is None:
        return Company.objects.none()
    return selectors.companies_for(request.user).filter(is_manufacturer=True)


class DepartmentChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = DepartmentChoiceField


class CategoryChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = CategoryChoiceField


class ActiveFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    is_active = django_filters.ChoiceFilter(
        label=_("State"), choices=ACTIVE_CHOICES, method="filter_active", empty_label=_("All")
    )

    search_fields: tuple[str, ...] = ("code", "name")

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)

    def filter_active(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(is_active=value == "true")


def _flag(label: Any, field: str) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(
        label=label,
        choices=YES_NO,
        empty_label=_("All"),
        method=lambda qs, _name, value: qs.filter(**{field: value == "true"}),
    )


class WarehouseFilterSet(ActiveFilterSet):
    search_fields = ("code", "name", "address")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=WarehouseKind.choices, empty_label=_("All"))
    branch = django_filters.ModelChoiceFilter(label=_("Branch"), queryset=_branches)
    department = DepartmentChoiceFilter(label=_("Department"), queryset=_departments)

    class Meta:
        model = Warehouse
        fields: list[str] = []


class BinFilterSet(ActiveFilterSet):
    class Meta:
        model = Bin
        fields: list[str] = []


class CategoryFilterSet(ActiveFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CategoryKind.choices, empty_label=_("All"))

    class Meta:
        model = ItemCategory
        fields: list[str] = []


class ItemFilterSet(ActiveFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Code, name, pinyin, initials or barcode."),
    )
    category = CategoryChoiceFilter(
        label=_("Category"),
        queryset=_categories,
        method="filter_category",
        help_text=_("Sub-categories included."),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), field_name="category__kind", choices=CategoryKind.choices, empty_label=_("All")
    )
    manufacturer = django_filters.ModelChoiceFilter(label=_("Manufacturer"), queryset=_manufacturers)
    is_lot_tracked = _flag(_("Lot tracked"), "is_lot_tracked")
    is_expiry_tracked = _flag(_("Expiry tracked"), "is_expiry_tracked")
    is_serial_tracked = _flag(_("Serial tracked"), "is_serial_tracked")

    class Meta:
        model = Item
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        return queryset.filter(selectors.search_condition(value)) if value else queryset

    def filter_category(
        self, queryset: QuerySet[Any], name: str, value: ItemCategory | None
    ) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(category_id__in=selectors.category_subtree_ids(value.pk))


class CompanyFilterSet(ActiveFilterSet):
    search_fields = ("code", "name", "pinyin", "credit_code", "contact")
    role = django_filters.ChoiceFilter(
        label=_("Role"), choices=ROLE_CHOICES, method="filter_role", empty_label=_("All")
    )

    class Meta:
        model = Company
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        compact = value.lower().replace(" ", "")
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(pinyin__contains=compact)
            | Q(credit_code__icontains=value)
            | Q(contact__icontains=value)
        )

    def filter_role(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(**{f"is_{value}": True})


class CertificateFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CertificateKind.choices, empty_label=_("All"))

    class Meta:
        model = Certificate
        fields: list[str] = []


class CertificateExpiryFilterSet(django_filters.FilterSet):
    """The certificate expiry query (资质效期查询): expired, or expiring within N days (30 unless
    given); by kind, required-ness and the company's role."""

    within_days = django_filters.NumberFilter(
        label=_("Expiring within (days)"), method="filter_within", min_value=0, max_value=MAX_WITHIN_DAYS
    )
    q = django_filters.CharFilter(label=_("Company"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CertificateKind.choices, empty_label=_("All"))
    is_required = django_filters.ChoiceFilter(
        label=_("Required for receiving"), choices=YES_NO, empty_label=_("All"), method="filter_required"
    )
    role = django_filters.ChoiceFilter(
        label=_("Role"), choices=ROLE_CHOICES, method="filter_role", empty_label=_("All")
    )

    class Meta:
        model = Certificate
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        data = data.copy() if data is not None else {}
        if not data.get("within_days"):
            data["within_days"] = str(selectors.CERTIFICATE_WARNING_DAYS)
        super().__init__(data, *args, **kwargs)

    def filter_within(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        horizon = timezone.localdate() + datetime.timedelta(days=int(value))
        return queryset.filter(expires_on__isnull=False, expires_on__lte=horizon)

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        compact = value.lower().replace(" ", "")
        return queryset.filter(
            Q(company__code__icontains=value)
            | Q(company__name__icontains=value)
            | Q(company__pinyin__contains=compact)
        )

    def filter_required(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(is_required=value == "true")

    def filter_role(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(**{f"company__is_{value}": True})
