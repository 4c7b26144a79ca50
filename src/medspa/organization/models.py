"""Organisation → branch. Departments, positions and staff arrive with the platform issue."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from medspa.core.models import TimeStampedModel


class Organisation(TimeStampedModel):
    """A hospital or clinic group: the tenant that owns branches, staff and customers."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Branch(TimeStampedModel):
    """A campus or store (院区/门店); every business record belongs to one branch — PLT-01."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="branches"
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["organisation_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="branch_code_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.name
