"""Accounts and roles: services, separation of duties (SEC-07), data scope (PLT-05)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.backends.db import SessionStore

from medspa.accounts import administration
from medspa.accounts.choices import DataScope
from medspa.accounts.models import ApiToken, RoleProfile, User, UserSession
from medspa.accounts.roles import AUDIT_ADMIN, SECURITY_ADMIN, SYSTEM_ADMIN
from medspa.accounts.scope import effective_scope, scope_queryset
from medspa.audit.models import AuditEvent
from medspa.configuration.choices import DictionaryKind
from medspa.configuration.models import DictionaryItem, VisitStage
from medspa.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from medspa.organization.models import Branch, Department, Staff
from tests.factories import BranchFactory, OrganisationFactory, UserFactory, role_user

GOOD = "Initial-Pass-42"


def perm_id(key: str) -> int:
    app_label, codename = key.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename).pk


def role(name: str) -> Group:
    return Group.objects.get(name=name)


@pytest.fixture
def sysadmin(branch: Branch) -> User:
    return role_user(SYSTEM_ADMIN, username="admin1", branches=[branch])


def make_staff(branch: Branch, no: str, department: Department | None = None) -> Staff:
    return Staff.objects.create(
        organisation=branch.organisation,
        branch=branch,
        employee_no=no,
        name=f"员工{no}",
        department=department,
    )


@pytest.mark.req("PLT-03")
def test_account_create_links_staff_branches_roles_and_audits(sysadmin: User, branch: Branch) -> None:
    staff = make_staff(branch, "E0100")
    user = administration.account_create(
        actor=sysadmin,
        username="li.consult",
        display_name="",
        password=GOOD,
        branch_ids=[branch.pk],
        role_ids=[role("咨询师").pk],
        staff_id=staff.pk,
    )
    user.refresh_from_db()
    assert user.display_name == "员工E0100"
    assert user.staff == staff
    assert user.organisation_id == branch.organisation_id
    assert user.default_branch == branch
    assert list(user.branches.all()) == [branch]
    assert list(user.groups.values_list("name", flat=True)) == ["咨询师"]
    assert user.must_change_password is True
    assert user.check_password(GOOD)
    event = AuditEvent.objects.get(action="create", module="accounts")
    assert event.actor == sysadmin
    assert event.object_id == str(user.pk)
    assert event.changes["username"] == [None, "li.consult"]
    assert event.changes["groups"] == [None, [role("咨询师").pk]]


@pytest.mark.req("PLT-03")
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "admin1"}, "username"),
        ({"username": "bad name!"}, "username"),
        ({"branch_ids": []}, "branches"),
        ({"password": "short"}, "password"),
    ],
)
def test_account_create_bad_input_writes_nothing(
    sysadmin: User, branch: Branch, overrides: dict, field: str
) -> None:
    kwargs = {
        "username": "newbie",
        "display_name": "新人",
        "password": GOOD,
        "branch_ids": [branch.pk],
        "role_ids": [],
    } | overrides
    before = User.objects.count()
    with pytest.raises(ValidationError) as exc:
        administration.account_create(actor=sysadmin, **kwargs)
    assert exc.value.field == field
    assert User.objects.count() == before
    assert not AuditEvent.objects.filter(action="create").exists()


@pytest.mark.req("PLT-03")
def test_account_create_refuses_a_branch_or_staff_of_another_organisation(sysadmin: User) -> None:
    foreign = BranchFactory(organisation=OrganisationFactory(code="other"))
    with pytest.raises(ValidationError) as exc:
        administration.account_create(
            actor=sysadmin, username="x1", display_name="", password=GOOD, branch_ids=[foreign.pk]
        )
    assert exc.value.field == "branches"
    foreign_staff = make_staff(foreign, "F1")
    with pytest.raises(ValidationError) as exc:
        administration.account_create(
            actor=sysadmin,
            username="x1",
            display_name="",
            password=GOOD,
            branch_ids=[sysadmin.default_branch_id],
            staff_id=foreign_staff.pk,
        )
    assert exc.value.field == "staff"
    assert not User.objects.filter(username="x1").exists()


@pytest.mark.req("SEC-07")
@pytest.mark.parametrize(
    ("first", "second"),
    [(SYSTEM_ADMIN, AUDIT_ADMIN), (SECURITY_ADMIN, AUDIT_ADMIN), (SYSTEM_ADMIN, SECURITY_ADMIN)],
)
def test_one_account_never_holds_two_admin_roles(
    sysadmin: User, branch: Branch, first: str, second: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        administration.account_create(
            actor=sysadmin,
            username="double",
            display_name="",
            password=GOOD,
            branch_ids=[branch.pk],
            role_ids=[role(first).pk, role(second).pk],
        )
    assert exc.value.field == "roles"
    assert "三权分立" in exc.value.message
    assert not User.objects.filter(username="double").exists()
    refusal = AuditEvent.objects.get(action="denied")
    assert (refusal.actor_id, refusal.module, refusal.result) == (sysadmin.pk, "accounts", "denied")
    assert refusal.message.startswith("account_create: ") and "三权分立" in refusal.message
    target = UserFactory(username="target", branches=[branch])
    target.groups.add(role(first))
    with pytest.raises(ValidationError):
        administration.account_update(
            actor=sysadmin,
            user_id=target.pk,
            display_name="",
            branch_ids=[branch.pk],
            default_branch_id=branch.pk,
            role_ids=[role(first).pk, role(second).pk],
            staff_id=None,
        )
    assert list(target.groups.values_list("name", flat=True)) == [first]
    assert AuditEvent.objects.filter(action="denied", message__startswith="account_update: ").count() == 1


@pytest.mark.req("SEC-07")
def test_the_last_system_admin_cannot_be_deactivated_or_demoted(sysadmin: User, branch: Branch) -> None:
    other = role_user(SYSTEM_ADMIN, username="admin2", branches=[branch])
    administration.account_deactivate(actor=sysadmin, user_id=other.pk)
    other.refresh_from_db()
    assert other.is_active is False
    # sysadmin is now the last active one: another actor cannot deactivate or demote it
    helper = UserFactory(
        username="helper", branches=[branch], perms=["accounts.delete_user", "accounts.change_user"]
    )
    with pytest.raises(Conflict):
        administration.account_deactivate(actor=helper, user_id=sysadmin.pk)
    with pytest.raises(Conflict):
        administration.account_update(
            actor=helper,
            user_id=sysadmin.pk,
            display_name="x",
            branch_ids=[branch.pk],
            default_branch_id=branch.pk,
            role_ids=[],
            staff_id=None,
        )
    sysadmin.refresh_from_db()
    assert sysadmin.is_active is True
    assert list(sysadmin.groups.values_list("name", flat=True)) == [SYSTEM_ADMIN]


@pytest.mark.req("PLT-03")
def test_deactivate_ends_sessions_and_revokes_tokens(sysadmin: User, branch: Branch) -> None:
    target = UserFactory(username="leaver", branches=[branch])
    store = SessionStore()
    store["x"] = 1
    store.create()
    UserSession.objects.create(
        user=target, session_key=store.session_key, last_seen_at="2026-11-23T09:00+08:00"
    )
    from medspa.accounts.services import _issue

    _issue(user=target, name="t", days=1)
    administration.account_deactivate(actor=sysadmin, user_id=target.pk)
    assert not SessionStore().exists(store.session_key)
    assert UserSession.objects.filter(user=target).count() == 0
    assert ApiToken.objects.get(user=target).revoked_at is not None
    event = AuditEvent.objects.get(action="deactivate")
    assert event.changes == {"is_active": [True, False]}
    assert event.message == "sessions=1 tokens=1"
    with pytest.raises(ValidationError):
        administration.account_deactivate(actor=sysadmin, user_id=sysadmin.pk)


@pytest.mark.req("PLT-03")
def test_password_reset_forces_change_and_unlocks(sysadmin: User, branch: Branch) -> None:
    target = UserFactory(username="forgetful", branches=[branch])
    User.objects.filter(pk=target.pk).update(failed_login_count=5, locked_until="2099-01-01T00:00+08:00")
    administration.account_password_reset(actor=sysadmin, user_id=target.pk, password=GOOD)
    target.refresh_from_db()
    assert target.check_password(GOOD)
    assert target.must_change_password is True
    assert (target.failed_login_count, target.locked_until) == (0, None)
    assert AuditEvent.objects.get(action="password_reset").object_id == str(target.pk)


@pytest.mark.req("PLT-03")
def test_account_services_refuse_without_permission_or_outside_the_organisation(
    user: User, sysadmin: User
) -> None:
    with pytest.raises(PermissionDenied):
        administration.account_create(actor=user, username="z", display_name="", password=GOOD, branch_ids=[])
    with pytest.raises(PermissionDenied):
        administration.account_deactivate(actor=user, user_id=sysadmin.pk)
    foreign = UserFactory(
        username="foreigner", branches=[BranchFactory(organisation=OrganisationFactory(code="x"))]
    )
    with pytest.raises(NotFound):
        administration.account_deactivate(actor=sysadmin, user_id=foreign.pk)
    foreign.refresh_from_db()
    assert foreign.is_active is True
    assert sysadmin.is_active is True


# --- roles -----------------------------------------------------------------------------------------


@pytest.mark.req("PLT-04")
def test_role_create_update_delete(sysadmin: User) -> None:
    group = administration.role_create(
        actor=sysadmin,
        name="前台主管",
        data_scope=DataScope.BRANCH,
        description="前台",
        permission_ids=[perm_id("organization.view_staff"), perm_id("organization.export_staff")],
    )
    assert group.profile.organisation_id == sysadmin.organisation_id
    assert group.profile.data_scope == DataScope.BRANCH
    assert sorted(group.permissions.values_list("codename", flat=True)) == ["export_staff", "view_staff"]
    administration.role_update(
        actor=sysadmin,
        role_id=group.pk,
        name="前台组长",
        data_scope=DataScope.DEPARTMENT,
        permission_ids=[perm_id("organization.view_staff")],
    )
    group.refresh_from_db()
    assert group.name == "前台组长"
    assert group.profile.data_scope == DataScope.DEPARTMENT
    event = AuditEvent.objects.get(action="role_update")
    assert event.changes == {
        "data_scope": [3, 2],
        "description": ["前台", ""],
        "name": ["前台主管", "前台组长"],
        "permissions": [
            ["organization.export_staff", "organization.view_staff"],
            ["organization.view_staff"],
        ],
    }
    administration.role_delete(actor=sysadmin, role_id=group.pk)
    assert not Group.objects.filter(pk=group.pk).exists()
    assert AuditEvent.objects.get(action="role_delete").changes["name"] == ["前台组长", None]


@pytest.mark.req("SEC-07")
def test_audit_and_security_permissions_stay_with_their_admin_roles(sysadmin: User) -> None:
    for perm in ("audit.view_auditevent", "accounts.change_securitypolicy"):
        with pytest.raises(ValidationError) as exc:
            administration.role_create(
                actor=sysadmin, name=f"r-{perm}", data_scope=DataScope.OWN, permission_ids=[perm_id(perm)]
            )
        assert exc.value.field == "permissions"
    with pytest.raises(ValidationError):
        administration.role_update(
            actor=sysadmin,
            role_id=role(SYSTEM_ADMIN).pk,
            name=SYSTEM_ADMIN,
            data_scope=DataScope.ORGANISATION,
            permission_ids=[perm_id("audit.view_auditevent")],
        )
    assert not role(SYSTEM_ADMIN).permissions.filter(codename="view_auditevent").exists()
    assert not Group.objects.filter(name__startswith="r-").exists()
    assert AuditEvent.objects.filter(action="denied", message__startswith="role_create: ").count() == 2


@pytest.mark.req("SEC-07")
def test_builtin_roles_are_separated(db: None) -> None:
    def perms(name: str) -> set[str]:
        return {
            f"{a}.{c}" for a, c in role(name).permissions.values_list("content_type__app_label", "codename")
        }

    assert "audit.view_auditevent" not in perms(SYSTEM_ADMIN)
    assert "accounts.change_securitypolicy" not in perms(SYSTEM_ADMIN)
    assert perms(AUDIT_ADMIN) == {"audit.view_auditevent", "audit.export_auditevent"}
    assert "accounts.change_securitypolicy" in perms(SECURITY_ADMIN)
    assert not any(p.startswith(("organization.", "configuration.", "audit.")) for p in perms(SECURITY_ADMIN))
    assert "accounts.add_user" in perms(SYSTEM_ADMIN)
    assert RoleProfile.objects.get(group__name=SYSTEM_ADMIN).builtin_key == "system_admin"


@pytest.mark.req("PLT-04")
def test_builtin_role_cannot_be_deleted_and_held_role_neither(sysadmin: User, branch: Branch) -> None:
    with pytest.raises(ValidationError):
        administration.role_delete(actor=sysadmin, role_id=role("咨询师").pk)
    group = administration.role_create(actor=sysadmin, name="临时", data_scope=DataScope.OWN)
    UserFactory(branches=[branch]).groups.add(group)
    with pytest.raises(Conflict):
        administration.role_delete(actor=sysadmin, role_id=group.pk)
    assert Group.objects.filter(pk=group.pk).exists()


# --- data scope ------------------------------------------------------------------------------------


@pytest.fixture
def world(branch: Branch, other_branch: Branch) -> dict[str, object]:
    """Two branches; in the main branch a department tree 美容科 → 注射组 and a sibling 客服部."""
    beauty = Department.objects.create(branch=branch, code="beauty", name="美容科")
    injection = Department.objects.create(branch=branch, code="inj", name="注射组", parent=beauty)
    service = Department.objects.create(branch=branch, code="svc", name="客服部")
    east = Department.objects.create(branch=other_branch, code="beauty", name="东区美容科")
    return {
        "me": make_staff(branch, "S1", beauty),
        "child": make_staff(branch, "S2", injection),
        "sibling": make_staff(branch, "S3", service),
        "east": make_staff(other_branch, "S4", east),
        "foreign": make_staff(BranchFactory(organisation=OrganisationFactory(code="far")), "S5"),
    }


def scoped_user(branch: Branch, other_branch: Branch, staff: Staff, *scopes: DataScope) -> User:
    user = UserFactory(username=f"u{len(scopes)}{scopes[0]}", branches=[branch, other_branch], staff=staff)
    for index, scope in enumerate(scopes):
        group = Group.objects.create(name=f"scope-{user.username}-{index}")
        RoleProfile.objects.create(group=group, data_scope=scope)
        user.groups.add(group)
    return user


def visible(user: User) -> list[str]:
    qs = scope_queryset(Staff.objects.all(), user, department="department", owner="user")
    return sorted(qs.values_list("employee_no", flat=True))


@pytest.mark.req("PLT-05")
@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (DataScope.OWN, ["S1"]),
        (DataScope.DEPARTMENT, ["S1", "S2"]),
        (DataScope.BRANCH, ["S1", "S2", "S3"]),
        (DataScope.ORGANISATION, ["S1", "S2", "S3", "S4"]),
    ],
)
def test_each_scope_level(
    world: dict, branch: Branch, other_branch: Branch, scope: DataScope, expected: list[str]
) -> None:
    user = scoped_user(branch, other_branch, world["me"], scope)
    assert visible(user) == expected


@pytest.mark.req("PLT-05")
def test_effective_scope_is_the_widest_role(world: dict, branch: Branch, other_branch: Branch) -> None:
    user = scoped_user(
        branch, other_branch, world["me"], DataScope.OWN, DataScope.BRANCH, DataScope.DEPARTMENT
    )
    assert effective_scope(user) == DataScope.BRANCH
    assert visible(user) == ["S1", "S2", "S3"]


@pytest.mark.req("PLT-05")
def test_branch_scope_follows_the_active_branch(world: dict, branch: Branch, other_branch: Branch) -> None:
    user = scoped_user(branch, other_branch, world["me"], DataScope.BRANCH)
    user.active_branch_id = other_branch.pk
    assert visible(user) == ["S4"]


@pytest.mark.req("PLT-05")
def test_no_scope_for_anonymous_inactive_or_organisationless_users(
    world: dict, branch: Branch, other_branch: Branch
) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert scope_queryset(Staff.objects.all(), AnonymousUser()).count() == 0
    user = scoped_user(branch, other_branch, world["me"], DataScope.ORGANISATION)
    user.is_active = False
    assert visible(user) == []
    loose = UserFactory(username="loose")
    RoleProfile.objects.create(group=Group.objects.create(name="g-loose"), data_scope=DataScope.ORGANISATION)
    loose.groups.add(Group.objects.get(name="g-loose"))
    assert visible(loose) == []


@pytest.mark.req("SEC-07")
def test_create_admin_command_makes_a_system_admin_not_a_superuser(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.management import call_command

    monkeypatch.setenv("MEDSPA_ADMIN_PASSWORD", GOOD)
    call_command(
        "create_admin", "--organisation-code", "h1", "--organisation-name", "一院", "--branch-code", "main"
    )
    admin = User.objects.get(username="sysadmin")
    assert admin.is_superuser is False
    assert admin.organisation.name == "一院"
    assert [g.name for g in admin.groups.all()] == [SYSTEM_ADMIN]
    assert admin.must_change_password is True
    assert admin.has_perm("accounts.add_user") and not admin.has_perm("audit.view_auditevent")
    event = AuditEvent.objects.get(module="accounts", action="create")
    assert (event.actor_id, event.actor_name) == (None, "system")
    # the new organisation starts from the default dictionaries and visit flow
    stages = VisitStage.objects.filter(organisation=admin.organisation).order_by("order")
    assert [s.name for s in stages] == ["到院", "分诊", "咨询", "面诊", "收费", "治疗", "离院"]
    assert DictionaryItem.objects.filter(
        organisation=admin.organisation, kind=DictionaryKind.PAYMENT_METHOD, name="微信"
    ).exists()
