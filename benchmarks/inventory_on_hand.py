"""INV-10 on-hand budget: the stock page (库存查询) must answer within 300 ms (p95) on PostgreSQL
with 5,000,000 stock moves over 20,000 lots.

Generates one organisation with two branches (main: a central warehouse and four department
warehouses; east: a central warehouse and two department warehouses), ``--items`` items with
``--lots`` lots between them, a balance row for each lot in one or two warehouses of a branch, and
``--moves`` moves spread over those balance keys: per key a receipt followed by issues of 1–3
units over two years, so that every balance is exactly the sum of its moves (a tenth of the keys
end at zero). Reference rows, moves and balances are written directly — COPY on PostgreSQL,
``bulk_create`` elsewhere — then ``VACUUM (ANALYZE)``; ``ledger.verify()`` checks one warehouse
(``--full-verify``: all of them, timed) and a sample of keys is summed.

Then it times what the stock page runs for three actors — the storekeeper of the main branch
(branch scope), a nurse of one department (department scope) and the director (organisation
scope) — for each view (by item, by warehouse and item, by lot) and two filtered ones (an item
search, one warehouse): ``stock_selectors.on_hand`` paginated as the page paginates it (the count
and the first 25 rows) plus ``stock_totals`` (the totals row); and the row list
``balances_for`` the API serves. ``-n`` (30) timed calls each after 3 warm-ups, p50/p95/max of
the wall time (ORM, SQL, rows); the SQL with its ``EXPLAIN (ANALYZE, BUFFERS)`` for one call of
each view. ``--pages`` also times the whole page (GET /inventory/stock/ through Django's handler,
in-process).

Scratch database: SQLite in a temp dir, or on the PostgreSQL server of DATABASE_URL a database
``medspa_bench_onhand`` (dropped at the end unless ``--keep``; ``--reuse`` runs again on a kept
one). Exit status 1 when a p95 exceeds the budget on PostgreSQL; SQLite is reported only.
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

BUDGET_MS = 300.0
DB_NAME = "medspa_bench_onhand"
ORG_CODE = "bench-stock"
PAGE_SIZE = 25  # the stock page's first page (core.views.generic.PER_PAGE_CHOICES[0])
# (branch code, name, [(department code, department name), ...]); each branch has a central warehouse
BRANCHES = (
    ("main", "总院", (("inj", "注射科"), ("laser", "激光科"), ("skin", "皮肤科"), ("surgery", "整形外科"))),
    ("east", "东区门店", (("inj", "注射科"), ("skin", "皮肤科"))),
)


# --- bootstrap ------------------------------------------------------------------------------------


def bootstrap(*, reuse: bool) -> Path:
    """Point Django at a scratch database and set it up; returns the scratch directory."""
    scratch = Path(tempfile.mkdtemp(prefix="medspa-onhand-bench-"))
    os.environ["MEDSPA_VAR_DIR"] = str(scratch)
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ["DJANGO_SETTINGS_MODULE"] = "medspa.settings"
    if os.environ.get("DATABASE_URL"):
        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
            if not (reuse and exists):
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
class Dataset:
    """What the generator made: the actors and the sizes."""

    storekeeper: Any  # main branch, branch scope
    nurse: Any  # one department of the main branch, department scope
    director: Any  # organisation scope
    warehouse_ids: list[int]
    items: int
    lots: int
    balances: int
    moves: int
    seconds: float = 0.0

    @property
    def actors(self) -> dict[str, Any]:
        return {
            "storekeeper (branch)": self.storekeeper,
            "nurse (department)": self.nurse,
            "director (organisation)": self.director,
        }


def build_dataset(
    *,
    items: int,
    lots: int,
    moves: int,
    seed: int = 2026,
    log: Callable[[str], None] = print,
    reuse: bool = False,
) -> Dataset:
    """Create (or, with ``reuse``, find) the organisation, actors, items, lots, moves, balances."""
    from medspa.inventory.models import Item, Lot, StockBalance, StockMove, Warehouse
    from medspa.organization.models import Organisation

    if reuse:
        org = Organisation.objects.filter(code=ORG_CODE).first()
        if org is not None and StockMove.objects.count() == moves and Lot.objects.count() == lots:
            log(f"reusing the {moves:,} moves of {DB_NAME}")
            return _dataset(org, moves)
    started = time.perf_counter()
    rng = random.Random(seed)
    org, warehouses = _organisation()
    _actors(org)
    item_ids = _items(org, items)
    lot_rows = _lots(rng, item_ids, lots)
    keys = _balance_keys(rng, lot_rows, warehouses)
    log(f"reference data, {len(item_ids):,} items, {len(lot_rows):,} lots, {len(keys):,} balance keys")
    actor_id = _actor_id(org)
    n = _insert(StockMove, _moves(rng, keys, moves, actor_id))
    log(f"{n:,} moves written in {time.perf_counter() - started:.0f} s")
    _insert(StockBalance, _balances(keys))
    _analyze()
    seconds = time.perf_counter() - started
    assert Item.objects.filter(organisation=org).count() == items
    assert Warehouse.objects.filter(branch__organisation=org).count() == len(warehouses)
    log(f"generated {n:,} moves over {len(keys):,} balances in {seconds:.0f} s")
    dataset = _dataset(org, n)
    dataset.seconds = seconds
    return dataset


def _dataset(org: Any, moves: int) -> Dataset:
    from medspa.accounts.models import User
    from medspa.inventory.models import Item, Lot, StockBalance, Warehouse

    return Dataset(
        storekeeper=User.objects.get(username=f"{ORG_CODE}-storekeeper"),
        nurse=User.objects.get(username=f"{ORG_CODE}-nurse"),
        director=User.objects.get(username=f"{ORG_CODE}-director"),
        warehouse_ids=list(
            Warehouse.objects.filter(branch__organisation=org).order_by("pk").values_list("pk", flat=True)
        ),
        items=Item.objects.filter(organisation=org).count(),
        lots=Lot.objects.filter(item__organisation=org).count(),
        balances=StockBalance.objects.count(),
        moves=moves,
    )


def _organisation() -> tuple[Any, list[Any]]:
    """The organisation, its branches, departments and warehouses (central first per branch)."""
    from medspa.inventory.choices import WarehouseKind
    from medspa.inventory.models import Warehouse
    from medspa.organization.models import Branch, Department, Organisation

    org = Organisation.objects.create(code=ORG_CODE, name="基准医美集团")
    warehouses = []
    for branch_code, branch_name, departments in BRANCHES:
        branch = Branch.objects.create(organisation=org, code=branch_code, name=branch_name)
        warehouses.append(Warehouse.objects.create(branch=branch, code="C", name=f"{branch_name}中心库"))
        for code, name in departments:
            department = Department.objects.create(branch=branch, code=code, name=name)
            warehouses.append(
                Warehouse.objects.create(
                    branch=branch,
                    code=f"D-{code}",
                    name=f"{name}库",
                    kind=WarehouseKind.DEPARTMENT,
                    department=department,
                )
            )
    return org, warehouses


def _actors(org: Any) -> None:
    """The storekeeper (库管, branch scope) and the director (院长, organisation scope) of the main
    branch, and a nurse (护士, department scope) of its first department."""
    from medspa.accounts.models import User
    from medspa.accounts.roles import builtin_role, ensure_builtin_roles
    from medspa.organization.models import Branch, Department, Staff

    roles = ensure_builtin_roles()
    branch = Branch.objects.get(organisation=org, code="main")
    department = Department.objects.filter(branch=branch).order_by("pk").first()
    nurse = Staff.objects.create(
        organisation=org, branch=branch, department=department, employee_no="N001", name="护士甲"
    )
    for key, staff in (("storekeeper", None), ("nurse", nurse), ("director", None)):
        user = User.objects.create(
            username=f"{ORG_CODE}-{key}", organisation=org, default_branch=branch, staff=staff
        )
        user.branches.add(branch)
        user.groups.add(roles[builtin_role(key).name])


def _actor_id(org: Any) -> int:
    from medspa.accounts.models import User

    return User.objects.get(username=f"{ORG_CODE}-storekeeper").pk


def _items(org: Any, n: int) -> list[int]:
    from medspa.core.pinyin import search_key
    from medspa.inventory.choices import CategoryKind
    from medspa.inventory.models import Item, ItemCategory

    categories = [
        ItemCategory.objects.create(organisation=org, code=code, name=name, kind=kind)
        for code, name, kind in (
            ("drug", "药品", CategoryKind.DRUG),
            ("low", "低值耗材", CategoryKind.LOW_VALUE),
            ("high", "高值耗材", CategoryKind.HIGH_VALUE),
        )
    ]
    names = ("玻尿酸", "肉毒素", "注射器", "敷料", "麻药", "针头", "面膜", "手套")
    rows = []
    for i in range(n):
        name = f"{names[i % len(names)]}{i:05d}"
        rows.append(
            Item(
                organisation=org,
                code=f"I{i:05d}",
                name=name,
                pinyin=search_key(name),
                specification="1ml",
                base_unit="支",
                category=categories[i % len(categories)],
            )
        )
    return [item.pk for item in Item.objects.bulk_create(rows, batch_size=2000)]


@dataclass
class LotRow:
    pk: int
    item_id: int
    unit_cost: Decimal


def _lots(rng: random.Random, item_ids: list[int], n: int) -> list[LotRow]:
    from medspa.inventory.models import Lot

    today = datetime.date(2026, 1, 1)
    rows = [
        Lot(
            item_id=item_ids[i % len(item_ids)],
            batch_no=f"B{i:06d}",
            expiry_date=today + datetime.timedelta(days=rng.randrange(-60, 900)),
            unit_cost=Decimal(rng.randrange(50, 500000)) / 100,
        )
        for i in range(n)
    ]
    created = Lot.objects.bulk_create(rows, batch_size=2000)
    return [LotRow(lot.pk, lot.item_id, lot.unit_cost) for lot in created]


@dataclass
class Key:
    """One balance key and what its moves sum to."""

    branch_id: int
    warehouse_id: int
    item_id: int
    lot_id: int
    unit_cost: Decimal
    balance: int
    moves: int = 0


def _balance_keys(rng: random.Random, lots: list[LotRow], warehouses: list[Any]) -> list[Key]:
    """Each lot in one (60 %) or two warehouses of one branch (70 % main); a tenth end at zero."""
    by_branch: dict[int, list[Any]] = {}
    for warehouse in warehouses:
        by_branch.setdefault(warehouse.branch_id, []).append(warehouse)
    main, east = list(by_branch.values())
    keys = []
    for lot in lots:
        places = main if rng.random() < 0.7 else east
        for warehouse in rng.sample(places, 1 if rng.random() < 0.6 else 2):
            balance = 0 if rng.random() < 0.1 else rng.randrange(1, 500)
            keys.append(Key(warehouse.branch_id, warehouse.pk, lot.item_id, lot.pk, lot.unit_cost, balance))
    return keys


def _moves(rng: random.Random, keys: list[Key], total: int, actor_id: int) -> Iterator[dict[str, Any]]:
    """``total`` moves over ``keys`` (at least one each): per key a receipt, then issues of 1–3
    units, every few days over two years; the receipt is the balance plus what was issued."""
    from medspa.inventory.choices import MoveType

    per_key = [1] * len(keys)
    for _ in range(max(total - len(keys), 0)):
        per_key[rng.randrange(len(keys))] += 1
    start = datetime.datetime(2024, 1, 1, 9, tzinfo=datetime.UTC)
    document = 0
    for key, count in zip(keys, per_key, strict=True):
        key.moves = count
        issues = [rng.randrange(1, 4) for _ in range(count - 1)]
        moment = start + datetime.timedelta(minutes=rng.randrange(60 * 24 * 30))
        step = datetime.timedelta(minutes=max(1, (700 * 24 * 60) // count))
        quantities = [key.balance + sum(issues), *(-q for q in issues)]
        for k, quantity in enumerate(quantities):
            document += 1
            yield {
                "branch_id": key.branch_id,
                "warehouse_id": key.warehouse_id,
                "item_id": key.item_id,
                "lot_id": key.lot_id,
                "quantity": Decimal(quantity),
                "unit_cost": key.unit_cost,
                "move_type": MoveType.RECEIPT if k == 0 else MoveType.USAGE,
                "document_type": "bench",
                "document_id": document,
                "document_number": f"BENCH-{document}",
                "posted_at": moment + k * step,
                "actor_id": actor_id,
                "created_at": moment + k * step,
            }


def _balances(keys: list[Key]) -> Iterator[dict[str, Any]]:
    now = datetime.datetime.now(datetime.UTC)
    for key in keys:
        yield {
            "branch_id": key.branch_id,
            "warehouse_id": key.warehouse_id,
            "item_id": key.item_id,
            "lot_id": key.lot_id,
            "quantity": Decimal(key.balance),
            "updated_at": now,
        }


def _insert(model: Any, rows: Iterator[dict[str, Any]]) -> int:
    """COPY on PostgreSQL, ``bulk_create`` elsewhere; fields the generator leaves out get their
    model default (None for the nullable foreign keys)."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    n = 0
    if connection.vendor != "postgresql":
        batch: list[Any] = []
        for row in rows:
            batch.append(model(**row))
            if len(batch) == 5000:
                n += len(model.objects.bulk_create(batch))
                batch = []
        return n + len(model.objects.bulk_create(batch))
    defaults = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[f.attname] if f.attname in row else defaults[f.attname] for f in fields])
            n += 1
    return n


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("ANALYZE")


