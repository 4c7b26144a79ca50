"""Security policy services: password rules, history, expiry, lock-out, unlock, policy changes."""

import datetime

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone, translation

from medspa.accounts import security
from medspa.accounts.models import PasswordHistory, SecurityPolicy, User
from medspa.audit.models import AuditEvent
from medspa.core.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationError
from tests.factories import PASSWORD, BranchFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)  # 17:00 in Shanghai
KNOWN = "{name}, {username}, {employee_no}, {time}."
POLICY_PERMS = ["accounts.view_securitypolicy", "accounts.change_securitypolicy"]


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def set_policy(organisation, **fields):
    return SecurityPolicy.objects.update_or_create(organisation=organisation, defaults=fields)[0]


def events(**filters):
    return list(AuditEvent.objects.filter(module="accounts", **filters).order_by("pk"))


# --- the policy and password rules (SEC-01) ---------------------------------------------------


@pytest.mark.req("SEC-01")
def test_policy_for_gives_the_saved_row_or_unsaved_defaults(branch):
    default = security.policy_for(branch.organisation_id)
    assert default.pk is None
    assert (default.password_min_length, default.password_min_classes, default.password_history) == (8, 3, 5)
    assert (default.lockout_threshold, default.lockout_minutes, default.idle_timeout_minutes) == (5, 15, 30)
    saved = set_policy(branch.organisation, password_min_length=12)
    assert security.policy_for(branch.organisation_id) == saved
    assert security.policy_for(None).pk is None


@pytest.mark.req("SEC-01")
@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("Ab1!xyz", "The password must have at least 10 characters."),
        (
            "abcdefghij",
            "The password must contain at least 3 of these kinds of character: lower-case "
            "letters, upper-case letters, digits, symbols (it has 1).",
        ),
        (
            "abcdefghi1",
            "The password must contain at least 3 of these kinds of character: lower-case "
            "letters, upper-case letters, digits, symbols (it has 2).",
        ),
        ("x" * 120 + "Ab1!" + "y" * 5, "The password may have at most 128 characters."),
    ],
)
def test_password_rules_name_the_broken_rule(user, raw, message):
    set_policy(user.organisation, password_min_length=10, password_min_classes=3)
    with pytest.raises(ValidationError) as exc:
        security.password_validate(user, raw)
    assert exc.value.field == "password"
    assert exc.value.message == message


@pytest.mark.req("SEC-01")
@pytest.mark.parametrize("raw", ["abcdefgh1A", "abcdefgh1!", "ABCDEFGH1!", "Ab!Ab!Ab!Ab"])
def test_passwords_with_enough_classes_pass(user, raw):
    set_policy(user.organisation, password_min_length=10, password_min_classes=3)
    security.password_validate(user, raw)


@pytest.mark.req("SEC-01")
def test_no_reuse_of_the_last_n_passwords(user):
    set_policy(user.organisation, password_history=2)
    for raw in ("First-Pass-1", "Second-Pass-2", "Third-Pass-3"):
        security.password_store(user, raw, must_change=False)
    assert PasswordHistory.objects.filter(user=user).count() == 2
    for reused in ("Third-Pass-3", "Second-Pass-2"):
        with pytest.raises(ValidationError) as exc:
            security.password_validate(user, reused)
        assert exc.value.message == "The new password must differ from your last 2 passwords."
    security.password_validate(user, "First-Pass-1")  # older than the last 2


@pytest.mark.req("SEC-01")
def test_the_current_password_counts_even_without_history(user):
    with pytest.raises(ValidationError) as exc:
        security.password_validate(user, PASSWORD)
    assert exc.value.message == "The new password must differ from your last 5 passwords."
    set_policy(user.organisation, password_history=0)
    security.password_validate(user, PASSWORD)


@pytest.mark.req("SEC-01", "SEC-02")
def test_password_store_sets_the_password_and_the_history(user):
    with time_machine.travel(NOW, tick=False):
        security.password_store(user, "New-Secret-77", must_change=True)
    user.refresh_from_db()
    assert user.check_password("New-Secret-77")
    assert user.password_changed_at == NOW
    assert user.must_change_password is True
    assert list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)) == [
        user.password
    ]


