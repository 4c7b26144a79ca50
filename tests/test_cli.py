"""The `medspa` command: seed is idempotent, the parser routes sub-commands, manage passes through."""

import subprocess
import sys

import pytest
from django.contrib.auth.models import Group

from medspa import cli, seed
from medspa.accounts.models import User
from medspa.accounts.roles import BUILTIN_ROLES
from medspa.organization.models import Branch

pytestmark = pytest.mark.req("OPS-01")


@pytest.mark.django_db
def test_seed_demo_creates_one_login_per_builtin_role_and_is_idempotent():
    first = seed.run("demo", password=cli.DEMO_PASSWORD)
    counts = (User.objects.count(), Branch.objects.count(), Group.objects.count())
    second = seed.run("demo", password=cli.DEMO_PASSWORD)
    assert first == second == [(r.username, r.name) for r in BUILTIN_ROLES]
    assert (User.objects.count(), Branch.objects.count(), Group.objects.count()) == counts == (13, 2, 13)
    doctor = User.objects.get(username="doctor")
    assert doctor.check_password("Medspa@2026")
    assert [g.name for g in doctor.groups.all()] == ["医生"]
    assert doctor.default_branch.name == "总院医学美容科"
    assert doctor.branches.count() == 2


@pytest.mark.django_db
def test_builtin_roles_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {role.name for role in BUILTIN_ROLES}


def test_parser_knows_every_subcommand():
    parser = cli.build_parser()
    assert parser.parse_args(["demo", "--host", "127.0.0.2", "--port", "9000"]).port == 9000
    assert parser.parse_args(["seed", "demo"]).dataset == "demo"
    args, extra = parser.parse_known_args(["serve", "--workers", "2", "--timeout", "60"])
    assert (args.workers, extra) == (2, ["--timeout", "60"])
    with pytest.raises(SystemExit):
        parser.parse_args(["seed", "nonsense"])


def test_manage_passes_through():
    proc = subprocess.run(
        [sys.executable, "-m", "medspa.cli", "manage", "check"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "System check identified no issues" in proc.stdout


def test_unknown_option_is_refused():
    proc = subprocess.run(
        [sys.executable, "-m", "medspa.cli", "demo", "--bogus"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "unrecognized arguments: --bogus" in proc.stderr
