"""INV-10: ``medspa manage inventory_verify`` / ``medspa inventory verify`` prove that every stock
balance equals the sum of its moves, that none is negative, and that every serial is where its
moves put it; a tampered row is named and the exit status is non-zero."""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from medspa import cli
from medspa.inventory import document_services as svc
from medspa.inventory.choices import DocumentType, IssueKind
from medspa.inventory.models import Lot, Serial, StockBalance, StockMove
from tests.inventory.factories import CompanyFactory, ItemFactory, SerialItemFactory, WarehouseFactory
from tests.inventory.support import STOREKEEPER_PERMS, scoped_user

pytestmark = [pytest.mark.django_db, pytest.mark.req("INV-10")]


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _post(actor, doc_type, lines, **header):
    doc = svc.document_create(actor=actor, doc_type=doc_type, lines=lines, **header)
    svc.document_submit(actor=actor, document=doc)
    return svc.document_post(actor=actor, document=doc)


@pytest.fixture
def books(branch):
    """Two warehouses: the central one received 10 of item A (lot A1) and two serials of an
    implant (lot S1), then transferred 4 of A and serial SN2 to the second one: 4 balance rows
    (A1 and S1 in each warehouse) and 7 moves (3 received, 2 out and 2 in)."""
    keeper = scoped_user("keeper", branch, STOREKEEPER_PERMS)
    central = WarehouseFactory(branch=branch, name="中心库")
    second = WarehouseFactory(branch=branch, name="二号库")
    supplier = CompanyFactory(organisation=branch.organisation)
    item = ItemFactory(organisation=branch.organisation, name="玻尿酸")
    implant = SerialItemFactory(organisation=branch.organisation, name="假体")
    implant_line = {"item_id": implant.pk, "quantity": 1, "unit_price": "5000", "batch_no": "S1"}
    _post(
        keeper,
        DocumentType.RECEIPT,
        [
            svc.LineInput(
                item_id=item.pk, quantity=10, unit_price="2.5", batch_no="A1", expiry_date=_days(300)
            ),
            svc.LineInput(serial_no="SN1", expiry_date=_days(900), **implant_line),
            svc.LineInput(serial_no="SN2", expiry_date=_days(900), **implant_line),
        ],
        warehouse=central,
        supplier=supplier,
    )
    _post(
        keeper,
        DocumentType.TRANSFER,
        [
            svc.LineInput(item_id=item.pk, quantity=4),
            svc.LineInput(item_id=implant.pk, quantity=1, serial_no="SN2"),
        ],
        warehouse=central,
        to_warehouse=second,
    )
    return {
        "keeper": keeper,
        "central": central,
        "second": second,
        "item": item,
        "implant": implant,
        "lot": Lot.objects.get(item=item),
        "implant_lot": Lot.objects.get(item=implant),
    }


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("inventory_verify", *args, stdout=out)
    return out.getvalue()


def _failing(*args: str) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^the stock ledger and the balances disagree \(see above\)$"):
        call_command("inventory_verify", *args, stdout=out)
    return out.getvalue()


def _scaled(output: str) -> list[str]:
    """The output's lines with the sums of moves written to three places: the database returns
    ``4.000`` on PostgreSQL but ``4`` on SQLite (whose SUM of decimals drops the scale)."""
    return [
        re.sub(r"(moves |sum to )(-?\d+(?:\.\d+)?)", lambda m: f"{m[1]}{Decimal(m[2]):.3f}", line)
        for line in output.splitlines()
    ]


def _key(balance: StockBalance) -> str:
    return (
        f"({balance.warehouse_id}, {balance.bin_id}, {balance.item_id}, {balance.lot_id}, {balance.owner_id})"
    )


def test_consistent_ledger_is_ok(books):
    assert (StockBalance.objects.count(), StockMove.objects.count()) == (4, 7)
    assert _run() == "OK: 4 balances match the ledger (7 moves)\n"
    assert _run("--warehouse", str(books["second"].pk)) == "OK: 2 balances match the ledger (2 moves)\n"
    both = ("--warehouse", str(books["central"].pk), "--warehouse", str(books["second"].pk))
    assert _run(*both) == "OK: 4 balances match the ledger (7 moves)\n"


def test_empty_ledger_is_ok(db):
    assert _run() == "OK: 0 balances match the ledger (0 moves)\n"


def test_tampered_balance_is_named_and_fails(books):
    balance = StockBalance.objects.get(warehouse=books["central"], lot=books["lot"])
    assert balance.quantity == Decimal(6)
    StockBalance.objects.filter(pk=balance.pk).update(quantity=Decimal("7.000"))  # the tampering

    out = _failing()
    assert _scaled(out) == [
        "1 problems (balance keys are (warehouse, bin, item, lot, owner)):",
        f"balance {_key(balance)}: 7.000 != moves 6.000",
    ]
    assert _failing("--warehouse", str(books["central"].pk)) == out
    # the other warehouse alone is still consistent
    assert _run("--warehouse", str(books["second"].pk)) == "OK: 2 balances match the ledger (2 moves)\n"


