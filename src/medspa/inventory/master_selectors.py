"""Reads of the inventory master data (INV-01, INV-02, SPD-01), restricted by the data scope.

Warehouses and bins are branch data seen through their warehouse's department: a department-scoped
storekeeper sees only her department's warehouses (central warehouses have none, so she does not
see them). Items, categories and companies are organisation reference data."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Case, CharField, Count, F, Model, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, LPad
from django.utils.translation import gettext as _

from medspa.accounts.models import User
from medspa.accounts.scope import scope_queryset
from medspa.core.errors import NotFound, ValidationError
from medspa.core.trees import tree_depth, tree_path
from medspa.inventory.barcodes import scan_key
from medspa.inventory.models import (
    Bin,
    Certificate,
    Company,
    Item,
    ItemBarcode,
    ItemCategory,
    PackUnit,
    StockLevel,
    Warehouse,
)

__all__ = [
    "CERTIFICATE_WARNING_DAYS",
    "barcode_get_for",
    "bin_get_for",
    "bins_for",
    "categories_for",
    "category_get_for",
    "category_path",
    "category_subtree_ids",
    "certificate_get_for",
    "certificate_status",
    "certificates_expiring_for",
    "certificates_for",
    "companies_for",
    "company_get_for",
    "item_for_scan",
    "item_get_for",
    "item_search",
    "items_for",
    "levels_for",
    "packunit_get_for",
    "stocklevel_get_for",
    "to_base_quantity",
    "unit_factor",
    "warehouse_get_for",
    "warehouses_for",
]

# A required certificate expiring within this many days is warned about when receiving.
CERTIFICATE_WARNING_DAYS = 30
QTY_PLACES = Decimal("0.001")
# The deepest ancestor a category row loads (the services cap the tree at 5 levels).
CATEGORY_ANCESTORS = ("parent", "parent__parent", "parent__parent__parent", "parent__parent__parent__parent")


def _one[M: Model](queryset: QuerySet[M], pk: int) -> M:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


# --- warehouses and bins (INV-01) -------------------------------------------------------------------


def warehouses_for(actor: User) -> QuerySet[Warehouse]:
    """Warehouses the actor sees: organisation scope — every branch; branch scope — the active
    branch; department scope — the active branch's warehouses of her department (and those below
    it); own scope — none."""
    queryset = Warehouse.objects.select_related("branch", "department").order_by("branch__code", "code", "pk")
    return scope_queryset(queryset, actor, branch="branch", department="department")


def warehouse_get_for(actor: User, pk: int) -> Warehouse:
    return _one(warehouses_for(actor), pk)


def bins_for(actor: User) -> QuerySet[Bin]:
    """Bin locations of the warehouses the actor sees."""
    queryset = Bin.objects.select_related("warehouse__branch").order_by("warehouse_id", "code", "pk")
    return scope_queryset(queryset, actor, branch="warehouse__branch", department="warehouse__department")


def bin_get_for(actor: User, pk: int) -> Bin:
    return _one(bins_for(actor), pk)


# --- categories -------------------------------------------------------------------------------------


def _tree_segment(path: str = "") -> Case | Concat:
    """``0000000010drug/`` for one level (sibling order zero-padded, then the code); ``""`` where
    the ancestor does not exist."""
    prefix = f"{path}__" if path else ""
    segment = Concat(
        LPad(Cast(F(f"{prefix}order"), output_field=CharField()), 10, Value("0")),
        F(f"{prefix}code"),
        Value("/"),
        output_field=CharField(),
    )
    if not path:
        return segment
    return Case(When(**{f"{path}__isnull": True}, then=Value("")), default=segment, output_field=CharField())


def categories_for(actor: User) -> QuerySet[ItemCategory]:
    """The organisation's category tree in tree order (``tree_key``), ancestors loaded so that
    paths and indentation render without further queries."""
    queryset = ItemCategory.objects.select_related(*CATEGORY_ANCESTORS).annotate(
        tree_key=Concat(
            *(_tree_segment(path) for path in reversed(CATEGORY_ANCESTORS)),
            _tree_segment(),
            output_field=CharField(),
        )
    )
    queryset = queryset.order_by("tree_key", "pk")
    return scope_queryset(queryset, actor, branch=None, organisation="organisation")


def category_get_for(actor: User, pk: int) -> ItemCategory:
    return _one(categories_for(actor), pk)


def category_path(category: ItemCategory | None, separator: str = " / ") -> str:
    """``药品 / 注射剂`` from the ancestors loaded by :func:`categories_for`."""
    return tree_path(category, separator)


def category_depth(category: ItemCategory) -> int:
    return tree_depth(category)


def category_subtree_ids(category_id: int) -> list[int]:
    """``category_id`` and the ids of every category below it (one query per level)."""
    ids, frontier = [category_id], [category_id]
    while frontier:
        frontier = list(
            ItemCategory.objects.filter(parent_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


# --- items (INV-02) ---------------------------------------------------------------------------------


def items_for(actor: User) -> QuerySet[Item]:
    """The organisation's item master with its category and manufacturer loaded."""
    queryset = Item.objects.select_related("category", "manufacturer").order_by("code", "pk")
    return scope_queryset(queryset, actor, branch=None, organisation="organisation")


