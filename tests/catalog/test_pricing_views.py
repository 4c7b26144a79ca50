"""The price preview page (价格试算, ORD-04): the permission matrix of the page and its htmx
endpoints, the result partial with every adjustment explained and the approval banner, the
whole page without htmx, bad input shown as a clear message, another organisation's rows not
listed and not found, the menu entry, and pinned query counts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from medspa.audit.models import AuditEvent
from medspa.catalog.models import ProjectLevelPrice
from medspa.core.menu import menu_for
from tests.catalog.pricing_factories import (
    CouponFactory,
    CouponTypeFactory,
    PricingCategoryFactory,
    PricingLevelFactory,
    PricingProductFactory,
    PricingProjectFactory,
    PromotionFactory,
    pricing_user,
)
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("ORD-04")]

D = Decimal
HTMX = {"HX-Request": "true"}
PREVIEW = reverse("catalog_pricing:preview")
ITEMS = reverse("catalog_pricing:item_lookup")
LINE = reverse("catalog_pricing:line_row")
CUSTOMER = reverse("catalog_pricing:customer_pick")


@pytest.fixture(autouse=True)
def english(client):
    """Messages in English (the source strings): in this test and in the requests it makes."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def data(branch):
    org = branch.organisation
    inj = PricingCategoryFactory(organisation=org, code="INJ", name="注射美容")
    ha = PricingCategoryFactory(organisation=org, parent=inj, code="INJ-HA", name="玻尿酸")
    skin = PricingCategoryFactory(organisation=org, code="SKIN", name="皮肤管理")
    gold = PricingLevelFactory(organisation=org, name="金卡", discount_percent=D("95"))
    filler = PricingProjectFactory(category=ha, code="P001", name="玻尿酸填充", list_price=D("6800"))
    water = PricingProjectFactory(category=skin, code="P003", name="水光针", list_price=D("1280"))
    mask = PricingProductFactory(category=skin, code="R001", name="医用修复面膜", retail_price=D("198"))
    ProjectLevelPrice.objects.create(project=filler, member_level=gold, price=D("6000"))
    promotion = PromotionFactory(organisation=org, branches=[branch], targets=[("scope", inj)])
    return {"gold": gold, "filler": filler, "water": water, "mask": mask, "promotion": promotion}


def form(*lines, mode="level", **extra):
    """The posted form: ``lines`` as (kind, id, quantity, mode, value)."""
    data = {"mode": mode, "customer_type": "returning", "order_mode": "percent", "order_value": "", **extra}
    data["line_kind"] = [line[0] for line in lines]
    data["line_id"] = [str(line[1]) for line in lines]
    data["line_quantity"] = [str(line[2]) for line in lines]
    data["line_mode"] = [line[3] if len(line) > 3 else "percent" for line in lines]
    data["line_value"] = [line[4] if len(line) > 4 else "" for line in lines]
    return data


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def writes() -> int:
    return AuditEvent.objects.filter(result="success").count()


def test_permission_matrix(client, branch, data):
    before = writes()
    for url in (PREVIEW, f"{ITEMS}?q=P0", f"{LINE}?kind=project&id={data['water'].pk}"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), url
    response = client.post(PREVIEW, form(("project", data["water"].pk, 1)))
    assert response.status_code == 302
    client.force_login(pricing_user(branch, perms=["customers.view_customer"]))
    for url in (PREVIEW, f"{ITEMS}?q=P0", f"{LINE}?kind=project&id={data['water'].pk}"):
        assert client.get(url).status_code == 403, url
    assert client.post(PREVIEW, form(("project", data["water"].pk, 1))).status_code == 403
    client.force_login(pricing_user(branch, perms=["catalog.preview_price"]))
    response = client.get(PREVIEW)
    assert (response.status_code, response.context["title"]) == (200, "Price preview")
    assert response.context["can_pick_customer"] is False  # no customer permission: level only
    assert client.get(f"{CUSTOMER}?customer=1").status_code == 403
    assert writes() == before


