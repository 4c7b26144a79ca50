"""Discount settings and discount authority (CAT-06), and commission plans (CAT-07)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from medspa.catalog.choices import CommissionBasis, CommissionKind
from medspa.core.models import AuditedModel


class DiscountRule(AuditedModel):
    """How far a project, product or category (and everything below it) may be discounted: never
    (``never_discount``) or down to ``min_percent`` % of its price at most (产品折扣设置). The most
    specific rule wins: the item's own, then its category's, then the parent categories'."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    project = models.ForeignKey(
        "catalog.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    never_discount = models.BooleanField(_("never discounted"), default=False)
    min_percent = models.DecimalField(
        _("lowest price %"),
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text=_("e.g. 80: at most 20 percent off"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("discount rule")
        verbose_name_plural = _("discount rules")
        ordering = ["organisation_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=False, product__isnull=True, category__isnull=True)
                | Q(project__isnull=True, product__isnull=False, category__isnull=True)
                | Q(project__isnull=True, product__isnull=True, category__isnull=False),
                name="discountrule_one_target",
            ),
            models.CheckConstraint(
                condition=Q(min_percent__gte=0, min_percent__lte=100), name="discountrule_percent_range"
            ),
            models.UniqueConstraint(
                fields=["organisation", "project"],
                condition=Q(project__isnull=False),
                name="discountrule_project_unique",
            ),
            models.UniqueConstraint(
                fields=["organisation", "product"],
                condition=Q(product__isnull=False),
                name="discountrule_product_unique",
            ),
            models.UniqueConstraint(
                fields=["organisation", "category"],
                condition=Q(category__isnull=False),
                name="discountrule_category_unique",
            ),
        ]
        permissions = [("export_discountrule", _("Can export discount rules"))]

    def __str__(self) -> str:
        return f"{self.min_percent}%"


class DiscountAuthority(AuditedModel):
    """How far a role may discount by hand without approval (e.g. 咨询师 90 %, 院长 70 %). A user's
    authority is the lowest ``min_percent`` of her roles; without any row she may not discount."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.ForeignKey("auth.Group", verbose_name=_("role"), on_delete=models.CASCADE, related_name="+")
    min_percent = models.DecimalField(_("lowest price %"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("discount authority")
        verbose_name_plural = _("discount authorities")
        ordering = ["organisation_id", "min_percent"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "role"], name="discountauthority_unique"),
            models.CheckConstraint(
                condition=Q(min_percent__gte=0, min_percent__lte=100), name="discountauthority_percent_range"
            ),
        ]
        permissions = [("export_discountauthority", _("Can export discount authorities"))]

    def __str__(self) -> str:
        return f"{self.role_id}: {self.min_percent}%"


class CommissionPlan(AuditedModel):
    """A commission rule (提成设置) for a position on a project, a product, a card type or a
    category (none: everything), effective from a date: a percentage of cash or consumption
    performance, or a fixed amount per session."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=CommissionKind)
    position = models.ForeignKey(
        "organization.Position", verbose_name=_("position"), on_delete=models.PROTECT, related_name="+"
    )
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
    card_type = models.ForeignKey(
        "catalog.CardType",
        verbose_name=_("card type"),
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
    basis = models.CharField(_("basis"), max_length=16, choices=CommissionBasis)
    rate_percent = models.DecimalField(_("rate %"), max_digits=5, decimal_places=2, null=True, blank=True)
    fixed_amount = models.DecimalField(
        _("amount per session"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("commission plan")
        verbose_name_plural = _("commission plans")
        ordering = ["organisation_id", "kind", "-effective_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(basis="per_session", fixed_amount__gte=0, rate_percent__isnull=True)
                | (
                    ~Q(basis="per_session")
                    & Q(fixed_amount__isnull=True, rate_percent__gte=0, rate_percent__lte=100)
                ),
                name="commissionplan_rate_or_amount",
            ),
        ]
        permissions = [("export_commissionplan", _("Can export commission plans"))]

    def __str__(self) -> str:
        return self.name
