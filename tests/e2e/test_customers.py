"""Main CRM flow (issue 4), at 1440 and 375 px: a consultant registers a customer, tags her,
records a consultation, finds her by pinyin initials and by the last 4 phone digits through the
top-bar search, and opens her archive."""

import re

import pytest
from playwright.sync_api import expect

from medspa.customers.models import Consultation, Customer
from tests.e2e.helpers import login, open_menu_item

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.req("CRM-01", "CRM-03", "CRM-04", "CRM-05", "CRM-06"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def search(page, viewport: str, text: str):
    toggle = page.get_by_test_id("customer-search-toggle")
    if viewport == "phone" and toggle.is_visible():
        toggle.click()
    box = page.get_by_test_id("customer-search").locator("visible=true").first.locator("input[name=q]")
    box.fill(text)
    return page.locator(".customer-search-results").locator("visible=true").first


def test_consultant_registers_tags_consults_and_finds_a_customer(page, demo, viewport):
    phone = "13912347788" if viewport == "desktop" else "13912348899"
    login(page, "consultant", demo)
    open_menu_item(page, "customers-customers")
    page.get_by_test_id("create").click()
    page.get_by_label("姓名").fill("欧阳晓雯")
    page.get_by_label("性别").select_option(label="女")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("生日").fill("2999-01-01")
    page.shot("customer-form")
    page.get_by_test_id("submit").click()
    expect(page.locator(".invalid-feedback").first).to_contain_text("生日不能晚于今天")
    page.get_by_label("生日").fill("1992-03-08")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("customer-name")).to_have_text("欧阳晓雯")
    customer = Customer.objects.get(phone=phone)
    assert customer.consultant.user.username == "consultant"  # she owns what she registers
    expect(page.get_by_test_id("phone")).to_have_text(f"{phone[:3]}****{phone[-4:]}")
    page.shot("archive-new")

    # tags
    page.goto(f"/customers/{customer.pk}/?section=tags")
    form = page.get_by_test_id("tags-form").locator("visible=true").first
    tags = form.locator("select[name=tags]")
    values = tags.evaluate("el => [...el.options].filter(o => /VIP|美白/.test(o.text)).map(o => o.value)")
    tags.select_option(values, force=True)
    form.get_by_test_id("tags-submit").click()
    expect(page.get_by_test_id("section-tags").locator("visible=true").first).to_contain_text("VIP")
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "美白"]
    page.shot("tagged")

    # a consultation that closed
    page.goto(f"/customers/{customer.pk}/?section=consultations")
    page.get_by_test_id("section-consultations").locator("visible=true").first.get_by_test_id(
        "add-consultation"
    ).click()
    consultation = page.get_by_test_id("consultation-form")
    consultation.locator("#consultation-projects").fill("光子嫩肤")
    consultation.locator("#consultation-content").fill("到院咨询光子嫩肤，当场成交")
    consultation.locator("#consultation-outcome").select_option("deal")
    consultation.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"\?section=consultations$"))
    assert Consultation.objects.get(customer=customer).outcome == "deal"
    page.shot("consulted")

    # found by pinyin initials and by the last 4 digits, from any page
    page.goto("/")
    results = search(page, viewport, "oyxw")
    expect(results).to_contain_text("欧阳晓雯")
    page.shot("search-initials")
    page.goto("/")
    results = search(page, viewport, phone[-4:])
    expect(results).to_contain_text("欧阳晓雯")
    results.get_by_role("link", name=re.compile("欧阳晓雯")).first.click()
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/"))
    expect(page.get_by_test_id("archive-header")).to_contain_text("VIP")
    page.shot("archive-found")
