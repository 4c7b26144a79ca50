"""System health: database, migrations, worker heartbeat — ``GET /healthz`` (OPS-03)."""

from __future__ import annotations

import datetime
import os
import socket
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from medspa.core.models import WorkerHeartbeat


@dataclass
class Check:
    ok: bool
    detail: dict[str, Any]


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check(False, {"error": exc.__class__.__name__})
    return Check(True, {"vendor": connection.vendor})


def check_migrations() -> Check:
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return Check(False, {"error": exc.__class__.__name__})
    pending = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
    return Check(not pending, {"pending": pending})


def check_worker() -> Check:
    try:
        latest = WorkerHeartbeat.objects.order_by("-last_seen_at").first()
    except DatabaseError as exc:
        return Check(False, {"error": exc.__class__.__name__})
    if latest is None:
        return Check(False, {"heartbeat_age_seconds": None, "workers": 0})
    now = timezone.now()
    age = (now - latest.last_seen_at).total_seconds()
    limit = settings.WORKER_HEARTBEAT_MAX_AGE
    alive = WorkerHeartbeat.objects.filter(last_seen_at__gte=now - datetime.timedelta(seconds=limit)).count()
    return Check(age <= limit, {"heartbeat_age_seconds": round(age, 1), "workers": alive})


def health_report() -> tuple[bool, dict[str, Any]]:
    checks = {"database": check_database()}
    if checks["database"].ok:
        checks["migrations"] = check_migrations()
        checks["worker"] = check_worker()
    else:
        checks["migrations"] = Check(False, {"error": "database unavailable"})
        checks["worker"] = Check(False, {"error": "database unavailable"})
    healthy = all(c.ok for c in checks.values())
    body = {
        "status": "ok" if healthy else "error",
        "checks": {name: {"ok": c.ok, **c.detail} for name, c in checks.items()},
        "time": timezone.localtime().isoformat(),
    }
    return healthy, body


def heartbeat(worker_id: str, started_at: Any) -> None:
    """Record that this worker process is alive (called every few seconds by ``medspa worker``)."""
    now = timezone.now()
    with transaction.atomic():
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": started_at,
                "last_seen_at": now,
            },
        )


def heartbeat_stop(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
