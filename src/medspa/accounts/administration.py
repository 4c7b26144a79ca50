"""Services (writes) for login accounts and roles: PLT-03, PLT-04, PLT-05, SEC-07.

Token services live in ``services.py``; password, lock-out and policy services in ``security.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from medspa.accounts import security
from medspa.accounts.choices import DataScope
from medspa.accounts.models import ApiToken, RoleProfile, User, UserSession
from medspa.accounts.permissions import assignable_permission_ids
from medspa.accounts.roles import ADMIN_KEYS, PROTECTED_PERMISSIONS
from medspa.accounts.scope import actor_organisation_id, require_perm
from medspa.audit.choices import Result
from medspa.audit.services import audit_record, diff, snapshot
from medspa.core.errors import Conflict, NotFound, ValidationError
from medspa.organization.models import Branch, Staff

ACCOUNT_FIELDS = ("username", "display_name", "staff", "default_branch", "branches", "groups", "is_active")
ROLE_FIELDS = ("data_scope", "description")


def _account_snapshot(user: User) -> dict[str, object]:
    return snapshot(user, ACCOUNT_FIELDS)


def _locked_user(actor: User, user_id: int) -> User:
    user = (
        User.objects.select_for_update()
        .filter(pk=user_id, organisation_id=actor_organisation_id(actor), is_superuser=False)
        .first()
    )
    if user is None:
        raise NotFound()
    return user


def _clean_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise ValidationError(_("Enter a user name."), field="username")
    if len(username) > 150 or not all(ch.isalnum() or ch in "@.+-_" for ch in username):
        raise ValidationError(
            _("A user name has at most 150 letters, digits and @ . + - _ characters."), field="username"
        )
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("The user name %(name)s is taken.") % {"name": username}, field="username")
    return username


def _clean_staff(actor: User, staff_id: int | None, *, current: User | None = None) -> Staff | None:
    if staff_id is None:
        return None
    staff = Staff.objects.filter(pk=staff_id, organisation_id=actor_organisation_id(actor)).first()
    if staff is None:
        raise ValidationError(_("Choose a staff member of your organisation."), field="staff")
    holders = User.objects.filter(staff=staff)
    if current is not None:
        holders = holders.exclude(pk=current.pk)
    linked = holders.first()
    if linked is not None:
        raise ValidationError(
            _("%(staff)s already has the account %(user)s.") % {"staff": staff.name, "user": linked.username},
            field="staff",
        )
    return staff


def _clean_branches(
    actor: User, branch_ids: Iterable[int], default_branch_id: int | None
) -> tuple[list[Branch], Branch]:
    ids = set(branch_ids)
    branches = list(
        Branch.objects.filter(pk__in=ids, organisation_id=actor_organisation_id(actor), is_active=True)
    )
    if not ids or len(branches) != len(ids):
        raise ValidationError(_("Choose at least one active branch of your organisation."), field="branches")
    default = (
        next((b for b in branches if b.pk == default_branch_id), None) if default_branch_id else branches[0]
    )
    if default is None:
        raise ValidationError(
            _("The default branch must be one of the account's branches."), field="default_branch"
        )
    return branches, default


def roles_visible_q(actor: User) -> Q:
    """Built-in roles and the actor's organisation's own roles."""
    return Q(profile__organisation__isnull=True) | Q(profile__organisation_id=actor_organisation_id(actor))


class SeparationOfDuties(ValidationError):
    """A change that would break 三权分立 (SEC-07): refused like bad input, and recorded."""


def _records_refusals[**P, T](service: Callable[P, T]) -> Callable[P, T]:
    """Outside the service's transaction: an attempt to break the separation of duties leaves a
    denied row in the audit log although the service wrote nothing."""

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return service(*args, **kwargs)
        except SeparationOfDuties as exc:
            audit_record(
                actor=kwargs["actor"],
                module="accounts",
                action="denied",
                result=Result.DENIED,
                message=f"{service.__name__}: {exc.message}"[:300],
            )
            raise

    return wrapper


def _clean_roles(actor: User, role_ids: Iterable[int]) -> list[Group]:
    ids = set(role_ids)
    roles = list(Group.objects.filter(roles_visible_q(actor), pk__in=ids).select_related("profile"))
    if len(roles) != len(ids):
        raise ValidationError(_("Choose roles from the list."), field="roles")
    admin_roles = [g for g in roles if g.profile.builtin_key in ADMIN_KEYS]
    if len(admin_roles) > 1:
        raise SeparationOfDuties(
            _(
                "One account cannot hold two of the roles system administrator, security administrator "
                "and audit administrator (separation of duties)."
            ),
            field="roles",
        )
    return roles


def _active_system_admins() -> Q:
    return Q(is_active=True, groups__profile__builtin_key="system_admin")


def _ensure_system_admin_remains(user: User, *, losing: bool) -> None:
    """Refuse a change that leaves the organisation without an active system administrator."""
    if not losing:
        return
    others = (
        User.objects.filter(_active_system_admins(), organisation_id=actor_organisation_id(user))
        .exclude(pk=user.pk)
        .exists()
    )
    if not others:
        raise Conflict(_("This is the last active system administrator; appoint another one first."))


def _is_system_admin(user: User) -> bool:
    return user.groups.filter(profile__builtin_key="system_admin").exists()


@_records_refusals
@transaction.atomic(durable=True)
def account_create(
    *,
    actor: User,
    username: str,
    display_name: str,
    password: str,
    branch_ids: Iterable[int],
    default_branch_id: int | None = None,
    role_ids: Iterable[int] = (),
    staff_id: int | None = None,
) -> User:
    """Create a login account in the actor's organisation. The initial password must follow the
    security policy and is changed by the user at first login."""
    require_perm(actor, "accounts.add_user")
    username = _clean_username(username)
    staff = _clean_staff(actor, staff_id)
    branches, default = _clean_branches(actor, branch_ids, default_branch_id)
    roles = _clean_roles(actor, role_ids)
    user = User(
        username=username,
        display_name=(display_name or "").strip()[:100] or (staff.name if staff else ""),
        organisation_id=actor_organisation_id(actor),
        staff=staff,
        default_branch=default,
    )
    security.password_store(user, password, must_change=True)
    user.branches.set(branches)
    user.groups.set(roles)
    audit_record(
        actor=actor,
        module="accounts",
        action="create",
        obj=user,
        branch_id=default.pk,
        changes=diff({}, _account_snapshot(user)),
    )
    return user


@_records_refusals
@transaction.atomic(durable=True)
def account_update(
    *,
    actor: User,
    user_id: int,
    display_name: str,
    branch_ids: Iterable[int],
    default_branch_id: int | None,
    role_ids: Iterable[int],
    staff_id: int | None,
) -> User:
    require_perm(actor, "accounts.change_user")
    user = _locked_user(actor, user_id)
    before = _account_snapshot(user)
    staff = _clean_staff(actor, staff_id, current=user)
    branches, default = _clean_branches(actor, branch_ids, default_branch_id)
    roles = _clean_roles(actor, role_ids)
    keeps_admin = any(g.profile.builtin_key == "system_admin" for g in roles)
    _ensure_system_admin_remains(user, losing=user.is_active and _is_system_admin(user) and not keeps_admin)
    user.display_name = (display_name or "").strip()[:100]
    user.staff = staff
    user.default_branch = default
    user.save(update_fields=["display_name", "staff", "default_branch"])
    user.branches.set(branches)
    user.groups.set(roles)
    audit_record(
        actor=actor,
        module="accounts",
        action="update",
        obj=user,
        changes=diff(before, _account_snapshot(user)),
    )
    return user


def _end_sessions(user: User) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    deleted, _detail = UserSession.objects.filter(user=user).delete()
    return deleted


@transaction.atomic(durable=True)
def account_deactivate(*, actor: User, user_id: int) -> User:
    """Disable an account: it can no longer log in, its sessions end and its API tokens are revoked."""
    require_perm(actor, "accounts.delete_user")
    user = _locked_user(actor, user_id)
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    if not user.is_active:
        return user
    _ensure_system_admin_remains(user, losing=_is_system_admin(user))
    user.is_active = False
    user.save(update_fields=["is_active"])
    sessions = _end_sessions(user)
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        actor=actor,
        module="accounts",
        action="deactivate",
        obj=user,
        changes={"is_active": [True, False]},
        message=f"sessions={sessions} tokens={tokens}",
    )
    return user


@_records_refusals
@transaction.atomic(durable=True)
def account_reactivate(*, actor: User, user_id: int) -> User:
    require_perm(actor, "accounts.change_user")
    user = _locked_user(actor, user_id)
    if user.is_active:
        return user
    _clean_roles(actor, user.groups.values_list("pk", flat=True))
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor, module="accounts", action="reactivate", obj=user, changes={"is_active": [False, True]}
    )
    return user


@transaction.atomic(durable=True)
def account_password_reset(*, actor: User, user_id: int, password: str) -> User:
    """Set a new initial password (the user must change it at next login) and lift a lock-out."""
    require_perm(actor, "accounts.unlock_user")
    user = _locked_user(actor, user_id)
    security.password_store(user, password, must_change=True)
    if user.locked_until is not None or user.failed_login_count:
        user.locked_until = None
        user.failed_login_count = 0
        user.save(update_fields=["locked_until", "failed_login_count"])
    _end_sessions(user)
    audit_record(actor=actor, module="accounts", action="password_reset", obj=user)
    return user


# --- roles ---------------------------------------------------------------------------------------


def _clean_permissions(profile_key: str, permission_ids: Iterable[int]) -> list[Permission]:
    ids = set(permission_ids)
    if not ids <= assignable_permission_ids():
        raise ValidationError(_("Choose permissions from the tree."), field="permissions")
    perms = list(Permission.objects.filter(pk__in=ids).select_related("content_type"))
    for owner_key, protected in PROTECTED_PERMISSIONS.items():
        if owner_key == profile_key:
            continue
        if any(f"{p.content_type.app_label}.{p.codename}" in protected for p in perms):
            raise SeparationOfDuties(
                _("Security-policy and audit-log permissions belong only to their administrator roles."),
                field="permissions",
            )
    return perms


def _clean_role_name(actor: User, name: str, *, current: Group | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the role a name."), field="name")
    if len(name) > 150:
        raise ValidationError(_("The name may have at most 150 characters."), field="name")
    clash = Group.objects.filter(name=name)
    if current is not None:
        clash = clash.exclude(pk=current.pk)
    if clash.exists():
        raise ValidationError(_("A role named %(name)s exists already.") % {"name": name}, field="name")
    return name


def _fixed_role_message() -> str:
    return _("The administrator roles are fixed by separation of duties; only the description may change.")


def _clean_scope(value: int) -> DataScope:
    try:
        return DataScope(int(value))
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("Choose a data scope."), field="data_scope") from exc


def _role_snapshot(group: Group) -> dict[str, object]:
    data = snapshot(group.profile, ROLE_FIELDS)
    data["name"] = group.name
    data["permissions"] = sorted(
        f"{app}.{code}" for app, code in group.permissions.values_list("content_type__app_label", "codename")
    )
    return data


@_records_refusals
@transaction.atomic(durable=True)
def role_create(
    *, actor: User, name: str, data_scope: int, description: str = "", permission_ids: Iterable[int] = ()
) -> Group:
    """A role of the actor's organisation."""
    require_perm(actor, "accounts.add_roleprofile")
    name = _clean_role_name(actor, name)
    scope = _clean_scope(data_scope)
    perms = _clean_permissions("", permission_ids)
    group = Group.objects.create(name=name)
    RoleProfile.objects.create(
        group=group,
        organisation_id=actor_organisation_id(actor),
        data_scope=scope,
        description=(description or "").strip()[:200],
        created_by=actor,
        updated_by=actor,
    )
    group.permissions.set(perms)
    audit_record(
        actor=actor,
        module="accounts",
        action="role_create",
        obj=group,
        changes=diff({}, _role_snapshot(group)),
    )
    return group


