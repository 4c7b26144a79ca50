import datetime
import json

import pytest
from django.utils import timezone

from medspa.core import health
from medspa.core.models import WorkerHeartbeat

pytestmark = [pytest.mark.req("OPS-03"), pytest.mark.django_db]


def beat(seconds_ago: float, worker_id: str = "w1") -> WorkerHeartbeat:
    now = timezone.now()
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname="host",
        pid=1,
        started_at=now - datetime.timedelta(hours=1),
        last_seen_at=now - datetime.timedelta(seconds=seconds_ago),
    )


def test_healthy_with_a_fresh_worker_heartbeat(client):
    beat(5)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"] == {"ok": True, "pending": []}
    assert body["checks"]["worker"]["ok"] is True
    assert body["checks"]["worker"]["workers"] == 1
    assert 4 <= body["checks"]["worker"]["heartbeat_age_seconds"] <= 10


def test_no_worker_means_503(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "error"
    assert body["checks"]["worker"] == {"ok": False, "heartbeat_age_seconds": None, "workers": 0}


def test_stale_heartbeat_means_503(client, settings):
    beat(settings.WORKER_HEARTBEAT_MAX_AGE + 30)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["worker"]["workers"] == 0


def test_pending_migrations_are_reported(client, monkeypatch):
    beat(1)
    monkeypatch.setattr(
        health, "check_migrations", lambda: health.Check(False, {"pending": ["accounts.0099_future"]})
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["migrations"] == {
        "ok": False,
        "pending": ["accounts.0099_future"],
    }


def test_heartbeat_upserts_one_row_per_worker_and_stop_removes_it():
    started = timezone.now()
    health.heartbeat("w-a", started)
    health.heartbeat("w-a", started)
    assert WorkerHeartbeat.objects.get().worker_id == "w-a"
    health.heartbeat_stop("w-a")
    assert WorkerHeartbeat.objects.count() == 0


def test_healthz_is_get_only(client):
    assert client.post("/healthz").status_code == 405
