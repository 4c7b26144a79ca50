"""Whatever schemathesis sends to the coupon endpoints — valid, malformed, out of range — as a user
holding every coupon permission, the API never answers with a 5xx and every error is problem JSON."""

from __future__ import annotations

import pytest

from medspa.accounts import services as account_services
from tests.catalog.coupon_factories import ALL_PERMS, CouponTypeFactory, coupon_user
from tests.customers.factories import CustomerFactory
from tests.fuzz import assert_never_fails, operations, wsgi_schema

pytestmark = [pytest.mark.django_db, pytest.mark.req("MKT-02")]


def test_no_input_makes_the_coupon_api_fail(branch):
    user = coupon_user(branch, ["accounts.add_apitoken", *ALL_PERMS], username="fuzzer")
    CouponTypeFactory(organisation=branch.organisation)
    CustomerFactory(branch=branch)
    headers = {
        "Authorization": f"Bearer {account_services.api_token_create(actor=user, name='fuzz', days=1).secret}"
    }
    with wsgi_schema() as schema:
        ops = operations(schema, ("/api/v1/catalog/coupon",))
        assert len(ops) == 13
        for operation in ops:
            assert_never_fails(operation, headers, max_examples=25)
