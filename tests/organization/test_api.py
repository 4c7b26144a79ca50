"""The organisation API: /branches, /departments, /positions, /staff."""

import json

import pytest
from django.utils.translation import gettext

from medspa.accounts import services as account_services
from medspa.accounts.choices import DataScope
from medspa.organization.models import Branch, Department, Position, Staff
from tests.organization.conftest import org_writes
from tests.organization.factories import (
    DepartmentFactory,
    PositionFactory,
    StaffFactory,
    model_perms,
    scoped_user,
)

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
RESOURCES = {"branch": "branches", "department": "departments", "position": "positions", "staff": "staff"}


def bearer(user):
    """Authorization header with a fresh token of ``user`` (who holds accounts.add_apitoken)."""
    secret = account_services.api_token_create(actor=user, name="t", days=1).secret
    return {"Authorization": f"Bearer {secret}"}


def send(client, method, url, body=None, headers=None):
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers or {},
    )


@pytest.fixture
def objects(branch, other_branch, foreign_branch, aesthetics, doctor):
    return {
        "branch": (branch, foreign_branch),
        "department": (aesthetics, DepartmentFactory(branch=other_branch, code="east-dept")),
        "position": (doctor, PositionFactory(organisation=foreign_branch.organisation, code="foreign")),
        "staff": (
            StaffFactory(
                branch=branch, employee_no="E0001", name="张医生", department=aesthetics, positions=[doctor]
            ),
            StaffFactory(branch=other_branch, employee_no="E0002", name="东区护士"),
        ),
    }


def state(obj):
    obj.refresh_from_db()
    return (obj.name, obj.is_active)


@pytest.mark.req("PLT-01", "PLT-02", "PLT-05")
@pytest.mark.parametrize("model", list(RESOURCES))
def test_endpoint_matrix(client, branch, objects, model):
    resource = RESOURCES[model]
    mine, out_of_reach = objects[model]
    before = (state(mine), state(out_of_reach), org_writes())
    calls = [
        ("get", f"/api/v1/{resource}", None),
        ("post", f"/api/v1/{resource}", {"code": "zz", "name": "zz", "employee_no": "Z1"}),
        ("get", f"/api/v1/{resource}/{mine.pk}", None),
        ("patch", f"/api/v1/{resource}/{mine.pk}", {"name": "改名"}),
        ("post", f"/api/v1/{resource}/{mine.pk}/deactivate", None),
    ]
    for method, url, body in calls:
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), url
    no_perm = bearer(scoped_user(branch, ["accounts.add_apitoken"], DataScope.ORGANISATION))
    for method, url, body in calls:
        response = send(client, method, url, body, no_perm)
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied"), url
    allowed = bearer(scoped_user(branch, [*model_perms(model), "accounts.add_apitoken"], DataScope.BRANCH))
    for method, url, body in [
        ("get", f"/api/v1/{resource}/{out_of_reach.pk}", None),
        ("patch", f"/api/v1/{resource}/{out_of_reach.pk}", {"name": "改名"}),
        ("post", f"/api/v1/{resource}/{out_of_reach.pk}/deactivate", None),
        ("get", f"/api/v1/{resource}/-1", None),
    ]:
        response = send(client, method, url, body, allowed)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), url
    assert (state(mine), state(out_of_reach), org_writes()) == before
    response = send(client, "get", f"/api/v1/{resource}/{mine.pk}", None, allowed)
    assert (response.status_code, response.json()["id"]) == (200, mine.pk)


