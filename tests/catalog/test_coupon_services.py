"""Coupon services (MKT-02): coupon types and their bad input; issuing to one customer, to a
filtered list and as generated codes; the per-customer limit; idempotent submits; the transition
table (every illegal transition refused with nothing written); the daily expiry; the ledger check
that replays each coupon's history."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from medspa.accounts.choices import DataScope
from medspa.audit.models import AuditEvent
from medspa.catalog import coupon_selectors as selectors
from medspa.catalog import coupon_services as services
from medspa.catalog.choices import CouponAction, CouponKind, CouponState, ValidityMode
from medspa.catalog.models import Coupon, CouponBatch, CouponEvent, CouponType
from medspa.core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationError
from tests.catalog.coupon_factories import (
    CatalogCategoryFactory,
    CouponTypeFactory,
    ProductFactory,
    ProjectFactory,
    coupon_user,
    state,
    today,
    writes,
)
from tests.customers.factories import CustomerFactory
from tests.factories import BranchFactory, OrganisationFactory
from tests.organization.factories import StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("MKT-02")]

CODE = re.compile(r"^[2-9A-HJ-NP-Z]{12}$")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def org(branch):
    return branch.organisation


@pytest.fixture
def actor(branch):
    return coupon_user(branch, username="marketing")


@pytest.fixture
def voucher(org):
    return CouponTypeFactory(organisation=org, code="V100", name="代金券100")


@pytest.fixture
def customer(branch):
    return CustomerFactory(branch=branch, name="张三", phone="13800001111")


def issue(actor, coupon_type, customer=None, **kwargs):
    return services.coupon_issue(
        actor=actor,
        coupon_type_id=coupon_type.pk,
        customer_id=customer.pk if customer is not None else None,
        **kwargs,
    )


def refused(error, call, field, message):
    """``call()`` raises ``error`` on ``field`` with ``message`` and writes nothing."""
    before = state()
    with pytest.raises(error) as info:
        call()
    assert (info.value.field, info.value.message) == (field, message)
    assert state() == before


# --- coupon types -------------------------------------------------------------------------------------


def type_args(**overrides):
    values = {
        "code": "NEW200",
        "name": "新客代金券",
        "kind": CouponKind.VOUCHER,
        "amount": "200",
        "min_spend": "1000",
        "applies_to_all": True,
        "validity_mode": ValidityMode.DAYS,
        "validity_days": 90,
        "per_customer_limit": 1,
    }
    values.update(overrides)
    return values


def test_create_a_voucher_type(actor, org):
    coupon_type = services.coupon_type_create(actor=actor, **type_args(description="首单满减"))
    stored = CouponType.objects.get()
    assert (
        stored.pk,
        stored.organisation_id,
        stored.code,
        stored.name,
        stored.kind,
        stored.amount,
        stored.discount_percent,
        stored.min_spend,
        stored.applies_to_all,
        stored.validity_mode,
        stored.valid_from,
        stored.valid_to,
        stored.validity_days,
        stored.per_customer_limit,
        stored.is_stackable,
        stored.description,
        stored.is_active,
        stored.created_by_id,
    ) == (
        coupon_type.pk,
        org.pk,
        "NEW200",
        "新客代金券",
        "voucher",
        Decimal("200.00"),
        None,
        Decimal("1000.00"),
        True,
        "days",
        None,
        None,
        90,
        1,
        False,
        "首单满减",
        True,
        actor.pk,
    )
    event = AuditEvent.objects.get(module="catalog")
    assert (event.action, event.object_id, event.changes["code"], event.changes["amount"]) == (
        "create",
        str(coupon_type.pk),
        [None, "NEW200"],
        [None, "200.00"],
    )


def test_create_a_discount_type_for_listed_projects_products_and_categories(actor, org):
    laser = CatalogCategoryFactory(organisation=org, code="LASER", name="光电美容")
    project = ProjectFactory(organisation=org, code="P004", name="光子嫩肤")
    product = ProductFactory(organisation=org, code="R001", name="医用修复面膜")
    start = today()
    coupon_type = services.coupon_type_create(
        actor=actor,
        code="LASER90",
        name="光电 9 折券",
        kind=CouponKind.DISCOUNT,
        discount_percent="87.5",
        project_ids=[project.pk],
        product_ids=[product.pk],
        category_ids=[laser.pk, laser.pk],
        validity_mode=ValidityMode.FIXED,
        valid_from=start,
        valid_to=start + datetime.timedelta(days=89),
        validity_days=None,
        is_stackable=True,
    )
    coupon_type.refresh_from_db()
    assert (coupon_type.amount, coupon_type.discount_percent, coupon_type.min_spend) == (
        None,
        Decimal("87.50"),
        Decimal("0.00"),
    )
    assert list(coupon_type.projects.all()) == [project]
    assert list(coupon_type.products.all()) == [product]
    assert list(coupon_type.categories.all()) == [laser]
    assert (coupon_type.valid_from, coupon_type.valid_to, coupon_type.is_stackable) == (
        start,
        start + datetime.timedelta(days=89),
        True,
    )


def test_everything_ignores_listed_targets(actor, org):
    project = ProjectFactory(organisation=org)
    coupon_type = services.coupon_type_create(actor=actor, **type_args(project_ids=[project.pk]))
    assert list(coupon_type.projects.all()) == []


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": None}, "amount", "Enter the amount off."),
        ({"amount": "0"}, "amount", "The amount off must be greater than zero."),
        ({"amount": "-5"}, "amount", "The amount off must be greater than zero."),
        ({"amount": "abc"}, "amount", "Enter a valid amount, for example 1234.50."),
        (
            {"discount_percent": "90"},
            "discount_percent",
            "This kind of coupon takes an amount off, not a percentage.",
        ),
        (
            {"kind": "discount", "amount": None},
            "discount_percent",
            "Enter the percentage paid, between 0 and 100: 90 means 10 percent off.",
        ),
        (
            {"kind": "discount", "amount": None, "discount_percent": "0"},
            "discount_percent",
            "Enter the percentage paid, between 0 and 100: 90 means 10 percent off.",
        ),
        (
            {"kind": "discount", "amount": None, "discount_percent": "100"},
            "discount_percent",
            "Enter the percentage paid, between 0 and 100: 90 means 10 percent off.",
        ),
        (
            {"kind": "discount", "amount": None, "discount_percent": "-10"},
            "discount_percent",
            "Enter the percentage paid, between 0 and 100: 90 means 10 percent off.",
        ),
        (
            {"kind": "discount", "amount": None, "discount_percent": "90.125"},
            "discount_percent",
            "The percentage may have at most two decimal places.",
        ),
        ({"kind": "discount"}, "amount", "A discount coupon takes a percentage, not an amount off."),
        ({"min_spend": "-1"}, "min_spend", "The minimum spend cannot be negative."),
        (
            {"applies_to_all": False},
            "applies_to_all",
            "Choose what the coupon applies to: everything, or at least one project, product or category.",
        ),
        (
            {"validity_mode": "fixed", "valid_from": None, "valid_to": datetime.date(2026, 3, 31)},
            "valid_from",
            "Enter the first day the coupons are valid.",
        ),
        (
            {"validity_mode": "fixed", "valid_from": datetime.date(2026, 1, 1), "valid_to": None},
            "valid_to",
            "Enter the last day the coupons are valid.",
        ),
        (
            {
                "validity_mode": "fixed",
                "valid_from": datetime.date(2026, 3, 31),
                "valid_to": datetime.date(2026, 3, 30),
            },
            "valid_to",
            "The last valid day (2026-03-30) cannot be before the first (2026-03-31).",
        ),
        (
            {"validity_days": 0},
            "validity_days",
            "Enter how many days the coupons stay valid after issue (1 to 36500).",
        ),
        (
            {"validity_days": None},
            "validity_days",
            "Enter how many days the coupons stay valid after issue (1 to 36500).",
        ),
        ({"validity_mode": "none"}, "validity_mode", "Choose fixed dates or a number of days after issue."),
        (
            {"per_customer_limit": 0},
            "per_customer_limit",
            "The limit per customer must be a whole number of at least 1 (empty: no limit).",
        ),
        (
            {"kind": "gift"},
            "kind",
            "Choose a voucher, discount coupon, friends-and-family coupon or staff coupon.",
        ),
        ({"name": "  "}, "name", "Enter the name."),
        ({"code": "新 码"}, "code", "The code may contain only letters, digits, hyphens and underscores."),
        ({"description": "x" * 2001}, "description", "The description may have at most 2000 characters."),
    ],
)
def test_bad_coupon_type_input_is_refused(actor, overrides, field, message):
    refused(
        ValidationError,
        lambda: services.coupon_type_create(actor=actor, **type_args(**overrides)),
        field,
        message,
    )


def test_a_code_in_use_is_refused(actor, org):
    CouponTypeFactory(organisation=org, code="NEW200")
    refused(
        ValidationError,
        lambda: services.coupon_type_create(actor=actor, **type_args(code="new200")),
        "code",
        "Coupon type code new200 is already in use.",
    )


def test_targets_of_another_organisation_or_inactive_are_refused(actor, org):
    foreign = ProjectFactory(organisation=OrganisationFactory(code="other"))
    refused(
        ValidationError,
        lambda: services.coupon_type_create(
            actor=actor, **type_args(applies_to_all=False, project_ids=[foreign.pk])
        ),
        "project_ids",
        f"project {foreign.pk} does not exist.",
    )
    retired = CatalogCategoryFactory(organisation=org, name="停用分类", is_active=False)
    refused(
        ValidationError,
        lambda: services.coupon_type_create(
            actor=actor, **type_args(applies_to_all=False, category_ids=[retired.pk])
        ),
        "category_ids",
        "停用分类 is deactivated.",
    )


def test_creating_needs_the_permission(branch):
    viewer = coupon_user(branch, ["catalog.view_coupontype"], username="viewer")
    refused(
        PermissionDenied,
        lambda: services.coupon_type_create(actor=viewer, **type_args()),
        None,
        "You do not have permission to do this.",
    )


def test_update_changes_everything_until_coupons_are_issued(actor, org, customer):
    project = ProjectFactory(organisation=org)
    coupon_type = services.coupon_type_create(actor=actor, **type_args())
    updated = services.coupon_type_update(
        actor=actor,
        coupon_type_id=coupon_type.pk,
        **type_args(
            name="新客券",
            amount="150",
            applies_to_all=False,
            project_ids=[project.pk],
            per_customer_limit=None,
        ),
    )
    assert (updated.name, updated.amount, updated.per_customer_limit, list(updated.projects.all())) == (
        "新客券",
        Decimal("150.00"),
        None,
        [project],
    )
    issue(actor, updated, customer)
    refused(
        ValidationError,
        lambda: services.coupon_type_update(
            actor=actor, coupon_type_id=coupon_type.pk, **type_args(amount="100", project_ids=[project.pk])
        ),
        "amount",
        "Coupons of this type have been issued, so its kind, amount off, percentage and minimum spend "
        "can no longer change.",
    )
    renamed = services.coupon_type_update(
        actor=actor,
        coupon_type_id=coupon_type.pk,
        **type_args(name="新客券 2026", amount="150", validity_days=60, is_stackable=True),
        is_active=False,
    )
    assert (renamed.name, renamed.validity_days, renamed.is_stackable, renamed.is_active) == (
        "新客券 2026",
        60,
        True,
        False,
    )
    assert list(
        AuditEvent.objects.filter(module="catalog").order_by("pk").values_list("action", flat=True)
    ) == [
        "create",
        "update",
        "issue",
        "update",
    ]


def test_another_organisations_type_is_not_found(actor):
    foreign = CouponTypeFactory(organisation=OrganisationFactory(code="other"))
    refused(
        NotFound,
        lambda: services.coupon_type_update(actor=actor, coupon_type_id=foreign.pk, **type_args()),
        None,
        "The object was not found.",
    )
    refused(
        NotFound,
        lambda: services.coupon_type_deactivate(actor=actor, coupon_type_id=foreign.pk),
        None,
        "The object was not found.",
    )


def test_deactivate(actor, voucher):
    services.coupon_type_deactivate(actor=actor, coupon_type_id=voucher.pk)
    services.coupon_type_deactivate(actor=actor, coupon_type_id=voucher.pk)  # nothing more
    voucher.refresh_from_db()
    assert voucher.is_active is False
    assert writes() == 1


# --- issuing to one customer --------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2026, 3, 1, 17, 0, tzinfo=datetime.UTC), tick=False)
def test_issue_to_one_customer(actor, branch, voucher, customer):
    result = issue(actor, voucher, customer, quantity=3, note="到院礼", idempotency_key="k1")
    batch = CouponBatch.objects.get()
    assert (
        batch.branch_id,
        batch.coupon_type_id,
        batch.mode,
        batch.quantity,
        batch.criteria,
        batch.note,
    ) == (
        branch.pk,
        voucher.pk,
        "one",
        3,
        {"customer_id": customer.pk},
        "到院礼",
    )
    coupons = list(Coupon.objects.order_by("pk"))
    assert [c.pk for c in result.coupons] == [c.pk for c in coupons]
    assert (result.skipped, result.replayed) == (0, False)
    assert len({c.code for c in coupons}) == 3
    for coupon in coupons:
        assert CODE.match(coupon.code)
        # 01:00 on 2 March in Shanghai: valid from that day for 30 days.
        assert (
            coupon.organisation_id,
            coupon.branch_id,
            coupon.batch_id,
            coupon.customer_id,
            coupon.staff_id,
            coupon.state,
            coupon.valid_from,
            coupon.valid_to,
        ) == (
            branch.organisation_id,
            branch.pk,
            batch.pk,
            customer.pk,
            None,
            "issued",
            datetime.date(2026, 3, 2),
            datetime.date(2026, 4, 1),
        )
    assert list(
        CouponEvent.objects.values_list("coupon_id", "action", "customer_id", "actor_id", "note")
    ) == [(coupon.pk, "issue", customer.pk, actor.pk, "到院礼") for coupon in coupons]
    audit = AuditEvent.objects.get(module="catalog")
    assert (audit.action, audit.object_type, audit.object_id, audit.changes["quantity"]) == (
        "issue",
        "catalog.couponbatch",
        str(batch.pk),
        [None, 3],
    )


def test_fixed_validity_uses_the_type_dates(actor, org, customer):
    start = today() - datetime.timedelta(days=5)
    fixed = CouponTypeFactory(
        organisation=org,
        validity_mode=ValidityMode.FIXED,
        valid_from=start,
        valid_to=start + datetime.timedelta(days=10),
        validity_days=None,
    )
    coupon = issue(actor, fixed, customer).coupons[0]
    assert (coupon.valid_from, coupon.valid_to) == (start, start + datetime.timedelta(days=10))


def test_a_repeated_submit_returns_the_first_result(actor, voucher, customer):
    first = issue(actor, voucher, customer, quantity=2, idempotency_key="submit-1")
    before = state()
    again = issue(actor, voucher, customer, quantity=2, idempotency_key="submit-1")
    assert (again.batch.pk, [c.pk for c in again.coupons], again.replayed) == (
        first.batch.pk,
        [c.pk for c in first.coupons],
        True,
    )
    assert state() == before
    other = CouponTypeFactory(organisation=voucher.organisation)
    refused(
        Conflict,
        lambda: issue(actor, other, customer, idempotency_key="submit-1"),
        "idempotency_key",
        "This idempotency key was already used for a different request.",
    )
    refused(
        ValidationError,
        lambda: issue(actor, voucher, customer, idempotency_key="k" * 65),
        "idempotency_key",
        "The idempotency key may have at most 64 characters.",
    )


def test_issue_refusals(actor, branch, other_branch, org, voucher, customer):
    elsewhere = CustomerFactory(branch=other_branch)
    retired = CustomerFactory(branch=branch, name="李四", is_active=False)
    staff = StaffFactory(branch=branch)
    foreign_type = CouponTypeFactory(organisation=OrganisationFactory(code="other"))
    inactive = CouponTypeFactory(organisation=org, is_active=False, name="旧券")
    ended = CouponTypeFactory(
        organisation=org,
        name="过期券",
        validity_mode=ValidityMode.FIXED,
        valid_from=datetime.date(2025, 1, 1),
        valid_to=today() - datetime.timedelta(days=1),
        validity_days=None,
    )
    cases = [
        (lambda: issue(actor, foreign_type, customer), "coupon_type_id", "That coupon type does not exist."),
        (
            lambda: issue(actor, inactive, customer),
            "coupon_type_id",
            "旧券 is deactivated; no more coupons of it can be issued.",
        ),
        (
            lambda: issue(actor, ended, customer),
            "coupon_type_id",
            f"The validity of 过期券 ended on {ended.valid_to.isoformat()}; "
            "no more coupons of it can be issued.",
        ),
        (lambda: issue(actor, voucher, customer, quantity=0), "quantity", "Issue at least one coupon."),
        (
            lambda: issue(actor, voucher, customer, quantity=101),
            "quantity",
            "At most 100 coupons can be issued at once.",
        ),
        (lambda: issue(actor, voucher), "customer_id", "Choose the customer who receives the coupons."),
        (
            lambda: issue(actor, voucher, elsewhere),
            "customer_id",
            f"Customer no {elsewhere.pk} does not exist or is outside the customers you may see.",
        ),
        (lambda: issue(actor, voucher, retired), "customer_id", "李四 is deactivated."),
        (
            lambda: issue(actor, voucher, customer, staff_id=staff.pk),
            "staff_id",
            "Only a staff coupon is issued to a staff member.",
        ),
        (
            lambda: issue(actor, voucher, customer, note="x" * 201),
            "note",
            "The note may have at most 200 characters.",
        ),
    ]
    for call, field, message in cases:
        refused(ValidationError, call, field, message)
    viewer = coupon_user(branch, ["catalog.view_coupon"], username="viewer")
    refused(
        PermissionDenied,
        lambda: issue(viewer, voucher, customer),
        None,
        "You do not have permission to do this.",
    )


def test_issuing_needs_a_branch(org, voucher, customer, branch):
    nowhere = coupon_user(branch, username="nowhere")
    nowhere.default_branch = None
    nowhere.save()
    nowhere.branches.clear()
    refused(
        ValidationError,
        lambda: issue(nowhere, voucher, customer),
        "branch",
        "Choose a branch: you work in no branch.",
    )


def test_per_customer_limit_counts_every_coupon_but_void_ones(actor, org, customer):
    limited = CouponTypeFactory(organisation=org, name="新客券", per_customer_limit=2)
    first = issue(actor, limited, customer).coupons[0]
    refused(
        ValidationError,
        lambda: issue(actor, limited, customer, quantity=2),
        "customer_id",
        "张三 already holds 1 of 新客券; at most 2 per customer are allowed.",
    )
    second = issue(actor, limited, customer).coupons[0]
    services.coupon_redeem(actor=actor, coupon_id=second.pk, customer_id=customer.pk, ref="ORD-1")
    refused(
        ValidationError,
        lambda: issue(actor, limited, customer),
        "customer_id",
        "张三 already holds 2 of 新客券; at most 2 per customer are allowed.",
    )
    services.coupon_void(actor=actor, coupon_id=first.pk, reason="发错")
    third = issue(actor, limited, customer).coupons[0]
    assert Coupon.objects.filter(customer=customer).exclude(state="void").count() == 2
    assert third.state == "issued"


def test_staff_coupon_goes_to_a_staff_member(actor, branch, org, customer):
    staff_type = CouponTypeFactory(
        organisation=org, kind=CouponKind.STAFF, name="职工券", per_customer_limit=1
    )
    nurse = StaffFactory(branch=branch, name="王护士")
    coupon = issue(actor, staff_type, None, staff_id=nurse.pk).coupons[0]
    assert (coupon.staff_id, coupon.customer_id, CouponBatch.objects.get().criteria) == (
        nurse.pk,
        None,
        {"customer_id": None, "staff_id": nurse.pk},
    )
    other = StaffFactory(branch=branch, name="李医生")
    with_customer = issue(actor, staff_type, customer, staff_id=other.pk).coupons[0]
    assert (with_customer.staff_id, with_customer.customer_id) == (other.pk, customer.pk)
    left = StaffFactory(branch=branch, name="离职", is_active=False)
    foreign = StaffFactory(branch=BranchFactory(organisation=OrganisationFactory(code="other")))
    cases = [
        (
            lambda: issue(actor, staff_type, customer),
            "staff_id",
            "Choose the staff member who receives the staff coupon.",
        ),
        (
            lambda: issue(actor, staff_type, None, staff_id=nurse.pk),
            "staff_id",
            "王护士 already holds 1 of 职工券; at most 1 per customer are allowed.",
        ),
        (
            lambda: issue(actor, staff_type, None, staff_id=left.pk),
            "staff_id",
            f"{left} is deactivated and can receive no staff coupon.",
        ),
        (
            lambda: issue(actor, staff_type, None, staff_id=foreign.pk),
            "staff_id",
            "That staff member does not exist.",
        ),
    ]
    for call, field, message in cases:
        refused(ValidationError, call, field, message)
    for call in (
        lambda: services.coupon_issue_bulk(actor=actor, coupon_type_id=staff_type.pk, criteria={}),
        lambda: services.coupon_generate(actor=actor, coupon_type_id=staff_type.pk, quantity=5),
    ):
        refused(
            ValidationError, call, "coupon_type_id", "A staff coupon is issued to one staff member at a time."
        )


# --- bulk ---------------------------------------------------------------------------------------------


@pytest.fixture
def tagged(branch, other_branch, org):
    from tests.customers.conftest import tag

    vip = tag(org, "VIP", "客户类型")
    people = {
        "a": CustomerFactory(branch=branch, name="甲", tags=[vip]),
        "b": CustomerFactory(branch=branch, name="乙", tags=[vip]),
        "c": CustomerFactory(branch=branch, name="丙", tags=[vip]),
        "plain": CustomerFactory(branch=branch, name="丁"),
        "inactive": CustomerFactory(branch=branch, name="戊", tags=[vip], is_active=False),
        "elsewhere": CustomerFactory(branch=other_branch, name="己", tags=[vip]),
    }
    return vip, people


def test_bulk_issue_to_a_filtered_list_skips_customers_at_the_limit(actor, org, tagged):
    vip, people = tagged
    limited = CouponTypeFactory(organisation=org, per_customer_limit=2)
    issue(actor, limited, people["c"], quantity=2)
    issue(actor, limited, people["b"])
    result = services.coupon_issue_bulk(
        actor=actor, coupon_type_id=limited.pk, criteria={"tag": vip.pk}, quantity=1, note="VIP 回馈"
    )
    batch = result.batch
    assert (batch.mode, batch.quantity, batch.note, batch.criteria) == (
        "bulk",
        2,
        "VIP 回馈",
        {"filters": {"tag": str(vip.pk)}, "per_customer": 1, "matched": 3, "skipped": 1},
    )
    assert result.skipped == 1
    assert sorted(c.customer_id for c in result.coupons) == sorted([people["a"].pk, people["b"].pk])
    assert AuditEvent.objects.filter(module="catalog", action="issue").count() == 3
    assert AuditEvent.objects.filter(module="catalog", action="issue").order_by("pk").last().message == (
        "1 matching customers skipped"
    )
    # b now holds 2: a second run of 1 each reaches only a.
    again = services.coupon_issue_bulk(actor=actor, coupon_type_id=limited.pk, criteria={"tag": vip.pk})
    assert ([c.customer_id for c in again.coupons], again.skipped) == ([people["a"].pk], 2)
    refused(
        ValidationError,
        lambda: services.coupon_issue_bulk(actor=actor, coupon_type_id=limited.pk, criteria={"tag": vip.pk}),
        "criteria",
        f"Every matching customer already holds as many coupons of {limited.name} as allowed; "
        "nothing was issued.",
    )


def test_bulk_counts_what_the_page_shows(actor, org, tagged):
    vip, _people = tagged
    assert selectors.coupon_bulk_candidates(actor, {"tag": vip.pk}).count() == 3
    assert selectors.coupon_bulk_candidates(actor, {}).count() == 4


def test_bulk_refusals(actor, org, voucher, tagged):
    cases = [
        ({"q": "无此人"}, "criteria", "No customer matches the filter."),
        ({"colour": "red"}, "criteria", "Unknown customer filter: colour."),
        (
            {"tag": 999999},
            "criteria.tag",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ]
    for criteria, field, message in cases:
        refused(
            ValidationError,
            lambda criteria=criteria: services.coupon_issue_bulk(
                actor=actor, coupon_type_id=voucher.pk, criteria=criteria
            ),
            field,
            message,
        )


def test_bulk_is_capped(actor, org, voucher, tagged, monkeypatch):
    monkeypatch.setattr(services, "MAX_BULK_CUSTOMERS", 2)
    vip, _people = tagged
    refused(
        ValidationError,
        lambda: services.coupon_issue_bulk(actor=actor, coupon_type_id=voucher.pk, criteria={"tag": vip.pk}),
        "criteria",
        "3 customers match; at most 2 can receive coupons at once. Narrow the filter.",
    )


# --- generated codes, claim ---------------------------------------------------------------------------


def test_generate_codes_nobody_holds(actor, voucher):
    result = services.coupon_generate(actor=actor, coupon_type_id=voucher.pk, quantity=25, note="地推")
    coupons = list(Coupon.objects.order_by("pk"))
    assert (len(coupons), result.batch.mode, result.batch.quantity, result.batch.criteria) == (
        25,
        "codes",
        25,
        {},
    )
    assert len({c.code for c in coupons}) == 25
    assert all(CODE.match(c.code) and c.customer_id is None for c in coupons)
    assert CouponEvent.objects.filter(action="issue", customer=None).count() == 25
    refused(
        ValidationError,
        lambda: services.coupon_generate(actor=actor, coupon_type_id=voucher.pk, quantity=5001),
        "quantity",
        "At most 5000 coupons can be issued at once.",
    )


def test_a_code_collision_is_drawn_again(actor, voucher, monkeypatch):
    services.coupon_generate(actor=actor, coupon_type_id=voucher.pk, quantity=1)
    taken = Coupon.objects.get().code
    draws = iter([taken, taken, "ABCDEFGHJKLM"])
    monkeypatch.setattr(services, "new_code", lambda: next(draws))
    result = services.coupon_generate(actor=actor, coupon_type_id=voucher.pk, quantity=1)
    assert [c.code for c in result.coupons] == ["ABCDEFGHJKLM"]


def test_codes_are_unique_per_organisation_only(actor, voucher, monkeypatch):
    foreign_type = CouponTypeFactory(organisation=OrganisationFactory(code="other"))
    foreign_branch = BranchFactory(organisation=foreign_type.organisation)
    other_actor = coupon_user(foreign_branch, username="foreigner")
    monkeypatch.setattr(services, "new_code", lambda: "ABCDEFGHJKLM")
    services.coupon_generate(actor=other_actor, coupon_type_id=foreign_type.pk, quantity=1)
    services.coupon_generate(actor=actor, coupon_type_id=voucher.pk, quantity=1)
    assert Coupon.objects.filter(code="ABCDEFGHJKLM").count() == 2
    refused(
        Conflict,
        lambda: services.coupon_generate(actor=actor, coupon_type_id=voucher.pk, quantity=1),
        None,
        "No unused coupon codes could be drawn; please try again.",
    )


def test_claim_a_code(actor, org, customer):
    limited = CouponTypeFactory(organisation=org, name="地推券", per_customer_limit=1)
    first, second = services.coupon_generate(actor=actor, coupon_type_id=limited.pk, quantity=2).coupons
    claimed = services.coupon_claim(actor=actor, coupon_id=first.pk, customer_id=customer.pk)
    assert (claimed.customer_id, claimed.state) == (customer.pk, "issued")
    assert list(first.events.values_list("action", "customer_id")) == [
        ("issue", None),
        ("claim", customer.pk),
    ]
    assert selectors.coupon_by_code_for(actor, first.code.lower()).pk == first.pk
    other = CustomerFactory(branch=customer.branch)
    refused(
        ValidationError,
        lambda: services.coupon_claim(actor=actor, coupon_id=first.pk, customer_id=other.pk),
        "coupon_id",
        "This coupon has already been claimed.",
    )
    refused(
        ValidationError,
        lambda: services.coupon_claim(actor=actor, coupon_id=second.pk, customer_id=customer.pk),
        "customer_id",
        "张三 already holds 1 of 地推券; at most 1 per customer are allowed.",
    )


# --- friends and family -------------------------------------------------------------------------------


@pytest.fixture
def friends(org):
    return CouponTypeFactory(organisation=org, kind=CouponKind.FRIENDS, name="亲友券", amount=Decimal(300))


def test_hand_on_a_friends_coupon(actor, branch, friends, customer):
    friend = CustomerFactory(branch=branch, name="王五")
    coupon = issue(actor, friends, customer).coupons[0]
    handed = services.coupon_transfer(actor=actor, coupon_id=coupon.pk, to_customer_id=friend.pk)
    assert (handed.customer_id, handed.given_by_id, handed.state) == (friend.pk, customer.pk, "issued")
    assert list(coupon.events.values_list("action", "customer_id")) == [
        ("issue", customer.pk),
        ("transfer", friend.pk),
    ]
    assert AuditEvent.objects.filter(module="catalog", action="transfer").get().changes == {
        "customer": [customer.pk, friend.pk],
        "given_by": [None, customer.pk],
    }
    refused(
        ValidationError,
        lambda: services.coupon_transfer(actor=actor, coupon_id=coupon.pk, to_customer_id=friend.pk),
        "to_customer_id",
        "王五 already holds this coupon.",
    )


def test_hand_on_refusals(actor, branch, org, friends, voucher, customer):
    friend = CustomerFactory(branch=branch, name="王五")
    plain = issue(actor, voucher, customer).coupons[0]
    refused(
        ValidationError,
        lambda: services.coupon_transfer(actor=actor, coupon_id=plain.pk, to_customer_id=friend.pk),
        "coupon_id",
        "Only a friends-and-family coupon can be handed on.",
    )
    code = services.coupon_generate(actor=actor, coupon_type_id=friends.pk, quantity=1).coupons[0]
    refused(
        ValidationError,
        lambda: services.coupon_transfer(actor=actor, coupon_id=code.pk, to_customer_id=friend.pk),
        "coupon_id",
        "Nobody holds this coupon yet: a customer claims it instead.",
    )
    limited = CouponTypeFactory(
        organisation=org, kind=CouponKind.FRIENDS, name="限一张", per_customer_limit=1
    )
    mine = issue(actor, limited, customer).coupons[0]
    issue(actor, limited, friend)
    refused(
        ValidationError,
        lambda: services.coupon_transfer(actor=actor, coupon_id=mine.pk, to_customer_id=friend.pk),
        "to_customer_id",
        "王五 already holds 1 of 限一张; at most 1 per customer are allowed.",
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(days=40)):
        refused(
            ValidationError,
            lambda: services.coupon_transfer(actor=actor, coupon_id=mine.pk, to_customer_id=friend.pk),
            "coupon_id",
            f"The coupon was valid until {mine.valid_to.isoformat()}.",
        )
    reader = coupon_user(branch, ["catalog.view_coupon"], username="reader")
    refused(
        PermissionDenied,
        lambda: services.coupon_transfer(actor=reader, coupon_id=mine.pk, to_customer_id=friend.pk),
        None,
        "You do not have permission to do this.",
    )


# --- redeem, unredeem, void ---------------------------------------------------------------------------


def test_redeem_and_reverse(actor, voucher, customer):
    coupon = issue(actor, voucher, customer).coupons[0]
    redeemed = services.coupon_redeem(
        actor=actor,
        coupon_id=coupon.pk,
        customer_id=customer.pk,
        ref="ORD-20260301-0001",
        idempotency_key="r1",
    )
    assert (redeemed.state, redeemed.redeemed_ref, redeemed.redeemed_at is not None) == (
        "redeemed",
        "ORD-20260301-0001",
        True,
    )
    before = state()
    again = services.coupon_redeem(
        actor=actor,
        coupon_id=coupon.pk,
        customer_id=customer.pk,
        ref="ORD-20260301-0001",
        idempotency_key="r1",
    )
    assert (again.pk, again.state) == (coupon.pk, "redeemed")
    assert state() == before
    reversed_ = services.coupon_unredeem(actor=actor, coupon_id=coupon.pk, reason="退单")
    assert (reversed_.state, reversed_.redeemed_at, reversed_.redeemed_ref) == ("issued", None, "")
    assert list(coupon.events.values_list("action", "note", "idempotency_key")) == [
        ("issue", "", ""),
        ("redeem", "ORD-20260301-0001", "r1"),
        ("unredeem", "退单", ""),
    ]
    other = issue(actor, voucher, customer).coupons[0]
    refused(
        Conflict,
        lambda: services.coupon_redeem(
            actor=actor, coupon_id=other.pk, customer_id=customer.pk, ref="X", idempotency_key="r1"
        ),
        "idempotency_key",
        "This idempotency key was already used for a different request.",
    )


def test_redeem_a_code_claims_it_first(actor, voucher, customer):
    code = services.coupon_generate(actor=actor, coupon_type_id=voucher.pk, quantity=1).coupons[0]
    services.coupon_redeem(actor=actor, coupon_id=code.pk, customer_id=customer.pk, ref="ORD-2")
    code.refresh_from_db()
    assert (code.customer_id, code.state) == (customer.pk, "redeemed")
    assert list(code.events.values_list("action", "customer_id")) == [
        ("issue", None),
        ("claim", customer.pk),
        ("redeem", customer.pk),
    ]


def test_redeem_refusals(actor, branch, org, voucher, customer):
    coupon = issue(actor, voucher, customer).coupons[0]
    stranger = CustomerFactory(branch=branch, name="路人")
    later = CouponTypeFactory(
        organisation=org,
        validity_mode=ValidityMode.FIXED,
        valid_from=today() + datetime.timedelta(days=3),
        valid_to=today() + datetime.timedelta(days=30),
        validity_days=None,
    )
    early = issue(actor, later, customer).coupons[0]
    cases = [
        (
            lambda: services.coupon_redeem(
                actor=actor, coupon_id=coupon.pk, customer_id=stranger.pk, ref="A"
            ),
            "customer_id",
            "This coupon belongs to another customer.",
        ),
        (
            lambda: services.coupon_redeem(
                actor=actor, coupon_id=coupon.pk, customer_id=customer.pk, ref=" "
            ),
            "ref",
            "Enter the reference.",
        ),
        (
            lambda: services.coupon_redeem(actor=actor, coupon_id=early.pk, customer_id=customer.pk, ref="A"),
            "coupon_id",
            f"The coupon is valid from {early.valid_from.isoformat()}.",
        ),
        (
            lambda: services.coupon_redeem(
                actor=actor,
                coupon_id=coupon.pk,
                customer_id=customer.pk,
                ref="A",
                on_date=coupon.valid_to + datetime.timedelta(days=1),
            ),
            "coupon_id",
            f"The coupon was valid until {coupon.valid_to.isoformat()}.",
        ),
    ]
    for call, field, message in cases:
        refused(ValidationError, call, field, message)
    refused(
        NotFound,
        lambda: services.coupon_redeem(actor=actor, coupon_id=-1, customer_id=customer.pk, ref="A"),
        None,
        "The object was not found.",
    )
    issuer = coupon_user(branch, ["catalog.view_coupon", "catalog.issue_coupon"], username="issuer")
    refused(
        PermissionDenied,
        lambda: services.coupon_redeem(actor=issuer, coupon_id=coupon.pk, customer_id=customer.pk, ref="A"),
        None,
        "You do not have permission to do this.",
    )


def test_void_needs_a_reason_and_the_permission(actor, branch, voucher, customer):
    coupon = issue(actor, voucher, customer).coupons[0]
    refused(
        ValidationError,
        lambda: services.coupon_void(actor=actor, coupon_id=coupon.pk, reason="  "),
        "reason",
        "Enter the reason.",
    )
    issuer = coupon_user(branch, ["catalog.view_coupon", "catalog.issue_coupon"], username="issuer")
    refused(
        PermissionDenied,
        lambda: services.coupon_void(actor=issuer, coupon_id=coupon.pk, reason="错发"),
        None,
        "You do not have permission to do this.",
    )
    voided = services.coupon_void(actor=actor, coupon_id=coupon.pk, reason="错发")
    assert (voided.state, coupon.events.last().note) == ("void", "错发")
    audit = AuditEvent.objects.filter(action="void").get()
    assert (audit.changes, audit.message) == ({"state": ["issued", "void"]}, "错发")


def test_another_branchs_coupon_is_not_found(actor, org, other_branch, voucher):
    east = coupon_user(other_branch, username="east")
    buyer = CustomerFactory(branch=other_branch)
    coupon = issue(east, voucher, buyer).coupons[0]
    for call in (
        lambda: services.coupon_void(actor=actor, coupon_id=coupon.pk, reason="x"),
        lambda: services.coupon_unredeem(actor=actor, coupon_id=coupon.pk, reason="x"),
        lambda: services.coupon_redeem(actor=actor, coupon_id=coupon.pk, customer_id=buyer.pk, ref="x"),
        lambda: services.coupon_claim(actor=actor, coupon_id=coupon.pk, customer_id=buyer.pk),
        lambda: services.coupon_transfer(actor=actor, coupon_id=coupon.pk, to_customer_id=buyer.pk),
    ):
        refused(NotFound, call, None, "The object was not found.")


# --- the transition table -----------------------------------------------------------------------------


def test_the_table_is_the_one_documented():
    assert {action: (sorted(rule.sources), rule.target) for action, rule in services.TRANSITIONS.items()} == {
        "claim": (["issued"], "issued"),
        "transfer": (["issued"], "issued"),
        "redeem": (["issued"], "redeemed"),
        "unredeem": (["redeemed"], "issued"),
        "expire": (["issued"], "expired"),
        "void": (["issued"], "void"),
    }


def _coupon_in(state_name, actor, friends, customer):
    """A friends-and-family code (nobody holds it) or coupon held by ``customer`` in ``state_name``."""
    coupon = issue(actor, friends, customer).coupons[0]
    if state_name == "redeemed":
        services.coupon_redeem(actor=actor, coupon_id=coupon.pk, customer_id=customer.pk, ref="ORD")
    elif state_name == "void":
        services.coupon_void(actor=actor, coupon_id=coupon.pk, reason="测试")
    elif state_name == "expired":
        services.coupon_expire_due(now=timezone.now() + datetime.timedelta(days=friends.validity_days + 2))
    coupon.refresh_from_db()
    assert coupon.state == state_name
    return coupon


ILLEGAL = [
    ("issued", "unredeem"),
    *[("redeemed", action) for action in ("claim", "transfer", "redeem", "void")],
    *[("expired", action) for action in ("claim", "transfer", "redeem", "unredeem", "void")],
    *[("void", action) for action in ("claim", "transfer", "redeem", "unredeem", "void")],
]
MESSAGES = {
    "claim": "Only an issued coupon can be claimed; this one is {state}.",
    "transfer": "Only an issued coupon can be handed on; this one is {state}.",
    "redeem": "Only an issued coupon can be redeemed; this one is {state}.",
    "unredeem": "Only a redeemed coupon can have its redemption reversed; this one is {state}.",
    "void": "Only an issued coupon can be voided; this one is {state}.",
}


@pytest.mark.parametrize(("state_name", "action"), ILLEGAL)
def test_every_illegal_transition_is_refused(actor, branch, friends, customer, state_name, action):
    friend = CustomerFactory(branch=branch, name="王五")
    coupon = _coupon_in(state_name, actor, friends, customer)
    calls = {
        "claim": lambda: services.coupon_claim(actor=actor, coupon_id=coupon.pk, customer_id=friend.pk),
        "transfer": lambda: services.coupon_transfer(
            actor=actor, coupon_id=coupon.pk, to_customer_id=friend.pk
        ),
        "redeem": lambda: services.coupon_redeem(
            actor=actor, coupon_id=coupon.pk, customer_id=customer.pk, ref="ORD-9"
        ),
        "unredeem": lambda: services.coupon_unredeem(actor=actor, coupon_id=coupon.pk, reason="退"),
        "void": lambda: services.coupon_void(actor=actor, coupon_id=coupon.pk, reason="作废"),
    }
    label = CouponState(state_name).label.lower()
    refused(IllegalTransition, calls[action], "state", MESSAGES[action].format(state=label))


def test_expiry_touches_issued_coupons_only(actor, friends, customer):
    redeemed = _coupon_in("redeemed", actor, friends, customer)
    voided = _coupon_in("void", actor, friends, CustomerFactory(branch=customer.branch))
    later = timezone.now() + datetime.timedelta(days=60)
    assert services.coupon_expire_due(now=later) == 0
    assert [c.state for c in Coupon.objects.filter(pk__in=[redeemed.pk, voided.pk]).order_by("pk")] == [
        "redeemed",
        "void",
    ]


# --- expiry -------------------------------------------------------------------------------------------


def test_expire_due_is_daily_and_idempotent(actor, branch, other_branch, org, customer):
    short = CouponTypeFactory(organisation=org, validity_days=1)
    due = issue(actor, short, customer, quantity=2).coupons
    east = coupon_user(other_branch, username="east")
    far = issue(east, short, CustomerFactory(branch=other_branch)).coupons[0]
    lasting = issue(actor, CouponTypeFactory(organisation=org, validity_days=30), customer).coupons[0]
    start = timezone.localtime()
    # Valid through tomorrow: still valid then, expired the day after.
    assert services.coupon_expire_due(now=start + datetime.timedelta(days=1)) == 0
    audits = AuditEvent.objects.filter(action="expire").count()
    assert services.coupon_expire_due(now=start + datetime.timedelta(days=2)) == 3
    assert services.coupon_expire_due(now=start + datetime.timedelta(days=2)) == 0
    states = dict(Coupon.objects.values_list("pk", "state"))
    assert [states[c.pk] for c in (*due, far, lasting)] == ["expired", "expired", "expired", "issued"]
    assert CouponEvent.objects.filter(action="expire", actor=None).count() == 3
    expiries = AuditEvent.objects.filter(action="expire").order_by("pk")
    assert audits == 0
    assert [(e.branch_id, e.actor_name, e.changes["expired"]) for e in expiries] == [
        (branch.pk, "system", 2),
        (other_branch.pk, "system", 1),
    ]


def test_the_daily_task_runs_the_expiry(actor, org, customer):
    from medspa.catalog.coupon_tasks import expire_coupons

    short = CouponTypeFactory(organisation=org, validity_days=1)
    issue(actor, short, customer)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        assert expire_coupons.call() == 1
        assert expire_coupons.call() == 0


# --- usable coupons (for the pricing engine) ----------------------------------------------------------


def test_coupons_usable_for_a_customer_on_a_day(actor, branch, org, voucher, customer):
    usable = issue(actor, voucher, customer).coupons[0]
    issue(actor, voucher, CustomerFactory(branch=branch))  # someone else's
    redeemed = issue(actor, voucher, customer).coupons[0]
    services.coupon_redeem(actor=actor, coupon_id=redeemed.pk, customer_id=customer.pk, ref="O")
    future = CouponTypeFactory(
        organisation=org,
        validity_mode=ValidityMode.FIXED,
        valid_from=today() + datetime.timedelta(days=10),
        valid_to=today() + datetime.timedelta(days=20),
        validity_days=None,
    )
    later = issue(actor, future, customer).coupons[0]
    on_today = selectors.coupons_usable_for(actor, customer_id=customer.pk, on_date=today())
    assert [c.pk for c in on_today] == [usable.pk]
    in_ten = today() + datetime.timedelta(days=10)
    assert [c.pk for c in selectors.coupons_usable_for(actor, customer_id=customer.pk, on_date=in_ten)] == [
        later.pk,
        usable.pk,
    ]  # soonest ending first
    outsider = coupon_user(branch, ["catalog.view_coupon"], DataScope.OWN, username="own")
    assert list(selectors.coupons_usable_for(outsider, customer_id=customer.pk, on_date=today())) == []


# --- the ledger check ---------------------------------------------------------------------------------


def test_verify_replays_every_history(actor, branch, friends, voucher, customer):
    friend = CustomerFactory(branch=branch)
    handed = issue(actor, friends, customer).coupons[0]
    services.coupon_transfer(actor=actor, coupon_id=handed.pk, to_customer_id=friend.pk)
    services.coupon_redeem(actor=actor, coupon_id=handed.pk, customer_id=friend.pk, ref="O1")
    code = services.coupon_generate(actor=actor, coupon_type_id=voucher.pk, quantity=1).coupons[0]
    services.coupon_claim(actor=actor, coupon_id=code.pk, customer_id=customer.pk)
    voided = issue(actor, voucher, customer).coupons[0]
    services.coupon_void(actor=actor, coupon_id=voided.pk, reason="x")
    assert services.coupon_verify() == ([], 3, 7)


def test_verify_detects_a_tampered_coupon(actor, branch, voucher, customer, capsys):
    coupon = issue(actor, voucher, customer).coupons[0]
    stranger = CustomerFactory(branch=branch)
    call_command("catalog_coupon_verify")
    assert capsys.readouterr().out == "OK: 1 coupons match their history (1 events)\n"
    Coupon.objects.filter(pk=coupon.pk).update(state=CouponState.REDEEMED)
    label = f"coupon {coupon.code} (id {coupon.pk})"
    assert services.coupon_verify()[0] == [
        f"{label}: state is redeemed but its history says issued",
        f"{label}: redemption time does not match its state",
    ]
    Coupon.objects.filter(pk=coupon.pk).update(state=CouponState.ISSUED, customer=stranger)
    with pytest.raises(CommandError, match=r"1 problem\(s\) in 1 coupons"):
        call_command("catalog_coupon_verify", coupon=[coupon.pk])
    assert capsys.readouterr().out == (
        f"{label}: held by customer {stranger.pk} but its history says {customer.pk}\n"
    )
    Coupon.objects.filter(pk=coupon.pk).update(customer=customer)
    CouponEvent.objects.create(
        coupon=coupon, action=CouponAction.UNREDEEM, at=timezone.now(), customer=customer
    )
    assert services.coupon_verify()[0] == [
        f"{label}: unredeem while issued (event {CouponEvent.objects.last().pk})"
    ]
    CouponEvent.objects.filter(coupon=coupon).delete()
    assert services.coupon_verify()[0] == [f"{label}: has no history"]


def test_unredeem_needs_a_reason_and_the_permission(actor, branch, voucher, customer):
    coupon = issue(actor, voucher, customer).coupons[0]
    services.coupon_redeem(actor=actor, coupon_id=coupon.pk, customer_id=customer.pk, ref="ORD-3")
    refused(
        ValidationError,
        lambda: services.coupon_unredeem(actor=actor, coupon_id=coupon.pk, reason=""),
        "reason",
        "Enter the reason.",
    )
    issuer = coupon_user(branch, ["catalog.view_coupon", "catalog.issue_coupon"], username="issuer")
    refused(
        PermissionDenied,
        lambda: services.coupon_unredeem(actor=issuer, coupon_id=coupon.pk, reason="退单"),
        None,
        "You do not have permission to do this.",
    )


def test_a_code_past_its_validity_cannot_be_claimed(actor, voucher, customer):
    code = services.coupon_generate(actor=actor, coupon_type_id=voucher.pk, quantity=1).coupons[0]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=35)):
        refused(
            ValidationError,
            lambda: services.coupon_claim(actor=actor, coupon_id=code.pk, customer_id=customer.pk),
            "coupon_id",
            f"The coupon was valid until {code.valid_to.isoformat()}.",
        )
