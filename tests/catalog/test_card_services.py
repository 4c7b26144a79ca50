"""Card type services (MKT-01): the rules of each kind — session, combination, N-choose-M and
stored-value — and of every card (price, projects, validity, sharing, code); each refusal names its
field, says what is wrong and writes nothing; updates replace the definition; deactivation; audit."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from medspa.audit.models import AuditEvent
from medspa.catalog import card_services as services
from medspa.catalog.card_services import CardDiscountInput as D
from medspa.catalog.card_services import CardItemInput as I
from medspa.catalog.models import CardType, CardTypeDiscount, CardTypeItem
from medspa.core.errors import NotFound, PermissionDenied, ValidationError
from tests.catalog.card_factories import (
    CARD_PERMS,
    CardTypeFactory,
    CatalogCategoryFactory,
    ProjectFactory,
    card_user,
    demo_catalog,
    state,
)
from tests.factories import BranchFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("MKT-01")]

SHANGHAI = ZoneInfo("Asia/Shanghai")


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


def ids(cat, *codes):
    return [cat[code].pk for code in codes]


def session_card(cat, **changes):
    values = {
        "code": "SW5",
        "name": "水光针 5 次卡",
        "kind": "session",
        "price": "5000",
        "total_sessions": 5,
        "validity_mode": "days",
        "validity_days": 365,
        "items": [I(cat["P003"].pk)],
    }
    return {**values, **changes}


def combination_card(cat, **changes):
    values = {
        "code": "SKIN",
        "name": "皮肤管理组合卡",
        "kind": "combination",
        "price": "4680",
        "validity_mode": "days",
        "validity_days": 365,
        "items": [I(cat["P003"].pk, 3), I(cat["P007"].pk, 6)],
    }
    return {**values, **changes}


def choice_card(cat, **changes):
    pool = [
        I(cat[code].pk, 2 if code == "P005" else None) for code in ("P001", "P003", "P004", "P005", "P007")
    ]
    values = {
        "code": "LASER3OF5",
        "name": "光电 5 选 3 卡",
        "kind": "choice",
        "price": "4800",
        "total_sessions": 3,
        "validity_mode": "days",
        "validity_days": 180,
        "is_transferable": True,
        "items": pool,
    }
    return {**values, **changes}


def stored_value_card(cat, **changes):
    values = {
        "code": "SV10000",
        "name": "储值卡 10000 送 1000",
        "kind": "stored_value",
        "price": "10000",
        "bonus_amount": "1000",
        "validity_mode": "none",
        "is_shareable": True,
        "max_shared_members": 2,
        "discounts": [D(cat["SKIN"].pk, "90")],
    }
    return {**values, **changes}


def items_of(card_type):
    return list(
        CardTypeItem.objects.filter(card_type=card_type)
        .order_by("order")
        .values_list("project__code", "sessions")
    )


def refused(actor, values, field, message, *, service=services.card_type_create, **extra):
    """The service refuses ``values`` on ``field`` with exactly ``message`` and writes nothing."""
    before = state()
    with pytest.raises(ValidationError) as caught:
        service(actor=actor, **values, **extra)
    assert (caught.value.field, caught.value.message) == (field, message)
    assert state() == before


# --- the four kinds ----------------------------------------------------------------------------------


def test_session_card(actor, cat):
    card = services.card_type_create(actor=actor, **session_card(cat))
    card = CardType.objects.get()
    assert (card.kind, card.price, card.total_sessions, card.bonus_amount) == (
        "session",
        Decimal("5000.00"),
        5,
        Decimal("0.00"),
    )
    assert (card.validity_mode, card.validity_days, card.valid_until) == ("days", 365, None)
    assert (card.organisation_id, card.pinyin, card.created_by, card.updated_by) == (
        actor.organisation_id,
        "shuiguangzhen5cika sgz5ck",
        actor,
        actor,
    )
    assert items_of(card) == [("P003", 5)]
    assert CardTypeDiscount.objects.count() == 0


def test_session_card_item_may_repeat_its_sessions(actor, cat):
    card = services.card_type_create(actor=actor, **session_card(cat, items=[I(cat["P003"].pk, 5)]))
    assert items_of(card) == [("P003", 5)]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"items": []}, "items", "A session card has exactly one project."),
        ({"items": "two"}, "items", "A session card has exactly one project."),
        ({"total_sessions": None}, "total_sessions", "Enter the number of sessions of the session card."),
        ({"total_sessions": 0}, "total_sessions", "The sessions in total must be between 1 and 9999."),
        ({"total_sessions": -2}, "total_sessions", "The sessions in total must be between 1 and 9999."),
        ({"total_sessions": 10000}, "total_sessions", "The sessions in total must be between 1 and 9999."),
        ({"total_sessions": "x"}, "total_sessions", "The sessions in total must be a whole number."),
        (
            {"items": "mismatch"},
            "items.0.sessions",
            "The project of a session card has the card's 5 sessions, not 4.",
        ),
    ],
)
def test_session_card_refusals(actor, cat, changes, field, message):
    if changes.get("items") == "two":
        changes = {"items": [I(cat["P003"].pk), I(cat["P007"].pk)]}
    if changes.get("items") == "mismatch":
        changes = {"items": [I(cat["P003"].pk, 4)]}
    refused(actor, session_card(cat, **changes), field, message)


def test_combination_card_total_is_computed(actor, cat):
    card = services.card_type_create(actor=actor, **combination_card(cat))
    assert (card.kind, card.total_sessions) == ("combination", 9)
    assert items_of(card) == [("P003", 3), ("P007", 6)]
    # a total sent must be the sum
    card2 = services.card_type_create(actor=actor, **combination_card(cat, code="SKIN2", total_sessions=9))
    assert card2.total_sessions == 9


@pytest.mark.parametrize(
    ("rows", "changes", "field", "message"),
    [
        ([("P003", 3)], {}, "items", "A combination card has at least two different projects."),
        ([], {}, "items", "A combination card has at least two different projects."),
        ([("P003", 3), ("P003", 2)], {}, "items.1.project_id", "Project 水光针 is listed twice."),
        ([("P003", 3), ("P007", None)], {}, "items.1.sessions", "Enter the sessions of 小气泡清洁."),
        ([("P003", 0), ("P007", 6)], {}, "items.0.sessions", "The sessions must be between 1 and 9999."),
        (
            [("P003", 5000), ("P007", 5000)],
            {},
            "total_sessions",
            "The sessions in total must be between 1 and 9999.",
        ),
        (
            [("P003", 3), ("P007", 6)],
            {"total_sessions": 10},
            "total_sessions",
            "A combination card's sessions in total are the sum of its projects' sessions (9), not 10; "
            "leave the field empty.",
        ),
    ],
)
def test_combination_card_refusals(actor, cat, rows, changes, field, message):
    items = [I(cat[code].pk, sessions) for code, sessions in rows]
    refused(actor, combination_card(cat, items=items, **changes), field, message)


def test_choice_card(actor, cat):
    card = services.card_type_create(actor=actor, **choice_card(cat))
    assert (card.kind, card.total_sessions, card.is_transferable, card.validity_days) == (
        "choice",
        3,
        True,
        180,
    )
    assert items_of(card) == [("P001", None), ("P003", None), ("P004", None), ("P005", 2), ("P007", None)]


def test_choice_card_caps_may_add_up_to_exactly_m_and_an_uncapped_project_frees_the_pool(actor, cat):
    exact = [I(cat["P004"].pk, 1), I(cat["P005"].pk, 2)]
    card = services.card_type_create(actor=actor, **choice_card(cat, code="EXACT", items=exact))
    assert items_of(card) == [("P004", 1), ("P005", 2)]
    one_free = [I(cat["P004"].pk, 1), I(cat["P005"].pk, None)]
    card = services.card_type_create(
        actor=actor, **choice_card(cat, code="FREE", total_sessions=3, items=one_free)
    )
    assert items_of(card) == [("P004", 1), ("P005", None)]


@pytest.mark.parametrize(
    ("rows", "m", "field", "message"),
    [
        ([("P004", None)], 3, "items", "An N-choose-M card has a pool of at least two different projects."),
        ([("P004", None), ("P004", None)], 3, "items.1.project_id", "Project 光子嫩肤 is listed twice."),
        (
            [("P004", None), ("P005", None)],
            None,
            "total_sessions",
            "Enter M, the sessions the customer may take in total across the pool.",
        ),
        (
            [("P004", None), ("P005", None)],
            0,
            "total_sessions",
            "The sessions in total must be between 1 and 9999.",
        ),
        ([("P004", 0), ("P005", None)], 3, "items.0.sessions", "The cap must be between 1 and 9999."),
        (
            [("P004", None), ("P005", 4)],
            3,
            "items.1.sessions",
            "The cap of 皮秒祛斑 (4) is above M (3) and could never be reached; leave it empty or enter at "
            "most 3.",
        ),
        (
            [("P001", 1), ("P003", 1), ("P004", 1), ("P005", 1), ("P007", 1)],
            7,
            "total_sessions",
            "M exceeds what its pool allows: 7 sessions in total, but the caps of the 5 projects add up to "
            "5.",
        ),
        (
            [("P004", 1), ("P005", 1)],
            3,
            "total_sessions",
            "M exceeds what its pool allows: 3 sessions in total, but the caps of the 2 projects add up to "
            "2.",
        ),
    ],
)
def test_choice_card_refusals(actor, cat, rows, m, field, message):
    items = [I(cat[code].pk, cap) for code, cap in rows]
    refused(actor, choice_card(cat, items=items, total_sessions=m), field, message)


def test_stored_value_card(actor, cat):
    card = services.card_type_create(actor=actor, **stored_value_card(cat))
    assert (card.kind, card.price, card.bonus_amount, card.total_sessions) == (
        "stored_value",
        Decimal("10000.00"),
        Decimal("1000.00"),
        None,
    )
    assert (card.validity_mode, card.validity_days, card.valid_until) == ("none", None, None)
    assert (card.is_shareable, card.max_shared_members) == (True, 2)
    assert items_of(card) == []
    assert list(CardTypeDiscount.objects.values_list("card_type", "category__code", "discount_percent")) == [
        (card.pk, "SKIN", Decimal("90.00"))
    ]


def test_stored_value_card_without_bonus_or_discounts(actor, cat):
    card = services.card_type_create(
        actor=actor,
        **stored_value_card(cat, bonus_amount=None, discounts=[], is_shareable=False, max_shared_members=0),
    )
    assert (card.bonus_amount, card.is_shareable, card.max_shared_members, card.discounts.count()) == (
        Decimal("0.00"),
        False,
        0,
        0,
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"price": "0"},
            "price",
            "A stored-value card's price is the stored value and must be greater than zero.",
        ),
        ({"items": "one"}, "items", "A stored-value card has no projects."),
        (
            {"total_sessions": 3},
            "total_sessions",
            "A stored-value card has no sessions; leave the sessions in total empty.",
        ),
        ({"bonus_amount": "-1"}, "bonus_amount", "The bonus cannot be negative."),
        ({"bonus_amount": "abc"}, "bonus_amount", "Enter a valid amount, for example 1234.50."),
        (
            {"discounts": [("SKIN", "0")]},
            "discounts.0.discount_percent",
            "Enter what the customer pays as a percentage above 0 and at most 100, for example 90.",
        ),
        (
            {"discounts": [("SKIN", "100.01")]},
            "discounts.0.discount_percent",
            "Enter what the customer pays as a percentage above 0 and at most 100, for example 90.",
        ),
        (
            {"discounts": [("SKIN", "-5")]},
            "discounts.0.discount_percent",
            "Enter what the customer pays as a percentage above 0 and at most 100, for example 90.",
        ),
        (
            {"discounts": [("SKIN", "")]},
            "discounts.0.discount_percent",
            "Enter what the customer pays as a percentage above 0 and at most 100, for example 90.",
        ),
        (
            {"discounts": [("SKIN", "88.555")]},
            "discounts.0.discount_percent",
            "The percentage may have at most two decimal places.",
        ),
        (
            {"discounts": [("SKIN", "90"), ("LASER", "85"), ("SKIN", "80")]},
            "discounts.2.category_id",
            "Category 皮肤管理 has two discounts; keep one.",
        ),
        ({"discounts": [("FOREIGN", "90")]}, "discounts.0.category_id", "That category does not exist."),
        ({"discounts": [("OFF", "90")]}, "discounts.0.category_id", "Category 停用分类 is deactivated."),
        ({"discounts": [(None, "90")]}, "discounts.0.category_id", "Choose the category."),
    ],
)
def test_stored_value_card_refusals(actor, cat, changes, field, message):
    cat["FOREIGN"] = CatalogCategoryFactory(code="FOREIGN")
    cat["OFF"] = CatalogCategoryFactory(
        organisation=actor.organisation, code="OFF", name="停用分类", is_active=False
    )
    if changes.get("items") == "one":
        changes = {"items": [I(cat["P003"].pk)]}
    if "discounts" in changes:
        changes = {
            "discounts": [
                D(cat[code].pk if code else None, percent) for code, percent in changes["discounts"]
            ]
        }
    refused(actor, stored_value_card(cat, **changes), field, message)


def test_only_stored_value_cards_have_bonus_and_discounts(actor, cat):
    refused(
        actor, session_card(cat, bonus_amount="100"), "bonus_amount", "Only a stored-value card has a bonus."
    )
    refused(
        actor,
        session_card(cat, discounts=[D(cat["SKIN"].pk, "90")]),
        "discounts",
        "Only a stored-value card has category discounts.",
    )


# --- rules of every card ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"kind": "gift"},
            "kind",
            "Choose the kind: session, combination, choice (N-choose-M) or stored_value.",
        ),
        ({"price": "-0.01"}, "price", "The price cannot be negative."),
        ({"price": ""}, "price", "Enter the price."),
        ({"price": "12.3.4"}, "price", "Enter a valid amount, for example 1234.50."),
        ({"price": "1e30"}, "price", "The amount is too large."),
        ({"price": "12345678901234"}, "price", "The amount is too large."),
        ({"code": ""}, "code", "Enter the code."),
        ({"code": "水光"}, "code", "The code may contain only letters, digits, hyphens and underscores."),
        ({"name": "  "}, "name", "Enter the name."),
        ({"name": "长" * 101}, "name", "The name may have at most 100 characters."),
        ({"description": "x" * 2001}, "description", "The description may have at most 2000 characters."),
    ],
)
def test_card_field_refusals(actor, cat, changes, field, message):
    refused(actor, session_card(cat, **changes), field, message)


def test_price_may_be_zero_except_for_stored_value(actor, cat):
    card = services.card_type_create(actor=actor, **session_card(cat, price="0"))
    assert card.price == Decimal("0.00")


def test_price_is_rounded_to_the_fen(actor, cat):
    card = services.card_type_create(actor=actor, **session_card(cat, price="¥1,280.505"))
    assert CardType.objects.get(pk=card.pk).price == Decimal("1280.51")


def test_projects_must_be_active_and_of_the_organisation(actor, cat):
    foreign = ProjectFactory(code="P003")
    inactive = ProjectFactory(organisation=actor.organisation, code="P099", name="停用项目", is_active=False)
    refused(
        actor, session_card(cat, items=[I(foreign.pk)]), "items.0.project_id", "That project does not exist."
    )
    refused(actor, session_card(cat, items=[I(-1)]), "items.0.project_id", "That project does not exist.")
    refused(actor, session_card(cat, items=[I(None)]), "items.0.project_id", "Choose the project.")
    refused(actor, session_card(cat, items=[I(10**12)]), "items.0.project_id", "The project is too large.")
    refused(
        actor,
        combination_card(cat, items=[I(cat["P003"].pk, 1), I(inactive.pk, 1)]),
        "items.1.project_id",
        "Project 停用项目 is deactivated; it cannot be put on a card.",
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"validity_mode": "weeks"},
            "validity_mode",
            "Choose the validity: none, days (from purchase) or fixed (until a date).",
        ),
        (
            {"validity_days": None},
            "validity_days",
            "Enter for how many days after purchase the card is valid.",
        ),
        ({"validity_days": 0}, "validity_days", "The days of validity must be between 1 and 36500."),
        ({"validity_days": 36501}, "validity_days", "The days of validity must be between 1 and 36500."),
        (
            {"valid_until": datetime.date(2027, 1, 1)},
            "valid_until",
            "A card valid for a number of days has no fixed end date; leave it empty.",
        ),
        (
            {"validity_mode": "fixed", "validity_days": None},
            "valid_until",
            "Enter the date until which the card is valid.",
        ),
        (
            {"validity_mode": "fixed", "valid_until": datetime.date(2026, 12, 31)},
            "validity_days",
            "A card valid until a fixed date has no number of days; leave it empty.",
        ),
        (
            {"validity_mode": "none"},
            "validity_days",
            "A card without expiry has no number of days; leave it empty.",
        ),
        (
            {"validity_mode": "none", "validity_days": None, "valid_until": datetime.date(2026, 12, 31)},
            "valid_until",
            "A card without expiry has no end date; leave it empty.",
        ),
        (
            {"is_shareable": True, "max_shared_members": 0},
            "max_shared_members",
            "Enter how many family members may share the card (at least 1).",
        ),
        (
            {"is_shareable": True, "max_shared_members": None},
            "max_shared_members",
            "Enter how many family members may share the card (at least 1).",
        ),
        (
            {"is_shareable": True, "max_shared_members": 100},
            "max_shared_members",
            "At most 99 family members may share a card.",
        ),
        (
            {"is_shareable": False, "max_shared_members": 2},
            "max_shared_members",
            "A card that is not shareable has no family members; leave the number at 0.",
        ),
    ],
)
@time_machine.travel(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_validity_and_sharing_refusals(actor, cat, changes, field, message):
    refused(actor, session_card(cat, **changes), field, message)


@time_machine.travel(datetime.datetime(2026, 5, 1, 17, 0, tzinfo=datetime.UTC), tick=False)
def test_a_fixed_end_date_is_judged_by_the_date_in_shanghai(actor, cat):
    """17:00 UTC on 1 May is already 2 May in Shanghai: 1 May is past, 2 May is today (allowed)."""
    fixed = {"validity_mode": "fixed", "validity_days": None}
    refused(
        actor,
        session_card(cat, valid_until=datetime.date(2026, 5, 1), **fixed),
        "valid_until",
        "The end date 2026-05-01 is in the past (today is 2026-05-02).",
    )
    card = services.card_type_create(
        actor=actor, **session_card(cat, valid_until=datetime.date(2026, 5, 2), **fixed)
    )
    assert (card.validity_mode, card.validity_days, card.valid_until) == (
        "fixed",
        None,
        datetime.date(2026, 5, 2),
    )


def test_code_is_unique_per_organisation_case_insensitively(actor, cat):
    services.card_type_create(actor=actor, **session_card(cat, code="SW5"))
    refused(actor, session_card(cat, code="sw5"), "code", "Card type code sw5 is already in use.")
    other = card_user(BranchFactory(), username="elsewhere")
    other_cat = demo_catalog(other.organisation)
    card = services.card_type_create(actor=other, **session_card(other_cat, code="SW5"))
    assert (card.code, card.organisation_id) == ("SW5", other.organisation_id)


def test_first_refusal_wins_and_nothing_is_written(actor, cat):
    """Several mistakes at once: the first in the form's order is reported, nothing is written."""
    refused(
        actor,
        choice_card(cat, price="-1", total_sessions=None, validity_days=0),
        "price",
        "The price cannot be negative.",
    )


