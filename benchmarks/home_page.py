"""Server time of the home page (GET /) for a logged-in demo user: Django's full request handling
in-process (middleware, session, permissions, template), no network. Uses a scratch database:
SQLite in a temp dir, or the PostgreSQL server of DATABASE_URL (a database `medspa_bench`)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=300, help="requests to time (after 20 warm-up requests)")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="medspa-home-bench-"))
    os.environ["MEDSPA_VAR_DIR"] = str(scratch)
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "medspa.settings"
    if os.environ.get("DATABASE_URL"):
        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS medspa_bench")
            conn.execute("CREATE DATABASE medspa_bench")
        os.environ["DATABASE_URL"] = f"{base}/medspa_bench"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from medspa import cli, seed

    call_command("migrate", verbosity=0)
    seed.run("demo", password=cli.DEMO_PASSWORD)
    client = Client()
    assert client.login(username="sysadmin", password=cli.DEMO_PASSWORD)
    for _ in range(20):
        assert client.get("/").status_code == 200
    times = []
    for _ in range(args.n):
        started = time.perf_counter()
        response = client.get("/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"home page, {connection.vendor}, n={args.n}: p50 {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms   budget 200 ms"
    )
    sys.exit(0 if p95 <= 200 else 1)


if __name__ == "__main__":
    main()
