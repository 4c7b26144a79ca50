from __future__ import annotations

import pytest
from django.core.cache import cache

from medspa.accounts.models import User
from medspa.audit.models import AuditEvent
from medspa.organization.models import Branch
from tests.configuration.factories import ALL_PERMS, config_user
from tests.factories import BranchFactory, OrganisationFactory


def config_writes() -> int:
    """Successful audit events of this module (denials are recorded too, as ``denied``)."""
    return AuditEvent.objects.filter(module="configuration", result="success").count()


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture
def admin(branch: Branch, other_branch: Branch) -> User:
    """A system administrator: every configuration permission, organisation scope."""
    return config_user(branch, ALL_PERMS, branches=[branch, other_branch], username="cfgadmin")


@pytest.fixture
def viewer(branch: Branch) -> User:
    """May see every configuration page, change nothing."""
    return config_user(
        branch,
        [
            "configuration.view_dictionaryitem",
            "configuration.view_visitstage",
            "configuration.view_parametervalue",
        ],
        username="cfgviewer",
    )


@pytest.fixture
def foreign_branch(db: None) -> Branch:
    return BranchFactory(organisation=OrganisationFactory(code="foreign"), code="far", name="别家机构")


@pytest.fixture
def foreign_admin(foreign_branch: Branch) -> User:
    return config_user(foreign_branch, ALL_PERMS, username="foreignadmin")
