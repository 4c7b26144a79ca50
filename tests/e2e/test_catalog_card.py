"""Card types in Chromium at 1440 and 375 px (MKT-01), the card part of issue 6's browser test: a
marketing manager creates an N-choose-M card "3 of 5 projects" through the page and sees it listed
with its summary; a second card whose M (7) exceeds what its pool allows (caps of 1 on all 5
projects) shows the error on M and creates nothing.

Page labels go through ``gettext`` so that the test reads the words the page shows; names, codes
and amounts are asserted literally."""

from __future__ import annotations

import re

import pytest
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from medspa.catalog.models import CardType
from tests.catalog.card_factories import card_user, demo_catalog
from tests.e2e.helpers import choose, login, open_menu_item
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.req("MKT-01"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

POOL = ("P001", "P003", "P004", "P005", "P007")


@pytest.fixture
def permissions():
    """Permissions come from migrations' post_migrate signal, which a transactional browser test
    cannot restore from a snapshot: recreate them."""
    from django.core.management.sql import emit_post_migrate_signal

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


def fill_choice_card(page, *, code: str, name: str, m: str, caps: dict[str, str]) -> None:
    """The new-card form as an N-choose-M card over the five pool projects."""
    page.get_by_test_id("create").click()
    expect(page).to_have_url(re.compile(r"/catalog/card-types/new/$"))
    page.locator("#id_code").fill(code)
    page.locator("#id_name").fill(name)
    page.get_by_test_id("kind").select_option("choice")
    expect(page.get_by_test_id("items-section")).to_be_visible()
    expect(page.locator("#id_session_project")).to_be_hidden()
    expect(page.get_by_test_id("discounts-section")).to_be_hidden()
    page.locator("#id_price").fill("4800")
    page.locator("#id_total_sessions").fill(m)
    rows = page.get_by_test_id("item-row")
    expect(rows).to_have_count(2)
    for _ in range(len(POOL) - 2):
        page.get_by_test_id("add-item").click()
    expect(rows).to_have_count(len(POOL))
    for index, code_ in enumerate(POOL):
        row = rows.nth(index)
        choose(row.locator("select"), code_)
        if code_ in caps:
            row.locator("input[name$='-sessions']").fill(caps[code_])
    expect(page.get_by_test_id("pool-size")).to_contain_text("5")
    page.locator("#id_validity_days").fill("180")
    page.locator("#id_is_transferable").check()


def test_marketing_manager_creates_an_n_choose_m_card(page, permissions, branch, viewport):
    demo_catalog(branch.organisation)
    manager = card_user(branch, username="marketing", display_name="市场经理")

    login(page, manager.username, PASSWORD)
    open_menu_item(page, "marketing-card-types")
    expect(page.get_by_role("heading", name=gettext("Card types"))).to_be_visible()
    page.shot("card-types-empty")

    # the form shows only the fields of the chosen kind
    page.get_by_test_id("create").click()
    expect(page.locator("#id_session_project")).to_be_visible()
    expect(page.get_by_test_id("items-section")).to_be_hidden()
    page.get_by_test_id("kind").select_option("stored_value")
    expect(page.get_by_test_id("discounts-section")).to_be_visible()
    expect(page.locator("#id_bonus_amount")).to_be_visible()
    expect(page.locator("#id_session_project")).to_be_hidden()
    expect(page.locator("#id_total_sessions")).to_be_hidden()
    page.get_by_test_id("add-discount").click()
    expect(page.get_by_test_id("discount-row")).to_have_count(1)
    page.get_by_test_id("is-shareable").check()
    expect(page.locator("#id_max_shared_members")).to_be_visible()
    page.get_by_test_id("validity-mode").select_option("fixed")
    expect(page.locator("#id_valid_until")).to_be_visible()
    expect(page.locator("#id_validity_days")).to_be_hidden()
    page.shot("stored-value-form")
    open_menu_item(page, "marketing-card-types")

    # 3 of 5 projects, 皮秒祛斑 at most twice
    fill_choice_card(page, code="E2E-3OF5", name="光电 5 选 3 卡", m="3", caps={"P005": "2"})
    page.shot("choice-card-form")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/catalog/card-types/\d+/$"))
    card = CardType.objects.get(code="E2E-3OF5")
    summary = (
        gettext("%(n)s choose %(m)s") % {"n": 5, "m": 3}
        + pgettext("list separator", ", ")
        + gettext("%(project)s at most %(cap)s") % {"project": "皮秒祛斑", "cap": 2}
    )
    expect(page.get_by_test_id("object-fields")).to_contain_text(summary)
    expect(page.get_by_test_id("items-row")).to_have_count(5)
    page.shot("choice-card-detail")
    assert (card.kind, card.total_sessions, card.is_transferable, card.validity_days) == (
        "choice",
        3,
        True,
        180,
    )
    assert list(card.items.order_by("order").values_list("project__code", "sessions")) == [
        ("P001", None),
        ("P003", None),
        ("P004", None),
        ("P005", 2),
        ("P007", None),
    ]

    open_menu_item(page, "marketing-card-types")
    rows = page.get_by_test_id("object-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("E2E-3OF5")
    expect(rows.first).to_contain_text("光电 5 选 3 卡")
    expect(rows.first).to_contain_text(summary)
    expect(rows.first).to_contain_text("¥4,800.00")
    page.shot("card-types-listed")

    # M = 7 with a cap of 1 on each of the 5 projects: refused on M, nothing created
    fill_choice_card(page, code="E2E-7OF5", name="光电 5 选 7 卡", m="7", caps=dict.fromkeys(POOL, "1"))
    page.get_by_test_id("submit").click()
    error = page.get_by_test_id("field-error-total_sessions")
    expect(error).to_have_text(
        gettext(
            "M exceeds what its pool allows: %(m)s sessions in total, but the caps of the %(n)s projects "
            "add up to %(allowed)s."
        )
        % {"m": 7, "n": 5, "allowed": 5}
    )
    expect(page).to_have_url(re.compile(r"/catalog/card-types/new/$"))
    expect(page.get_by_test_id("items-section")).to_be_visible()
    expect(page.get_by_test_id("item-row")).to_have_count(5)
    page.shot("choice-card-refused")
    assert list(CardType.objects.values_list("code", flat=True)) == ["E2E-3OF5"]
