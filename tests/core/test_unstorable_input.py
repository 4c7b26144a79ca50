"""Input no column can hold never reaches a view: a NUL character (PostgreSQL text cannot hold it)
or a JSON integer beyond 64 bits (SQLite overflows). The API fuzz tests found 500s for both."""

import json

import pytest

from medspa.accounts import services

pytestmark = [pytest.mark.req("INT-01"), pytest.mark.django_db]

MESSAGE = "文本中不能包含 NUL 字符。"


def rename(client, token_id, body):
    return client.patch(f"/api/v1/tokens/{token_id}", json.dumps(body), content_type="application/json")


def test_api_json_body_with_nul_is_refused_and_nothing_written(logged_in, token_user):
    token = services.api_token_create(actor=token_user, name="HIS", days=7).token
    response = rename(logged_in(token_user), token.pk, {"name": "HIS\x00接口"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["detail"] == MESSAGE
    assert problem["errors"] == [{"field": "name", "message": MESSAGE}]
    token.refresh_from_db()
    assert token.name == "HIS"


def test_nested_nul_is_located(logged_in, token_user):
    token = services.api_token_create(actor=token_user, name="HIS", days=7).token
    response = rename(logged_in(token_user), token.pk, {"a": [{"b": "ok"}, {"c": "x\x00"}]})
    assert response.json()["errors"][0]["field"] == "a.1.c"


def test_api_login_with_nul_is_refused(client):
    body = {"username": "admin\x00", "password": "x"}
    response = client.post("/api/v1/auth/token", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "username"


def test_query_string_with_nul_is_refused_on_pages_and_api(logged_in, token_user):
    client = logged_in(token_user)
    response = client.get("/api/v1/tokens", {"q": "a\x00"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "q"
    response = client.get("/accounts/tokens/", {"q": "a\x00"})
    assert response.status_code == 400 and MESSAGE in response.content.decode()


def test_clean_text_passes(logged_in, token_user):
    token = services.api_token_create(actor=token_user, name="HIS", days=7).token
    client = logged_in(token_user)
    response = rename(client, token.pk, {"name": "HIS 接口"})
    assert response.status_code == 200 and response.json()["name"] == "HIS 接口"
    assert client.get("/api/v1/tokens", {"q": "HIS"}).status_code == 200


def test_integers_beyond_64_bits_are_refused(logged_in, token_user):
    token = services.api_token_create(actor=token_user, name="HIS", days=7).token
    client = logged_in(token_user)
    response = rename(client, token.pk, {"name": "x", "ids": [1, 2**63]})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "ids.1", "message": "数值超出范围。"}]
    assert rename(client, token.pk, {"name": "HIS 2", "n": -(2**63)}).status_code == 200
