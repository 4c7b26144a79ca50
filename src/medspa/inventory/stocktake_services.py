"""Writes of the stocktake (盘点) — INV-07.

A stocktake snapshots the book quantities of one warehouse (optionally one category subtree),
takes counts typed per line or scanned (UDI/GS1 or barcode), and, once submitted by the counter
and approved by someone else, posts every difference through the one ledger: a gain
(``stocktake_gain``) for more than the book, a loss (``stocktake_loss``) for less. One warehouse
has at most one open stocktake.

Transitions::

    counting ──submit──▶ submitted ──approve──▶ posted
        │                    │
        └──cancel────────────┴──cancel──▶ cancelled
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medspa.accounts.models import User
from medspa.accounts.scope import actor_organisation_id, require_perm, scope_queryset
from medspa.audit.services import audit_record
from medspa.core import money
from medspa.core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationError
from medspa.core.numbering import next_number
from medspa.inventory import ledger
from medspa.inventory.choices import STOCKTAKE_PREFIX, MoveType, StocktakeStatus
from medspa.inventory.ledger import DocumentRef, MoveInput, clean_quantity
from medspa.inventory.master_selectors import category_subtree_ids
from medspa.inventory.models import (
    ItemCategory,
    Lot,
    Serial,
    StockBalance,
    Stocktake,
    StocktakeLine,
    Warehouse,
)
from medspa.inventory.scan import scan_resolve

__all__ = [
    "OPEN_STATUSES",
    "SelfApproval",
    "stocktake_approve",
    "stocktake_cancel",
    "stocktake_count",
    "stocktake_scan",
    "stocktake_start",
    "stocktake_submit",
]

MODULE = "inventory"
NOTE_MAX = 500
MAX_COUNTS = 5000
OPEN_STATUSES = (StocktakeStatus.COUNTING, StocktakeStatus.SUBMITTED)
DOCUMENT_TYPE = "stocktake"  # StockMove.document_type of the gain and loss moves


class SelfApproval(PermissionDenied):
    """The counter may not approve her own stocktake (four-eyes principle)."""

    code = "self_approval"


# --- helpers ---------------------------------------------------------------------------------------


def _fmt(value: Decimal) -> str:
    """``3.000`` → ``3``; ``2.500`` → ``2.5`` (for messages)."""
    return f"{value.normalize():f}"


def _audit(actor: Any, action: str, stocktake: Stocktake, changes: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        module=MODULE,
        action=action,
        obj=stocktake,
        changes=changes,
        branch_id=stocktake.branch_id,
        organisation_id=stocktake.warehouse.branch.organisation_id,
    )


def _locked_warehouse(actor: Any, warehouse: Warehouse | int | None) -> Warehouse:
    """The active warehouse in the actor's scope, row-locked: starting a stocktake serialises per
    warehouse, so two people cannot open two stocktakes of it at once."""
    if warehouse is None or warehouse == "":
        raise ValidationError(_("Choose the warehouse."), field="warehouse")
    pk = warehouse.pk if isinstance(warehouse, Warehouse) else warehouse
    scoped = scope_queryset(Warehouse.objects.all(), actor, branch="branch", department="department")
    found = (
        scoped.select_for_update(of=("self",)).select_related("branch").filter(pk=pk, is_active=True).first()
    )
    if found is None:
        raise ValidationError(_("The warehouse was not found or is not active."), field="warehouse")
    return found


def _locked_stocktake(actor: Any, stocktake: Stocktake | int) -> Stocktake:
    pk = stocktake.pk if isinstance(stocktake, Stocktake) else stocktake
    scoped = scope_queryset(
        Stocktake.objects.all(), actor, branch="branch", department="warehouse__department"
    )
    found = (
        scoped.select_for_update(of=("self",))
        .select_related("warehouse__branch", "submitted_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def _require_status(stocktake: Stocktake, *allowed: str) -> None:
    if stocktake.status not in allowed:
        raise IllegalTransition(
            _("Stocktake %(number)s is %(status)s; this action is not allowed now.")
            % {"number": stocktake.number, "status": stocktake.get_status_display()}
        )


def _clean_note(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) > NOTE_MAX:
        raise ValidationError(_("At most %(max)s characters.") % {"max": NOTE_MAX}, field="note")
    return text


def _category(actor: Any, category_id: Any) -> ItemCategory | None:
    if category_id in (None, ""):
        return None
    try:
        pk = int(category_id)
    except (TypeError, ValueError):
        raise ValidationError(_("The category was not found."), field="category") from None
    found = ItemCategory.objects.filter(pk=pk, organisation_id=actor_organisation_id(actor)).first()
    if found is None:
        raise ValidationError(_("The category was not found."), field="category")
    return found


def _line_label(line: StocktakeLine) -> str:
    return _("%(item)s lot %(lot)s") % {"item": line.item.name, "lot": line.lot.batch_no or "—"}


# --- start -----------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def stocktake_start(
    *, actor: User, warehouse: Warehouse | int, category_id: int | None = None, note: str = ""
) -> Stocktake:
    """Open a stocktake of ``warehouse``: one line per balance with stock on hand (only items of
    the ``category_id`` subtree when given), its book quantity taken now. Refused while the
    warehouse has another stocktake being counted or awaiting approval."""
    require_perm(actor, "inventory.add_stocktake")
    found = _locked_warehouse(actor, warehouse)
    category = _category(actor, category_id)
    text = _clean_note(note)
    open_one = Stocktake.objects.filter(warehouse=found, status__in=OPEN_STATUSES).order_by("pk").first()
    if open_one is not None:
        raise Conflict(
            _(
                "%(warehouse)s already has stocktake %(number)s (%(status)s); finish or cancel it "
                "before starting another."
            )
            % {
                "warehouse": found.name,
                "number": open_one.number,
                "status": open_one.get_status_display(),
            },
            field="warehouse",
        )
    now = timezone.now()
    branch_id = found.branch_id
    stocktake = Stocktake.objects.create(
        branch_id=branch_id,
        number=next_number(branch_id, STOCKTAKE_PREFIX, timezone.localdate(now)),
        warehouse=found,
        status=StocktakeStatus.COUNTING,
        snapshot_at=now,
        category=category,
        note=text,
        created_by=actor,
        updated_by=actor,
    )
    balances = StockBalance.objects.filter(warehouse=found, quantity__gt=0)
    if category is not None:
        balances = balances.filter(item__category_id__in=category_subtree_ids(category.pk))
    balances = balances.order_by(
        "item__code",
        F("lot__expiry_date").asc(nulls_last=True),
        "lot_id",
        F("bin__code").asc(nulls_first=True),
        F("owner_id").asc(nulls_first=True),
    )
    lines = StocktakeLine.objects.bulk_create(
        StocktakeLine(
            stocktake=stocktake,
            item_id=row["item_id"],
            lot_id=row["lot_id"],
            bin_id=row["bin_id"],
            owner_id=row["owner_id"],
            book_quantity=row["quantity"],
        )
        for row in balances.values("item_id", "lot_id", "bin_id", "owner_id", "quantity")
    )
    _audit(
        actor,
        "create",
        stocktake,
        {
            "warehouse": [None, found.pk],
            "category": [None, category.pk if category else None],
            "lines": [None, len(lines)],
            "snapshot_at": [None, now],
        },
    )
    return stocktake


# --- counting --------------------------------------------------------------------------------------


def _check_serial_count(line: StocktakeLine, quantity: Decimal, field: str) -> None:
    if line.item.is_serial_tracked and quantity != quantity.to_integral_value():
        raise ValidationError(
            _("%(line)s is serial tracked: count whole units.") % {"line": _line_label(line)}, field=field
        )


@transaction.atomic(durable=True)
def stocktake_count(
    *, actor: User, stocktake: Stocktake | int, counts: Sequence[tuple[int, Any]]
) -> Stocktake:
    """Record typed counts: ``counts`` is ``[(line_id, quantity), ...]`` in base units (zero or
    more, at most three decimals); a quantity of ``None`` or ``""`` clears the count. Only while
    counting; one bad value refuses them all."""
    require_perm(actor, "inventory.add_stocktake")
    found = _locked_stocktake(actor, stocktake)
    _require_status(found, StocktakeStatus.COUNTING)
    if not counts:
        raise ValidationError(_("Enter at least one count."), field="counts")
    if len(counts) > MAX_COUNTS:
        raise ValidationError(_("At most %(max)s counts at once.") % {"max": MAX_COUNTS}, field="counts")
    ids: list[int] = []
    for line_id, _quantity in counts:
        if isinstance(line_id, bool) or not isinstance(line_id, int):
            raise ValidationError(_("Unknown stocktake line."), field="counts")
        ids.append(line_id)
    if len(set(ids)) != len(ids):
        raise ValidationError(_("A line is counted twice in one entry."), field="counts")
    lines = {
        line.pk: line
        for line in StocktakeLine.objects.filter(stocktake=found, pk__in=ids).select_related("item", "lot")
    }
    changed: list[StocktakeLine] = []
    before: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    for line_id, quantity in counts:
        field = f"counts.{line_id}"
        line = lines.get(line_id)
        if line is None:
            raise ValidationError(
                _("Line %(id)s is not a line of this stocktake.") % {"id": line_id}, field=field
            )
        value: Decimal | None
        if quantity is None or (isinstance(quantity, str) and not quantity.strip()):
            value = None
        else:
            value = clean_quantity(quantity, field=field, allow_zero=True)
            _check_serial_count(line, value, field)
        if value == line.counted_quantity:
            continue
        before[str(line.pk)] = None if line.counted_quantity is None else str(line.counted_quantity)
        after[str(line.pk)] = None if value is None else str(value)
        line.counted_quantity = value
        changed.append(line)
    if changed:
        StocktakeLine.objects.bulk_update(changed, ["counted_quantity"])
        found.updated_by = actor
        found.save(update_fields=["updated_by", "updated_at"])
        _audit(actor, "count", found, {"counted_quantity": [before, after]})
    return found


def _scan_lines(
    stocktake: Stocktake, item_id: int, lot: Lot | None, batch_no: str | None
) -> list[StocktakeLine]:
    lines: QuerySet[StocktakeLine] = StocktakeLine.objects.filter(stocktake=stocktake, item_id=item_id)
    if lot is not None:
        lines = lines.filter(lot=lot)
    elif batch_no is not None:
        lines = lines.filter(lot__batch_no=batch_no)
    return list(lines.select_related("item", "lot").order_by("pk"))


def _expiry_mismatch(lot: Lot, scanned: datetime.date) -> ValidationError:
    return ValidationError(
        _("Lot %(lot)s of %(item)s is recorded with expiry %(date)s; the code says %(scanned)s.")
        % {
            "lot": lot.batch_no or "—",
            "item": lot.item.name,
            "date": f"{lot.expiry_date:%Y-%m-%d}" if lot.expiry_date else "—",
            "scanned": f"{scanned:%Y-%m-%d}",
        },
        field="code",
    )


def _pick_line(lines: list[StocktakeLine]) -> StocktakeLine:
    """The same lot in several bins, cost layers or owners: fill the lines in order up to their
    book quantity; what is counted beyond every book goes to the last."""
    for line in lines:
        if line.counted_quantity is None or line.counted_quantity < line.book_quantity:
            return line
    return lines[-1]


@transaction.atomic(durable=True)
def stocktake_scan(*, actor: User, stocktake: Stocktake | int, code: str, quantity: Any = 1) -> StocktakeLine:
    """Add a scanned code to the count: ``quantity`` scans of the scanned pack level (a box
    scan adds its factor in base units). The line is found by item and batch no (and expiry
    when the code carries one). A lot found on the shelf but not in the book gets a new line
    with book quantity zero — if the lot was ever received; a serial-tracked unit counts one
    per scan of its serial no."""
    require_perm(actor, "inventory.add_stocktake")
    found = _locked_stocktake(actor, stocktake)
    _require_status(found, StocktakeStatus.COUNTING)
    scanned = scan_resolve(actor=actor, code=code)
    item = scanned.item
    times = clean_quantity(quantity, field="quantity")
    lot: Lot | None = None
    batch_no: str | None = scanned.batch_no or None
    if item.is_serial_tracked:
        if not scanned.serial_no:
            raise ValidationError(
                _("%(item)s is serial tracked: scan the code that carries its serial no.")
                % {"item": item.name},
                field="code",
            )
        serial = Serial.objects.filter(item=item, serial_no=scanned.serial_no).select_related("lot").first()
        if serial is None:
            raise ValidationError(
                _("Serial no %(serial)s of %(item)s was never received.")
                % {"serial": scanned.serial_no, "item": item.name},
                field="code",
            )
        lot = serial.lot
        added = Decimal(1)
    else:
        added = times * scanned.factor
        if added != added.quantize(ledger.QTY_PLACES) or added > ledger.MAX_QTY:
            raise ValidationError(_("The quantity is too large."), field="quantity")
        added = added.quantize(ledger.QTY_PLACES)
        if batch_no is None and not item.is_lot_tracked:
            batch_no = ""
    lines = _scan_lines(found, item.pk, lot, batch_no)
    if lot is None and batch_no is None:
        # A lot-tracked item scanned without its batch no: only unambiguous when the book has
        # exactly one batch of it.
        batches = {line.lot.batch_no for line in lines}
        if len(batches) != 1:
            raise ValidationError(
                _(
                    "%(item)s is lot tracked and the code carries no batch no: scan the full UDI "
                    "code or type the count on its line."
                )
                % {"item": item.name},
                field="code",
            )
    if scanned.expiry_date is not None and lines:
        matching = [line for line in lines if line.lot.expiry_date in (None, scanned.expiry_date)]
        if not matching:
            raise _expiry_mismatch(lines[0].lot, scanned.expiry_date)
        lines = matching
    if lines:
        line = _pick_line(lines)
        before = line.counted_quantity
        total = (before or Decimal(0)) + added
        if total > ledger.MAX_QTY:
            raise ValidationError(_("The quantity is too large."), field="quantity")
        line.counted_quantity = total
        line.save(update_fields=["counted_quantity"])
    else:
        if lot is None:
            lots = Lot.objects.filter(item=item, batch_no=batch_no or "").order_by("-pk")
            if scanned.expiry_date is not None:
                other = lots.first()
                lots = lots.filter(Q(expiry_date=scanned.expiry_date) | Q(expiry_date__isnull=True))
                lot = lots.first()
                if lot is None and other is not None:
                    raise _expiry_mismatch(other, scanned.expiry_date)
            else:
                lot = lots.first()
        if lot is None:
            raise ValidationError(
                _(
                    "Lot %(lot)s of %(item)s was never received, so it cannot be counted; receive "
                    "it through an inbound document first."
                )
                % {"lot": batch_no or "—", "item": item.name},
                field="code",
            )
        before = None
        line = StocktakeLine.objects.create(
            stocktake=found,
            item=item,
            lot=lot,
            book_quantity=Decimal(0),
            counted_quantity=added,
        )
    found.updated_by = actor
    found.save(update_fields=["updated_by", "updated_at"])
    _audit(
        actor,
        "scan",
        found,
        {
            "counted_quantity": [
                {str(line.pk): None if before is None else str(before)},
                {str(line.pk): str(line.counted_quantity)},
            ],
            "code": [None, (code or "").strip()[:200]],
        },
    )
    return line


# --- submit, approve, cancel -----------------------------------------------------------------------


@transaction.atomic(durable=True)
def stocktake_submit(
    *, actor: User, stocktake: Stocktake | int, uncounted_as_zero: bool = False
) -> Stocktake:
    """Counting → submitted: the counts are final; the submitter is the counter. Lines not
    counted are refused unless the actor confirms that they count as zero."""
    require_perm(actor, "inventory.add_stocktake")
    found = _locked_stocktake(actor, stocktake)
    _require_status(found, StocktakeStatus.COUNTING)
    uncounted = StocktakeLine.objects.filter(stocktake=found, counted_quantity__isnull=True)
    missing = uncounted.count()
    if missing and not uncounted_as_zero:
        raise ValidationError(
            ngettext(
                "%(n)s line is not counted yet: count it, or confirm that uncounted lines count as zero.",
                "%(n)s lines are not counted yet: count them, or confirm that uncounted lines count as zero.",
                missing,
            )
            % {"n": missing},
            field="uncounted_as_zero",
        )
    if missing:
        uncounted.update(counted_quantity=Decimal(0))
    found.status = StocktakeStatus.SUBMITTED
    found.submitted_at, found.submitted_by, found.updated_by = timezone.now(), actor, actor
    found.save(update_fields=["status", "submitted_at", "submitted_by", "updated_by", "updated_at"])
    _audit(
        actor,
        "submit",
        found,
        {
            "status": [StocktakeStatus.COUNTING, StocktakeStatus.SUBMITTED],
            "uncounted_as_zero": [None, missing],
        },
    )
    return found


def _posting_time(stocktake: Stocktake, posted_at: datetime.datetime | None) -> datetime.datetime:
    now = timezone.now()
    if posted_at is None:
        return now
    if timezone.is_naive(posted_at):
        raise ValidationError(_("The posting time needs a time zone."), field="posted_at")
    if posted_at > now + datetime.timedelta(minutes=5):
        raise ValidationError(_("A stocktake cannot be posted with a future date."), field="posted_at")
    if posted_at < stocktake.snapshot_at:
        raise ValidationError(
            _("The posting time cannot lie before the stocktake's snapshot (%(time)s).")
            % {"time": f"{timezone.localtime(stocktake.snapshot_at):%Y-%m-%d %H:%M}"},
            field="posted_at",
        )
    return posted_at


@transaction.atomic(durable=True)
def stocktake_approve(
    *, actor: User, stocktake: Stocktake | int, posted_at: datetime.datetime | None = None
) -> Stocktake:
    """Submitted → posted, by someone other than the counter: every difference (counted − book)
    becomes a gain or loss move at the lot's cost, all in one posting. When stock left the
    warehouse since the snapshot so that a loss exceeds what is on hand now, the ledger refuses
    (InsufficientStock) and nothing is posted."""
    require_perm(actor, "inventory.approve_stocktake")
    found = _locked_stocktake(actor, stocktake)
    _require_status(found, StocktakeStatus.SUBMITTED)
    if found.submitted_by_id == actor.pk:
        raise SelfApproval(
            _("You counted stocktake %(number)s, so someone else must approve it.") % {"number": found.number}
        )
    when = _posting_time(found, posted_at)
    lines = list(StocktakeLine.objects.filter(stocktake=found).select_related("item", "lot").order_by("pk"))
    moves: list[MoveInput] = []
    gain = loss = Decimal(0)
    for line in lines:
        difference = (line.counted_quantity or Decimal(0)) - line.book_quantity
        if not difference:
            continue
        if line.item.is_serial_tracked:
            raise ValidationError(
                _(
                    "%(line)s is serial tracked and differs from the book by %(difference)s; "
                    "serial-numbered units are adjusted one by one (a scrap issue or an inbound "
                    "naming the serial nos). Cancel this stocktake, adjust them, and count again."
                )
                % {"line": _line_label(line), "difference": _fmt(difference)},
                field="lines",
            )
        value = money.quantize(difference * line.lot.unit_cost)
        if difference > 0:
            gain += value
        else:
            loss += value
        moves.append(
            MoveInput(
                warehouse=found.warehouse,
                lot=line.lot,
                quantity=difference,
                move_type=MoveType.STOCKTAKE_GAIN if difference > 0 else MoveType.STOCKTAKE_LOSS,
                bin_id=line.bin_id,
                owner_id=line.owner_id,
            )
        )
    if moves:
        ledger.post_moves(
            actor=actor,
            moves=moves,
            document=DocumentRef(DOCUMENT_TYPE, found.pk, found.number),
            posted_at=when,
        )
    found.status = StocktakeStatus.POSTED
    found.approved_at, found.approved_by, found.updated_by = timezone.now(), actor, actor
    found.save(update_fields=["status", "approved_at", "approved_by", "updated_by", "updated_at"])
    _audit(
        actor,
        "approve",
        found,
        {
            "status": [StocktakeStatus.SUBMITTED, StocktakeStatus.POSTED],
            "moves": [None, len(moves)],
            "gain_value": [None, gain],
            "loss_value": [None, loss],
            "posted_at": [None, when],
        },
    )
    return found


@transaction.atomic(durable=True)
def stocktake_cancel(*, actor: User, stocktake: Stocktake | int) -> Stocktake:
    """Withdraw a stocktake before it is posted; nothing was posted, nothing is."""
    require_perm(actor, "inventory.add_stocktake")
    found = _locked_stocktake(actor, stocktake)
    _require_status(found, *OPEN_STATUSES)
    before = found.status
    found.status = StocktakeStatus.CANCELLED
    found.updated_by = actor
    found.save(update_fields=["status", "updated_by", "updated_at"])
    _audit(actor, "cancel", found, {"status": [before, StocktakeStatus.CANCELLED]})
    return found
