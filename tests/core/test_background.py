"""Background work: a real `medspa worker` process runs an enqueued task; the scheduler registers
the periodic purge; the purge task itself works."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from medspa.core.models import WorkerHeartbeat
from medspa.core.tasks import ping

pytestmark = pytest.mark.req("OPS-01")
ROOT = Path(__file__).resolve().parents[2]


def child_env() -> dict[str, str]:
    """Environment for a child process that must use the test database."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{settings_dict['NAME']}"
    else:
        user = settings_dict["USER"] or "postgres"
        host = settings_dict["HOST"] or "127.0.0.1"
        port = settings_dict["PORT"] or 5432
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"
    env["SECRET_KEY"] = "test"
    return env


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_process_executes_an_enqueued_task(settings):
    # The suite runs tasks immediately; this test uses the real database queue (Django resets the
    # task backends when TASKS changes).
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = ping.enqueue("你好")
    assert DBTaskResult.objects.get(id=result.id).status == "READY"
    proc = subprocess.run(
        [sys.executable, "-m", "medspa.cli", "worker", "--batch", "--interval", "0.1"],
        env=child_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == "SUCCESSFUL"
    assert row.return_value["message"] == "你好"
    # the heartbeat row is removed when the worker stops cleanly
    assert WorkerHeartbeat.objects.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_writes_a_heartbeat_while_running():
    proc = subprocess.Popen(
        [sys.executable, "-m", "medspa.cli", "worker", "--interval", "0.2"],
        env=child_env(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not WorkerHeartbeat.objects.exists():
            time.sleep(0.2)
        beat = WorkerHeartbeat.objects.get()
        assert beat.pid == proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    assert WorkerHeartbeat.objects.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_scheduler_registers_the_purge_job_and_stops_on_sigterm(tmp_path):
    log = tmp_path / "scheduler.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "medspa.cli", "scheduler"],
            env=child_env(),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and "Scheduler started" not in log.read_text():
                time.sleep(0.1)
            time.sleep(0.5)  # let it settle into its wait loop
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    output = log.read_text()
    assert 'Added job "purge_expired_credentials"' in output, output
    assert "Scheduler has been shut down" in output, output
    assert proc.returncode == 0, output


def test_purge_task_is_scheduled_daily_in_shanghai_time():
    from crontask import scheduler

    import medspa.accounts.tasks  # noqa: F401 - registers the job

    job = next(j for j in scheduler.get_jobs() if j.name == "purge_expired_credentials")
    assert str(job.trigger.timezone) == "Asia/Shanghai"
    assert "hour='3'" in str(job.trigger) and "minute='17'" in str(job.trigger)


@pytest.mark.django_db
def test_purge_task_runs_the_service(token_user):
    import datetime

    from django.utils import timezone

    from medspa.accounts import services
    from medspa.accounts.models import ApiToken
    from medspa.accounts.tasks import purge_expired_credentials

    token = services.api_token_create(actor=token_user, name="old", days=1).token
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(days=3))
    result = purge_expired_credentials.enqueue()
    assert result.return_value == {"tokens": 1, "sessions": 0}
    assert ApiToken.objects.count() == 0