# --- checks ---------------------------------------------------------------------------------------


@dataclass
class Check:
    """The generated ledger is consistent: verify() on one warehouse (or all), and a sample."""

    warehouses: int
    problems: list[str]
    verify_seconds: float
    sample: int
    sample_mismatches: int


def check_ledger(dataset: Dataset, *, full: bool, sample: int = 200, seed: int = 5) -> Check:
    from django.db.models import Sum

    from medspa.inventory.ledger import verify
    from medspa.inventory.models import StockBalance, StockMove

    ids = dataset.warehouse_ids if full else dataset.warehouse_ids[-1:]
    started = time.perf_counter()
    problems = verify(ids)
    seconds = time.perf_counter() - started
    rng = random.Random(seed)
    pks = list(StockBalance.objects.order_by("pk").values_list("pk", flat=True))
    mismatches = 0
    chosen = rng.sample(pks, min(sample, len(pks)))
    for balance in StockBalance.objects.filter(pk__in=chosen):
        total = StockMove.objects.filter(
            warehouse_id=balance.warehouse_id, item_id=balance.item_id, lot_id=balance.lot_id
        ).aggregate(total=Sum("quantity"))["total"]
        mismatches += total != balance.quantity
    return Check(len(ids), problems, seconds, len(chosen), mismatches)


