import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from medspa.accounts import services
from medspa.accounts.models import ApiToken
from medspa.core.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationError
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("INT-01")]


def test_create_stores_only_the_hash_and_returns_the_secret_once(token_user):
    issued = services.api_token_create(actor=token_user, name="HIS 接口", days=7)
    token = ApiToken.objects.get()
    assert issued.token == token
    assert issued.secret.startswith("msp_")
    assert len(issued.secret) == 4 + 43
    assert token.key_hash == services.hash_token(issued.secret)
    assert issued.secret not in (token.key_hash, token.prefix, token.name)
    assert token.prefix == issued.secret[:10]
    assert token.user == token_user
    assert token.name == "HIS 接口"
    assert abs(token.expires_at - (timezone.now() + datetime.timedelta(days=7))) < datetime.timedelta(
        seconds=5
    )


@pytest.mark.parametrize(
    ("name", "days", "field", "message"),
    [
        ("  ", 7, "name", "请填写令牌名称。"),
        ("x" * 101, 7, "name", "名称最多 100 个字符。"),
        ("ok", 0, "days", "有效期必须在 1 到 365 天之间。"),
        ("ok", 366, "days", "有效期必须在 1 到 365 天之间。"),
    ],
)
def test_create_rejects_bad_input_and_writes_nothing(token_user, name, days, field, message):
    with pytest.raises(ValidationError) as info:
        services.api_token_create(actor=token_user, name=name, days=days)
    assert (info.value.field, info.value.message) == (field, message)
    assert ApiToken.objects.count() == 0


def test_create_needs_the_permission(user):
    with pytest.raises(PermissionDenied):
        services.api_token_create(actor=user, name="x", days=1)
    assert ApiToken.objects.count() == 0


def test_authenticate_accepts_usable_tokens_only(token_user):
    issued = services.api_token_create(actor=token_user, name="a", days=1)
    assert services.api_token_authenticate(issued.secret) == token_user
    assert ApiToken.objects.get().last_used_at is not None
    assert services.api_token_authenticate(issued.secret + "x") is None
    assert services.api_token_authenticate("") is None
    assert services.api_token_authenticate("Bearer " + issued.secret) is None

    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert services.api_token_authenticate(issued.secret) is None


def test_inactive_user_token_is_refused(token_user):
    issued = services.api_token_create(actor=token_user, name="a", days=1)
    token_user.is_active = False
    token_user.save()
    assert services.api_token_authenticate(issued.secret) is None


def test_revoke_is_own_only_and_idempotent(token_user, branch):
    issued = services.api_token_create(actor=token_user, name="a", days=1)
    other = UserFactory(branches=[branch], perms=["accounts.delete_apitoken"])
    with pytest.raises(NotFound):
        services.api_token_revoke(actor=other, token_id=issued.token.pk)
    assert ApiToken.objects.get().revoked_at is None

    first = services.api_token_revoke(actor=token_user, token_id=issued.token.pk)
    second = services.api_token_revoke(actor=token_user, token_id=issued.token.pk)
    assert first.revoked_at is not None
    assert second.revoked_at == first.revoked_at
    assert services.api_token_authenticate(issued.secret) is None


def test_login_issues_a_token_for_good_credentials_only(token_user, user):
    issued = services.api_token_login(username="integrator", password=PASSWORD)
    assert issued.token.user == token_user
    assert issued.token.name == "接口登录"
    with pytest.raises(NotAuthenticated) as info:
        services.api_token_login(username="integrator", password="wrong")
    assert info.value.message == "用户名或密码不正确。"
    with pytest.raises(PermissionDenied):
        services.api_token_login(username="plain", password=PASSWORD)
    assert ApiToken.objects.count() == 1


def test_purge_deletes_expired_and_revoked_tokens_and_expired_sessions(token_user):
    keep = services.api_token_create(actor=token_user, name="keep", days=5).token
    old = services.api_token_create(actor=token_user, name="old", days=1).token
    revoked = services.api_token_create(actor=token_user, name="revoked", days=5).token
    recent_revoked = services.api_token_create(actor=token_user, name="recent", days=5).token
    now = timezone.now()
    ApiToken.objects.filter(pk=old.pk).update(expires_at=now - datetime.timedelta(days=2))
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=now - datetime.timedelta(days=2))
    ApiToken.objects.filter(pk=recent_revoked.pk).update(revoked_at=now - datetime.timedelta(hours=2))
    live, dead = SessionStore(), SessionStore()
    live.create()
    dead.create()
    Session.objects.filter(session_key=dead.session_key).update(
        expire_date=now - datetime.timedelta(minutes=1)
    )

    assert services.expired_credentials_purge(now=now) == (2, 1)
    assert set(ApiToken.objects.values_list("pk", flat=True)) == {keep.pk, recent_revoked.pk}
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
