"""Fixtures of the customer tests: users holding the built-in roles (each with its data scope),
staff records, dictionaries and tags of the organisation."""

from __future__ import annotations

import pytest

from medspa.accounts.models import User
from medspa.audit.models import AuditEvent
from medspa.configuration.choices import DictionaryKind
from medspa.configuration.models import DictionaryItem
from medspa.organization.models import Branch, Department, Organisation, Staff
from tests.factories import BranchFactory, OrganisationFactory, role_user
from tests.organization.factories import DepartmentFactory, StaffFactory

CONSULTANT = "咨询师"  # data scope: own
DOCTOR = "医生"  # department
TRIAGE = "分诊/前台"  # branch
DIRECTOR = "院长"  # organisation


def customer_writes() -> int:
    """Successful audit events of the customers module (denials are recorded as ``denied``)."""
    return AuditEvent.objects.filter(module="customers", result="success").count()


def staff_user(role: str, staff: Staff, *, username: str, branches: list[Branch]) -> User:
    """A login holding a built-in role, linked to ``staff`` (whose customers she owns)."""
    user = role_user(role, username=username, branches=branches)
    user.staff = staff
    user.save(update_fields=["staff"])
    return user


def dictionary(org: Organisation, kind: str, code: str, name: str, **extra: object) -> DictionaryItem:
    return DictionaryItem.objects.create(organisation=org, kind=kind, code=code, name=name, **extra)


def tag(
    org: Organisation, name: str, group: str, *, multiple: bool = True, colour: str = "", code: str = ""
) -> DictionaryItem:
    """A tag in ``group`` (created on first use; ``multiple`` says whether several may be held)."""
    parent, _created = DictionaryItem.objects.get_or_create(
        organisation=org,
        kind=DictionaryKind.TAG_GROUP,
        code=f"g-{group}",
        defaults={"name": group, "multiple": multiple},
    )
    return dictionary(org, DictionaryKind.TAG, code or name, name, parent=parent, colour=colour)


@pytest.fixture
def org(branch: Branch) -> Organisation:
    return branch.organisation


@pytest.fixture
def aesthetics(branch: Branch) -> Department:
    return DepartmentFactory(branch=branch, code="aesthetics", name="医学美容科")


@pytest.fixture
def skin_care(branch: Branch) -> Department:
    return DepartmentFactory(branch=branch, code="skin", name="皮肤科")


@pytest.fixture
def li(branch: Branch, aesthetics: Department) -> Staff:
    """李咨询, a consultant of the aesthetics department in the main branch."""
    return StaffFactory(branch=branch, employee_no="C001", name="李咨询", department=aesthetics)


@pytest.fixture
def wang(branch: Branch, skin_care: Department) -> Staff:
    """王咨询, a consultant of the skin department in the main branch."""
    return StaffFactory(branch=branch, employee_no="C002", name="王咨询", department=skin_care)


@pytest.fixture
def zhao(other_branch: Branch) -> Staff:
    """赵咨询, a consultant of the east branch."""
    return StaffFactory(branch=other_branch, employee_no="C003", name="赵咨询")


@pytest.fixture
def consultant(branch: Branch, li: Staff) -> User:
    """李咨询's login: the built-in 咨询师 role, scope "own"."""
    return staff_user(CONSULTANT, li, username="li", branches=[branch])


@pytest.fixture
def doctor_user(branch: Branch, aesthetics: Department) -> User:
    """A doctor of the aesthetics department: the built-in 医生 role, scope "department"."""
    staff = StaffFactory(branch=branch, employee_no="D001", name="周医生", department=aesthetics)
    return staff_user(DOCTOR, staff, username="zhou", branches=[branch])


@pytest.fixture
def triage(branch: Branch) -> User:
    """The front desk of the main branch: the built-in 分诊/前台 role, scope "branch"."""
    staff = StaffFactory(branch=branch, employee_no="T001", name="前台小陈")
    return staff_user(TRIAGE, staff, username="frontdesk", branches=[branch])


@pytest.fixture
def director(branch: Branch, other_branch: Branch) -> User:
    """The director: the built-in 院长 role, scope "organisation", full contact and export."""
    return role_user(DIRECTOR, username="director", branches=[branch, other_branch])


@pytest.fixture
def foreign_branch(db: None) -> Branch:
    """A branch of another organisation."""
    return BranchFactory(organisation=OrganisationFactory(code="other"), code="main", name="他院")


@pytest.fixture
def channel(org: Organisation) -> DictionaryItem:
    return dictionary(org, DictionaryKind.CHANNEL, "wechat", "微信")


@pytest.fixture
def info_source(org: Organisation) -> DictionaryItem:
    return dictionary(org, DictionaryKind.INFO_SOURCE, "friend", "朋友介绍")


@pytest.fixture
def region(org: Organisation) -> DictionaryItem:
    return dictionary(org, DictionaryKind.REGION, "pudong", "浦东新区")