# --- permissions, update, deactivate, audit ---------------------------------------------------------


def test_without_permission_nothing_is_written(branch, cat):
    for perms, service, extra in (
        ([p for p in CARD_PERMS if p != "catalog.add_cardtype"], services.card_type_create, {}),
    ):
        user = card_user(branch, perms, username="noadd")
        before = state()
        with pytest.raises(PermissionDenied):
            service(actor=user, **session_card(cat), **extra)
        assert state() == before
    card = CardTypeFactory(organisation=branch.organisation, projects=[(cat["P003"], 5)])
    for perm, call in (
        (
            "catalog.change_cardtype",
            lambda u: services.card_type_update(actor=u, card_type_id=card.pk, **session_card(cat)),
        ),
        ("catalog.delete_cardtype", lambda u: services.card_type_deactivate(actor=u, card_type_id=card.pk)),
    ):
        user = card_user(branch, [p for p in CARD_PERMS if p != perm], username=f"no-{perm}")
        before = state()
        with pytest.raises(PermissionDenied):
            call(user)
        assert state() == before


def test_another_organisations_card_type_is_not_found(actor, cat):
    foreign = CardTypeFactory()
    before = state()
    with pytest.raises(NotFound):
        services.card_type_update(actor=actor, card_type_id=foreign.pk, **session_card(cat))
    with pytest.raises(NotFound):
        services.card_type_deactivate(actor=actor, card_type_id=foreign.pk)
    with pytest.raises(NotFound):
        services.card_type_deactivate(actor=actor, card_type_id=2**40)
    assert state() == before


