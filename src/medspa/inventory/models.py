"""Inventory core (INV-01…10): warehouses and bins, the item master, suppliers and manufacturers
with their certificates, lots and serials, the one stock ledger, stock documents, stocktakes,
the monthly close and stock alerts.

The ledger is :class:`StockMove` (append-only, signed quantities in the item's base unit, no
running balance) and :class:`StockBalance` (the cached quantity per warehouse, bin, item, lot and
owner, updated in the same transaction as the move under a row lock, never negative). Only
:func:`medspa.inventory.ledger.post_moves` writes either; ``medspa manage inventory_verify`` proves
that every balance equals the sum of its moves.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from medspa.core.models import AuditedModel, BranchScopedModel, TimeStampedModel
from medspa.inventory.choices import (
    AlertKind,
    CategoryKind,
    CertificateKind,
    CloseStatus,
    DocumentStatus,
    DocumentType,
    InboundKind,
    IssueKind,
    MoveType,
    StocktakeStatus,
    StorageCondition,
    WarehouseKind,
)

# Quantities: 14 digits, 3 places, in the item's base unit. Money: 14 digits, 2 places. Unit cost
# per base unit keeps four places so that splitting a box into units (1 box at 15.00 → 10 units
# at 1.5000) loses nothing; values are rounded to the fen only when shown or summed.


# --- places ---------------------------------------------------------------------------------------


class Warehouse(BranchScopedModel):
    """A warehouse (库房) — INV-01: the central warehouse of a branch or a department's secondary
    warehouse (二级库). A department storekeeper sees only her department's warehouses."""

    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=WarehouseKind, default=WarehouseKind.CENTRAL)
    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="warehouses",
        null=True,
        blank=True,
    )
    address = models.CharField(_("location"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["branch_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "code"], name="warehouse_code_unique_per_branch"),
        ]

    def __str__(self) -> str:
        return self.name


class Bin(AuditedModel):
    """A bin location (货位) inside a warehouse — INV-01."""

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="bins"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("bin location")
        verbose_name_plural = _("bin locations")
        ordering = ["warehouse_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="bin_code_unique_per_warehouse"),
        ]

    def __str__(self) -> str:
        return self.code


# --- item master ----------------------------------------------------------------------------------


class ItemCategory(AuditedModel):
    """A node of the item category tree (产品分类) of an organisation; each root has a kind
    (drug, low-value or high-value consumable, goods, material) that its children inherit."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=CategoryKind)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("item category")
        verbose_name_plural = _("item categories")
        ordering = ["organisation_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="itemcategory_code_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class Company(AuditedModel):
    """A supplier (经销商/供应商) or manufacturer (生产企业) — the seed's 机构 — with a list of
    qualification certificates. Receiving from a supplier whose required certificate has expired
    is refused."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    pinyin = models.CharField(_("pinyin"), max_length=400, blank=True, db_index=True)
    is_supplier = models.BooleanField(_("supplier"), default=True)
    is_manufacturer = models.BooleanField(_("manufacturer"), default=False)
    credit_code = models.CharField(_("unified social credit code"), max_length=32, blank=True)
    contact = models.CharField(_("contact person"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("supplier or manufacturer")
        verbose_name_plural = _("suppliers and manufacturers")
        ordering = ["organisation_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="company_code_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class Certificate(AuditedModel):
    """One qualification certificate (资质证照) of a company: number, scope and expiry. A
    ``required`` certificate gates receiving: expired → refused, expiring within 30 days → warned."""

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="certificates"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=CertificateKind)
    number = models.CharField(_("certificate no"), max_length=64)
    scope = models.CharField(_("scope"), max_length=500, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True, help_text=_("Empty: no expiry."))
    is_required = models.BooleanField(_("required for receiving"), default=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["company_id", "expires_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "number"], name="certificate_unique_per_company"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Item(AuditedModel):
    """An item of the master (产品信息) — INV-02: a drug, consumable, goods or material, counted
    in its base unit. ``unpack_item`` / ``unpack_quantity`` say what one unit of it becomes when
    unpacked (INV-08: 1 box → 10 vials)."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    pinyin = models.CharField(_("pinyin"), max_length=400, blank=True, db_index=True)
    specification = models.CharField(_("specification"), max_length=200, blank=True)
    base_unit = models.CharField(_("base unit"), max_length=16)
    category = models.ForeignKey(
        ItemCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="items"
    )
    manufacturer = models.ForeignKey(
        Company,
        verbose_name=_("manufacturer"),
        on_delete=models.PROTECT,
        related_name="manufactured_items",
        null=True,
        blank=True,
    )
    registration_no = models.CharField(_("registration certificate no"), max_length=64, blank=True)
    registration_expires_on = models.DateField(_("registration expires on"), null=True, blank=True)
    storage_condition = models.CharField(
        _("storage condition"), max_length=16, choices=StorageCondition, default=StorageCondition.ROOM
    )
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    purchase_price = models.DecimalField(
        _("default purchase price"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Per base unit."),
    )
    is_lot_tracked = models.BooleanField(_("lot tracked"), default=True)
    is_expiry_tracked = models.BooleanField(_("expiry tracked"), default=True)
    is_serial_tracked = models.BooleanField(_("serial tracked (high value)"), default=False)
    unpack_item = models.ForeignKey(
        "self",
        verbose_name=_("unpacks into"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    unpack_quantity = models.DecimalField(
        _("units per unpacked unit"), max_digits=14, decimal_places=3, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["organisation_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="item_code_unique_per_org"),
            models.CheckConstraint(
                condition=Q(unpack_item__isnull=True) | Q(unpack_quantity__gt=0),
                name="item_unpack_quantity_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.specification}".strip()


class PackUnit(models.Model):
    """A pack level of an item (包装单位): ``factor`` base units make one (1 盒 = 10 支; 1 箱 =
    100 支). Quantities typed in a pack unit are converted to base units before posting."""

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="pack_units"
    )
    name = models.CharField(_("unit"), max_length=16)
    factor = models.DecimalField(_("base units per unit"), max_digits=14, decimal_places=3)

    class Meta:
        verbose_name = _("pack unit")
        verbose_name_plural = _("pack units")
        ordering = ["item_id", "factor"]
        constraints = [
            models.UniqueConstraint(fields=["item", "name"], name="packunit_name_unique_per_item"),
            models.CheckConstraint(condition=Q(factor__gt=0), name="packunit_factor_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class ItemBarcode(models.Model):
    """A UDI-DI / GTIN (or other barcode) of an item, tied to a pack level (empty: the base
    unit); unique within the organisation so that a scan finds exactly one item."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="barcodes")
    code = models.CharField(_("barcode / GTIN"), max_length=64)
    pack_unit = models.ForeignKey(
        PackUnit,
        verbose_name=_("pack unit"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("barcode")
        verbose_name_plural = _("barcodes")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="itembarcode_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.code


class StockLevel(models.Model):
    """Minimum and maximum stock of an item in one warehouse (INV-02/INV-09): below the minimum
    is a shortage, above the maximum an overstock."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="levels")
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="levels"
    )
    min_quantity = models.DecimalField(_("minimum"), max_digits=14, decimal_places=3, default=Decimal(0))
    max_quantity = models.DecimalField(_("maximum"), max_digits=14, decimal_places=3, null=True, blank=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["item", "warehouse"], name="stocklevel_unique"),
            models.CheckConstraint(condition=Q(min_quantity__gte=0), name="stocklevel_min_non_negative"),
            models.CheckConstraint(
                condition=Q(max_quantity__isnull=True) | Q(max_quantity__gte=F("min_quantity")),
                name="stocklevel_max_not_below_min",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.warehouse_id}"


# --- lots and serials -----------------------------------------------------------------------------


class Lot(TimeStampedModel):
    """A lot (批次) of an item at one unit cost — INV-03. Valuation is by lot cost: the same batch
    number received at another price is another lot row (a cost layer) with the same batch no.
    Items that are not lot-tracked get lots with an empty batch number, one per cost."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="lots")
    batch_no = models.CharField(_("batch no"), max_length=40, blank=True)
    production_date = models.DateField(_("production date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True, db_index=True)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=16, decimal_places=4)
    supplier = models.ForeignKey(
        Company, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["item_id", "expiry_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "batch_no", "unit_cost"], name="lot_unique_cost_layer"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="lot_unit_cost_non_negative"),
        ]

    def __str__(self) -> str:
        return self.batch_no or "—"


class Serial(TimeStampedModel):
    """One serial-numbered unit of a serial-tracked (high-value) item; the serial is unique per
    item. ``warehouse`` is where it is now (empty once issued for usage, scrapped or lost)."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="serials")
    serial_no = models.CharField(_("serial no"), max_length=40)
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="serials")
    warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("warehouse"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("serial number")
        verbose_name_plural = _("serial numbers")
        constraints = [
            models.UniqueConstraint(fields=["item", "serial_no"], name="serial_unique_per_item"),
        ]

    def __str__(self) -> str:
        return self.serial_no


# --- the ledger -----------------------------------------------------------------------------------


class StockBalance(models.Model):
    """The quantity on hand per warehouse, bin, item, lot and owner (the hospital when ``owner``
    is empty, else the consignment supplier). A cache of Σ ``StockMove.quantity`` kept in the same
    transaction as every move; the check constraint makes a negative balance impossible."""

    branch = models.ForeignKey(
        "organization.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="balances"
    )
    bin = models.ForeignKey(
        Bin, verbose_name=_("bin location"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="balances")
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="balances")
    owner = models.ForeignKey(
        Company, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3, default=Decimal(0))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(
                F("warehouse"),
                Coalesce("bin", 0),
                F("item"),
                F("lot"),
                Coalesce("owner", 0),
                name="stockbalance_unique_key",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stockbalance_quantity_non_negative"),
        ]
        indexes = [models.Index(fields=["item", "warehouse"], name="stockbalance_item_wh")]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.lot_id}@{self.warehouse_id}: {self.quantity}"


class StockMove(models.Model):
    """One append-only ledger entry (库存流水) — INV-10: a signed quantity in the item's base unit
    at the lot's unit cost, written by a posted document. Corrections are new reversing moves;
    there is no running balance here (balances come from :class:`StockBalance`, or from the last
    monthly close plus the moves since)."""

    branch = models.ForeignKey(
        "organization.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    # Warehouse, item and lot lead the composite indexes below and get no single-column index of
    # their own: every index costs each INSERT into the ledger's hottest table.
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    bin = models.ForeignKey(
        Bin, verbose_name=_("bin location"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="moves", db_index=False
    )
    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="moves", db_index=False
    )
    serial = models.ForeignKey(
        Serial,
        verbose_name=_("serial no"),
        on_delete=models.PROTECT,
        related_name="moves",
        null=True,
        blank=True,
    )
    owner = models.ForeignKey(
        Company, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=16, decimal_places=4)
    move_type = models.CharField(_("move type"), max_length=16, choices=MoveType)
    document_type = models.CharField(_("document type"), max_length=16)
    document_id = models.PositiveBigIntegerField(_("document id"))
    document_number = models.CharField(_("document no"), max_length=32)
    posted_at = models.DateTimeField(_("posted at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="stockmove_quantity_non_zero")]
        indexes = [
            models.Index(fields=["warehouse", "posted_at"], name="stockmove_wh_posted"),
            models.Index(fields=["item", "posted_at"], name="stockmove_item_posted"),
            models.Index(fields=["lot", "posted_at"], name="stockmove_lot_posted"),
            models.Index(fields=["document_type", "document_id"], name="stockmove_document"),
        ]

    def __str__(self) -> str:
        return f"{self.document_number} {self.item_id} {self.quantity}"


# --- documents ------------------------------------------------------------------------------------


class StockDocument(BranchScopedModel):
    """A stock document — purchase receipt, other inbound, issue, transfer or unpacking
    (INV-04…06, 08): draft → submitted → approved (where configured) → posted. A posted document
    is never edited; it is cancelled by posting a reversing document (``reverses``)."""

    doc_type = models.CharField(_("document type"), max_length=16, choices=DocumentType)
    number = models.CharField(_("document no"), max_length=32)
    status = models.CharField(
        _("status"), max_length=16, choices=DocumentStatus, default=DocumentStatus.DRAFT
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="documents"
    )
    to_warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("to warehouse"),
        on_delete=models.PROTECT,
        related_name="incoming_documents",
        null=True,
        blank=True,
    )
    supplier = models.ForeignKey(
        Company, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    inbound_kind = models.CharField(_("inbound kind"), max_length=16, choices=InboundKind, blank=True)
    issue_kind = models.CharField(_("issue kind"), max_length=16, choices=IssueKind, blank=True)
    invoice_no = models.CharField(_("invoice no"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        related_name="reversed_by",
        null=True,
        blank=True,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True, db_index=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("stock document")
        verbose_name_plural = _("stock documents")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "number"], name="stockdocument_number_unique"),
        ]
        indexes = [models.Index(fields=["doc_type", "status", "-created_at"], name="stockdoc_type_status")]
        permissions = [
            ("approve_stockdocument", _("Can approve stock documents")),
            ("post_stockdocument", _("Can post stock documents")),
        ]

    def __str__(self) -> str:
        return self.number


class StockDocumentLine(models.Model):
    """One line of a stock document. ``quantity`` is typed in ``pack_unit`` (empty: the base
    unit); ``base_quantity`` is the same amount in base units. ``unit_price`` is per typed unit
    (receipts). Lot, expiry and serial are typed or scanned on inbound lines and chosen (FEFO
    suggested) on outbound lines; ``lot`` is filled when the line is posted."""

    document = models.ForeignKey(
        StockDocument, verbose_name=_("document"), on_delete=models.CASCADE, related_name="lines"
    )
    line_no = models.PositiveIntegerField(_("line"))
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    pack_unit = models.ForeignKey(
        PackUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    base_quantity = models.DecimalField(_("quantity in base units"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=16, decimal_places=4, null=True, blank=True)
    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    batch_no = models.CharField(_("batch no"), max_length=40, blank=True)
    production_date = models.DateField(_("production date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    serial_no = models.CharField(_("serial no"), max_length=40, blank=True)
    bin = models.ForeignKey(
        Bin, verbose_name=_("bin location"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    to_bin = models.ForeignKey(
        Bin, verbose_name=_("to bin"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    owner = models.ForeignKey(
        Company, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("document line")
        verbose_name_plural = _("document lines")
        ordering = ["document_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["document", "line_no"], name="stockdocumentline_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stockdocumentline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.line_no}"


class Stocktake(BranchScopedModel):
    """A stocktake (盘点单) — INV-07: the book quantities of a warehouse are snapshotted, counts
    are typed or scanned, and on approval by someone other than the counter the differences are
    posted as gain and loss moves."""

    number = models.CharField(_("document no"), max_length=32)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="stocktakes"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=StocktakeStatus, default=StocktakeStatus.COUNTING
    )
    snapshot_at = models.DateTimeField(_("snapshot at"))
    category = models.ForeignKey(
        ItemCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty: every item of the warehouse; else this category and those below it."),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "number"], name="stocktake_number_unique"),
        ]
        permissions = [("approve_stocktake", _("Can approve stocktakes"))]

    def __str__(self) -> str:
        return self.number


class StocktakeLine(models.Model):
    """One counted position of a stocktake: the book quantity at the snapshot and the count
    (empty until counted; an uncounted line counts as zero when submitted)."""

    stocktake = models.ForeignKey(
        Stocktake, verbose_name=_("stocktake"), on_delete=models.CASCADE, related_name="lines"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    bin = models.ForeignKey(
        Bin, verbose_name=_("bin location"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    owner = models.ForeignKey(
        Company, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    book_quantity = models.DecimalField(_("book quantity"), max_digits=14, decimal_places=3)
    counted_quantity = models.DecimalField(
        _("counted quantity"), max_digits=14, decimal_places=3, null=True, blank=True
    )

    class Meta:
        verbose_name = _("stocktake line")
        verbose_name_plural = _("stocktake lines")
        ordering = ["stocktake_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                F("stocktake"),
                F("item"),
                F("lot"),
                Coalesce("bin", 0),
                Coalesce("owner", 0),
                name="stocktakeline_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(counted_quantity__isnull=True) | Q(counted_quantity__gte=0),
                name="stocktakeline_count_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stocktake_id}: {self.item_id}/{self.lot_id}"


# --- monthly close and alerts ---------------------------------------------------------------------


class MonthClose(AuditedModel):
    """The monthly close (月结) of one warehouse: its lines hold the closing quantity and value
    per item, lot and owner at the end of ``month``. Postings dated inside a closed month are
    refused; reopening (the latest close only) is its own permission and is audited."""

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="closes"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the closed month."))
    status = models.CharField(_("status"), max_length=16, choices=CloseStatus, default=CloseStatus.CLOSED)
    closing_value = models.DecimalField(
        _("closing value"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    closed_at = models.DateTimeField(_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("closed by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("monthly close")
        verbose_name_plural = _("monthly closes")
        ordering = ["warehouse_id", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "month"], name="monthclose_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthclose_first_day"),
        ]
        permissions = [("reopen_monthclose", _("Can reopen a closed month"))]

    def __str__(self) -> str:
        return f"{self.warehouse_id} {self.month:%Y-%m}"


class MonthCloseLine(models.Model):
    """The closing quantity and value of one item, lot and owner in a monthly close."""

    close = models.ForeignKey(
        MonthClose, verbose_name=_("close"), on_delete=models.CASCADE, related_name="lines"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        Company, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("monthly close line")
        verbose_name_plural = _("monthly close lines")
        constraints = [
            models.UniqueConstraint(
                F("close"), F("item"), F("lot"), Coalesce("owner", 0), name="monthcloseline_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.close_id}: {self.item_id}/{self.lot_id} {self.quantity}"


class StockAlert(TimeStampedModel):
    """An in-app stock alert for storekeepers (INV-09), created by the daily task: shortage,
    overstock, near expiry, expired, or a supplier certificate about to expire. One per subject,
    kind and day, so re-running the task adds nothing."""

    branch = models.ForeignKey(
        "organization.Branch", verbose_name=_("branch"), on_delete=models.CASCADE, related_name="+"
    )
    warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("warehouse"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    certificate = models.ForeignKey(
        Certificate,
        verbose_name=_("certificate"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind)
    day = models.DateField(_("day"))
    message = models.CharField(_("message"), max_length=300)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("read by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("stock alert")
        verbose_name_plural = _("stock alerts")
        ordering = ["-day", "-pk"]
        constraints = [
            models.UniqueConstraint(
                F("branch"),
                Coalesce("warehouse", 0),
                Coalesce("item", 0),
                Coalesce("lot", 0),
                Coalesce("certificate", 0),
                F("kind"),
                F("day"),
                name="stockalert_unique_per_day",
            ),
        ]

    def __str__(self) -> str:
        return self.message


__all__ = [
    "Bin",
    "Certificate",
    "Company",
    "Item",
    "ItemBarcode",
    "ItemCategory",
    "Lot",
    "MonthClose",
    "MonthCloseLine",
    "PackUnit",
    "Serial",
    "StockAlert",
    "StockBalance",
    "StockDocument",
    "StockDocumentLine",
    "StockLevel",
    "StockMove",
    "Stocktake",
    "StocktakeLine",
    "Warehouse",
]