def item_get_for(actor: User, pk: int) -> Item:
    """One item with its pack units and barcodes loaded (``levels_for`` gives its levels)."""
    queryset = (
        items_for(actor)
        .select_related("unpack_item")
        .prefetch_related(
            "pack_units",
            Prefetch("barcodes", queryset=ItemBarcode.objects.select_related("pack_unit").order_by("code")),
        )
    )
    return _one(queryset, pk)


def packunit_get_for(actor: User, pk: int) -> PackUnit:
    """A pack unit of an item the actor sees, its item loaded."""
    return _one(PackUnit.objects.select_related("item").filter(item__in=items_for(actor)), pk)


def barcode_get_for(actor: User, pk: int) -> ItemBarcode:
    """A barcode of an item the actor sees, its item and unit loaded."""
    queryset = ItemBarcode.objects.select_related("item", "pack_unit").filter(item__in=items_for(actor))
    return _one(queryset, pk)


def levels_for(actor: User, item: Item | None = None) -> QuerySet[StockLevel]:
    """Minimum and maximum stock per warehouse, for the warehouses the actor sees."""
    queryset = StockLevel.objects.select_related("warehouse__branch", "item").order_by(
        "warehouse__branch__code", "warehouse__code", "pk"
    )
    if item is not None:
        queryset = queryset.filter(item=item)
    return scope_queryset(queryset, actor, branch="warehouse__branch", department="warehouse__department")


def stocklevel_get_for(actor: User, pk: int) -> StockLevel:
    return _one(levels_for(actor), pk)


def search_condition(query: str) -> Q:
    """Items whose code, name, specification, pinyin (full or initials) or barcode matches
    ``query``; a scanned GS1 string or GTIN finds its item by the normalised GTIN-14."""
    text = query.strip()
    condition = (
        Q(code__icontains=text)
        | Q(name__icontains=text)
        | Q(specification__icontains=text)
        | Q(pinyin__contains=text.lower().replace(" ", ""))
    )
    key = scan_key(text)
    if key:
        condition |= Q(pk__in=ItemBarcode.objects.filter(code=key).values("item_id"))
    return condition


def item_search(actor: User, q: str, limit: int = 20) -> list[Item]:
    """Active items for a typeahead: an exact code or barcode first, then matches by code; pack
    units loaded. An empty query finds nothing."""
    text = (q or "").strip()[:100]
    if not text:
        return []
    limit = max(1, min(int(limit), 100))
    key = scan_key(text)
    exact = Q(code__iexact=text) | Q(pk__in=ItemBarcode.objects.filter(code=key).values("item_id"))
    queryset = (
        items_for(actor)
        .filter(is_active=True)
        .filter(search_condition(text))
        .annotate(exact=Count("pk", filter=exact))
        .order_by("-exact", "code", "pk")
        .prefetch_related("pack_units")
    )
    return list(queryset[:limit])


def item_for_scan(actor: User, code: str) -> tuple[Item, PackUnit | None] | None:
    """The item and pack level a scanned barcode stands for, or None when nobody has it."""
    key = scan_key(code)
    if not key:
        return None
    barcode = (
        ItemBarcode.objects.select_related("item", "pack_unit")
        .filter(code=key, item__in=items_for(actor))
        .first()
    )
    if barcode is None:
        return None
    return barcode.item, barcode.pack_unit


