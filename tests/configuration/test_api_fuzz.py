"""Fuzz the configuration endpoints as an administrator (the project-wide fuzz test runs as a
user without these permissions): whatever is sent, never a 5xx, errors are problem JSON."""

import pytest

from medspa.accounts import services as account_services
from medspa.configuration.defaults import seed_defaults
from tests.configuration.factories import ALL_PERMS, config_user
from tests.fuzz import assert_never_fails, operations, wsgi_schema

pytestmark = pytest.mark.req("PLT-06", "PLT-07", "PLT-08")

PATHS = ("/api/v1/dictionaries", "/api/v1/parameters", "/api/v1/visit-stages")


def test_configuration_endpoints_never_fail(db, branch):
    seed_defaults(branch.organisation)
    user = config_user(branch, [*ALL_PERMS, "accounts.add_apitoken"], username="cfgfuzzer")
    headers = {
        "Authorization": f"Bearer {account_services.api_token_create(actor=user, name='f', days=1).secret}"
    }
    with wsgi_schema() as schema:
        ops = operations(schema, PATHS)
        assert len(ops) == 13
        for operation in ops:
            assert_never_fails(operation, headers, max_examples=30)
