"""Forms of the login page, the change-password page and the security-policy page. They only
parse input; the rules live in ``medspa.accounts.security``."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db import models
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from medspa.accounts.models import SecurityPolicy
from medspa.accounts.security import POLICY_RANGES


class LoginForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), max_length=128, strip=False, widget=forms.PasswordInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    password = forms.CharField(
        label=_("New password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("New password again"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("password")
            and data.get("password_confirm")
            and data["password"] != data["password_confirm"]
        ):
            self.add_error("password_confirm", _("The two new passwords are not the same."))
        return data


def _number(name: str) -> forms.IntegerField:
    low, high = POLICY_RANGES[name]
    field = cast(models.Field, SecurityPolicy._meta.get_field(name))
    return forms.IntegerField(
        label=capfirst(field.verbose_name),
        help_text=field.help_text or format_lazy(_("From {low} to {high}."), low=low, high=high),
        widget=forms.NumberInput(attrs={"min": low, "max": high}),
    )


class SecurityPolicyForm(forms.Form):
    password_min_length = _number("password_min_length")
    password_min_classes = _number("password_min_classes")
    password_history = _number("password_history")
    password_max_age_days = _number("password_max_age_days")
    lockout_threshold = _number("lockout_threshold")
    lockout_minutes = _number("lockout_minutes")
    idle_timeout_minutes = _number("idle_timeout_minutes")
    single_session = forms.BooleanField(
        label=_("One session per account"),
        required=False,
        help_text=_("A new login ends the account's other sessions."),
    )
    watermark_enabled = forms.BooleanField(label=_("Watermark"), required=False)
    watermark_template = forms.CharField(
        label=_("Watermark text"),
        max_length=100,
        required=False,
        help_text=_("Placeholders: {name}, {username}, {employee_no}, {time}."),
    )

    def __init__(self, *args: Any, disabled: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if disabled:
            for field in self.fields.values():
                field.disabled = True
