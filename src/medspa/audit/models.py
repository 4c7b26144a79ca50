"""The operation log (操作日志) — AUD-01…03. Append-only and hash-chained."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from medspa.audit.choices import Result


class AppendOnlyError(RuntimeError):
    """Audit events are never updated or deleted (only the retention purge removes old rows)."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Refuses ``update()`` and ``delete()``; the retention purge uses :meth:`_purge_delete`."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit events cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

    def _purge_delete(self) -> int:
        """Delete these rows. Only ``medspa.audit.services.audit_purge`` calls this."""
        deleted, _counts = models.QuerySet.delete(self)
        return deleted


AuditEventManager = models.Manager.from_queryset(AuditEventQuerySet)


class AuditEvent(models.Model):
    """One audited action. ``hash`` = SHA-256(previous row's hash + this row's canonical content),
    so changing or deleting any row breaks the chain from there on (``medspa audit verify``).
    Rows are never updated or deleted (a PostgreSQL trigger refuses it), except the retention purge
    of rows older than the retention period."""

    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        null=True,
        blank=True,
    )
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    organisation_id = models.BigIntegerField(_("organisation"), null=True, blank=True, db_index=True)
    branch = models.ForeignKey(
        "organization.Branch",
        verbose_name=_("branch"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        null=True,
        blank=True,
    )
    module = models.CharField(_("module"), max_length=50, db_index=True)
    action = models.CharField(_("action"), max_length=50, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True, db_index=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, default=Result.SUCCESS)
    message = models.CharField(_("message"), max_length=300, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEventManager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-pk"]
        default_permissions = ("view",)
        permissions = [("export_auditevent", _("Can export audit events"))]
        indexes = [
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_time"),
            # one object's history, newest first (e.g. the customer archive's timeline)
            models.Index(fields=["object_type", "object_id", "-id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.module}.{self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("Audit events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")
