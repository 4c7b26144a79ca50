"""The demo discount settings (CAT-06) and commission plans (CAT-07): created through the services,
idempotent, and rows whose project, category or position is missing are skipped."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from medspa.accounts.roles import ensure_builtin_roles
from medspa.catalog.models import CommissionPlan, DiscountAuthority, DiscountRule
from medspa.catalog.policy_demo import seed_demo
from tests.catalog.policy_factories import (
    PolicyCategoryFactory,
    PolicyProjectFactory,
    PositionFactory,
    builtin_role,
    policy_user,
    state,
)

pytestmark = pytest.mark.django_db

D = Decimal


def role_id(key):
    return builtin_role(key).pk


@pytest.fixture(autouse=True)
def roles(db):
    ensure_builtin_roles()


@pytest.mark.req("CAT-06", "CAT-07")
def test_demo_creates_the_described_set_once(branch):
    org = branch.organisation
    inj = PolicyCategoryFactory(organisation=org, code="INJ", name="注射美容")
    surg = PolicyCategoryFactory(organisation=org, code="SURG", name="手术整形")
    p002 = PolicyProjectFactory(category=inj, code="P002", name="肉毒素除皱-额纹")
    p006 = PolicyProjectFactory(category=surg, code="P006", name="双眼皮手术")
    positions = {
        code: PositionFactory(organisation=org, code=code)
        for code in ("consultant", "doctor", "nurse", "marketing")
    }
    actor = policy_user(branch)
    seed_demo(actor=actor, organisation=org, branch=branch)
    after_first = state()
    seed_demo(actor=actor, organisation=org, branch=branch)
    assert state() == after_first
    assert sorted(
        DiscountRule.objects.values_list("project_id", "category_id", "never_discount", "min_percent"),
        key=str,
    ) == sorted(
        [
            (p006.pk, None, True, D("100.00")),
            (None, inj.pk, False, D("70.00")),
            (p002.pk, None, False, D("80.00")),
        ],
        key=str,
    )
    assert sorted(
        DiscountAuthority.objects.values_list("organisation_id", "role_id", "min_percent")
    ) == sorted(
        [
            (org.pk, role_id("consultant"), D("90.00")),
            (org.pk, role_id("director"), D("70.00")),
            (org.pk, role_id("cashier"), D("95.00")),
        ]
    )
    start = datetime.date(timezone.localdate().year, 1, 1)
    assert sorted(
        CommissionPlan.objects.values_list(
            "kind", "position__code", "basis", "rate_percent", "fixed_amount", "project_id", "category_id"
        ),
        key=str,
    ) == sorted(
        [
            ("sales", "consultant", "cash", D("3.00"), None, None, None),
            ("sales", "consultant", "cash", D("5.00"), None, None, inj.pk),
            ("operator", "doctor", "per_session", None, D("200.00"), p006.pk, None),
            ("operator", "nurse", "consumption", D("2.00"), None, None, None),
            ("card", "marketing", "cash", D("2.00"), None, None, None),
            ("prepayment", "consultant", "cash", D("1.00"), None, None, None),
        ],
        key=str,
    )
    assert set(CommissionPlan.objects.values_list("effective_from", "effective_to", "is_active")) == {
        (start, None, True)
    }
    assert positions["doctor"].pk in CommissionPlan.objects.values_list("position_id", flat=True)


@pytest.mark.req("CAT-06", "CAT-07")
def test_demo_skips_missing_rows(branch):
    org = branch.organisation
    inj = PolicyCategoryFactory(organisation=org, code="INJ")
    PositionFactory(organisation=org, code="consultant")
    seed_demo(actor=policy_user(branch), organisation=org, branch=branch)
    assert list(DiscountRule.objects.values_list("category_id", "min_percent")) == [(inj.pk, D("70.00"))]
    assert DiscountAuthority.objects.count() == 3
    assert sorted(CommissionPlan.objects.values_list("kind", "category_id"), key=str) == sorted(
        [("sales", None), ("sales", inj.pk), ("prepayment", None)], key=str
    )
