"""Property test over the whole OpenAPI schema: whatever schemathesis sends — valid, malformed,
out of range — the API never answers with a 5xx, and every error is problem JSON."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from medspa.accounts import services
from medspa.wsgi import application
from tests.conftest import TOKEN_PERMS
from tests.factories import UserFactory

pytestmark = pytest.mark.req("INT-01")


@pytest.fixture
def api_schema(db):
    # Like Django's test client: keep the test's database connection open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def bearer_header(branch):
    user = UserFactory(username="fuzzer", branches=[branch], perms=TOKEN_PERMS)
    for i in range(3):
        services.api_token_create(actor=user, name=f"t{i}", days=1)
    secret = services.api_token_create(actor=user, name="fuzz", days=1).secret
    return {"Authorization": f"Bearer {secret}"}


def test_no_input_makes_the_api_fail(api_schema, bearer_header):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "POST /api/v1/auth/token",
        "GET /api/v1/me",
        "GET /api/v1/tokens",
        "PATCH /api/v1/tokens/{token_id}",
    }
    for operation in operations:
        if operation.method.upper() == "DELETE":
            continue  # revoking would invalidate the bearer token for the remaining examples

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            response = case.call_and_validate(headers=bearer_header, checks=[not_a_server_error])
            if response.status_code >= 400:
                content_type = response.headers.get("Content-Type") or response.headers.get("content-type")
                content_type = content_type[0] if isinstance(content_type, list) else content_type
                assert content_type == "application/problem+json", (
                    case.method,
                    case.path,
                    response.status_code,
                )

        check()
