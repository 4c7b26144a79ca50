"""Login and logout under the security policy, the change-password page and the
security-policy page (SEC-01/02/04/06)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from medspa.accounts import security
from medspa.accounts.middleware import STATE_KEY, TRACKED_KEY
from medspa.accounts.models import SecurityPolicy, User
from medspa.accounts.security_forms import LoginForm, PasswordChangeForm, SecurityPolicyForm
from medspa.core.errors import DomainError
from medspa.core.views.generic import ObjectFormView


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@method_decorator([sensitive_post_parameters("password"), csrf_protect, never_cache], name="dispatch")
class LoginView(View):
    """The login page: ``login_attempt`` (lock-out, audit), the session record, and a reset or
    expired password sent straight to the change-password page."""

    template_name = "accounts/login.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            return HttpResponseRedirect(_safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL)))
        return self.render(LoginForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LoginForm(request.POST)
        if form.is_valid():
            try:
                user = security.login_attempt(
                    request=request,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return self.login(user)
        return self.render(form)

    def login(self, user: User) -> HttpResponse:
        request = self.request
        target = _safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL))
        auth_login(request, user)
        request.session.pop(STATE_KEY, None)
        request.session[TRACKED_KEY] = True
        security.session_start(request=request, user=user)
        if security.password_change_required(user):
            messages.warning(
                request, _("Your password has expired or was reset. Choose a new one to continue.")
            )
            return HttpResponseRedirect(reverse("accounts:password_change"))
        return HttpResponseRedirect(target)

    def render(self, form: LoginForm) -> HttpResponse:
        context = {"form": form, "next": _safe_next(self.request, "")}
        return render(self.request, self.template_name, context)


class LogoutView(auth_views.LogoutView):
    """Logout (POST): audited, the session record removed."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            security.session_end(request=request, user=request.user)
        return super().post(request, *args, **kwargs)


@method_decorator(sensitive_post_parameters("old_password", "password", "password_confirm"), name="dispatch")
class PasswordChangeView(ObjectFormView):
    """Any logged-in user changes their own password; the page lists the policy's rules."""

    permissions = ()
    title = gettext_lazy("Change password")
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    submit_label = gettext_lazy("Change password")
    success_message = gettext_lazy("Your password was changed.")

    def perform(self, form: forms.Form) -> User:
        return security.password_change(
            actor=self.request.user,  # type: ignore[arg-type]
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["password"],
        )

    def success(self, result: User) -> HttpResponse:
        old_key = self.request.session.session_key
        update_session_auth_hash(self.request, result)
        security.session_rekey(old_key, self.request.session.session_key)
        return super().success(result)

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        user = self.request.user
        policy = security.policy_for(user.organisation_id)  # type: ignore[union-attr]
        self.extra = {
            "rules": security.policy_rules(policy),
            "required": security.password_change_required(user),  # type: ignore[arg-type]
        }
        return super().render_form(form, status)

    def base_context(self, **extra: Any) -> dict[str, Any]:
        return super().base_context(**extra, **getattr(self, "extra", {}))


class SecurityPolicyView(ObjectFormView):
    """View (accounts.view_securitypolicy) and edit (accounts.change_securitypolicy) the policy of
    the actor's organisation."""

    permissions = ("accounts.view_securitypolicy",)
    title = gettext_lazy("Security policy")
    template_name = "accounts/security_policy.html"
    form_class = SecurityPolicyForm
    submit_label = gettext_lazy("Save policy")
    success_message = gettext_lazy("The security policy was saved.")

    def can_change(self) -> bool:
        return bool(self.request.user.has_perm("accounts.change_securitypolicy"))

    def policy(self) -> SecurityPolicy:
        organisation_id = getattr(self.request.user, "organisation_id", None)
        if organisation_id is None:
            raise Http404
        return security.policy_for(organisation_id)

    def get_form(self, data: Any = None) -> forms.Form:
        policy = self.policy()
        initial = {name: getattr(policy, name) for name in security.POLICY_FIELDS}
        return SecurityPolicyForm(data=data, initial=initial, disabled=not self.can_change())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.can_change():
            raise DjangoPermissionDenied
        return super().post(request, *args, **kwargs)

    def perform(self, form: forms.Form) -> SecurityPolicy:
        return security.security_policy_update(actor=self.request.user, **form.cleaned_data)  # type: ignore[arg-type]

    def success_url(self, result: SecurityPolicy) -> str:
        return reverse("accounts:security_policy")

    def base_context(self, **extra: Any) -> dict[str, Any]:
        return super().base_context(**extra, can_change=self.can_change())
