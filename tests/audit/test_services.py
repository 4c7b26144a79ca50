"""The audit log itself: the hash chain, append-only storage, verification and the retention purge."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.cache import cache
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext

from medspa.audit import services
from medspa.audit.models import AppendOnlyError, AuditEvent
from medspa.audit.services import GENESIS_HASH, audit_purge, audit_verify, canonical_content, compute_hash
from medspa.core.errors import PermissionDenied, ValidationError
from tests.audit.factories import record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def keep(days: int) -> str:
    return gettext("Audit events must be kept for at least %(days)s days.") % {"days": days}


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only (trigger, advisory lock)"
)


def _days_ago(days: int, now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(days=days)


def backdate(event: AuditEvent, when: datetime.datetime) -> None:
    """Move an event into the past and re-chain everything (test set-up only: the trigger and the
    model refuse updates, so this goes around both)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
        cursor.execute("UPDATE audit_auditevent SET occurred_at = %s WHERE id = %s", [when, event.pk])
        previous = GENESIS_HASH
        for row in AuditEvent.objects.order_by("pk"):
            new_hash = compute_hash(previous, row)
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                [previous, new_hash, row.pk],
            )
            previous = new_hash
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER ALL")


# --- chain -------------------------------------------------------------------------------------


@pytest.mark.req("AUD-01", "AUD-02")
def test_three_events_are_linked_exactly(user, branch):
    first = record(user, action="create", ip="10.0.0.1", user_agent="pytest")
    second = record(user, action="update", changes={"name": ["甲", "乙"]})
    third = record(None, module="accounts", action="login_failed", result="failed", actor_name="ghost")

    rows = list(AuditEvent.objects.order_by("pk"))
    assert [r.pk for r in rows] == [first.pk, second.pk, third.pk]
    assert rows[0].prev_hash == GENESIS_HASH
    assert rows[1].prev_hash == rows[0].hash
    assert rows[2].prev_hash == rows[1].hash
    for row in rows:
        assert row.hash == compute_hash(row.prev_hash, row)
    assert rows[0].actor_id == user.pk and rows[0].actor_name == "plain"
    assert rows[0].branch_id == branch.pk and rows[0].organisation_id == branch.organisation_id
    assert (rows[0].ip, rows[0].user_agent) == ("10.0.0.1", "pytest")
    assert rows[2].actor_id is None and rows[2].actor_name == "ghost" and rows[2].result == "failed"
    assert audit_verify() == services.VerifyResult(ok=True, checked=3)


@pytest.mark.req("AUD-02")
def test_canonical_content_survives_a_database_round_trip(user):
    changes = {
        "z": [None, {"b": 1, "a": [1.5, "二"]}],
        "amount": ["1.10", "2.00"],
        "big": [1e16, 1e-7],
        "flag": [True, False],
    }
    event = record(user, ip="2001:0DB8:0000::0001", changes=changes, message="多字节 ✓")
    assert event.ip == "2001:db8::1"
    reloaded = AuditEvent.objects.get(pk=event.pk)
    assert reloaded.occurred_at == event.occurred_at
    assert reloaded.ip == "2001:db8::1"
    assert canonical_content(reloaded) == canonical_content(event)
    assert reloaded.hash == compute_hash(reloaded.prev_hash, reloaded)


@pytest.mark.req("AUD-02")
def test_microseconds_are_kept(user, monkeypatch):
    moment = datetime.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=datetime.UTC)
    monkeypatch.setattr(services.timezone, "now", lambda: moment)
    event = record(user)
    reloaded = AuditEvent.objects.get(pk=event.pk)
    assert reloaded.occurred_at == moment
    assert canonical_content(reloaded) == canonical_content(event)
    assert '"occurred_at":"2026-03-01T08:30:15.123456+00:00"' in canonical_content(reloaded)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("::ffff:1.2.3.4", "::ffff:1.2.3.4"), ("unknown", None), ("1.2.3.4:80", None), ("", None)],
)
def test_addresses_that_are_not_ips_are_not_stored(user, raw, stored):
    event = record(user, ip=raw)
    assert AuditEvent.objects.get(pk=event.pk).ip == stored
    assert audit_verify().ok


# --- append-only -------------------------------------------------------------------------------


