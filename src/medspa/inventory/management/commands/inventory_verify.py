"""``medspa manage inventory_verify [--warehouse ID ...]`` (also ``medspa inventory verify``) —
INV-10: prove that the stock ledger and its cached balances agree.

Checks, for every warehouse or only the ones named:

- every :class:`StockBalance` equals the sum of its moves, no moves lack a balance row, and no
  balance is negative (:func:`medspa.inventory.ledger.verify`);
- every serial-numbered unit has a net +1 of moves in the warehouse it is recorded in, and a net
  0 in every other warehouse its moves touched.

Prints ``OK: N balances match the ledger (M moves)`` and exits 0, or prints one line per problem
and exits 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Sum

from medspa.inventory import ledger
from medspa.inventory.models import Serial, StockBalance, StockMove, Warehouse

KEY_LEGEND = "balance keys are (warehouse, bin, item, lot, owner)"


def serial_problems(warehouse_ids: list[int] | None) -> list[str]:
    """One line per serial whose moves do not put it where it is recorded: +1 net in its
    warehouse, 0 net in every other warehouse its moves touched."""
    moves = StockMove.objects.filter(serial__isnull=False)
    serials = Serial.objects.filter(warehouse__isnull=False)
    if warehouse_ids is not None:
        moves = moves.filter(warehouse_id__in=warehouse_ids)
        serials = serials.filter(warehouse_id__in=warehouse_ids)
    net: dict[tuple[int, int], Decimal] = {
        (row["serial_id"], row["warehouse_id"]): row["total"].quantize(ledger.QTY_PLACES)
        for row in moves.values("serial_id", "warehouse_id").annotate(total=Sum("quantity")).order_by()
    }
    located: dict[int, int] = dict(serials.values_list("pk", "warehouse_id"))
    found: list[tuple[int, str]] = []
    for serial_id, warehouse_id in sorted(located.items()):
        total = net.get((serial_id, warehouse_id), Decimal("0.000"))
        if total != 1:
            found.append((serial_id, f"is in warehouse {warehouse_id} but its moves there sum to {total}"))
    for (serial_id, warehouse_id), total in sorted(net.items()):
        if located.get(serial_id) != warehouse_id and total != 0:
            found.append(
                (serial_id, f"is not in warehouse {warehouse_id} but its moves there sum to {total}")
            )
    names = {
        row["pk"]: f"serial {row['serial_no']} (id {row['pk']}, item {row['item_id']})"
        for row in Serial.objects.filter(pk__in={pk for pk, _ in found}).values("pk", "serial_no", "item_id")
    }
    return [f"{names[serial_id]} {text}" for serial_id, text in found]


def check(warehouse_ids: Iterable[int] | None = None) -> tuple[list[str], int, int]:
    """(problems, balances checked, moves checked) for the warehouses named, or all."""
    ids = None if warehouse_ids is None else sorted(set(warehouse_ids))
    problems = ledger.verify(ids)  # also names every negative balance
    problems += serial_problems(ids)
    balances = StockBalance.objects.all()
    moves = StockMove.objects.all()
    if ids is not None:
        balances = balances.filter(warehouse_id__in=ids)
        moves = moves.filter(warehouse_id__in=ids)
    return problems, balances.count(), moves.count()


def unknown_warehouses(warehouse_ids: Iterable[int]) -> list[int]:
    """The ids among ``warehouse_ids`` that name no warehouse."""
    ids = set(warehouse_ids)
    return sorted(ids - set(Warehouse.objects.filter(pk__in=ids).values_list("pk", flat=True)))


def report(stdout: Any, warehouse_ids: Iterable[int] | None = None) -> int:
    """Print the verdict; 0 when the ledger and the balances agree, 1 otherwise (shared with
    ``medspa inventory verify``)."""
    problems, balances, moves = check(warehouse_ids)
    if not problems:
        stdout.write(f"OK: {balances} balances match the ledger ({moves} moves)\n")
        return 0
    stdout.write(f"{len(problems)} problems ({KEY_LEGEND}):\n")
    for line in problems:
        stdout.write(f"{line}\n")
    return 1


class Command(BaseCommand):
    help = (
        "Verify the stock ledger: every balance equals the sum of its moves, none is negative, and "
        "every serial is where its moves put it. Exit status 1 lists the problems."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--warehouse",
            type=int,
            action="append",
            dest="warehouses",
            metavar="ID",
            help="check only this warehouse (repeat for several)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ids = options.get("warehouses")
        missing = unknown_warehouses(ids or [])
        if missing:
            raise CommandError(f"no warehouse with id {', '.join(map(str, missing))}")
        if report(self.stdout, ids or None):
            raise CommandError("the stock ledger and the balances disagree (see above)")
