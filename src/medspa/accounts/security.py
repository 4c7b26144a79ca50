"""Security policy (SEC-01/02/04/06): password rules, expiry, lock-out, sessions, watermark —
and the login rules that the login page and the API token login share.

Login events are audited (AUD-01) in their own transactions, so a failed login is recorded even
though the login itself is refused.
"""

from __future__ import annotations

import datetime
import string
import zoneinfo
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import check_password
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.accounts.models import PasswordHistory, SecurityPolicy, User, UserSession
from medspa.audit.choices import Result
from medspa.audit.services import audit_record, diff, snapshot
from medspa.core.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationError
from medspa.core.request_context import current as current_request_context

MODULE = "accounts"
PASSWORD_MAX_LENGTH = 128
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

WATERMARK_PLACEHOLDERS = ("name", "username", "employee_no", "time")

# field: (minimum, maximum) — the ranges the security admin may choose from.
POLICY_RANGES: dict[str, tuple[int, int]] = {
    "password_min_length": (6, 64),
    "password_min_classes": (1, 4),
    "password_history": (0, 24),
    "password_max_age_days": (0, 3650),
    "lockout_threshold": (1, 20),
    "lockout_minutes": (1, 1440),
    "idle_timeout_minutes": (1, 1440),
}
POLICY_FLAGS = ("single_session", "watermark_enabled")
POLICY_FIELDS = (*POLICY_RANGES, *POLICY_FLAGS, "watermark_template")

CHARACTER_CLASSES = (
    (gettext_lazy("lower-case letters"), str.islower),
    (gettext_lazy("upper-case letters"), str.isupper),
    (gettext_lazy("digits"), str.isdigit),
    (gettext_lazy("symbols"), lambda c: not c.isalnum() and not c.isspace()),
)


class AccountLocked(PermissionDenied):
    """Too many failed logins: the account is locked until ``locked_until``."""

    code = "account_locked"
    default_message = gettext_lazy("This account is locked.")


class PasswordExpired(PermissionDenied):
    """The password is past its validity or was reset: it must be changed before use."""

    code = "password_expired"
    default_message = gettext_lazy("Your password has expired. Change it first.")


# --- the policy --------------------------------------------------------------------------------


def policy_for(organisation_id: int | None) -> SecurityPolicy:
    """The organisation's saved policy, or an unsaved one with the defaults."""
    policy = None
    if organisation_id is not None:
        policy = SecurityPolicy.objects.filter(organisation_id=organisation_id).first()
    if policy is None:
        policy = SecurityPolicy()
        if organisation_id is not None:
            policy.organisation_id = organisation_id
    return policy


def character_classes(raw: str) -> int:
    """How many of lower-case, upper-case, digits and symbols ``raw`` contains."""
    return sum(1 for _label, test in CHARACTER_CLASSES if any(test(c) for c in raw))


def policy_rules(policy: SecurityPolicy) -> list[str]:
    """The password rules in words, for the change-password page and the validator's help."""
    classes = "、".join(str(label) for label, _test in CHARACTER_CLASSES)
    rules = [
        _("At least %(n)d characters.") % {"n": policy.password_min_length},
        _("At least %(n)d of these kinds of character: %(kinds)s.")
        % {"n": policy.password_min_classes, "kinds": classes},
    ]
    if policy.password_history:
        rules.append(_("Not one of your last %(n)d passwords.") % {"n": policy.password_history})
    if policy.password_max_age_days:
        rules.append(
            _("Valid for %(n)d days; then you must change it.") % {"n": policy.password_max_age_days}
        )
    return rules


def password_expired_at(changed_at: datetime.datetime | None, max_age_days: int) -> bool:
    """Whether a password changed at ``changed_at`` is past ``max_age_days`` (0 = never expires;
    an unknown change time counts as not expired)."""
    if not max_age_days or changed_at is None:
        return False
    return timezone.now() >= changed_at + datetime.timedelta(days=max_age_days)


def password_expired(user: User) -> bool:
    """The user's password is past the organisation's validity (SEC-02)."""
    policy = policy_for(user.organisation_id)
    return password_expired_at(user.password_changed_at, policy.password_max_age_days)


