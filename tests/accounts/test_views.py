"""Login pages and the API-token pages built on the generic views (list, detail, create, revoke)."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from medspa.accounts import services
from medspa.accounts.models import ApiToken
from tests.conftest import TOKEN_PERMS
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_in_chinese(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert "登录您的账号" in html
    assert "用户名" in html and "密码" in html


def test_login_and_logout(client, user):
    response = client.post(reverse("accounts:login"), {"username": "plain", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_wrong_password_shows_a_clear_message_and_no_session(client, user):
    response = client.post(reverse("accounts:login"), {"username": "plain", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_inactive_account_cannot_log_in(client, user):
    user.is_active = False
    user.save()
    response = client.post(reverse("accounts:login"), {"username": "plain", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


# --- permission matrix for each token page: anonymous, no permission, permission, other user's object


@pytest.mark.parametrize("name", ["accounts:token_list", "accounts:token_create"])
def test_token_pages_anonymous_redirects_to_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("name", ["accounts:token_list", "accounts:token_create"])
def test_token_pages_without_permission_are_403(logged_in, user, name):
    assert logged_in(user).get(reverse(name)).status_code == 403


def test_token_object_pages_matrix(client, logged_in, token_user, user, branch):
    token = services.api_token_create(actor=token_user, name="mine", days=1).token
    detail = reverse("accounts:token_detail", args=[token.pk])
    revoke = reverse("accounts:token_revoke", args=[token.pk])
    assert client.get(detail).status_code == 302
    assert client.post(revoke).status_code == 302
    no_perm = logged_in(user)
    assert no_perm.get(detail).status_code == 403
    assert no_perm.post(revoke).status_code == 403
    other = UserFactory(branches=[branch], perms=TOKEN_PERMS)
    as_other = logged_in(other)
    assert as_other.get(detail).status_code == 404
    assert as_other.post(revoke).status_code == 404
    assert as_other.get("/accounts/tokens/-1/").status_code == 404
    assert as_other.get("/accounts/tokens/999999/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_token_list_shows_my_tokens_sorted_and_filtered(logged_in, token_user):
    for name in ("alpha", "beta", "gamma"):
        services.api_token_create(actor=token_user, name=name, days=1)
    services.api_token_revoke(actor=token_user, token_id=ApiToken.objects.get(name="beta").pk)
    client = logged_in(token_user)
    url = reverse("accounts:token_list")

    html = client.get(url).content.decode()
    assert html.index("gamma") < html.index("beta") < html.index("alpha")
    assert "共 3 条" in html
    assert 'data-testid="create"' in html

    html = client.get(url, {"sort": "name"}).content.decode()
    assert html.index("alpha") < html.index("beta") < html.index("gamma")

    html = client.get(url, {"state": "revoked"}).content.decode()
    assert "beta" in html and "alpha" not in html and "共 1 条" in html

    html = client.get(url, {"q": "gam"}).content.decode()
    assert "gamma" in html and "alpha" not in html

    html = client.get(url, {"sort": "key_hash; DROP TABLE"}).content.decode()
    assert "共 3 条" in html


def test_token_list_paginates(logged_in, token_user):
    for i in range(30):
        services.api_token_create(actor=token_user, name=f"t{i:02}", days=1)
    client = logged_in(token_user)
    html = client.get(reverse("accounts:token_list"), {"page": 2}).content.decode()
    assert "2 / 2" in html
    assert "t04" in html and "t05" not in html
    assert client.get(reverse("accounts:token_list"), {"page": "x"}).status_code == 200


def test_token_list_query_count(logged_in, token_user, django_assert_num_queries):
    for i in range(30):
        services.api_token_create(actor=token_user, name=f"t{i}", days=1)
    client = logged_in(token_user)
    client.get(reverse("accounts:token_list"))
    # session, user, user permissions, group permissions, count, page, branches
    with django_assert_num_queries(7):
        assert client.get(reverse("accounts:token_list")).status_code == 200


def test_export_csv_and_xlsx(logged_in, token_user):
    services.api_token_create(actor=token_user, name="=HYPERLINK(1)", days=1)
    services.api_token_create(actor=token_user, name="HIS 接口", days=1)
    client = logged_in(token_user)
    url = reverse("accounts:token_list")

    response = client.get(url, {"export": "csv", "sort": "name"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment; filename*=UTF-8''api-tokens-" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["名称", "前缀", "创建时间", "过期时间", "最近使用", "吊销时间"]
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(1)", "HIS 接口"]

    response = client.get(url, {"export": "xlsx", "q": "HIS"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][0] == "名称"
    assert len(values) == 2
    assert values[1][0] == "HIS 接口"

    assert client.get(url, {"export": "pdf"}).status_code == 404


def test_create_token_through_the_page_shows_the_secret_once(logged_in, token_user):
    client = logged_in(token_user)
    response = client.post(reverse("accounts:token_create"), {"name": "HIS 接口", "days": 30})
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get()
    html = response.content.decode()
    assert "请立即复制令牌" in html
    secret = html.split('data-testid="token-secret"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert services.hash_token(secret) == token.key_hash
    detail = client.get(reverse("accounts:token_detail", args=[token.pk])).content.decode()
    assert secret not in detail and token.prefix in detail


@pytest.mark.parametrize(
    ("data", "message"),
    [({"name": "", "days": 30}, "此项为必填项。"), ({"name": "x", "days": 0}, "1")],
)
def test_create_token_bad_input_shows_errors_and_writes_nothing(logged_in, token_user, data, message):
    response = logged_in(token_user).post(reverse("accounts:token_create"), data)
    assert response.status_code == 422
    assert "invalid-feedback" in response.content.decode()
    assert message in response.content.decode()
    assert ApiToken.objects.count() == 0


def test_service_error_comes_back_on_the_form_field(logged_in, token_user):
    response = logged_in(token_user).post(reverse("accounts:token_create"), {"name": "   ", "days": 30})
    assert response.status_code == 422
    assert ApiToken.objects.count() == 0


def test_revoke_through_the_page(logged_in, token_user):
    token = services.api_token_create(actor=token_user, name="t", days=1).token
    client = logged_in(token_user)
    url = reverse("accounts:token_revoke", args=[token.pk])
    assert "确定吊销吗" in client.get(url).content.decode()
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:token_detail", args=[token.pk])
    assert "令牌已吊销。" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert 'data-testid="revoke"' not in response.content.decode()


def test_htmx_form_success_redirects_with_a_header(logged_in, token_user):
    token = services.api_token_create(actor=token_user, name="t", days=1).token
    response = logged_in(token_user).post(
        reverse("accounts:token_revoke", args=[token.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("accounts:token_detail", args=[token.pk])


def test_rename_through_the_edit_page(logged_in, token_user, user, branch):
    token = services.api_token_create(actor=token_user, name="old", days=1).token
    url = reverse("accounts:token_edit", args=[token.pk])
    assert logged_in(user).get(url).status_code == 403
    other = UserFactory(branches=[branch], perms=TOKEN_PERMS)
    assert logged_in(other).post(url, {"name": "hijack"}).status_code == 404

    client = logged_in(token_user)
    form = client.get(url).content.decode()
    assert 'value="old"' in form
    response = client.post(url, {"name": "  "})
    assert response.status_code == 422
    assert "此项为必填项。" in response.content.decode()
    response = client.post(url, {"name": "新名称"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:token_detail", args=[token.pk])
    assert "令牌已重命名。" in response.content.decode()
    token.refresh_from_db()
    assert token.name == "新名称"


def test_rename_service_rules(token_user):
    from medspa.core.errors import IllegalTransition, NotFound, ValidationError

    token = services.api_token_create(actor=token_user, name="old", days=1).token
    with pytest.raises(ValidationError):
        services.api_token_rename(actor=token_user, token_id=token.pk, name="")
    with pytest.raises(NotFound):
        services.api_token_rename(actor=token_user, token_id=-1, name="x")
    assert services.api_token_rename(actor=token_user, token_id=token.pk, name="new").name == "new"
    assert ApiToken.objects.get().name == "new"

    services.api_token_revoke(actor=token_user, token_id=token.pk)
    with pytest.raises(IllegalTransition) as info:
        services.api_token_rename(actor=token_user, token_id=token.pk, name="newer")
    assert info.value.message == "已吊销的令牌不能重命名。"
    assert ApiToken.objects.get().name == "new"


def test_renaming_a_revoked_token_through_page_and_api_is_refused(client, logged_in, token_user):
    import json

    token = services.api_token_create(actor=token_user, name="old", days=1).token
    secret = services.api_token_create(actor=token_user, name="caller", days=1).secret
    services.api_token_revoke(actor=token_user, token_id=token.pk)
    response = logged_in(token_user).post(reverse("accounts:token_edit", args=[token.pk]), {"name": "x"})
    assert response.status_code == 422
    assert "已吊销的令牌不能重命名。" in response.content.decode()
    client.logout()
    response = client.patch(
        f"/api/v1/tokens/{token.pk}",
        data=json.dumps({"name": "x"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    assert ApiToken.objects.get(pk=token.pk).name == "old"
