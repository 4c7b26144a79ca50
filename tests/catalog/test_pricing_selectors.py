"""Loading a quote from the database (ORD-04): list and member prices of each kind of line,
discount floors from the discount rules, the promotions of the branch at the time, the
customer's coupons, the actor's discount authority, the organisation and branch scope, and a
number of queries that does not grow with the basket."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone, translation

from medspa.accounts.choices import DataScope
from medspa.catalog import pricing_selectors as selectors
from medspa.catalog.models import DiscountAuthority, DiscountRule, ProjectLevelPrice
from medspa.catalog.pricing_selectors import LineInput
from medspa.core.errors import NotFound, ValidationError
from tests.catalog.pricing_factories import (
    CouponFactory,
    CouponTypeFactory,
    PricingCardTypeFactory,
    PricingCategoryFactory,
    PricingLevelFactory,
    PricingPackageFactory,
    PricingProductFactory,
    PricingProjectFactory,
    PromotionFactory,
    pricing_user,
)
from tests.customers.factories import CustomerFactory
from tests.factories import BranchFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("ORD-04")]

D = Decimal


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def catalog(branch):
    org = branch.organisation
    inj = PricingCategoryFactory(organisation=org, code="INJ", name="注射美容")
    ha = PricingCategoryFactory(organisation=org, parent=inj, code="INJ-HA", name="玻尿酸")
    skin = PricingCategoryFactory(organisation=org, code="SKIN", name="皮肤管理")
    retail = PricingCategoryFactory(organisation=org, code="RETAIL", name="零售商品")
    gold = PricingLevelFactory(organisation=org, name="金卡", discount_percent=D("95"))
    filler = PricingProjectFactory(category=ha, code="P001", name="玻尿酸填充", list_price=D("6800"))
    water = PricingProjectFactory(category=skin, code="P003", name="水光针", list_price=D("1280"))
    laser = PricingProjectFactory(category=skin, code="P004", name="光子嫩肤", list_price=D("1680"))
    ProjectLevelPrice.objects.create(project=filler, member_level=gold, price=D("6000"))
    ProjectLevelPrice.objects.create(project=water, member_level=gold, discount_percent=D("90"))
    mask = PricingProductFactory(category=retail, code="R001", name="医用修复面膜", retail_price=D("198"))
    package = PricingPackageFactory(organisation=org, code="PK1", name="焕肤套餐", category=skin)
    card = PricingCardTypeFactory(organisation=org, code="CT1", name="储值卡")
    return {
        "inj": inj,
        "ha": ha,
        "skin": skin,
        "gold": gold,
        "filler": filler,
        "water": water,
        "laser": laser,
        "mask": mask,
        "package": package,
        "card": card,
    }


@pytest.fixture
def consultant(branch):
    return pricing_user(branch, scope=DataScope.BRANCH, authority="90")


def every_kind(c, quantity=1):
    return [
        LineInput("project", c["filler"].pk, quantity),
        LineInput("project", c["water"].pk, quantity),
        LineInput("project", c["laser"].pk, quantity),
        LineInput("product", c["mask"].pk, quantity),
        LineInput("package", c["package"].pk, quantity),
        LineInput("card_type", c["card"].pk, quantity),
    ]


def member_adjustments(result):
    return {line.name: [a.amount for a in line.adjustments if a.source == "member"] for line in result.lines}


def test_list_and_member_prices_of_each_kind(consultant, catalog):
    result = selectors.quote_for(consultant, lines=every_kind(catalog), member_level_id=catalog["gold"].pk)
    assert [(line.key, line.name, line.list_price) for line in result.lines] == [
        ("001", "玻尿酸填充", D("6800.00")),
        ("002", "水光针", D("1280.00")),
        ("003", "光子嫩肤", D("1680.00")),
        ("004", "医用修复面膜", D("198.00")),
        ("005", "焕肤套餐", D("3000.00")),
        ("006", "储值卡", D("5000.00")),
    ]
    assert member_adjustments(result) == {
        "玻尿酸填充": [D("-800.00")],  # the level's fixed price 6000
        "水光针": [D("-128.00")],  # the level's 90 % of this project
        "光子嫩肤": [D("-84.00")],  # no row: the level's own 95 %
        "医用修复面膜": [D("-9.90")],  # products: the level's 95 %
        "焕肤套餐": [],
        "储值卡": [],
    }
    assert result.lines[0].adjustments[0].label == "Member price (金卡): ¥6,000 each"


def test_without_a_level_there_is_no_member_price(consultant, catalog):
    result = selectors.quote_for(consultant, lines=every_kind(catalog))
    assert all(line.adjustments == () for line in result.lines)
    full = PricingLevelFactory(
        organisation=catalog["gold"].organisation, name="普卡", discount_percent=D("100")
    )
    result = selectors.quote_for(consultant, lines=every_kind(catalog)[2:4], member_level_id=full.pk)
    assert all(line.adjustments == () for line in result.lines)


def test_request_carries_categories_with_ancestors(consultant, catalog):
    request = selectors.quote_request_for(
        consultant, lines=every_kind(catalog), member_level_id=catalog["gold"].pk
    )
    assert [line.category_ids for line in request.lines] == [
        (catalog["ha"].pk, catalog["inj"].pk),
        (catalog["skin"].pk,),
        (catalog["skin"].pk,),
        (catalog["mask"].category_id,),
        (catalog["skin"].pk,),
        (),
    ]
    assert request.customer.member_level_name == "金卡"
    assert request.authority_percent == D("90.00")


def test_floors_from_the_most_specific_rule(consultant, catalog):
    org = catalog["inj"].organisation
    DiscountRule.objects.create(organisation=org, category=catalog["inj"], min_percent=D("80"))
    DiscountRule.objects.create(organisation=org, category=catalog["skin"], never_discount=True)
    DiscountRule.objects.create(organisation=org, project=catalog["laser"], min_percent=D("70"))
    request = selectors.quote_request_for(consultant, lines=every_kind(catalog))
    assert [(line.name, line.floor_percent, line.never_discount) for line in request.lines] == [
        ("玻尿酸填充", D("80.00"), False),  # the nearest ancestor's rule
        ("水光针", D("0"), True),  # its category is never discounted
        ("光子嫩肤", D("70.00"), False),  # its own rule wins over its category's
        ("医用修复面膜", D("0"), False),
        ("焕肤套餐", D("0"), True),  # a package follows its category's rule
        ("储值卡", D("0"), False),
    ]
    DiscountRule.objects.create(organisation=org, category=catalog["ha"], min_percent=D("90"))
    request = selectors.quote_request_for(consultant, lines=every_kind(catalog)[:1])
    assert request.lines[0].floor_percent == D("90.00")  # its own category before the parent


def test_floor_holds_in_the_quote(consultant, catalog):
    org = catalog["inj"].organisation
    DiscountRule.objects.create(organisation=org, project=catalog["filler"], min_percent=D("90"))
    result = selectors.quote_for(
        consultant, lines=every_kind(catalog)[:1], member_level_id=catalog["gold"].pk
    )
    assert [(a.source, a.amount) for a in result.lines[0].adjustments] == [
        ("member", D("-800.00")),
        ("floor", D("120.00")),
    ]
    with pytest.raises(ValidationError) as caught:
        selectors.quote_for(
            consultant, lines=[LineInput("project", catalog["filler"].pk, 1, manual_percent=D("85"))]
        )
    assert caught.value.field == "lines[0].manual_percent"


def test_promotions_of_the_branch_running_at_the_time(consultant, catalog, branch, other_branch):
    org = branch.organisation
    scope = [("scope", catalog["inj"])]
    here = PromotionFactory(organisation=org, code="HERE", branches=[branch, other_branch], targets=scope)
    PromotionFactory(organisation=org, code="THERE", branches=[other_branch], targets=scope)
    PromotionFactory(organisation=org, code="OFF", branches=[branch], targets=scope, is_active=False)
    PromotionFactory(
        organisation=org,
        code="LATER",
        branches=[branch],
        targets=scope,
        starts_at=timezone.now() + datetime.timedelta(days=1),
    )
    elsewhere = BranchFactory()
    PromotionFactory(organisation=elsewhere.organisation, code="ORG2", branches=[elsewhere])
    request = selectors.quote_request_for(consultant, lines=every_kind(catalog)[:1])
    assert [p.id for p in request.promotions] == [here.pk]
    (spec,) = request.promotions
    assert (spec.branch_ids, spec.targets[0].kind, spec.targets[0].id) == (
        frozenset({branch.pk, other_branch.pk}),
        "category",
        catalog["inj"].pk,
    )
    result = selectors.quote_for(consultant, lines=every_kind(catalog)[:1])
    assert (result.applied_promotion_ids, result.total) == ((here.pk,), D("6300.00"))


def test_customer_gives_level_and_new_or_returning(consultant, catalog, branch):
    org = branch.organisation
    new_only = PromotionFactory(
        organisation=org,
        code="NEW",
        name="新客满减",
        branches=[branch],
        targets=[("scope", catalog["inj"])],
        new_customers_only=True,
    )
    fresh = CustomerFactory(branch=branch, member_level=catalog["gold"])
    today = CustomerFactory(branch=branch, visit_count=1, first_visit_at=timezone.now())
    regular = CustomerFactory(
        branch=branch, visit_count=3, first_visit_at=timezone.now() - datetime.timedelta(days=400)
    )
    lines = every_kind(catalog)[:1]
    result = selectors.quote_for(consultant, lines=lines, customer_id=fresh.pk)
    assert (result.applied_promotion_ids, member_adjustments(result)["玻尿酸填充"]) == (
        (new_only.pk,),
        [D("-800.00")],
    )
    assert selectors.quote_for(consultant, lines=lines, customer_id=today.pk).applied_promotion_ids == (
        new_only.pk,
    )
    result = selectors.quote_for(consultant, lines=lines, customer_id=regular.pk)
    assert (result.applied_promotion_ids, result.skipped) == ((), {new_only.pk: "For new customers only."})
    with pytest.raises(ValidationError) as caught:
        selectors.quote_for(consultant, lines=lines, customer_id=fresh.pk, member_level_id=catalog["gold"].pk)
    assert (caught.value.field, caught.value.message) == (
        "member_level_id",
        "Give a customer or a member level, not both.",
    )


def test_coupons_must_be_held_and_issued(consultant, catalog, branch):
    org = branch.organisation
    her = CustomerFactory(branch=branch)
    someone = CustomerFactory(branch=branch)
    voucher = CouponTypeFactory(organisation=org, name="百元券")
    held = CouponFactory(coupon_type=voucher, customer=her, code="HELD1")
    theirs = CouponFactory(coupon_type=voucher, customer=someone, code="THEIRS")
    used = CouponFactory(coupon_type=voucher, customer=her, code="USED1", state="redeemed")
    lines = every_kind(catalog)[1:2]
    result = selectors.quote_for(consultant, lines=lines, customer_id=her.pk, coupon_ids=[held.pk])
    assert [(a.source, a.ref_id, a.label, a.amount) for a in result.lines[0].adjustments] == [
        ("coupon", held.pk, "Coupon 百元券 (HELD1): ¥100 off", D("-100.00"))
    ]
    for coupon in (theirs, used):
        with pytest.raises(ValidationError) as caught:
            selectors.quote_for(consultant, lines=lines, customer_id=her.pk, coupon_ids=[coupon.pk])
        assert (caught.value.field, caught.value.message) == (
            "coupon_ids",
            f"Coupon {coupon.code} is not held by this customer or can no longer be used.",
        )
    with pytest.raises(ValidationError) as caught:
        selectors.quote_for(consultant, lines=lines, customer_id=her.pk, coupon_ids=[-1])
    assert caught.value.message == "That coupon does not exist."
    with pytest.raises(ValidationError) as caught:
        selectors.quote_for(consultant, lines=lines, member_level_id=catalog["gold"].pk, coupon_ids=[held.pk])
    assert (caught.value.field, caught.value.message) == (
        "coupon_ids",
        "Choose the customer whose coupons these are.",
    )
    assert [c.pk for c in selectors.customer_coupons_for(consultant, her.pk, timezone.localdate())] == [
        held.pk
    ]


def test_expired_coupon_is_refused_by_the_engine(consultant, catalog, branch):
    her = CustomerFactory(branch=branch)
    old = CouponFactory(
        coupon_type=CouponTypeFactory(organisation=branch.organisation, name="旧券"),
        customer=her,
        code="OLD1",
        valid_from=timezone.localdate() - datetime.timedelta(days=10),
        valid_to=timezone.localdate() - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as caught:
        selectors.quote_for(
            consultant, lines=every_kind(catalog)[1:2], customer_id=her.pk, coupon_ids=[old.pk]
        )
    assert caught.value.message == "Coupon 旧券 (OLD1) is not valid at this time."


def test_authority_is_the_lowest_of_the_roles(branch):
    plain = pricing_user(branch)
    assert selectors.authority_for(plain) is None
    consultant = pricing_user(branch, authority="90")
    assert selectors.authority_for(consultant) == D("90.00")
    director = Group.objects.create(name="院长-test")
    DiscountAuthority.objects.create(organisation=branch.organisation, role=director, min_percent=D("70"))
    consultant.groups.add(director)
    assert selectors.authority_for(consultant) == D("70.00")
    other_org = BranchFactory().organisation
    cheap = Group.objects.create(name="外院-test")
    DiscountAuthority.objects.create(organisation=other_org, role=cheap, min_percent=D("10"))
    consultant.groups.add(cheap)
    assert selectors.authority_for(consultant) == D("70.00")  # another organisation's row counts for nothing
    boss = UserFactory(branches=[branch], is_superuser=True)
    assert selectors.authority_for(boss) == D("0")


def test_another_organisation_is_not_found(consultant, catalog):
    stranger = PricingProjectFactory(code="P001", list_price=D("1"))
    with pytest.raises(NotFound) as caught:
        selectors.quote_for(consultant, lines=[LineInput("project", stranger.pk, 1)])
    assert (caught.value.field, caught.value.message) == (
        "lines[0].id",
        "Line 1: that project does not exist.",
    )
    with pytest.raises(NotFound) as caught:
        selectors.quote_for(consultant, lines=[*every_kind(catalog)[:1], LineInput("card_type", -1, 1)])
    assert (caught.value.field, caught.value.message) == (
        "lines[1].id",
        "Line 2: that card type does not exist.",
    )
    customer = CustomerFactory()
    with pytest.raises(NotFound) as caught:
        selectors.quote_for(consultant, lines=every_kind(catalog)[:1], customer_id=customer.pk)
    assert (caught.value.field, caught.value.message) == ("customer_id", "That customer does not exist.")
    level = PricingLevelFactory()
    with pytest.raises(NotFound) as caught:
        selectors.quote_for(consultant, lines=every_kind(catalog)[:1], member_level_id=level.pk)
    assert caught.value.field == "member_level_id"


def test_customer_outside_the_data_scope_is_not_found(branch, catalog):
    own = pricing_user(branch, scope=DataScope.OWN)
    customer = CustomerFactory(branch=branch)
    with pytest.raises(NotFound):
        selectors.quote_for(own, lines=every_kind(catalog)[:1], customer_id=customer.pk)


def test_inactive_item_unknown_kind_and_branch(consultant, catalog, branch, other_branch):
    catalog["laser"].is_active = False
    catalog["laser"].save()
    with pytest.raises(ValidationError) as caught:
        selectors.quote_for(consultant, lines=every_kind(catalog)[2:3])
    assert (caught.value.field, caught.value.message) == (
        "lines[0].id",
        "光子嫩肤 is inactive and cannot be sold.",
    )
    with pytest.raises(ValidationError) as caught:
        selectors.quote_for(consultant, lines=[LineInput("gift", 1, 1)])
    assert caught.value.field == "lines[0].kind"
    with pytest.raises(ValidationError) as caught:
        selectors.quote_for(consultant, lines=every_kind(catalog)[:1], branch_id=other_branch.pk)
    assert (caught.value.field, caught.value.message) == ("branch_id", "You may not price in that branch.")
    wide = pricing_user(branch, scope=DataScope.ORGANISATION)
    result = selectors.quote_for(wide, lines=every_kind(catalog)[:1], branch_id=other_branch.pk)
    assert result.total == D("6800.00")
    with pytest.raises(ValidationError) as caught:
        selectors.quote_for(consultant, lines=[])
    assert caught.value.field == "lines"


@pytest.mark.parametrize("quantity,copies", [(1, 1), (3, 4)])
def test_query_count_does_not_grow_with_the_basket(
    branch, catalog, django_assert_num_queries, quantity, copies
):
    org = branch.organisation
    her = CustomerFactory(branch=branch, member_level=catalog["gold"])
    coupon = CouponFactory(
        coupon_type=CouponTypeFactory(organisation=org, is_stackable=True, projects=[catalog["water"]]),
        customer=her,
    )
    PromotionFactory(
        organisation=org,
        branches=[branch],
        targets=[("scope", catalog["inj"])],
        member_levels=[catalog["gold"]],
    )
    DiscountRule.objects.create(organisation=org, category=catalog["inj"], min_percent=D("50"))
    extra = [PricingProjectFactory(category=catalog["skin"], list_price=D("100")) for _ in range(copies)]
    lines = every_kind(catalog, quantity) * copies + [LineInput("project", p.pk, 1) for p in extra]
    actor = pricing_user(branch, authority="90")
    # scope of the actor 1, branch 1, customer 1, four kinds of line 4, member prices 1, category
    # tree 1, discount floors 2 (their own tree and the rules), promotions 4 (with branches,
    # levels, targets), coupons 4 (with the type's projects, products, categories), authority 1
    with django_assert_num_queries(20):
        result = selectors.quote_for(actor, lines=lines, customer_id=her.pk, coupon_ids=[coupon.pk])
    assert len(result.lines) == 6 * copies + copies