def password_change_required(user: User) -> bool:
    """Reset by an administrator or expired: the user must change it before working on."""
    return user.must_change_password or password_expired(user)


# --- passwords ---------------------------------------------------------------------------------


def password_validate(user: User | None, raw: str) -> None:
    """Check ``raw`` against the policy of the user's organisation (SEC-01).

    Raises ``ValidationError(field="password")`` naming the rule that is broken."""
    policy = policy_for(getattr(user, "organisation_id", None))
    raw = raw or ""
    if len(raw) < policy.password_min_length:
        raise ValidationError(
            _("The password must have at least %(n)d characters.") % {"n": policy.password_min_length},
            field="password",
        )
    if len(raw) > PASSWORD_MAX_LENGTH:
        raise ValidationError(
            _("The password may have at most %(n)d characters.") % {"n": PASSWORD_MAX_LENGTH},
            field="password",
        )
    has = character_classes(raw)
    if has < policy.password_min_classes:
        raise ValidationError(
            _(
                "The password must contain at least %(n)d of these kinds of character: lower-case "
                "letters, upper-case letters, digits, symbols (it has %(has)d)."
            )
            % {"n": policy.password_min_classes, "has": has},
            field="password",
        )
    if user is not None and user.pk is not None and policy.password_history:
        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
                : policy.password_history
            ]
        )
        if user.has_usable_password():
            hashes.insert(0, user.password)
        if any(check_password(raw, encoded) for encoded in dict.fromkeys(hashes)):
            raise ValidationError(
                _("The new password must differ from your last %(n)d passwords.")
                % {"n": policy.password_history},
                field="password",
            )


def password_store(user: User, raw: str, *, must_change: bool) -> None:
    """Validate and set a user's password, remember it in the history and trim the history to
    the policy's length. An inner helper: the caller's service owns the transaction and audit."""
    password_validate(user, raw)
    policy = policy_for(user.organisation_id)
    with transaction.atomic():
        user.set_password(raw)
        user.password_changed_at = timezone.now()
        user.must_change_password = must_change
        if user.pk is None:
            user.save()
        else:
            user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = list(
            PasswordHistory.objects.filter(user=user)
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)[policy.password_history :]
        )
        if stale:
            PasswordHistory.objects.filter(pk__in=stale).delete()


