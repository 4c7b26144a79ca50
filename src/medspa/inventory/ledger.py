"""The one posting function of the stock ledger — INV-10.

:func:`post_moves` is the only code that writes :class:`StockMove` or changes a
:class:`StockBalance`. In the caller's transaction it

1. takes a share lock on the warehouses it touches and refuses a posting dated inside a closed
   month of any of them (the close locks the warehouse exclusively, so the two never overlap);
2. nets the moves per balance key and applies the deltas in one fixed key order, each as a
   single conditional ``UPDATE … SET quantity = quantity + d WHERE … AND quantity >= -d`` (the
   row lock is taken by the UPDATE itself, so two concurrent issues of the last unit cannot both
   succeed, and the fixed order means two postings never wait on each other in a cycle);
3. moves serial-numbered units with the same kind of conditional update;
4. appends the moves with one ``INSERT``.

There is no running balance on the moves: a late posting never forces a "repost". The database
backs the rules up: ``CHECK (quantity >= 0)`` on balances, ``CHECK (quantity <> 0)`` on moves.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from medspa.core.errors import Conflict, ValidationError
from medspa.inventory.choices import CloseStatus, MoveType
from medspa.inventory.models import Lot, MonthClose, Serial, StockBalance, StockMove, Warehouse

QTY_PLACES = Decimal("0.001")
COST_PLACES = Decimal("0.0001")
MAX_QTY = Decimal("99999999999.999")


class InsufficientStock(Conflict):
    """An outbound move asks for more than the balance holds."""

    code = "insufficient_stock"

    def __init__(self, message: str, *, field: str | None = "lines") -> None:
        super().__init__(message, field=field)


class PeriodClosed(Conflict):
    """The posting date lies in a month that is closed for the warehouse."""

    code = "period_closed"


class SerialConflict(Conflict):
    """A serial number is not where the move says it is."""

    code = "serial_conflict"


@dataclass(frozen=True, slots=True)
class MoveInput:
    """One move to post: a signed quantity in base units of ``lot.item`` in ``warehouse``."""

    warehouse: Warehouse
    lot: Lot
    quantity: Decimal
    move_type: MoveType
    bin_id: int | None = None
    owner_id: int | None = None
    serial_id: int | None = None


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """What the moves are posted for: the document's kind, id and number."""

    doc_type: str
    doc_id: int
    number: str


BalanceKey = tuple[int, int, int, int, int]  # warehouse, bin or 0, item, lot, owner or 0


def month_start(moment: datetime.datetime | datetime.date) -> datetime.date:
    """The first day of the month of ``moment`` (a datetime is read in Asia/Shanghai)."""
    if isinstance(moment, datetime.datetime):
        moment = timezone.localdate(moment)
    return moment.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def month_end_moment(month: datetime.date) -> datetime.datetime:
    """The first instant after ``month`` (local midnight of the next month's first day)."""
    start = next_month(month)
    return timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))


def check_open(warehouse_ids: Iterable[int], posted_at: datetime.datetime) -> None:
    """Refuse a posting at ``posted_at`` into any of the warehouses whose books are closed for
    that month (or a later one: closes are sequential, so a later close covers this month too)."""
    month = month_start(posted_at)
    # Values only: this runs on every posting, and the ORM's model machinery costs more than
    # the query.
    closed = (
        MonthClose.objects.filter(
            warehouse_id__in=set(warehouse_ids), month__gte=month, status=CloseStatus.CLOSED
        )
        .order_by("month")
        .values_list("warehouse__name", "month")[:1]
    )
    for warehouse_name, closed_month in closed:
        raise PeriodClosed(
            _("%(warehouse)s is closed for %(month)s: nothing can be posted dated %(date)s.")
            % {
                "warehouse": warehouse_name,
                "month": f"{closed_month:%Y-%m}",
                "date": f"{timezone.localdate(posted_at):%Y-%m-%d}",
            },
            field="posted_at",
        )