def test_create_is_audited_with_its_projects(actor, cat):
    card = services.card_type_create(actor=actor, **choice_card(cat))
    event = AuditEvent.objects.get(module="catalog")
    assert (event.action, event.object_type, event.object_id, event.actor_id) == (
        "create",
        "catalog.cardtype",
        str(card.pk),
        actor.pk,
    )
    assert event.changes["items"] == [
        None,
        [[cat[c].pk, 2 if c == "P005" else None] for c in ("P001", "P003", "P004", "P005", "P007")],
    ]
    assert event.changes["total_sessions"] == [None, 3]
    assert event.changes["price"] == [None, "4800.00"]


def test_update_replaces_the_definition_keeping_rows_of_projects_still_listed(actor, cat):
    card = services.card_type_create(actor=actor, **choice_card(cat))
    kept = CardTypeItem.objects.get(card_type=card, project=cat["P005"]).pk
    items = [I(cat["P005"].pk, 1), I(cat["P004"].pk, None), I(cat["P002"].pk, 2)]
    services.card_type_update(
        actor=actor,
        card_type_id=card.pk,
        **choice_card(cat, name="光电 3 选 2 卡", total_sessions=2, items=items),
    )
    card.refresh_from_db()
    assert (card.name, card.total_sessions, card.pinyin) == ("光电 3 选 2 卡", 2, "guangdian3xuan2ka gd3x2k")
    assert items_of(card) == [("P005", 1), ("P004", None), ("P002", 2)]
    assert CardTypeItem.objects.get(card_type=card, project=cat["P005"]).pk == kept
    event = AuditEvent.objects.filter(module="catalog", action="update").get()
    assert event.changes["total_sessions"] == [3, 2]
    assert event.changes["items"][1] == [[cat["P005"].pk, 1], [cat["P004"].pk, None], [cat["P002"].pk, 2]]


