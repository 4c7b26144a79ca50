"""The ``medspa`` command: demo, serve, worker, scheduler, seed, audit, inventory, manage."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

SETTINGS = "medspa.settings"
DEMO_PASSWORD = "Medspa@2026"  # noqa: S105 - the documented demo-only password


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()


def manage(argv: Sequence[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["medspa manage", *argv])
    return 0


def _exe() -> list[str]:
    """How to run this command again in a child process."""
    return [sys.executable, "-m", "medspa.cli"]


def cmd_serve(args: argparse.Namespace, extra: Sequence[str]) -> int:
    bind = args.bind or f"{args.host}:{args.port}"
    argv = [
        sys.executable, "-m", "gunicorn", "medspa.wsgi:application",
        "--bind", bind,
        "--workers", str(args.workers),
        "--threads", str(args.threads),
        "--access-logfile", "-",
        "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        *extra,
    ]  # fmt: skip
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    os.execv(sys.executable, argv)
    return 0  # pragma: no cover - replaced by exec


def cmd_worker(args: argparse.Namespace, extra: Sequence[str]) -> int:
    return manage(["worker", *extra])


def cmd_scheduler(args: argparse.Namespace, extra: Sequence[str]) -> int:
    return manage(["crontask", *extra])


def cmd_seed(args: argparse.Namespace, extra: Sequence[str]) -> int:
    _django_setup()
    from medspa import seed

    logins = seed.run(args.dataset, password=DEMO_PASSWORD)
    _print_logins(logins)
    return 0


def cmd_audit(args: argparse.Namespace, extra: Sequence[str]) -> int:
    _django_setup()
    from medspa.audit.management.commands import audit_purge, audit_verify
    from medspa.core.errors import DomainError

    if args.audit_command == "verify":
        return audit_verify.report(sys.stdout)
    try:
        audit_purge.purge(sys.stdout, args.older_than_days)
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    return 0


def cmd_inventory(args: argparse.Namespace, extra: Sequence[str]) -> int:
    _django_setup()
    from medspa.inventory.management.commands import inventory_verify

    missing = inventory_verify.unknown_warehouses(args.warehouses or [])
    if missing:
        print(f"no warehouse with id {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    return inventory_verify.report(sys.stdout, args.warehouses or None)


def _print_logins(logins: list[tuple[str, str]]) -> None:
    print(f"\n演示账号 / demo logins (password 密码: {DEMO_PASSWORD})")
    width = max((len(u) for u, _ in logins), default=8)
    for username, role in logins:
        print(f"  {username.ljust(width)}  {role}")
    print()


def cmd_demo(args: argparse.Namespace, extra: Sequence[str]) -> int:
    started = time.monotonic()
    var = Path(os.environ.get("MEDSPA_VAR_DIR") or Path.cwd() / "var")
    var.mkdir(parents=True, exist_ok=True)
    os.environ["MEDSPA_VAR_DIR"] = str(var.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    os.environ.setdefault("ALLOWED_HOSTS", f"localhost,127.0.0.1,[::1],{args.host}")
    where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else str(var / "medspa.sqlite3")
    print(f"medspa demo — database: {where}")
    _django_setup()
    from django.conf import settings
    from django.core.management import call_command

    from medspa import seed

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    logins = seed.run("demo", password=DEMO_PASSWORD)
    if not settings.STATICFILES_DIRS[1:]:
        print("warning: browser libraries are missing — run `npm ci` (make demo does it)", file=sys.stderr)
    _print_logins(logins)

    children: dict[str, subprocess.Popen[bytes]] = {}
    specs = {
        "web": [*_exe(), "serve", "--host", args.host, "--port", str(args.port), "--workers", "2"],
        "worker": [*_exe(), "worker"],
        "scheduler": [*_exe(), "scheduler"],
    }
    for name, argv in specs.items():
        # Own process group: Ctrl-C reaches only us, and we stop the children in order.
        children[name] = subprocess.Popen(argv, start_new_session=True)
    print(
        f"http://{args.host}:{args.port}/  ready in {time.monotonic() - started:.1f}s"
        " — Ctrl-C stops everything"
    )

    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                print(f"{name} exited with {child.returncode}; stopping the demo", file=sys.stderr)
                stopping, code = True, 1
                break
        else:
            time.sleep(0.5)
    _stop_children(children)
    return code


def _stop_children(children: dict[str, subprocess.Popen[bytes]], timeout: float = 10.0) -> None:
    for child in children.values():
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for name, child in children.items():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in time; killing it", file=sys.stderr)
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    print("medspa demo stopped")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medspa", description="medspa — medical-aesthetics management system"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run a demo clinic: database, seed, web, worker and scheduler")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="run the web server (gunicorn); extra options go to gunicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--bind", default=None, help="gunicorn bind address (overrides --host/--port)")
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3")))
    serve.add_argument("--threads", type=int, default=4)
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run a background task worker")
    worker.set_defaults(func=cmd_worker)

    scheduler = sub.add_parser("scheduler", help="run the periodic-job scheduler (one per installation)")
    scheduler.set_defaults(func=cmd_scheduler)

    seed = sub.add_parser("seed", help="load a data set (idempotent)")
    seed.add_argument("dataset", choices=["demo"])
    seed.set_defaults(func=cmd_seed)

    audit = sub.add_parser("audit", help="check or purge the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="verify the hash chain; exit status 1 names the first broken row")
    purge = audit_sub.add_parser("purge", help="delete audit events older than the retention period")
    purge.add_argument("--older-than-days", type=int, required=True, dest="older_than_days")
    audit.set_defaults(func=cmd_audit)

    inventory = sub.add_parser("inventory", help="check the stock ledger")
    inventory_sub = inventory.add_subparsers(dest="inventory_command", required=True)
    inventory_verify = inventory_sub.add_parser(
        "verify", help="prove every stock balance equals its moves; exit status 1 lists the problems"
    )
    inventory_verify.add_argument(
        "--warehouse", type=int, action="append", dest="warehouses", metavar="ID", help="only this warehouse"
    )
    inventory.set_defaults(func=cmd_inventory)

    manage_parser = sub.add_parser("manage", help="run a Django management command", add_help=False)
    manage_parser.set_defaults(func=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        return manage(argv[1:])
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command not in ("serve", "worker", "scheduler"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return int(args.func(args, extra) or 0)


if __name__ == "__main__":
    sys.exit(main())
