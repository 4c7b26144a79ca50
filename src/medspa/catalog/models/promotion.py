"""Promotions (促销) — MKT-03: package-type (a bundle at a special price) and rule-type (spend X save
Y, % off, buy X get Y free)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from medspa.catalog.choices import PromotionKind, TargetRole
from medspa.core.models import AuditedModel


class Promotion(AuditedModel):
    """A promotion valid from ``starts_at`` (included) to ``ends_at`` (excluded) in the listed
    branches, for the listed member levels (none: every level), optionally for new customers only.
    Higher ``priority`` is considered first; an exclusive promotion never combines with another.
    The fields of the other kinds stay empty (the services refuse them).

    * bundle: the ``bundle`` targets bought together cost ``bundle_price``;
    * spend_save (满减): spending ``threshold_amount`` on the ``scope`` targets saves
      ``discount_amount`` (each multiple again when ``is_repeatable``);
    * category_percent: the ``scope`` targets cost ``discount_percent`` % of their price;
    * buy_get: buying ``buy_quantity`` of a ``buy`` target gives ``get_quantity`` of a ``get`` target free.
    """

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=PromotionKind)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    branches = models.ManyToManyField(
        "organization.Branch", verbose_name=_("branches"), related_name="+", blank=True
    )
    member_levels = models.ManyToManyField(
        "customers.MemberLevel", verbose_name=_("member levels"), related_name="+", blank=True
    )
    new_customers_only = models.BooleanField(_("new customers only"), default=False)
    priority = models.IntegerField(_("priority"), default=0)
    is_exclusive = models.BooleanField(_("exclusive"), default=False)
    threshold_amount = models.DecimalField(
        _("spend at least"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    discount_amount = models.DecimalField(_("save"), max_digits=14, decimal_places=2, null=True, blank=True)
    is_repeatable = models.BooleanField(_("for every multiple"), default=False)
    discount_percent = models.DecimalField(_("pays %"), max_digits=5, decimal_places=2, null=True, blank=True)
    bundle_price = models.DecimalField(
        _("bundle price"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    buy_quantity = models.PositiveIntegerField(_("buy"), null=True, blank=True)
    get_quantity = models.PositiveIntegerField(_("get free"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["organisation_id", "-priority", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="promotion_code_unique_per_org"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="promotion_window"),
            models.CheckConstraint(
                condition=Q(threshold_amount__isnull=True) | Q(threshold_amount__gt=0),
                name="promotion_threshold_positive",
            ),
            models.CheckConstraint(
                condition=Q(discount_amount__isnull=True) | Q(discount_amount__gt=0),
                name="promotion_discount_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__isnull=True)
                | Q(discount_percent__gt=0, discount_percent__lt=100),
                name="promotion_discount_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(bundle_price__isnull=True) | Q(bundle_price__gt=0),
                name="promotion_bundle_price_positive",
            ),
            models.CheckConstraint(
                condition=Q(buy_quantity__isnull=True) | Q(buy_quantity__gte=1),
                name="promotion_buy_quantity_positive",
            ),
            models.CheckConstraint(
                condition=Q(get_quantity__isnull=True) | Q(get_quantity__gte=1),
                name="promotion_get_quantity_positive",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "is_active", "ends_at"], name="promotion_active_idx")]
        permissions = [("export_promotion", _("Can export promotions"))]

    def __str__(self) -> str:
        return self.name


class PromotionTarget(models.Model):
    """What a promotion applies to: a project, a product, a package or a category (with everything
    below it), in a role (scope, buy, get, bundle component with its quantity)."""

    promotion = models.ForeignKey(
        Promotion, verbose_name=_("promotion"), on_delete=models.CASCADE, related_name="targets"
    )
    role = models.CharField(_("role"), max_length=8, choices=TargetRole, default=TargetRole.SCOPE)
    project = models.ForeignKey(
        "catalog.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    package = models.ForeignKey(
        "catalog.Package",
        verbose_name=_("package"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)

    class Meta:
        verbose_name = _("promotion target")
        verbose_name_plural = _("promotion targets")
        ordering = ["promotion_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    project__isnull=False, product__isnull=True, package__isnull=True, category__isnull=True
                )
                | Q(project__isnull=True, product__isnull=False, package__isnull=True, category__isnull=True)
                | Q(project__isnull=True, product__isnull=True, package__isnull=False, category__isnull=True)
                | Q(project__isnull=True, product__isnull=True, package__isnull=True, category__isnull=False),
                name="promotiontarget_one_target",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="promotiontarget_quantity_positive"),
            models.UniqueConstraint(
                fields=["promotion", "role", "project"],
                condition=Q(project__isnull=False),
                name="promotiontarget_unique_project",
            ),
            models.UniqueConstraint(
                fields=["promotion", "role", "product"],
                condition=Q(product__isnull=False),
                name="promotiontarget_unique_product",
            ),
            models.UniqueConstraint(
                fields=["promotion", "role", "package"],
                condition=Q(package__isnull=False),
                name="promotiontarget_unique_package",
            ),
            models.UniqueConstraint(
                fields=["promotion", "role", "category"],
                condition=Q(category__isnull=False),
                name="promotiontarget_unique_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.promotion_id} {self.role}"