@pytest.mark.req("AUD-02")
def test_the_model_refuses_update_and_delete(user):
    event = record(user)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(message="changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        event.delete()
    event.message = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get().message == ""


@postgresql_only
@pytest.mark.req("AUD-02")
def test_postgresql_trigger_refuses_update_and_delete(user):
    event = record(user)
    audit_purge(older_than_days=180)  # its SET LOCAL flag is off again afterwards
    for sql in (
        "UPDATE audit_auditevent SET message = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).message == ""


# --- verification ------------------------------------------------------------------------------


def _tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER ALL")


@pytest.mark.req("AUD-02")
def test_verify_names_exactly_the_altered_row(user):
    events = [record(user, message=f"event {i}") for i in range(5)]
    target = events[2]
    _tamper("UPDATE audit_auditevent SET message = %s WHERE id = %s", ["rewritten", target.pk])
    result = audit_verify(chunk_size=2)
    assert result == services.VerifyResult(False, 2, target.pk, gettext("its content was changed"))


@pytest.mark.req("AUD-02")
def test_verify_names_the_row_after_a_deleted_one(user):
    events = [record(user, message=f"event {i}") for i in range(4)]
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    result = audit_verify()
    assert (result.ok, result.first_broken_id, result.checked) == (False, events[2].pk, 1)


@pytest.mark.req("AUD-02")
def test_verify_refuses_a_chain_whose_start_was_deleted_without_a_purge(user):
    events = [record(user) for _ in range(3)]
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk])
    result = audit_verify()
    assert (result.ok, result.first_broken_id, result.checked) == (False, events[1].pk, 0)


def test_verify_on_an_empty_log_is_ok(db):
    assert audit_verify() == services.VerifyResult(ok=True, checked=0)


# --- retention purge ---------------------------------------------------------------------------


@pytest.fixture
def clean_param_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.req("AUD-02")
@pytest.mark.parametrize("days", [0, 30, 179])
def test_purge_refuses_less_than_180_days(user, days):
    record(user)
    with pytest.raises(ValidationError) as exc:
        audit_purge(older_than_days=days)
    assert exc.value.message == keep(180)
    assert exc.value.field == "older_than_days"
    assert AuditEvent.objects.count() == 1


@pytest.mark.req("AUD-02")
def test_purge_refuses_less_than_the_configured_retention(user, branch, clean_param_cache):
    from medspa.configuration.models import ParameterValue

    ParameterValue.objects.create(organisation=branch.organisation, key="audit.retention_days", value=365)
    assert services.retention_days() == 365
    with pytest.raises(ValidationError) as exc:
        audit_purge(older_than_days=200)
    assert exc.value.message == keep(365)
    assert AuditEvent.objects.count() == 0


def test_purge_from_the_product_needs_a_superuser(user):
    with pytest.raises(PermissionDenied):
        audit_purge(actor=user, older_than_days=400)


@pytest.mark.req("AUD-02")
def test_purge_deletes_older_rows_records_itself_and_verify_stays_ok(user):
    now = timezone.now()
    old_a, old_b, young = record(user, message="a"), record(user, message="b"), record(user, message="c")
    backdate(old_a, _days_ago(400, now))
    backdate(old_b, _days_ago(181, now))
    assert audit_verify().ok

    assert audit_purge(older_than_days=180, now=now) == 2

    kept = list(AuditEvent.objects.order_by("pk"))
    assert kept[0].pk == young.pk
    assert kept[0].prev_hash != GENESIS_HASH  # points to a purged row
    purge = kept[-1]
    assert (purge.module, purge.action, purge.result, purge.actor_name) == (
        "audit",
        "purge",
        "success",
        "system",
    )
    assert purge.object_type == "audit.auditevent" and purge.object_id == str(young.pk)
    cutoff = timezone.localtime(now - datetime.timedelta(days=180)).isoformat()
    assert purge.message == f"purged 2 events older than {cutoff}"
    assert audit_verify() == services.VerifyResult(ok=True, checked=2)

    # a second purge that finds nothing keeps the chain valid; deleting the first kept row is caught
    assert audit_purge(older_than_days=180, now=now) == 0
    assert audit_verify() == services.VerifyResult(ok=True, checked=3)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [young.pk])
    assert audit_verify().first_broken_id == purge.pk


def test_purge_of_everything_starts_a_fresh_chain(user):
    now = timezone.now()
    event = record(user)
    backdate(event, _days_ago(500, now))
    assert audit_purge(older_than_days=180, now=now) == 1
    purge = AuditEvent.objects.get()
    assert purge.prev_hash == GENESIS_HASH and purge.object_id == ""
    assert audit_verify().ok


# --- concurrency -------------------------------------------------------------------------------


@postgresql_only
@pytest.mark.req("AUD-02")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_appends_keep_one_chain():
    actor = UserFactory(username="busy")
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(25):
                with transaction.atomic():
                    record(actor, message=f"{n}-{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.count() == 200
    assert len(set(AuditEvent.objects.values_list("prev_hash", flat=True))) == 200
    assert audit_verify() == services.VerifyResult(ok=True, checked=200)