def test_update_may_change_the_kind(actor, cat):
    card = services.card_type_create(actor=actor, **choice_card(cat))
    services.card_type_update(actor=actor, card_type_id=card.pk, **stored_value_card(cat, code=card.code))
    card.refresh_from_db()
    assert (card.kind, card.total_sessions, card.bonus_amount) == ("stored_value", None, Decimal("1000.00"))
    assert items_of(card) == []
    assert list(card.discounts.values_list("category__code", "discount_percent")) == [
        ("SKIN", Decimal("90.00"))
    ]
    services.card_type_update(
        actor=actor,
        card_type_id=card.pk,
        **stored_value_card(cat, code=card.code, discounts=[D(cat["SKIN"].pk, "85")]),
    )
    assert list(card.discounts.values_list("category__code", "discount_percent")) == [
        ("SKIN", Decimal("85.00"))
    ]


def test_refused_update_changes_nothing(actor, cat):
    card = services.card_type_create(actor=actor, **choice_card(cat))
    caps = [I(cat[c].pk, 1) for c in ("P001", "P003", "P004", "P005", "P007")]
    refused(
        actor,
        choice_card(cat, total_sessions=7, items=caps),
        "total_sessions",
        "M exceeds what its pool allows: 7 sessions in total, but the caps of the 5 projects add up to 5.",
        service=services.card_type_update,
        card_type_id=card.pk,
    )
    other = services.card_type_create(actor=actor, **session_card(cat))
    refused(
        actor,
        session_card(cat, code="laser3of5"),
        "code",
        "Card type code laser3of5 is already in use.",
        service=services.card_type_update,
        card_type_id=other.pk,
    )


def test_deactivate_and_reactivate(actor, cat):
    card = services.card_type_create(actor=actor, **session_card(cat))
    services.card_type_deactivate(actor=actor, card_type_id=card.pk)
    card.refresh_from_db()
    assert card.is_active is False
    assert AuditEvent.objects.filter(module="catalog", action="deactivate").count() == 1
    services.card_type_deactivate(actor=actor, card_type_id=card.pk)  # already inactive: no new event
    assert AuditEvent.objects.filter(module="catalog", action="deactivate").count() == 1
    services.card_type_update(actor=actor, card_type_id=card.pk, is_active=True, **session_card(cat))
    card.refresh_from_db()
    assert card.is_active is True


def test_services_are_durable_transactions(actor, cat):
    from django.db import transaction

    with transaction.atomic(), pytest.raises(RuntimeError):
        services.card_type_create(actor=actor, **session_card(cat))
