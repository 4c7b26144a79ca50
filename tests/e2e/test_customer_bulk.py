"""The director ticks customers in the list and tags them all at once (CRM-08), at 1440 and 375 px."""

import re

import pytest
from playwright.sync_api import expect

from medspa.customers.models import Customer
from tests.e2e.helpers import login, open_menu_item

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.req("CRM-08"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_director_tags_ticked_customers(page, demo, viewport):
    login(page, "director", demo)
    open_menu_item(page, "customers-customers")
    table = page.get_by_test_id("object-table")
    boxes = table.locator("input[name=id]")
    expect(boxes.first).to_be_visible()
    keys = [boxes.nth(i).get_attribute("value") for i in range(2)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.shot("ticked")
    page.get_by_test_id("act-on-selection").click()
    expect(page).to_have_url(re.compile(r"/customers/bulk/\?id="))
    expect(page.get_by_test_id("bulk-selection")).to_contain_text("已选 2 位客户")
    add = page.get_by_label("添加标签")
    add.select_option(
        add.evaluate("el => [...el.options].filter(o => o.text.includes('抗衰')).map(o => o.value)")
    )
    page.shot("bulk-form")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/customers/$"))
    expect(page.get_by_text("已修改 2 位客户。")).to_be_visible()
    tagged = Customer.objects.filter(pk__in=keys, tags__name="抗衰").count()
    assert tagged == 2
