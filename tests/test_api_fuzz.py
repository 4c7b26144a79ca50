"""Property test over the whole OpenAPI schema: whatever schemathesis sends — valid, malformed,
out of range — the API never answers with a 5xx, and every error is problem JSON. Once as a user
who may only manage API tokens (everything else must be a clean 403), and once per administrator
role over the endpoints that role may use (so the inputs reach the services)."""

import pytest

from medspa.accounts import services
from medspa.configuration.defaults import seed_defaults
from tests.conftest import TOKEN_PERMS
from tests.factories import UserFactory, role_user
from tests.fuzz import assert_never_fails, operations, wsgi_schema

pytestmark = pytest.mark.req("INT-01")


@pytest.fixture
def api_schema(db):
    with wsgi_schema() as schema:
        yield schema


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {services.api_token_create(actor=user, name='fuzz', days=1).secret}"}


@pytest.fixture
def bearer_header(branch):
    user = UserFactory(username="fuzzer", branches=[branch], perms=TOKEN_PERMS)
    for i in range(3):
        services.api_token_create(actor=user, name=f"t{i}", days=1)
    return bearer(user)


def test_no_input_makes_the_api_fail(api_schema, bearer_header):
    ops = operations(api_schema)
    assert {f"{op.method.upper()} {op.path}" for op in ops} >= {
        "POST /api/v1/auth/token",
        "GET /api/v1/me",
        "GET /api/v1/tokens",
        "PATCH /api/v1/tokens/{token_id}",
    }
    for operation in ops:
        if operation.method.upper() == "DELETE":
            continue  # revoking would invalidate the bearer token for the remaining examples
        assert_never_fails(operation, bearer_header, max_examples=40)


@pytest.mark.req("PLT-01", "PLT-02", "PLT-03", "PLT-04", "SEC-01", "AUD-03")
@pytest.mark.parametrize(
    ("role", "prefixes", "count"),
    [
        ("系统管理员", ("/api/v1/branches", "/api/v1/departments", "/api/v1/positions", "/api/v1/staff"), 20),
        ("系统管理员", ("/api/v1/users", "/api/v1/roles", "/api/v1/permissions"), 13),
        ("安全管理员", ("/api/v1/security-policy",), 2),
        ("审计管理员", ("/api/v1/audit-events",), 2),
    ],
)
def test_administrators_inputs_never_make_the_api_fail(api_schema, branch, role, prefixes, count):
    seed_defaults(branch.organisation)
    admin = role_user(role, username="adminfuzzer", branches=[branch])
    admin.user_permissions.add(*_token_permissions())  # to hold a bearer token
    ops = operations(api_schema, prefixes)
    assert len(ops) == count
    for operation in ops:
        assert_never_fails(operation, bearer(admin), max_examples=25)


def _token_permissions():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="accounts", codename="add_apitoken")