@pytest.mark.req("SEC-01")
def test_password_store_refuses_a_weak_password_and_writes_nothing(user):
    before = User.objects.values_list("password", flat=True).get(pk=user.pk)
    with pytest.raises(ValidationError):
        security.password_store(user, "short", must_change=False)
    assert User.objects.values_list("password", flat=True).get(pk=user.pk) == before
    assert PasswordHistory.objects.count() == 0


@pytest.mark.req("SEC-01")
def test_django_password_validation_follows_the_policy(user):
    set_policy(user.organisation, password_min_length=12)
    with pytest.raises(DjangoValidationError) as exc:
        validate_password("Short-Pass1", user=user)
    assert exc.value.messages == ["The password must have at least 12 characters."]
    validate_password("Long-Enough-Pass-1", user=user)


@pytest.mark.req("SEC-01", "AUD-01")
def test_password_change_by_the_user(user):
    with time_machine.travel(NOW, tick=False):
        security.password_change(actor=user, old_password=PASSWORD, new_password="Brand-New-Pass-5")
    user.refresh_from_db()
    assert user.check_password("Brand-New-Pass-5")
    event = AuditEvent.objects.get()
    assert (event.module, event.action, event.result, event.actor_id) == (
        "accounts",
        "password_change",
        "success",
        user.pk,
    )
    assert event.changes == {"password_changed_at": [None, "2026-03-02T09:00:00+00:00"]}


@pytest.mark.req("SEC-01")
def test_password_change_with_a_wrong_current_password_writes_nothing(user):
    with pytest.raises(ValidationError) as exc:
        security.password_change(actor=user, old_password="wrong", new_password="Brand-New-Pass-5")
    assert (exc.value.field, exc.value.message) == ("old_password", "Your current password is not correct.")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert AuditEvent.objects.count() == 0 and PasswordHistory.objects.count() == 0


# --- expiry (SEC-02) --------------------------------------------------------------------------


@pytest.mark.req("SEC-02")
def test_password_expiry(user):
    set_policy(user.organisation, password_max_age_days=90)
    assert security.password_expired(user) is False  # change time unknown
    user.password_changed_at = timezone.now() - datetime.timedelta(days=89, hours=23)
    assert security.password_expired(user) is False
    user.password_changed_at = timezone.now() - datetime.timedelta(days=90)
    assert security.password_expired(user) is True
    set_policy(user.organisation, password_max_age_days=0)
    assert security.password_expired(user) is False


# --- lock-out (SEC-04) and login audit (AUD-01) -----------------------------------------------


def attempt(password, username="plain", **kwargs):
    return security.login_attempt(request=None, username=username, password=password, **kwargs)


@pytest.mark.req("SEC-04", "AUD-01")
def test_lock_out_after_n_failures_and_unlock_by_time(user):
    set_policy(user.organisation, lockout_threshold=3, lockout_minutes=15)
    with time_machine.travel(NOW, tick=False):
        for expected in (1, 2):
            with pytest.raises(NotAuthenticated) as exc:
                attempt("wrong")
            assert exc.value.message == "The user name or password is not correct."
            user.refresh_from_db()
            assert (user.failed_login_count, user.locked_until) == (expected, None)
        with pytest.raises(security.AccountLocked) as exc:
            attempt("wrong")
        assert exc.value.message == (
            "This account is locked after too many failed logins until 2026-03-02 17:15. "
            "Try again then, or ask the security administrator to unlock it."
        )
        assert exc.value.code == "account_locked" and exc.value.status == 403
        user.refresh_from_db()
        assert (user.failed_login_count, user.locked_until) == (0, NOW + datetime.timedelta(minutes=15))
        with pytest.raises(security.AccountLocked):
            attempt(PASSWORD)  # the right password does not open a locked account
    assert [(e.action, e.result, e.actor_name, e.actor_id, e.message) for e in events()] == [
        ("login_failed", "failed", "plain", user.pk, "web: wrong user name or password"),
        ("login_failed", "failed", "plain", user.pk, "web: wrong user name or password"),
        ("login_failed", "failed", "plain", user.pk, "web: wrong user name or password"),
        ("locked", "success", "plain", user.pk, "3 failed logins"),
        ("login_failed", "failed", "plain", user.pk, "web: account locked"),
    ]
    assert events(action="locked")[0].changes == {"locked_until": [None, "2026-03-02T09:15:00+00:00"]}

    with time_machine.travel(NOW + datetime.timedelta(minutes=15), tick=False):
        assert attempt(PASSWORD) == user
    user.refresh_from_db()
    assert (user.failed_login_count, user.locked_until) == (0, None)
    assert events()[-1].action == "login" and events()[-1].message == "web"


