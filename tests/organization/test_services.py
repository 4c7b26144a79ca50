"""Services: exact writes, the audit row of each, and refusals that write nothing."""

import datetime

import pytest
from django.utils.translation import gettext

from medspa.accounts.choices import DataScope
from medspa.audit.models import AuditEvent
from medspa.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from medspa.organization import services
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

PHONE_ERROR = "Enter a mobile number (11 digits starting with 1) or a landline such as 010-12345678."


def refused(exc_type, call, *, field=None, message=None):
    """``call()`` raises ``exc_type`` (on ``field`` with ``message``) and writes no audit row."""
    before = org_writes()
    with pytest.raises(exc_type) as excinfo:
        call()
    assert excinfo.value.field == field
    if message is not None:
        assert excinfo.value.message == message
    assert org_writes() == before
    return excinfo.value


# --- branches ----------------------------------------------------------------------------------


@pytest.mark.req("PLT-01")
def test_branch_create_writes_the_branch_and_its_audit_row(admin, branch):
    created = services.branch_create(
        actor=admin, code="west", name=" 西区门店 ", address="西路 1 号", phone="010 1234 5678"
    )
    created.refresh_from_db()
    assert (created.organisation_id, created.code, created.name, created.address, created.phone) == (
        branch.organisation_id,
        "west",
        "西区门店",
        "西路 1 号",
        "010-12345678",
    )
    assert created.is_active is True
    assert created.created_by == admin and created.updated_by == admin
    event = AuditEvent.objects.get(module="organization")
    assert (event.action, event.object_type, event.object_id, event.branch_id, event.actor_id) == (
        "create",
        "organization.branch",
        str(created.pk),
        created.pk,
        admin.pk,
    )
    assert event.changes == {
        "address": [None, "西路 1 号"],
        "code": [None, "west"],
        "is_active": [None, True],
        "name": [None, "西区门店"],
        "phone": [None, "010-12345678"],
    }


@pytest.mark.req("PLT-01")
def test_branch_update_records_only_what_changed(admin, branch):
    services.branch_update(actor=admin, branch_id=branch.pk, code="main", name="总院新", address="", phone="")
    branch.refresh_from_db()
    assert branch.name == "总院新"
    event = AuditEvent.objects.get(module="organization")
    assert (event.action, event.changes) == ("update", {"name": ["总院", "总院新"]})


@pytest.mark.req("PLT-01")
def test_branch_bad_input_writes_nothing(admin, branch, foreign_branch):
    refused(
        ValidationError,
        lambda: services.branch_create(actor=admin, code="MAIN", name="重复"),
        field="code",
        message=gettext("Branch code %(code)s is already in use.") % {"code": "MAIN"},
    )
    refused(ValidationError, lambda: services.branch_create(actor=admin, code="a b", name="x"), field="code")
    refused(ValidationError, lambda: services.branch_create(actor=admin, code="ok", name="  "), field="name")
    refused(
        ValidationError,
        lambda: services.branch_create(actor=admin, code="ok", name="x", phone="12345"),
        field="phone",
        message=gettext(PHONE_ERROR),
    )
    # another organisation's branch does not exist for this actor
    refused(
        NotFound, lambda: services.branch_update(actor=admin, branch_id=foreign_branch.pk, code="x", name="x")
    )
    refused(NotFound, lambda: services.branch_deactivate(actor=admin, branch_id=foreign_branch.pk))
    assert Branch.objects.count() == 3
    foreign_branch.refresh_from_db()
    assert (foreign_branch.code, foreign_branch.is_active) == ("main", True)


@pytest.mark.req("PLT-01")
def test_branch_deactivate_keeps_the_last_active_branch(admin, branch, other_branch):
    services.branch_deactivate(actor=admin, branch_id=other_branch.pk)
    other_branch.refresh_from_db()
    assert other_branch.is_active is False
    event = AuditEvent.objects.get(module="organization")
    assert (event.action, event.changes) == ("deactivate", {"is_active": [True, False]})
    refused(
        Conflict,
        lambda: services.branch_deactivate(actor=admin, branch_id=branch.pk),
        message=gettext("This is the organisation's last active branch; it cannot be deactivated."),
    )
    branch.refresh_from_db()
    assert branch.is_active is True