def test_menu_entry(branch):
    allowed = pricing_user(branch)
    (entry,) = [
        item for group in menu_for(allowed) for item in group.items if item.key == "catalog_pricing_preview"
    ]
    assert (entry.url, str(entry.label), str(entry.group), entry.order) == (
        PREVIEW,
        "Price preview",
        "Catalog",
        340,
    )
    denied = pricing_user(branch, perms=["customers.view_customer"])
    assert not [
        item for group in menu_for(denied) for item in group.items if item.key == "catalog_pricing_preview"
    ]


def test_result_explains_every_adjustment_and_flags_approval(client, branch, data):
    client.force_login(pricing_user(branch, authority="90"))
    lines = [("project", data["filler"].pk, 1, "percent", "85"), ("product", data["mask"].pk, 2)]
    response = client.post(PREVIEW, form(*lines, member_level=data["gold"].pk), headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.content.decode()  # the result partial only
    quote = response.context["result"]["quote"]
    assert [
        (line.name, [(a.label, a.amount) for a in line.adjustments], line.amount) for line in quote.lines
    ] == [
        (
            "玻尿酸填充",
            [
                ("Member price (金卡): ¥6,000 each", D("-800.00")),
                ("满5000减500: spend ¥5,000 save ¥500", D("-500.00")),
                ("Manual discount: 8.5/10", D("-825.00")),
            ],
            D("4675.00"),
        ),
        ("医用修复面膜", [("Member price (金卡): ¥188.10 each", D("-19.80"))], D("376.20")),
    ]
    page = text(response)
    assert "Needs approval 玻尿酸填充 at 8.5/10 is beyond your authority of 9/10." in page
    assert "满5000减500: spend ¥5,000 save ¥500 -¥500.00" in page
    assert "Subtotal ¥7,196.00 Discount ¥2,144.80 Amount due ¥5,051.20" in page
    lines[0] = ("project", data["filler"].pk, 1, "percent", "95")
    response = client.post(PREVIEW, form(*lines, member_level=data["gold"].pk), headers=HTMX)
    assert response.context["result"]["quote"].requires_approval is False
    assert 'data-testid="approval-banner"' not in response.content.decode()


def test_amount_off_order_discount_and_skipped_promotions(client, branch, data):
    client.force_login(pricing_user(branch, authority="90"))
    lines = [("project", data["water"].pk, 2, "amount", "60")]
    response = client.post(PREVIEW, form(*lines, order_mode="amount", order_value="100"), headers=HTMX)
    quote = response.context["result"]["quote"]
    assert [(a.source, a.amount) for a in quote.lines[0].adjustments] == [
        ("manual", D("-60.00")),
        ("order", D("-100.00")),
    ]
    assert quote.total == D("2400.00")
    assert response.context["result"]["skipped"] == [
        {"name": "满5000减500", "reason": "Spend ¥5,000 on its items to qualify (now ¥0)."}
    ]


def test_customer_mode_with_coupons(client, branch, data):
    client.force_login(pricing_user(branch, authority="90"))
    her = CustomerFactory(branch=branch, name="王女士", member_level=data["gold"])
    coupon = CouponFactory(
        coupon_type=CouponTypeFactory(organisation=branch.organisation, name="百元券"), customer=her
    )
    CouponFactory(coupon_type=coupon.coupon_type, customer=CustomerFactory(branch=branch))  # someone else's
    response = client.get(f"{CUSTOMER}?customer={her.pk}", headers=HTMX)
    assert (response.status_code, response["HX-Trigger-After-Settle"]) == (200, "pricing-refresh")
    assert [c.pk for c in response.context["panel"]["coupons"]] == [coupon.pk]
    assert "王女士 金卡 First-time customer" in text(response)
    lines = [("project", data["water"].pk, 1)]
    response = client.post(
        PREVIEW, form(*lines, mode="customer", customer=her.pk, coupon=[coupon.pk]), headers=HTMX
    )
    quote = response.context["result"]["quote"]
    assert [(a.source, a.amount) for a in quote.lines[0].adjustments] == [
        ("member", D("-64.00")),
        ("coupon", D("-100.00")),
    ]
    response = client.post(PREVIEW, form(*lines, mode="customer"), headers=HTMX)
    assert response.context["result"] == {"empty": True, "choose_customer": True}
    foreign = CustomerFactory()
    assert client.get(f"{CUSTOMER}?customer={foreign.pk}").status_code == 404
    response = client.post(PREVIEW, form(*lines, mode="customer", customer=foreign.pk), headers=HTMX)
    assert response.context["result"]["error"] == "That customer does not exist."


def test_bad_input_is_a_clear_message(client, branch, data):
    client.force_login(pricing_user(branch))
    water = data["water"].pk
    before = writes()
    cases = [
        (form(("project", water, 0)), "水光针: the quantity must be at least 1."),
        (
            form(("project", water, 1, "percent", "120")),
            "水光针: the discount percentage must lie between 0 and 100.",
        ),
        (form(("project", water, 1, "percent", "-5")), "Line 1: enter a number such as 85 or 100.50."),
        (form(("project", water, 1, "percent", "abc")), "Line 1: enter a number such as 85 or 100.50."),
        (form(("project", water, "x")), "Line 1: the quantity must be a whole number."),
        (
            form(("project", water, 1, "amount", "2000")),
            "水光针: the amount off (¥2,000) is more than the line's amount (¥1,280).",
        ),
        (
            form(("project", water, 1), order_value="1e5"),
            "Order discount: enter a number such as 85 or 100.50.",
        ),
        (form(("project", -1, 1)), "Line 1: choose an item."),
        (form(("project", 2**40, 1)), "Line 1: that project does not exist."),
    ]
    for data_, message in cases:
        response = client.post(PREVIEW, data_, headers=HTMX)
        assert (response.status_code, response.context["result"].get("error")) == (200, message), message
        assert f'data-testid="quote-error">{message}' in response.content.decode().replace("&#x27;", "'")
    assert client.post(PREVIEW, form(), headers=HTMX).context["result"] == {"empty": True}
    assert writes() == before


def test_whole_page_without_htmx_keeps_the_basket(client, branch, data):
    client.force_login(pricing_user(branch))
    response = client.post(
        PREVIEW, form(("project", data["water"].pk, 3, "amount", "10"), ("project", -5, 1))
    )
    assert response.status_code == 200
    assert [
        (row["sellable"].name, row["quantity"], row["mode"], row["value"]) for row in response.context["rows"]
    ] == [("水光针", "3", "amount", "10")]
    assert response.context["result"]["error"] == "Line 2: choose an item."


def test_item_lookup_and_line_row(client, branch, data):
    client.force_login(pricing_user(branch))
    PricingProjectFactory(code="P002", name="外院项目")  # another organisation
    inactive = PricingProjectFactory(category=data["filler"].category, code="P009", is_active=False)
    response = client.get(ITEMS, {"q": "P00"})
    assert [(i["sellable"].kind, i["sellable"].code) for i in response.context["items"]] == [
        ("project", "P001"),
        ("project", "P003"),
    ]
    response = client.get(LINE, {"kind": "product", "id": data["mask"].pk})
    assert (response.status_code, response["HX-Trigger-After-Settle"]) == (200, "pricing-refresh")
    assert response.context["row"]["sellable"].name == "医用修复面膜"
    stranger = PricingProjectFactory(code="P001")
    for params in (
        {"kind": "project", "id": stranger.pk},
        {"kind": "project", "id": inactive.pk},
        {"kind": "gift", "id": data["water"].pk},
        {"kind": "project", "id": "x"},
    ):
        assert client.get(LINE, params).status_code == 404, params


@pytest.mark.parametrize("copies", [1, 5])
def test_query_counts(client, branch, data, django_assert_num_queries, copies):
    user = pricing_user(branch, authority="90")
    client.force_login(user)
    with django_assert_num_queries(14):
        assert client.get(PREVIEW).status_code == 200
    lines = [
        ("project", data["filler"].pk, 1),
        ("project", data["water"].pk, 1),
        ("product", data["mask"].pk, 1),
    ]
    with django_assert_num_queries(21):
        response = client.post(PREVIEW, form(*(lines * copies), member_level=data["gold"].pk), headers=HTMX)
    assert len(response.context["result"]["quote"].lines) == 3 * copies
    assert timezone.now()  # the page prices at the current time
