"""The demo coupons (MKT-02): four coupon types and a few issued coupons, created through the
services; running the seed again changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medspa.catalog import coupon_demo
from medspa.catalog import coupon_services as services
from medspa.catalog.models import Coupon, CouponType
from tests.catalog.coupon_factories import CatalogCategoryFactory, coupon_user, state
from tests.customers.factories import CustomerFactory
from tests.organization.factories import StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("MKT-02")]


def test_seed_demo_is_idempotent(branch):
    org = branch.organisation
    laser = CatalogCategoryFactory(organisation=org, code="LASER", name="光电美容")
    customers = [CustomerFactory(branch=branch, name=name) for name in ("张三", "李四", "王五")]
    nurse = StaffFactory(branch=branch, name="王护士")
    marketing = coupon_user(branch, username="marketing")
    coupon_demo.seed_demo(actor=marketing, organisation=org, branch=branch)
    types = {t.code: t for t in CouponType.objects.all()}
    assert {
        code: (t.kind, t.amount, t.discount_percent, t.min_spend, t.per_customer_limit)
        for code, t in types.items()
    } == {
        "NEW200": ("voucher", Decimal("200.00"), None, Decimal("1000.00"), 1),
        "LASER90": ("discount", None, Decimal("90.00"), Decimal("0.00"), None),
        "FRIEND300": ("friends", Decimal("300.00"), None, Decimal("0.00"), None),
        "STAFF500": ("staff", Decimal("500.00"), None, Decimal("0.00"), 1),
    }
    assert (types["NEW200"].applies_to_all, types["NEW200"].validity_days) == (True, 90)
    assert list(types["LASER90"].categories.all()) == [laser]
    assert types["LASER90"].valid_from.day == 1 and types["LASER90"].valid_from.month in (1, 4, 7, 10)
    new = Coupon.objects.filter(coupon_type=types["NEW200"]).order_by("customer_id")
    assert [c.customer_id for c in new] == [customers[0].pk, customers[1].pk]
    gift = Coupon.objects.get(coupon_type=types["FRIEND300"])
    assert (gift.customer_id, gift.given_by_id) == (customers[2].pk, customers[0].pk)
    assert Coupon.objects.get(coupon_type=types["STAFF500"]).staff_id == nurse.pk
    assert Coupon.objects.filter(coupon_type=types["LASER90"], customer=None).count() == 20
    before = state()
    coupon_demo.seed_demo(actor=marketing, organisation=org, branch=branch)
    assert state() == before
    assert services.coupon_verify()[0] == []
