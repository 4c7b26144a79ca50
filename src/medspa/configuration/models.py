"""Dictionaries (PLT-06), system parameters (PLT-07) and visit-flow stages (PLT-08)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from medspa.configuration.choices import DictionaryKind
from medspa.core.models import AuditedModel


class DictionaryItem(AuditedModel):
    """One entry of an organisation's dictionaries (基础设置): a payment method, a channel, a tag…
    ``kind`` says which list it belongs to; tree kinds (product categories, channels) nest through
    ``parent``, and a tag's parent is its tag group. Rules per kind: ``dictionaries.KIND_SPECS``."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DictionaryKind.choices)
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
    colour = models.CharField(_("colour"), max_length=16, blank=True)
    multiple = models.BooleanField(
        _("multiple choice"), default=False, help_text=_("A customer may carry several tags of this group.")
    )

    class Meta:
        verbose_name = _("dictionary item")
        verbose_name_plural = _("dictionary items")
        ordering = ["organisation_id", "kind", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "code"], name="dictionaryitem_code_unique_per_org_kind"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "kind", "order"], name="dictionaryitem_list_idx")]
        permissions = [("export_dictionaryitem", _("Can export dictionary items"))]

    def __str__(self) -> str:
        return self.name


class ParameterValue(AuditedModel):
    """A system parameter (系统参数) set for an organisation (``branch`` empty) or overridden for one
    branch. Parameters without a row take their default from the registry in ``params``."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    branch = models.ForeignKey(
        "organization.Branch",
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    key = models.CharField(_("key"), max_length=100)
    value = models.JSONField(_("value"))

    class Meta:
        verbose_name = _("system parameter")
        verbose_name_plural = _("system parameters")
        ordering = ["organisation_id", "key", "branch_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key"],
                condition=models.Q(branch__isnull=True),
                name="parametervalue_unique_per_org",
            ),
            models.UniqueConstraint(
                fields=["organisation", "branch", "key"],
                condition=models.Q(branch__isnull=False),
                name="parametervalue_unique_per_branch",
            ),
        ]
        # A value is set or reset (back to the default), never added or deleted as such.
        default_permissions = ("view", "change")
        permissions = [("export_parametervalue", _("Can export system parameters"))]

    def __str__(self) -> str:
        return self.key


class VisitStage(AuditedModel):
    """One stage of a customer's visit (项目流程): arrive → triage → consult → … → leave, in ``order``."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("visit stage")
        verbose_name_plural = _("visit stages")
        ordering = ["organisation_id", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="visitstage_code_unique_per_org"),
        ]
        permissions = [("export_visitstage", _("Can export visit stages"))]

    def __str__(self) -> str:
        return self.name
