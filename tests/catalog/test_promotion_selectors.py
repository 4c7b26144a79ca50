"""Promotion selectors (MKT-03): status now (time_machine), the promotions in force for the pricing
engine (window edges, branch, inactive, order, a fixed number of queries), the rule in plain words,
and the organisation scope."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from medspa.catalog import promotion_selectors as selectors
from medspa.catalog.models import Promotion
from medspa.core.errors import NotFound
from tests.catalog.promotion_factories import (
    SHANGHAI,
    PromoCategoryFactory,
    PromoPackageFactory,
    PromoProductFactory,
    PromoProjectFactory,
    PromotionFactory,
    promotion_user,
)
from tests.customers.factories import MemberLevelFactory
from tests.factories import BranchFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("MKT-03")]

START = datetime.datetime(2026, 5, 1, 0, 0, tzinfo=SHANGHAI)
END = datetime.datetime(2026, 6, 1, 0, 0, tzinfo=SHANGHAI)
SECOND = datetime.timedelta(seconds=1)


def test_status_follows_the_window_and_the_active_flag(branch):
    running = PromotionFactory(organisation=branch.organisation, starts_at=START, ends_at=END)
    stopped = PromotionFactory(
        organisation=branch.organisation, starts_at=START, ends_at=END, is_active=False
    )
    actor = promotion_user(branch)
    expected = [
        (START - SECOND, "upcoming"),
        (START, "running"),
        (END - SECOND, "running"),
        (END, "ended"),
        (END + datetime.timedelta(days=300), "ended"),
    ]
    for moment, status in expected:
        with time_machine.travel(moment, tick=False):
            assert selectors.promotion_status(running) == status, moment
            assert selectors.promotion_status(stopped) == "inactive", moment
            listed = {p.pk: p.status for p in selectors.promotions_for(actor)}
            assert listed == {running.pk: status, stopped.pk: "inactive"}, moment
    assert selectors.promotion_status(running, START - SECOND) == "upcoming"


def test_promotions_active_for_window_branch_state_and_order(branch, other_branch, django_assert_num_queries):
    org = branch.organisation
    p = PromoProjectFactory(organisation=org)
    gold = MemberLevelFactory(organisation=org, name="金卡")
    low = PromotionFactory(
        organisation=org, code="LOW", priority=1, starts_at=START, ends_at=END, branches=[branch]
    )
    high = PromotionFactory(
        organisation=org,
        code="HIGH",
        priority=20,
        starts_at=START,
        ends_at=END,
        branches=[branch, other_branch],
        member_levels=[gold],
        targets=[("scope", p, 1)],
    )
    tie = PromotionFactory(
        organisation=org, code="TIE", priority=20, starts_at=START, ends_at=END, branches=[branch]
    )
    PromotionFactory(
        organisation=org, code="OFF", starts_at=START, ends_at=END, branches=[branch], is_active=False
    )
    PromotionFactory(organisation=org, code="EAST", starts_at=START, ends_at=END, branches=[other_branch])
    PromotionFactory(
        organisation=org, code="LATER", starts_at=END, ends_at=END + SECOND * 60, branches=[branch]
    )
    PromotionFactory(starts_at=START, ends_at=END, branches=[BranchFactory()])  # another organisation

    def codes(at, branch_id=branch.pk, organisation_id=org.pk):
        found = selectors.promotions_active_for(organisation_id=organisation_id, branch_id=branch_id, at=at)
        return [promotion.code for promotion in found]

    assert codes(START - SECOND) == []
    assert codes(START) == ["HIGH", "TIE", "LOW"]
    assert codes(END - SECOND) == ["HIGH", "TIE", "LOW"]
    assert codes(END) == ["LATER"]
    assert codes(START, branch_id=other_branch.pk) == ["HIGH", "EAST"]
    assert codes(START, branch_id=-1) == []
    assert high.pk < tie.pk and low.priority < tie.priority
    with pytest.raises(ValueError, match="aware"):
        selectors.promotions_active_for(
            organisation_id=org.pk, branch_id=branch.pk, at=START.replace(tzinfo=None)
        )

    with django_assert_num_queries(3):  # promotions, member levels, targets with what they point at
        found = selectors.promotions_active_for(organisation_id=org.pk, branch_id=branch.pk, at=START)
        assert [list(x.member_levels.all()) for x in found] == [[gold], [], []]
        assert [[t.project.name for t in x.targets.all()] for x in found] == [[p.name], [], []]
        with translation.override("en"):
            assert selectors.promotion_describe(found[0]) == f"Spend ¥5,000, save ¥500 (on {p.name})"


@pytest.mark.parametrize("n", [2, 12])
def test_promotions_active_for_query_count_does_not_grow(branch, django_assert_num_queries, n):
    org = branch.organisation
    category = PromoCategoryFactory(organisation=org)
    level = MemberLevelFactory(organisation=org)
    for _ in range(n):
        PromotionFactory(
            organisation=org,
            starts_at=START,
            ends_at=END,
            branches=[branch],
            member_levels=[level],
            targets=[("scope", category, 1), ("scope", PromoProjectFactory(organisation=org), 1)],
        )
    with django_assert_num_queries(3):
        found = selectors.promotions_active_for(organisation_id=org.pk, branch_id=branch.pk, at=START)
        described = [selectors.promotion_describe(p) for p in found]
        levels = [list(p.member_levels.all()) for p in found]
    assert (len(found), len(described), levels) == (n, n, [[level]] * n)


def test_describe_every_kind(branch):
    org = branch.organisation
    inj = PromoCategoryFactory(organisation=org, name="注射美容")
    laser = PromoCategoryFactory(organisation=org, name="光电美容")
    bubble = PromoProjectFactory(organisation=org, name="小气泡清洁")
    water = PromoProjectFactory(organisation=org, name="水光针")
    photon = PromoProjectFactory(organisation=org, name="光子嫩肤")
    mask = PromoProductFactory(organisation=org, name="医用修复面膜")
    kit = PromoPackageFactory(organisation=org, name="焕肤套餐")
    spend = PromotionFactory(
        organisation=org, is_repeatable=True, targets=[("scope", inj, 1), ("scope", laser, 1)]
    )
    spend_once = PromotionFactory(
        organisation=org, threshold_amount=Decimal("999.50"), discount_amount=Decimal("100"), targets=[]
    )
    percent = PromotionFactory(
        organisation=org,
        kind="category_percent",
        threshold_amount=None,
        discount_amount=None,
        discount_percent=Decimal("80.00"),
        targets=[("scope", laser, 1)],
    )
    percent_half = PromotionFactory(
        organisation=org,
        kind="category_percent",
        threshold_amount=None,
        discount_amount=None,
        discount_percent=Decimal("85.50"),
        targets=[("scope", laser, 1), ("scope", mask, 1)],
    )
    buy_same = PromotionFactory(
        organisation=org,
        kind="buy_get",
        threshold_amount=None,
        discount_amount=None,
        buy_quantity=3,
        get_quantity=1,
        targets=[("buy", bubble, 1), ("get", bubble, 1)],
    )
    buy_other = PromotionFactory(
        organisation=org,
        kind="buy_get",
        threshold_amount=None,
        discount_amount=None,
        buy_quantity=2,
        get_quantity=1,
        targets=[("buy", water, 1), ("get", mask, 1)],
    )
    bundle = PromotionFactory(
        organisation=org,
        kind="bundle",
        threshold_amount=None,
        discount_amount=None,
        bundle_price=Decimal("2500.00"),
        targets=[("bundle", water, 1), ("bundle", photon, 2), ("bundle", kit, 1)],
    )
    with translation.override("en"):
        assert [
            selectors.promotion_describe(p)
            for p in (spend, spend_once, percent, percent_half, buy_same, buy_other, bundle)
        ] == [
            "Spend ¥5,000, save ¥500, again for every multiple (on 注射美容, 光电美容)",
            "Spend ¥999.50, save ¥100",
            "光电美容 at 8/10 of the price",
            "光电美容, 医用修复面膜 at 8.55/10 of the price",
            "小气泡清洁: buy 3 get 1 free",
            "Buy 2 of 水光针, get 1 of 医用修复面膜 free",
            "水光针 × 1 + 光子嫩肤 × 2 + 焕肤套餐 × 1 together for ¥2,500",
        ]


def test_promotions_for_is_the_organisation_and_get_for_refuses_others(branch):
    mine = PromotionFactory(organisation=branch.organisation, code="A", priority=1)
    top = PromotionFactory(organisation=branch.organisation, code="B", priority=9)
    foreign = PromotionFactory()
    actor = promotion_user(branch)
    assert list(selectors.promotions_for(actor)) == [top, mine]
    assert selectors.promotion_get_for(actor, mine.pk) == mine
    for pk in (foreign.pk, -1):
        with pytest.raises(NotFound):
            selectors.promotion_get_for(actor, pk)
    assert Promotion.objects.count() == 3
