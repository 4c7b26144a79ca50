"""Coupons (券) — MKT-02: coupon types, issue batches, issued coupons and their history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from medspa.catalog.choices import CouponAction, CouponKind, CouponState, ValidityMode
from medspa.core.models import AuditedModel, BranchScopedModel


class CouponType(AuditedModel):
    """A kind of coupon: a voucher (``amount`` off when spending at least ``min_spend``), a discount
    coupon (pay ``discount_percent`` %), a friends-and-family coupon (a customer hands it on) or a
    staff coupon. It applies to everything, or to the listed projects, products and categories."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=CouponKind)
    amount = models.DecimalField(_("amount off"), max_digits=14, decimal_places=2, null=True, blank=True)
    discount_percent = models.DecimalField(_("pays %"), max_digits=5, decimal_places=2, null=True, blank=True)
    min_spend = models.DecimalField(_("minimum spend"), max_digits=14, decimal_places=2, default=0)
    applies_to_all = models.BooleanField(_("applies to everything"), default=False)
    projects = models.ManyToManyField(
        "catalog.Project", verbose_name=_("projects"), related_name="+", blank=True
    )
    products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("products"), related_name="+", blank=True
    )
    categories = models.ManyToManyField(
        "catalog.Category", verbose_name=_("categories"), related_name="+", blank=True
    )
    validity_mode = models.CharField(
        _("validity"), max_length=8, choices=ValidityMode, default=ValidityMode.FIXED
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    validity_days = models.PositiveIntegerField(_("valid for (days after issue)"), null=True, blank=True)
    is_stackable = models.BooleanField(_("combines with other offers"), default=False)
    per_customer_limit = models.PositiveIntegerField(
        _("per customer at most"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("coupon type")
        verbose_name_plural = _("coupon types")
        ordering = ["organisation_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="coupontype_code_unique_per_org"),
            models.CheckConstraint(
                condition=Q(amount__isnull=False, amount__gt=0, discount_percent__isnull=True)
                | Q(amount__isnull=True, discount_percent__gt=0, discount_percent__lt=100),
                name="coupontype_amount_or_percent",
            ),
            models.CheckConstraint(condition=Q(min_spend__gte=0), name="coupontype_min_spend_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="coupontype_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(per_customer_limit__isnull=True) | Q(per_customer_limit__gte=1),
                name="coupontype_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(validity_days__isnull=True) | Q(validity_days__gte=1),
                name="coupontype_validity_days_positive",
            ),
        ]
        permissions = [("export_coupontype", _("Can export coupon types"))]

    def __str__(self) -> str:
        return self.name


class BatchMode(models.TextChoices):
    """How a batch was issued."""

    ONE = "one", _("To one customer")
    BULK = "bulk", _("To a filtered list")
    CODES = "codes", _("As generated codes")


class CouponBatch(BranchScopedModel):
    """One issuing run: to one customer, to a filtered list of customers, or as generated codes.

    ``quantity`` is the number of coupons the run created. ``criteria`` records what was asked:
    the customer (and staff member) of a run to one customer; the customer list's filter, the
    coupons per customer and how many customers matched and were skipped (already at the type's
    per-customer limit) of a bulk run. ``idempotency_key`` (optional, unique) makes a repeated
    submit return this batch instead of issuing again."""

    coupon_type = models.ForeignKey(
        CouponType, verbose_name=_("coupon type"), on_delete=models.PROTECT, related_name="batches"
    )
    mode = models.CharField(_("issued as"), max_length=16, choices=BatchMode)
    quantity = models.PositiveIntegerField(_("coupons"))
    criteria = models.JSONField(_("customer filter"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("coupon batch")
        verbose_name_plural = _("coupon batches")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="couponbatch_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class Coupon(BranchScopedModel):
    """One issued coupon with its own code and state. A generated code has no customer until it is
    claimed; a friends-and-family coupon records who handed it on (``given_by``)."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    coupon_type = models.ForeignKey(
        CouponType, verbose_name=_("coupon type"), on_delete=models.PROTECT, related_name="coupons"
    )
    batch = models.ForeignKey(
        CouponBatch,
        verbose_name=_("batch"),
        on_delete=models.PROTECT,
        related_name="coupons",
        null=True,
        blank=True,
    )
    code = models.CharField(_("code"), max_length=32)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    staff = models.ForeignKey(
        "organization.Staff",
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    given_by = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("handed on by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    state = models.CharField(_("state"), max_length=16, choices=CouponState, default=CouponState.ISSUED)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)
    redeemed_ref = models.CharField(_("redeemed on"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="coupon_code_unique_per_org"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="coupon_valid_range",
            ),
        ]
        indexes = [models.Index(fields=["customer", "coupon_type", "state"], name="coupon_customer_type")]
        permissions = [
            ("issue_coupon", _("Can issue coupons")),
            ("void_coupon", _("Can void coupons")),
            ("redeem_coupon", _("Can redeem coupons")),
            ("export_coupon", _("Can export coupons")),
        ]

    def __str__(self) -> str:
        return self.code


class CouponEvent(models.Model):
    """One entry of a coupon's history (append-only): issued, claimed, handed on, redeemed,
    redemption reversed, expired, voided. ``customer`` is who holds the coupon after the entry
    (None: nobody yet, a generated code); replaying the entries in order gives the coupon's state
    and holder (``coupon_services.coupon_verify``). ``note`` carries the reason of a void or
    reversal and the reference of a redemption; ``idempotency_key`` (optional, unique) makes a
    repeated redemption return the first result."""

    coupon = models.ForeignKey(
        Coupon, verbose_name=_("coupon"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=16, choices=CouponAction)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("coupon event")
        verbose_name_plural = _("coupon events")
        ordering = ["coupon_id", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="couponevent_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coupon_id} {self.action}"
