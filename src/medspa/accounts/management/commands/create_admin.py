"""``medspa manage create_admin``: the first system administrator of an installation."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from medspa.accounts.administration import installation_admin_create
from medspa.core.errors import DomainError


class Command(BaseCommand):
    help = "Create the organisation, its first branch and a system administrator (系统管理员) account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation-code", required=True)
        parser.add_argument("--organisation-name", default="")
        parser.add_argument("--branch-code", required=True)
        parser.add_argument("--branch-name", default="")
        parser.add_argument("--username", default="sysadmin")

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("MEDSPA_ADMIN_PASSWORD") or getpass.getpass("初始密码 / initial password: ")
        try:
            user = installation_admin_create(
                organisation_code=options["organisation_code"],
                organisation_name=options["organisation_name"],
                branch_code=options["branch_code"],
                branch_name=options["branch_name"],
                username=options["username"],
                password=password,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"created {user.username} (系统管理员); change the password at the first login")
