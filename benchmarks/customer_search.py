"""CRM-04 search budget: the top-bar customer search (``selectors.customer_search``) must answer
with p95 <= 20 ms on PostgreSQL with 1,000,000 customers.

Generates an organisation of ``--customers`` customers (realistic Chinese names with their pinyin
keys, unique mobile phones, card nos, 5 branches, 50 consultants) plus a second organisation of a
tenth of that size, VACUUM ANALYZEs, then times every kind of query (full name, name prefix,
full pinyin, initials prefix, first letter, full phone, phone prefix, last 4 digits, card no)
through the real selector for two actors — a director (organisation scope) and a consultant (scope
"own") — and prints the SQL that ran with its EXPLAIN (ANALYZE, BUFFERS) for one query of each
kind, then p50/p95/max per kind and actor.

Scratch database: SQLite in a temp dir, or on the PostgreSQL server of DATABASE_URL a database
``medspa_bench`` (dropped at the end unless ``--keep``). Exit status 1 when a p95 exceeds the
budget on PostgreSQL; SQLite is reported only.
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
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medspa.accounts.models import User

BUDGET_MS = 20.0
DB_NAME = "medspa_bench"
ORG_CODE = "bench"
OTHER_ORG_CODE = "bench-other"
# (code, name, share of the customers in per cent)
BRANCHES = (
    ("main", "总院", 40),
    ("east", "东区门店", 20),
    ("west", "西区门店", 15),
    ("south", "南区门店", 15),
    ("north", "北区门店", 10),
)
CONSULTANTS_PER_BRANCH = 10

# Surnames with their share of the population in per mille (approximate, census order), and the
# characters given names are made of (female-leaning: most clinic customers are women).
SURNAMES = (
    "王71 李70 张64 刘54 陈45 杨31 黄22 赵20 吴20 周19 徐13 孙12 马11 朱11 胡10 郭10 何9 高9 林9 罗8 "
    "郑8 梁7 谢6 宋6 唐5 许5 韩5 冯5 邓5 曹5 彭5 曾4 肖4 田4 董4 袁4 潘4 于4 蒋4 蔡4 余3 杜3 叶3 程3 "
    "苏3 魏3 吕3 丁3 任3 沈3 姚3 卢3 姜3 崔2 钟2 谭2 陆2 汪2 范2 金2 石2 廖2 贾2 夏2 韦2 付2 方2 白2 "
    "邹2 孟2 熊2 秦2 邱2 江2 尹2 薛1 闫1 段1 雷1 侯1 龙1 史1 陶1 黎1 贺1 顾1 毛1 郝1 龚1 邵1 万1 钱1 "
    "严1 覃1 武1 戴1 莫1 孔1 向1 汤1 欧阳1 上官1 司马1 诸葛1"
)
GIVEN = (
    "丽娟敏静燕芳婷雪琳慧颖洁玲萍红霞莉梅晶倩楠欣怡佳雅璐瑶思梦涵蕾薇月露悦娜妍彤丹蓉岚琪茜"
    "菲璇晨曦宁馨嘉莹婉清诗韵秀兰凤珍翠霏桂英华春秋冬夏文君若彩云小晓亚一心可如意舒安宜"
    "伟强磊军勇杰涛明超刚平辉鹏浩宇航博志俊峰斌海波林建国东"
)
MISS_CHAR = "虐"  # "nve": no name in the data starts with it, nor can a pinyin key
MOBILE_PREFIXES = tuple(
    str(p)
    for p in (*range(130, 140), *range(150, 160), 166, 170, 173, 175, 176, 177, 178, *range(180, 190), 191)
    if p != 154
)


def _surnames() -> tuple[list[str], list[int]]:
    names, weights = [], []
    for token in SURNAMES.split():
        names.append(token.rstrip("0123456789"))
        weights.append(int(token[len(names[-1]) :]))
    return names, weights


# --- bootstrap ------------------------------------------------------------------------------------


def bootstrap(*, reuse: bool) -> Path:
    """Point Django at a scratch database and set it up; returns the scratch directory."""
    scratch = Path(tempfile.mkdtemp(prefix="medspa-search-bench-"))
    os.environ["MEDSPA_VAR_DIR"] = str(scratch)
    os.environ.setdefault("SECRET_KEY", "bench")
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
    """What the generator made: the two actors and the sizes."""

    organisation_id: int
    other_organisation_id: int
    org_actor: User
    own_actor: User
    customers: int
    other_customers: int
    seconds: float = 0.0


def build_dataset(
    customers: int, *, seed: int = 2026, log: Callable[[str], None] = print, reuse: bool = False
) -> Dataset:
    """Create (or, with ``reuse``, find) the organisations, staff, actors and customers."""
    from medspa.customers.models import Customer
    from medspa.organization.models import Organisation

    other_customers = max(customers // 10, 1)
    if reuse:
        org = Organisation.objects.filter(code=ORG_CODE).first()
        other = Organisation.objects.filter(code=OTHER_ORG_CODE).first()
        if org and other and Customer.objects.filter(organisation=org).count() == customers:
            log(f"reusing the {customers:,} customers of {DB_NAME}")
            return _dataset(org, other, customers, other_customers)
    started = time.perf_counter()
    rng = random.Random(seed)
    org, org_staff = _organisation(ORG_CODE, "基准医美集团", BRANCHES)
    other, other_staff = _organisation(OTHER_ORG_CODE, "另一家机构", (("main", "总店", 100),))
    _actors(org, org_staff)
    phones = _unique_phones(rng, customers + other_customers)
    cards = rng.sample(range(10**7), customers + other_customers)
    keys: dict[str, tuple[str, str]] = {}
    rows = _customers(rng, org, org_staff, customers, phones[:customers], cards[:customers], keys)
    n = _insert(rows)
    rows = _customers(rng, other, other_staff, other_customers, phones[customers:], cards[customers:], keys)
    n += _insert(rows)
    _analyze()
    seconds = time.perf_counter() - started
    log(f"generated {n:,} customers ({len(keys):,} distinct names) in {seconds:.0f} s")
    dataset = _dataset(org, other, customers, other_customers)
    dataset.seconds = seconds
    return dataset


def _dataset(org: Any, other: Any, customers: int, other_customers: int) -> Dataset:
    from medspa.accounts.models import User

    return Dataset(
        organisation_id=org.pk,
        other_organisation_id=other.pk,
        org_actor=User.objects.get(username=f"{ORG_CODE}-director"),
        own_actor=User.objects.get(username=f"{ORG_CODE}-consultant"),
        customers=customers,
        other_customers=other_customers,
    )


def _organisation(code: str, name: str, branches: tuple[tuple[str, str, int], ...]) -> tuple[Any, list[Any]]:
    """An organisation with branches, a consulting department each and its consultants; returns
    (organisation, [(branch, weight, [staff …]) …])."""
    from medspa.organization.models import Branch, Department, Organisation, Staff

    org = Organisation.objects.create(code=code, name=name)
    staff = []
    number = 0
    for branch_code, branch_name, weight in branches:
        branch = Branch.objects.create(organisation=org, code=branch_code, name=branch_name)
        department = Department.objects.create(branch=branch, code="consulting", name="咨询部")
        consultants = []
        for _ in range(CONSULTANTS_PER_BRANCH):
            number += 1
            consultants.append(
                Staff.objects.create(
                    organisation=org,
                    branch=branch,
                    department=department,
                    employee_no=f"C{number:03d}",
                    name=f"咨询师{number}",
                )
            )
        staff.append((branch, weight, consultants))
    return org, staff


def _actors(org: Any, staff: list[Any]) -> None:
    """A director (organisation scope) and the first consultant of the main branch (scope own)."""
    from medspa.accounts.models import User
    from medspa.accounts.roles import builtin_role, ensure_builtin_roles

    roles = ensure_builtin_roles()
    branch, _weight, consultants = staff[0]
    for key, username, member in (
        ("director", "director", None),
        ("consultant", "consultant", consultants[0]),
    ):
        user = User.objects.create(
            username=f"{ORG_CODE}-{username}", organisation=org, default_branch=branch, staff=member
        )
        user.branches.add(branch)
        user.groups.add(roles[builtin_role(key).name])


def _unique_phones(rng: random.Random, n: int) -> list[str]:
    numbers = rng.sample(range(len(MOBILE_PREFIXES) * 10**8), n)
    return [f"{MOBILE_PREFIXES[x // 10**8]}{x % 10**8:08d}" for x in numbers]


def _customers(
    rng: random.Random,
    org: Any,
    staff: list[Any],
    n: int,
    phones: list[str],
    cards: list[int],
    keys: dict[str, tuple[str, str]],
) -> Iterator[dict[str, Any]]:
    """Field values of ``n`` customers: 98 % with a mobile phone, 60 % with a card no, 90 % with a
    consultant of their home branch; pinyin keys by ``search.name_keys`` once per distinct name."""
    from medspa.customers.choices import Gender, LifecycleStatus
    from medspa.customers.search import name_keys, phone_last4

    surnames, weights = _surnames()
    statuses = list(LifecycleStatus.values)
    now = datetime.datetime.now(datetime.UTC)
    branch_weights = [weight for _b, weight, _c in staff]
    for i in range(n):
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        name = rng.choices(surnames, weights)[0] + given
        if name not in keys:
            keys[name] = name_keys(name)
        full, initials = keys[name]
        phone = phones[i] if rng.random() < 0.98 else ""
        branch, _weight, consultants = rng.choices(staff, branch_weights)[0]
        created = now - datetime.timedelta(seconds=rng.randrange(5 * 365 * 86400))
        yield {
            "organisation_id": org.pk,
            "branch_id": branch.pk,
            "name": name,
            "name_pinyin": full,
            "name_initials": initials,
            "gender": Gender.FEMALE if rng.random() < 0.85 else Gender.MALE,
            "birthday": datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(45 * 365)),
            "phone": phone,
            "phone_last4": phone_last4(phone),
            "card_no": f"VIP{cards[i]:07d}" if rng.random() < 0.6 else "",
            "consultant_id": rng.choice(consultants).pk if rng.random() < 0.9 else None,
            "status": rng.choice(statuses),
            "created_at": created,
            "updated_at": created,
        }


def _insert(rows: Iterator[dict[str, Any]]) -> int:
    """COPY on PostgreSQL, ``bulk_create`` elsewhere; fields the generator leaves out get their
    model default."""
    from django.db import connection

    from medspa.customers.models import Customer

    fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
    n = 0
    if connection.vendor != "postgresql":
        batch: list[Customer] = []
        for row in rows:
            batch.append(Customer(**row))
            if len(batch) == 5000:
                n += len(Customer.objects.bulk_create(batch))
                batch = []
        return n + len(Customer.objects.bulk_create(batch))
    defaults = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(Customer._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[f.attname] if f.attname in row else defaults[f.attname] for f in fields])
            n += 1
    return n


def _analyze() -> None:
    """Statistics for the planner on every table (staff and accounts matter to the scope's join),
    and on PostgreSQL the visibility map a steady-state table has after autovacuum."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("ANALYZE")


# --- queries --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of query: how to type it for a customer who should be found, and for a miss."""

    key: str
    label: str
    hit: Callable[[dict[str, Any]], str]
    needs: str = ""  # a field the target must have filled
    miss: Callable[[dict[str, Any]], str] | None = None  # from an outsider (a customer out of scope)


KINDS = (
    Kind("full_name", "full name 张三", lambda c: c["name"], miss=lambda o: MISS_CHAR + o["name"][1:]),
    Kind("name_prefix", "name prefix 张", lambda c: c["name"][0], miss=lambda o: MISS_CHAR),
    Kind(
        "full_pinyin",
        "full pinyin zhangsan",
        lambda c: c["name_pinyin"],
        miss=lambda o: "nve" + o["name_pinyin"],
    ),
    Kind("initials", "initials prefix zs", lambda c: c["name_initials"][:2], miss=lambda o: "nv"),
    Kind("letter", "first letter z", lambda c: c["name_initials"][:1], miss=lambda o: "v"),
    Kind("full_phone", "full phone", lambda c: c["phone"], needs="phone", miss=lambda o: o["phone"]),
    Kind(
        "phone_prefix",
        "phone prefix 7 digits",
        lambda c: c["phone"][:7],
        needs="phone",
        miss=lambda o: "1001234",
    ),
    Kind("last4", "last 4 digits", lambda c: c["phone_last4"], needs="phone"),
    Kind("card_no", "card no", lambda c: c["card_no"], needs="card_no", miss=lambda o: o["card_no"]),
)
PROBE_FIELDS = ("pk", "name", "name_pinyin", "name_initials", "phone", "phone_last4", "card_no")


@dataclass(frozen=True)
class Probe:
    kind: Kind
    query: str
    target: int | None  # the customer that must be found, None for a miss


def make_probes(actor: User, dataset: Dataset, n: int, *, seed: int = 7, misses: float = 0.1) -> list[Probe]:
    """``n`` queries of each kind: typed from random customers in the actor's scope, and a share
    of misses — values absent from the data, or a phone / card no of a customer out of scope (the
    other organisation for the director, the other consultants' customers for the consultant)."""
    from medspa.customers.models import Customer
    from medspa.customers.selectors import customers_for

    rng = random.Random(seed)
    visible = customers_for(actor)
    if actor.pk == dataset.org_actor.pk:
        outside = Customer.objects.filter(organisation_id=dataset.other_organisation_id)
    else:
        outside = Customer.objects.filter(organisation_id=dataset.organisation_id).exclude(
            pk__in=visible.values("pk")
        )
    insiders = _sample(visible, rng, 3 * n)
    outsiders = _sample(outside.exclude(phone="").exclude(card_no=""), rng, n)
    probes = []
    for kind in KINDS:
        n_miss = round(n * misses) if kind.miss else 0
        targets = [c for c in insiders if not kind.needs or c[kind.needs]][: n - n_miss]
        probes += [Probe(kind, kind.hit(c), c["pk"]) for c in targets]
        probes += [Probe(kind, kind.miss(o), None) for o in outsiders[:n_miss] if kind.miss]
    rng.shuffle(probes)
    return probes


def _sample(queryset: Any, rng: random.Random, n: int) -> list[dict[str, Any]]:
    pks = list(queryset.order_by().values_list("pk", flat=True))
    chosen = rng.sample(pks, min(n, len(pks)))
    rows = {row["pk"]: row for row in queryset.model.objects.filter(pk__in=chosen).values(*PROBE_FIELDS)}
    return [rows[pk] for pk in chosen]


@dataclass
class Outcome:
    """One timed call of the selector."""

    probe: Probe
    ms: float
    found: list[int]

    @property
    def ok(self) -> bool:
        """A hit finds its target (or a full page of other matches); a miss finds nothing."""
        from medspa.customers.selectors import SEARCH_LIMIT

        if self.probe.target is None:
            return not self.found
        return self.probe.target in self.found or len(self.found) == SEARCH_LIMIT


@dataclass
class KindResult:
    kind: Kind
    outcomes: list[Outcome] = field(default_factory=list)

    def _times(self) -> list[float]:
        return sorted(o.ms for o in self.outcomes)

    @property
    def n(self) -> int:
        return len(self.outcomes)

    @property
    def p50(self) -> float:
        return percentile(self._times(), 50)

    @property
    def p95(self) -> float:
        return percentile(self._times(), 95)

    @property
    def max(self) -> float:
        return max(self._times())

    @property
    def hits(self) -> tuple[int, int]:
        """(hits that found something, hits)."""
        hits = [o for o in self.outcomes if o.probe.target is not None]
        return sum(o.ok for o in hits), len(hits)

    @property
    def misses(self) -> tuple[int, int]:
        """(misses that found nothing, misses)."""
        misses = [o for o in self.outcomes if o.probe.target is None]
        return sum(o.ok for o in misses), len(misses)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return sorted_values[max(math.ceil(len(sorted_values) * p / 100) - 1, 0)]


def measure(actor: User, probes: list[Probe], *, warmup: int = 50) -> dict[str, KindResult]:
    """Time ``customer_search(actor, q)`` for every probe (wall time, perf_counter), after a few
    untimed calls; results per kind, in the order of ``KINDS``."""
    from medspa.customers.selectors import customer_search

    for probe in probes[:warmup]:
        customer_search(actor, probe.query)
    results = {kind.key: KindResult(kind) for kind in KINDS}
    for probe in probes:
        started = time.perf_counter()
        found = customer_search(actor, probe.query)
        ms = (time.perf_counter() - started) * 1000
        results[probe.kind.key].outcomes.append(Outcome(probe, ms, [c.pk for c in found]))
    return {key: result for key, result in results.items() if result.outcomes}


def explain(actor: User, query: str) -> list[tuple[str, str]]:
    """The SQL ``customer_search(actor, query)`` ran, each statement with its plan: EXPLAIN
    (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from medspa.customers.selectors import customer_search

    with CaptureQueriesContext(connection) as captured:
        customer_search(actor, query)
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


# --- report ---------------------------------------------------------------------------------------


@dataclass
class Report:
    vendor: str
    dataset: Dataset
    per_actor: dict[str, dict[str, KindResult]]  # actor label → kind key → result
    plans: dict[str, dict[str, tuple[str, list[tuple[str, str]]]]]  # actor → kind → (query, [(sql, plan)])
    machine: str = ""
    limit: int = 20

    @property
    def enforced(self) -> bool:
        return self.vendor == "postgresql"

    @property
    def over_budget(self) -> list[tuple[str, str]]:
        return [
            (actor, key)
            for actor, results in self.per_actor.items()
            for key, result in results.items()
            if result.p95 > BUDGET_MS
        ]

    @property
    def wrong(self) -> list[tuple[str, str]]:
        """(actor, kind) where a hit found nothing or a miss found something."""
        return [
            (actor, key)
            for actor, results in self.per_actor.items()
            for key, result in results.items()
            if result.hits[0] != result.hits[1] or result.misses[0] != result.misses[1]
        ]

    def table(self) -> str:
        lines = [
            f"CRM-04 customer search on {self.vendor}: {self.dataset.customers:,} customers "
            f"(+{self.dataset.other_customers:,} in a second organisation), limit {self.limit}, "
            f"budget p95 <= {BUDGET_MS:.0f} ms"
            + ("" if self.enforced else " (not enforced on this database)"),
            self.machine,
            f"{'actor':<24} {'kind':<22} {'n':>4} {'hits ok':>9} {'misses ok':>9} "
            f"{'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}",
        ]
        for actor, results in self.per_actor.items():
            for result in results.values():
                hits, misses = result.hits, result.misses
                flag = "  OVER" if result.p95 > BUDGET_MS else ""
                lines.append(
                    f"{actor:<24} {_pad(result.kind.label, 22)} {result.n:>4} {hits[0]:>4}/{hits[1]:<4} "
                    f"{misses[0]:>4}/{misses[1]:<4} {result.p50:>7.2f} {result.p95:>7.2f} "
                    f"{result.max:>7.2f}{flag}"
                )
        return "\n".join(lines)

    def sql(self) -> str:
        blocks = []
        for actor, kinds in self.plans.items():
            for key, (query, statements) in kinds.items():
                label = next(kind.label for kind in KINDS if kind.key == key)
                for sql, plan in statements:
                    blocks.append(f"--- {actor} · {label} · q={query!r}\n{sql}\n\n{plan}\n")
        return "\n".join(blocks)


def run(dataset: Dataset, *, n: int, log: Callable[[str], None] = print) -> Report:
    """Probe, time and explain for both actors."""
    from django.db import connection

    actors = {"director (organisation)": dataset.org_actor, "consultant (own)": dataset.own_actor}
    per_actor, plans = {}, {}
    for label, actor in actors.items():
        probes = make_probes(actor, dataset, n)
        log(f"{label}: {len(probes)} queries")
        per_actor[label] = measure(actor, probes)
        representative = {}
        for kind in KINDS:
            probe = next((p for p in probes if p.kind is kind and p.target is not None), None)
            if probe is not None:
                representative[kind.key] = (probe.query, explain(actor, probe.query))
        plans[label] = representative
    from medspa.customers.selectors import SEARCH_LIMIT

    return Report(connection.vendor, dataset, per_actor, plans, machine=machine(), limit=SEARCH_LIMIT)


def machine() -> str:
    """CPUs, memory, load (other processes skew the tail) and, on PostgreSQL, the table's size."""
    from django.db import connection

    from medspa.customers.models import Customer

    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    note = f"machine: {os.cpu_count()} CPUs, {ram:.0f} GiB RAM, load average {load}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute(
                "SELECT pg_size_pretty(pg_table_size(t)), pg_size_pretty(pg_indexes_size(t)) "
                "FROM (SELECT %s::regclass AS t) AS customers",
                [Customer._meta.db_table],
            )
            table, indexes = cursor.fetchone()
        note += f"; PostgreSQL {version}, customers table {table} + indexes {indexes}"
    return note


def _pad(text: str, width: int) -> str:
    """Left-justify counting East Asian wide characters as two columns."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - columns, 0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers of the organisation")
    parser.add_argument("-n", type=int, default=300, help="queries per kind and actor (10 %% misses)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database medspa_bench")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database holding the same data")
    parser.add_argument("--no-plans", action="store_true", help="print the table only")
    args = parser.parse_args()

    scratch = bootstrap(reuse=args.reuse)
    try:
        from django.db import connection

        dataset = build_dataset(args.customers, seed=args.seed, reuse=args.reuse)
        report = run(dataset, n=args.n)
        if not args.no_plans:
            print(report.sql())
        print(report.table())
        for actor, key in report.wrong:
            print(f"WRONG RESULTS: {actor} · {key}")
        status = 1 if report.wrong or (report.enforced and report.over_budget) else 0
        vendor = connection.vendor
    finally:
        if os.environ.get("DATABASE_URL") and not args.keep:
            drop_database()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{vendor}: {'within budget' if status == 0 else 'FAILED'}")
    sys.exit(status)


if __name__ == "__main__":
    main()
