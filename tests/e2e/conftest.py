"""Browser tests: Playwright for Python driving Debian's chromium (never a downloaded browser).
Every page visited is saved as a screenshot under var/screenshots/ (git-ignored)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 375, "height": 812}}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make install does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def page(browser, live_server, viewport, request) -> Iterator[object]:
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Console errors, except Chrome's note on a document answered 4xx (tests provoke those);
    # a missing script, style or font is caught by the response listener instead.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda resp: (
            errors.append(f"{resp.status} {resp.url}")
            if resp.status >= 400 and resp.request.resource_type != "document"
            else None
        ),
    )
    counter = {"n": 0}
    test_name = re.sub(r"[^\w-]+", "_", request.node.name)

    def shot(name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        counter["n"] += 1
        page.screenshot(path=str(SCREENSHOTS / f"{test_name}-{counter['n']:02}-{name}.png"), full_page=True)

    page.shot = shot  # type: ignore[attr-defined]
    yield page
    context.close()
    assert errors == [], f"JavaScript errors in the browser: {errors}"


@pytest.fixture
def demo():
    """The demo clinic. Playwright's sync API runs the test in a greenlet whose Django connection
    has no serialized snapshot to restore, so recreate what migrations provide (content types,
    permissions via post_migrate; roles via the seed) instead of relying on serialized_rollback."""
    from django.core.management.sql import emit_post_migrate_signal

    from medspa import cli, seed

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    seed.run("demo", password=cli.DEMO_PASSWORD)
    return cli.DEMO_PASSWORD