@pytest.mark.req("SEC-04")
def test_success_resets_the_failure_counter(user):
    with pytest.raises(NotAuthenticated):
        attempt("wrong")
    assert attempt(PASSWORD) == user
    user.refresh_from_db()
    assert user.failed_login_count == 0


@pytest.mark.req("AUD-01")
def test_unknown_user_is_audited_with_the_attempted_name(db):
    with pytest.raises(NotAuthenticated):
        attempt("whatever", username="ghost")
    event = AuditEvent.objects.get()
    assert (event.action, event.result, event.actor_id, event.actor_name) == (
        "login_failed",
        "failed",
        None,
        "ghost",
    )


@pytest.mark.req("AUD-01")
def test_login_attempt_refuses_to_run_inside_a_transaction(user):
    # its audit rows must commit on their own, so nesting it fails loudly
    with pytest.raises(RuntimeError), transaction.atomic():
        attempt("wrong")


@pytest.mark.req("SEC-02")
def test_refuse_expired_for_api_logins(user):
    user.must_change_password = True
    user.save()
    assert attempt(PASSWORD) == user  # the login page lets the user in to change it
    with pytest.raises(security.PasswordExpired) as exc:
        attempt(PASSWORD, channel="api", refuse_expired=True)
    assert exc.value.code == "password_expired"
    assert [(e.action, e.result, e.message) for e in events()] == [
        ("login", "success", "web"),
        ("login_failed", "failed", "api: password expired"),
    ]


@pytest.mark.req("SEC-04", "AUD-01")
def test_account_unlock(user, branch):
    user.failed_login_count, user.locked_until = 2, NOW
    user.save()
    admin = UserFactory(branches=[branch], perms=["accounts.unlock_user"])
    no_perm = UserFactory(branches=[branch])
    stranger = UserFactory(
        branches=[BranchFactory(organisation=OrganisationFactory())], perms=["accounts.unlock_user"]
    )
    with pytest.raises(PermissionDenied):
        security.account_unlock(actor=no_perm, user_id=user.pk)
    with pytest.raises(NotFound):
        security.account_unlock(actor=stranger, user_id=user.pk)
    with pytest.raises(NotFound):
        security.account_unlock(actor=admin, user_id=-1)
    user.refresh_from_db()
    assert (user.failed_login_count, user.locked_until) == (2, NOW)
    assert AuditEvent.objects.count() == 0

    security.account_unlock(actor=admin, user_id=user.pk)
    user.refresh_from_db()
    assert (user.failed_login_count, user.locked_until) == (0, None)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.object_id) == ("unlock", admin.pk, str(user.pk))
    assert event.changes == {
        "failed_login_count": [2, 0],
        "locked_until": ["2026-03-02T09:00:00+00:00", None],
    }


# --- policy administration --------------------------------------------------------------------


@pytest.fixture
def secadmin(branch):
    return UserFactory(username="secadmin", branches=[branch], perms=POLICY_PERMS)