@transaction.atomic(durable=True)
def password_change(*, actor: User, old_password: str, new_password: str) -> User:
    """A user changes their own password (any logged-in user)."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied()
    if not actor.check_password(old_password or ""):
        raise ValidationError(_("Your current password is not correct."), field="old_password")
    fields = ("password_changed_at", "must_change_password")
    before = snapshot(actor, fields)
    password_store(actor, new_password, must_change=False)
    audit_record(
        actor=actor,
        module=MODULE,
        action="password_change",
        obj=actor,
        changes=diff(before, snapshot(actor, fields)),
    )
    return actor


# --- login -------------------------------------------------------------------------------------


def _local(moment: datetime.datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _locked_message(until: datetime.datetime) -> str:
    return _(
        "This account is locked after too many failed logins until %(time)s. Try again then, "
        "or ask the security administrator to unlock it."
    ) % {"time": _local(until)}


def _invalid_login() -> NotAuthenticated:
    return NotAuthenticated(_("The user name or password is not correct."))


def _login_failed(user: User | None, username: str, reason: str, channel: str) -> None:
    audit_record(
        actor=user,
        module=MODULE,
        action="login_failed",
        obj=user,
        result=Result.FAILED,
        actor_name=username,
        message=f"{channel}: {reason}",
    )


def login_attempt(
    *,
    request: HttpRequest | None,
    username: str,
    password: str,
    channel: str = "web",
    refuse_expired: bool = False,
) -> User:
    """Check a username and password under the lock-out rules (SEC-04) and audit the outcome.

    * unknown user or wrong password → ``NotAuthenticated``; an existing account counts the
      failure, and at the policy's threshold it is locked for the policy's minutes (audited
      ``locked``) and the counter starts again from 0;
    * a locked account is refused with ``AccountLocked`` (its message gives the unlock time),
      even with the right password;
    * ``refuse_expired`` (API token login): an expired or reset password → ``PasswordExpired``;
    * success resets the counter and is audited ``login``.

    Every outcome commits on its own: call this outside any transaction."""
    username = (username or "").strip()
    existing = User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    now = timezone.now()
    if existing is not None and existing.locked_until is not None and existing.locked_until > now:
        with transaction.atomic(durable=True):
            _login_failed(existing, username, "account locked", channel)
        raise AccountLocked(_locked_message(existing.locked_until))

    user = authenticate(request, username=username, password=password or "") if username else None
    if user is None or not isinstance(user, User):
        locked_until = None
        with transaction.atomic(durable=True):
            _login_failed(existing, username, "wrong user name or password", channel)
            if existing is not None and existing.is_active:
                locked_until = _count_failure(existing.pk, now)
        if locked_until is not None:
            raise AccountLocked(_locked_message(locked_until))
        raise _invalid_login()

    with transaction.atomic(durable=True):
        if user.failed_login_count or user.locked_until is not None:
            User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
            user.failed_login_count, user.locked_until = 0, None
        if refuse_expired and password_change_required(user):
            _login_failed(user, username, "password expired", channel)
        else:
            audit_record(actor=user, module=MODULE, action="login", obj=user, message=channel)
            return user
    raise PasswordExpired(_("Your password has expired. Log in on the web page and change it first."))


def _count_failure(user_id: int, now: datetime.datetime) -> datetime.datetime | None:
    """Count one failed login; lock the account at the threshold. Returns the unlock time when
    this failure locked it."""
    user = User.objects.select_for_update().get(pk=user_id)
    policy = policy_for(user.organisation_id)
    count = user.failed_login_count + 1
    if count < policy.lockout_threshold:
        User.objects.filter(pk=user.pk).update(failed_login_count=count)
        return None
    until = now + datetime.timedelta(minutes=policy.lockout_minutes)
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=until)
    audit_record(
        actor=user,
        module=MODULE,
        action="locked",
        obj=user,
        changes={"locked_until": [None, until]},
        message=_("%(n)d failed logins") % {"n": count},
    )
    return until


@transaction.atomic(durable=True)
def account_unlock(*, actor: User, user_id: int) -> User:
    """Lift a lock-out and reset the failure counter (the security admin or system admin)."""
    if not actor.is_active or not actor.has_perm("accounts.unlock_user"):
        raise PermissionDenied()
    users = User.objects.select_for_update().filter(pk=user_id)
    if actor.organisation_id is not None:
        users = users.filter(organisation_id=actor.organisation_id)
    elif not actor.is_superuser:
        raise NotFound()
    user = users.first()
    if user is None:
        raise NotFound()
    fields = ("failed_login_count", "locked_until")
    before = snapshot(user, fields)
    user.failed_login_count, user.locked_until = 0, None
    user.save(update_fields=list(fields))
    audit_record(
        actor=actor, module=MODULE, action="unlock", obj=user, changes=diff(before, snapshot(user, fields))
    )
    return user


# --- sessions ----------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def session_start(*, request: HttpRequest, user: User) -> UserSession:
    """Record the session that a login just opened; under "one session per account" end the
    user's other sessions (their Django session rows too) and audit that."""
    key = request.session.session_key or ""
    if not key:
        request.session.save()
        key = request.session.session_key or ""
    context = current_request_context()
    record, _created = UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "last_seen_at": timezone.now(),
            "ip": context.ip,
            "user_agent": context.user_agent[:300],
        },
    )
    if policy_for(user.organisation_id).single_session:
        others = list(
            UserSession.objects.filter(user=user).exclude(pk=record.pk).values_list("session_key", flat=True)
        )
        if others:
            Session.objects.filter(session_key__in=others).delete()
            UserSession.objects.filter(session_key__in=others).delete()
            audit_record(
                actor=user,
                module=MODULE,
                action="logout",
                obj=user,
                changes={"sessions_ended": len(others)},
                message=_("Other sessions ended: one session per account"),
            )
    return record


