"""Steps several browser tests share."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def login(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.shot("login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def logout(page) -> None:
    page.get_by_test_id("user-menu").locator("visible=true").first.click()
    page.get_by_test_id("logout").locator("visible=true").first.click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def open_menu_if_folded(page) -> None:
    toggler = page.locator("aside .navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        # Wait for Bootstrap's collapse transition to end: links move while it runs.
        expect(page.locator("#sidebar-menu")).to_have_class(re.compile(r"\bshow\b"))
        expect(page.locator("#sidebar-menu")).not_to_have_class(re.compile(r"\bcollapsing\b"))


def open_menu_item(page, key: str) -> None:
    open_menu_if_folded(page)
    page.locator(f'[data-menu="{key}"]').click()


def choose(select, *texts: str) -> None:
    """Select the options of ``select`` whose text contains one of ``texts`` (labels may carry a
    branch or path prefix the test need not spell out)."""
    values = select.evaluate(
        "(el, texts) => [...el.options].filter(o => texts.some(t => o.text.includes(t))).map(o => o.value)",
        list(texts),
    )
    assert len(values) == len(texts), f"options for {texts}: {values}"
    select.select_option(values)


def htmx_settled(page) -> None:
    """Wait until htmx has no request in flight and has processed what it last swapped in: new
    content carries ``htmx-added`` until htmx binds its ``hx-*`` attributes (after the settle
    delay), so typing into or clicking it earlier would go unnoticed."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")).to_have_count(0)
