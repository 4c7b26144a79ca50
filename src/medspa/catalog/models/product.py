"""Products (CAT-02) and packages (CAT-03)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from medspa.catalog.choices import ComponentKind
from medspa.core.models import AuditedModel


class Product(AuditedModel):
    """A retail good or drug (物品登记) sold over the counter, linked to the inventory item it is
    issued from. ``pack_unit`` is the unit it is sold in (None: the item's base unit) and
    ``retail_price`` is the price of one such unit. At most one active product sells an item in
    one unit."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    pinyin = models.CharField(_("pinyin"), max_length=400, blank=True, db_index=True)
    category = models.ForeignKey(
        "catalog.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    item = models.ForeignKey(
        "inventory.Item", verbose_name=_("inventory item"), on_delete=models.PROTECT, related_name="+"
    )
    pack_unit = models.ForeignKey(
        "inventory.PackUnit",
        verbose_name=_("sold per"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    retail_price = models.DecimalField(_("retail price"), max_digits=14, decimal_places=2)
    is_prescription = models.BooleanField(_("prescription only"), default=False)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["organisation_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="product_code_unique_per_org"),
            models.CheckConstraint(condition=Q(retail_price__gte=0), name="product_price_not_negative"),
            # one active product per inventory item and unit sold (the base unit counts as unit 0)
            models.UniqueConstraint(
                F("item"),
                Coalesce(F("pack_unit"), Value(0)),
                condition=Q(is_active=True),
                name="product_one_active_per_item_unit",
            ),
        ]
        permissions = [("export_product", _("Can export products"))]

    def __str__(self) -> str:
        return self.name


class Package(AuditedModel):
    """A package (套餐): sessions of projects and quantities of products sold together at one
    price. The price is allocated to the components in proportion to their list value, and the
    allocation is stored on each :class:`PackageComponent` (refunds and consumption revenue use it)."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    pinyin = models.CharField(_("pinyin"), max_length=400, blank=True, db_index=True)
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="packages",
        null=True,
        blank=True,
    )
    price = models.DecimalField(_("package price"), max_digits=14, decimal_places=2)
    validity_days = models.PositiveIntegerField(
        _("valid for (days)"), null=True, blank=True, help_text=_("Empty: no expiry.")
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        ordering = ["organisation_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="package_code_unique_per_org"),
            models.CheckConstraint(condition=Q(price__gte=0), name="package_price_not_negative"),
        ]
        permissions = [("export_package", _("Can export packages"))]

    def __str__(self) -> str:
        return self.name


class PackageComponent(models.Model):
    """One component of a package: ``quantity`` sessions of a project or units of a product, its
    list value then (``list_price`` × quantity) and the share of the package price allocated to it."""

    package = models.ForeignKey(
        Package, verbose_name=_("package"), on_delete=models.CASCADE, related_name="components"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ComponentKind)
    project = models.ForeignKey(
        "catalog.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    list_price = models.DecimalField(_("unit list price"), max_digits=14, decimal_places=2)
    allocated_amount = models.DecimalField(_("allocated amount"), max_digits=14, decimal_places=2)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("package component")
        verbose_name_plural = _("package components")
        ordering = ["package_id", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="project", project__isnull=False, product__isnull=True)
                | Q(kind="product", product__isnull=False, project__isnull=True),
                name="packagecomponent_one_target",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="packagecomponent_quantity_positive"),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0), name="packagecomponent_allocation_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(list_price__gte=0), name="packagecomponent_list_price_not_negative"
            ),
            models.UniqueConstraint(
                fields=["package", "project"],
                condition=Q(project__isnull=False),
                name="packagecomponent_project_once",
            ),
            models.UniqueConstraint(
                fields=["package", "product"],
                condition=Q(product__isnull=False),
                name="packagecomponent_product_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} × {self.quantity}"
