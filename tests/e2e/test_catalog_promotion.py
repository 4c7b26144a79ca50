"""Promotions in the browser (MKT-03, part of issue 6's browser test), at 1440 and 375 px: a
marketing manager creates "spend ¥5,000 save ¥500" on the categories 注射美容 and 皮肤管理 through
the page and reads "满 ¥5,000 减 ¥500" on its detail page; a second attempt without any target
shows the error on the target editor and creates nothing.

Page words go through ``gettext`` so that the test reads what the page shows (the catalog holds
their Chinese); codes, names and amounts are asserted literally."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django.utils.translation import gettext
from playwright.sync_api import expect

from medspa.catalog.models import Category, Promotion
from medspa.catalog.promotion_selectors import promotion_describe, promotion_get_for
from medspa.organization.models import Branch
from tests.catalog.promotion_factories import promotion_user
from tests.e2e.helpers import login, open_menu_item
from tests.factories import PASSWORD, BranchFactory, OrganisationFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.req("MKT-03"),
]


def _categories(branch: Branch) -> dict[str, Category]:
    """The demo categories the promotion applies to (the catalog demo may not have made them)."""
    names = {"INJ": "注射美容", "SKIN": "皮肤管理", "LASER": "光电美容"}
    return {
        code: Category.objects.get_or_create(
            organisation=branch.organisation, code=code, defaults={"name": name}
        )[0]
        for code, name in names.items()
    }


def fill_header(page, code: str, branch: Branch) -> None:
    """Code, name, window (today for 30 days), the branch, and 满 5,000 减 500."""
    today = timezone.localdate()
    page.locator("#id_code").fill(code)
    page.locator("#id_name").fill("满5000减500")
    page.get_by_test_id("kind").select_option("spend_save")
    page.locator("#id_starts_at").fill(f"{today:%Y-%m-%d}T00:00")
    page.locator("#id_ends_at").fill(f"{today + datetime.timedelta(days=30):%Y-%m-%d}T00:00")
    page.locator(f'[data-testid="choices-branches"] input[value="{branch.pk}"]').check()
    page.locator("#id_threshold_amount").fill("5000")
    page.locator("#id_discount_amount").fill("500")


@pytest.fixture
def clinic() -> Branch:
    """A clinic of its own (independent of the other families' demo data): what migrations
    provide (permissions) rebuilt after a transactional flush, an organisation with two branches
    and the categories."""
    from django.core.management.sql import emit_post_migrate_signal

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    branch = BranchFactory(organisation=OrganisationFactory(code="e2e-promo"), code="main", name="总院")
    BranchFactory(organisation=branch.organisation, code="east", name="东区门店")
    return branch


def test_marketing_manager_creates_spend_save_promotion(page, clinic, viewport):
    branch = clinic
    categories = _categories(branch)
    manager = promotion_user(branch, username="market-e2e", display_name="吴市场经理")

    login(page, manager.username, PASSWORD)
    open_menu_item(page, "catalog-promotions")
    expect(page.get_by_role("heading", name=gettext("Promotions"))).to_be_visible()
    page.shot("list")
    page.get_by_test_id("create").click()
    expect(page.get_by_test_id("promotion-form")).to_be_visible()

    fill_header(page, "E2E-M5000", branch)
    # only the chosen kind's fields show: a bundle has a price, spend-save a threshold
    page.get_by_test_id("kind").select_option("bundle")
    expect(page.locator("#id_bundle_price")).to_be_visible()
    expect(page.locator("#id_threshold_amount")).to_be_hidden()
    page.get_by_test_id("kind").select_option("spend_save")
    expect(page.locator("#id_threshold_amount")).to_be_visible()
    expect(page.locator("#id_bundle_price")).to_be_hidden()

    rows = page.get_by_test_id("target-row")
    expect(rows).to_have_count(1)
    rows.nth(0).get_by_test_id("target-kind").select_option("category")
    rows.nth(0).get_by_test_id("target-id").select_option(str(categories["INJ"].pk))
    page.get_by_test_id("add-target").click()
    expect(rows).to_have_count(2)
    rows.nth(1).get_by_test_id("target-kind").select_option("category")
    rows.nth(1).get_by_test_id("target-id").select_option(str(categories["SKIN"].pk))
    expect(rows.nth(1).get_by_test_id("target-role")).to_have_value("scope")
    page.shot("form")
    page.get_by_test_id("submit").click()

    description = page.get_by_test_id("promotion-description")
    expect(description).to_be_visible()
    promotion = Promotion.objects.get(code="E2E-M5000")
    rule = gettext("Spend %(threshold)s, save %(saving)s") % {"threshold": "¥5,000", "saving": "¥500"}
    expect(description).to_contain_text(rule)  # 满 ¥5,000 减 ¥500
    expect(description).to_have_text(promotion_describe(promotion_get_for(manager, promotion.pk)))
    expect(page.get_by_test_id("targets-row")).to_have_count(2)
    assert page.url.endswith(f"/catalog/promotions/{promotion.pk}/")
    page.shot("detail")

    # a second attempt without any target: the error on the editor, nothing created
    page.goto("/catalog/promotions/new/")
    fill_header(page, "E2E-M5000-B", branch)
    page.get_by_test_id("target-row").nth(0).get_by_test_id("remove-target").click()
    expect(page.get_by_test_id("target-row")).to_have_count(0)
    expect(page.get_by_test_id("no-targets")).to_be_visible()
    page.get_by_test_id("submit").click()
    error = page.get_by_test_id("field-error-targets")
    expect(error).to_have_text(
        gettext("Add at least one project, product, package or category the promotion applies to.")
    )
    expect(page.locator("#id_code")).to_have_value("E2E-M5000-B")
    page.shot("no-scope")
    assert list(Promotion.objects.values_list("code", flat=True)) == ["E2E-M5000"]
