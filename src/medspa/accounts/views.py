from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from medspa.accounts import administration, security, selectors, services
from medspa.accounts.filtersets import AccountFilterSet, ApiTokenFilterSet, RoleFilterSet
from medspa.accounts.forms import (
    AccountForm,
    ApiTokenForm,
    ApiTokenRenameForm,
    LoginForm,
    PasswordResetForm,
    RoleForm,
)
from medspa.accounts.models import ApiToken, User
from medspa.accounts.permissions import permission_tree
from medspa.accounts.roles import ADMIN_KEYS
from medspa.accounts.tables import AccountTable, ApiTokenTable, RoleTable
from medspa.core.errors import DomainError
from medspa.core.views.generic import (
    ObjectCreateView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)
from medspa.organization import selectors as org_selectors

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


# --- accounts (操作员) ---------------------------------------------------------------------------

ACCOUNTS = (gettext_lazy("Accounts"), "accounts:user_list")
ROLES = (gettext_lazy("Roles"), "accounts:role_list")


class AccountListView(ObjectListView):
    permissions = ("accounts.view_user",)
    title = gettext_lazy("Accounts")
    selector = selectors.accounts_for
    filterset_class = AccountFilterSet
    table_class = AccountTable
    export_basename = "accounts"
    export_permissions = ("accounts.view_user", "accounts.export_user")
    create_url_name = "accounts:user_create"
    create_permissions = ("accounts.add_user",)
    create_label = gettext_lazy("New account")


