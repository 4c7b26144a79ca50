"""Login page, sessions (idle timeout, one session per account), forced password change,
watermark, the policy page and the security API."""

import datetime
import json
import re

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from medspa.accounts import services
from medspa.accounts.models import ApiToken, SecurityPolicy, UserSession
from medspa.audit.models import AuditEvent
from medspa.organization.models import Staff
from tests.factories import PASSWORD, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)  # 17:00 in Shanghai
LOGIN = "/accounts/login/"
PASSWORD_PAGE = "/accounts/password/"
POLICY_PAGE = "/accounts/security-policy/"
POLICY_API = "/api/v1/security-policy"
VIEW, CHANGE = "accounts.view_securitypolicy", "accounts.change_securitypolicy"
PROBLEM = "application/problem+json"


def english_client(**defaults):
    return Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT="pytest-browser", **defaults)


def set_policy(organisation, **fields):
    return SecurityPolicy.objects.update_or_create(organisation=organisation, defaults=fields)[0]


def login(client, username="plain", password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def actions():
    return [(e.action, e.result) for e in AuditEvent.objects.filter(module="accounts").order_by("pk")]


def put_json(client, url, body, **kwargs):
    return client.put(url, data=json.dumps(body), content_type="application/json", **kwargs)


def post_json(client, url, body, **kwargs):
    return client.post(url, data=json.dumps(body), content_type="application/json", **kwargs)


# --- login page -------------------------------------------------------------------------------


@pytest.mark.req("SEC-04", "AUD-01")
def test_login_records_the_session_and_logout_ends_it(user):
    client = english_client()
    response = login(client)
    assert (response.status_code, response["Location"]) == (302, "/")
    record = UserSession.objects.get()
    assert (record.user_id, record.session_key, record.ip, record.user_agent) == (
        user.pk,
        client.session.session_key,
        "127.0.0.1",
        "pytest-browser",
    )
    assert client.get("/").status_code == 200
    client.post(reverse("accounts:logout"))
    assert UserSession.objects.count() == 0
    assert "_auth_user_id" not in client.session
    assert actions() == [("login", "success"), ("logout", "success")]


@pytest.mark.req("SEC-04")
def test_login_keeps_a_safe_next_only(user):
    assert login(english_client(), next="/accounts/password/")["Location"] == "/accounts/password/"
    assert login(english_client(), next="https://evil.example/")["Location"] == "/"


@pytest.mark.req("SEC-04", "AUD-01")
def test_lock_out_on_the_login_page(user):
    set_policy(user.organisation, lockout_threshold=2, lockout_minutes=30)
    client = english_client()
    with time_machine.travel(NOW, tick=False):
        assert "The user name or password is not correct." in login(client, password="x").content.decode()
        html = login(client, password="y").content.decode()
        assert "This account is locked after too many failed logins until 2026-03-02 17:30." in html
        html = login(client).content.decode()
        assert "until 2026-03-02 17:30" in html
        assert "_auth_user_id" not in client.session
    assert actions() == [
        ("login_failed", "failed"),
        ("login_failed", "failed"),
        ("locked", "success"),
        ("login_failed", "failed"),
    ]
    assert UserSession.objects.count() == 0


# --- forced password change (SEC-02) ----------------------------------------------------------


@pytest.mark.req("SEC-02")
def test_expired_password_forces_a_change_at_login(user):
    set_policy(user.organisation, password_max_age_days=30)
    user.password_changed_at = NOW - datetime.timedelta(days=31)
    user.save()
    client = english_client()
    with time_machine.travel(NOW, tick=False):
        response = login(client)
        assert response["Location"] == PASSWORD_PAGE
        assert client.get("/")["Location"] == PASSWORD_PAGE
        assert client.get("/accounts/tokens/")["Location"] == PASSWORD_PAGE
        htmx = client.get("/", headers={"HX-Request": "true"})
        assert (htmx.status_code, htmx["HX-Redirect"]) == (204, PASSWORD_PAGE)
        api = client.get("/api/v1/me")
        assert (api.status_code, api["Content-Type"], api.json()["code"]) == (
            403,
            PROBLEM,
            "password_expired",
        )
        page = client.get(PASSWORD_PAGE)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-testid="password-required"' in html
        assert "Valid for 30 days; then you must change it." in html
        assert "At least 8 characters." in html

        response = client.post(
            PASSWORD_PAGE,
            {"old_password": PASSWORD, "password": "Fresh-Start-42", "password_confirm": "Fresh-Start-42"},
        )
        assert (response.status_code, response["Location"]) == (302, "/")
        assert client.get("/").status_code == 200  # still logged in, no more redirects
        assert client.get("/api/v1/me").status_code == 200
    user.refresh_from_db()
    assert user.password_changed_at == NOW
    assert UserSession.objects.get().session_key == client.session.session_key
    assert actions()[-1] == ("password_change", "success")


@pytest.mark.req("SEC-02")
def test_reset_password_forces_a_change_for_a_session_already_open(logged_in, user):
    client = logged_in(user)
    assert client.get("/").status_code == 200
    user.must_change_password = True
    user.save()
    assert client.get("/")["Location"] == PASSWORD_PAGE
    assert client.post(reverse("accounts:logout")).status_code == 302


@pytest.mark.req("SEC-01")
def test_password_page_shows_clear_errors_and_changes_nothing(user):
    client = english_client()
    client.force_login(user)
    for data, message in [
        (
            {"old_password": "wrong", "password": "Fresh-Start-42", "password_confirm": "Fresh-Start-42"},
            "Your current password is not correct.",
        ),
        (
            {"old_password": PASSWORD, "password": "short", "password_confirm": "short"},
            "The password must have at least 8 characters.",
        ),
        (
            {"old_password": PASSWORD, "password": "Fresh-Start-42", "password_confirm": "Fresh-Start-43"},
            "The two new passwords are not the same.",
        ),
        (
            {"old_password": PASSWORD, "password": PASSWORD, "password_confirm": PASSWORD},
            "The new password must differ from your last 5 passwords.",
        ),
    ]:
        response = client.post(PASSWORD_PAGE, data)
        assert response.status_code == 422
        assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert AuditEvent.objects.count() == 0


@pytest.mark.req("SEC-01")
def test_password_page_needs_a_login(client, db):
    assert client.get(PASSWORD_PAGE)["Location"] == f"{LOGIN}?next={PASSWORD_PAGE}"


# --- API token login follows the same rules ---------------------------------------------------


@pytest.mark.req("SEC-02", "SEC-04", "AUD-01")
def test_api_token_login_rules(client, token_user):
    set_policy(token_user.organisation, lockout_threshold=2, password_max_age_days=10)
    url = "/api/v1/auth/token"
    token_user.password_changed_at = NOW - datetime.timedelta(days=11)
    token_user.save()
    with time_machine.travel(NOW, tick=False):
        expired = post_json(client, url, {"username": "integrator", "password": PASSWORD})
        assert (expired.status_code, expired.json()["code"]) == (403, "password_expired")
        wrong = post_json(client, url, {"username": "integrator", "password": "nope"})
        assert (wrong.status_code, wrong.json()["code"]) == (401, "not_authenticated")
        locked = post_json(client, url, {"username": "integrator", "password": "nope"})
        assert (locked.status_code, locked.json()["code"]) == (403, "account_locked")
        assert "2026-03-02 17:15" in locked.json()["detail"]
    assert ApiToken.objects.count() == 0
    assert actions() == [
        ("login_failed", "failed"),
        ("login_failed", "failed"),
        ("login_failed", "failed"),
        ("locked", "success"),
    ]
    assert (
        AuditEvent.objects.filter(action="login_failed").order_by("pk").first().message
        == "api: password expired"
    )


@pytest.mark.req("SEC-02")
def test_bearer_requests_ignore_the_session_rules(client, token_user):
    issued = services.api_token_create(actor=token_user, name="t", days=1)
    set_policy(token_user.organisation, idle_timeout_minutes=1)
    headers = {"Authorization": f"Bearer {issued.secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with time_machine.travel(datetime.timedelta(hours=2)):
        assert client.get("/api/v1/me", headers=headers).status_code == 200


# --- idle timeout and one session per account (SEC-04) ---------------------------------------


@pytest.mark.req("SEC-04", "AUD-01")
def test_idle_timeout_logs_out(user):
    set_policy(user.organisation, idle_timeout_minutes=10)
    client = english_client()
    with time_machine.travel(NOW, tick=False) as traveller:
        login(client)
        assert client.get("/").status_code == 200
        traveller.shift(datetime.timedelta(minutes=9))
        assert client.get("/").status_code == 200  # activity: the clock starts again
        traveller.shift(datetime.timedelta(minutes=9, seconds=59))
        assert client.get("/accounts/tokens/").status_code == 403  # still logged in (no permission)
        traveller.shift(datetime.timedelta(minutes=10, seconds=1))
        response = client.get("/accounts/tokens/")
        assert response["Location"] == f"{LOGIN}?next=/accounts/tokens/"
        assert "_auth_user_id" not in client.session
        html = client.get(response["Location"]).content.decode()
        assert "You were logged out after 10 minutes without activity." in html
    assert UserSession.objects.count() == 0
    assert AuditEvent.objects.filter(action="logout").get().message == (
        "You were logged out after 10 minutes without activity."
    )


@pytest.mark.req("SEC-04")
def test_idle_timeout_on_htmx_and_api_requests(user):
    set_policy(user.organisation, idle_timeout_minutes=5)
    for path, check in [
        ("/", lambda r: (r.status_code, r["HX-Redirect"]) == (204, LOGIN)),
        ("/api/v1/me", lambda r: (r.status_code, r.json()["code"]) == (401, "session_ended")),
    ]:
        client = english_client()
        with time_machine.travel(NOW, tick=False) as traveller:
            login(client)
            client.get("/")
            traveller.shift(datetime.timedelta(minutes=6))
            response = client.get(path, headers={"HX-Request": "true"})
            assert check(response)


@pytest.mark.req("SEC-04", "AUD-01")
def test_one_session_per_account_ends_the_older_session(user):
    set_policy(user.organisation, single_session=True)
    first, second = english_client(), english_client()
    login(first)
    assert first.get("/").status_code == 200
    login(second)
    assert second.get("/").status_code == 200
    assert first.get("/")["Location"] == f"{LOGIN}?next=/"
    assert UserSession.objects.get().session_key == second.session.session_key
    assert Session.objects.filter(session_key=first.cookies["sessionid"].value).count() == 0
    ended = AuditEvent.objects.filter(action="logout").get()
    assert ended.changes == {"sessions_ended": 1}


@pytest.mark.req("SEC-04")
def test_many_sessions_allowed_by_default(user):
    first, second = english_client(), english_client()
    login(first)
    login(second)
    assert first.get("/").status_code == 200 and second.get("/").status_code == 200
    assert UserSession.objects.count() == 2


@pytest.mark.req("SEC-04")
def test_a_session_whose_record_was_removed_is_logged_out(user):
    client = english_client()
    with time_machine.travel(NOW, tick=False) as traveller:
        login(client)
        assert client.get("/").status_code == 200
        UserSession.objects.all().delete()
        traveller.shift(datetime.timedelta(seconds=61))  # the record is checked once a minute
        response = client.get("/")
        assert response["Location"] == f"{LOGIN}?next=/"
        html = client.get(response["Location"]).content.decode()
        assert "You were logged out because your account logged in elsewhere." in html


@pytest.mark.req("SEC-04")
def test_session_checks_cost_no_query_between_heartbeats(logged_in, user, django_assert_num_queries):
    client = logged_in(user)
    client.get("/")
    # session, user, user permissions, group permissions, groups, branches — nothing from the policy
    with django_assert_num_queries(6):
        assert client.get("/").status_code == 200


# --- watermark (SEC-06) -----------------------------------------------------------------------


def watermark(html):
    match = re.search(r'id="watermark"[^>]*data-text="([^"]*)"', html)
    return match.group(1) if match else None


@pytest.mark.req("SEC-06")
def test_watermark_on_every_logged_in_page(logged_in, user, branch):
    user.display_name = "张医生"
    user.staff = Staff.objects.create(
        organisation=branch.organisation, branch=branch, employee_no="E007", name="张医生"
    )
    user.save()
    client = logged_in(user)
    with time_machine.travel(NOW, tick=False):
        html = client.get("/").content.decode()
        assert watermark(html) == "张医生 E007 2026-03-02 17:00"
        assert html.count("<span>张医生 E007 2026-03-02 17:00</span>") == 60
        assert watermark(client.get(PASSWORD_PAGE).content.decode()) == "张医生 E007 2026-03-02 17:00"


@pytest.mark.req("SEC-06")
def test_watermark_template_and_switch(logged_in, user):
    set_policy(user.organisation, watermark_template="{username}·{employee_no}·{time}")
    client = logged_in(user)
    with time_machine.travel(NOW, tick=False):
        assert watermark(client.get("/").content.decode()) == "plain··2026-03-02 17:00"
    set_policy(user.organisation, watermark_enabled=False)
    fresh = Client()
    fresh.force_login(user)
    assert 'id="watermark"' not in fresh.get("/").content.decode()


@pytest.mark.req("SEC-06")
def test_no_watermark_for_anonymous_pages(client, db):
    assert 'id="watermark"' not in client.get(LOGIN).content.decode()


# --- the policy page --------------------------------------------------------------------------


@pytest.fixture
def other_policy(db):
    return set_policy(OrganisationFactory(code="other"), password_min_length=20)


FORM = {
    "password_min_length": "12",
    "password_min_classes": "4",
    "password_history": "3",
    "password_max_age_days": "60",
    "lockout_threshold": "4",
    "lockout_minutes": "20",
    "idle_timeout_minutes": "15",
    "single_session": "on",
    "watermark_enabled": "on",
    "watermark_template": "{name} {time}",
}


@pytest.mark.req("SEC-01", "SEC-07")
def test_policy_page_matrix(client, logged_in, user, branch, other_policy):
    assert client.get(POLICY_PAGE)["Location"] == f"{LOGIN}?next={POLICY_PAGE}"
    assert client.post(POLICY_PAGE, FORM).status_code == 302
    assert logged_in(user).get(POLICY_PAGE).status_code == 403
    assert logged_in(user).post(POLICY_PAGE, FORM).status_code == 403

    viewer = logged_in(UserFactory(branches=[branch], perms=[VIEW]))
    html = viewer.get(POLICY_PAGE).content.decode()
    assert 'data-testid="submit"' not in html and "disabled" in html
    assert viewer.post(POLICY_PAGE, FORM).status_code == 403
    assert SecurityPolicy.objects.count() == 1

    admin = logged_in(UserFactory(branches=[branch], perms=[VIEW, CHANGE]))
    assert 'data-testid="submit"' in admin.get(POLICY_PAGE).content.decode()
    response = admin.post(POLICY_PAGE, FORM)
    assert (response.status_code, response["Location"]) == (302, POLICY_PAGE)
    policy = SecurityPolicy.objects.get(organisation=branch.organisation)
    assert (policy.password_min_length, policy.password_min_classes, policy.single_session) == (12, 4, True)
    other_policy.refresh_from_db()
    assert other_policy.password_min_length == 20
    assert AuditEvent.objects.filter(action="policy_update").count() == 1


@pytest.mark.req("SEC-01")
def test_policy_page_bad_input_writes_nothing(branch):
    admin = english_client()
    admin.force_login(UserFactory(branches=[branch], perms=[VIEW, CHANGE]))
    response = admin.post(POLICY_PAGE, {**FORM, "lockout_threshold": "99", "watermark_template": "{x}"})
    assert response.status_code == 422
    assert "Enter a whole number from 1 to 20." in response.content.decode()
    response = admin.post(POLICY_PAGE, {**FORM, "watermark_template": "{salary}"})
    assert "Unknown placeholder {salary} in the watermark text." in response.content.decode()
    assert admin.post(POLICY_PAGE, {**FORM, "lockout_minutes": "abc"}).status_code == 422
    assert SecurityPolicy.objects.count() == 0
    assert AuditEvent.objects.filter(action="policy_update").count() == 0


@pytest.mark.req("SEC-01")
def test_policy_menu_item_follows_the_permission(logged_in, user, branch):
    assert 'data-menu="security-policy"' not in logged_in(user).get("/").content.decode()
    viewer = UserFactory(branches=[branch], perms=[VIEW])
    fresh = Client()
    fresh.force_login(viewer)
    assert 'data-menu="security-policy"' in fresh.get("/").content.decode()


# --- the API ----------------------------------------------------------------------------------

API_BODY = {
    "password_min_length": 10,
    "password_min_classes": 2,
    "password_history": 0,
    "password_max_age_days": 0,
    "lockout_threshold": 10,
    "lockout_minutes": 5,
    "idle_timeout_minutes": 60,
    "single_session": False,
    "watermark_enabled": False,
    "watermark_template": "{name}",
}


@pytest.mark.req("SEC-01", "INT-01")
def test_policy_api_matrix(client, logged_in, user, branch, other_policy):
    assert client.get(POLICY_API).status_code == 401
    assert put_json(client, POLICY_API, API_BODY).status_code == 401
    no_perm = logged_in(user)
    assert no_perm.get(POLICY_API).status_code == 403
    assert put_json(no_perm, POLICY_API, API_BODY).status_code == 403

    viewer = Client()
    viewer.force_login(UserFactory(branches=[branch], perms=[VIEW]))
    body = viewer.get(POLICY_API).json()
    assert body == {
        "password_min_length": 8,
        "password_min_classes": 3,
        "password_history": 5,
        "password_max_age_days": 90,
        "lockout_threshold": 5,
        "lockout_minutes": 15,
        "idle_timeout_minutes": 30,
        "single_session": False,
        "watermark_enabled": True,
        "watermark_template": "{name} {employee_no} {time}",
    }
    assert put_json(viewer, POLICY_API, API_BODY).status_code == 403
    assert SecurityPolicy.objects.count() == 1

    admin = Client()
    admin.force_login(UserFactory(branches=[branch], perms=[VIEW, CHANGE]))
    response = put_json(admin, POLICY_API, API_BODY)
    assert (response.status_code, response.json()) == (200, API_BODY)
    assert admin.get(POLICY_API).json() == API_BODY
    other_policy.refresh_from_db()
    assert other_policy.password_min_length == 20


@pytest.mark.req("SEC-01", "INT-01")
def test_policy_api_bad_input_is_a_422_problem_and_writes_nothing(branch):
    admin = english_client()
    admin.force_login(UserFactory(branches=[branch], perms=[VIEW, CHANGE]))
    response = put_json(admin, POLICY_API, {**API_BODY, "password_history": 30})
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"] == [
        {"field": "password_history", "message": "Enter a whole number from 0 to 24."}
    ]
    response = put_json(admin, POLICY_API, {**API_BODY, "lockout_minutes": None})
    assert response.status_code == 422
    assert SecurityPolicy.objects.count() == 0


@pytest.mark.req("SEC-01", "INT-01")
def test_change_my_password_via_api(client, token_user):
    issued = services.api_token_create(actor=token_user, name="t", days=1)
    headers = {"Authorization": f"Bearer {issued.secret}", "Accept-Language": "en"}
    url = "/api/v1/me/password"
    assert (
        post_json(client, url, {"old_password": PASSWORD, "new_password": "Api-Changed-99"}).status_code
        == 401
    )
    wrong = post_json(client, url, {"old_password": "x", "new_password": "Api-Changed-99"}, headers=headers)
    assert (wrong.status_code, wrong.json()["errors"]) == (
        422,
        [{"field": "old_password", "message": "Your current password is not correct."}],
    )
    weak = post_json(client, url, {"old_password": PASSWORD, "new_password": "weak"}, headers=headers)
    assert weak.json()["errors"] == [
        {"field": "new_password", "message": "The password must have at least 8 characters."}
    ]
    with time_machine.travel(NOW, tick=False):
        ok = post_json(
            client, url, {"old_password": PASSWORD, "new_password": "Api-Changed-99"}, headers=headers
        )
    assert (ok.status_code, ok.json()) == (200, {"password_changed_at": "2026-03-02T17:00:00+08:00"})
    token_user.refresh_from_db()
    assert token_user.check_password("Api-Changed-99")


@pytest.mark.req("SEC-02")
def test_session_user_with_expired_password_may_change_it_via_api(logged_in, user):
    user.must_change_password = True
    user.save()
    client = logged_in(user)
    assert client.get("/api/v1/me").json()["code"] == "password_expired"
    response = post_json(
        client, "/api/v1/me/password", {"old_password": PASSWORD, "new_password": "Api-Changed-99"}
    )
    assert response.status_code == 200
    assert client.get("/api/v1/me").status_code == 200