def _share_warehouses(warehouse_ids: set[int]) -> None:
    """Hold a share lock on the warehouses until the posting commits: the monthly close locks
    the warehouse row FOR UPDATE, so a close and a posting into the month it sums cannot overlap
    (postings do not block each other). SQLite serialises writers anyway."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Warehouse._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR SHARE",  # noqa: S608
            [sorted(warehouse_ids)],
        )


def clean_quantity(value: Any, *, field: str = "quantity", allow_zero: bool = False) -> Decimal:
    """A positive quantity with at most three decimals; anything else gets a clear message."""
    try:
        qty = Decimal(str(value).strip())
    except Exception as exc:
        raise ValidationError(_("Enter a number, for example 10 or 2.5."), field=field) from exc
    if not qty.is_finite():
        raise ValidationError(_("Enter a number, for example 10 or 2.5."), field=field)
    if qty < 0 or (qty == 0 and not allow_zero):
        raise ValidationError(_("The quantity must be greater than zero."), field=field)
    if qty > MAX_QTY:  # before quantize(): 1e30 has no room for three places at 28 digits
        raise ValidationError(_("The quantity is too large."), field=field)
    if qty != qty.quantize(QTY_PLACES):
        raise ValidationError(_("A quantity has at most three decimal places."), field=field)
    return qty.quantize(QTY_PLACES)


def _key(move: MoveInput) -> BalanceKey:
    return (move.warehouse.pk, move.bin_id or 0, move.lot.item_id, move.lot.pk, move.owner_id or 0)


def _shortage_message(move: MoveInput, on_hand: Decimal, wanted: Decimal) -> str:
    lot = move.lot
    return _(
        "Insufficient stock: %(item)s lot %(lot)s in %(warehouse)s has %(on_hand)s %(unit)s, "
        "%(wanted)s %(unit)s requested."
    ) % {
        "item": lot.item.name,
        "lot": lot.batch_no or "—",
        "warehouse": move.warehouse.name,
        "on_hand": f"{on_hand.normalize():f}",
        "wanted": f"{wanted.normalize():f}",
        "unit": lot.item.base_unit,
    }


_KEY_SQL = "warehouse_id, COALESCE(bin_id, 0), item_id, lot_id, COALESCE(owner_id, 0)"


def _as_quantity(value: Any) -> Decimal:
    """A quantity read by raw SQL: PostgreSQL gives a Decimal; SQLite keeps NUMERIC columns as
    binary floats, whose shortest repr is the decimal that was written."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(QTY_PLACES)


def _lock_balances(cursor: Any, keys: list[BalanceKey]) -> dict[BalanceKey, tuple[int, Decimal]]:
    """Lock the existing balance rows of ``keys`` in primary-key order (one statement) and return
    {key: (id, quantity)}. Every posting locks in the same order, so two never deadlock."""
    table = StockBalance._meta.db_table
    tuples = ", ".join(["(%s, %s, %s, %s, %s)"] * len(keys))
    lots = sorted({key[3] for key in keys})
    lock = " FOR UPDATE" if cursor.db.features.has_select_for_update else ""
    cursor.execute(
        f"SELECT id, {_KEY_SQL}, quantity FROM {table} "  # noqa: S608 - names from the model
        f"WHERE lot_id IN ({', '.join(['%s'] * len(lots))}) AND ({_KEY_SQL}) IN (VALUES {tuples}) "
        f"ORDER BY id{lock}",
        [*lots, *(value for key in keys for value in key)],
    )
    return {tuple(row[1:6]): (row[0], _as_quantity(row[6])) for row in cursor.fetchall()}


def _create_balances(cursor: Any, keys: list[BalanceKey], branch_of: dict[int, int]) -> None:
    """Insert empty balance rows for ``keys`` (sorted, so concurrent first receipts of the same
    keys queue instead of deadlocking); a row a concurrent posting created first is left alone."""
    table = StockBalance._meta.db_table
    now = cursor.db.ops.adapt_datetimefield_value(timezone.now())
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, 0, %s)"] * len(keys))
    params: list[Any] = []
    for warehouse_id, bin_id, item_id, lot_id, owner_id in keys:
        branch_id = branch_of[warehouse_id]
        params += [branch_id, warehouse_id, bin_id or None, item_id, lot_id, owner_id or None, now]
    columns = "branch_id, warehouse_id, bin_id, item_id, lot_id, owner_id, quantity, updated_at"
    cursor.execute(
        f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT DO NOTHING",  # noqa: S608
        params,
    )


def _apply_deltas(deltas: dict[BalanceKey, Decimal], sample: dict[BalanceKey, MoveInput]) -> None:
    """Apply the netted deltas to the balances: lock the rows in id order, create the missing
    ones for inbound keys, check that no balance would go below zero (the rows are locked, so
    the check holds until commit), then write every new quantity in one UPDATE."""
    keys = sorted(key for key, delta in deltas.items() if delta)
    if not keys:
        return
    with transaction.get_connection().cursor() as cursor:
        found = _lock_balances(cursor, keys)
        missing = [key for key in keys if key not in found]
        for key in missing:
            if deltas[key] < 0:
                raise InsufficientStock(_shortage_message(sample[key], Decimal(0), -deltas[key]))
        if missing:
            branch_of = {sample[key].warehouse.pk: sample[key].warehouse.branch_id for key in missing}
            _create_balances(cursor, missing, branch_of)
            found.update(_lock_balances(cursor, missing))
        updates: list[tuple[int, Decimal]] = []
        for key in keys:
            balance_id, quantity = found[key]
            new = quantity + deltas[key]
            if new < 0:
                raise InsufficientStock(_shortage_message(sample[key], quantity, -deltas[key]))
            updates.append((balance_id, new))
        table = StockBalance._meta.db_table
        cases = " ".join(["WHEN %s THEN %s"] * len(updates))
        cursor.execute(
            f"UPDATE {table} SET quantity = CASE id {cases} END, updated_at = %s "  # noqa: S608
            f"WHERE id IN ({', '.join(['%s'] * len(updates))})",
            [
                *(value for pair in updates for value in pair),
                cursor.db.ops.adapt_datetimefield_value(timezone.now()),
                *(balance_id for balance_id, _new in updates),
            ],
        )


