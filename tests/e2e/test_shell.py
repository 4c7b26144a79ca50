"""Main flows of the shell: log in, home in Chinese, API docs, log out; wrong password; tokens."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import login, open_menu_if_folded

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.req("PLT-10"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_admin_logs_in_sees_chinese_home_opens_api_docs_and_logs_out(page, demo, viewport):
    login(page, "sysadmin", demo)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("welcome")).to_have_text("欢迎，系统管理员")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="首页")).to_be_visible()
    page.shot("home")

    open_menu_if_folded(page)
    page.locator('[data-menu="api-docs"]').click()
    expect(page).to_have_url(re.compile(r"/api/v1/docs$"))
    expect(page.get_by_text("medspa API").first).to_be_visible(timeout=15000)
    page.shot("api-docs")

    page.goto("/")
    user_menu = page.get_by_test_id("user-menu").locator("visible=true").first
    user_menu.click()
    page.get_by_test_id("logout").locator("visible=true").first.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.shot("logged-out")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_wrong_password_shows_a_clear_message_and_no_session(page, demo):
    login(page, "sysadmin", "not-the-password")
    expect(page.get_by_test_id("login-error")).to_have_text("用户名或密码不正确。")
    page.shot("wrong-password")
    assert not [c for c in page.context.cookies() if c["name"] == "sessionid"]


def test_admin_creates_and_revokes_an_api_token(page, demo, viewport):
    login(page, "sysadmin", demo)
    open_menu_if_folded(page)
    page.locator('[data-menu="api-tokens"]').click()
    expect(page.get_by_role("heading", name="接口令牌")).to_be_visible()
    expect(page.get_by_text("您还没有接口令牌。")).to_be_visible()
    page.shot("token-list-empty")

    page.get_by_test_id("create").click()
    page.get_by_label("名称").fill("HIS 接口")
    page.get_by_label("有效期（天）").fill("7")
    page.shot("token-form")
    page.get_by_test_id("submit").click()
    secret = page.get_by_test_id("token-secret").input_value()
    assert secret.startswith("msp_")
    page.shot("token-created")

    status = page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert status.status == 200 and status.json()["username"] == "sysadmin"

    page.get_by_role("link", name="完成").click()
    expect(page.get_by_test_id("object-fields")).to_contain_text("HIS 接口")
    page.shot("token-detail")
    page.get_by_test_id("revoke").click()
    page.shot("token-revoke-confirm")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_text("令牌已吊销。")).to_be_visible()
    page.shot("token-revoked")
    assert page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status == 401


def test_form_errors_show_inline_without_leaving_the_page(page, demo):
    login(page, "sysadmin", demo)
    page.goto("/accounts/tokens/new/")
    page.get_by_label("名称").fill("")
    page.get_by_test_id("submit").click()
    expect(page.locator(".invalid-feedback").first).to_have_text("此项为必填项。")
    page.shot("token-form-error")


def test_nothing_overflows_the_phone_width(page, demo, viewport):
    login(page, "sysadmin", demo)
    for path in ("/", "/accounts/tokens/", "/accounts/tokens/new/"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{path} is {width}px wide"
        page.shot(path.strip("/").replace("/", "-") or "home")