@pytest.mark.req("SEC-01", "SEC-04", "SEC-06", "AUD-01")
def test_policy_update_saves_and_audits_a_diff(secadmin, branch):
    other_org = OrganisationFactory()
    other = set_policy(other_org, password_min_length=20)
    policy = security.security_policy_update(
        actor=secadmin, password_min_length=12, single_session=True, watermark_template="{name} {time}"
    )
    assert policy.organisation_id == branch.organisation_id
    assert (policy.password_min_length, policy.single_session, policy.watermark_template) == (
        12,
        True,
        "{name} {time}",
    )
    assert (policy.created_by_id, policy.updated_by_id) == (secadmin.pk, secadmin.pk)
    event = AuditEvent.objects.get()
    assert (event.module, event.action, event.object_type) == (
        "accounts",
        "policy_update",
        "accounts.securitypolicy",
    )
    assert event.organisation_id == branch.organisation_id
    assert event.changes == {
        "password_min_length": [8, 12],
        "single_session": [False, True],
        "watermark_template": ["{name} {employee_no} {time}", "{name} {time}"],
    }
    other.refresh_from_db()
    assert other.password_min_length == 20


@pytest.mark.req("SEC-01", "SEC-04", "SEC-06")
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"password_min_length": 5}, "password_min_length", "Enter a whole number from 6 to 64."),
        ({"password_min_length": 65}, "password_min_length", "Enter a whole number from 6 to 64."),
        ({"password_min_classes": 0}, "password_min_classes", "Enter a whole number from 1 to 4."),
        ({"password_min_classes": 5}, "password_min_classes", "Enter a whole number from 1 to 4."),
        ({"password_history": 25}, "password_history", "Enter a whole number from 0 to 24."),
        ({"password_max_age_days": 3651}, "password_max_age_days", "Enter a whole number from 0 to 3650."),
        ({"lockout_threshold": 0}, "lockout_threshold", "Enter a whole number from 1 to 20."),
        ({"lockout_threshold": 21}, "lockout_threshold", "Enter a whole number from 1 to 20."),
        ({"lockout_minutes": 1441}, "lockout_minutes", "Enter a whole number from 1 to 1440."),
        ({"idle_timeout_minutes": 0}, "idle_timeout_minutes", "Enter a whole number from 1 to 1440."),
        ({"idle_timeout_minutes": "30"}, "idle_timeout_minutes", "Enter a whole number from 1 to 1440."),
        ({"lockout_minutes": True}, "lockout_minutes", "Enter a whole number from 1 to 1440."),
        ({"single_session": "yes"}, "single_session", "Enter yes or no."),
        ({"colour": "red"}, "colour", "Unknown setting: colour."),
        (
            {"watermark_template": "x" * 101},
            "watermark_template",
            "The watermark text may have at most 100 characters.",
        ),
        (
            {"watermark_template": "{name} {password}"},
            "watermark_template",
            "Unknown placeholder {password} in the watermark text. Use only " + KNOWN,
        ),
        (
            {"watermark_template": "{name.__class__}"},
            "watermark_template",
            "Unknown placeholder {name.__class__} in the watermark text. Use only " + KNOWN,
        ),
        (
            {"watermark_template": "{name"},
            "watermark_template",
            "The watermark text has an unmatched brace. Use only " + KNOWN,
        ),
        (
            {"watermark_enabled": True, "watermark_template": "  "},
            "watermark_template",
            "Enter the watermark text or turn the watermark off.",
        ),
    ],
)
def test_policy_update_bad_input_writes_nothing(secadmin, fields, field, message):
    with pytest.raises(ValidationError) as exc:
        security.security_policy_update(actor=secadmin, **{"lockout_minutes": 10, **fields})
    assert (exc.value.field, exc.value.message) == (field, message)
    assert SecurityPolicy.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.req("SEC-01")
def test_policy_update_needs_the_permission(branch):
    viewer = UserFactory(branches=[branch], perms=["accounts.view_securitypolicy"])
    with pytest.raises(PermissionDenied):
        security.security_policy_update(actor=viewer, password_min_length=12)
    assert SecurityPolicy.objects.count() == 0


@pytest.mark.req("SEC-06")
def test_watermark_text_fills_the_placeholders(user):
    user.display_name = "张三"
    text = security.watermark_text(
        "{name}/{username}/{employee_no}/{time}", user=user, employee_no="E007", now=NOW
    )
    assert text == "张三/plain/E007/2026-03-02 17:00"
