"""Price preview (价格试算) in the browser, at 1440 and 375 px — the last part of issue 6's browser
test (ORD-04). Set up through the ORM: a member level 金卡 with a level price for 玻尿酸填充-鼻部,
a "满5000减500" promotion on the basket's categories, and a consultant role with a discount
authority of 90 %. The consultant opens the price preview, picks her customer, builds a basket,
sees each discount explained (member price, 满5000减500), gives an 85 % manual discount on a line
and sees the "需审批" flag with its reason; at 95 % the flag is gone.

Labels go through ``gettext`` so the test reads the words the page shows; names and amounts are
literal."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from django.utils.translation import gettext
from playwright.sync_api import expect

from medspa.accounts.choices import DataScope
from medspa.accounts.models import RoleProfile
from medspa.catalog.models import (
    Category,
    DiscountAuthority,
    Project,
    ProjectLevelPrice,
    Promotion,
    PromotionTarget,
)
from medspa.core.pinyin import search_key
from medspa.customers.models import MemberLevel
from tests.customers.factories import CustomerFactory
from tests.e2e.helpers import htmx_settled, login, open_menu_item
from tests.factories import PASSWORD, BranchFactory, OrganisationFactory, UserFactory
from tests.organization.factories import StaffFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CONSULTANT_PERMS = ("catalog.preview_price", "customers.view_customer")


@pytest.fixture
def clinic():
    """The organisation, its catalog, the promotion, the level and the consultant. Permissions
    are recreated first: Playwright's greenlet has no serialized snapshot to restore them from."""
    from django.core.management.sql import emit_post_migrate_signal

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    branch = BranchFactory(organisation=OrganisationFactory(code="e2e-pricing"), code="main", name="总院")
    org = branch.organisation
    inj = Category.objects.create(organisation=org, code="INJ", name="注射美容")
    ha = Category.objects.create(organisation=org, parent=inj, code="INJ-HA", name="玻尿酸")
    skin = Category.objects.create(organisation=org, code="SKIN", name="皮肤管理")
    filler = Project.objects.create(
        organisation=org,
        code="P001",
        name="玻尿酸填充-鼻部",
        pinyin=search_key("玻尿酸填充-鼻部"),
        category=ha,
        list_price=Decimal("6800"),
    )
    Project.objects.create(
        organisation=org,
        code="P003",
        name="水光针",
        pinyin=search_key("水光针"),
        category=skin,
        list_price=Decimal("1280"),
    )
    gold = MemberLevel.objects.create(organisation=org, name="金卡", discount_percent=Decimal("95"))
    ProjectLevelPrice.objects.create(project=filler, member_level=gold, price=Decimal("6000"))
    promotion = Promotion.objects.create(
        organisation=org,
        code="SAVE500",
        name="满5000减500",
        kind="spend_save",
        starts_at=timezone.now() - datetime.timedelta(days=1),
        ends_at=timezone.now() + datetime.timedelta(days=30),
        threshold_amount=Decimal("5000"),
        discount_amount=Decimal("500"),
    )
    promotion.branches.set([branch])
    for category in (inj, skin):
        PromotionTarget.objects.create(promotion=promotion, role="scope", category=category)

    role = Group.objects.create(name="咨询师（试算）")
    RoleProfile.objects.create(group=role, organisation=org, data_scope=DataScope.OWN)
    for perm in CONSULTANT_PERMS:
        app_label, codename = perm.split(".")
        role.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    DiscountAuthority.objects.create(organisation=org, role=role, min_percent=Decimal("90"))
    staff = StaffFactory(branch=branch, name="李咨询")
    consultant = UserFactory(username="consultant-e2e", display_name="李咨询", branches=[branch])
    consultant.groups.add(role)
    consultant.staff = staff
    consultant.save(update_fields=["staff"])
    CustomerFactory(
        branch=branch,
        name="王女士",
        phone="13900001234",
        consultant=staff,
        member_level=gold,
        visit_count=3,
        first_visit_at=timezone.now() - datetime.timedelta(days=200),
    )
    return consultant


