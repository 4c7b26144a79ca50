"""Login accounts (操作员), roles with data scope, security policy and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medspa.accounts.choices import DataScope
from medspa.core.models import AuditedModel, TimeStampedModel


class User(AbstractUser):
    """A login account. It may work in several branches and has one active branch at a time."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    branches = models.ManyToManyField(
        "organization.Branch", verbose_name=_("branches"), related_name="users", blank=True
    )
    default_branch = models.ForeignKey(
        "organization.Branch",
        verbose_name=_("default branch"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    staff = models.OneToOneField(
        "organization.Staff",
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="user",
        null=True,
        blank=True,
    )
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    failed_login_count = models.PositiveIntegerField(_("failed logins"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("export_user", _("Can export accounts")),
            ("unlock_user", _("Can unlock accounts and reset passwords")),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def role_names(self) -> str:
        """The roles, for tables; selectors prefetch ``groups`` so this runs no query."""
        return "、".join(group.name for group in self.groups.all())


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(TimeStampedModel):
    """A bearer token for the REST API. Only the SHA-256 of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class RoleProfile(AuditedModel):
    """What a role (Group) adds to Django's permissions: its data scope (数据权限) — PLT-05 —
    and whether it is one of the built-in roles."""

    group = models.OneToOneField(
        Group, verbose_name=_("role"), on_delete=models.CASCADE, related_name="profile"
    )
    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="roles",
        null=True,
        blank=True,
        help_text=_("Empty for the built-in roles, which every organisation shares."),
    )
    data_scope = models.PositiveSmallIntegerField(
        _("data scope"), choices=DataScope.choices, default=DataScope.OWN
    )
    builtin_key = models.CharField(_("built-in role"), max_length=32, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        permissions = [("export_roleprofile", _("Can export roles"))]
        constraints = [
            models.UniqueConstraint(
                fields=["builtin_key"],
                condition=~models.Q(builtin_key=""),
                name="role_builtin_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.group.name


class SecurityPolicy(AuditedModel):
    """Password, lock-out, session and watermark rules of one organisation (SEC-01/02/04/06),
    edited by the security admin. Missing rows mean the defaults below."""

    organisation = models.OneToOneField(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="security_policy",
    )
    password_min_length = models.PositiveSmallIntegerField(_("minimum password length"), default=8)
    password_min_classes = models.PositiveSmallIntegerField(
        _("character classes required"),
        default=3,
        help_text=_("Of: lower-case letters, upper-case letters, digits, symbols."),
    )
    password_history = models.PositiveSmallIntegerField(_("last passwords that may not be reused"), default=5)
    password_max_age_days = models.PositiveSmallIntegerField(
        _("password validity (days)"), default=90, help_text=_("0 means passwords never expire.")
    )
    lockout_threshold = models.PositiveSmallIntegerField(_("failed logins before lock-out"), default=5)
    lockout_minutes = models.PositiveSmallIntegerField(_("lock-out duration (minutes)"), default=15)
    idle_timeout_minutes = models.PositiveSmallIntegerField(_("idle session timeout (minutes)"), default=30)
    single_session = models.BooleanField(
        _("one session per account"),
        default=False,
        help_text=_("A new login ends the account's other sessions."),
    )
    watermark_enabled = models.BooleanField(_("watermark"), default=True)
    watermark_template = models.CharField(
        _("watermark text"),
        max_length=100,
        default="{name} {employee_no} {time}",
        help_text=_("Placeholders: {name}, {username}, {employee_no}, {time}."),
    )

    class Meta:
        verbose_name = _("security policy")
        verbose_name_plural = _("security policies")

    def __str__(self) -> str:
        return str(self.organisation)


class PasswordHistory(models.Model):
    """A previous password hash of a user, for "no reuse of the last N" (SEC-01)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("password history")
        verbose_name_plural = _("password history")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.created_at:%Y-%m-%d}"


class UserSession(models.Model):
    """One logged-in browser session of a user: idle timeout and concurrent-session control (SEC-04)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen at"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.session_key[:6]}"
