"""Fixtures and helpers of the consultation, complaint and file tests (imported by
``test_records_*.py``; no tests here)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from medspa.accounts import services as account_services
from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.audit.models import AuditEvent
from medspa.configuration.choices import DictionaryKind
from medspa.configuration.models import DictionaryItem
from medspa.customers.models import Complaint, Consultation, Customer, CustomerFile
from medspa.customers.record_services import ConsultationInput
from medspa.organization.models import Branch, Staff
from tests.customers.factories import CustomerFactory
from tests.factories import BranchFactory, OrganisationFactory, role_user
from tests.organization.factories import DepartmentFactory, StaffFactory, scoped_user

CONSULTANT_ROLE = "咨询师"  # scope own
SERVICE_ROLE = "客服"  # scope branch
DIRECTOR_ROLE = "院长"  # scope organisation

RECORD_PERMS = [
    f"customers.{action}_{model}"
    for model in ("consultation", "complaint", "customerfile")
    for action in ("view", "add", "change", "delete")
] + ["customers.view_customer"]

PDF = b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


def record_writes() -> int:
    """Successful audit events of the customers module (denials are recorded as ``denied``)."""
    return AuditEvent.objects.filter(module="customers", result="success").count()


def counts() -> tuple[int, int, int, int]:
    """Rows of the three record tables and the module's audit events: unchanged on a refusal."""
    return (
        Consultation.objects.count(),
        Complaint.objects.count(),
        CustomerFile.objects.count(),
        record_writes(),
    )


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root: Any) -> list[str]:
    """Every file under the media root (relative paths, sorted)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def ago(**kwargs: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


def consultation_input(**overrides: Any) -> ConsultationInput:
    values: dict[str, Any] = {
        "consulted_at": ago(hours=1),
        "content": "想做鼻部玻尿酸，担心效果",
        "outcome": "deal",
        "channel": "visit",
        "projects": "玻尿酸隆鼻",
    }
    values.update(overrides)
    return ConsultationInput(**values)


def bearer(user: User) -> dict[str, str]:
    """Authorization header with a fresh token of ``user`` (given accounts.add_apitoken here)."""
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="accounts", codename="add_apitoken")
    )
    user = User.objects.get(pk=user.pk)  # drop the permission cache
    secret = account_services.api_token_create(actor=user, name="t", days=1).secret
    return {"Authorization": f"Bearer {secret}"}


def staff_login(role: str, staff: Staff, *, username: str, branches: list[Branch]) -> User:
    user = role_user(role, username=username, branches=branches)
    user.staff = staff
    user.save(update_fields=["staff"])
    return user


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    """Uploaded files go to a fresh directory of this test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def li(branch: Branch) -> Staff:
    """李咨询, a consultant of the aesthetics department of the main branch."""
    department = DepartmentFactory(branch=branch, code="aesthetics", name="医学美容科")
    return StaffFactory(branch=branch, employee_no="C001", name="李咨询", department=department)


@pytest.fixture
def wang(branch: Branch) -> Staff:
    """王咨询, a consultant of the skin department of the main branch."""
    department = DepartmentFactory(branch=branch, code="skin", name="皮肤科")
    return StaffFactory(branch=branch, employee_no="C002", name="王咨询", department=department)


@pytest.fixture
def zhao(other_branch: Branch) -> Staff:
    """赵咨询 of the east branch."""
    return StaffFactory(branch=other_branch, employee_no="C003", name="赵咨询")


@pytest.fixture
def customer(branch: Branch, li: Staff) -> Customer:
    """张三, owned by 李咨询 in the main branch."""
    return CustomerFactory(branch=branch, name="张三", phone="13800138000", consultant=li)


@pytest.fixture
def wang_customer(branch: Branch, wang: Staff) -> Customer:
    """王五, owned by 王咨询 in the main branch (out of 李咨询's "own" scope)."""
    return CustomerFactory(branch=branch, name="王五", phone="13800138001", consultant=wang)


@pytest.fixture
def east_customer(other_branch: Branch, zhao: Staff) -> Customer:
    """东区客户 of the east branch (out of every main-branch scope)."""
    return CustomerFactory(branch=other_branch, name="东区客户", phone="13800138002", consultant=zhao)


@pytest.fixture
def reasons(branch: Branch) -> dict[str, DictionaryItem]:
    """Reasons not closed of the organisation: price (active), old (deactivated); one of
    another organisation; and a dictionary entry of another kind."""
    org = branch.organisation
    foreign = OrganisationFactory(code="foreign-org")
    return {
        "price": DictionaryItem.objects.create(
            organisation=org, kind=DictionaryKind.OUTCOME_REASON, code="price", name="价格", order=1
        ),
        "reconsider": DictionaryItem.objects.create(
            organisation=org, kind=DictionaryKind.OUTCOME_REASON, code="reconsider", name="再考虑", order=2
        ),
        "old": DictionaryItem.objects.create(
            organisation=org,
            kind=DictionaryKind.OUTCOME_REASON,
            code="old",
            name="旧原因",
            is_active=False,
        ),
        "foreign": DictionaryItem.objects.create(
            organisation=foreign, kind=DictionaryKind.OUTCOME_REASON, code="price", name="价格"
        ),
        "region": DictionaryItem.objects.create(
            organisation=org, kind=DictionaryKind.REGION, code="local", name="本市"
        ),
    }


@pytest.fixture
def consultant(branch: Branch, li: Staff) -> User:
    """李咨询's login: the built-in 咨询师 role (scope "own"; view/add/change consultation,
    view/add complaint, view/add customer file)."""
    return staff_login(CONSULTANT_ROLE, li, username="li", branches=[branch])


@pytest.fixture
def service(branch: Branch) -> User:
    """Customer service (客服, scope "branch"): complaints, no files."""
    staff = StaffFactory(branch=branch, employee_no="S001", name="客服小周")
    return staff_login(SERVICE_ROLE, staff, username="service", branches=[branch])


@pytest.fixture
def director(branch: Branch, other_branch: Branch) -> User:
    """The director (院长, scope "organisation"), no staff record."""
    return role_user(DIRECTOR_ROLE, username="director", branches=[branch, other_branch])


@pytest.fixture
def manager(branch: Branch, li: Staff) -> User:
    """Every record permission (deleting files included), scope "branch", linked to no staff."""
    return scoped_user(branch, RECORD_PERMS, DataScope.BRANCH, username="manager")


@pytest.fixture
def nobody(branch: Branch) -> User:
    """A login of the main branch without any permission."""
    return scoped_user(branch, [], DataScope.BRANCH, username="nobody")


@pytest.fixture
def foreign_branch(db: None) -> Branch:
    return BranchFactory(organisation=OrganisationFactory(code="other"), code="main", name="他院")