def add_item(page, query: str, name: str) -> None:
    lines = page.get_by_test_id("pricing-line")
    before = lines.count()
    page.get_by_test_id("item-search").fill(query)
    result = page.get_by_test_id("item-result").filter(has_text=name)
    expect(result).to_have_count(1)
    htmx_settled(page)
    result.click()
    expect(lines).to_have_count(before + 1)
    expect(lines.last.get_by_test_id("line-name")).to_have_text(name)
    htmx_settled(page)


def adjustment_rows(page, line_name: str) -> list[str]:
    line = page.get_by_test_id("quote-line").filter(has_text=line_name)
    rows = line.get_by_test_id("adjustment")
    return [" ".join(rows.nth(i).inner_text().split()) for i in range(rows.count())]


def tenths(text: str) -> str:
    return gettext("%(tenths)s/10") % {"tenths": text}


@pytest.mark.req("ORD-04")
def test_consultant_previews_a_basket_and_sees_approval_needed(page, clinic, viewport):
    login(page, "consultant-e2e", PASSWORD)
    open_menu_item(page, "catalog_pricing_preview")
    expect(page.get_by_role("heading", name=gettext("Price preview"))).to_be_visible()
    page.shot("preview-empty")

    # the customer: her level and her standing come with her
    page.get_by_test_id("pricing-customer-search").fill("王女士")
    page.locator("[data-testid=pricing-customer-search] ~ .pricing-customer-results button").first.click()
    panel = page.get_by_test_id("chosen-customer")
    expect(panel).to_contain_text("王女士")
    expect(panel).to_contain_text("金卡")
    expect(panel).to_contain_text(gettext("Returning customer"))
    htmx_settled(page)

    # the basket: 玻尿酸填充 (INJ-HA) and 水光针 (SKIN)
    add_item(page, "P001", "玻尿酸填充-鼻部")
    add_item(page, "水光", "水光针")
    expect(page.get_by_test_id("quote-line")).to_have_count(2)
    member = gettext("Member price (%(level)s): %(price)s each")
    save = gettext("%(name)s: %(detail)s") % {
        "name": "满5000减500",
        "detail": gettext("spend %(threshold)s save %(amount)s") % {"threshold": "¥5,000", "amount": "¥500"},
    }
    # 500 split over 6000 : 1216 (the amounts after the member price)
    expect(page.get_by_test_id("quote-total")).to_have_text("¥6,716.00")
    assert adjustment_rows(page, "玻尿酸填充-鼻部") == [
        f"{member % {'level': '金卡', 'price': '¥6,000'}} -¥800.00",
        f"{save} -¥415.74",
    ]
    assert adjustment_rows(page, "水光针") == [
        f"{member % {'level': '金卡', 'price': '¥1,216'}} -¥64.00",
        f"{save} -¥84.26",
    ]
    expect(page.get_by_test_id("approval-banner")).to_have_count(0)
    page.shot("preview-basket")

    # 85 % by hand on the first line: beyond her 90 % authority
    filler = page.get_by_test_id("pricing-line").filter(has_text="玻尿酸填充-鼻部")
    filler.get_by_test_id("line-discount").fill("85")
    banner = page.get_by_test_id("approval-banner")
    expect(banner).to_be_visible()
    htmx_settled(page)
    expect(banner).to_contain_text(gettext("Needs approval"))
    reason = gettext("%(line)s at %(given)s is beyond your authority of %(authority)s.") % {
        "line": "玻尿酸填充-鼻部",
        "given": tenths("8.5"),
        "authority": tenths("9"),
    }
    expect(banner.get_by_test_id("approval-reason")).to_have_text([reason])
    manual = gettext("Manual discount: %(detail)s") % {"detail": tenths("8.5")}
    assert adjustment_rows(page, "玻尿酸填充-鼻部")[-1] == f"{manual} -¥837.64"
    expect(page.get_by_test_id("quote-total")).to_have_text("¥5,878.36")
    banner.scroll_into_view_if_needed()
    page.shot("preview-needs-approval")

    # 95 %: within her authority, the flag is gone
    filler.get_by_test_id("line-discount").fill("95")
    expect(page.get_by_test_id("approval-banner")).to_have_count(0)
    htmx_settled(page)
    expect(page.get_by_test_id("quote-total")).to_have_text("¥6,436.79")
    page.shot("preview-within-authority")
