"""Fuzz the CRM setup endpoints as their administrator (the project-wide fuzz test runs as a user
without these permissions): whatever is sent, never a 5xx, errors are problem JSON."""

import pytest

from medspa.accounts import services as account_services
from medspa.customers import setup_services as services
from tests.customers.factories import CustomerFactory
from tests.customers.test_setup_support import ALL_PERMS, setup_user
from tests.fuzz import assert_never_fails, operations, wsgi_schema

pytestmark = pytest.mark.req("CRM-02", "MBR-01")

PATHS = ("/api/v1/customer-fields", "/api/v1/member-levels")


def test_customer_setup_endpoints_never_fail(db, branch):
    user = setup_user(branch, [*ALL_PERMS, "accounts.add_apitoken"], username="setupfuzzer")
    services.customfield_create(actor=user, key="skin", label="肤质", type="choice", options=["干性"])
    level = services.memberlevel_create(actor=user, name="金卡")
    CustomerFactory(branch=branch, member_level=level, custom_values={"skin": "干性"})
    headers = {
        "Authorization": f"Bearer {account_services.api_token_create(actor=user, name='f', days=1).secret}"
    }
    with wsgi_schema() as schema:
        ops = operations(schema, PATHS)
        assert len(ops) == 10
        for operation in ops:
            assert_never_fails(operation, headers, max_examples=30)