def _move_serials(moves: Sequence[MoveInput]) -> None:
    """Take serials out of their warehouse first, then put them in: a transfer moves a serial
    out of one warehouse and into another within one posting."""
    for move in sorted((m for m in moves if m.serial_id), key=lambda m: m.quantity):
        serial_id = int(move.serial_id or 0)
        serial = Serial.objects.filter(pk=serial_id)
        if move.quantity < 0:
            moved = serial.filter(warehouse_id=move.warehouse.pk).update(warehouse=None)
            message = _("Serial no %(serial)s is not in stock in %(warehouse)s.")
        else:
            moved = serial.filter(warehouse__isnull=True).update(warehouse=move.warehouse)
            message = _("Serial no %(serial)s is already in stock.")
        if not moved:
            serial_no = Serial.objects.filter(pk=serial_id).values_list("serial_no", flat=True).first()
            raise SerialConflict(
                message % {"serial": serial_no, "warehouse": move.warehouse.name}, field="lines"
            )


def post_moves(
    *,
    actor: Any,
    moves: Sequence[MoveInput],
    document: DocumentRef,
    posted_at: datetime.datetime | None = None,
) -> list[StockMove]:
    """Post ``moves`` for ``document`` — the only writer of the stock ledger. Must run inside
    ``transaction.atomic()``; on any refusal the caller's transaction rolls everything back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post_moves() must be called inside transaction.atomic()")
    if not moves:
        raise ValidationError(_("The document has no lines."), field="lines")
    posted_at = posted_at or timezone.now()
    for move in moves:
        if move.quantity == 0 or move.quantity != move.quantity.quantize(QTY_PLACES):
            raise ValueError(f"a move needs a non-zero quantity with at most 3 places, not {move.quantity}")
        if move.serial_id and abs(move.quantity) != 1:
            raise ValueError("a serial-numbered move is one unit")
    warehouse_ids = {m.warehouse.pk for m in moves}
    _share_warehouses(warehouse_ids)
    check_open(warehouse_ids, posted_at)

    deltas: dict[BalanceKey, Decimal] = defaultdict(Decimal)
    sample: dict[BalanceKey, MoveInput] = {}
    for move in moves:
        key = _key(move)
        deltas[key] += move.quantity
        sample.setdefault(key, move)
    _apply_deltas(deltas, sample)
    _move_serials(moves)

    rows = [
        StockMove(
            branch_id=move.warehouse.branch_id,
            warehouse_id=move.warehouse.pk,
            bin_id=move.bin_id,
            item_id=move.lot.item_id,
            lot_id=move.lot.pk,
            serial_id=move.serial_id,
            owner_id=move.owner_id,
            quantity=move.quantity,
            unit_cost=move.lot.unit_cost,
            move_type=move.move_type,
            document_type=document.doc_type,
            document_id=document.doc_id,
            document_number=document.number,
            posted_at=posted_at,
            actor_id=actor.pk,
        )
        for move in moves
    ]
    return StockMove.objects.bulk_create(rows)


def verify(warehouse_ids: Iterable[int] | None = None) -> list[str]:
    """Compare every balance with the sum of its moves; return one line per difference (empty
    when the ledger and the balances agree) — ``medspa manage inventory_verify``."""
    moves = StockMove.objects.all()
    balances = StockBalance.objects.all()
    if warehouse_ids is not None:
        ids = list(warehouse_ids)
        moves = moves.filter(warehouse_id__in=ids)
        balances = balances.filter(warehouse_id__in=ids)
    fields = ("warehouse_id", "bin_id", "item_id", "lot_id", "owner_id")
    # Quantized: SQLite sums its NUMERIC columns as binary floats (0.1 + 0.2 - 0.3 ≠ 0).
    ledger: dict[tuple[Any, ...], Decimal] = {
        tuple(row[f] for f in fields): Decimal(row["total"]).quantize(QTY_PLACES)
        for row in moves.values(*fields).annotate(total=Sum("quantity")).order_by()
    }
    problems: list[str] = []
    seen: set[tuple[Any, ...]] = set()
    for row in balances.values(*fields, "quantity").iterator():
        key = tuple(row[f] for f in fields)
        seen.add(key)
        expected = ledger.get(key, Decimal(0))
        if row["quantity"] != expected:
            problems.append(f"balance {key}: {row['quantity']} != moves {expected}")
        if row["quantity"] < 0:
            problems.append(f"balance {key} is negative: {row['quantity']}")
    for key, total in ledger.items():
        if key not in seen and total != 0:
            problems.append(f"moves {key} sum to {total} but there is no balance row")
    return problems