@_records_refusals
@transaction.atomic(durable=True)
def role_update(
    *,
    actor: User,
    role_id: int,
    name: str,
    data_scope: int,
    description: str = "",
    permission_ids: Iterable[int] = (),
) -> Group:
    """Change a role's name, scope and permissions. The three administrator roles keep their fixed
    permissions and scope (only the description may change)."""
    require_perm(actor, "accounts.change_roleprofile")
    group = (
        Group.objects.select_for_update(of=("self",))  # the profile join is an outer join
        .filter(roles_visible_q(actor), pk=role_id)
        .select_related("profile")
        .first()
    )
    if group is None:
        raise NotFound()
    profile = group.profile
    before = _role_snapshot(group)
    perms = _clean_permissions(profile.builtin_key, permission_ids)
    scope = _clean_scope(data_scope)
    if profile.builtin_key in ADMIN_KEYS:
        current = set(group.permissions.values_list("pk", flat=True))
        if {p.pk for p in perms} != current or scope != profile.data_scope or name.strip() != group.name:
            raise ValidationError(
                _fixed_role_message(),
                field="permissions",
            )
    else:
        group.name = _clean_role_name(actor, name, current=group)
        group.save(update_fields=["name"])
        group.permissions.set(perms)
        profile.data_scope = scope
    profile.description = (description or "").strip()[:200]
    profile.updated_by = actor
    profile.save(update_fields=["data_scope", "description", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        module="accounts",
        action="role_update",
        obj=group,
        changes=diff(before, _role_snapshot(group)),
    )
    return group


@transaction.atomic(durable=True)
def role_delete(*, actor: User, role_id: int) -> None:
    """Delete an organisation's own role that no account holds; built-in roles stay."""
    require_perm(actor, "accounts.delete_roleprofile")
    group = (
        Group.objects.select_for_update(of=("self",))  # the profile join is an outer join
        .filter(roles_visible_q(actor), pk=role_id)
        .select_related("profile")
        .first()
    )
    if group is None:
        raise NotFound()
    if group.profile.builtin_key:
        raise ValidationError(_("Built-in roles cannot be deleted."))
    holders = group.user_set.count()
    if holders:
        raise Conflict(
            _("%(count)s accounts hold this role; take it away from them first.") % {"count": holders}
        )
    before = _role_snapshot(group)
    audit_record(
        actor=actor,
        module="accounts",
        action="role_delete",
        obj=group,
        changes=diff(before, {}),
        object_id=str(group.pk),
    )
    group.delete()


@transaction.atomic(durable=True)
def installation_admin_create(
    *,
    organisation_code: str,
    organisation_name: str,
    branch_code: str,
    branch_name: str,
    username: str,
    password: str,
) -> User:
    """First-run setup (``medspa manage create_admin``): the organisation, its first branch and a
    system administrator account. No superuser is ever needed (SEC-07). The password follows the
    default security policy and must be changed at the first login."""
    from medspa.accounts.roles import SYSTEM_ADMIN, ensure_builtin_roles
    from medspa.configuration.defaults import seed_defaults
    from medspa.organization.models import Organisation

    organisation, created = Organisation.objects.get_or_create(
        code=organisation_code, defaults={"name": organisation_name or organisation_code}
    )
    if created:
        seed_defaults(organisation)  # payment methods, visit flow … to start from
    branch, _created = Branch.objects.get_or_create(
        organisation=organisation, code=branch_code, defaults={"name": branch_name or branch_code}
    )
    username = _clean_username(username)
    roles = ensure_builtin_roles()
    user = User(username=username, display_name=str(roles[SYSTEM_ADMIN]), organisation=organisation)
    user.default_branch = branch
    security.password_store(user, password, must_change=True)
    user.branches.add(branch)
    user.groups.add(roles[SYSTEM_ADMIN])
    audit_record(
        actor=None,
        actor_name="system",
        module="accounts",
        action="create",
        obj=user,
        organisation_id=organisation.pk,
        branch_id=branch.pk,
        changes=diff({}, _account_snapshot(user)),
        message="installation administrator",
    )
    return user