@pytest.mark.req("PLT-01")
def test_branch_services_need_their_permission(branch):
    viewer = scoped_user(branch, model_perms("branch", "view"), DataScope.ORGANISATION)
    refused(PermissionDenied, lambda: services.branch_create(actor=viewer, code="x", name="x"))
    refused(
        PermissionDenied,
        lambda: services.branch_update(actor=viewer, branch_id=branch.pk, code="x", name="x"),
    )
    refused(PermissionDenied, lambda: services.branch_deactivate(actor=viewer, branch_id=branch.pk))
    assert Branch.objects.get().code == "main"


# --- departments -------------------------------------------------------------------------------


@pytest.mark.req("PLT-01")
def test_department_create_under_a_parent(manager, branch, aesthetics):
    laser = services.department_create(
        actor=manager, code="laser", name="激光美容组", parent_id=aesthetics.pk, order=2
    )
    laser.refresh_from_db()
    assert (laser.branch_id, laser.parent_id, laser.code, laser.name, laser.order, laser.is_active) == (
        branch.pk,
        aesthetics.pk,
        "laser",
        "激光美容组",
        2,
        True,
    )
    event = AuditEvent.objects.get(module="organization")
    assert (event.action, event.object_type, event.branch_id) == (
        "create",
        "organization.department",
        branch.pk,
    )
    assert event.changes == {
        "branch": [None, branch.pk],
        "code": [None, "laser"],
        "is_active": [None, True],
        "name": [None, "激光美容组"],
        "order": [None, 2],
        "parent": [None, aesthetics.pk],
    }


@pytest.mark.req("PLT-01")
def test_department_branch_rules(admin, manager, branch, other_branch, aesthetics):
    # organisation scope may create in another branch; the parent must be in that branch
    east = services.department_create(
        actor=admin, code="aesthetics", name="医美科", branch_id=other_branch.pk
    )
    assert east.branch_id == other_branch.pk
    refused(
        ValidationError,
        lambda: services.department_create(
            actor=admin, code="x", name="x", parent_id=aesthetics.pk, branch_id=other_branch.pk
        ),
        field="parent",
        message=gettext("The parent department must belong to the same branch."),
    )
    # branch scope may not
    refused(
        ValidationError,
        lambda: services.department_create(actor=manager, code="x", name="x", branch_id=other_branch.pk),
        field="branch",
        message=gettext("You may only record data in the branch you work in."),
    )
    refused(
        ValidationError,
        lambda: services.department_create(actor=manager, code="AESTHETICS", name="x"),
        field="code",
        message=gettext("Department code %(code)s is already in use in this branch.")
        % {"code": "AESTHETICS"},
    )
    # the other branch's department is invisible to the branch-scoped manager
    refused(
        NotFound,
        lambda: services.department_update(actor=manager, department_id=east.pk, code="y", name="y"),
    )
    refused(NotFound, lambda: services.department_deactivate(actor=manager, department_id=east.pk))
    east.refresh_from_db()
    assert (east.code, east.is_active) == ("aesthetics", True)
    assert Department.objects.count() == 2


@pytest.mark.req("PLT-01")
def test_department_update_refuses_cycles_and_too_deep_trees(manager, aesthetics, injection):
    message = gettext("A department cannot be placed under itself or one of its sub-departments.")
    for parent in (aesthetics, injection):
        refused(
            ValidationError,
            lambda parent=parent: services.department_update(
                actor=manager,
                department_id=aesthetics.pk,
                code="aesthetics",
                name="医学美容科",
                parent_id=parent.pk,
            ),
            field="parent",
            message=message,
        )
    aesthetics.refresh_from_db()
    assert aesthetics.parent_id is None

    level3 = services.department_create(actor=manager, code="l3", name="三级", parent_id=injection.pk)
    level4 = services.department_create(actor=manager, code="l4", name="四级", parent_id=level3.pk)
    level5 = services.department_create(actor=manager, code="l5", name="五级", parent_id=level4.pk)
    refused(
        ValidationError,
        lambda: services.department_create(actor=manager, code="l6", name="六级", parent_id=level5.pk),
        field="parent",
        message=gettext("Departments may be nested at most %(max)s levels deep.") % {"max": 5},
    )
    # moving a two-level subtree under level 4 would make it six deep
    other = services.department_create(actor=manager, code="other", name="其他")
    services.department_create(actor=manager, code="child", name="子", parent_id=other.pk)
    refused(
        ValidationError,
        lambda: services.department_update(
            actor=manager, department_id=other.pk, code="other", name="其他", parent_id=level4.pk
        ),
        field="parent",
    )


