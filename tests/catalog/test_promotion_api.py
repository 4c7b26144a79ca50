"""The promotion API (MKT-03): /api/v1/catalog/promotions — exact bodies, problem JSON for bad input
with nothing written, permission matrix, organisation scope, filters, pinned query counts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from medspa.catalog import promotion_selectors as selectors
from medspa.catalog.models import Promotion
from tests.catalog.promotion_factories import (
    PROBLEM,
    SHANGHAI,
    PromotionFactory,
    catalog_rows,
    errors_of,
    promotion_user,
    send,
    state,
)
from tests.factories import BranchFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("MKT-03")]

API = "/api/v1/catalog/promotions"
START = datetime.datetime(2026, 5, 1, 0, 0, tzinfo=SHANGHAI)
END = datetime.datetime(2026, 8, 1, 0, 0, tzinfo=SHANGHAI)


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
        starts_at=START,
        ends_at=END,
        branches=[branch],
        targets=[("scope", rows["inj"], 1)],
    )


def spend_save(branch, rows, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "M5000-2",
        "name": "满5000减500",
        "kind": "spend_save",
        "starts_at": "2026-05-01T00:00:00+08:00",
        "ends_at": "2026-08-01T00:00:00+08:00",
        "branch_ids": [branch.pk],
        "member_level_ids": [rows["gold"].pk],
        "priority": 10,
        "threshold_amount": "5000",
        "discount_amount": "500",
        "is_repeatable": True,
        "targets": [
            {"role": "scope", "category_id": rows["inj"].pk},
            {"role": "scope", "project_id": rows["p003"].pk},
        ],
    }
    body.update(overrides)
    return body


def endpoints(promotion, branch, rows) -> list[tuple[str, str, Any, list[str]]]:
    """(method, url, body, permissions needed)"""
    view = "catalog.view_promotion"
    return [
        ("get", API, None, [view]),
        ("post", API, spend_save(branch, rows), [view, "catalog.add_promotion"]),
        ("get", f"{API}/{promotion.pk}", None, [view]),
        ("patch", f"{API}/{promotion.pk}", {"name": "改名"}, [view, "catalog.change_promotion"]),
        ("post", f"{API}/{promotion.pk}/deactivate", None, [view, "catalog.delete_promotion"]),
        ("post", f"{API}/{promotion.pk}/copy", {"code": "M5000-06"}, [view, "catalog.add_promotion"]),
    ]


def test_api_permission_matrix(client, logged_in, branch, promotion, rows):
    for method, url, body, perms in endpoints(promotion, branch, rows):
        before = state()
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), (method, url)
        for granted in ([], perms[:-1]):
            denied = logged_in(promotion_user(branch, granted))
            response = send(denied, method, url, body)
            assert (response.status_code, response["Content-Type"]) == (403, PROBLEM), (method, url, granted)
            client.logout()
        assert state() == before, (method, url)
        allowed = logged_in(promotion_user(branch, perms))
        response = send(allowed, method, url, body)
        assert response.status_code == (201 if method == "post" and "deactivate" not in url else 200), (
            method,
            url,
            response.content,
        )
        client.logout()


def test_other_organisation_is_not_found(logged_in, manager, branch, rows):
    foreign = PromotionFactory(branches=[BranchFactory()])
    client = logged_in(manager)
    before = state()
    for method, url, body in [
        ("get", f"{API}/{foreign.pk}", None),
        ("patch", f"{API}/{foreign.pk}", {"name": "x"}),
        ("post", f"{API}/{foreign.pk}/deactivate", None),
        ("post", f"{API}/{foreign.pk}/copy", {"code": "X"}),
        ("get", f"{API}/-1", None),
    ]:
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (404, PROBLEM), (method, url)
    assert state() == before
    assert send(client, "get", API).json() == {"items": [], "count": 0}


def test_create_returns_the_promotion(logged_in, manager, branch, rows):
    response = send(logged_in(manager), "post", API, spend_save(branch, rows))
    promotion = Promotion.objects.get()
    targets = list(promotion.targets.order_by("pk"))
    body = response.json()
    assert response.status_code == 201
    assert body == {
        "id": promotion.pk,
        "code": "M5000-2",
        "name": "满5000减500",
        "kind": "spend_save",
        "status": selectors.promotion_status(promotion),
        "rule": selectors.promotion_describe(selectors.promotion_get_for(manager, promotion.pk)),
        "starts_at": "2026-05-01T00:00:00+08:00",
        "ends_at": "2026-08-01T00:00:00+08:00",
        "branch_ids": [branch.pk],
        "member_level_ids": [rows["gold"].pk],
        "new_customers_only": False,
        "priority": 10,
        "is_exclusive": False,
        "threshold_amount": "5000.00",
        "discount_amount": "500.00",
        "is_repeatable": True,
        "discount_percent": None,
        "bundle_price": None,
        "buy_quantity": None,
        "get_quantity": None,
        "description": "",
        "is_active": True,
        "targets": [
            {
                "id": targets[0].pk,
                "role": "scope",
                "project_id": None,
                "product_id": None,
                "package_id": None,
                "category_id": rows["inj"].pk,
                "name": "注射美容",
                "quantity": 1,
            },
            {
                "id": targets[1].pk,
                "role": "scope",
                "project_id": rows["p003"].pk,
                "product_id": None,
                "package_id": None,
                "category_id": None,
                "name": "水光针",
                "quantity": 1,
            },
        ],
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert body["created_at"].endswith("+08:00")


def test_bad_input_is_problem_json_and_writes_nothing(logged_in, manager, branch, rows):
    client = logged_in(manager)
    english = {"Accept-Language": "en"}
    before = state()
    cases = [
        (
            spend_save(branch, rows, targets=[]),
            "targets",
            "Add at least one project, product, package or category the promotion applies to.",
        ),
        (
            spend_save(branch, rows, starts_at="2026-05-01T00:00:00"),
            "starts_at",
            "Give the start with its time zone, for example 2026-05-01T00:00+08:00.",
        ),
        (
            spend_save(branch, rows, ends_at="2026-04-01T00:00:00+08:00"),
            "ends_at",
            "The end must be after the start.",
        ),
        (spend_save(branch, rows, branch_ids=[]), "branches", "Choose at least one branch."),
        (
            spend_save(branch, rows, discount_percent="80"),
            "discount_percent",
            "Only “Percent off” promotions have this; leave it empty.",
        ),
        (
            spend_save(branch, rows, targets=[{"role": "buy", "project_id": rows["p003"].pk}]),
            "targets.0.role",
            "Row 1: a “Spend X save Y” promotion has no “Buy” targets.",
        ),
        (
            spend_save(branch, rows, discount_amount="5000"),
            "discount_amount",
            "The saving must be less than the threshold.",
        ),
        (
            spend_save(branch, rows, priority=-1),
            "priority",
            "Ensure this value is greater than or equal to 0.",
        ),
        (spend_save(branch, rows, code=""), "code", "Ensure this value has at least 1 characters."),
    ]
    for body, field, message in cases:
        response = send(client, "post", API, body, headers=english)
        assert (response.status_code, response["Content-Type"]) == (422, PROBLEM), (field, response.content)
        assert errors_of(response) == [(field, message)], field
        assert state() == before, field


def test_list_filters_and_exact_rows(logged_in, manager, branch, other_branch, promotion, rows):
    PromotionFactory(
        organisation=branch.organisation,
        code="NEXT",
        name="下月满减",
        starts_at=END,
        ends_at=END + datetime.timedelta(days=30),
        branches=[other_branch],
        priority=5,
    )
    PromotionFactory(organisation=branch.organisation, code="STOP", is_active=False, branches=[branch])
    PromotionFactory(branches=[BranchFactory()])  # another organisation
    client = logged_in(manager)
    with time_machine.travel(datetime.datetime(2026, 6, 1, tzinfo=SHANGHAI), tick=False):
        body = send(client, "get", API).json()
        assert (body["count"], [i["code"] for i in body["items"]]) == (3, ["NEXT", "M5000", "STOP"])
        assert [i["status"] for i in body["items"]] == ["upcoming", "running", "inactive"]
        for query, expected in {
            "status=running": ["M5000"],
            "status=inactive": ["STOP"],
            "q=下月": ["NEXT"],
            f"branch={other_branch.pk}": ["NEXT"],
            "kind=bundle": [],
            "limit=1&offset=1": ["M5000"],
        }.items():
            body = send(client, "get", f"{API}?{query}").json()
            assert [i["code"] for i in body["items"]] == expected, query
        response = send(client, "get", f"{API}?status=soon")
        assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)


@pytest.mark.parametrize("n", [3, 15])
def test_list_endpoint_query_count_is_pinned(
    logged_in, manager, branch, other_branch, rows, django_assert_num_queries, n
):
    for i in range(n):
        PromotionFactory(
            organisation=branch.organisation,
            code=f"Q{i:02d}",
            branches=[branch, other_branch],
            member_levels=[rows["gold"]],
            targets=[("scope", rows["inj"], 1), ("scope", rows["p003"], 1)],
        )
    client = logged_in(manager)
    send(client, "get", API)
    # session, user, branch, 2 × permissions, data scope, count, rows, branches, member levels, targets
    with django_assert_num_queries(11):
        response = send(client, "get", f"{API}?limit=200")
    assert (response.status_code, response.json()["count"], len(response.json()["items"])) == (200, n, n)


def test_patch_changes_only_what_was_sent(logged_in, manager, branch, other_branch, promotion, rows):
    client = logged_in(manager)
    response = send(
        client, "patch", f"{API}/{promotion.pk}", {"name": "改名", "branch_ids": [other_branch.pk]}
    )
    assert response.status_code == 200
    stored = Promotion.objects.get()
    assert (
        stored.name,
        stored.code,
        stored.threshold_amount,
        list(stored.branches.values_list("pk", flat=True)),
    ) == (
        "改名",
        "M5000",
        promotion.threshold_amount,
        [other_branch.pk],
    )
    assert list(stored.targets.values_list("category_id", flat=True)) == [rows["inj"].pk]
    # another kind needs the old kind's fields cleared
    before = state()
    change = {"kind": "category_percent", "discount_percent": "80"}
    response = send(client, "patch", f"{API}/{promotion.pk}", change)
    assert (response.status_code, [f for f, _m in errors_of(response)]) == (422, ["threshold_amount"])
    assert state() == before
    change.update(threshold_amount=None, discount_amount=None, is_repeatable=False)
    response = send(client, "patch", f"{API}/{promotion.pk}", change)
    assert (response.status_code, response.json()["kind"], response.json()["discount_percent"]) == (
        200,
        "category_percent",
        "80.00",
    )
    response = send(client, "patch", f"{API}/{promotion.pk}", {"is_active": False})
    assert (response.status_code, response.json()["is_active"], response.json()["status"]) == (
        200,
        False,
        "inactive",
    )


def test_deactivate_and_copy(logged_in, manager, branch, promotion, rows):
    client = logged_in(manager)
    response = send(client, "post", f"{API}/{promotion.pk}/deactivate")
    assert (response.status_code, response.json()["is_active"]) == (200, False)
    response = send(
        client,
        "post",
        f"{API}/{promotion.pk}/copy",
        {
            "code": "M5000-09",
            "starts_at": "2026-09-01T00:00:00+08:00",
            "ends_at": "2026-10-01T00:00:00+08:00",
        },
    )
    body = response.json()
    assert (response.status_code, body["code"], body["name"], body["is_active"], body["starts_at"]) == (
        201,
        "M5000-09",
        "满5000减500",
        True,
        "2026-09-01T00:00:00+08:00",
    )
    assert [t["category_id"] for t in body["targets"]] == [rows["inj"].pk]
    before = state()
    response = send(client, "post", f"{API}/{promotion.pk}/copy", {"code": "m5000-09"})
    assert (response.status_code, [f for f, _m in errors_of(response)]) == (422, ["code"])
    assert state() == before
