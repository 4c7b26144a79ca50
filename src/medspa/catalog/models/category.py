"""The catalog category tree (产品分类) shared by projects, products and packages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from medspa.core.models import AuditedModel


class Category(AuditedModel):
    """A node of the organisation's catalog category tree (e.g. 注射美容 / 肉毒素). Promotions,
    coupons, discount rules and commission plans may target a category and everything below it."""

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
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("catalog category")
        verbose_name_plural = _("catalog categories")
        ordering = ["organisation_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="catalogcategory_code_unique_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.name