@pytest.mark.req("PLT-02")
def test_staff_list_shape_and_filters(client, branch, other_branch, objects, aesthetics, doctor, nurse):
    injection = DepartmentFactory(branch=branch, parent=aesthetics, code="injection")
    StaffFactory(
        branch=branch,
        employee_no="E0003",
        name="李护士",
        phone="13900139000",
        department=injection,
        positions=[nurse],
    )
    StaffFactory(branch=branch, employee_no="E0004", name="离职者", is_active=False)
    headers = bearer(scoped_user(branch, [*model_perms("staff"), "accounts.add_apitoken"], DataScope.BRANCH))
    body = client.get("/api/v1/staff", headers=headers).json()
    first = objects["staff"][0]
    assert body["count"] == 3
    assert body["items"][0] == {
        "id": first.pk,
        "employee_no": "E0001",
        "name": "张医生",
        "phone": "",
        "branch_id": branch.pk,
        "department_id": aesthetics.pk,
        "position_ids": [doctor.pk],
        "hire_date": None,
        "is_active": True,
        "user_id": None,
    }

    def numbers(**params):
        response = client.get("/api/v1/staff", params, headers=headers)
        assert response.status_code == 200, response.content
        return [item["employee_no"] for item in response.json()["items"]]

    assert numbers(q="139-0013") == ["E0003"]
    assert numbers(is_active="false") == ["E0004"]
    assert numbers(department=injection.pk) == ["E0003"]
    assert numbers(position=nurse.pk) == ["E0003"]
    assert numbers(branch=branch.pk, limit=1, offset=1) == ["E0003"]
    assert numbers(branch=other_branch.pk) == []
    # a department of another branch is no valid choice for a branch-scoped user
    east = DepartmentFactory(branch=other_branch)
    response = client.get("/api/v1/staff", {"department": east.pk}, headers=headers)
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
    assert response.json()["errors"][0]["field"] == "department"
    response = client.get("/api/v1/staff", {"is_active": "maybe"}, headers=headers)
    assert response.status_code == 422


@pytest.mark.req("PLT-02")
def test_staff_create_patch_deactivate(client, branch, aesthetics, doctor, nurse):
    headers = bearer(scoped_user(branch, [*model_perms("staff"), "accounts.add_apitoken"], DataScope.BRANCH))
    response = send(
        client,
        "post",
        "/api/v1/staff",
        {
            "employee_no": "E0100",
            "name": "王护士",
            "phone": "138 0013 8000",
            "department_id": aesthetics.pk,
            "position_ids": [nurse.pk, doctor.pk],
            "hire_date": "2025-03-01",
        },
        headers,
    )
    assert response.status_code == 201
    staff = Staff.objects.get()
    assert response.json() == {
        "id": staff.pk,
        "employee_no": "E0100",
        "name": "王护士",
        "phone": "13800138000",
        "branch_id": branch.pk,
        "department_id": aesthetics.pk,
        "position_ids": sorted([doctor.pk, nurse.pk]),
        "hire_date": "2025-03-01",
        "is_active": True,
        "user_id": None,
    }
    response = send(
        client,
        "patch",
        f"/api/v1/staff/{staff.pk}",
        {"name": "王护士长", "position_ids": [nurse.pk]},
        headers,
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["position_ids"], response.json()["phone"]) == (
        "王护士长",
        [nurse.pk],
        "13800138000",
    )
    response = send(client, "post", f"/api/v1/staff/{staff.pk}/deactivate", None, headers)
    assert (response.status_code, response.json()["is_active"]) == (200, False)
    assert org_writes() == 3


@pytest.mark.req("PLT-02")
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"employee_no": "E0001"}, "employee_no", ("Employee no %(no)s is already in use.", {"no": "E0001"})),
        (
            {"phone": "1380013800"},
            "phone",
            ("Enter a mobile number (11 digits starting with 1) or a landline such as 010-12345678.", {}),
        ),
        ({"department_id": -1}, "department", ("That department does not exist.", {})),
        ({"position_ids": [-1]}, "positions", ("One of the positions does not exist.", {})),
    ],
)
def test_staff_bad_input_is_a_422_problem(client, branch, objects, body, field, message):
    headers = bearer(scoped_user(branch, [*model_perms("staff"), "accounts.add_apitoken"], DataScope.BRANCH))
    before = (Staff.objects.count(), org_writes())
    response = send(
        client, "post", "/api/v1/staff", {"employee_no": "E0100", "name": "新人", **body}, headers
    )
    text, params = message
    expected = gettext(text) % params if params else gettext(text)
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
    assert response.json()["errors"] == [{"field": field, "message": expected}]
    assert (Staff.objects.count(), org_writes()) == before


