"""Account and role pages and endpoints: the permission matrix, forms, query counts."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.accounts.roles import AUDIT_ADMIN, SYSTEM_ADMIN
from medspa.audit.models import AuditEvent
from medspa.organization.models import Branch
from tests.factories import BranchFactory, OrganisationFactory, UserFactory, role_user

pytestmark = pytest.mark.django_db
GOOD = "Initial-Pass-42"


@pytest.fixture
def sysadmin(branch: Branch) -> User:
    return role_user(SYSTEM_ADMIN, username="admin1", branches=[branch])


@pytest.fixture
def target(branch: Branch) -> User:
    return UserFactory(username="target", display_name="目标", branches=[branch])


@pytest.fixture
def foreign(db: None) -> User:
    return UserFactory(
        username="foreign", branches=[BranchFactory(organisation=OrganisationFactory(code="far"))]
    )


def state(user: User) -> tuple:
    user.refresh_from_db()
    return (
        user.is_active,
        user.password,
        user.display_name,
        sorted(user.groups.values_list("pk", flat=True)),
    )


PAGES = [
    ("get", "accounts:user_list", False),
    ("get", "accounts:user_create", False),
    ("get", "accounts:user_detail", True),
    ("get", "accounts:user_edit", True),
    ("get", "accounts:user_password_reset", True),
    ("post", "accounts:user_deactivate", True),
    ("get", "accounts:role_list", False),
    ("get", "accounts:role_create", False),
]


def url(name: str, obj: User | None, with_pk: bool) -> str:
    return reverse(name, args=[obj.pk]) if with_pk else reverse(name)


@pytest.mark.req("PLT-03")
@pytest.mark.parametrize(("method", "name", "with_pk"), PAGES)
def test_pages_anonymous_redirects_to_login(
    client: Client, target: User, method: str, name: str, with_pk: bool
) -> None:
    before = state(target)
    response = getattr(client, method)(url(name, target, with_pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert state(target) == before


@pytest.mark.req("PLT-03")
@pytest.mark.parametrize(("method", "name", "with_pk"), PAGES)
def test_pages_without_permission_are_403_audited_and_change_nothing(
    logged_in, user: User, target: User, method: str, name: str, with_pk: bool
) -> None:
    before = state(target)
    response = getattr(logged_in(user), method)(url(name, target, with_pk))
    assert response.status_code == 403
    assert state(target) == before
    event = AuditEvent.objects.get(result="denied")
    assert (event.actor, event.module, event.action) == (user, "accounts", "denied")


@pytest.mark.req("PLT-03")
@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "accounts:user_detail"), ("get", "accounts:user_edit"), ("post", "accounts:user_deactivate")],
)
def test_pages_for_another_organisations_account_are_404(
    logged_in, sysadmin: User, foreign: User, method: str, name: str
) -> None:
    before = state(foreign)
    response = getattr(logged_in(sysadmin), method)(reverse(name, args=[foreign.pk]))
    assert response.status_code == 404
    assert state(foreign) == before


@pytest.mark.req("PLT-03")
def test_account_list_page_queries_and_content(
    logged_in, sysadmin: User, branch: Branch, django_assert_num_queries
) -> None:
    for i in range(5):
        UserFactory(username=f"staff{i}", branches=[branch]).groups.add(Group.objects.get(name="护士"))
    client = logged_in(sysadmin)
    client.get(reverse("accounts:user_list"))
    with django_assert_num_queries(11):  # incl. the role and branch choices of the filter bar
        response = client.get(reverse("accounts:user_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("护士") >= 5
    assert "staff4" in body
    response = client.get(reverse("accounts:user_list"), {"q": "staff3"})
    assert "staff3" in response.content.decode() and "staff4" not in response.content.decode()
    nurse = Group.objects.get(name="护士")
    body = client.get(reverse("accounts:user_list"), {"role": nurse.pk, "locked": "false"}).content.decode()
    assert f'<option value="{nurse.pk}" selected>护士</option>' in body
    assert "staff4" in body and reverse("accounts:user_detail", args=[sysadmin.pk]) not in body


@pytest.mark.req("PLT-03")
def test_create_account_page_then_detail(logged_in, sysadmin: User, branch: Branch) -> None:
    client = logged_in(sysadmin)
    consultant = Group.objects.get(name="咨询师")
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "newc",
            "display_name": "新咨询",
            "branches": [branch.pk],
            "roles": [consultant.pk],
            "password": GOOD,
        },
    )
    user = User.objects.get(username="newc")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    assert list(user.groups.all()) == [consultant]
    detail = client.get(response["Location"]).content.decode()
    assert "新咨询" in detail and "咨询师" in detail


@pytest.mark.req("SEC-07")
def test_create_account_page_shows_the_separation_error_and_writes_nothing(
    logged_in, sysadmin: User, branch: Branch
) -> None:
    client = logged_in(sysadmin)
    roles = [Group.objects.get(name=SYSTEM_ADMIN).pk, Group.objects.get(name=AUDIT_ADMIN).pk]
    response = client.post(
        reverse("accounts:user_create"),
        {"username": "twohats", "branches": [branch.pk], "roles": roles, "password": GOOD},
    )
    assert response.status_code == 422
    assert "三权分立" in response.content.decode() or "职责分离" in response.content.decode()
    assert not User.objects.filter(username="twohats").exists()


@pytest.mark.req("PLT-03")
def test_deactivate_and_reset_pages(logged_in, sysadmin: User, target: User) -> None:
    client = logged_in(sysadmin)
    response = client.post(reverse("accounts:user_password_reset", args=[target.pk]), {"password": GOOD})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password(GOOD) and target.must_change_password
    response = client.post(reverse("accounts:user_deactivate", args=[target.pk]))
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_active is False


@pytest.mark.req("PLT-04")
def test_role_pages_show_the_permission_tree_in_chinese(logged_in, sysadmin: User) -> None:
    client = logged_in(sysadmin)
    role = Group.objects.get(name="咨询师")
    body = client.get(reverse("accounts:role_detail", args=[role.pk])).content.decode()
    assert 'data-testid="permission-tree"' in body
    assert "查看" in body and "导出" in body
    response = client.get(reverse("accounts:role_edit", args=[role.pk]))
    assert response.status_code == 200
    assert 'name="permissions"' in response.content.decode()


@pytest.mark.req("PLT-04")
def test_role_edit_page_saves_the_tree(logged_in, sysadmin: User) -> None:
    from django.contrib.auth.models import Permission

    client = logged_in(sysadmin)
    role = Group.objects.get(name="咨询师")
    view_staff = Permission.objects.get(codename="view_staff")
    response = client.post(
        reverse("accounts:role_edit", args=[role.pk]),
        {
            "name": "咨询师",
            "data_scope": DataScope.DEPARTMENT,
            "description": "",
            "permissions": [view_staff.pk],
        },
    )
    assert response.status_code == 302
    assert list(role.permissions.all()) == [view_staff]
    role.profile.refresh_from_db()
    assert role.profile.data_scope == DataScope.DEPARTMENT


@pytest.mark.req("PLT-04")
def test_role_list_page_queries(logged_in, sysadmin: User, django_assert_num_queries) -> None:
    client = logged_in(sysadmin)
    client.get(reverse("accounts:role_list"))
    with django_assert_num_queries(7):
        response = client.get(reverse("accounts:role_list"))
    assert response.content.decode().count("accounts/roles/") >= 13


# --- API -------------------------------------------------------------------------------------------


@pytest.mark.req("PLT-03")
def test_api_user_matrix(
    client: Client, logged_in, user: User, sysadmin: User, target: User, foreign: User
) -> None:
    assert client.get("/api/v1/users").status_code == 401
    before = state(target)
    plain = logged_in(user)
    assert plain.get("/api/v1/users").status_code == 403
    assert plain.post(f"/api/v1/users/{target.pk}/deactivate").status_code == 403
    assert state(target) == before
    admin = logged_in(sysadmin)
    assert admin.get(f"/api/v1/users/{foreign.pk}").status_code == 404
    assert admin.post(f"/api/v1/users/{foreign.pk}/deactivate").status_code == 404
    assert state(foreign)[0] is True
    response = admin.post(f"/api/v1/users/{target.pk}/deactivate")
    assert response.status_code == 200
    assert response.json()["is_active"] is False


@pytest.mark.req("PLT-03")
def test_api_user_create_and_bad_input(logged_in, sysadmin: User, branch: Branch) -> None:
    client = logged_in(sysadmin)
    nurse = Group.objects.get(name="护士")
    body = {"username": "apinurse", "password": GOOD, "branch_ids": [branch.pk], "role_ids": [nurse.pk]}
    response = client.post("/api/v1/users", json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    data = response.json()
    assert (data["username"], data["branch_ids"], data["roles"]) == (
        "apinurse",
        [branch.pk],
        [{"id": nurse.pk, "name": "护士"}],
    )
    assert data["must_change_password"] is True
    response = client.post("/api/v1/users", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "username"
    assert User.objects.filter(username="apinurse").count() == 1


@pytest.mark.req("PLT-03")
def test_api_user_list_queries(logged_in, sysadmin: User, branch: Branch, django_assert_num_queries) -> None:
    for i in range(5):
        UserFactory(username=f"u{i}", branches=[branch]).groups.add(Group.objects.get(name="护士"))
    client = logged_in(sysadmin)
    client.get("/api/v1/users")
    with django_assert_num_queries(10):
        response = client.get("/api/v1/users?q=u")
    body = response.json()
    assert body["count"] == 5
    nurse = Group.objects.get(name="护士").pk
    assert client.get(f"/api/v1/users?role={nurse}&is_active=true").json()["count"] == 5
    assert client.get(f"/api/v1/users?role={nurse}&is_active=false").json()["count"] == 0
    other_org_role = Group.objects.create(name="别家角色")
    response = client.get(f"/api/v1/users?role={other_org_role.pk}")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "role"
    assert sorted(item["username"] for item in body["items"]) == ["u0", "u1", "u2", "u3", "u4"]


@pytest.mark.req("PLT-04")
def test_api_roles(logged_in, user: User, sysadmin: User, django_assert_num_queries) -> None:
    assert logged_in(user).get("/api/v1/roles").status_code == 403
    client = logged_in(sysadmin)
    client.get("/api/v1/roles")
    with django_assert_num_queries(8):
        response = client.get("/api/v1/roles")
    names = [item["name"] for item in response.json()["items"]]
    assert names[:3] == [SYSTEM_ADMIN, "安全管理员", AUDIT_ADMIN]
    body = {"name": "前台主管", "data_scope": 3, "permissions": ["organization.view_staff"]}
    response = client.post("/api/v1/roles", json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    assert response.json()["permissions"] == ["organization.view_staff"]
    bad = {"name": "坏角色", "data_scope": 1, "permissions": ["audit.view_auditevent"]}
    response = client.post("/api/v1/roles", json.dumps(bad), content_type="application/json")
    assert response.status_code == 422
    assert not Group.objects.filter(name="坏角色").exists()
    tree = client.get("/api/v1/permissions").json()
    assert [m["app_label"] for m in tree] == ["organization", "accounts", "configuration", "audit"]


@pytest.mark.req("PLT-05")
def test_token_requests_choose_their_branch_with_a_header(
    client: Client, branch: Branch, other_branch: Branch
) -> None:
    from medspa.accounts.models import RoleProfile
    from medspa.accounts.services import _issue
    from medspa.organization.models import Staff

    for b, no in ((branch, "M1"), (other_branch, "E1")):
        Staff.objects.create(organisation=b.organisation, branch=b, employee_no=no, name=no)
    reader = UserFactory(
        username="reader", branches=[branch, other_branch], perms=["organization.view_staff"]
    )
    RoleProfile.objects.create(group=reader.groups.get(), data_scope=DataScope.BRANCH)
    secret = _issue(user=reader, name="t", days=1).secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    default = client.get("/api/v1/staff", **auth).json()
    assert [s["employee_no"] for s in default["items"]] == ["M1"]
    east = client.get("/api/v1/staff", HTTP_X_BRANCH=str(other_branch.pk), **auth).json()
    assert [s["employee_no"] for s in east["items"]] == ["E1"]
    stranger = BranchFactory(organisation=branch.organisation)
    fallback = client.get("/api/v1/staff", HTTP_X_BRANCH=str(stranger.pk), **auth).json()
    assert [s["employee_no"] for s in fallback["items"]] == ["M1"]
