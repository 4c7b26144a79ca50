"""Card types (卡项) — MKT-01: session, combination, N-choose-M and stored-value cards."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from medspa.catalog.choices import CardKind, ValidityMode
from medspa.core.models import AuditedModel


class CardType(AuditedModel):
    """A kind of card the clinic sells.

    * session card (次卡): ``total_sessions`` sessions of the one project in ``items``;
    * combination card (组合卡): fixed sessions of several projects (each ``items`` row's ``sessions``);
    * N-choose-M card (N选M卡): a pool of N projects (``items``), ``total_sessions`` (M) in total
      across them, optionally at most ``sessions`` of each (a per-project cap);
    * stored-value card (储值卡): pay ``price``, receive ``price`` as principal plus
      ``bonus_amount`` as bonus, kept apart; ``discounts`` are category discounts when paying with it.
    """

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    pinyin = models.CharField(_("pinyin"), max_length=400, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CardKind)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    total_sessions = models.PositiveIntegerField(_("sessions in total"), null=True, blank=True)
    bonus_amount = models.DecimalField(_("bonus"), max_digits=14, decimal_places=2, default=0)
    validity_mode = models.CharField(
        _("validity"), max_length=8, choices=ValidityMode, default=ValidityMode.DAYS
    )
    validity_days = models.PositiveIntegerField(_("valid for (days)"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_transferable = models.BooleanField(_("transferable"), default=False)
    is_shareable = models.BooleanField(_("shareable with family members"), default=False)
    max_shared_members = models.PositiveSmallIntegerField(_("family members at most"), default=0)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("card type")
        verbose_name_plural = _("card types")
        ordering = ["organisation_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="cardtype_code_unique_per_org"),
            models.CheckConstraint(condition=Q(price__gte=0), name="cardtype_price_not_negative"),
            models.CheckConstraint(condition=Q(bonus_amount__gte=0), name="cardtype_bonus_not_negative"),
            models.CheckConstraint(
                condition=Q(total_sessions__isnull=True) | Q(total_sessions__gte=1),
                name="cardtype_total_sessions_positive",
            ),
            models.CheckConstraint(
                condition=Q(validity_days__isnull=True) | Q(validity_days__gte=1),
                name="cardtype_validity_days_positive",
            ),
        ]
        permissions = [("export_cardtype", _("Can export card types"))]

    def __str__(self) -> str:
        return self.name


class CardTypeItem(models.Model):
    """A project of a card type: its sessions (session and combination cards) or its cap (N-choose-M,
    None: no cap)."""

    card_type = models.ForeignKey(
        CardType, verbose_name=_("card type"), on_delete=models.CASCADE, related_name="items"
    )
    project = models.ForeignKey(
        "catalog.Project", verbose_name=_("project"), on_delete=models.PROTECT, related_name="+"
    )
    sessions = models.PositiveIntegerField(_("sessions"), null=True, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("card project")
        verbose_name_plural = _("card projects")
        ordering = ["card_type_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["card_type", "project"], name="cardtypeitem_unique"),
            models.CheckConstraint(
                condition=Q(sessions__isnull=True) | Q(sessions__gte=1), name="cardtypeitem_sessions_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} × {self.sessions}"


class CardTypeDiscount(models.Model):
    """A stored-value card's discount on a category when paying with the card (e.g. 皮肤管理 85 %)."""

    card_type = models.ForeignKey(
        CardType, verbose_name=_("card type"), on_delete=models.CASCADE, related_name="discounts"
    )
    category = models.ForeignKey(
        "catalog.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    discount_percent = models.DecimalField(_("pays %"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("card discount")
        verbose_name_plural = _("card discounts")
        ordering = ["card_type_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["card_type", "category"], name="cardtypediscount_unique"),
            models.CheckConstraint(
                condition=Q(discount_percent__gt=0, discount_percent__lte=100),
                name="cardtypediscount_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.discount_percent}%"
