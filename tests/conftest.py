from __future__ import annotations

import pytest
from django.test import Client

from medspa.accounts.models import User
from medspa.organization.models import Branch
from tests.factories import BranchFactory, OrganisationFactory, UserFactory

TOKEN_PERMS = [
    "accounts.view_apitoken",
    "accounts.add_apitoken",
    "accounts.change_apitoken",
    "accounts.delete_apitoken",
]


@pytest.fixture
def branch(db: None) -> Branch:
    return BranchFactory(organisation=OrganisationFactory(code="demo"), code="main", name="总院")


@pytest.fixture
def other_branch(branch: Branch) -> Branch:
    return BranchFactory(organisation=branch.organisation, code="east", name="东区门店")


@pytest.fixture
def user(branch: Branch) -> User:
    """A user in ``branch`` with no permissions."""
    return UserFactory(username="plain", branches=[branch])


@pytest.fixture
def token_user(branch: Branch) -> User:
    """A user in ``branch`` who may list, create and revoke API tokens."""
    return UserFactory(username="integrator", branches=[branch], perms=TOKEN_PERMS)


@pytest.fixture
def logged_in(client: Client):
    def login(user: User) -> Client:
        client.force_login(user)
        return client

    return login