# --- queries --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One call of the stock page: a view and its filters."""

    key: str
    label: str
    group_by: str | None  # None: the row list (balances_for)
    filters: dict[str, Any] = field(default_factory=dict)


def queries(dataset: Dataset) -> list[Query]:
    return [
        Query("item", "by item", "item"),
        Query("warehouse", "by warehouse", "warehouse"),
        Query("lot", "by lot", "lot"),
        Query("search", "by item, search 玻尿酸001", "item", {"q": "玻尿酸001"}),
        Query("one_warehouse", "by lot, one warehouse", "lot", {"warehouse_id": dataset.warehouse_ids[1]}),
        Query("rows", "rows (balances_for)", None),
    ]


def page_of(actor: Any, query: Query) -> tuple[int, list[Any], Any]:
    """What the page runs: the paginator's count, the first page's rows, the totals row."""
    from django.core.paginator import Paginator

    from medspa.inventory.stock_selectors import balances_for, on_hand, stock_totals

    queryset: Any
    if query.group_by is None:
        queryset = balances_for(actor, **query.filters)
    else:
        queryset = on_hand(actor, group_by=query.group_by, **query.filters)  # type: ignore[arg-type]
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(1)
    rows = list(page.object_list)
    return paginator.count, rows, stock_totals(queryset)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return sorted_values[max(math.ceil(len(sorted_values) * p / 100) - 1, 0)]


