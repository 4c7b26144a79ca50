"""Coupons in the browser (MKT-02), at 1440 and 375 px, all through the pages: the marketing
manager issues a voucher to a customer found by name, sees it with state 已发放 and its history,
then voids it with a reason; the history shows both entries.

Page labels go through ``gettext`` so that the test reads the same words the page shows (the
catalog holds their Chinese); names and codes are asserted literally."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.utils.translation import gettext
from playwright.sync_api import expect

from medspa.catalog.choices import CouponKind, ValidityMode
from medspa.catalog.models import Coupon, CouponType
from tests.catalog.coupon_factories import coupon_user
from tests.customers.factories import CustomerFactory
from tests.e2e.helpers import choose, htmx_settled, login, open_menu_item
from tests.factories import PASSWORD, BranchFactory, OrganisationFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def clinic():
    """A branch, a marketing manager who may issue and void coupons, a customer and a voucher type.
    Playwright's greenlet has no serialized snapshot, so permissions are created again first."""
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    branch = BranchFactory(organisation=OrganisationFactory(code="e2e-coupons"), code="main", name="总院")
    manager = coupon_user(branch, username="coupon-manager", display_name="吴市场")
    customer = CustomerFactory(branch=branch, name="林小雨", phone="13812345678")
    CouponType.objects.create(
        organisation=branch.organisation,
        code="NEW200",
        name="新客代金券",
        kind=CouponKind.VOUCHER,
        amount=Decimal(200),
        min_spend=Decimal(1000),
        applies_to_all=True,
        validity_mode=ValidityMode.DAYS,
        validity_days=90,
        per_customer_limit=1,
    )
    return manager, customer


def history(page) -> list[list[str]]:
    rows = page.get_by_test_id("history-row")
    return [
        [cell.strip() for cell in rows.nth(i).locator("td").all_inner_texts()] for i in range(rows.count())
    ]


@pytest.mark.req("MKT-02")
def test_issue_a_voucher_and_void_it(page, clinic, viewport):
    manager, customer = clinic
    login(page, manager.username, PASSWORD)

    open_menu_item(page, "catalog-coupons")
    expect(page.get_by_role("heading", name=gettext("Coupons"))).to_be_visible()
    page.shot("coupon-list-empty")
    page.get_by_test_id("issue").click()
    expect(page).to_have_url(re.compile(r"/catalog/coupons/issue/$"))

    choose(page.locator("#id_coupon_type_id"), "新客代金券")
    page.get_by_test_id("coupon-customer-search").fill("林小")
    result = page.get_by_test_id("coupon-customer-result").filter(has_text="林小雨")
    expect(result).to_contain_text("138****5678")
    htmx_settled(page)
    result.click()
    expect(page.locator("#id_customer_id")).to_have_value(str(customer.pk))
    expect(page.get_by_test_id("coupon-customer-picked")).to_contain_text("林小雨")
    page.locator("#id_note").fill("到院礼")
    page.shot("issue-form")
    page.get_by_test_id("submit").click()

    expect(page).to_have_url(re.compile(r"/catalog/coupons/\d+/$"))
    coupon = Coupon.objects.get(customer=customer)
    expect(page.get_by_test_id("state")).to_have_text(gettext("Issued"))
    fields = page.get_by_test_id("object-fields")
    expect(fields).to_contain_text(coupon.code)
    expect(fields).to_contain_text("林小雨（138****5678）")
    expect(fields).not_to_contain_text("13812345678")
    assert [row[1:] for row in history(page)] == [[gettext("Issued"), "林小雨", "吴市场", "到院礼"]]
    page.shot("issued")

    page.get_by_test_id("void").click()
    expect(page).to_have_url(re.compile(r"/catalog/coupons/\d+/void/$"))
    page.get_by_test_id("submit").click()  # no reason: refused on the form
    expect(page.locator(".invalid-feedback")).to_be_visible()
    page.shot("void-without-reason")
    page.locator("#id_reason").fill("客户信息登记错误")
    page.get_by_test_id("submit").click()

    expect(page).to_have_url(re.compile(rf"/catalog/coupons/{coupon.pk}/$"))
    expect(page.get_by_test_id("state")).to_have_text(gettext("Void"))
    expect(page.get_by_test_id("void")).to_have_count(0)
    assert [row[1:] for row in history(page)] == [
        [gettext("Issued"), "林小雨", "吴市场", "到院礼"],
        [gettext("Voided"), "林小雨", "吴市场", "客户信息登记错误"],
    ]
    page.shot("voided")
    coupon.refresh_from_db()
    assert coupon.state == "void"