@pytest.mark.req("PLT-01")
def test_department_update_moves_and_records(manager, branch, aesthetics, injection):
    services.department_update(
        actor=manager, department_id=injection.pk, code="inj", name="注射组", parent_id=None, order=5
    )
    injection.refresh_from_db()
    assert (injection.parent_id, injection.code, injection.name, injection.order) == (
        None,
        "inj",
        "注射组",
        5,
    )
    event = AuditEvent.objects.get(module="organization")
    assert (event.action, event.changes) == (
        "update",
        {
            "code": ["injection", "inj"],
            "name": ["注射美容组", "注射组"],
            "order": [0, 5],
            "parent": [aesthetics.pk, None],
        },
    )


@pytest.mark.req("PLT-01")
def test_department_deactivate_needs_no_active_children_or_staff(manager, branch, aesthetics, injection):
    refused(
        Conflict,
        lambda: services.department_deactivate(actor=manager, department_id=aesthetics.pk),
        message=gettext("Deactivate its %(count)s active sub-departments first.") % {"count": 1},
    )
    member = StaffFactory(branch=branch, department=injection)
    refused(
        Conflict,
        lambda: services.department_deactivate(actor=manager, department_id=injection.pk),
        message=gettext("Move or deactivate its %(count)s active staff members first.") % {"count": 1},
    )
    services.staff_deactivate(actor=manager, staff_id=member.pk)
    services.department_deactivate(actor=manager, department_id=injection.pk)
    services.department_deactivate(actor=manager, department_id=aesthetics.pk)
    assert list(Department.objects.values_list("is_active", flat=True)) == [False, False]
    assert list(
        AuditEvent.objects.filter(module="organization").order_by("pk").values_list("action", "object_type")
    ) == [
        ("deactivate", "organization.staff"),
        ("deactivate", "organization.department"),
        ("deactivate", "organization.department"),
    ]
    # an inactive parent takes no new children
    refused(
        ValidationError,
        lambda: services.department_create(actor=manager, code="x", name="x", parent_id=aesthetics.pk),
        field="parent",
    )


# --- positions ---------------------------------------------------------------------------------


@pytest.mark.req("PLT-02")
def test_position_create_update_deactivate(manager, branch):
    position = services.position_create(actor=manager, code="doctor", name="医生", order=1)
    services.position_update(actor=manager, position_id=position.pk, code="doctor", name="主诊医生", order=1)
    services.position_deactivate(actor=manager, position_id=position.pk)
    position.refresh_from_db()
    assert (position.organisation_id, position.name, position.is_active) == (
        branch.organisation_id,
        "主诊医生",
        False,
    )
    events = list(
        AuditEvent.objects.filter(module="organization").order_by("pk").values_list("action", "changes")
    )
    assert events == [
        (
            "create",
            {"code": [None, "doctor"], "is_active": [None, True], "name": [None, "医生"], "order": [None, 1]},
        ),
        ("update", {"name": ["医生", "主诊医生"]}),
        ("deactivate", {"is_active": [True, False]}),
    ]
    refused(
        ValidationError,
        lambda: services.position_create(actor=manager, code="Doctor", name="x"),
        field="code",
        message=gettext("Position code %(code)s is already in use.") % {"code": "Doctor"},
    )
    refused(
        ValidationError,
        lambda: services.position_create(actor=manager, code="x", name="x", order=-1),
        field="order",
    )