@dataclass
class Result:
    actor: str
    query: Query
    ms: list[float]
    count: int
    rows: int
    total_value: Decimal

    @property
    def p50(self) -> float:
        return percentile(sorted(self.ms), 50)

    @property
    def p95(self) -> float:
        return percentile(sorted(self.ms), 95)

    @property
    def max(self) -> float:
        return max(self.ms)


def measure(dataset: Dataset, *, n: int, warmup: int = 3) -> list[Result]:
    results = []
    for label, actor in dataset.actors.items():
        for query in queries(dataset):
            for _ in range(warmup):
                page_of(actor, query)
            times = []
            for _ in range(n):
                started = time.perf_counter()
                count, rows, totals = page_of(actor, query)
                times.append((time.perf_counter() - started) * 1000)
            results.append(Result(label, query, times, count, len(rows), totals.value))
    return results


def explain(actor: Any, query: Query) -> list[tuple[str, str]]:
    """The SQL of one page call, each statement with its plan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        page_of(actor, query)
    statements = []
    for executed in captured.captured_queries:
        sql = executed["sql"]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
        statements.append((sql, plan))
    return statements


def time_pages(dataset: Dataset, *, n: int) -> list[tuple[str, list[float]]]:
    """The whole page for the storekeeper: GET /inventory/stock/?view=… (Django's handler)."""
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(dataset.storekeeper)
    url = reverse("inventory_stock:stock")
    out = []
    for view in ("item", "warehouse", "lot"):
        for _ in range(3):
            assert client.get(url, {"view": view}).status_code == 200
        times = []
        for _ in range(n):
            started = time.perf_counter()
            response = client.get(url, {"view": view})
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        out.append((view, sorted(times)))
    return out


# --- report ---------------------------------------------------------------------------------------


def machine() -> str:
    """CPUs, memory, load (other processes skew the tail) and, on PostgreSQL, the table sizes."""
    from django.db import connection

    from medspa.inventory.models import StockBalance, StockMove

    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    note = f"machine: {os.cpu_count()} CPUs, {ram:.0f} GiB RAM, load average {load}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            note += f"; PostgreSQL {cursor.fetchone()[0]}"
            for model in (StockMove, StockBalance):
                cursor.execute(
                    "SELECT pg_size_pretty(pg_table_size(t)), pg_size_pretty(pg_indexes_size(t)) "
                    "FROM (SELECT %s::regclass AS t) AS tables",
                    [model._meta.db_table],
                )
                table, indexes = cursor.fetchone()
                note += f"; {model._meta.db_table} {table} + indexes {indexes}"
    return note


def table(vendor: str, dataset: Dataset, results: list[Result], note: str) -> str:
    enforced = vendor == "postgresql"
    lines = [
        f"INV-10 stock page on {vendor}: {dataset.moves:,} moves, {dataset.lots:,} lots of {dataset.items:,} "
        f"items, {dataset.balances:,} balance rows; budget p95 <= {BUDGET_MS:.0f} ms per page call "
        "(count + first 25 rows + totals)" + ("" if enforced else " (not enforced on this database)"),
        note,
        f"{'actor':<24} {'view':<28} {'n':>4} {'rows':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}",
    ]
    for r in results:
        flag = "  OVER" if r.p95 > BUDGET_MS else ""
        lines.append(
            f"{r.actor:<24} {_pad(r.query.label, 28)} {len(r.ms):>4} {r.count:>7} {r.p50:>8.1f} "
            f"{r.p95:>8.1f} {r.max:>8.1f}{flag}"
        )
    return "\n".join(lines)


def _pad(text: str, width: int) -> str:
    import unicodedata

    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - columns, 0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--moves", type=int, default=5_000_000)
    parser.add_argument("--lots", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=5_000)
    parser.add_argument("-n", type=int, default=30, help="timed calls per actor and view")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--full-verify", action="store_true", help="verify every warehouse (timed)")
    parser.add_argument("--pages", action="store_true", help="also time the whole page (storekeeper)")
    parser.add_argument("--keep", action="store_true", help=f"keep the PostgreSQL database {DB_NAME}")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database holding the same data")
    parser.add_argument("--no-plans", action="store_true", help="print the table only")
    args = parser.parse_args()

    scratch = bootstrap(reuse=args.reuse)
    try:
        from django.db import connection

        dataset = build_dataset(
            items=args.items, lots=args.lots, moves=args.moves, seed=args.seed, reuse=args.reuse
        )
        check = check_ledger(dataset, full=args.full_verify)
        print(
            f"ledger.verify() on {check.warehouses} warehouse(s): {len(check.problems)} problems "
            f"in {check.verify_seconds:.1f} s; {check.sample} sampled balances, "
            f"{check.sample_mismatches} differ from the sum of their moves"
        )
        note = machine()
        results = measure(dataset, n=args.n)
        if not args.no_plans:
            for query in queries(dataset):
                for sql, plan in explain(dataset.storekeeper, query):
                    print(f"--- storekeeper · {query.label}\n{sql}\n\n{plan}\n")
        print(table(connection.vendor, dataset, results, note))
        if args.pages:
            for view, times in time_pages(dataset, n=args.n):
                p50, p95 = percentile(times, 50), percentile(times, 95)
                print(
                    f"whole page GET /inventory/stock/?view={view} (storekeeper): "
                    f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms"
                )
        vendor = connection.vendor
        wrong = bool(check.problems or check.sample_mismatches)
        over = vendor == "postgresql" and any(r.p95 > BUDGET_MS for r in results)
        status = 1 if wrong or over else 0
    finally:
        if os.environ.get("DATABASE_URL") and not args.keep:
            drop_database()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{vendor}: {'within budget' if status == 0 else 'FAILED'}")
    sys.exit(status)


if __name__ == "__main__":
    main()
