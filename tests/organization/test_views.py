"""Organisation pages: permission matrix, lists (filter, search, sort, export, query count),
create / edit / deactivate through the forms."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils.translation import gettext

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

MODELS = ["branch", "department", "position", "staff"]


@pytest.fixture
def objects(branch, other_branch, foreign_branch, aesthetics, doctor):
    """One object per model in ``branch`` (own organisation) and one out of reach of a
    branch-scoped user in ``branch``: other branch (department, staff), other organisation
    (branch, position)."""
    return {
        "branch": (branch, foreign_branch),
        "department": (aesthetics, DepartmentFactory(branch=other_branch, code="east-dept")),
        "position": (doctor, PositionFactory(organisation=foreign_branch.organisation, code="foreign")),
        "staff": (
            StaffFactory(branch=branch, employee_no="E0001", name="张医生", department=aesthetics),
            StaffFactory(branch=other_branch, employee_no="E0002", name="东区护士"),
        ),
    }


def state(obj):
    obj.refresh_from_db()
    return (obj.name, obj.is_active)


@pytest.mark.req("PLT-01", "PLT-02")
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("page", ["list", "create"])
def test_list_and_create_pages_matrix(client, logged_in, branch, model, page):
    url = reverse(f"organization:{model}_{page}")
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    assert logged_in(scoped_user(branch, [])).get(url).status_code == 403
    client.logout()
    allowed = scoped_user(branch, model_perms(model, "view", "add"))
    assert logged_in(allowed).get(url).status_code == 200


@pytest.mark.req("PLT-01", "PLT-02", "PLT-05")
@pytest.mark.parametrize("model", MODELS)
def test_object_pages_matrix(client, logged_in, branch, objects, model):
    mine, out_of_reach = objects[model]
    before = (state(mine), state(out_of_reach), org_writes())
    pages = ("detail", "edit", "deactivate")
    for page in pages:
        url = reverse(f"organization:{model}_{page}", args=[mine.pk])
        assert client.get(url).status_code == 302
        if page != "detail":
            assert client.post(url, {"name": "x", "code": "x", "employee_no": "x"}).status_code == 302
    no_perm = logged_in(scoped_user(branch, model_perms(model, "view")))
    assert no_perm.get(reverse(f"organization:{model}_detail", args=[mine.pk])).status_code == 200
    for page in ("edit", "deactivate"):
        url = reverse(f"organization:{model}_{page}", args=[mine.pk])
        assert no_perm.get(url).status_code == 403
        assert no_perm.post(url, {"name": "x", "code": "x", "employee_no": "x"}).status_code == 403
    client.logout()
    allowed = logged_in(scoped_user(branch, model_perms(model), DataScope.BRANCH))
    for page in pages:
        assert allowed.get(reverse(f"organization:{model}_{page}", args=[mine.pk])).status_code == 200
        url = reverse(f"organization:{model}_{page}", args=[out_of_reach.pk])
        assert allowed.get(url).status_code == 404
        if page != "detail":
            assert allowed.post(url, {"name": "x", "code": "x", "employee_no": "x"}).status_code == 404
        assert allowed.get(reverse(f"organization:{model}_{page}", args=[999999])).status_code == 404
    assert (state(mine), state(out_of_reach), org_writes()) == before


@pytest.mark.req("PLT-02", "PLT-05")
def test_staff_list_rows_filters_search_and_sort(
    logged_in, branch, other_branch, objects, aesthetics, injection, doctor, nurse
):
    StaffFactory(
        branch=branch,
        employee_no="E0003",
        name="李护士",
        phone="13900139000",
        department=injection,
        positions=[nurse],
    )
    StaffFactory(branch=branch, employee_no="E0004", name="离职者", is_active=False, positions=[doctor])
    objects["staff"][0].positions.set([doctor, nurse])
    client = logged_in(scoped_user(branch, model_perms("staff"), DataScope.BRANCH))
    url = reverse("organization:staff_list")

    html = client.get(url).content.decode()
    assert html.index("E0001") < html.index("E0003") < html.index("E0004")
    assert "东区护士" not in html  # another branch
    assert "医生、护士" in html
    assert 'data-testid="create"' in html and 'data-testid="export-csv"' in html

    def listed(**params):
        text = client.get(url, params).content.decode()
        return [no for no in ("E0001", "E0002", "E0003", "E0004") if no in text]

    assert listed(q="李护") == ["E0003"]
    assert listed(q="139 0013") == ["E0003"]
    assert listed(q="e0004") == ["E0004"]
    assert listed(is_active="false") == ["E0004"]
    assert listed(is_active="true") == ["E0001", "E0003"]
    assert listed(department=injection.pk) == ["E0003"]
    assert listed(position=doctor.pk) == ["E0001", "E0004"]
    assert listed(branch=branch.pk) == ["E0001", "E0003", "E0004"]
    assert listed(branch=other_branch.pk) == []
    html = client.get(url, {"sort": "-employee_no"}).content.decode()
    assert html.index("E0004") < html.index("E0003") < html.index("E0001")


@pytest.mark.req("PLT-02", "PLT-05")
def test_organisation_scope_lists_every_branch(logged_in, branch, admin, objects):
    html = logged_in(admin).get(reverse("organization:staff_list")).content.decode()
    assert "张医生" in html and "东区护士" in html


@pytest.mark.req("PLT-01")
def test_department_list_shows_the_tree(logged_in, branch, aesthetics, injection):
    DepartmentFactory(branch=branch, code="service", name="客服中心", order=2)
    client = logged_in(scoped_user(branch, model_perms("department")))
    html = client.get(reverse("organization:department_list")).content.decode()
    assert html.index("医学美容科") < html.index("└ 注射美容组") < html.index("客服中心")
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("organization:department_list"), {"export": "csv"})
                .content.decode()
                .lstrip("\ufeff")
            )
        )
    )
    assert [r[0] for r in rows[1:]] == ["医学美容科", "└ 注射美容组", "客服中心"]
    assert [r[3] for r in rows[1:]] == ["", "医学美容科", ""]


@pytest.mark.req("PLT-01", "PLT-02")
@pytest.mark.parametrize(
    ("model", "queries"),
    # session, user, user perms, group perms, data scope, count, page (+ prefetch), branches of
    # the layout, filter choices
    [("branch", 8), ("department", 9), ("position", 8), ("staff", 12)],
)
def test_list_query_counts(
    logged_in, branch, other_branch, aesthetics, doctor, nurse, django_assert_num_queries, model, queries
):
    for i in range(30):
        department = DepartmentFactory(branch=branch, parent=aesthetics)
        PositionFactory(organisation=branch.organisation)
        BranchFactory_ = Branch.objects.create(
            organisation=branch.organisation, code=f"x{i}", name=f"院区{i}"
        )
        StaffFactory(branch=branch, department=department, positions=[doctor, nurse])
        assert BranchFactory_.pk
    client = logged_in(scoped_user(branch, model_perms(model), DataScope.BRANCH))
    url = reverse(f"organization:{model}_list")
    client.get(url)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


@pytest.mark.req("PLT-02")
def test_staff_export_needs_the_export_permission(logged_in, branch, objects, doctor):
    objects["staff"][0].positions.set([doctor])
    client = logged_in(scoped_user(branch, model_perms("staff", "view")))
    url = reverse("organization:staff_list")
    assert 'data-testid="export-csv"' not in client.get(url).content.decode()
    assert client.get(url, {"export": "csv"}).status_code == 403
    client.logout()
    client = logged_in(scoped_user(branch, model_perms("staff", "view", "export")))
    response = client.get(url, {"export": "xlsx"})
    assert response.status_code == 200
    values = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert values[0] == ("工号", "姓名", "电话", "院区", "科室", "职位", "入职日期", "启用", "登录账号")
    assert values[1][:6] == ("E0001", "张医生", None, "总院", "医学美容科", "医生")
    assert len(values) == 2


@pytest.mark.req("PLT-02")
def test_create_staff_through_the_page(logged_in, manager, branch, injection, doctor, nurse):
    client = logged_in(manager)
    form = client.get(reverse("organization:staff_create")).content.decode()
    assert "医学美容科 / 注射美容组" in form and "multiple" in form
    response = client.post(
        reverse("organization:staff_create"),
        {
            "employee_no": "E0100",
            "name": "王护士",
            "phone": "138-0013-8000",
            "branch": branch.pk,
            "department": injection.pk,
            "positions": [doctor.pk, nurse.pk],
            "hire_date": "2025-03-01",
        },
    )
    staff = Staff.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("organization:staff_detail", args=[staff.pk])
    assert (staff.phone, staff.branch_id, staff.department_id) == ("13800138000", branch.pk, injection.pk)
    assert sorted(staff.positions.values_list("code", flat=True)) == ["doctor", "nurse"]
    detail = client.get(response["Location"]).content.decode()
    assert "医学美容科 / 注射美容组" in detail and "医生、护士" in detail


@pytest.mark.req("PLT-02")
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"employee_no": "E0001"}, ("Employee no %(no)s is already in use.", {"no": "E0001"})),
        (
            {"phone": "1234"},
            ("Enter a mobile number (11 digits starting with 1) or a landline such as 010-12345678.", {}),
        ),
        (
            {"phone": "138001380000"},
            ("Enter a mobile number (11 digits starting with 1) or a landline such as 010-12345678.", {}),
        ),
    ],
)
def test_staff_form_bad_input_shows_the_message_and_writes_nothing(
    logged_in, manager, branch, objects, data, message
):
    before = (Staff.objects.count(), org_writes())
    response = logged_in(manager).post(
        reverse("organization:staff_create"),
        {"employee_no": "E0100", "name": "新人", "branch": branch.pk, **data},
    )
    assert response.status_code == 422
    html = response.content.decode()
    text, params = message
    assert (gettext(text) % params if params else gettext(text)) in html
    assert "invalid-feedback" in html
    assert (Staff.objects.count(), org_writes()) == before


@pytest.mark.req("PLT-02", "PLT-05")
def test_staff_form_refuses_another_branchs_department(logged_in, manager, branch, other_branch):
    east = DepartmentFactory(branch=other_branch)
    response = logged_in(manager).post(
        reverse("organization:staff_create"),
        {"employee_no": "E0100", "name": "新人", "branch": other_branch.pk, "department": east.pk},
    )
    # neither choice is offered to a branch-scoped user: the form refuses them
    assert response.status_code == 422
    assert Staff.objects.count() == 0


@pytest.mark.req("PLT-02")
def test_edit_and_deactivate_staff_through_the_pages(logged_in, manager, branch, objects, doctor):
    staff = objects["staff"][0]
    staff.positions.set([doctor])
    client = logged_in(manager)
    url = reverse("organization:staff_edit", args=[staff.pk])
    form = client.get(url).content.decode()
    assert 'value="E0001"' in form and "selected" in form
    response = client.post(
        url,
        {
            "employee_no": "E0001",
            "name": "张主任",
            "branch": branch.pk,
            "positions": [doctor.pk],
            "phone": "",
        },
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert (staff.name, staff.department_id) == ("张主任", None)
    response = client.post(reverse("organization:staff_deactivate", args=[staff.pk]), follow=True)
    assert gettext("The staff member was deactivated.") in response.content.decode()
    staff.refresh_from_db()
    assert staff.is_active is False
    assert 'data-testid="deactivate"' not in response.content.decode()


@pytest.mark.req("PLT-01")
def test_department_pages_create_edit_and_refused_deactivation(logged_in, manager, branch, aesthetics):
    client = logged_in(manager)
    response = client.post(
        reverse("organization:department_create"),
        {"branch": branch.pk, "parent": aesthetics.pk, "code": "laser", "name": "激光美容组", "order": 1},
    )
    laser = Department.objects.get(code="laser")
    assert response["Location"] == reverse("organization:department_detail", args=[laser.pk])
    assert laser.parent_id == aesthetics.pk
    # edit: the parent choices exclude the department itself
    form = client.get(reverse("organization:department_edit", args=[aesthetics.pk])).content.decode()
    assert f'<option value="{aesthetics.pk}"' not in form
    response = client.post(
        reverse("organization:department_edit", args=[aesthetics.pk]),
        {"parent": laser.pk, "code": "aesthetics", "name": "医学美容科", "order": 1},
    )
    assert response.status_code == 422
    assert (
        gettext("A department cannot be placed under itself or one of its sub-departments.")
        in response.content.decode()
    )
    response = client.post(reverse("organization:department_deactivate", args=[aesthetics.pk]))
    assert response.status_code == 422
    assert (
        gettext("Deactivate its %(count)s active sub-departments first.") % {"count": 1}
    ) in response.content.decode()
    aesthetics.refresh_from_db()
    assert (aesthetics.parent_id, aesthetics.is_active) == (None, True)


@pytest.mark.req("PLT-01")
def test_branch_and_position_pages(logged_in, admin, branch, other_branch):
    client = logged_in(admin)
    response = client.post(
        reverse("organization:branch_create"), {"code": "west", "name": "西区", "phone": "0755 1234567"}
    )
    west = Branch.objects.get(code="west")
    assert response["Location"] == reverse("organization:branch_detail", args=[west.pk])
    assert west.phone == "0755-1234567"
    response = client.post(
        reverse("organization:branch_edit", args=[west.pk]), {"code": "main", "name": "西区"}
    )
    assert response.status_code == 422
    assert (
        gettext("Branch code %(code)s is already in use.") % {"code": "main"}
    ) in response.content.decode()
    assert client.post(reverse("organization:branch_deactivate", args=[west.pk])).status_code == 302
    west.refresh_from_db()
    assert west.is_active is False

    response = client.post(
        reverse("organization:position_create"), {"code": "doctor", "name": "医生", "order": 1}
    )
    position = Position.objects.get()
    assert response["Location"] == reverse("organization:position_detail", args=[position.pk])
    client.post(
        reverse("organization:position_edit", args=[position.pk]),
        {"code": "doctor", "name": "主治医生", "order": 2},
    )
    client.post(reverse("organization:position_deactivate", args=[position.pk]))
    position.refresh_from_db()
    assert (position.name, position.order, position.is_active) == ("主治医生", 2, False)
    html = client.get(reverse("organization:position_list"), {"is_active": "false"}).content.decode()
    assert "主治医生" in html


def test_menu_lists_the_pages_the_user_may_open(logged_in, branch):
    client = logged_in(scoped_user(branch, model_perms("staff", "view") + model_perms("branch", "view")))
    html = client.get(reverse("organization:staff_list")).content.decode()
    assert reverse("organization:staff_list") in html and reverse("organization:branch_list") in html
    assert reverse("organization:position_list") not in html
    assert gettext("Organisation") in html
