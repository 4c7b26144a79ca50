"""The demo promotions (MKT-03): the four campaigns through the services, idempotent, skipped when
the rows they need are missing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from medspa.catalog.models import Project, Promotion
from medspa.catalog.promotion_demo import seed_demo
from tests.catalog.promotion_factories import SHANGHAI, catalog_rows, promotion_user, state

pytestmark = [pytest.mark.django_db, pytest.mark.req("MKT-03")]


def _summary() -> list[tuple]:
    return [
        (
            p.code,
            p.kind,
            p.priority,
            p.is_exclusive,
            p.threshold_amount,
            p.discount_amount,
            p.is_repeatable,
            p.discount_percent,
            p.bundle_price,
            p.buy_quantity,
            p.get_quantity,
            sorted(p.targets.values_list("role", "project__code", "category__code", "quantity")),
            list(p.member_levels.values_list("name", flat=True)),
        )
        for p in Promotion.objects.order_by("code")
    ]


def test_seed_demo_creates_the_four_campaigns_once(branch, other_branch):
    rows = catalog_rows(branch.organisation)
    actor = promotion_user(branch)
    with time_machine.travel(datetime.datetime(2026, 11, 15, 10, 0, tzinfo=SHANGHAI), tick=False):
        seed_demo(actor=actor, organisation=branch.organisation, branch=branch)
        first = state()
        seed_demo(actor=actor, organisation=branch.organisation, branch=branch)
    assert state() == first
    assert _summary() == [
        (
            "DEMO-LASER80",
            "category_percent",
            20,
            True,
            None,
            None,
            False,
            Decimal("80.00"),
            None,
            None,
            None,
            [("scope", None, "LASER", 1)],
            ["金卡"],
        ),
        (
            "DEMO-M5000",
            "spend_save",
            10,
            False,
            Decimal("5000.00"),
            Decimal("500.00"),
            True,
            None,
            None,
            None,
            None,
            [("scope", None, "INJ", 1), ("scope", None, "LASER", 1), ("scope", None, "SKIN", 1)],
            [],
        ),
        (
            "DEMO-P003-P004",
            "bundle",
            15,
            False,
            None,
            None,
            False,
            None,
            Decimal("2500.00"),
            None,
            None,
            [("bundle", "P003", None, 1), ("bundle", "P004", None, 1)],
            [],
        ),
        (
            "DEMO-P007-3F1",
            "buy_get",
            5,
            False,
            None,
            None,
            False,
            None,
            None,
            3,
            1,
            [("buy", "P007", None, 1), ("get", "P007", None, 1)],
            [],
        ),
    ]
    for promotion in Promotion.objects.all():
        assert (promotion.starts_at, promotion.ends_at) == (
            datetime.datetime(2026, 11, 1, tzinfo=SHANGHAI),
            datetime.datetime(2027, 2, 1, tzinfo=SHANGHAI),
        )
        assert sorted(promotion.branches.values_list("pk", flat=True)) == sorted([branch.pk, other_branch.pk])
    assert rows["gold"].name == "金卡"


def test_seed_demo_skips_what_it_cannot_build(branch):
    actor = promotion_user(branch)
    seed_demo(actor=actor, organisation=branch.organisation, branch=branch)
    assert Promotion.objects.count() == 0
    rows = catalog_rows(branch.organisation)
    rows["gold"].delete()
    Project.objects.filter(code__in=["P004", "P007"]).delete()
    seed_demo(actor=actor, organisation=branch.organisation, branch=branch)
    assert list(Promotion.objects.order_by("code").values_list("code", flat=True)) == [
        "DEMO-LASER80",
        "DEMO-M5000",
    ]
    assert list(Promotion.objects.get(code="DEMO-LASER80").member_levels.all()) == []