def unit_factor(item: Item, pack_unit_id: int | None) -> Decimal:
    """Base units in one ``pack_unit_id`` of ``item`` (1 for the base unit itself). Uses the
    prefetched pack units when loaded. A unit of another item is a ValidationError."""
    if pack_unit_id is None:
        return Decimal(1)
    for unit in item.pack_units.all():
        if unit.pk == pack_unit_id:
            return unit.factor
    raise ValidationError(
        _("%(item)s has no unit with id %(unit)s.") % {"item": item, "unit": pack_unit_id}, field="pack_unit"
    )


def to_base_quantity(item: Item, quantity: Decimal, pack_unit: PackUnit | int | None) -> Decimal:
    """``quantity`` typed in ``pack_unit`` (a PackUnit, its id, or None for the base unit) as
    base units, three decimals: 2 盒 × 10 → 20.000 支. A result with more than three decimals is
    refused rather than rounded."""
    pack_unit_id = pack_unit.pk if isinstance(pack_unit, PackUnit) else pack_unit
    if isinstance(pack_unit, PackUnit) and pack_unit.item_id != item.pk:
        raise ValidationError(
            _("%(item)s has no unit %(unit)s.") % {"item": item, "unit": pack_unit.name}, field="pack_unit"
        )
    base = Decimal(quantity) * unit_factor(item, pack_unit_id)
    if base != base.quantize(QTY_PLACES):
        raise ValidationError(
            _("%(quantity)s in this unit is not a whole number of thousandths of a %(unit)s.")
            % {"quantity": quantity, "unit": item.base_unit},
            field="quantity",
        )
    return base.quantize(QTY_PLACES)


# --- companies and certificates (SPD-01) ------------------------------------------------------------


def companies_for(actor: User) -> QuerySet[Company]:
    """Suppliers and manufacturers of the actor's organisation."""
    queryset = Company.objects.order_by("code", "pk")
    return scope_queryset(queryset, actor, branch=None, organisation="organisation")


def company_get_for(actor: User, pk: int) -> Company:
    queryset = companies_for(actor).prefetch_related(
        Prefetch("certificates", queryset=Certificate.objects.order_by("expires_on", "kind", "pk"))
    )
    return _one(queryset, pk)


def certificates_for(actor: User) -> QuerySet[Certificate]:
    """Certificates of the organisation's companies, soonest expiry first (no expiry last)."""
    queryset = Certificate.objects.select_related("company").order_by(
        F("expires_on").asc(nulls_last=True), "company__code", "pk"
    )
    return scope_queryset(queryset, actor, branch=None, organisation="company__organisation")


def certificate_get_for(actor: User, pk: int) -> Certificate:
    return _one(certificates_for(actor), pk)


def certificates_expiring_for(
    actor: User, *, within_days: int = CERTIFICATE_WARNING_DAYS, on: datetime.date
) -> QuerySet[Certificate]:
    """Certificates already expired on ``on`` or expiring within ``within_days`` after it."""
    horizon = on + datetime.timedelta(days=within_days)
    return certificates_for(actor).filter(expires_on__isnull=False, expires_on__lte=horizon)


def certificate_status(
    company: Company, on: datetime.date, *, within_days: int | None = None
) -> tuple[list[Certificate], list[Certificate]]:
    """(required certificates expired on ``on``, required certificates expiring within
    ``within_days`` after it — by default the organisation's ``inventory.certificate_warning_days``,
    30 unless changed). Receiving refuses the first and warns about the second. A certificate is
    valid through its expiry date."""
    if within_days is None:
        from medspa.configuration.params import param_value
        from medspa.inventory.params import CERTIFICATE_WARNING_DAYS as WARNING_PARAM

        within_days = int(param_value(WARNING_PARAM, organisation_id=company.organisation_id))
    horizon = on + datetime.timedelta(days=within_days)
    required = list(
        Certificate.objects.filter(company=company, is_required=True, expires_on__isnull=False).order_by(
            "expires_on", "pk"
        )
    )
    expired = [cert for cert in required if cert.expires_on is not None and cert.expires_on < on]
    expiring = [cert for cert in required if cert.expires_on is not None and on <= cert.expires_on <= horizon]
    return expired, expiring
