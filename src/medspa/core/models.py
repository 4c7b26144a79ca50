"""Shared model building blocks and the kernel's own tables.

Every business table derives from :class:`BranchScopedModel` (or at least :class:`AuditedModel`),
so it carries ``branch``, ``created_at/created_by`` and ``updated_at/updated_by``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds ``created_at`` and ``updated_at``, both aware datetimes set by the database layer."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditedModel(TimeStampedModel):
    """Adds who created and who last changed the row; services fill both from ``actor``."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        abstract = True


class BranchScopedModel(AuditedModel):
    """A business record that belongs to exactly one branch (院区/门店) — PLT-01."""

    branch = models.ForeignKey(
        "organization.Branch",
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True


class WorkerHeartbeat(models.Model):
    """The last sign of life of one background worker process, read by ``/healthz``."""

    worker_id = models.CharField(_("worker id"), max_length=64, unique=True)
    hostname = models.CharField(_("host name"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"))
    last_seen_at = models.DateTimeField(_("last seen at"), db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"


class DocumentCounter(models.Model):
    """The last number handed out per branch, document type and day — PLT-09. Only
    :func:`medspa.core.numbering.next_number` touches it, under a row lock in the caller's
    transaction, so numbers are gap-free and unique."""

    branch = models.ForeignKey(
        "organization.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    doc_type = models.CharField(_("document type"), max_length=16)
    day = models.DateField(_("day"))
    last_value = models.PositiveBigIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints = [
            models.UniqueConstraint(fields=["branch", "doc_type", "day"], name="documentcounter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.doc_type}-{self.day:%Y%m%d}: {self.last_value}"
