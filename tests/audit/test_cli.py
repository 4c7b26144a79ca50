"""`medspa audit verify` / `medspa audit purge` and the management commands behind them."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from medspa import cli
from medspa.audit.models import AuditEvent
from tests.audit.factories import record

pytestmark = [pytest.mark.django_db, pytest.mark.req("AUD-02")]


def _alter(pk: int) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
        cursor.execute("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER ALL")


def test_cli_verify_exit_codes(user, capsys):
    events = [record(user) for _ in range(3)]
    assert cli.main(["audit", "verify"]) == 0
    assert capsys.readouterr().out == "audit chain intact: 3 rows checked\n"
    _alter(events[1].pk)
    assert cli.main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"first broken row: {events[1].pk} (")


def test_management_command_verify(user):
    event = record(user)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue() == "audit chain intact: 1 rows checked\n"
    _alter(event.pk)
    with pytest.raises(SystemExit) as exc:
        call_command("audit_verify", stdout=io.StringIO())
    assert exc.value.code == 1


def test_cli_purge_refuses_young_rows_and_purges_old(user, capsys):
    record(user)
    assert cli.main(["audit", "purge", "--older-than-days", "90"]) == 2
    assert "180" in capsys.readouterr().err
    assert AuditEvent.objects.count() == 1
    assert cli.main(["audit", "purge", "--older-than-days", "180"]) == 0
    assert capsys.readouterr().out == "purged 0 audit events older than 180 days\n"
    assert AuditEvent.objects.latest("pk").action == "purge"


def test_management_command_purge_refusal_is_a_command_error(db):
    with pytest.raises(CommandError, match="180"):
        call_command("audit_purge", "--older-than-days", "10")


def test_parser_knows_the_audit_subcommands():
    parser = cli.build_parser()
    assert parser.parse_args(["audit", "verify"]).audit_command == "verify"
    assert parser.parse_args(["audit", "purge", "--older-than-days", "200"]).older_than_days == 200
    with pytest.raises(SystemExit):
        parser.parse_args(["audit", "purge"])
