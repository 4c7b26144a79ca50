from __future__ import annotations

import pytest

from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.audit.models import AuditEvent
from medspa.organization.models import Branch, Department, Position
from tests.factories import BranchFactory, OrganisationFactory
from tests.organization.factories import DepartmentFactory, PositionFactory, model_perms, scoped_user

ALL_PERMS = [
    *model_perms("branch"),
    *model_perms("department"),
    *model_perms("position"),
    *model_perms("staff"),
]


def org_writes() -> int:
    """Successful audit events of this module (denials are recorded too, as ``denied``)."""
    return AuditEvent.objects.filter(module="organization", result="success").count()


@pytest.fixture
def admin(branch: Branch, other_branch: Branch) -> User:
    """A system administrator: every organisation permission, organisation scope, both branches."""
    return scoped_user(
        branch, ALL_PERMS, DataScope.ORGANISATION, branches=[branch, other_branch], username="orgadmin"
    )


@pytest.fixture
def manager(branch: Branch) -> User:
    """Every organisation permission, but branch scope in ``branch`` only."""
    return scoped_user(branch, ALL_PERMS, DataScope.BRANCH, username="manager")


@pytest.fixture
def foreign_branch(db: None) -> Branch:
    """A branch of another organisation."""
    return BranchFactory(organisation=OrganisationFactory(code="other"), code="main", name="他院")


@pytest.fixture
def aesthetics(branch: Branch) -> Department:
    return DepartmentFactory(branch=branch, code="aesthetics", name="医学美容科", order=1)


@pytest.fixture
def injection(aesthetics: Department) -> Department:
    return DepartmentFactory(branch=aesthetics.branch, parent=aesthetics, code="injection", name="注射美容组")


@pytest.fixture
def doctor(branch: Branch) -> Position:
    return PositionFactory(organisation=branch.organisation, code="doctor", name="医生", order=1)


@pytest.fixture
def nurse(branch: Branch) -> Position:
    return PositionFactory(organisation=branch.organisation, code="nurse", name="护士", order=2)
