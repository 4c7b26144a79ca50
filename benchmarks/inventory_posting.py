"""INV-10 posting budgets: the stock ledger must post at least 2,000 moves/s, and a one-line issue
(create, submit, post through the document services) must take p95 <= 20 ms, on PostgreSQL on
the reference machine (2 cores).

Measures, on a scratch database with one branch, two warehouses, ``--items`` items and 5 lots of
each (reference rows written directly; every stock row through the real code):

1. ``post_moves`` with ``--moves-per-call`` (100) moves per call, ``--calls`` calls of receipts
   (conditional increments) and as many calls of transfers (half the moves out of warehouse A —
   conditional decrements — and half into B), each call in its own transaction;
2. ``document_post`` of ``--documents`` purchase receipts of ``--lines`` (20) lines each (a new
   batch per line: lot lookup and creation, certificate check, audit), and as many transfers
   of ``--lines`` lines with explicit lots (2 moves per line); drafts are created and submitted
   beforehand, only the posting is timed;
3. ``-n`` (200) one-line usage issues with an explicit lot saved and posted in one step
   (``document_create(post=True)``: the budget), then ``-n`` more as ``document_create`` +
   ``document_submit`` + ``document_post`` timed as a whole and per step (after 20 untimed
   warm-ups each).

Throughput is moves / wall time of the timed calls; latencies are nearest-rank percentiles. At the
end ``ledger.verify()`` must report nothing. Scratch database: SQLite in a temp dir, or on the
PostgreSQL server of DATABASE_URL a database ``medspa_bench_inventory`` (dropped at the end
unless ``--keep``). Exit status 1 when ``post_moves`` is below 2,000 moves/s or the issue p95 is
above 20 ms on PostgreSQL (``document_post`` throughput is reported against the same goal);
SQLite is reported only.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

MOVES_PER_SECOND = 2000.0
ISSUE_P95_MS = 20.0
DB_NAME = "medspa_bench_inventory"
ORG_CODE = "bench-inventory"
LOTS_PER_ITEM = 5


def _today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()


# --- bootstrap ------------------------------------------------------------------------------------


def bootstrap() -> Path:
    """Point Django at a fresh scratch database and migrate it; returns the scratch directory."""
    scratch = Path(tempfile.mkdtemp(prefix="medspa-inventory-bench-"))
    os.environ["MEDSPA_VAR_DIR"] = str(scratch)
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ["DJANGO_SETTINGS_MODULE"] = "medspa.settings"
    if os.environ.get("DATABASE_URL"):
        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
        os.environ["DATABASE_URL"] = f"{base}/{DB_NAME}"

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return scratch


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")


# --- data -----------------------------------------------------------------------------------------


@dataclass
class Setting:
    """What the measurements post against."""

    actor: Any
    source: Any  # warehouse A
    target: Any  # warehouse B
    supplier: Any
    items: list[Any]
    lots: list[Any]


def build_setting(items: int, *, seed: int = 2026) -> Setting:
    """One organisation and branch, a storekeeper (built-in role 库管, branch scope), warehouses A
    and B, a supplier with a valid licence, ``items`` items with ``LOTS_PER_ITEM`` lots each."""
    from medspa.accounts.models import User
    from medspa.accounts.roles import builtin_role, ensure_builtin_roles
    from medspa.core.pinyin import search_key
    from medspa.inventory.choices import CategoryKind, CertificateKind
    from medspa.inventory.models import Certificate, Company, Item, ItemCategory, Lot, Warehouse
    from medspa.organization.models import Branch, Organisation

    rng = random.Random(seed)
    org = Organisation.objects.create(code=ORG_CODE, name="基准医美集团")
    branch = Branch.objects.create(organisation=org, code="main", name="总院")
    roles = ensure_builtin_roles()
    actor = User.objects.create(username=f"{ORG_CODE}-storekeeper", organisation=org, default_branch=branch)
    actor.branches.add(branch)
    actor.groups.add(roles[builtin_role("storekeeper").name])
    source = Warehouse.objects.create(branch=branch, code="A", name="中心库")
    target = Warehouse.objects.create(branch=branch, code="B", name="二号库")
    supplier = Company.objects.create(
        organisation=org, code="S1", name="华东医药", pinyin=search_key("华东医药")
    )
    Certificate.objects.create(
        company=supplier,
        kind=CertificateKind.BUSINESS_LICENCE,
        number="LIC-BENCH",
        expires_on=_today() + datetime.timedelta(days=3650),
    )
    category = ItemCategory.objects.create(organisation=org, code="drug", name="药品", kind=CategoryKind.DRUG)
    rows = Item.objects.bulk_create(
        Item(
            organisation=org,
            code=f"I{n:05d}",
            name=f"耗材{n}",
            pinyin=search_key(f"耗材{n}"),
            base_unit="支",
            category=category,
            purchase_price=Decimal("10.00"),
        )
        for n in range(items)
    )
    expiry = _today() + datetime.timedelta(days=730)
    lots = Lot.objects.bulk_create(
        Lot(
            item=item,
            batch_no=f"L{item.pk}-{k}",
            expiry_date=expiry + datetime.timedelta(days=k),
            unit_cost=Decimal(rng.randrange(100, 100000)) / 100,
        )
        for item in rows
        for k in range(LOTS_PER_ITEM)
    )
    return Setting(actor=actor, source=source, target=target, supplier=supplier, items=rows, lots=lots)


# --- measurements ---------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return sorted_values[max(math.ceil(len(sorted_values) * p / 100) - 1, 0)]


@dataclass
class Throughput:
    """Timed calls that posted moves."""

    label: str
    moves: int = 0
    seconds: float = 0.0
    call_ms: list[float] = field(default_factory=list)

    def add(self, moves: int, seconds: float) -> None:
        self.moves += moves
        self.seconds += seconds
        self.call_ms.append(seconds * 1000)

    @property
    def per_second(self) -> float:
        return self.moves / self.seconds if self.seconds else 0.0

    def line(self, enforced: bool) -> str:
        times = sorted(self.call_ms)
        flag = "" if self.per_second >= MOVES_PER_SECOND else ("  BELOW GOAL" if enforced else "  below goal")
        return (
            f"{self.label:<44} {len(times):>6} {self.moves:>8} {self.seconds:>8.2f} "
            f"{self.per_second:>9.0f} {percentile(times, 50):>8.1f} {percentile(times, 95):>8.1f}{flag}"
        )


def bench_post_moves(setting: Setting, *, calls: int, per_call: int, seed: int = 1) -> list[Throughput]:
    """``calls`` receipts of ``per_call`` moves into A, then ``calls`` transfers A → B."""
    from django.db import transaction

    from medspa.inventory.choices import MoveType
    from medspa.inventory.ledger import DocumentRef, MoveInput, post_moves

    rng = random.Random(seed)
    on_hand: dict[int, int] = {}
    receipts = Throughput(f"post_moves receipts, {per_call} moves/call")
    order = list(setting.lots)
    rng.shuffle(order)
    for n in range(calls):
        chosen = [order[(n * per_call + k) % len(order)] for k in range(min(per_call, len(order)))]
        moves = []
        for lot in chosen:
            quantity = rng.randrange(50, 200)
            on_hand[lot.pk] = on_hand.get(lot.pk, 0) + quantity
            moves.append(MoveInput(setting.source, lot, Decimal(quantity), MoveType.RECEIPT))
        started = time.perf_counter()
        with transaction.atomic():
            post_moves(actor=setting.actor, moves=moves, document=DocumentRef("bench", n, f"BENCH-R{n}"))
        receipts.add(len(moves), time.perf_counter() - started)
    transfers = Throughput(f"post_moves transfers, {per_call} moves/call")
    for n in range(calls):
        stocked = [lot for lot in setting.lots if on_hand.get(lot.pk, 0) >= 4]
        moves = []
        for lot in rng.sample(stocked, min(per_call // 2, len(stocked))):
            quantity = rng.randrange(1, 5)
            on_hand[lot.pk] -= quantity
            moves.append(MoveInput(setting.source, lot, Decimal(-quantity), MoveType.TRANSFER_OUT))
            moves.append(MoveInput(setting.target, lot, Decimal(quantity), MoveType.TRANSFER_IN))
        started = time.perf_counter()
        with transaction.atomic():
            post_moves(actor=setting.actor, moves=moves, document=DocumentRef("bench", n, f"BENCH-T{n}"))
        transfers.add(len(moves), time.perf_counter() - started)
    return [receipts, transfers]


def bench_document_post(setting: Setting, *, documents: int, lines: int, seed: int = 2) -> list[Throughput]:
    """Post ``documents`` receipts of ``lines`` lines (new batches), then as many transfers."""
    from medspa.inventory import document_services as svc
    from medspa.inventory.choices import DocumentType
    from medspa.inventory.models import StockBalance

    rng = random.Random(seed)
    actor = setting.actor
    expiry = _today() + datetime.timedelta(days=400)
    drafts = []
    for n in range(documents):
        doc = svc.document_create(
            actor=actor,
            doc_type=DocumentType.RECEIPT,
            warehouse=setting.source,
            supplier=setting.supplier,
            lines=[
                svc.LineInput(
                    item_id=item.pk,
                    quantity=rng.randrange(10, 100),
                    unit_price=f"{rng.randrange(100, 50000) / 100:.2f}",
                    batch_no=f"R{n}-{k}",
                    expiry_date=expiry,
                )
                for k, item in enumerate(rng.sample(setting.items, lines))
            ],
        )
        drafts.append(svc.document_submit(actor=actor, document=doc))
    receipts = Throughput(f"document_post receipts, {lines} lines/document")
    for doc in drafts:
        started = time.perf_counter()
        svc.document_post(actor=actor, document=doc.pk)
        receipts.add(lines, time.perf_counter() - started)
    stocked = list(
        StockBalance.objects.filter(warehouse=setting.source, quantity__gte=documents).values_list(
            "lot_id", "item_id"
        )
    )
    drafts = []
    for _n in range(documents):
        doc = svc.document_create(
            actor=actor,
            doc_type=DocumentType.TRANSFER,
            warehouse=setting.source,
            to_warehouse=setting.target,
            lines=[
                svc.LineInput(item_id=item_id, quantity=1, lot_id=lot_id)
                for lot_id, item_id in rng.sample(stocked, lines)
            ],
        )
        drafts.append(svc.document_submit(actor=actor, document=doc))
    transfers = Throughput(f"document_post transfers, {lines} lines/document")
    for doc in drafts:
        started = time.perf_counter()
        svc.document_post(actor=actor, document=doc.pk)
        transfers.add(2 * lines, time.perf_counter() - started)
    return [receipts, transfers]


@dataclass
class Latency:
    label: str
    ms: list[float]

    @property
    def sorted(self) -> list[float]:
        return sorted(self.ms)

    def line(self, budget: float | None, enforced: bool) -> str:
        times = self.sorted
        p95 = percentile(times, 95)
        flag = ""
        if budget is not None and p95 > budget:
            flag = "  OVER" if enforced else "  over budget"
        p50, worst = percentile(times, 50), times[-1]
        return f"{self.label:<44} {len(times):>6} {p50:>8.2f} {p95:>8.2f} {worst:>8.2f}{flag}"


def bench_single_issue(setting: Setting, *, n: int, warmup: int = 20, seed: int = 3) -> list[Latency]:
    """``n`` one-line usage issues of 1 unit from A with an explicit lot (stock from step 1):
    first saved and posted in one step (``document_create(post=True)``, the "save and post"
    button — the budget), then as draft → submit → post, timed together and per step."""
    from medspa.inventory import document_services as svc
    from medspa.inventory.choices import DocumentType, IssueKind
    from medspa.inventory.models import StockBalance

    rng = random.Random(seed)
    stocked = list(
        StockBalance.objects.filter(warehouse=setting.source, quantity__gte=2 * (n + warmup)).values_list(
            "lot_id", "item_id"
        )
    )

    def create(lot_id: int, item_id: int, *, post: bool) -> Any:
        return svc.document_create(
            actor=setting.actor,
            doc_type=DocumentType.ISSUE,
            warehouse=setting.source,
            issue_kind=IssueKind.USAGE,
            lines=[svc.LineInput(item_id=item_id, quantity=1, lot_id=lot_id)],
            post=post,
        )

    one_step: list[float] = []
    for i in range(warmup + n):
        lot_id, item_id = rng.choice(stocked)
        t0 = time.perf_counter()
        create(lot_id, item_id, post=True)
        if i >= warmup:
            one_step.append((time.perf_counter() - t0) * 1000)
    total, drafting, submit, post = [], [], [], []
    for i in range(warmup + n):
        lot_id, item_id = rng.choice(stocked)
        t0 = time.perf_counter()
        doc = create(lot_id, item_id, post=False)
        t1 = time.perf_counter()
        svc.document_submit(actor=setting.actor, document=doc.pk)
        t2 = time.perf_counter()
        svc.document_post(actor=setting.actor, document=doc.pk)
        t3 = time.perf_counter()
        if i >= warmup:
            total.append((t3 - t0) * 1000)
            drafting.append((t1 - t0) * 1000)
            submit.append((t2 - t1) * 1000)
            post.append((t3 - t2) * 1000)
    return [
        Latency("issue saved and posted in one step (budget)", one_step),
        Latency("issue in three steps: create + submit + post", total),
        Latency("  document_create", drafting),
        Latency("  document_submit", submit),
        Latency("  document_post", post),
    ]


# --- report ---------------------------------------------------------------------------------------


@dataclass
class Report:
    vendor: str
    throughput: list[Throughput]
    latency: list[Latency]
    problems: list[str]
    machine: str = ""

    @property
    def enforced(self) -> bool:
        return self.vendor == "postgresql"

    @property
    def failures(self) -> list[str]:
        failed = [
            t.label
            for t in self.throughput
            if t.label.startswith("post_moves") and t.per_second < MOVES_PER_SECOND
        ]
        if percentile(self.latency[0].sorted, 95) > ISSUE_P95_MS:
            failed.append(self.latency[0].label)
        if self.problems:
            failed.append("ledger.verify()")
        return failed

    def table(self) -> str:
        lines = [
            f"INV-10 posting on {self.vendor}: goal >= {MOVES_PER_SECOND:,.0f} moves/s, one-line issue "
            f"p95 <= {ISSUE_P95_MS:.0f} ms" + ("" if self.enforced else " (not enforced on this database)"),
            self.machine,
            f"{'throughput':<44} {'calls':>6} {'moves':>8} {'seconds':>8} {'moves/s':>9} "
            f"{'p50 ms':>8} {'p95 ms':>8}",
        ]
        lines += [t.line(self.enforced and t.label.startswith("post_moves")) for t in self.throughput]
        lines.append(f"{'latency':<44} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        lines += [
            lat.line(ISSUE_P95_MS if k == 0 else None, self.enforced) for k, lat in enumerate(self.latency)
        ]
        lines.append(
            "ledger.verify(): "
            + ("every balance equals its moves" if not self.problems else f"{len(self.problems)} PROBLEMS")
        )
        return "\n".join(lines)


def machine() -> str:
    """CPUs, memory, load average (other processes skew the figures) and the database version."""
    from django.db import connection

    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    note = f"machine: {os.cpu_count()} CPUs, {ram:.0f} GiB RAM, load average {load}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            note += f"; PostgreSQL {cursor.fetchone()[0]}"
    return note


def run(
    setting: Setting,
    *,
    calls: int,
    per_call: int,
    documents: int,
    lines: int,
    n: int,
    log: Callable[[str], None] = print,
) -> Report:
    from django.db import connection

    from medspa.inventory.ledger import verify

    load_before = machine()
    log(f"post_moves: {calls} + {calls} calls of {per_call} moves")
    throughput = bench_post_moves(setting, calls=calls, per_call=per_call)
    log(f"document_post: {documents} + {documents} documents of {lines} lines")
    throughput += bench_document_post(setting, documents=documents, lines=lines)
    log(f"one-line issues: {n}")
    latency = bench_single_issue(setting, n=n)
    return Report(connection.vendor, throughput, latency, verify(), machine=load_before)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=400, help="items (5 lots each)")
    parser.add_argument("--calls", type=int, default=200, help="post_moves calls of each kind")
    parser.add_argument("--moves-per-call", type=int, default=100, dest="per_call")
    parser.add_argument("--documents", type=int, default=100, help="documents of each kind")
    parser.add_argument("--lines", type=int, default=20, help="lines per document")
    parser.add_argument("-n", type=int, default=200, help="one-line issues to time")
    parser.add_argument("--keep", action="store_true", help=f"keep the PostgreSQL database {DB_NAME}")
    args = parser.parse_args()

    scratch = bootstrap()
    try:
        from django.db import connection

        setting = build_setting(args.items)
        report = run(
            setting,
            calls=args.calls,
            per_call=args.per_call,
            documents=args.documents,
            lines=args.lines,
            n=args.n,
        )
        print(report.table())
        for problem in report.problems[:20]:
            print(f"  {problem}")
        vendor = connection.vendor
        status = 1 if report.failures and (report.enforced or report.problems) else 0
    finally:
        if os.environ.get("DATABASE_URL") and not args.keep:
            drop_database()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{vendor}: {'within budget' if status == 0 else 'FAILED: ' + ', '.join(report.failures)}")
    sys.exit(status)


if __name__ == "__main__":
    main()
