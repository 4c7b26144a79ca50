"""Promotion pages (MKT-03): permission matrix, organisation scope, filters, export, pinned query
counts, the create/edit form (kind fields, target rows, inline errors with nothing written),
deactivate, copy, the detail page's description and the menu entry."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from medspa.catalog.models import Promotion
from medspa.core.menu import menu_for
from tests.catalog.promotion_factories import (
    PROMOTION_PERMS,
    SHANGHAI,
    PromotionFactory,
    catalog_rows,
    promotion_user,
    state,
)
from tests.factories import BranchFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("MKT-03")]

NS = "catalog_promotions"
VIEW = "catalog.view_promotion"
START = datetime.datetime(2026, 5, 1, 0, 0, tzinfo=SHANGHAI)
END = datetime.datetime(2026, 8, 1, 0, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english_responses(settings):
    """These tests compare the English source messages: requests carry no language, so the
    server answers in LANGUAGE_CODE."""
    settings.LANGUAGE_CODE = "en"


def url(name: str, *args: Any) -> str:
    return reverse(f"{NS}:{name}", args=args)


def rows_of(response: Any) -> list[Any]:
    return list(response.context["page"].object_list)


@pytest.fixture
def rows(branch):
    return catalog_rows(branch.organisation)


@pytest.fixture
def manager(branch):
    return promotion_user(branch, username="market")


@pytest.fixture
def promotion(branch, rows):
    return PromotionFactory(
        organisation=branch.organisation,
        code="M5000",
        name="满5000减500",
        is_repeatable=True,
        starts_at=START,
        ends_at=END,
        branches=[branch],
        targets=[("scope", rows["inj"], 1), ("scope", rows["skin"], 1)],
    )


def spend_save_post(branch, rows, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "M5000-2",
        "name": "满5000减500",
        "kind": "spend_save",
        "starts_at": "2026-05-01T00:00",
        "ends_at": "2026-08-01T00:00",
        "priority": "10",
        "branches": [branch.pk],
        "threshold_amount": "5000",
        "discount_amount": "500",
        "is_repeatable": "on",
        "target_role": ["scope", "scope"],
        "target_kind": ["category", "category"],
        "target_id": [rows["inj"].pk, rows["skin"].pk],
        "target_quantity": ["1", "1"],
    }
    data.update(overrides)
    return data


def pages(promotion, branch, rows) -> list[tuple[str, list[str], dict[str, Any] | None]]:
    """(url, permissions needed, POST data or None for read-only pages)"""
    return [
        (url("promotion_list"), [VIEW], None),
        (url("promotion_list") + "?export=csv", [VIEW, "catalog.export_promotion"], None),
        (url("promotion_detail", promotion.pk), [VIEW], None),
        (url("promotion_create"), [VIEW, "catalog.add_promotion"], spend_save_post(branch, rows)),
        (
            url("promotion_edit", promotion.pk),
            [VIEW, "catalog.change_promotion"],
            spend_save_post(branch, rows, code="M5000", name="改名", is_active="on"),
        ),
        (url("promotion_deactivate", promotion.pk), [VIEW, "catalog.delete_promotion"], {}),
        (
            url("promotion_copy", promotion.pk),
            [VIEW, "catalog.add_promotion"],
            {
                "code": "M5000-06",
                "name": "六月满减",
                "starts_at": "2026-06-01T00:00",
                "ends_at": "2026-07-01T00:00",
            },
        ),
    ]


def test_pages_permission_matrix(client, logged_in, branch, promotion, rows):
    for page, perms, data in pages(promotion, branch, rows):
        before = state()
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next="), page
        if data is not None:
            assert client.post(page, data).status_code == 302, page
        for granted in ([], perms[:-1]):
            denied = logged_in(promotion_user(branch, granted))
            assert denied.get(page).status_code == 403, page
            if data is not None:
                assert denied.post(page, data).status_code == 403, page
            client.logout()
        assert state() == before, page
        allowed = logged_in(promotion_user(branch, perms))
        assert allowed.get(page).status_code == 200, page
        client.logout()


def test_every_post_succeeds_with_its_permissions(client, logged_in, branch, promotion, rows):
    for page, perms, data in pages(promotion, branch, rows):
        if data is None:
            continue
        response = logged_in(promotion_user(branch, perms)).post(page, data)
        assert response.status_code == 302, (page, response.content.decode()[:3000])
        client.logout()
    assert list(Promotion.objects.order_by("code").values_list("code", "name", "is_active")) == [
        ("M5000", "改名", False),
        ("M5000-06", "六月满减", True),
        ("M5000-2", "满5000减500", True),
    ]


def test_other_organisation_is_not_found_and_nothing_changes(logged_in, manager, branch, rows):
    foreign = PromotionFactory(branches=[BranchFactory()])
    mine = PromotionFactory(organisation=branch.organisation, branches=[branch])
    client = logged_in(manager)
    assert rows_of(client.get(url("promotion_list"))) == [mine]
    before = state()
    for name in ("promotion_detail", "promotion_edit", "promotion_deactivate", "promotion_copy"):
        for pk in (foreign.pk, 999999):
            assert client.get(url(name, pk)).status_code == 404, name
            if name != "promotion_detail":
                assert client.post(url(name, pk), spend_save_post(branch, rows, code="X")).status_code == 404
    assert state() == before


def test_list_filters(logged_in, manager, branch, other_branch, rows):
    org = branch.organisation
    running = PromotionFactory(
        organisation=org, code="RUN", name="进行中满减", starts_at=START, ends_at=END, branches=[branch]
    )
    upcoming = PromotionFactory(
        organisation=org,
        code="NEXT",
        name="下月",
        kind="category_percent",
        threshold_amount=None,
        discount_amount=None,
        discount_percent=Decimal("80"),
        starts_at=END,
        ends_at=END + datetime.timedelta(days=30),
        branches=[other_branch],
    )
    ended = PromotionFactory(
        organisation=org,
        code="OLD",
        starts_at=START - datetime.timedelta(days=60),
        ends_at=START,
        branches=[branch],
    )
    stopped = PromotionFactory(organisation=org, code="STOP", starts_at=START, ends_at=END, is_active=False)
    client = logged_in(manager)
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI), tick=False):
        expectations = {
            "status=running": [running],
            "status=upcoming": [upcoming],
            "status=ended": [ended],
            "status=inactive": [stopped],
            "q=run": [running],
            "q=下月": [upcoming],
            "kind=category_percent": [upcoming],
            f"branch={other_branch.pk}": [upcoming],
            f"branch={branch.pk}&status=running": [running],
        }
        for query, expected in expectations.items():
            found = rows_of(client.get(url("promotion_list") + "?" + query))
            assert sorted(p.code for p in found) == sorted(p.code for p in expected), query
        foreign_branch = BranchFactory()
        assert rows_of(client.get(url("promotion_list") + f"?branch={foreign_branch.pk}")) == []
        page = client.get(url("promotion_list") + "?status=running").content.decode()
    with translation.override("en"):
        assert "RUN" in page and "2026-05-01 00:00 – 2026-08-01 00:00" in page and "总院" in page


@pytest.mark.parametrize("n", [3, 15])
def test_list_page_query_count_is_pinned(
    logged_in, manager, branch, other_branch, rows, django_assert_num_queries, n
):
    org = branch.organisation
    for i in range(n):
        PromotionFactory(
            organisation=org,
            code=f"Q{i:02d}",
            branches=[branch, other_branch],
            member_levels=[rows["gold"]],
            targets=[("scope", rows["inj"], 1), ("scope", rows["p003"], 1)],
        )
    client = logged_in(manager)
    client.get(url("promotion_list"))
    # session, user, branch, 2 × permissions, data scope, count, branch filter choices, rows,
    # and the rows' branches, member levels and targets (with what they point at)
    with django_assert_num_queries(12):
        response = client.get(url("promotion_list"))
    assert (response.status_code, len(rows_of(response))) == (200, n)


def test_export_lists_the_filtered_rows(logged_in, branch, promotion, rows):
    PromotionFactory(
        organisation=branch.organisation,
        code="OTHER",
        kind="buy_get",
        threshold_amount=None,
        discount_amount=None,
        buy_quantity=3,
        get_quantity=1,
    )
    client = logged_in(promotion_user(branch, [VIEW, "catalog.export_promotion"]))
    with translation.override("en"):
        response = client.get(url("promotion_list") + "?kind=spend_save&export=csv")
    body = response.content.decode("utf-8-sig").splitlines()
    assert response.status_code == 200
    assert len(body) == 2 and body[1].startswith("M5000,满5000减500,")
    assert "2026-05-01 00:00 – 2026-08-01 00:00" in body[1] and "总院" in body[1]
    assert client.get(url("promotion_list") + "?export=xlsx").status_code == 200
    client.logout()
    plain = logged_in(promotion_user(branch, [VIEW]))
    assert plain.get(url("promotion_list") + "?export=csv").status_code == 403


def test_create_through_the_page(logged_in, manager, branch, rows):
    client = logged_in(manager)
    page = client.get(url("promotion_create"))
    assert page.status_code == 200
    editor = page.context["form"].editor_data()
    assert editor["kind"] == "spend_save"
    assert [o["label"] for o in editor["options"]["category"]] == [
        "INJ 注射美容",
        "LASER 光电美容",
        "SKIN 皮肤管理",
    ]
    assert {kind: [r["value"] for r in roles] for kind, roles in editor["roles"].items()} == {
        "bundle": ["bundle"],
        "spend_save": ["scope"],
        "category_percent": ["scope"],
        "buy_get": ["buy", "get"],
    }
    # a value of another kind (typed before switching the kind) is not sent on
    response = client.post(
        url("promotion_create"), spend_save_post(branch, rows, discount_percent="80", bundle_price="1")
    )
    promotion = Promotion.objects.get()
    assert (response.status_code, response["Location"]) == (302, url("promotion_detail", promotion.pk))
    assert (
        promotion.code,
        promotion.kind,
        promotion.starts_at,
        promotion.ends_at,
        promotion.threshold_amount,
        promotion.discount_amount,
        promotion.is_repeatable,
        promotion.discount_percent,
        promotion.bundle_price,
        promotion.priority,
    ) == ("M5000-2", "spend_save", START, END, Decimal("5000.00"), Decimal("500.00"), True, None, None, 10)
    assert list(promotion.targets.values_list("role", "category_id")) == [
        ("scope", rows["inj"].pk),
        ("scope", rows["skin"].pk),
    ]
    with translation.override("en"):
        detail = client.get(url("promotion_detail", promotion.pk)).content.decode()
    assert "Spend ¥5,000, save ¥500, again for every multiple (on 注射美容, 皮肤管理)" in detail


def test_create_bundle_and_buy_get_through_the_page(logged_in, manager, branch, rows):
    client = logged_in(manager)
    bundle = spend_save_post(
        branch,
        rows,
        code="B2500",
        kind="bundle",
        bundle_price="2500",
        threshold_amount="5000",
        target_role=["bundle", "bundle"],
        target_kind=["project", "project"],
        target_id=[rows["p003"].pk, rows["p004"].pk],
        target_quantity=["2", "1"],
    )
    assert client.post(url("promotion_create"), bundle).status_code == 302
    buy_get = spend_save_post(
        branch,
        rows,
        code="B3G1",
        kind="buy_get",
        buy_quantity="3",
        get_quantity="1",
        target_role=["buy", "get", "get"],
        target_kind=["project", "project", "product"],
        target_id=[rows["p007"].pk, rows["p007"].pk, ""],  # an empty row is ignored
        target_quantity=["5", "1", "1"],  # a quantity outside a bundle is not sent on
    )
    assert client.post(url("promotion_create"), buy_get).status_code == 302
    stored = {p.code: p for p in Promotion.objects.all()}
    assert (stored["B2500"].bundle_price, stored["B2500"].threshold_amount) == (Decimal("2500.00"), None)
    assert list(stored["B2500"].targets.values_list("project_id", "quantity")) == [
        (rows["p003"].pk, 2),
        (rows["p004"].pk, 1),
    ]
    assert (stored["B3G1"].buy_quantity, stored["B3G1"].get_quantity) == (3, 1)
    assert list(stored["B3G1"].targets.values_list("role", "project_id", "quantity")) == [
        ("buy", rows["p007"].pk, 1),
        ("get", rows["p007"].pk, 1),
    ]


def test_create_errors_show_on_the_field_and_write_nothing(logged_in, manager, branch, rows):
    client = logged_in(manager)
    no_scope = spend_save_post(branch, rows, target_role=["scope"], target_kind=["project"], target_id=[""])
    cases = [
        (
            no_scope,
            "targets",
            "Add at least one project, product, package or category the promotion applies to.",
        ),
        (
            spend_save_post(branch, rows, ends_at="2026-04-30T23:59"),
            "ends_at",
            "The end must be after the start.",
        ),
        (spend_save_post(branch, rows, branches=[]), "branches", "Choose at least one branch."),
        (
            spend_save_post(branch, rows, discount_amount="6000"),
            "discount_amount",
            "The saving must be less than the threshold.",
        ),
        (
            spend_save_post(branch, rows, target_id=[rows["inj"].pk, rows["inj"].pk]),
            "targets",
            "Row 2: 注射美容 is listed twice.",
        ),
        (
            spend_save_post(branch, rows, target_kind=["category", "nothing"]),
            "targets",
            "Row 2: choose one project, product, package or category.",
        ),
        (
            spend_save_post(branch, rows, target_id=[rows["inj"].pk, "x"]),
            "targets",
            "Row 2: choose the target from the list.",
        ),
    ]
    before = state()
    for data, field, message in cases:
        with translation.override("en"):
            response = client.post(url("promotion_create"), data)
        assert response.status_code == 422, field
        assert response.context["form"].errors == {field: [message]}, field
        assert f'data-testid="field-error-{field}"' in response.content.decode()
        assert state() == before, field
    # the rows sent come back to the editor (the empty one dropped, one blank row instead)
    with translation.override("en"):
        response = client.post(url("promotion_create"), no_scope)
    assert response.context["form"].editor_data()["rows"] == [
        {"role": "", "kind": "project", "id": "", "quantity": 1}
    ]


def test_edit_page_shows_the_promotion_and_saves(logged_in, manager, branch, promotion, rows):
    client = logged_in(manager)
    form = client.get(url("promotion_edit", promotion.pk)).context["form"]
    assert (form["code"].value(), form["kind"].value(), form["branches"].value()) == (
        "M5000",
        "spend_save",
        [branch.pk],
    )
    assert form.editor_data()["rows"] == [
        {"role": "scope", "kind": "category", "id": str(rows["inj"].pk), "quantity": 1},
        {"role": "scope", "kind": "category", "id": str(rows["skin"].pk), "quantity": 1},
    ]
    data = spend_save_post(
        branch,
        rows,
        code="M5000",
        kind="category_percent",
        discount_percent="80",
        target_role=["scope"],
        target_kind=["category"],
        target_id=[rows["laser"].pk],
        is_active="on",
    )
    response = client.post(url("promotion_edit", promotion.pk), data)
    assert (response.status_code, response["Location"]) == (302, url("promotion_detail", promotion.pk))
    stored = Promotion.objects.get()
    assert (stored.kind, stored.discount_percent, stored.threshold_amount, stored.is_active) == (
        "category_percent",
        Decimal("80.00"),
        None,
        True,
    )
    assert list(stored.targets.values_list("category_id", flat=True)) == [rows["laser"].pk]


def test_deactivate_and_copy_pages(logged_in, manager, branch, promotion, rows):
    client = logged_in(manager)
    assert client.post(url("promotion_deactivate", promotion.pk)).status_code == 302
    assert Promotion.objects.get().is_active is False
    copy_page = client.get(url("promotion_copy", promotion.pk))
    assert copy_page.context["form"]["name"].value() == "满5000减500"
    before = state()
    with translation.override("en"):
        taken = client.post(
            url("promotion_copy", promotion.pk),
            {"code": "m5000", "name": "x", "starts_at": "2026-06-01T00:00", "ends_at": "2026-07-01T00:00"},
        )
    assert (taken.status_code, taken.context["form"].errors) == (
        422,
        {"code": ["Promotion code m5000 is already in use."]},
    )
    assert state() == before
    response = client.post(
        url("promotion_copy", promotion.pk),
        {
            "code": "M5000-06",
            "name": "六月满减",
            "starts_at": "2026-06-01T00:00",
            "ends_at": "2026-07-01T00:00",
        },
    )
    copy = Promotion.objects.get(code="M5000-06")
    assert (response.status_code, response["Location"]) == (302, url("promotion_detail", copy.pk))
    assert (copy.is_active, copy.starts_at, list(copy.targets.values_list("category_id", flat=True))) == (
        True,
        datetime.datetime(2026, 6, 1, tzinfo=SHANGHAI),
        [rows["inj"].pk, rows["skin"].pk],
    )


def test_detail_page_shows_rule_targets_and_actions_by_permission(logged_in, branch, promotion, rows):
    client = logged_in(promotion_user(branch, [VIEW]))
    with translation.override("en"):
        page = client.get(url("promotion_detail", promotion.pk)).content.decode()
    rule = "Spend ¥5,000, save ¥500, again for every multiple (on 注射美容, 皮肤管理)"
    assert f'data-testid="promotion-description">{rule}<' in page
    assert page.count('data-testid="targets-row"') == 2
    assert (
        'data-testid="edit"' not in page
        and 'data-testid="copy"' not in page
        and 'data-testid="deactivate"' not in page
    )
    client.logout()
    page = (
        logged_in(promotion_user(branch, PROMOTION_PERMS))
        .get(url("promotion_detail", promotion.pk))
        .content.decode()
    )
    assert (
        'data-testid="edit"' in page and 'data-testid="copy"' in page and 'data-testid="deactivate"' in page
    )


def test_menu_entry(branch):
    with translation.override("en"):
        groups = menu_for(promotion_user(branch, [VIEW]))
        entries = [(g.label, item.key, item.order) for g in groups for item in g.items]
        assert ("Marketing", "catalog-promotions", 420) in entries
        assert "catalog-promotions" not in [
            i.key for g in menu_for(promotion_user(branch, [])) for i in g.items
        ]
