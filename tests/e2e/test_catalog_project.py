"""Projects (CAT-01, CAT-04, CAT-05) in the browser at 1440 and 375 px, all through the pages: a
catalog manager creates a project with one standard consumable (picked by searching the inventory
item) and one operator fee, sees both on the project's page, adds a knowledge article, and the
consultation view shows it.

Page labels go through ``gettext`` so that the test reads the same words the page shows; names,
quantities and amounts are asserted literally."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from medspa.catalog.models import Category, Project
from tests.catalog.project_factories import ALL_PERMS
from tests.e2e.helpers import choose, htmx_settled, login, open_menu_item
from tests.factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def clinic():
    """The demo clinic's organisation, departments, positions and inventory items — built here
    rather than by the whole demo seed, which this test does not need. Playwright's sync API runs
    the test in a greenlet without a serialized snapshot, so content types and permissions are
    recreated first (as the shared ``demo`` fixture does)."""
    from django.core.management.sql import emit_post_migrate_signal

    from medspa.inventory import demo as inventory_demo
    from medspa.organization import demo as organization_demo

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    organisation, branches = organization_demo.seed()
    organization_demo.seed_people(organisation, branches)
    inventory_demo.seed_master(organisation, branches[0])
    return branches[0]


@pytest.mark.req("CAT-01", "CAT-04", "CAT-05")
def test_catalog_manager_creates_a_project_with_bom_and_operator_fee(page, clinic, viewport):
    branch = clinic
    Category.objects.create(organisation=branch.organisation, code="E2E-INJ", name="注射测试")
    UserFactory(username="catalog-manager", display_name="周经理", branches=[branch], perms=ALL_PERMS)

    login(page, "catalog-manager", PASSWORD)
    open_menu_item(page, "catalog-projects")
    expect(page).to_have_url(re.compile(r"/catalog/projects/$"))
    page.shot("project-list")
    page.get_by_test_id("create").click()
    expect(page).to_have_url(re.compile(r"/catalog/projects/new/$"))

    page.locator("#id_code").fill("E2E-P1")
    page.locator("#id_name").fill("玻尿酸填充-下巴")
    choose(page.locator("#id_category"), "注射测试")
    page.locator("#id_list_price").fill("5800")
    page.locator("#id_duration_minutes").fill("45")
    page.locator("#id_aftercare").fill("24小时内不要沾水。")

    # one standard consumable: search the inventory item, pick it, enter the quantity per session
    page.get_by_test_id("add-materials").click()
    material = page.get_by_test_id("row-materials")
    expect(material).to_have_count(1)
    htmx_settled(page)
    material.get_by_test_id("item-search").fill("HA-1ML")
    result = material.get_by_test_id("item-result").filter(has_text="HA-1ML")
    expect(result).to_be_visible()
    htmx_settled(page)
    result.click()
    expect(material.get_by_test_id("row-item")).to_contain_text("HA-1ML 交联透明质酸钠凝胶")
    expect(material.get_by_test_id("row-unit")).to_have_text("支")
    htmx_settled(page)
    material.locator("input[name$='-quantity']").fill("1.5")

    # one operator: the doctor's fee per session
    page.get_by_test_id("add-fees").click()
    fee = page.get_by_test_id("row-fees")
    expect(fee).to_have_count(1)
    htmx_settled(page)
    choose(fee.locator("select[name$='-position']"), "医生")
    page.shot("project-form")  # before the last input: a full-page shot on a phone shifts the layout a moment
    fee.locator("input[name$='-fee']").fill("280")
    page.get_by_test_id("submit").click()

    expect(page).to_have_url(re.compile(r"/catalog/projects/\d+/$"))
    project = Project.objects.get(code="E2E-P1")
    page.shot("project-detail")
    materials = page.get_by_test_id("materials-row")
    expect(materials).to_have_count(1)
    expect(materials.first).to_contain_text("HA-1ML 交联透明质酸钠凝胶")
    expect(materials.first).to_contain_text("1.5 支")
    fees = page.get_by_test_id("fees-row")
    expect(fees).to_have_count(1)
    expect(fees.first).to_contain_text("医生")
    expect(fees.first).to_contain_text("¥280.00")

    # a knowledge article, then the consultation view shows it
    page.get_by_test_id("add-article").click()
    page.locator("#id_title").fill("术前须知")
    page.locator("#id_body").fill("治疗前一周停用阿司匹林。")
    page.shot("article-form")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(rf"/catalog/projects/{project.pk}/$"))
    expect(page.get_by_test_id("article-row")).to_contain_text("术前须知")
    page.get_by_test_id("knowledge").click()
    expect(page).to_have_url(re.compile(rf"/catalog/projects/{project.pk}/knowledge/$"))
    article = page.get_by_test_id("knowledge-article")
    expect(article).to_have_count(1)
    expect(article).to_contain_text("术前须知")
    expect(article).to_contain_text("治疗前一周停用阿司匹林。")
    expect(page.get_by_test_id("knowledge-price")).to_have_text("¥5,800.00")
    expect(page.get_by_test_id("knowledge-aftercare")).to_contain_text("24小时内不要沾水。")
    page.shot("knowledge")
