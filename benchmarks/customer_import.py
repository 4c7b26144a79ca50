"""CRM-07 import budget: at least 1,000 rows a second on PostgreSQL, end to end — reading the
file, checking every row (``ImportPlan.check``) and creating the customers
(``ImportPlan.commit``), the same code the background task runs.

Builds an .xlsx (or .csv) of ``--rows`` realistic customers (names, unique phones, card nos,
channels, tags, a consultant employee no, an external id), imports it into a scratch database
(SQLite in a temp dir, or ``medspa_bench_import`` on the PostgreSQL server of DATABASE_URL,
dropped at the end), then imports it again (every row skipped: idempotent) and prints the rows
per second of each phase. Exit status 1 when PostgreSQL stays under the budget.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/medspa \
        .venv/bin/python benchmarks/customer_import.py --rows 20000
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time

BUDGET_ROWS_PER_SECOND = 1000
DB_NAME = "medspa_bench_import"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = "丽娟敏静燕芳婷雪琳慧颖洁玲萍红霞莉梅晶倩楠欣怡佳雅璐瑶思梦涵蕾薇月露悦娜妍彤"


def bootstrap() -> None:
    os.environ["MEDSPA_VAR_DIR"] = tempfile.mkdtemp(prefix="medspa-import-bench-")
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


def drop() -> None:
    if not os.environ.get("DATABASE_URL"):
        return
    from django.db import connections

    connections.close_all()
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")


def make_file(rows: int, fmt: str, *, seed: int = 11) -> tuple[bytes, str]:
    from medspa.customers import imports

    rng = random.Random(seed)
    header = [str(label) for key, _english, label, _req in imports.COLUMNS]
    phones = rng.sample(range(10**8), rows)
    records = []
    for i in range(rows):
        records.append(
            [
                f"LEGACY-{i:07d}",
                rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                rng.choice(("女", "女", "男", "")),
                f"{rng.randint(1960, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                f"139{phones[i]:08d}",
                "",
                "",
                f"C{i:07d}" if i % 3 == 0 else "",
                rng.choice(("微信", "抖音", "", "")),
                "",
                "",
                rng.choice(("E0001", "E0002", "")),
                "",
                "",
                rng.choice(("VIP", "美白", "", "")),
            ]
        )
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(records)
        return out.getvalue().encode("utf-8-sig"), "bench.csv"
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for record in records:
        sheet.append(record)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), "bench.xlsx"


def organisation() -> tuple[object, object, object]:
    from medspa.accounts.models import User
    from medspa.configuration.choices import DictionaryKind
    from medspa.configuration.models import DictionaryItem
    from medspa.organization.models import Branch, Organisation, Staff

    org = Organisation.objects.create(code="bench", name="导入测试机构")
    branch = Branch.objects.create(organisation=org, code="main", name="总院")
    for code, name in (("wx", "微信"), ("dy", "抖音")):
        DictionaryItem.objects.create(organisation=org, kind=DictionaryKind.CHANNEL, code=code, name=name)
    group = DictionaryItem.objects.create(
        organisation=org, kind=DictionaryKind.TAG_GROUP, code="g", name="标签"
    )
    for code, name in (("vip", "VIP"), ("white", "美白")):
        DictionaryItem.objects.create(
            organisation=org, kind=DictionaryKind.TAG, code=code, name=name, parent=group
        )
    for no in ("E0001", "E0002"):
        Staff.objects.create(organisation=org, branch=branch, employee_no=no, name=f"咨询{no}")
    actor = User.objects.create(username="importer", organisation=org, default_branch=branch)
    return org, branch, actor


def timed_import(content: bytes, name: str, org: object, branch: object, actor: object) -> dict[str, float]:
    from medspa.customers import imports

    started, cpu = time.perf_counter(), time.process_time()
    plan = imports.ImportPlan(organisation_id=org.pk, branch_id=branch.pk, actor=actor)  # type: ignore[attr-defined]
    header, rows = imports.read_table(content, name)
    report, pending, tags = plan.check(header, rows)
    checked = time.perf_counter()
    created = plan.commit(pending, tags)
    done = time.perf_counter()
    return {
        "rows": report.total,
        "errors": report.error_rows,
        "skipped": report.skipped,
        "created": created,
        "check_s": checked - started,
        "commit_s": done - checked,
        "total_s": done - started,
        "cpu_s": time.process_time() - cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    args = parser.parse_args()
    bootstrap()
    try:
        from django.db import connection

        org, branch, actor = organisation()
        content, name = make_file(args.rows, args.format)
        first = timed_import(content, name, org, branch, actor)
        second = timed_import(content, name, org, branch, actor)
        vendor = connection.vendor
    finally:
        drop()
    rate = first["rows"] / first["total_s"]
    print(f"database {vendor}, {args.rows} rows, {args.format} ({len(content) / 1e6:.1f} MB)")
    print(
        f"{'run':<12}{'created':>9}{'skipped':>9}{'errors':>8}{'check s':>10}{'commit s':>10}{'rows/s':>10}"
    )
    for label, run in (("first", first), ("again", second)):
        print(
            f"{label:<12}{run['created']:>9.0f}{run['skipped']:>9.0f}{run['errors']:>8.0f}"
            f"{run['check_s']:>10.2f}{run['commit_s']:>10.2f}{run['rows'] / run['total_s']:>10.0f}"
            f"{run['cpu_s']:>8.1f}"
        )
    if vendor == "postgresql" and rate < BUDGET_ROWS_PER_SECOND:
        print(f"FAIL: {rate:.0f} rows/s < {BUDGET_ROWS_PER_SECOND}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
