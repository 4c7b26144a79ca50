"""Writes of the monthly close (月结) — INV-10.

Closing a month of a warehouse stores the closing quantity and value of every item, lot and
owner at the month's end: the previous close's lines plus the moves dated in the month (the first
close of a warehouse: every move before the month's end). From then on the ledger refuses any
posting dated in that month or earlier (:func:`medspa.inventory.ledger.check_open`). Months are
closed in order; only the latest closed month can be reopened (its own permission, audited with a
reason), which deletes its lines until it is closed again.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from medspa.accounts.models import User
from medspa.accounts.scope import require_perm, scope_queryset
from medspa.audit.services import audit_record
from medspa.core import money
from medspa.core.errors import Conflict, IllegalTransition, NotFound, ValidationError
from medspa.core.validation import clean_text
from medspa.inventory.choices import CloseStatus
from medspa.inventory.close_selectors import quantities_as_of
from medspa.inventory.ledger import month_end_moment, month_start, next_month
from medspa.inventory.models import Lot, MonthClose, MonthCloseLine, Warehouse

__all__ = ["close_month", "reopen_month"]

MODULE = "inventory"
REASON_MAX = 500


def _month_label(month: datetime.date) -> str:
    return f"{month:%Y-%m}"


def _audit(actor: Any, action: str, close: MonthClose, changes: dict[str, Any]) -> None:
    warehouse = close.warehouse
    audit_record(
        actor=actor,
        module=MODULE,
        action=action,
        obj=close,
        changes=changes,
        branch_id=warehouse.branch_id,
        organisation_id=warehouse.branch.organisation_id,
    )


def _locked_warehouse(actor: Any, warehouse: Warehouse | int | None) -> Warehouse:
    """The warehouse in the actor's scope, row-locked: closes and reopens of one warehouse
    serialise on this lock."""
    if warehouse is None or warehouse == "":
        raise ValidationError(_("Choose the warehouse."), field="warehouse")
    pk = warehouse.pk if isinstance(warehouse, Warehouse) else warehouse
    scoped = scope_queryset(Warehouse.objects.all(), actor, branch="branch", department="department")
    found = scoped.select_for_update(of=("self",)).select_related("branch").filter(pk=pk).first()
    if found is None:
        raise ValidationError(_("The warehouse was not found."), field="warehouse")
    return found


def _clean_month(month: Any) -> datetime.date:
    if isinstance(month, datetime.datetime):
        return month_start(month)
    if not isinstance(month, datetime.date):
        raise ValidationError(_("Choose the month."), field="month")
    return month.replace(day=1)


@transaction.atomic(durable=True)
def close_month(*, actor: User, warehouse: Warehouse | int, month: datetime.date) -> MonthClose:
    """Close ``month`` (any day of it; stored as its first day) of ``warehouse``. Only a month
    that has ended, and only the month after the warehouse's latest close (any ended month when it
    has none). A reopened month is closed again with fresh lines."""
    require_perm(actor, "inventory.add_monthclose")
    found = _locked_warehouse(actor, warehouse)
    first_day = _clean_month(month)
    end = month_end_moment(first_day)
    now = timezone.now()
    if end > now:
        raise ValidationError(
            _("%(month)s has not ended yet; it can be closed from %(date)s.")
            % {"month": _month_label(first_day), "date": f"{next_month(first_day):%Y-%m-%d}"},
            field="month",
        )
    existing = MonthClose.objects.filter(warehouse=found, month=first_day).first()
    if existing is not None and existing.status == CloseStatus.CLOSED:
        raise Conflict(
            _("%(month)s of %(warehouse)s is already closed.")
            % {"month": _month_label(first_day), "warehouse": found.name},
            field="month",
        )
    previous = (
        MonthClose.objects.filter(warehouse=found, status=CloseStatus.CLOSED).order_by("-month").first()
    )
    if previous is not None and next_month(previous.month) != first_day:
        expected = next_month(previous.month)
        raise ValidationError(
            _(
                "%(warehouse)s is closed up to %(last)s; months are closed in order, so the next "
                "month to close is %(next)s."
            )
            % {
                "warehouse": found.name,
                "last": _month_label(previous.month),
                "next": _month_label(expected),
            },
            field="month",
        )
    # The previous close is the month before (or there is none), so the balances as of the
    # month's end are exactly its lines plus the month's moves.
    quantities = quantities_as_of(warehouse_id=found.pk, at=end)
    costs = dict(Lot.objects.filter(pk__in={key[1] for key in quantities}).values_list("pk", "unit_cost"))
    lines = [
        MonthCloseLine(
            item_id=item_id,
            lot_id=lot_id,
            owner_id=owner_id,
            quantity=quantity,
            value=money.quantize(quantity * costs[lot_id]),
        )
        for (item_id, lot_id, owner_id), quantity in sorted(
            quantities.items(), key=lambda pair: (pair[0][0], pair[0][1], pair[0][2] or 0)
        )
    ]
    closing_value = sum((line.value for line in lines), Decimal("0.00"))
    if existing is not None:  # a reopened month, closed again
        close = existing
        before = close.status
        close.status = CloseStatus.CLOSED
        close.closing_value = closing_value
        close.closed_at, close.closed_by, close.updated_by = now, actor, actor
        close.save(
            update_fields=["status", "closing_value", "closed_at", "closed_by", "updated_by", "updated_at"]
        )
        close.lines.all().delete()
    else:
        before = None
        try:
            with transaction.atomic():
                close = MonthClose.objects.create(
                    warehouse=found,
                    month=first_day,
                    status=CloseStatus.CLOSED,
                    closing_value=closing_value,
                    closed_at=now,
                    closed_by=actor,
                    created_by=actor,
                    updated_by=actor,
                )
        except IntegrityError:  # only without row locks (SQLite serialises writers anyway)
            raise Conflict(
                _("%(month)s of %(warehouse)s is already closed.")
                % {"month": _month_label(first_day), "warehouse": found.name},
                field="month",
            ) from None
    for line in lines:
        line.close = close
    MonthCloseLine.objects.bulk_create(lines)
    close.warehouse = found
    _audit(
        actor,
        "close",
        close,
        {
            "status": [before, CloseStatus.CLOSED],
            "month": [None, _month_label(first_day)],
            "lines": [None, len(lines)],
            "closing_value": [None, closing_value],
        },
    )
    return close


@transaction.atomic(durable=True)
def reopen_month(*, actor: User, close: MonthClose | int, reason: str) -> MonthClose:
    """Reopen the latest closed month of a warehouse: postings dated in it are accepted again
    and its lines are deleted until it is closed again. ``reason`` is required and audited."""
    require_perm(actor, "inventory.reopen_monthclose")
    pk = close.pk if isinstance(close, MonthClose) else close
    scoped = scope_queryset(
        MonthClose.objects.all(), actor, branch="warehouse__branch", department="warehouse__department"
    )
    warehouse_id = scoped.filter(pk=pk).values_list("warehouse_id", flat=True).first()
    if warehouse_id is None:
        raise NotFound()
    found_warehouse = _locked_warehouse(actor, warehouse_id)
    found = MonthClose.objects.select_for_update().filter(pk=pk).get()
    text = clean_text(reason, field="reason", max_length=REASON_MAX, label=_("reason"))
    if found.status != CloseStatus.CLOSED:
        raise IllegalTransition(
            _("%(month)s of %(warehouse)s is not closed.")
            % {"month": _month_label(found.month), "warehouse": found_warehouse.name}
        )
    latest = (
        MonthClose.objects.filter(warehouse=found_warehouse, status=CloseStatus.CLOSED)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    if latest != found.month:
        raise IllegalTransition(
            _("Only the latest closed month (%(latest)s) of %(warehouse)s can be reopened.")
            % {"latest": _month_label(latest) if latest else "—", "warehouse": found_warehouse.name}
        )
    previous_value = found.closing_value
    line_count = found.lines.count()
    found.lines.all().delete()
    found.status = CloseStatus.REOPENED
    found.closing_value = Decimal("0.00")
    found.updated_by = actor
    found.save(update_fields=["status", "closing_value", "updated_by", "updated_at"])
    found.warehouse = found_warehouse
    _audit(
        actor,
        "reopen",
        found,
        {
            "status": [CloseStatus.CLOSED, CloseStatus.REOPENED],
            "month": [None, _month_label(found.month)],
            "closing_value": [previous_value, None],
            "lines": [line_count, 0],
            "reason": [None, text],
        },
    )
    return found
