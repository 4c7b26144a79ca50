from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from medspa.accounts.choices import DataScope


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The user name or password is not correct."),
        "inactive": _("This account is disabled. Ask your system administrator."),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].label = _("User name")
        self.fields["password"].label = _("Password")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. HIS interface.")
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
    )


class ApiTokenRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)


Choice = tuple[int, str]


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


class AccountForm(forms.Form):
    """Create or edit a login account; the choices are limited to the actor's organisation."""

    username = forms.CharField(label=_("User name"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    staff = forms.TypedChoiceField(label=_("Staff member"), coerce=int, required=False, empty_value=None)
    branches = forms.TypedMultipleChoiceField(label=_("Branches"), coerce=int)
    default_branch = forms.TypedChoiceField(
        label=_("Default branch"), coerce=int, required=False, empty_value=None
    )
    roles = forms.TypedMultipleChoiceField(label=_("Roles"), coerce=int, required=False)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The user must change it at the first login."),
    )

    def __init__(
        self,
        *args: object,
        staff_choices: Sequence[Choice] = (),
        branch_choices: Sequence[Choice] = (),
        role_choices: Sequence[Choice] = (),
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _choice_field(self, "staff").choices = [("", "—"), *staff_choices]
        _choice_field(self, "branches").choices = list(branch_choices)
        _choice_field(self, "default_branch").choices = [("", "—"), *branch_choices]
        _choice_field(self, "roles").choices = list(role_choices)
        self.fields["branches"].widget.attrs["size"] = min(max(len(branch_choices), 2), 6)
        self.fields["roles"].widget.attrs["size"] = min(max(len(role_choices), 2), 8)
        if editing:
            del self.fields["password"]
            self.fields["username"].disabled = True
            self.fields["username"].required = False


class PasswordResetForm(forms.Form):
    password = forms.CharField(
        label=_("New initial password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The user must change it at the next login."),
    )


class RoleForm(forms.Form):
    """A role: name, data scope and the permission tree (rendered by the role form template)."""

    name = forms.CharField(label=_("Name"), max_length=150)
    data_scope = forms.TypedChoiceField(label=_("Data scope"), coerce=int, choices=DataScope.choices)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    permissions = forms.TypedMultipleChoiceField(label=_("Permissions"), coerce=int, required=False)

    def __init__(self, *args: Any, permission_choices: Sequence[Choice] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "permissions").choices = list(permission_choices)