@pytest.mark.req("PLT-02")
def test_positions_of_another_organisation_are_invisible(manager, foreign_branch):
    foreign = PositionFactory(organisation=foreign_branch.organisation, code="doctor", name="医生")
    refused(
        NotFound,
        lambda: services.position_update(actor=manager, position_id=foreign.pk, code="x", name="x"),
    )
    refused(NotFound, lambda: services.position_deactivate(actor=manager, position_id=foreign.pk))
    foreign.refresh_from_db()
    assert (foreign.code, foreign.is_active) == ("doctor", True)


# --- staff -------------------------------------------------------------------------------------


@pytest.mark.req("PLT-02")
def test_staff_create_in_the_active_branch(manager, branch, injection, doctor, nurse):
    staff = services.staff_create(
        actor=manager,
        employee_no=" E0100 ",
        name="张三",
        phone="138 0013-8000",
        position_ids=[nurse.pk, doctor.pk],
        department_id=injection.pk,
        hire_date=datetime.date(2025, 3, 1),
    )
    staff = Staff.objects.get()
    assert (
        staff.organisation_id,
        staff.branch_id,
        staff.employee_no,
        staff.name,
        staff.phone,
        staff.department_id,
        staff.hire_date,
        staff.is_active,
    ) == (
        branch.organisation_id,
        branch.pk,
        "E0100",
        "张三",
        "13800138000",
        injection.pk,
        datetime.date(2025, 3, 1),
        True,
    )
    assert sorted(staff.positions.values_list("code", flat=True)) == ["doctor", "nurse"]
    event = AuditEvent.objects.get(module="organization")
    assert (event.action, event.object_type, event.object_id, event.branch_id) == (
        "create",
        "organization.staff",
        str(staff.pk),
        branch.pk,
    )
    assert event.changes == {
        "branch": [None, branch.pk],
        "department": [None, injection.pk],
        "employee_no": [None, "E0100"],
        "hire_date": [None, "2025-03-01"],
        "is_active": [None, True],
        "name": [None, "张三"],
        "phone": [None, "13800138000"],
        "positions": [None, sorted([doctor.pk, nurse.pk])],
    }


@pytest.mark.req("PLT-02")
def test_staff_bad_input_is_refused_and_nothing_is_written(
    manager, branch, other_branch, foreign_branch, injection, doctor
):
    StaffFactory(branch=branch, employee_no="E0001")
    east_department = DepartmentFactory(branch=other_branch)
    foreign_position = PositionFactory(organisation=foreign_branch.organisation)
    retired = PositionFactory(organisation=branch.organisation, is_active=False)

    def create(**kwargs):
        values = {"actor": manager, "employee_no": "E0002", "name": "李四", **kwargs}
        return lambda: services.staff_create(**values)

    refused(
        ValidationError,
        create(employee_no="e0001"),
        field="employee_no",
        message=gettext("Employee no %(no)s is already in use.") % {"no": "e0001"},
    )
    refused(ValidationError, create(employee_no="  "), field="employee_no")
    refused(ValidationError, create(name=""), field="name")
    refused(ValidationError, create(phone="1380013800"), field="phone", message=gettext(PHONE_ERROR))
    refused(ValidationError, create(phone="010-123"), field="phone")
    refused(
        ValidationError,
        create(department_id=east_department.pk),
        field="department",
        message=gettext("The department must belong to the staff member's branch."),
    )
    refused(ValidationError, create(department_id=-1), field="department")
    refused(ValidationError, create(position_ids=[foreign_position.pk]), field="positions")
    refused(ValidationError, create(position_ids=[doctor.pk, -1]), field="positions")
    refused(
        ValidationError,
        create(position_ids=[retired.pk]),
        field="positions",
        message=gettext("One of the positions is deactivated."),
    )
    refused(
        ValidationError,
        create(branch_id=other_branch.pk),
        field="branch",
        message=gettext("You may only record data in the branch you work in."),
    )
    refused(ValidationError, create(branch_id=foreign_branch.pk), field="branch")
    assert list(Staff.objects.values_list("employee_no", flat=True)) == ["E0001"]


@pytest.mark.req("PLT-02")
def test_employee_no_is_unique_per_organisation_only(manager, foreign_branch):
    StaffFactory(branch=foreign_branch, employee_no="E0001")
    staff = services.staff_create(actor=manager, employee_no="E0001", name="王五")
    assert Staff.objects.filter(employee_no="E0001").count() == 2
    assert staff.organisation_id == manager.organisation_id


