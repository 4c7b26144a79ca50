"""Platform flow (issue 3): the system admin sets up a department, a staff member and a
consultant account; the consultant is forced to change the initial password, sees only the menus
the role permits and the watermark; the audit admin finds every step in the audit log."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import choose, login, logout, open_menu_item

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.req("PLT-01", "PLT-02", "PLT-03", "PLT-04", "SEC-02", "SEC-06", "SEC-07", "AUD-01", "AUD-02"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

INITIAL = "Chu@shi2026"
CHOSEN = "Lin#Xiaoyu77"
# What the built-in 咨询师 role opens: her customers and their records, colleagues and reference
# data — nothing administrative.
CONSULTANT_MENU = {
    "home",
    "catalog-categories",
    "catalog-coupon-types",
    "catalog-coupons",
    "catalog-packages",
    "catalog-products",
    "catalog-projects",
    "catalog-promotions",
    "catalog_pricing_preview",
    "marketing-card-types",
    "customers-customers",
    "customers-consultations",
    "customers-complaints",
    "api-docs",
    "organization-branches",
    "organization-departments",
    "organization-positions",
    "organization-staff",
    "configuration-dictionaries",
    "configuration-visit-stages",
}


def submit(page) -> None:
    page.get_by_test_id("submit").click()


def test_admin_sets_up_a_consultant_who_changes_her_password_and_is_audited(page, demo, viewport):
    suffix = "p" if viewport == "phone" else "d"
    login(page, "sysadmin", demo)
    expect(page.get_by_test_id("welcome")).to_be_visible()

    # 1. A department under the main branch.
    open_menu_item(page, "organization-departments")
    expect(page.get_by_role("heading", name="科室")).to_be_visible()
    page.get_by_test_id("create").click()
    page.get_by_label("编码").fill(f"laser-{suffix}")
    page.get_by_label("名称").fill("激光美容科")
    page.shot("department-form")
    submit(page)
    expect(page.get_by_test_id("object-fields")).to_contain_text("激光美容科")
    page.shot("department-created")

    # 2. A staff member in it; a malformed phone is refused first.
    open_menu_item(page, "organization-staff")
    page.get_by_test_id("create").click()
    page.get_by_label("工号").fill(f"E90{suffix}")
    page.get_by_label("姓名").fill("林小雨")
    page.get_by_label("电话").fill("1380013")
    choose(page.get_by_label("科室"), "激光美容科")
    submit(page)
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    page.shot("staff-bad-phone")
    page.get_by_label("电话").fill("138 0013 8123")
    submit(page)
    fields = page.get_by_test_id("object-fields")
    expect(fields).to_contain_text("林小雨")
    expect(fields).to_contain_text("13800138123")
    page.shot("staff-created")

    # 3. Her account with the 咨询师 role; holding two administrator roles is refused.
    open_menu_item(page, "accounts")
    page.get_by_test_id("create").click()
    page.get_by_label("用户名").fill(f"linxy{suffix}")
    choose(page.get_by_label("员工", exact=True), "林小雨")
    choose(page.get_by_label("院区", exact=True), "总院医学美容科")
    choose(page.get_by_label("角色"), "安全管理员", "审计管理员")
    page.get_by_label("初始密码").fill(INITIAL)
    submit(page)
    expect(page.get_by_text("三权分立").first).to_be_visible()
    page.shot("account-two-admin-roles")
    choose(page.get_by_label("角色"), "咨询师")
    page.get_by_label("初始密码").fill(INITIAL)
    submit(page)
    expect(page.get_by_text("账号已创建。")).to_be_visible()
    page.shot("account-created")
    logout(page)

    # 4. She logs in and must change the initial password before anything else.
    login(page, f"linxy{suffix}", INITIAL)
    expect(page).to_have_url(re.compile(r"/accounts/password/"))
    page.goto("/organization/staff/")
    expect(page).to_have_url(re.compile(r"/accounts/password/"))
    page.get_by_label("当前密码").fill(INITIAL)
    page.get_by_label("新密码", exact=True).fill("short")
    page.get_by_label("确认新密码").fill("short")
    submit(page)
    expect(page.locator(".invalid-feedback").first).to_contain_text("密码至少 8 个字符")
    page.shot("password-too-short")
    page.get_by_label("当前密码").fill(INITIAL)
    page.get_by_label("新密码", exact=True).fill(CHOSEN)
    page.get_by_label("确认新密码").fill(CHOSEN)
    page.shot("password-change")
    submit(page)
    expect(page.get_by_test_id("welcome")).to_be_visible()

    # 5. Only the menus of her role, and the watermark with her name and employee no.
    keys = set(page.locator("[data-menu]").evaluate_all("els => els.map(e => e.dataset.menu)"))
    assert keys == CONSULTANT_MENU
    watermark = page.locator("#watermark")
    expect(watermark).to_be_attached()
    expect(watermark).to_have_attribute(
        "data-text", re.compile(rf"林小雨 E90{suffix} \d{{4}}-\d{{2}}-\d{{2}}")
    )
    assert watermark.evaluate("el => getComputedStyle(el).pointerEvents") == "none"
    page.shot("consultant-home")
    page.goto("/accounts/users/")
    expect(page.get_by_text("您的角色无权打开此页面", exact=False)).to_be_visible()
    page.shot("consultant-denied")
    page.goto("/")
    logout(page)

    # 6. The audit admin finds every step.
    login(page, "auditor", demo)
    open_menu_item(page, "audit-log")
    table = page.get_by_test_id("object-table")
    page.get_by_label("用户", exact=True).fill("sysadmin")
    page.get_by_role("button", name="筛选").click()
    for module, text in (("机构", "激光美容科"), ("机构", f"林小雨（E90{suffix}）"), ("账号", "林小雨")):
        row = table.locator("tbody tr").filter(has_text=module).filter(has_text=text).filter(has_text="新增")
        expect(row.first).to_be_visible()
    page.shot("audit-admin-steps")
    page.get_by_label("用户", exact=True).fill(f"linxy{suffix}")
    page.get_by_role("button", name="筛选").click()
    expect(table).to_contain_text("修改密码")
    expect(table).to_contain_text("登录")
    expect(table).to_contain_text("拒绝")  # the account list she could not open
    page.shot("audit-consultant-steps")
