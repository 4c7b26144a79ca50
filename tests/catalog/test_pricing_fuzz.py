"""Whatever schemathesis sends to the pricing API (ORD-04) — valid, malformed, out of range —
it never answers with a 5xx, and every error is problem JSON."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medspa.accounts import services
from tests.catalog.pricing_factories import (
    PricingLevelFactory,
    PricingProjectFactory,
    PromotionFactory,
    pricing_user,
)
from tests.customers.factories import CustomerFactory
from tests.fuzz import assert_never_fails, operations, wsgi_schema

pytestmark = [pytest.mark.django_db, pytest.mark.req("ORD-04")]


@pytest.fixture
def api_schema(db):
    with wsgi_schema() as schema:
        yield schema


def test_no_input_makes_the_pricing_api_fail(api_schema, branch):
    org = branch.organisation
    for pk in range(1, 4):
        PricingProjectFactory(category__organisation=org, list_price=Decimal(1000 * pk))
    PricingLevelFactory(organisation=org)
    CustomerFactory(branch=branch)
    PromotionFactory(organisation=org, branches=[branch])
    user = pricing_user(
        branch, ["catalog.preview_price", "customers.view_customer", "accounts.add_apitoken"], authority="90"
    )
    header = {"Authorization": f"Bearer {services.api_token_create(actor=user, name='fuzz', days=1).secret}"}
    ops = operations(api_schema, ("/api/v1/pricing/",))
    assert sorted(f"{op.method.upper()} {op.path}" for op in ops) == [
        "GET /api/v1/pricing/items",
        "POST /api/v1/pricing/quote",
    ]
    for operation in ops:
        assert_never_fails(operation, header, max_examples=60)
