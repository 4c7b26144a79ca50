"""Card type reads (MKT-01): the organisation scope, the pure entitlement description used by sales
(sessions or caps, principal and bonus, discounts, validity end for a purchase day), the one-line
summaries of the list, and the demo card types."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from medspa.catalog import card_selectors as selectors
from medspa.catalog import card_services as services
from medspa.catalog.card_demo import seed_demo
from medspa.catalog.card_selectors import CardEntitlement, CategoryDiscount, ProjectRight
from medspa.catalog.card_services import CardDiscountInput as D
from medspa.catalog.card_services import CardItemInput as I
from medspa.catalog.models import CardType, CardTypeItem
from medspa.core.errors import NotFound
from tests.catalog.card_factories import CardTypeFactory, card_user, demo_catalog, state

pytestmark = [pytest.mark.django_db, pytest.mark.req("MKT-01")]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def actor(branch):
    return card_user(branch, username="marketing")


@pytest.fixture
def cat(branch):
    return demo_catalog(branch.organisation)


@pytest.fixture
def demo(actor, cat, branch):
    seed_demo(actor=actor, organisation=branch.organisation, branch=branch)
    return {card.code: card for card in selectors.card_types_for(actor)}


# --- scope ------------------------------------------------------------------------------------------


def test_card_types_for_is_the_actors_organisation(actor, branch, other_branch, cat):
    mine = CardTypeFactory(organisation=branch.organisation, code="B")
    also_mine = CardTypeFactory(organisation=branch.organisation, code="A", is_active=False)
    foreign = CardTypeFactory(code="A")
    assert list(selectors.card_types_for(actor)) == [also_mine, mine]
    other_branch_user = card_user(other_branch, username="east")
    assert list(selectors.card_types_for(other_branch_user)) == [also_mine, mine]
    assert selectors.card_type_get_for(actor, mine.pk) == mine
    for pk in (foreign.pk, -1, 0, 2**40):
        with pytest.raises(NotFound):
            selectors.card_type_get_for(actor, pk)


def test_picker_choices_are_active_rows_of_the_organisation(actor, cat):
    cat["P006"].is_active = False
    cat["P006"].save()
    codes = [p.code for p in selectors.project_choices_for(actor)]
    assert codes == ["P001", "P002", "P003", "P004", "P005", "P007"]
    assert [p.code for p in selectors.project_choices_for(actor, [cat["P006"].pk])] == [
        "P001",
        "P002",
        "P003",
        "P004",
        "P005",
        "P006",
        "P007",
    ]
    assert [c.code for c in selectors.category_choices_for(actor)] == [
        "INJ",
        "INJ-BTX",
        "INJ-HA",
        "LASER",
        "RETAIL",
        "SKIN",
        "SURG",
    ]


# --- entitlements -----------------------------------------------------------------------------------


def test_entitlements_of_the_demo_cards(demo, cat):
    p = {code: cat[code].pk for code in ("P001", "P003", "P004", "P005", "P007")}
    common = {"is_transferable": False, "is_shareable": False, "max_shared_members": 0, "discounts": ()}
    assert selectors.card_type_entitlements(demo["CARD-SW5"]) == CardEntitlement(
        card_type_id=demo["CARD-SW5"].pk,
        kind="session",
        price=Decimal("5000.00"),
        projects=(ProjectRight(p["P003"], 5),),
        total_sessions=5,
        principal=Decimal("0.00"),
        bonus=Decimal("0.00"),
        validity_mode="days",
        validity_days=365,
        valid_until=None,
        **common,
    )
    assert selectors.card_type_entitlements(demo["CARD-SKIN"]) == CardEntitlement(
        card_type_id=demo["CARD-SKIN"].pk,
        kind="combination",
        price=Decimal("4680.00"),
        projects=(ProjectRight(p["P003"], 3), ProjectRight(p["P007"], 6)),
        total_sessions=9,
        principal=Decimal("0.00"),
        bonus=Decimal("0.00"),
        validity_mode="days",
        validity_days=365,
        valid_until=None,
        **common,
    )
    choice = selectors.card_type_entitlements(demo["CARD-LASER-3OF5"])
    assert choice == CardEntitlement(
        card_type_id=demo["CARD-LASER-3OF5"].pk,
        kind="choice",
        price=Decimal("4800.00"),
        projects=(
            ProjectRight(p["P001"], None),
            ProjectRight(p["P003"], None),
            ProjectRight(p["P004"], None),
            ProjectRight(p["P005"], 2),
            ProjectRight(p["P007"], None),
        ),
        total_sessions=3,
        principal=Decimal("0.00"),
        bonus=Decimal("0.00"),
        validity_mode="days",
        validity_days=180,
        valid_until=None,
        is_transferable=True,
        is_shareable=False,
        max_shared_members=0,
        discounts=(),
    )
    assert choice.project_ids == (p["P001"], p["P003"], p["P004"], p["P005"], p["P007"])
    assert (
        choice.sessions_of(p["P005"]),
        choice.sessions_of(p["P001"]),
        choice.sessions_of(cat["P002"].pk),
    ) == (
        2,
        None,
        None,
    )
    stored = selectors.card_type_entitlements(demo["CARD-SV10000"])
    assert stored == CardEntitlement(
        card_type_id=demo["CARD-SV10000"].pk,
        kind="stored_value",
        price=Decimal("10000.00"),
        projects=(),
        total_sessions=None,
        principal=Decimal("10000.00"),
        bonus=Decimal("1000.00"),
        discounts=(CategoryDiscount(cat["SKIN"].pk, Decimal("90.00")),),
        validity_mode="none",
        validity_days=None,
        valid_until=None,
        is_transferable=False,
        is_shareable=True,
        max_shared_members=2,
    )
    assert stored.stored_value == Decimal("11000.00")


def test_entitlement_is_frozen_and_needs_no_database_once_loaded(demo, django_assert_num_queries):
    card = demo["CARD-LASER-3OF5"]  # loaded through card_types_for: projects prefetched
    with django_assert_num_queries(0):
        entitlement = selectors.card_type_entitlements(card)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entitlement.total_sessions = 4  # type: ignore[misc]


@pytest.mark.parametrize(
    ("mode", "days", "until", "purchased", "expected"),
    [
        ("days", 365, None, datetime.date(2026, 3, 1), datetime.date(2027, 2, 28)),
        ("days", 365, None, datetime.date(2027, 3, 1), datetime.date(2028, 2, 28)),  # 2028 is a leap year
        ("days", 1, None, datetime.date(2026, 12, 31), datetime.date(2026, 12, 31)),
        ("days", 180, None, datetime.date(2026, 11, 20), datetime.date(2027, 5, 18)),
        ("fixed", None, datetime.date(2026, 12, 31), datetime.date(2026, 3, 1), datetime.date(2026, 12, 31)),
        (
            "fixed",
            None,
            datetime.date(2026, 12, 31),
            datetime.date(2026, 12, 31),
            datetime.date(2026, 12, 31),
        ),
        ("none", None, None, datetime.date(2026, 3, 1), None),
    ],
)
def test_valid_until_for_a_purchase_day(branch, mode, days, until, purchased, expected):
    card = CardTypeFactory(
        organisation=branch.organisation, validity_mode=mode, validity_days=days, valid_until=until
    )
    assert selectors.card_type_valid_until(card, purchased) == expected
    assert selectors.card_type_entitlements(card).valid_until_for(purchased) == expected


# --- summaries --------------------------------------------------------------------------------------


def test_summaries_of_the_demo_cards(demo):
    assert {code: selectors.card_type_summary(card) for code, card in demo.items()} == {
        "CARD-SW5": "水光针 × 5 sessions",
        "CARD-SKIN": "水光针 × 3 sessions + 小气泡清洁 × 6 sessions",
        "CARD-LASER-3OF5": "5 choose 3, 皮秒祛斑 at most 2",
        "CARD-SV10000": "Stored value ¥10,000, bonus ¥1,000, 皮肤管理 pays 90%",
    }
    assert {code: selectors.card_type_validity_text(card) for code, card in demo.items()} == {
        "CARD-SW5": "365 days from purchase",
        "CARD-SKIN": "365 days from purchase",
        "CARD-LASER-3OF5": "180 days from purchase",
        "CARD-SV10000": "No expiry",
    }
    assert {code: selectors.card_type_sharing_text(card) for code, card in demo.items()} == {
        "CARD-SW5": "No",
        "CARD-SKIN": "No",
        "CARD-LASER-3OF5": "No",
        "CARD-SV10000": "Up to 2 family members",
    }


def test_summary_with_the_same_cap_on_every_project_and_other_amounts(actor, cat):
    services.card_type_create(
        actor=actor,
        code="C1",
        name="五选三",
        kind="choice",
        price="4800",
        total_sessions=3,
        validity_days=30,
        items=[I(cat[c].pk, 2) for c in ("P001", "P003", "P004", "P005", "P007")],
    )
    services.card_type_create(
        actor=actor,
        code="S1",
        name="储值",
        kind="stored_value",
        price="1280.50",
        validity_mode="fixed",
        valid_until=datetime.date(2099, 12, 31),
        discounts=[D(cat["SKIN"].pk, "85.5"), D(cat["LASER"].pk, "95")],
    )
    cards = {card.code: card for card in selectors.card_types_for(actor)}
    assert selectors.card_type_summary(cards["C1"]) == "5 choose 3, at most 2 of each"
    assert (
        selectors.card_type_summary(cards["S1"])
        == "Stored value ¥1,280.50, 皮肤管理 pays 85.5%, 光电美容 pays 95%"
    )
    assert selectors.card_type_validity_text(cards["S1"]) == "Until 2099-12-31"


def test_summary_reads_in_chinese(demo):
    with translation.override("zh-hans"):
        text = selectors.card_type_summary(demo["CARD-LASER-3OF5"])
    assert text == "5 选 3、皮秒祛斑最多 2 次"


# --- demo -------------------------------------------------------------------------------------------


def test_demo_is_idempotent(demo, actor, branch):
    assert sorted(demo) == ["CARD-LASER-3OF5", "CARD-SKIN", "CARD-SV10000", "CARD-SW5"]
    before = state()
    seed_demo(actor=actor, organisation=branch.organisation, branch=branch)
    assert state() == before
    assert demo["CARD-SW5"].name == "水光针 5 次卡"
    assert list(
        CardTypeItem.objects.filter(card_type=demo["CARD-SKIN"]).values_list("project__code", "sessions")
    ) == [
        ("P003", 3),
        ("P007", 6),
    ]


def test_demo_skips_cards_whose_projects_or_categories_are_missing(actor, branch):
    cat = demo_catalog(branch.organisation)
    cat["P005"].is_active = False
    cat["P005"].save()
    cat["SKIN"].code = "SKIN-OLD"
    cat["SKIN"].save()
    seed_demo(actor=actor, organisation=branch.organisation, branch=branch)
    assert sorted(CardType.objects.values_list("code", flat=True)) == ["CARD-SKIN", "CARD-SW5"]


def test_demo_without_any_project_creates_nothing(actor, branch):
    seed_demo(actor=actor, organisation=branch.organisation, branch=branch)
    assert CardType.objects.count() == 0
