"""The card type API (MKT-01): /api/v1/catalog/card-types — exact bodies, permission matrix,
organisation scope, problem JSON naming the field with nothing written, PATCH semantics,
deactivation and a pinned query count for the list."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from medspa.catalog.card_demo import seed_demo
from medspa.catalog.models import CardType, CardTypeItem
from tests.catalog.card_factories import (
    CARD_PERMS,
    PROBLEM,
    CardTypeFactory,
    card_user,
    demo_catalog,
    errors_of,
    send,
    state,
)

pytestmark = [pytest.mark.django_db, pytest.mark.req("MKT-01")]

API = "/api/v1/catalog/card-types"
VIEW, ADD, CHANGE, DELETE, EXPORT = CARD_PERMS


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def manager(branch):
    return card_user(branch, username="marketing")


@pytest.fixture
def cat(branch):
    return demo_catalog(branch.organisation)


@pytest.fixture
def demo(manager, cat, branch):
    seed_demo(actor=manager, organisation=branch.organisation, branch=branch)
    return {card.code: card for card in CardType.objects.all()}


def iso(value):
    return timezone.localtime(value).isoformat()


def choice_body(cat, **changes):
    body = {
        "code": "LASER3OF5",
        "name": "光电 5 选 3 卡",
        "kind": "choice",
        "price": "4800",
        "total_sessions": 3,
        "validity_mode": "days",
        "validity_days": 180,
        "is_transferable": True,
        "items": [
            {"project_id": cat[c].pk, "sessions": 2 if c == "P005" else None}
            for c in ("P001", "P003", "P004", "P005", "P007")
        ],
    }
    return {**body, **changes}


def expected_out(card, cat):
    """The body of the demo N-choose-M card."""
    return {
        "id": card.pk,
        "code": "CARD-LASER-3OF5",
        "name": "光电 5 选 3 卡",
        "kind": "choice",
        "price": "4800.00",
        "total_sessions": 3,
        "bonus_amount": "0.00",
        "validity_mode": "days",
        "validity_days": 180,
        "valid_until": None,
        "is_transferable": True,
        "is_shareable": False,
        "max_shared_members": 0,
        "description": "5 个项目任选 3 次，皮秒祛斑最多 2 次；可转让。",
        "is_active": True,
        "summary": "5 choose 3, 皮秒祛斑 at most 2",
        "items": [
            {
                "project_id": cat[c].pk,
                "project_code": c,
                "project_name": cat[c].name,
                "sessions": 2 if c == "P005" else None,
            }
            for c in ("P001", "P003", "P004", "P005", "P007")
        ],
        "discounts": [],
        "created_at": iso(card.created_at),
        "updated_at": iso(card.updated_at),
    }


# --- permission matrix and scope ---------------------------------------------------------------------


def test_api_permission_matrix(client, logged_in, branch, cat):
    card = CardTypeFactory(organisation=branch.organisation, code="SW", projects=[(cat["P003"], 5)])
    endpoints = [
        ("get", API, None, [VIEW]),
        ("post", API, choice_body(cat), [ADD]),
        ("get", f"{API}/{card.pk}", None, [VIEW]),
        ("patch", f"{API}/{card.pk}", {"name": "改名"}, [CHANGE]),
        ("post", f"{API}/{card.pk}/deactivate", None, [DELETE]),
    ]
    for n, (method, address, body, perms) in enumerate(endpoints):
        before = state()
        response = send(client, method, address, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), address
        denied = logged_in(
            card_user(branch, [p for p in CARD_PERMS if p not in perms], username=f"denied{n}")
        )
        response = send(denied, method, address, body)
        assert (response.status_code, response["Content-Type"]) == (403, PROBLEM), (method, address)
        assert state() == before, (method, address)
        client.logout()
        allowed = logged_in(card_user(branch, perms, username=f"allowed{n}"))
        response = send(allowed, method, address, body)
        assert response.status_code == (201 if address == API and method == "post" else 200), (
            method,
            address,
            response.content,
        )
        client.logout()


def test_another_organisation_is_not_listed_and_not_found(client, logged_in, manager, branch, cat):
    CardTypeFactory(organisation=branch.organisation, code="MINE")
    foreign = CardTypeFactory(code="FOREIGN")
    api = logged_in(manager)
    assert [row["code"] for row in api.get(API).json()["items"]] == ["MINE"]
    before = state()
    for method, address, body in (
        ("get", f"{API}/{foreign.pk}", None),
        ("patch", f"{API}/{foreign.pk}", {"name": "改名"}),
        ("post", f"{API}/{foreign.pk}/deactivate", None),
        ("get", f"{API}/-1", None),
        ("get", f"{API}/{2**40}", None),
    ):
        response = send(api, method, address, body)
        assert (response.status_code, response["Content-Type"]) == (404, PROBLEM), address
    assert state() == before


# --- reads ----------------------------------------------------------------------------------------------


def test_list_and_detail_bodies(logged_in, manager, demo, cat):
    api = logged_in(manager)
    body = api.get(API + "?kind=choice").json()
    card = demo["CARD-LASER-3OF5"]
    assert body == {"count": 1, "items": [expected_out(card, cat)]}
    assert api.get(f"{API}/{card.pk}").json() == expected_out(card, cat)
    stored = api.get(f"{API}/{demo['CARD-SV10000'].pk}").json()
    assert (stored["price"], stored["bonus_amount"], stored["summary"], stored["discounts"]) == (
        "10000.00",
        "1000.00",
        "Stored value ¥10,000, bonus ¥1,000, 皮肤管理 pays 90%",
        [
            {
                "category_id": cat["SKIN"].pk,
                "category_code": "SKIN",
                "category_name": "皮肤管理",
                "discount_percent": "90.00",
            }
        ],
    )


@pytest.mark.parametrize(
    ("query", "codes", "count"),
    [
        ("", ["CARD-LASER-3OF5", "CARD-SKIN", "CARD-SV10000", "CARD-SW5"], 4),
        ("?q=sgz", ["CARD-SW5"], 1),
        ("?kind=stored_value", ["CARD-SV10000"], 1),
        ("?is_active=false", [], 0),
        ("?limit=2&offset=1", ["CARD-SKIN", "CARD-SV10000"], 4),
    ],
)
def test_list_filters_and_pages(logged_in, manager, demo, query, codes, count):
    body = logged_in(manager).get(API + query).json()
    assert ([row["code"] for row in body["items"]], body["count"]) == (codes, count)


def test_bad_filter_is_a_problem(logged_in, manager, demo):
    response = logged_in(manager).get(API + "?kind=gift")
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
    assert [field for field, _message in errors_of(response)] == ["kind"]


def test_list_query_count_does_not_grow_with_rows(logged_in, manager, branch, cat, django_assert_num_queries):
    api = logged_in(manager)
    api.get(API)
    for n in range(2):
        CardTypeFactory(organisation=branch.organisation, code=f"A{n}", projects=[(cat["P003"], 5)])
    with django_assert_num_queries(QUERIES_LIST):
        assert api.get(API).json()["count"] == 2
    for n in range(2, 30):
        CardTypeFactory(
            organisation=branch.organisation,
            code=f"A{n:02}",
            kind="choice",
            total_sessions=3,
            projects=[(cat["P001"], None), (cat["P004"], 2), (cat["P005"], 1)],
        )
    with django_assert_num_queries(QUERIES_LIST):
        assert len(api.get(API).json()["items"]) == 30


QUERIES_LIST = 9


# --- writes ---------------------------------------------------------------------------------------------


def test_create_an_n_choose_m_card(logged_in, manager, cat):
    response = send(logged_in(manager), "post", API, choice_body(cat))
    assert response.status_code == 201
    card = CardType.objects.get()
    body = response.json()
    assert (body["id"], body["kind"], body["total_sessions"], body["summary"]) == (
        card.pk,
        "choice",
        3,
        "5 choose 3, 皮秒祛斑 at most 2",
    )
    assert list(card.items.order_by("order").values_list("project__code", "sessions")) == [
        ("P001", None),
        ("P003", None),
        ("P004", None),
        ("P005", 2),
        ("P007", None),
    ]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"total_sessions": 7, "items": "caps1"},
            [
                (
                    "total_sessions",
                    "M exceeds what its pool allows: 7 sessions in total, but the caps of the 5 projects "
                    "add up to 5.",
                )
            ],
        ),
        ({"items": "one"}, [("items", "An N-choose-M card has a pool of at least two different projects.")]),
        ({"price": "-1"}, [("price", "The price cannot be negative.")]),
        ({"price": "1e30"}, [("price", "The amount is too large.")]),
        ({"kind": "stored_value"}, [("items", "A stored-value card has no projects.")]),
        ({"validity_mode": "fixed"}, [("valid_until", "Enter the date until which the card is valid.")]),
        (
            {"items": [{"project_id": 2**40}, {"project_id": 1}]},
            [("items.0.project_id", "The project is too large.")],
        ),
        ({"code": ""}, [("code", "Ensure this value has at least 1 characters.")]),
        ({"total_sessions": "x"}, [("total_sessions", "Enter a whole number.")]),
    ],
)
def test_bad_input_is_a_problem_and_writes_nothing(logged_in, manager, cat, changes, errors):
    if changes.get("items") == "caps1":
        changes["items"] = [
            {"project_id": cat[c].pk, "sessions": 1} for c in ("P001", "P003", "P004", "P005", "P007")
        ]
    if changes.get("items") == "one":
        changes["items"] = [{"project_id": cat["P004"].pk}]
    if changes.get("kind") == "stored_value":
        changes["price"] = "10000"
    before = state()
    response = send(logged_in(manager), "post", API, choice_body(cat, **changes))
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
    assert errors_of(response) == errors
    assert state() == before


def test_patch_changes_only_what_is_sent(logged_in, manager, demo, cat):
    card = demo["CARD-LASER-3OF5"]
    api = logged_in(manager)
    response = send(api, "patch", f"{API}/{card.pk}", {"name": "光电 5 选 2 卡", "total_sessions": 2})
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["total_sessions"], body["validity_days"], len(body["items"])) == (
        "光电 5 选 2 卡",
        2,
        180,
        5,
    )
    card.refresh_from_db()
    assert (card.name, card.total_sessions, card.pinyin) == ("光电 5 选 2 卡", 2, "guangdian5xuan2ka gd5x2k")


def test_patch_items_of_a_combination_card_recomputes_its_total(logged_in, manager, demo, cat):
    card = demo["CARD-SKIN"]
    items = [{"project_id": cat["P003"].pk, "sessions": 4}, {"project_id": cat["P007"].pk, "sessions": 4}]
    body = send(logged_in(manager), "patch", f"{API}/{card.pk}", {"items": items}).json()
    assert (body["total_sessions"], body["summary"]) == (8, "水光针 × 4 sessions + 小气泡清洁 × 4 sessions")


def test_patch_to_another_kind_validity_or_sharing_drops_what_no_longer_belongs(
    logged_in, manager, demo, cat
):
    api = logged_in(manager)
    card = demo["CARD-SW5"]
    body = send(
        api,
        "patch",
        f"{API}/{card.pk}",
        {"kind": "stored_value", "price": "3000", "validity_mode": "fixed", "valid_until": "2099-12-31"},
    ).json()
    assert (
        body["kind"],
        body["items"],
        body["total_sessions"],
        body["validity_days"],
        body["valid_until"],
    ) == (
        "stored_value",
        [],
        None,
        None,
        "2099-12-31",
    )
    assert CardTypeItem.objects.filter(card_type=card).count() == 0
    stored = demo["CARD-SV10000"]
    body = send(api, "patch", f"{API}/{stored.pk}", {"is_shareable": False}).json()
    assert (body["is_shareable"], body["max_shared_members"]) == (False, 0)


def test_refused_patch_writes_nothing(logged_in, manager, demo, cat):
    card = demo["CARD-LASER-3OF5"]
    before = state()
    response = send(
        logged_in(manager),
        "patch",
        f"{API}/{card.pk}",
        {
            "total_sessions": 7,
            "items": [
                {"project_id": cat[c].pk, "sessions": 1} for c in ("P001", "P003", "P004", "P005", "P007")
            ],
        },
    )
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
    assert errors_of(response) == [
        (
            "total_sessions",
            "M exceeds what its pool allows: 7 sessions in total, but the caps of the 5 projects add up to "
            "5.",
        )
    ]
    assert state() == before


def test_deactivate(logged_in, manager, demo):
    card = demo["CARD-SW5"]
    api = logged_in(manager)
    body = send(api, "post", f"{API}/{card.pk}/deactivate").json()
    assert body["is_active"] is False
    card.refresh_from_db()
    assert card.is_active is False
    body = send(api, "patch", f"{API}/{card.pk}", {"is_active": True}).json()
    assert body["is_active"] is True


def test_no_input_makes_the_card_type_api_fail(branch, cat, demo):
    """Whatever schemathesis sends to the card type endpoints as a manager who may use them all —
    huge numbers, odd decimals, unknown kinds — the answer is never a 5xx and errors are problem JSON."""
    from medspa.accounts import services as account_services
    from tests.fuzz import assert_never_fails, operations, wsgi_schema

    manager = card_user(branch, [*CARD_PERMS, "accounts.add_apitoken"], username="fuzzer")
    secret = account_services.api_token_create(actor=manager, name="fuzz", days=1).secret
    with wsgi_schema() as schema:
        ops = operations(schema, (API,))
        assert sorted(f"{op.method.upper()} {op.path}" for op in ops) == [
            f"GET {API}",
            f"GET {API}/{{card_type_id}}",
            f"PATCH {API}/{{card_type_id}}",
            f"POST {API}",
            f"POST {API}/{{card_type_id}}/deactivate",
        ]
        for operation in ops:
            assert_never_fails(operation, {"Authorization": f"Bearer {secret}"}, max_examples=30)
