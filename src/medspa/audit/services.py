"""Writing the audit log. Every service write calls :func:`audit_record` inside its transaction;
events that must survive a rolled-back transaction (failed logins, denials) are recorded outside
one, where they commit on their own."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address
from django.utils.translation import gettext as _

from medspa.audit.choices import Result
from medspa.audit.models import AuditEvent
from medspa.core import request_context
from medspa.core.errors import PermissionDenied, ValidationError

GENESIS_HASH = "0" * 64
# Any 64-bit constant: the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_ID = 0x6D65647370610001

CANONICAL_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_name",
    "organisation_id",
    "branch_id",
    "module",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "ip",
    "user_agent",
    "request_id",
    "result",
    "message",
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, float):
        # PostgreSQL's jsonb writes 1e+16 back as 10000000000000000 (an int after reading it) and
        # refuses NaN/Infinity: store such floats in the form that survives the round trip.
        if not math.isfinite(value):
            return str(value)
        if value.is_integer() and abs(value) >= 1e16:
            return int(value)
        return value
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def canonical_content(event: AuditEvent) -> str:
    """The row's content as one stable string: sorted-key JSON, times in UTC."""
    data = {name: _jsonable(getattr(event, name)) for name in CANONICAL_FIELDS}
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_content(event)).encode("utf-8")).hexdigest()


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` of ``obj`` (foreign keys as ids, many-to-many as sorted id lists)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            data[name] = sorted(getattr(obj, name).values_list("pk", flat=True)) if obj.pk else []
        elif field.is_relation and isinstance(field, models.Field):
            data[name] = getattr(obj, field.attname)
        else:
            data[name] = getattr(obj, name)
    return _jsonable(data)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed (a new object: before None)."""
    before, after = _jsonable(before), _jsonable(after)
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def normalise_ip(value: str | None) -> str | None:
    """The address as the database gives it back (IPv6 compressed, lower case), or ``None`` when
    it is not an IP address (a spoofed X-Forwarded-For must not break the write)."""
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if address.version == 6:
        if getattr(address, "scope_id", None):
            return None
        return clean_ipv6_address(str(address))
    return str(address)


def _lock_chain() -> None:
    """Serialise appends to (and purges of) the chain. SQLite serialises writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])


def audit_record(
    *,
    actor: Any,
    module: str,
    action: str,
    obj: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    result: str = Result.SUCCESS,
    message: str = "",
    branch_id: int | None = None,
    organisation_id: int | None = None,
    actor_name: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
) -> AuditEvent:
    """Append one event to the chain. Request metadata (IP, user agent, request id) comes from
    the request context set by middleware; the branch defaults to the actor's active branch.

    Call it inside the service's transaction: the event commits or rolls back with the write."""
    context = request_context.current()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    if branch_id is None and obj is not None:
        branch_id = getattr(obj, "branch_id", None)
    if branch_id is None and authenticated:
        branch_id = getattr(actor, "active_branch_id", None) or getattr(actor, "default_branch_id", None)
    if organisation_id is None and authenticated:
        organisation_id = getattr(actor, "organisation_id", None)
    if organisation_id is None and obj is not None:
        organisation_id = getattr(obj, "organisation_id", None)
    event = AuditEvent(
        actor=actor if authenticated else None,
        actor_name=(
            actor_name if actor_name is not None else (actor.get_username() if authenticated else "")
        )[:150],
        organisation_id=organisation_id,
        branch_id=branch_id,
        module=module[:50],
        action=action[:50],
        object_type=(
            object_type if object_type is not None else (obj._meta.label_lower if obj is not None else "")
        )[:100],
        object_id=(object_id if object_id is not None else (str(obj.pk) if obj is not None else ""))[:64],
        object_repr=(object_repr if object_repr is not None else (str(obj) if obj is not None else ""))[:200],
        changes=_jsonable(dict(changes or {})),
        ip=normalise_ip(context.ip),
        user_agent=context.user_agent[:300],
        request_id=context.request_id[:64],
        result=result,
        message=message[:300],
    )
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first()
        event.prev_hash = last or GENESIS_HASH
        event.occurred_at = timezone.now()
        event.hash = compute_hash(event.prev_hash, event)
        event.save(force_insert=True)
    return event


# --- verification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    """``ok`` when every row's hash matches its content and links to the row before it."""

    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def audit_verify(*, chunk_size: int = 2000) -> VerifyResult:
    """Walk the chain in pk order and recompute every hash. The first row may point to a row
    that is gone only when the latest recorded purge names it as the first row it kept."""
    purge_anchor = (
        AuditEvent.objects.filter(module="audit", action=PURGE_ACTION, result=Result.SUCCESS)
        .order_by("-pk")
        .values_list("object_id", flat=True)
        .first()
    )
    previous: str | None = None
    checked = 0
    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=chunk_size):
        if previous is None:
            if event.prev_hash != GENESIS_HASH and purge_anchor != str(event.pk):
                return VerifyResult(False, checked, event.pk, _("rows before it are missing"))
        elif event.prev_hash != previous:
            return VerifyResult(False, checked, event.pk, _("the row before it is missing or changed"))
        if compute_hash(event.prev_hash, event) != event.hash:
            return VerifyResult(False, checked, event.pk, _("its content was changed"))
        previous = event.hash
        checked += 1
    return VerifyResult(True, checked)


# --- retention ---------------------------------------------------------------------------------

MIN_RETENTION_DAYS = 180
RETENTION_PARAM = "audit.retention_days"
PURGE_ACTION = "purge"


def retention_days() -> int:
    """The retention period: the longest any organisation configured (system parameter
    ``audit.retention_days``; the chain is shared, so the strictest one wins), never below the
    legal minimum of 180 days."""
    from medspa.organization.models import Organisation

    try:
        from medspa.configuration.params import param_value
    except ImportError:  # pragma: no cover - the configuration app is part of the platform
        return MIN_RETENTION_DAYS
    days = MIN_RETENTION_DAYS
    try:
        days = max(days, int(param_value(RETENTION_PARAM)))
        for organisation_id in Organisation.objects.values_list("pk", flat=True):
            days = max(days, int(param_value(RETENTION_PARAM, organisation_id=organisation_id)))
    except (LookupError, TypeError, ValueError):
        pass
    return days


@transaction.atomic(durable=True)
def audit_purge(*, actor: Any = None, older_than_days: int, now: datetime.datetime | None = None) -> int:
    """Delete the events older than ``older_than_days`` (at least the retention period) and record
    the purge, naming the first row kept so that ``audit_verify`` accepts the shortened chain.
    ``actor=None`` is the command line (the server operator); from the product only a superuser."""
    if actor is not None and not (actor.is_active and actor.is_superuser):
        raise PermissionDenied()
    minimum = retention_days()
    if older_than_days < minimum:
        raise ValidationError(
            _("Audit events must be kept for at least %(days)s days.") % {"days": minimum},
            field="older_than_days",
        )
    cutoff = (now or timezone.now()) - datetime.timedelta(days=older_than_days)
    _lock_chain()
    old = AuditEvent.objects.filter(occurred_at__lt=cutoff)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The trigger lets deletes through only while this transaction-local flag is on.
            cursor.execute("SET LOCAL medspa.audit_purge = 'on'")
            deleted = old._purge_delete()
            cursor.execute("SET LOCAL medspa.audit_purge = 'off'")
    else:
        deleted = old._purge_delete()
    first_kept = AuditEvent.objects.order_by("pk").values_list("pk", flat=True).first()
    audit_record(
        actor=actor,
        actor_name=None if actor is not None else "system",
        module="audit",
        action=PURGE_ACTION,
        object_type=AuditEvent._meta.label_lower,
        object_id=str(first_kept) if first_kept is not None else "",
        object_repr="",
        message=f"purged {deleted} events older than {timezone.localtime(cutoff).isoformat()}",
    )
    return deleted


# --- sensitive reads ---------------------------------------------------------------------------


def audit_access_record(
    *, actor: Any, action: str, event: AuditEvent | None = None, query: str = ""
) -> AuditEvent:
    """Record that ``actor`` read the audit log: ``action`` "view" (the list or one event) or
    "export"; ``query`` is the filter used."""
    from medspa.accounts.scope import active_branch_id

    return audit_record(
        actor=actor,
        module="audit",
        action=action,
        obj=event,
        branch_id=active_branch_id(actor),
        message=query[:300],
    )
