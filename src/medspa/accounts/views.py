from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from medspa.accounts import selectors, services
from medspa.accounts.filtersets import ApiTokenFilterSet
from medspa.accounts.forms import ApiTokenForm, ApiTokenRenameForm, LoginForm
from medspa.accounts.models import ApiToken
from medspa.accounts.tables import ApiTokenTable
from medspa.core.errors import DomainError
from medspa.core.views.generic import (
    ObjectCreateView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)

TOKENS = (gettext_lazy("API tokens"), "accounts:token_list")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class ApiTokenListView(ObjectListView):
    permissions = ("accounts.view_apitoken",)
    title = gettext_lazy("API tokens")
    selector = selectors.api_tokens_for
    filterset_class = ApiTokenFilterSet
    table_class = ApiTokenTable
    export_basename = "api-tokens"
    create_url_name = "accounts:token_create"
    create_permissions = ("accounts.add_apitoken",)
    create_label = gettext_lazy("New token")
    empty_text = gettext_lazy("You have no API tokens.")


class ApiTokenDetailView(ObjectDetailView):
    permissions = ("accounts.view_apitoken",)
    breadcrumbs = (TOKENS,)
    getter = selectors.api_token_get_for
    template_name = "accounts/token_detail.html"
    fields = (
        (gettext_lazy("Name"), "name"),
        (gettext_lazy("Prefix"), "prefix"),
        (gettext_lazy("Created at"), "created_at"),
        (gettext_lazy("Expires at"), "expires_at"),
        (gettext_lazy("Last used at"), "last_used_at"),
        (gettext_lazy("Revoked at"), "revoked_at"),
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        return {
            "can_revoke": obj.revoked_at is None and user.has_perm("accounts.delete_apitoken"),
            "can_rename": obj.revoked_at is None and user.has_perm("accounts.change_apitoken"),
        }


class ApiTokenCreateView(ObjectCreateView):
    permissions = ("accounts.view_apitoken", "accounts.add_apitoken")
    title = gettext_lazy("New API token")
    breadcrumbs = (TOKENS,)
    form_class = ApiTokenForm
    submit_label = gettext_lazy("Create token")
    htmx_form = False  # the success page shows the secret once; a full page, not a swap

    def perform(self, form: forms.Form) -> services.IssuedToken:
        return services.api_token_create(
            actor=self.request.user,  # type: ignore[arg-type]
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )

    def success(self, result: services.IssuedToken) -> HttpResponse:
        # The secret is shown once, in this response only; it is never stored or redirected.
        context = self.base_context(token=result.token, secret=result.secret)
        context["title"] = _("Token created")
        response = render(self.request, "accounts/token_created.html", context, status=201)
        response["Cache-Control"] = "no-store"
        return response


class ApiTokenEditView(ObjectEditView):
    permissions = ("accounts.view_apitoken", "accounts.change_apitoken")
    title = gettext_lazy("Rename API token")
    breadcrumbs = (TOKENS,)
    getter = selectors.api_token_get_for
    form_class = ApiTokenRenameForm
    success_message = gettext_lazy("The token was renamed.")

    def perform(self, form: forms.Form) -> ApiToken:
        return services.api_token_rename(
            actor=self.request.user,  # type: ignore[arg-type]
            token_id=self.get_object().pk,
            name=form.cleaned_data["name"],
        )

    def success_url(self, result: ApiToken) -> str:
        return reverse("accounts:token_detail", args=[result.pk])


class ApiTokenRevokeView(ObjectDeleteView):
    permissions = ("accounts.view_apitoken", "accounts.delete_apitoken")
    title = gettext_lazy("Revoke API token")
    breadcrumbs = (TOKENS,)
    getter = selectors.api_token_get_for
    submit_label = gettext_lazy("Revoke")
    confirm_text = gettext_lazy("Programs using this token will stop working at once. Revoke it?")
    success_message = gettext_lazy("The token was revoked.")

    def perform(self, form: forms.Form) -> ApiToken:
        return services.api_token_revoke(actor=self.request.user, token_id=self.get_object().pk)  # type: ignore[arg-type]

    def success_url(self, result: ApiToken) -> str:
        return reverse("accounts:token_detail", args=[result.pk])


@login_required
@require_POST
def switch_branch(request: HttpRequest) -> HttpResponse:
    """Top-bar branch switcher."""
    try:
        branch = services.active_branch_switch(
            actor=request.user,  # type: ignore[arg-type]
            request=request,
            branch_id=int(request.POST.get("branch", "0") or 0),
        )
    except (DomainError, ValueError):
        messages.error(request, _("You do not work in that branch."))
    else:
        messages.success(request, _("You now work in %(branch)s.") % {"branch": branch.name})
    target = request.POST.get("next") or reverse("core:home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("core:home")
    return HttpResponseRedirect(target)
