"""``medspa manage audit_purge --older-than-days N``: delete audit events older than N days
(N must be at least the retention period, never below 180)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from medspa.audit.services import audit_purge
from medspa.core.errors import DomainError


def purge(stdout: Any, older_than_days: int) -> int:
    deleted = audit_purge(older_than_days=older_than_days)
    stdout.write(f"purged {deleted} audit events older than {older_than_days} days\n")
    return deleted


class Command(BaseCommand):
    help = "Delete audit events older than the given number of days (at least the retention period)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-days", type=int, required=True, dest="older_than_days")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            purge(self.stdout, options["older_than_days"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