@pytest.mark.req("PLT-02", "PLT-05")
def test_staff_of_another_branch_cannot_be_created_by_branch_scope(client, branch, other_branch):
    headers = bearer(scoped_user(branch, [*model_perms("staff"), "accounts.add_apitoken"], DataScope.BRANCH))
    response = send(
        client,
        "post",
        "/api/v1/staff",
        {"employee_no": "E1", "name": "x", "branch_id": other_branch.pk},
        headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "branch"
    assert Staff.objects.count() == 0


@pytest.mark.req("PLT-01")
def test_branch_department_position_endpoints(client, branch, other_branch, aesthetics):
    headers = bearer(
        scoped_user(
            branch,
            [
                *model_perms("branch"),
                *model_perms("department"),
                *model_perms("position"),
                "accounts.add_apitoken",
            ],
            DataScope.ORGANISATION,
        )
    )
    response = send(
        client, "post", "/api/v1/branches", {"code": "west", "name": "西区", "phone": "01012345678"}, headers
    )
    assert response.status_code == 201
    west = Branch.objects.get(code="west")
    assert {k: response.json()[k] for k in ("id", "code", "name", "address", "phone", "is_active")} == {
        "id": west.pk,
        "code": "west",
        "name": "西区",
        "address": "",
        "phone": "010-12345678",
        "is_active": True,
    }
    assert (
        send(client, "patch", f"/api/v1/branches/{west.pk}", {"address": "西路 1 号"}, headers).json()[
            "address"
        ]
        == "西路 1 号"
    )
    assert (
        send(client, "post", f"/api/v1/branches/{west.pk}/deactivate", None, headers).json()["is_active"]
        is False
    )
    assert [
        b["code"]
        for b in client.get("/api/v1/branches", {"is_active": "true"}, headers=headers).json()["items"]
    ] == ["east", "main"]

    response = send(
        client,
        "post",
        "/api/v1/departments",
        {"code": "east-aes", "name": "医美科", "branch_id": other_branch.pk},
        headers,
    )
    assert response.status_code == 201
    department = Department.objects.get(code="east-aes")
    assert response.json()["branch_id"] == other_branch.pk
    response = send(
        client, "patch", f"/api/v1/departments/{department.pk}", {"parent_id": aesthetics.pk}, headers
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "parent", "message": gettext("The parent department must belong to the same branch.")}
    ]
    items = client.get("/api/v1/departments", {"branch": branch.pk}, headers=headers).json()["items"]
    assert [d["code"] for d in items] == ["aesthetics"]

    response = send(client, "post", "/api/v1/positions", {"code": "doctor", "name": "医生"}, headers)
    assert response.status_code == 201
    position = Position.objects.get()
    assert (
        send(client, "patch", f"/api/v1/positions/{position.pk}", {"order": 3}, headers).json()["order"] == 3
    )
    response = send(client, "post", "/api/v1/positions", {"code": "DOCTOR", "name": "医生"}, headers)
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "code")


@pytest.mark.req("PLT-01", "PLT-02")
@pytest.mark.parametrize(
    ("model", "queries"),
    # user behind the token, user perms, group perms, data scope, count, page (+ staff positions)
    [("branch", 6), ("department", 6), ("position", 6), ("staff", 7)],
)
def test_list_endpoint_query_counts(
    client, branch, aesthetics, doctor, nurse, django_assert_num_queries, model, queries
):
    for i in range(30):
        department = DepartmentFactory(branch=branch, parent=aesthetics)
        PositionFactory(organisation=branch.organisation)
        Branch.objects.create(organisation=branch.organisation, code=f"x{i}", name=f"院区{i}")
        StaffFactory(branch=branch, department=department, positions=[doctor, nurse])
    headers = bearer(scoped_user(branch, [*model_perms(model), "accounts.add_apitoken"], DataScope.BRANCH))
    url = f"/api/v1/{RESOURCES[model]}"
    client.get(url, headers=headers)
    with django_assert_num_queries(queries):
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    # fixtures: one more department (aesthetics), branch (main) and two positions (doctor, nurse)
    assert (
        len(response.json()["items"]) == {"branch": 31, "department": 31, "position": 32, "staff": 30}[model]
    )
