"""Stock alerts (INV-09): the daily job that writes them and marking them read.

:func:`alerts_generate` is a system job (no actor): for every active warehouse it writes one
:class:`StockAlert` per subject, kind and day — below minimum, above maximum, near expiry,
expired — and, for every branch with a warehouse, one per required supplier certificate that
expires within ``inventory.certificate_warning_days`` or has expired. The unique constraint
(branch, warehouse, item, lot, certificate, kind, day) makes a second run on the same day add
nothing. The messages are written in the site language (Chinese) with the names and numbers in
them, so the alert list needs no further lookups.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from medspa.accounts.scope import require_perm
from medspa.audit.services import audit_record
from medspa.configuration.params import param_value
from medspa.core.errors import NotFound, ValidationError
from medspa.inventory.choices import AlertKind, CertificateKind
from medspa.inventory.models import Certificate, StockAlert, StockBalance, StockLevel, Warehouse
from medspa.inventory.params import CERTIFICATE_WARNING_DAYS, NEAR_EXPIRY_DAYS
from medspa.inventory.stock_selectors import alerts_for, annotate_on_hand

__all__ = ["MAX_MARK_READ", "alert_mark_read", "alerts_generate"]

MODULE = "inventory"
MAX_MARK_READ = 500
MESSAGE_LENGTH = StockAlert._meta.get_field("message").max_length or 300


def _qty(value: Decimal) -> str:
    """``Decimal("12.500")`` → ``"12.5"``; ``Decimal("100.000")`` → ``"100"``."""
    return f"{value.normalize():f}" if value else "0"


def _message(text: str) -> str:
    return text if len(text) <= MESSAGE_LENGTH else text[: MESSAGE_LENGTH - 1] + "…"


def _alert(**fields: Any) -> StockAlert:
    fields["message"] = _message(fields["message"])
    return StockAlert(**fields)


# --- the daily job --------------------------------------------------------------------------------


def _level_alerts(day: datetime.date) -> list[StockAlert]:
    """Below minimum / above maximum, per stock level of an active item in an active warehouse."""
    levels = annotate_on_hand(
        StockLevel.objects.filter(
            warehouse__is_active=True, warehouse__branch__is_active=True, item__is_active=True
        ).select_related("item", "warehouse")
    )
    levels = levels.filter(
        Q(on_hand__lt=F("min_quantity")) | Q(max_quantity__isnull=False, on_hand__gt=F("max_quantity"))
    ).order_by("warehouse_id", "item_id")
    alerts = []
    for level in levels:
        names = {
            "item": level.item.name,
            "warehouse": level.warehouse.name,
            "on_hand": _qty(level.on_hand),  # type: ignore[attr-defined]
            "unit": level.item.base_unit,
        }
        if level.on_hand < level.min_quantity:  # type: ignore[attr-defined]
            kind = AlertKind.SHORTAGE
            text = _(
                "Below minimum: %(item)s in %(warehouse)s has %(on_hand)s %(unit)s, "
                "the minimum is %(limit)s %(unit)s."
            ) % {**names, "limit": _qty(level.min_quantity)}
        else:
            kind = AlertKind.OVERSTOCK
            text = _(
                "Above maximum: %(item)s in %(warehouse)s has %(on_hand)s %(unit)s, "
                "the maximum is %(limit)s %(unit)s."
            ) % {**names, "limit": _qty(level.max_quantity or Decimal(0))}
        alerts.append(
            _alert(
                branch_id=level.warehouse.branch_id,
                warehouse=level.warehouse,
                item=level.item,
                kind=kind,
                day=day,
                message=text,
            )
        )
    return alerts


def _expiry_alerts(day: datetime.date, near_days: dict[int, int]) -> list[StockAlert]:
    """Near expiry (0 … N days left, N per branch) and expired, per warehouse and lot with stock."""
    if not near_days:
        return []
    horizon = day + datetime.timedelta(days=max(near_days.values()))
    rows = (
        StockBalance.objects.filter(
            quantity__gt=0,
            warehouse__is_active=True,
            warehouse__branch__is_active=True,
            lot__expiry_date__isnull=False,
            lot__expiry_date__lte=horizon,
        )
        .values(
            "branch_id",
            "warehouse_id",
            "warehouse__name",
            "item_id",
            "item__name",
            "item__base_unit",
            "lot_id",
            "lot__batch_no",
            "lot__expiry_date",
        )
        .annotate(on_hand=Sum("quantity"))
        .order_by("warehouse_id", "lot__expiry_date", "lot_id")
    )
    alerts = []
    for row in rows:
        expiry: datetime.date = row["lot__expiry_date"]  # type: ignore[assignment]  # filtered not null
        days_left = (expiry - day).days
        names = {
            "item": row["item__name"],
            "lot": row["lot__batch_no"] or "—",
            "warehouse": row["warehouse__name"],
            "date": f"{expiry:%Y-%m-%d}",
            "quantity": _qty(row["on_hand"]),
            "unit": row["item__base_unit"],
        }
        if days_left < 0:
            kind = AlertKind.EXPIRED
            text = (
                _(
                    "Expired: %(item)s lot %(lot)s in %(warehouse)s expired on %(date)s; "
                    "%(quantity)s %(unit)s still in stock."
                )
                % names
            )
        elif days_left <= near_days.get(row["branch_id"], -1):
            kind = AlertKind.NEAR_EXPIRY
            text = _(
                "Near expiry: %(item)s lot %(lot)s in %(warehouse)s expires on %(date)s "
                "(%(days)s days left); %(quantity)s %(unit)s in stock."
            ) % {**names, "days": days_left}
        else:
            continue
        alerts.append(
            _alert(
                branch_id=row["branch_id"],
                warehouse_id=row["warehouse_id"],
                item_id=row["item_id"],
                lot_id=row["lot_id"],
                kind=kind,
                day=day,
                message=text,
            )
        )
    return alerts


def _certificate_alerts(day: datetime.date, branches: dict[int, list[int]]) -> list[StockAlert]:
    """Required certificates of the active suppliers of each organisation that expire within the
    warning period or have expired: one alert per branch (with a warehouse) of the organisation."""
    if not branches:
        return []
    warning = {
        branch_id: int(param_value(CERTIFICATE_WARNING_DAYS, branch_id=branch_id))
        for branch_ids in branches.values()
        for branch_id in branch_ids
    }
    horizon = day + datetime.timedelta(days=max(warning.values()))
    certificates = (
        Certificate.objects.filter(
            is_required=True,
            expires_on__isnull=False,
            expires_on__lte=horizon,
            company__is_active=True,
            company__is_supplier=True,
            company__organisation_id__in=list(branches),
        )
        .select_related("company")
        .order_by("company__organisation_id", "expires_on", "pk")
    )
    alerts = []
    for certificate in certificates:
        expires_on: datetime.date = certificate.expires_on  # type: ignore[assignment]  # filtered not null
        days_left = (expires_on - day).days
        names = {
            "kind": CertificateKind(certificate.kind).label
            if certificate.kind in CertificateKind.values
            else "",
            "number": certificate.number,
            "company": certificate.company.name,
            "date": f"{expires_on:%Y-%m-%d}",
            "days": days_left,
        }
        if days_left < 0:
            text = (
                _(
                    "Certificate expired: %(kind)s %(number)s of %(company)s expired on %(date)s; "
                    "receiving from this supplier is refused."
                )
                % names
            )
        else:
            text = (
                _(
                    "Certificate expiring: %(kind)s %(number)s of %(company)s expires on %(date)s "
                    "(%(days)s days left)."
                )
                % names
            )
        for branch_id in branches[certificate.company.organisation_id]:
            if days_left <= warning[branch_id]:
                alerts.append(
                    _alert(
                        branch_id=branch_id,
                        certificate=certificate,
                        kind=AlertKind.CERTIFICATE,
                        day=day,
                        message=text,
                    )
                )
    return alerts


def _counts(day: datetime.date) -> dict[int, int]:
    rows = StockAlert.objects.filter(day=day).values("branch_id").annotate(n=Count("pk")).order_by()
    return {row["branch_id"]: row["n"] for row in rows}


@transaction.atomic(durable=True)
def alerts_generate(*, day: datetime.date) -> int:
    """Write the stock alerts of ``day`` (the daily task; no actor). Returns how many alerts
    were new: running it again the same day returns 0 and writes nothing."""
    warehouses = Warehouse.objects.filter(is_active=True, branch__is_active=True).values_list(
        "branch_id", "branch__organisation_id"
    )
    branches: dict[int, list[int]] = defaultdict(list)  # organisation → branches with a warehouse
    for branch_id, organisation_id in sorted(set(warehouses)):
        branches[organisation_id].append(branch_id)
    near_days = {
        branch_id: int(param_value(NEAR_EXPIRY_DAYS, branch_id=branch_id))
        for branch_ids in branches.values()
        for branch_id in branch_ids
    }
    before = _counts(day)
    with translation.override(settings.LANGUAGE_CODE):
        alerts: list[StockAlert] = [
            *_level_alerts(day),
            *_expiry_alerts(day, near_days),
            *_certificate_alerts(day, branches),
        ]
    StockAlert.objects.bulk_create(alerts, batch_size=500, ignore_conflicts=True)
    after = _counts(day)
    created = 0
    organisation_of = {b: org for org, branch_ids in branches.items() for b in branch_ids}
    for branch_id, count in sorted(after.items()):
        new = count - before.get(branch_id, 0)
        if new <= 0:
            continue
        created += new
        audit_record(
            actor=None,
            actor_name="system",
            module=MODULE,
            action="alerts_generate",
            object_type=StockAlert._meta.label_lower,
            object_id="",
            object_repr=f"{day:%Y-%m-%d}",
            branch_id=branch_id,
            organisation_id=organisation_of.get(branch_id),
            changes={"day": day, "created": new},
            message=f"{new} stock alerts for {day:%Y-%m-%d}",
        )
    return created


# --- marking read ---------------------------------------------------------------------------------


def _clean_ids(alert_ids: Iterable[Any]) -> list[int]:
    ids: list[int] = []
    for value in alert_ids:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValidationError(_("Choose the alerts to mark as read."), field="alert_ids")
        text = str(value).strip()
        if not text.isdigit() or not 0 < int(text) < 2**63:
            raise ValidationError(_("Choose the alerts to mark as read."), field="alert_ids")
        if int(text) not in ids:
            ids.append(int(text))
    if not ids:
        raise ValidationError(_("Choose the alerts to mark as read."), field="alert_ids")
    if len(ids) > MAX_MARK_READ:
        raise ValidationError(
            _("At most %(max)s alerts can be marked at once.") % {"max": MAX_MARK_READ}, field="alert_ids"
        )
    return ids


@transaction.atomic(durable=True)
def alert_mark_read(*, actor: Any, alert_ids: list[int]) -> int:
    """Mark the actor's alerts ``alert_ids`` as read (by her, now). Every id must be an alert in
    her scope, else nothing changes; alerts already read stay as they were. Returns how many
    were marked; each is audited."""
    require_perm(actor, "inventory.view_stockalert")
    require_perm(actor, "inventory.change_stockalert")
    ids = _clean_ids(alert_ids)
    visible = set(alerts_for(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if visible != set(ids):
        raise NotFound(
            _("Some of the chosen alerts no longer exist or are not yours to see."), field="alert_ids"
        )
    alerts = list(
        StockAlert.objects.select_for_update().filter(pk__in=ids, read_at__isnull=True).order_by("pk")
    )
    if not alerts:
        return 0
    now = timezone.now()
    StockAlert.objects.filter(pk__in=[a.pk for a in alerts]).update(read_at=now, read_by=actor)
    for alert in alerts:
        audit_record(
            actor=actor,
            module=MODULE,
            action="alert_read",
            obj=alert,
            branch_id=alert.branch_id,
            changes={"read_at": [None, now], "read_by": [None, actor.pk]},
        )
    return len(alerts)