@transaction.atomic(durable=True)
def session_end(*, request: HttpRequest, user: User, reason: str = "") -> None:
    """Audit a logout and forget the session's record (the caller logs the request out)."""
    key = request.session.session_key
    if key:
        UserSession.objects.filter(session_key=key).delete()
    audit_record(actor=user, module=MODULE, action="logout", obj=user, message=reason)


def session_touch(session_key: str) -> bool:
    """Mark a recorded session as seen now. False when its record is gone (ended elsewhere)."""
    return bool(UserSession.objects.filter(session_key=session_key).update(last_seen_at=timezone.now()))


# --- policy administration ---------------------------------------------------------------------


def watermark_template_validate(template: str) -> str:
    template = (template or "").strip()
    if len(template) > 100:
        raise ValidationError(
            _("The watermark text may have at most 100 characters."), field="watermark_template"
        )
    known = ", ".join(f"{{{name}}}" for name in WATERMARK_PLACEHOLDERS)
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValidationError(
            _("The watermark text has an unmatched brace. Use only %(known)s.") % {"known": known},
            field="watermark_template",
        ) from exc
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in WATERMARK_PLACEHOLDERS or spec or conversion:
            raise ValidationError(
                _("Unknown placeholder {%(name)s} in the watermark text. Use only %(known)s.")
                % {"name": name, "known": known},
                field="watermark_template",
            )
    return template


def _policy_clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(POLICY_FIELDS))
    if unknown:
        raise ValidationError(_("Unknown setting: %(name)s.") % {"name": unknown[0]}, field=unknown[0])
    clean: dict[str, Any] = {}
    for name, (low, high) in POLICY_RANGES.items():
        if name not in fields:
            continue
        value = fields[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(
                _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}, field=name
            )
        clean[name] = value
    for name in POLICY_FLAGS:
        if name in fields:
            if not isinstance(fields[name], bool):
                raise ValidationError(_("Enter yes or no."), field=name)
            clean[name] = fields[name]
    if "watermark_template" in fields:
        if not isinstance(fields["watermark_template"], str):
            raise ValidationError(_("Enter text."), field="watermark_template")
        clean["watermark_template"] = watermark_template_validate(fields["watermark_template"])
    return clean


@transaction.atomic(durable=True)
def security_policy_update(*, actor: User, **fields: Any) -> SecurityPolicy:
    """The security admin changes their organisation's policy; changes are audited as a diff."""
    if not actor.is_active or not actor.has_perm("accounts.change_securitypolicy"):
        raise PermissionDenied()
    if actor.organisation_id is None:
        raise NotFound()
    clean = _policy_clean(fields)
    policy = SecurityPolicy.objects.select_for_update().filter(organisation_id=actor.organisation_id).first()
    if policy is None:
        policy = SecurityPolicy(organisation_id=actor.organisation_id, created_by=actor)
    enabled = clean.get("watermark_enabled", policy.watermark_enabled)
    template = clean.get("watermark_template", policy.watermark_template)
    if enabled and not template:
        raise ValidationError(
            _("Enter the watermark text or turn the watermark off."), field="watermark_template"
        )
    before = snapshot(policy, POLICY_FIELDS)
    for name, value in clean.items():
        setattr(policy, name, value)
    policy.updated_by = actor
    policy.save()
    audit_record(
        actor=actor,
        module=MODULE,
        action="policy_update",
        obj=policy,
        organisation_id=actor.organisation_id,
        changes=diff(before, snapshot(policy, POLICY_FIELDS)),
    )
    return policy


# --- watermark ---------------------------------------------------------------------------------


def watermark_text(
    template: str, *, user: User, employee_no: str, now: datetime.datetime | None = None
) -> str:
    """The watermark for ``user``: the policy's template with its placeholders filled."""
    values = {
        "name": str(user),
        "username": user.get_username(),
        "employee_no": employee_no or "",
        "time": _local(now or timezone.now()),
    }
    try:
        return template.format(**values).strip()
    except (KeyError, IndexError, ValueError, AttributeError):
        return " ".join(v for v in values.values() if v)


def session_rekey(old_key: str | None, new_key: str | None) -> None:
    """Keep a session's record when Django gives the session a new key (after a password change)."""
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)
