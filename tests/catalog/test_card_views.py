"""Card type pages (MKT-01): permission matrix, organisation scope, the list with its filters,
summaries, export and pinned query count, the editor for every kind (inline errors, nothing
written on a refusal), editing, deactivation and the menu entry."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from medspa.catalog import card_services as services
from medspa.catalog.card_demo import seed_demo
from medspa.catalog.card_services import CardItemInput as I
from medspa.catalog.models import CardType, CardTypeDiscount
from medspa.core.menu import menu_for
from tests.catalog.card_factories import CARD_PERMS, CardTypeFactory, card_user, demo_catalog, state

pytestmark = [pytest.mark.django_db, pytest.mark.req("MKT-01")]

NS = "catalog_cards"
VIEW, ADD, CHANGE, DELETE, EXPORT = CARD_PERMS


@pytest.fixture(autouse=True)
def english():
    """Messages compared in English: the test's own and the pages' (asked for in English)."""
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def url(name, *args):
    return reverse(f"{NS}:{name}", args=args)


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


def rows_of(response):
    return [row.code for row in response.context["page"].object_list]


def table(response):
    return [[cell.text for cell in cells] for cells in response.context["table"].body()]


def session_post(cat, **changes):
    data = {
        "code": "SW5",
        "name": "水光针 5 次卡",
        "kind": "session",
        "price": "5000",
        "session_project": cat["P003"].pk,
        "total_sessions": "5",
        "validity_mode": "days",
        "validity_days": "365",
        "max_shared_members": "0",
        "description": "",
    }
    return {**data, **changes}


def rows_post(prefix, rows, first=1):
    """``item`` tokens with their fields: ``rows`` is [(project or category pk, number), …]."""
    field = "sessions" if prefix == "item" else "discount_percent"
    key = "project" if prefix == "item" else "category"
    data = {prefix: [f"t{i}" for i in range(first, first + len(rows))]}
    for i, (pk, number) in enumerate(rows, start=first):
        data[f"{prefix}-t{i}-{key}"] = "" if pk is None else str(pk)
        data[f"{prefix}-t{i}-{field}"] = "" if number is None else str(number)
    return data


def choice_post(cat, m="3", caps=None, **changes):
    codes = ("P001", "P003", "P004", "P005", "P007")
    caps = caps or {"P005": 2}
    data = {
        "code": "LASER3OF5",
        "name": "光电 5 选 3 卡",
        "kind": "choice",
        "price": "4800",
        "total_sessions": m,
        "validity_mode": "days",
        "validity_days": "180",
        "is_transferable": "on",
        "max_shared_members": "0",
        **rows_post("item", [(cat[c].pk, caps.get(c)) for c in codes]),
    }
    return {**data, **changes}


# --- permission matrix and scope ---------------------------------------------------------------------


def pages(cat, card):
    """(method, url, permissions needed, POST data)"""
    return [
        ("get", url("cardtype_list"), [VIEW], None),
        ("get", url("cardtype_create"), [VIEW, ADD], None),
        ("post", url("cardtype_create"), [VIEW, ADD], session_post(cat, code="NEW1")),
        ("get", url("cardtype_detail", card.pk), [VIEW], None),
        ("get", url("cardtype_edit", card.pk), [VIEW, CHANGE], None),
        (
            "post",
            url("cardtype_edit", card.pk),
            [VIEW, CHANGE],
            session_post(cat, code=card.code, is_active="on"),
        ),
        ("get", url("cardtype_deactivate", card.pk), [VIEW, DELETE], None),
        ("post", url("cardtype_deactivate", card.pk), [VIEW, DELETE], {}),
    ]


def test_page_permission_matrix(client, logged_in, branch, cat):
    card = CardTypeFactory(organisation=branch.organisation, code="SW", projects=[(cat["P003"], 5)])
    for n, (method, address, perms, data) in enumerate(pages(cat, card)):
        before = state()
        response = getattr(client, method)(address, data)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), address
        assert state() == before
        denied = logged_in(card_user(branch, perms[:-1], username=f"denied{n}"))
        response = getattr(denied, method)(address, data)
        assert response.status_code == 403, (method, address)
        assert state() == before, (method, address)
        client.logout()
        allowed = logged_in(card_user(branch, perms, username=f"allowed{n}"))
        response = getattr(allowed, method)(address, data)
        assert response.status_code == (302 if method == "post" else 200), (
            method,
            address,
            response.content[:2000],
        )
        client.logout()


def test_another_organisations_card_types_are_not_listed_and_not_found(logged_in, manager, branch, cat):
    mine = CardTypeFactory(organisation=branch.organisation, code="MINE")
    foreign = CardTypeFactory(code="FOREIGN")
    client = logged_in(manager)
    assert rows_of(client.get(url("cardtype_list"))) == ["MINE"]
    before = state()
    for address in (
        url("cardtype_detail", foreign.pk),
        url("cardtype_edit", foreign.pk),
        url("cardtype_deactivate", foreign.pk),
    ):
        assert client.get(address).status_code == 404, address
    assert client.post(url("cardtype_edit", foreign.pk), session_post(cat, code="X")).status_code == 404
    assert client.post(url("cardtype_deactivate", foreign.pk)).status_code == 404
    assert state() == before
    assert client.get(url("cardtype_detail", mine.pk)).status_code == 200


# --- list ---------------------------------------------------------------------------------------------


def test_list_shows_each_card_with_its_summary(logged_in, manager, demo):
    response = logged_in(manager).get(url("cardtype_list"))
    assert response.status_code == 200
    assert table(response) == [
        [
            "CARD-LASER-3OF5",
            "光电 5 选 3 卡",
            "N-choose-M card",
            "¥4,800.00",
            "5 choose 3, 皮秒祛斑 at most 2",
            "180 days from purchase",
            "Yes",
            "No",
            "Yes",
        ],
        [
            "CARD-SKIN",
            "皮肤管理组合卡",
            "Combination card",
            "¥4,680.00",
            "水光针 × 3 sessions + 小气泡清洁 × 6 sessions",
            "365 days from purchase",
            "No",
            "No",
            "Yes",
        ],
        [
            "CARD-SV10000",
            "储值卡 10000 送 1000",
            "Stored-value card",
            "¥10,000.00",
            "Stored value ¥10,000, bonus ¥1,000, 皮肤管理 pays 90%",
            "No expiry",
            "No",
            "Up to 2 family members",
            "Yes",
        ],
        [
            "CARD-SW5",
            "水光针 5 次卡",
            "Session card",
            "¥5,000.00",
            "水光针 × 5 sessions",
            "365 days from purchase",
            "No",
            "No",
            "Yes",
        ],
    ]
    body = response.content.decode()
    assert "5 choose 3, 皮秒祛斑 at most 2" in body
    assert f'href="{url("cardtype_create")}"' in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=sgz", ["CARD-SW5"]),  # pinyin initials of 水光针
        ("q=guangdian", ["CARD-LASER-3OF5"]),
        ("q=skin", ["CARD-SKIN"]),
        ("q=储值", ["CARD-SV10000"]),
        ("kind=choice", ["CARD-LASER-3OF5"]),
        ("kind=stored_value", ["CARD-SV10000"]),
        ("is_active=false", ["OLD"]),
        ("is_active=true&kind=session", ["CARD-SW5"]),
        ("kind=gift", []),  # an unknown kind is a filter error: nothing listed
        ("sort=-price", ["CARD-SV10000", "CARD-SW5", "CARD-LASER-3OF5", "CARD-SKIN", "OLD"]),
    ],
)
def test_list_filters(logged_in, manager, demo, branch, query, expected):
    CardTypeFactory(
        organisation=branch.organisation, code="OLD", name="旧卡", is_active=False, price=Decimal(1)
    )
    response = logged_in(manager).get(url("cardtype_list") + "?" + query)
    assert rows_of(response) == expected


def test_list_query_count_does_not_grow_with_rows(logged_in, manager, cat, branch, django_assert_num_queries):
    client = logged_in(manager)
    client.get(url("cardtype_list"))  # warm the session and permission caches of this client
    for n in range(3):
        CardTypeFactory(organisation=branch.organisation, code=f"A{n}", projects=[(cat["P003"], 5)])
    with django_assert_num_queries(QUERIES_LIST_PAGE):
        assert len(rows_of(client.get(url("cardtype_list")))) == 3
    for n in range(3, 20):
        CardTypeFactory(
            organisation=branch.organisation,
            code=f"A{n:02}",
            kind="choice",
            total_sessions=3,
            projects=[(cat["P001"], None), (cat["P003"], 2), (cat["P004"], 1)],
        )
    with django_assert_num_queries(QUERIES_LIST_PAGE):
        assert len(rows_of(client.get(url("cardtype_list")))) == 20


QUERIES_LIST_PAGE = 9


def test_export_needs_the_export_permission(logged_in, demo, branch, manager):
    viewer = logged_in(card_user(branch, [VIEW], username="viewer"))
    assert viewer.get(url("cardtype_list") + "?export=csv").status_code == 403
    response = logged_in(manager).get(url("cardtype_list") + "?kind=choice&export=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["Code", "Name", "Kind", "Price", "Content", "Validity", "Transferable", "Shareable", "Active"],
        [
            "CARD-LASER-3OF5",
            "光电 5 选 3 卡",
            "N-choose-M card",
            "¥4,800.00",
            "5 choose 3, 皮秒祛斑 at most 2",
            "180 days from purchase",
            "Yes",
            "No",
            "Yes",
        ],
    ]
    response = logged_in(manager).get(url("cardtype_list") + "?export=xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- detail -------------------------------------------------------------------------------------------


def test_detail_shows_the_projects_and_what_the_card_gives(logged_in, manager, demo):
    client = logged_in(manager)
    response = client.get(url("cardtype_detail", demo["CARD-LASER-3OF5"].pk))
    assert response.status_code == 200
    assert dict(response.context["rows"])["Content"] == "5 choose 3, 皮秒祛斑 at most 2"
    assert [(i["code"], str(i["sessions"])) for i in response.context["items"]] == [
        ("P001", "No cap"),
        ("P003", "No cap"),
        ("P004", "No cap"),
        ("P005", "2"),
        ("P007", "No cap"),
    ]
    assert response.context["sessions_label"] == "Cap"
    response = client.get(url("cardtype_detail", demo["CARD-SV10000"].pk))
    rows = dict(response.context["rows"])
    assert (rows["Principal"], rows["Bonus"], rows["Validity"]) == ("¥10,000.00", "¥1,000.00", "No expiry")
    assert response.context["discounts"] == [{"code": "SKIN", "name": "皮肤管理", "percent": "90%"}]
    assert response.context["edit_url"] == url("cardtype_edit", demo["CARD-SV10000"].pk)
    viewer = logged_in(card_user(manager.default_branch, [VIEW], username="viewer"))
    response = viewer.get(url("cardtype_detail", demo["CARD-SV10000"].pk))
    assert (response.context["edit_url"], response.context["deactivate_url"]) == (None, None)


# --- the editor -----------------------------------------------------------------------------------------


def test_new_page_starts_as_a_session_card_with_two_blank_project_rows(logged_in, manager, cat):
    response = logged_in(manager).get(url("cardtype_create"))
    assert response.status_code == 200
    assert (response.context["kind"], response.context["validity"], response.context["shareable"]) == (
        "session",
        "days",
        False,
    )
    assert len(response.context["items"]) == 2
    body = response.content.decode()
    assert "x-show=\"kind === 'stored_value'\"" in body
    assert f'<option value="{cat["P003"].pk}">P003 水光针</option>' in body
    assert "is_active" not in response.context["header"].fields


def test_create_a_session_card(logged_in, manager, cat):
    response = logged_in(manager).post(
        url("cardtype_create"), session_post(cat, **rows_post("item", [(None, None)]))
    )
    card = CardType.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("cardtype_detail", card.pk)
    assert (card.kind, card.total_sessions, card.price) == ("session", 5, Decimal("5000.00"))
    assert list(card.items.values_list("project__code", "sessions")) == [("P003", 5)]


def test_create_an_n_choose_m_card(logged_in, manager, cat):
    response = logged_in(manager).post(url("cardtype_create"), choice_post(cat))
    card = CardType.objects.get()
    assert response["Location"] == url("cardtype_detail", card.pk)
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


def test_create_a_combination_card_ignoring_blank_rows(logged_in, manager, cat):
    data = {
        **session_post(cat, code="SKIN", kind="combination", session_project="", total_sessions=""),
        **rows_post("item", [(cat["P003"].pk, 3), (None, None), (cat["P007"].pk, 6)]),
    }
    logged_in(manager).post(url("cardtype_create"), data)
    card = CardType.objects.get()
    assert (card.kind, card.total_sessions) == ("combination", 9)


def test_create_a_stored_value_card_with_a_discount(logged_in, manager, cat):
    data = {
        "code": "SV",
        "name": "储值卡",
        "kind": "stored_value",
        "price": "10000",
        "bonus_amount": "1000",
        "validity_mode": "none",
        "is_shareable": "on",
        "max_shared_members": "2",
        **rows_post("discount", [(cat["SKIN"].pk, "90"), (None, "")]),
    }
    logged_in(manager).post(url("cardtype_create"), data)
    card = CardType.objects.get()
    assert (card.kind, card.price, card.bonus_amount, card.max_shared_members) == (
        "stored_value",
        Decimal("10000.00"),
        Decimal("1000.00"),
        2,
    )
    assert list(CardTypeDiscount.objects.values_list("category__code", "discount_percent")) == [
        ("SKIN", Decimal("90.00"))
    ]


def test_m_beyond_the_caps_is_shown_on_m_and_nothing_is_written(logged_in, manager, cat):
    caps = dict.fromkeys(("P001", "P003", "P004", "P005", "P007"), 1)
    before = state()
    response = logged_in(manager).post(url("cardtype_create"), choice_post(cat, m="7", caps=caps))
    assert response.status_code == 422
    assert state() == before
    assert response.context["header"].errors["total_sessions"] == [
        "M exceeds what its pool allows: 7 sessions in total, but the caps of the 5 projects add up to 5."
    ]
    body = response.content.decode()
    assert 'data-testid="field-error-total_sessions"' in body
    # what was typed is still there
    assert response.context["kind"] == "choice"
    assert [row.form["sessions"].value() for row in response.context["items"]] == ["1"] * 5


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        (
            {"rows": [("P003", None), ("P003", None)]},
            ("row", 1, "project"),
            "Project 水光针 is listed twice.",
        ),
        (
            {"rows": [("P004", None), ("P005", 4)]},
            ("row", 1, "sessions"),
            "The cap of 皮秒祛斑 (4) is above M (3) and could never be reached; leave it empty or enter at "
            "most 3.",
        ),
        (
            {"rows": [("P004", None)]},
            ("items",),
            "An N-choose-M card has a pool of at least two different projects.",
        ),
        ({"rows": [(None, 2), ("P004", None)]}, ("row", 0, "project"), "Choose the project."),
        (
            {"total_sessions": ""},
            ("header", "total_sessions"),
            "Enter M, the sessions the customer may take in total across the pool.",
        ),
        (
            {"validity_days": ""},
            ("header", "validity_days"),
            "Enter for how many days after purchase the card is valid.",
        ),
        ({"price": "abc"}, ("header", "price"), "Enter a valid amount, for example 1234.50."),
        (
            {"is_shareable": "on", "max_shared_members": ""},
            ("header", "max_shared_members"),
            "Enter how many family members may share the card (at least 1).",
        ),
    ],
)
def test_editor_puts_each_refusal_next_to_its_field(logged_in, manager, cat, data, where, message):
    data = dict(data)
    rows = data.pop("rows", None)
    post = choice_post(cat, **data)
    if rows is not None:
        for key in [k for k in post if k.startswith("item")]:
            del post[key]
        post.update(rows_post("item", [(cat[c].pk if c else None, n) for c, n in rows]))
    before = state()
    response = logged_in(manager).post(url("cardtype_create"), post)
    assert response.status_code == 422
    assert state() == before
    if where[0] == "row":
        assert response.context["items"][where[1]].form.errors[where[2]] == [message]
    elif where[0] == "items":
        assert response.context["items_errors"] == [message]
    else:
        assert response.context["header"].errors[where[1]] == [message]


def test_session_card_refusals_show_on_its_project_and_sessions(logged_in, manager, cat):
    client = logged_in(manager)
    response = client.post(url("cardtype_create"), session_post(cat, session_project=""))
    assert response.context["header"].errors["session_project"] == ["A session card has exactly one project."]
    response = client.post(url("cardtype_create"), session_post(cat, total_sessions="0"))
    assert response.context["header"].errors["total_sessions"] == [
        "The sessions in total must be between 1 and 9999."
    ]
    response = client.post(url("cardtype_create"), session_post(cat, session_project="999999"))
    assert "session_project" in response.context["header"].errors  # not offered: a form error
    assert CardType.objects.count() == 0


def test_discount_refusals_show_on_their_row(logged_in, manager, cat):
    data = {
        "code": "SV",
        "name": "储值卡",
        "kind": "stored_value",
        "price": "10000",
        "validity_mode": "none",
        "max_shared_members": "0",
        **rows_post("discount", [(cat["SKIN"].pk, "90"), (cat["SKIN"].pk, "80")]),
    }
    response = logged_in(manager).post(url("cardtype_create"), data)
    assert response.status_code == 422
    assert response.context["discounts"][1].form.errors["category"] == [
        "Category 皮肤管理 has two discounts; keep one."
    ]
    data.update(rows_post("discount", [(cat["SKIN"].pk, "0")]))
    response = logged_in(manager).post(url("cardtype_create"), data)
    assert response.context["discounts"][0].form.errors["discount_percent"] == [
        "Enter what the customer pays as a percentage above 0 and at most 100, for example 90."
    ]
    assert CardType.objects.count() == 0


def test_edit_page_shows_the_stored_definition_and_saves_changes(logged_in, manager, cat, demo):
    card = demo["CARD-LASER-3OF5"]
    client = logged_in(manager)
    response = client.get(url("cardtype_edit", card.pk))
    assert response.status_code == 200
    assert response.context["kind"] == "choice"
    assert [
        (row.form["project"].value(), row.form["sessions"].value()) for row in response.context["items"]
    ] == [(cat[c].pk, 2 if c == "P005" else None) for c in ("P001", "P003", "P004", "P005", "P007")]
    assert response.context["header"]["total_sessions"].value() == 3
    post = choice_post(cat, m="2", code=card.code, name="光电 5 选 2 卡", is_active="on")
    response = client.post(url("cardtype_edit", card.pk), post)
    assert response["Location"] == url("cardtype_detail", card.pk)
    card.refresh_from_db()
    assert (card.name, card.total_sessions, card.is_active) == ("光电 5 选 2 卡", 2, True)


def test_edit_page_of_session_and_combination_cards(logged_in, manager, cat, demo):
    client = logged_in(manager)
    response = client.get(url("cardtype_edit", demo["CARD-SW5"].pk))
    header = response.context["header"]
    assert (header["session_project"].value(), header["total_sessions"].value()) == (cat["P003"].pk, 5)
    response = client.get(url("cardtype_edit", demo["CARD-SKIN"].pk))
    assert response.context["header"]["total_sessions"].value() is None  # computed, not typed
    assert [
        (row.form["project"].value(), row.form["sessions"].value()) for row in response.context["items"]
    ] == [
        (cat["P003"].pk, 3),
        (cat["P007"].pk, 6),
    ]
    response = client.get(url("cardtype_edit", demo["CARD-SV10000"].pk))
    assert [
        (r.form["category"].value(), r.form["discount_percent"].value())
        for r in response.context["discounts"]
    ] == [(cat["SKIN"].pk, "90")]
    assert response.context["shareable"] is True


def test_deactivate_through_the_page(logged_in, manager, demo):
    card = demo["CARD-SW5"]
    client = logged_in(manager)
    response = client.post(url("cardtype_deactivate", card.pk))
    assert response["Location"] == url("cardtype_detail", card.pk)
    card.refresh_from_db()
    assert card.is_active is False
    assert client.get(url("cardtype_detail", card.pk)).context["deactivate_url"] is None


def test_a_deactivated_project_stays_visible_on_the_edit_page(logged_in, manager, cat):
    card = services.card_type_create(
        actor=manager,
        code="C",
        name="卡",
        kind="session",
        price="1",
        total_sessions=1,
        validity_days=1,
        items=[I(cat["P006"].pk)],
    )
    cat["P006"].is_active = False
    cat["P006"].save()
    response = logged_in(manager).get(url("cardtype_edit", card.pk))
    assert f'<option value="{cat["P006"].pk}" selected>P006 双眼皮手术</option>' in response.content.decode()
    response = logged_in(manager).post(
        url("cardtype_edit", card.pk), session_post(cat, code="C", session_project=cat["P006"].pk)
    )
    assert response.context["header"].errors["session_project"] == [
        "Project 双眼皮手术 is deactivated; it cannot be put on a card."
    ]


def test_menu_entry(branch, manager):
    entries = [item for group in menu_for(manager) for item in group.items]
    entry = next(item for item in entries if item.key == "marketing-card-types")
    assert (entry.url, entry.order, str(entry.group)) == (url("cardtype_list"), 400, "Marketing")
    outsider = card_user(branch, [], username="outsider")
    assert "marketing-card-types" not in [item.key for group in menu_for(outsider) for item in group.items]
