"""The API root: token login, bearer and session auth, /me, list shape, problem JSON."""

import datetime
import json

import pytest
from django.utils import timezone

from medspa.accounts import services
from medspa.accounts.models import ApiToken
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("INT-01")]

PROBLEM = "application/problem+json"


def post_json(client, url, body, **kwargs):
    return client.post(url, data=json.dumps(body), content_type="application/json", **kwargs)


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_obtain_token_and_use_it(client, token_user):
    response = post_json(client, "/api/v1/auth/token", {"username": "integrator", "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert body["expires_at"].endswith("+08:00")
    token = ApiToken.objects.get()
    assert token.key_hash == services.hash_token(body["token"])

    me = client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.json()["username"] == "integrator"
    assert me.json()["active_branch"] == {"id": token_user.default_branch_id, "code": "main", "name": "总院"}
    assert "accounts.add_apitoken" in me.json()["permissions"]


def test_wrong_password_is_a_401_problem_and_writes_nothing(client, token_user):
    response = post_json(client, "/api/v1/auth/token", {"username": "integrator", "password": "nope"})
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 401
    assert body["code"] == "not_authenticated"
    assert body["detail"] == "用户名或密码不正确。"
    assert body["errors"] == [{"field": "__all__", "message": "用户名或密码不正确。"}]
    assert ApiToken.objects.count() == 0


def test_missing_fields_are_a_422_problem_naming_each_field(client, db):
    response = post_json(client, "/api/v1/auth/token", {"username": ""})
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"] == [
        {"field": "username", "message": "至少 1 个字符。"},
        {"field": "password", "message": "此项为必填项。"},
    ]


def test_malformed_json_is_a_400_problem(client, db):
    response = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "请求体不是有效的 JSON。"


def test_user_without_the_permission_gets_403(client, user):
    response = post_json(client, "/api/v1/auth/token", {"username": "plain", "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize("header", [None, "Bearer msp_nope", "Token abc", "Bearer "])
def test_me_without_valid_credentials_is_401(client, db, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == 'Bearer realm="medspa"'


def test_revoked_and_expired_tokens_are_401(client, token_user):
    revoked = services.api_token_create(actor=token_user, name="r", days=1)
    expired = services.api_token_create(actor=token_user, name="e", days=1)
    services.api_token_revoke(actor=token_user, token_id=revoked.token.pk)
    ApiToken.objects.filter(pk=expired.token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert client.get("/api/v1/me", headers=bearer(revoked.secret)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(expired.secret)).status_code == 401


def test_session_auth_for_the_browser(client, user):
    client.force_login(user)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["permissions"] == []


def test_a_bad_bearer_token_does_not_fall_back_to_the_session(client, user):
    client.force_login(user)
    response = client.get("/api/v1/me", headers=bearer("msp_revoked-or-wrong"))
    assert response.status_code == 401


def test_session_auth_checks_csrf_on_unsafe_methods(token_user):
    from django.test import Client

    issued = services.api_token_create(actor=token_user, name="t", days=1)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(token_user)
    response = browser.delete(f"/api/v1/tokens/{issued.token.pk}")
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert ApiToken.objects.get().revoked_at is None


def test_token_list_shape_limit_offset(client, token_user):
    secrets = [services.api_token_create(actor=token_user, name=f"t{i}", days=1).secret for i in range(5)]
    response = client.get("/api/v1/tokens?limit=2&offset=1", headers=bearer(secrets[0]))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert [item["name"] for item in body["items"]] == ["t3", "t2"]
    assert set(body["items"][0]) == {
        "id",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    }
    assert body["items"][0]["created_at"].endswith("+08:00")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("offset=-1", "offset"),
        ("offset=9223372036854775808", "offset"),  # found by the fuzz test: overflowed SQLite, 500
        ("limit=abc", "limit"),
    ],
)
def test_token_list_bad_paging_is_422(client, token_user, query, field):
    secret = services.api_token_create(actor=token_user, name="t", days=1).secret
    response = client.get(f"/api/v1/tokens?{query}", headers=bearer(secret))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_token_list_shows_only_my_tokens(client, token_user, branch):
    other = UserFactory(branches=[branch], perms=["accounts.view_apitoken", "accounts.add_apitoken"])
    services.api_token_create(actor=other, name="theirs", days=1)
    secret = services.api_token_create(actor=token_user, name="mine", days=1).secret
    body = client.get("/api/v1/tokens", headers=bearer(secret)).json()
    assert (body["count"], [i["name"] for i in body["items"]]) == (1, ["mine"])


def test_token_list_needs_view_permission(client, user):
    client.force_login(user)
    response = client.get("/api/v1/tokens")
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


def test_token_list_query_count(client, token_user, django_assert_num_queries):
    secret = services.api_token_create(actor=token_user, name="a", days=1).secret
    for i in range(30):
        services.api_token_create(actor=token_user, name=f"t{i}", days=1)
    client.get("/api/v1/tokens", headers=bearer(secret))
    # token lookup (+ user), permission check (user perms, group perms), count, page
    with django_assert_num_queries(5):
        assert client.get("/api/v1/tokens?limit=50", headers=bearer(secret)).json()["count"] == 31


def test_revoke_via_api(client, token_user, branch):
    issued = services.api_token_create(actor=token_user, name="t", days=1)
    other = UserFactory(branches=[branch], perms=["accounts.add_apitoken", "accounts.delete_apitoken"])
    other_secret = services.api_token_create(actor=other, name="o", days=1).secret
    assert client.delete(f"/api/v1/tokens/{issued.token.pk}", headers=bearer(other_secret)).status_code == 404
    assert client.delete("/api/v1/tokens/-1", headers=bearer(issued.secret)).status_code == 404
    response = client.delete(f"/api/v1/tokens/{issued.token.pk}", headers=bearer(issued.secret))
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert client.get("/api/v1/me", headers=bearer(issued.secret)).status_code == 401


def test_unknown_api_path_is_a_404_problem(client, db):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 404
    assert client.get("/api/v2/anything")["Content-Type"] == PROBLEM


def test_wrong_method_is_405_not_500(client, token_user):
    secret = services.api_token_create(actor=token_user, name="t", days=1).secret
    response = client.put("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert response["Allow"] == "GET"
    assert response.json()["detail"] == "此处不允许该请求方法。"


def test_openapi_and_docs(client, db):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/auth/token", "/api/v1/me", "/api/v1/tokens", "/api/v1/tokens/{token_id}"} <= set(paths)
    assert "BearerTokenAuth" in schema.json()["components"]["securitySchemes"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_rename_via_api(client, token_user, user):
    issued = services.api_token_create(actor=token_user, name="old", days=1)
    url = f"/api/v1/tokens/{issued.token.pk}"
    response = client.patch(
        url,
        data=json.dumps({"name": "新名称"}),
        content_type="application/json",
        headers=bearer(issued.secret),
    )
    assert response.status_code == 200
    assert response.json()["name"] == "新名称"
    response = client.patch(
        url, data=json.dumps({"name": "   "}), content_type="application/json", headers=bearer(issued.secret)
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "name", "message": "请填写令牌名称。"}]
    assert ApiToken.objects.get().name == "新名称"
