"""Data scope (PLT-05) of the organisation selectors."""

import pytest

from medspa.accounts.choices import DataScope
from medspa.core.errors import NotFound
from medspa.organization import selectors
from tests.organization.factories import (
    DepartmentFactory,
    PositionFactory,
    StaffFactory,
    model_perms,
    scoped_user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.req("PLT-05")]


@pytest.fixture
def people(branch, other_branch, foreign_branch, aesthetics, injection):
    service = DepartmentFactory(branch=branch, code="service", name="客服中心", order=2)
    return {
        "me": StaffFactory(branch=branch, employee_no="E01", department=aesthetics),
        "injection": StaffFactory(branch=branch, employee_no="E02", department=injection),
        "service": StaffFactory(branch=branch, employee_no="E03", department=service),
        "none": StaffFactory(branch=branch, employee_no="E04"),
        "east": StaffFactory(branch=other_branch, employee_no="E05"),
        "foreign": StaffFactory(branch=foreign_branch, employee_no="E06"),
    }


@pytest.mark.parametrize(
    ("scope", "visible"),
    [
        (DataScope.OWN, ["E01"]),
        (DataScope.DEPARTMENT, ["E01", "E02"]),
        (DataScope.BRANCH, ["E01", "E02", "E03", "E04"]),
        (DataScope.ORGANISATION, ["E01", "E02", "E03", "E04", "E05"]),
    ],
)
def test_staff_for_each_scope(people, branch, other_branch, scope, visible):
    actor = scoped_user(branch, model_perms("staff", "view"), scope, staff=people["me"])
    assert list(selectors.staff_for(actor).values_list("employee_no", flat=True)) == visible
    hidden = [s for s in people.values() if s.employee_no not in visible]
    for staff in hidden:
        with pytest.raises(NotFound):
            selectors.staff_get_for(actor, staff.pk)
    assert selectors.staff_get_for(actor, people["me"].pk) == people["me"]


def test_branch_scope_follows_the_active_branch(people, branch, other_branch):
    actor = scoped_user(
        branch, model_perms("staff", "view"), DataScope.BRANCH, branches=[branch, other_branch]
    )
    actor.active_branch_id = other_branch.pk
    assert list(selectors.staff_for(actor).values_list("employee_no", flat=True)) == ["E05"]


def test_own_scope_without_a_staff_record_sees_nothing(people, branch):
    actor = scoped_user(branch, model_perms("staff", "view"), DataScope.OWN)
    assert list(selectors.staff_for(actor)) == []


def test_anonymous_sees_nothing(people):
    from django.contrib.auth.models import AnonymousUser

    assert list(selectors.staff_for(AnonymousUser())) == []
    assert list(selectors.branches_for(AnonymousUser())) == []
    assert list(selectors.departments_for(AnonymousUser())) == []
    assert list(selectors.positions_for(AnonymousUser())) == []


@pytest.mark.parametrize(
    ("scope", "visible"),
    [
        (DataScope.OWN, ["aesthetics", "injection"]),
        (DataScope.DEPARTMENT, ["aesthetics", "injection"]),
        (DataScope.BRANCH, ["aesthetics", "injection"]),
        (DataScope.ORGANISATION, ["east-root", "aesthetics", "injection"]),
    ],
)
def test_departments_for_each_scope_in_tree_order(
    branch, other_branch, foreign_branch, injection, scope, visible
):
    DepartmentFactory(branch=other_branch, code="east-root")
    DepartmentFactory(branch=foreign_branch, code="foreign")
    actor = scoped_user(branch, model_perms("department", "view"), scope)
    # "east" sorts before "main" by branch code
    assert list(selectors.departments_for(actor).values_list("code", flat=True)) == visible


def test_department_tree_order_and_paths(branch, aesthetics, injection):
    laser = DepartmentFactory(branch=branch, parent=aesthetics, code="laser", name="激光美容组", order=0)
    top = DepartmentFactory(branch=branch, code="a-top", name="客服中心", order=0)
    deep = DepartmentFactory(branch=branch, parent=laser, code="deep", name="三级")
    actor = scoped_user(branch, model_perms("department", "view"))
    rows = list(selectors.departments_for(actor))
    # siblings by order then code; children right after their parent
    assert [d.code for d in rows] == ["a-top", "aesthetics", "injection", "laser", "deep"]
    by_code = {d.code: d for d in rows}
    assert selectors.department_path(by_code["deep"]) == "医学美容科 / 激光美容组 / 三级"
    assert selectors.department_depth(by_code["deep"]) == 2
    assert selectors.department_depth(by_code["a-top"]) == 0
    assert (top.parent_id, deep.parent_id) == (None, laser.pk)


def test_branches_and_positions_are_organisation_level(branch, other_branch, foreign_branch, doctor):
    PositionFactory(organisation=foreign_branch.organisation, code="foreign")
    actor = scoped_user(
        branch, model_perms("branch", "view") + model_perms("position", "view"), DataScope.OWN
    )
    assert list(selectors.branches_for(actor).values_list("code", flat=True)) == ["east", "main"]
    assert list(selectors.positions_for(actor).values_list("code", flat=True)) == ["doctor"]
    with pytest.raises(NotFound):
        selectors.branch_get_for(actor, foreign_branch.pk)
    assert list(selectors.writable_branches_for(actor)) == [branch]
