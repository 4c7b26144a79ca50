"""``medspa manage audit_verify``: recompute the audit hash chain; exit 1 at the first broken row."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from medspa.audit.services import audit_verify


def report(stdout: Any) -> int:
    """Print the verdict; 0 when the chain is intact, 1 otherwise (shared with ``medspa audit``)."""
    result = audit_verify()
    if result.ok:
        stdout.write(f"audit chain intact: {result.checked} rows checked\n")
        return 0
    stdout.write(f"first broken row: {result.first_broken_id} ({result.reason})\n")
    return 1


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit status 1 names the first broken row."

    def handle(self, *args: Any, **options: Any) -> None:
        code = report(self.stdout)
        if code:
            sys.exit(code)