@pytest.mark.req("PLT-02")
def test_staff_update_records_positions_and_fields(manager, branch, aesthetics, injection, doctor, nurse):
    staff = StaffFactory(
        branch=branch, employee_no="E0001", name="张三", department=aesthetics, positions=[doctor]
    )
    services.staff_update(
        actor=manager,
        staff_id=staff.pk,
        employee_no="E0001",
        name="张三丰",
        phone="0755-1234567",
        position_ids=[doctor.pk, nurse.pk],
        department_id=injection.pk,
        hire_date=None,
    )
    staff.refresh_from_db()
    assert (staff.name, staff.phone, staff.department_id, staff.updated_by_id) == (
        "张三丰",
        "0755-1234567",
        injection.pk,
        manager.pk,
    )
    event = AuditEvent.objects.get(module="organization")
    assert (event.action, event.changes) == (
        "update",
        {
            "department": [aesthetics.pk, injection.pk],
            "name": ["张三", "张三丰"],
            "phone": ["", "0755-1234567"],
            "positions": [[doctor.pk], sorted([doctor.pk, nurse.pk])],
        },
    )


@pytest.mark.req("PLT-02")
def test_staff_keeps_a_position_deactivated_after_it_was_given(manager, branch, doctor):
    staff = StaffFactory(branch=branch, positions=[doctor])
    Position.objects.filter(pk=doctor.pk).update(is_active=False)
    services.staff_update(
        actor=manager, staff_id=staff.pk, employee_no=staff.employee_no, name="新名", position_ids=[doctor.pk]
    )
    assert list(staff.positions.values_list("pk", flat=True)) == [doctor.pk]


@pytest.mark.req("PLT-02", "PLT-05")
def test_staff_of_another_branch_cannot_be_changed_by_branch_scope(manager, admin, other_branch, branch):
    east = StaffFactory(branch=other_branch, employee_no="E0009", name="东区")
    refused(
        NotFound,
        lambda: services.staff_update(actor=manager, staff_id=east.pk, employee_no="E0009", name="改"),
    )
    refused(NotFound, lambda: services.staff_deactivate(actor=manager, staff_id=east.pk))
    east.refresh_from_db()
    assert (east.name, east.is_active) == ("东区", True)
    # organisation scope may move a staff member to another branch
    services.staff_update(
        actor=admin, staff_id=east.pk, employee_no="E0009", name="东区", branch_id=branch.pk
    )
    east.refresh_from_db()
    assert east.branch_id == branch.pk
    assert AuditEvent.objects.get(module="organization").changes == {"branch": [other_branch.pk, branch.pk]}


@pytest.mark.req("PLT-02")
def test_staff_deactivate_leaves_the_login_account_alone(manager, branch):
    staff = StaffFactory(branch=branch)
    login = scoped_user(branch, [], staff=staff)
    services.staff_deactivate(actor=manager, staff_id=staff.pk)
    staff.refresh_from_db()
    login.refresh_from_db()
    assert (staff.is_active, staff.updated_by_id, login.is_active, login.staff_id) == (
        False,
        manager.pk,
        True,
        staff.pk,
    )
    assert AuditEvent.objects.get(module="organization").changes == {"is_active": [True, False]}
    # deactivating again is harmless and records nothing new
    services.staff_deactivate(actor=manager, staff_id=staff.pk)
    assert org_writes() == 1


@pytest.mark.req("PLT-02")
def test_staff_services_need_their_permission(branch):
    clerk = scoped_user(branch, model_perms("staff", "view"))
    staff = StaffFactory(branch=branch, name="原名")
    refused(PermissionDenied, lambda: services.staff_create(actor=clerk, employee_no="E1", name="x"))
    refused(
        PermissionDenied,
        lambda: services.staff_update(actor=clerk, staff_id=staff.pk, employee_no="E1", name="x"),
    )
    refused(PermissionDenied, lambda: services.staff_deactivate(actor=clerk, staff_id=staff.pk))
    staff.refresh_from_db()
    assert (Staff.objects.count(), staff.name, staff.is_active) == (1, "原名", True)