class AccountDetailView(ObjectDetailView):
    permissions = ("accounts.view_user",)
    breadcrumbs = (ACCOUNTS,)
    getter = selectors.account_get_for
    template_name = "accounts/user_detail.html"
    fields = (
        (gettext_lazy("User name"), "username"),
        (gettext_lazy("Display name"), "display_name"),
        (gettext_lazy("Staff member"), "staff"),
        (gettext_lazy("Default branch"), "default_branch"),
        (gettext_lazy("Active"), "is_active"),
        (gettext_lazy("Last login"), "last_login"),
        (gettext_lazy("Password changed at"), "password_changed_at"),
        (gettext_lazy("Must change password"), "must_change_password"),
        (gettext_lazy("Failed logins"), "failed_login_count"),
        (gettext_lazy("Locked until"), "locked_until"),
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        return {
            "roles": list(obj.groups.all()),
            "branches": list(obj.branches.order_by("code")),
            "locked": obj.locked_until is not None and obj.locked_until > timezone.now(),
            "can_edit": user.has_perm("accounts.change_user"),
            "can_reset": user.has_perm("accounts.unlock_user"),
            "can_deactivate": obj.is_active and obj.pk != user.pk and user.has_perm("accounts.delete_user"),
            "can_reactivate": not obj.is_active and user.has_perm("accounts.change_user"),
        }


class _AccountFormMixin:
    request: HttpRequest

    def form_kwargs(self) -> dict[str, Any]:
        actor = cast(User, self.request.user)
        return {
            "staff_choices": [(s.pk, str(s)) for s in org_selectors.staff_for(actor).filter(is_active=True)],
            "branch_choices": [
                (b.pk, b.name) for b in org_selectors.branches_for(actor).filter(is_active=True)
            ],
            "role_choices": [(g.pk, g.name) for g in selectors.roles_for(actor)],
        }


class AccountCreateView(_AccountFormMixin, ObjectCreateView):
    permissions = ("accounts.view_user", "accounts.add_user", "accounts.view_roleprofile")
    title = gettext_lazy("New account")
    breadcrumbs = (ACCOUNTS,)
    form_class = AccountForm
    success_message = gettext_lazy("The account was created.")

    def perform(self, form: forms.Form) -> User:
        data = form.cleaned_data
        return administration.account_create(
            actor=self.request.user,  # type: ignore[arg-type]
            username=data["username"],
            display_name=data["display_name"],
            password=data["password"],
            branch_ids=data["branches"],
            default_branch_id=data["default_branch"],
            role_ids=data["roles"],
            staff_id=data["staff"],
        )

    def success_url(self, result: User) -> str:
        return reverse("accounts:user_detail", args=[result.pk])


class AccountEditView(_AccountFormMixin, ObjectEditView):
    permissions = ("accounts.view_user", "accounts.change_user", "accounts.view_roleprofile")
    title = gettext_lazy("Edit account")
    breadcrumbs = (ACCOUNTS,)
    getter = selectors.account_get_for
    form_class = AccountForm
    success_message = gettext_lazy("The account was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {**super().form_kwargs(), "editing": True}

    def initial(self, obj: Any) -> dict[str, Any]:
        return {
            "username": obj.username,
            "display_name": obj.display_name,
            "staff": obj.staff_id,
            "branches": [b.pk for b in obj.branches.all()],
            "default_branch": obj.default_branch_id,
            "roles": [g.pk for g in obj.groups.all()],
        }

    def perform(self, form: forms.Form) -> User:
        data = form.cleaned_data
        return administration.account_update(
            actor=self.request.user,  # type: ignore[arg-type]
            user_id=self.get_object().pk,
            display_name=data["display_name"],
            branch_ids=data["branches"],
            default_branch_id=data["default_branch"],
            role_ids=data["roles"],
            staff_id=data["staff"],
        )

    def success_url(self, result: User) -> str:
        return reverse("accounts:user_detail", args=[result.pk])


class AccountPasswordResetView(ObjectEditView):
    permissions = ("accounts.view_user", "accounts.unlock_user")
    title = gettext_lazy("Reset password")
    breadcrumbs = (ACCOUNTS,)
    getter = selectors.account_get_for
    form_class = PasswordResetForm
    submit_label = gettext_lazy("Reset password")
    success_message = gettext_lazy("The password was reset; the account is unlocked.")

    def initial(self, obj: Any) -> dict[str, Any]:
        return {}

    def perform(self, form: forms.Form) -> User:
        return administration.account_password_reset(
            actor=self.request.user,  # type: ignore[arg-type]
            user_id=self.get_object().pk,
            password=form.cleaned_data["password"],
        )

    def success_url(self, result: User) -> str:
        return reverse("accounts:user_detail", args=[result.pk])


class AccountUnlockView(ObjectDeleteView):
    permissions = ("accounts.view_user", "accounts.unlock_user")
    title = gettext_lazy("Unlock account")
    breadcrumbs = (ACCOUNTS,)
    getter = selectors.account_get_for
    submit_label = gettext_lazy("Unlock")
    confirm_text = gettext_lazy("The account may log in again at once. Unlock it?")
    success_message = gettext_lazy("The account was unlocked.")
    danger = False

    def perform(self, form: forms.Form) -> Any:
        return security.account_unlock(actor=self.request.user, user_id=self.get_object().pk)  # type: ignore[arg-type]

    def success_url(self, result: Any) -> str:
        return reverse("accounts:user_detail", args=[self.get_object().pk])


class AccountDeactivateView(ObjectDeleteView):
    permissions = ("accounts.view_user", "accounts.delete_user")
    title = gettext_lazy("Deactivate account")
    breadcrumbs = (ACCOUNTS,)
    getter = selectors.account_get_for
    submit_label = gettext_lazy("Deactivate")
    confirm_text = gettext_lazy(
        "The account can no longer log in; its sessions end and its API tokens are revoked. Deactivate it?"
    )
    success_message = gettext_lazy("The account was deactivated.")

    def perform(self, form: forms.Form) -> User:
        return administration.account_deactivate(actor=self.request.user, user_id=self.get_object().pk)  # type: ignore[arg-type]

    def success_url(self, result: User) -> str:
        return reverse("accounts:user_detail", args=[result.pk])


class AccountReactivateView(ObjectDeleteView):
    permissions = ("accounts.view_user", "accounts.change_user")
    title = gettext_lazy("Reactivate account")
    breadcrumbs = (ACCOUNTS,)
    getter = selectors.account_get_for
    submit_label = gettext_lazy("Reactivate")
    confirm_text = gettext_lazy("The account may log in again. Reactivate it?")
    success_message = gettext_lazy("The account was reactivated.")
    danger = False

    def perform(self, form: forms.Form) -> User:
        return administration.account_reactivate(actor=self.request.user, user_id=self.get_object().pk)  # type: ignore[arg-type]

    def success_url(self, result: User) -> str:
        return reverse("accounts:user_detail", args=[result.pk])


# --- roles ---------------------------------------------------------------------------------------


class RoleListView(ObjectListView):
    permissions = ("accounts.view_roleprofile",)
    title = gettext_lazy("Roles")
    selector = selectors.roles_for
    filterset_class = RoleFilterSet
    table_class = RoleTable
    export_basename = "roles"
    export_permissions = ("accounts.view_roleprofile", "accounts.export_roleprofile")
    create_url_name = "accounts:role_create"
    create_permissions = ("accounts.add_roleprofile",)
    create_label = gettext_lazy("New role")


class RoleDetailView(ObjectDetailView):
    permissions = ("accounts.view_roleprofile",)
    breadcrumbs = (ROLES,)
    getter = selectors.role_get_for
    template_name = "accounts/role_detail.html"
    fields = (
        (gettext_lazy("Name"), "name"),
        (gettext_lazy("Data scope"), "profile.get_data_scope_display"),
        (gettext_lazy("Description"), "profile.description"),
        (gettext_lazy("Accounts"), "holders"),
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        return {
            "tree": permission_tree(),
            "granted": set(obj.permissions.values_list("pk", flat=True)),
            "readonly": True,
            "can_edit": user.has_perm("accounts.change_roleprofile"),
            "can_delete": not obj.profile.builtin_key and user.has_perm("accounts.delete_roleprofile"),
        }


class _RoleFormMixin:
    template_name = "accounts/role_form.html"
    htmx_form = False

    def form_kwargs(self) -> dict[str, Any]:
        tree = permission_tree()
        self.tree = tree
        return {"permission_choices": [(p.id, p.key) for m in tree for o in m.objects for p in o.permissions]}

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        granted = {int(v) for v in (form["permissions"].value() or []) if str(v).isdigit()}
        context = self.base_context(  # type: ignore[attr-defined]
            form=form,
            submit_label=_("Save"),
            tree=self.tree,
            granted=granted,
            readonly=False,
            fixed=getattr(self, "fixed_role", False),
        )
        return render(self.request, self.template_name, context, status=status)  # type: ignore[attr-defined]


class RoleCreateView(_RoleFormMixin, ObjectCreateView):
    permissions = ("accounts.view_roleprofile", "accounts.add_roleprofile")
    title = gettext_lazy("New role")
    breadcrumbs = (ROLES,)
    form_class = RoleForm
    success_message = gettext_lazy("The role was created.")

    def perform(self, form: forms.Form) -> Group:
        data = form.cleaned_data
        return administration.role_create(
            actor=self.request.user,  # type: ignore[arg-type]
            name=data["name"],
            data_scope=data["data_scope"],
            description=data["description"],
            permission_ids=data["permissions"],
        )

    def success_url(self, result: Group) -> str:
        return reverse("accounts:role_detail", args=[result.pk])


class RoleEditView(_RoleFormMixin, ObjectEditView):
    permissions = ("accounts.view_roleprofile", "accounts.change_roleprofile")
    title = gettext_lazy("Edit role")
    breadcrumbs = (ROLES,)
    getter = selectors.role_get_for
    form_class = RoleForm
    success_message = gettext_lazy("The role was saved.")

    @property
    def fixed_role(self) -> bool:
        return self.get_object().profile.builtin_key in ADMIN_KEYS  # type: ignore[attr-defined]

    def initial(self, obj: Any) -> dict[str, Any]:
        return {
            "name": obj.name,
            "data_scope": obj.profile.data_scope,
            "description": obj.profile.description,
            "permissions": list(obj.permissions.values_list("pk", flat=True)),
        }

    def perform(self, form: forms.Form) -> Group:
        data = form.cleaned_data
        return administration.role_update(
            actor=self.request.user,  # type: ignore[arg-type]
            role_id=self.get_object().pk,
            name=data["name"],
            data_scope=data["data_scope"],
            description=data["description"],
            permission_ids=data["permissions"],
        )

    def success_url(self, result: Group) -> str:
        return reverse("accounts:role_detail", args=[result.pk])


class RoleDeleteView(ObjectDeleteView):
    permissions = ("accounts.view_roleprofile", "accounts.delete_roleprofile")
    title = gettext_lazy("Delete role")
    breadcrumbs = (ROLES,)
    getter = selectors.role_get_for
    confirm_text = gettext_lazy("Delete this role? Accounts must not hold it any more.")
    success_message = gettext_lazy("The role was deleted.")

    def perform(self, form: forms.Form) -> None:
        administration.role_delete(actor=self.request.user, role_id=self.get_object().pk)  # type: ignore[arg-type]

    def success_url(self, result: None) -> str:
        return reverse("accounts:role_list")