def test_missing_balance_row_is_named(books):
    balance = StockBalance.objects.get(warehouse=books["second"], lot=books["lot"])
    StockBalance.objects.filter(pk=balance.pk).delete()
    assert _scaled(_failing())[1:] == [f"moves {_key(balance)} sum to 4.000 but there is no balance row"]


@contextmanager
def _check_constraints_off() -> Iterator[None]:
    """Let the test write a negative balance the database would refuse (the point of the test)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks on the table
            cursor.execute(
                "ALTER TABLE inventory_stockbalance DROP CONSTRAINT stockbalance_quantity_non_negative"
            )
            yield  # DDL is transactional: the test's rollback restores the constraint
        else:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                yield
            finally:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")


def test_negative_balance_is_named(books):
    balance = StockBalance.objects.get(warehouse=books["second"], lot=books["lot"])
    with _check_constraints_off():
        StockBalance.objects.filter(pk=balance.pk).update(quantity=Decimal("-1.000"))
        out = _failing("--warehouse", str(books["second"].pk))
    assert _scaled(out)[1:] == [
        f"balance {_key(balance)}: -1.000 != moves 4.000",
        f"balance {_key(balance)} is negative: -1.000",
    ]


def test_serial_recorded_in_the_wrong_warehouse_is_named(books):
    sn1 = Serial.objects.get(serial_no="SN1")
    Serial.objects.filter(pk=sn1.pk).update(warehouse=books["second"])  # the tampering
    central, second = books["central"].pk, books["second"].pk
    name = f"serial SN1 (id {sn1.pk}, item {books['implant'].pk})"

    out = _failing()
    assert _scaled(out)[1:] == [
        f"{name} is in warehouse {second} but its moves there sum to 0.000",
        f"{name} is not in warehouse {central} but its moves there sum to 1.000",
    ]
    assert _failing("--warehouse", str(second)).splitlines()[1:] == [
        f"{name} is in warehouse {second} but its moves there sum to 0.000"
    ]
    assert _failing("--warehouse", str(central)).splitlines()[1:] == [
        f"{name} is not in warehouse {central} but its moves there sum to 1.000"
    ]


def test_serial_issued_for_usage_is_nowhere_and_consistent(books):
    _post(
        books["keeper"],
        DocumentType.ISSUE,
        [svc.LineInput(item_id=books["implant"].pk, quantity=1, serial_no="SN2")],
        warehouse=books["second"],
        issue_kind=IssueKind.USAGE,
    )
    assert Serial.objects.get(serial_no="SN2").warehouse_id is None
    assert _run() == "OK: 4 balances match the ledger (8 moves)\n"
    Serial.objects.filter(serial_no="SN2").update(warehouse=books["second"])
    assert _scaled(_failing())[1:] == [
        f"serial SN2 (id {Serial.objects.get(serial_no='SN2').pk}, item {books['implant'].pk}) "
        f"is in warehouse {books['second'].pk} but its moves there sum to 0.000"
    ]


def test_unknown_warehouse_is_refused(books):
    with pytest.raises(CommandError, match=r"^no warehouse with id -1$"):
        call_command("inventory_verify", "--warehouse", "-1", stdout=io.StringIO())


def test_medspa_inventory_verify(books, capsys):
    assert cli.main(["inventory", "verify"]) == 0
    assert capsys.readouterr().out == "OK: 4 balances match the ledger (7 moves)\n"
    assert cli.main(["inventory", "verify", "--warehouse", str(books["second"].pk)]) == 0
    assert capsys.readouterr().out == "OK: 2 balances match the ledger (2 moves)\n"
    assert cli.main(["inventory", "verify", "--warehouse", "-1"]) == 2
    assert capsys.readouterr().err == "no warehouse with id -1\n"
    balance = StockBalance.objects.get(warehouse=books["second"], lot=books["lot"])
    StockBalance.objects.filter(pk=balance.pk).update(quantity=Decimal(0))
    assert cli.main(["inventory", "verify"]) == 1
    assert _scaled(capsys.readouterr().out)[1:] == [f"balance {_key(balance)}: 0.000 != moves 4.000"]


def test_parser_knows_the_inventory_subcommand():
    parser = cli.build_parser()
    args = parser.parse_args(["inventory", "verify", "--warehouse", "3", "--warehouse", "5"])
    assert (args.inventory_command, args.warehouses) == ("verify", [3, 5])
    with pytest.raises(SystemExit):
        parser.parse_args(["inventory"])
