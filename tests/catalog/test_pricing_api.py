"""``POST /api/v1/pricing/quote`` and ``GET /api/v1/pricing/items`` (ORD-04): exact bodies with
money as decimal strings, the permission matrix (401/403/404), bad input as problem JSON with a
clear message, and nothing written either way."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from medspa.accounts import services as account_services
from medspa.audit.models import AuditEvent
from medspa.catalog.models import Coupon, Project, ProjectLevelPrice, Promotion
from tests.catalog.pricing_factories import (
    PricingCategoryFactory,
    PricingLevelFactory,
    PricingProductFactory,
    PricingProjectFactory,
    PromotionFactory,
    pricing_user,
)
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("ORD-04")]

URL = "/api/v1/pricing/quote"
ITEMS = "/api/v1/pricing/items"
PROBLEM = "application/problem+json"
D = Decimal


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
    ProjectLevelPrice.objects.create(project=filler, member_level=gold, price=D("6000"))
    promotion = PromotionFactory(organisation=org, branches=[branch], targets=[("scope", inj)])
    return {"gold": gold, "filler": filler, "water": water, "promotion": promotion, "skin": skin}


def post(client, body, **headers):
    return client.post(URL, data=json.dumps(body), content_type="application/json", headers=headers)


def state():
    return (
        AuditEvent.objects.filter(result="success").count(),
        Project.objects.count(),
        Promotion.objects.count(),
        Coupon.objects.count(),
        list(Project.objects.values_list("pk", "list_price", "updated_at")),
    )


def errors_of(response):
    return [(e["field"], e["message"]) for e in response.json()["errors"]]


def test_quote_body(client, branch, data):
    client.force_login(pricing_user(branch, authority="90"))
    body = {
        "lines": [
            {"kind": "project", "id": data["filler"].pk, "quantity": 1, "manual_percent": "85"},
            {"kind": "project", "id": data["water"].pk, "quantity": 2},
        ],
        "member_level_id": data["gold"].pk,
        "at": timezone.now().isoformat(),
    }
    before = state()
    response = post(client, body)
    assert response.status_code == 200, response.content
    promotion = data["promotion"]
    assert response.json() == {
        "lines": [
            {
                "key": "001",
                "kind": "project",
                "ref_id": data["filler"].pk,
                "name": "玻尿酸填充",
                "quantity": 1,
                "list_price": "6800.00",
                "base_amount": "6800.00",
                "adjustments": [
                    {
                        "source": "member",
                        "ref_id": data["gold"].pk,
                        "label": "Member price (金卡): ¥6,000 each",
                        "amount": "-800.00",
                    },
                    {
                        "source": "promotion",
                        "ref_id": promotion.pk,
                        "label": "满5000减500: spend ¥5,000 save ¥500",
                        "amount": "-500.00",
                    },
                    {
                        "source": "manual",
                        "ref_id": None,
                        "label": "Manual discount: 8.5/10",
                        "amount": "-825.00",
                    },
                ],
                "amount": "4675.00",
                "requires_approval": True,
            },
            {
                "key": "002",
                "kind": "project",
                "ref_id": data["water"].pk,
                "name": "水光针",
                "quantity": 2,
                "list_price": "1280.00",
                "base_amount": "2560.00",
                "adjustments": [
                    {
                        "source": "member",
                        "ref_id": data["gold"].pk,
                        "label": "Member price (金卡): ¥1,216 each",
                        "amount": "-128.00",
                    }
                ],
                "amount": "2432.00",
                "requires_approval": False,
            },
        ],
        "subtotal": "9360.00",
        "discount_total": "2253.00",
        "total": "7107.00",
        "requires_approval": True,
        "approval_reasons": ["玻尿酸填充 at 8.5/10 is beyond your authority of 9/10."],
        "applied_promotion_ids": [promotion.pk],
        "skipped": {},
        "promotion_names": {str(promotion.pk): "满5000减500"},
    }
    assert state() == before
    body["lines"][0]["manual_percent"] = "95"
    response = post(client, body)
    assert (response.json()["requires_approval"], response.json()["approval_reasons"]) == (False, [])


def test_permission_matrix(client, branch, data):
    body = {"lines": [{"kind": "project", "id": data["filler"].pk}]}
    before = state()
    response = post(client, body)
    assert (response.status_code, response["Content-Type"]) == (401, PROBLEM)
    assert client.get(ITEMS, {"q": "P0"}).status_code == 401
    client.force_login(pricing_user(branch, perms=["customers.view_customer"]))
    response = post(client, body)
    assert (response.status_code, response["Content-Type"]) == (403, PROBLEM)
    assert client.get(ITEMS, {"q": "P0"}).status_code == 403
    client.force_login(pricing_user(branch, perms=["catalog.preview_price"]))
    response = post(client, body)
    assert (response.status_code, response.json()["total"]) == (200, "6300.00")
    assert state() == before


def test_bearer_token(branch, data):
    from django.test import Client

    user = pricing_user(branch, perms=["catalog.preview_price", "accounts.add_apitoken"])
    secret = account_services.api_token_create(actor=user, name="t", days=1).secret
    response = post(
        Client(), {"lines": [{"kind": "project", "id": data["water"].pk}]}, Authorization=f"Bearer {secret}"
    )
    assert (response.status_code, response.json()["total"]) == (200, "1280.00")


def test_another_organisation_is_not_found(client, branch, data):
    client.force_login(pricing_user(branch))
    stranger = PricingProjectFactory(code="P001")
    foreign_customer = CustomerFactory()
    before = state()
    response = post(client, {"lines": [{"kind": "project", "id": stranger.pk}]})
    assert (response.status_code, response["Content-Type"], errors_of(response)) == (
        404,
        PROBLEM,
        [("lines[0].id", "Line 1: that project does not exist.")],
    )
    response = post(
        client, {"lines": [{"kind": "project", "id": data["water"].pk}], "customer_id": foreign_customer.pk}
    )
    assert (response.status_code, errors_of(response)) == (
        404,
        [("customer_id", "That customer does not exist.")],
    )
    response = post(client, {"lines": [{"kind": "product", "id": 2**40}]})
    assert (response.status_code, errors_of(response)) == (
        404,
        [("lines[0].id", "Line 1: that product does not exist.")],
    )
    assert state() == before


def test_bad_input_gets_a_clear_message(client, branch, data):
    client.force_login(pricing_user(branch))
    water = data["water"].pk
    cases = [
        (
            {"lines": [{"kind": "project", "id": water, "quantity": 0}]},
            ("lines[0].quantity", "水光针: the quantity must be at least 1."),
        ),
        (
            {"lines": [{"kind": "project", "id": water, "manual_percent": 90, "manual_amount": "10"}]},
            (
                "lines[0].manual_percent",
                "水光针: give either a discount percentage or an amount off, not both.",
            ),
        ),
        (
            {"lines": [{"kind": "project", "id": water, "manual_percent": "100.5"}]},
            ("lines[0].manual_percent", "水光针: the discount percentage must lie between 0 and 100."),
        ),
        (
            {"lines": [{"kind": "project", "id": water, "manual_percent": -5}]},
            ("lines[0].manual_percent", "水光针: the discount percentage must lie between 0 and 100."),
        ),
        (
            {"lines": [{"kind": "project", "id": water}], "order_percent": 120},
            ("order_percent", "The order discount: the discount percentage must lie between 0 and 100."),
        ),
        (
            {"lines": [{"kind": "project", "id": water}], "order_percent": 90, "order_amount": 5},
            (
                "order_percent",
                "The order discount: give either a discount percentage or an amount off, not both.",
            ),
        ),
        (
            {"lines": [{"kind": "service", "id": water}]},
            ("lines[0].kind", "The kind must be one of: project, product, package, card_type."),
        ),
        ({"lines": []}, ("lines", "Add at least one item to the basket.")),
        (
            {"lines": [{"kind": "project", "id": water}], "at": "2026-06-01T10:00:00"},
            ("at", "Give the time with its time zone."),
        ),
    ]
    before = state()
    for body, error in cases:
        response = post(client, body)
        assert (response.status_code, response["Content-Type"], errors_of(response)) == (
            422,
            PROBLEM,
            [error],
        ), body
    response = post(client, {"lines": [{"kind": "project", "id": 0}]})
    assert (response.status_code, errors_of(response)[0][0]) == (422, "lines.0.id")
    response = post(client, {"lines": [{"kind": "project", "id": water, "manual_percent": "abc"}]})
    assert (response.status_code, errors_of(response)[0][0]) == (422, "lines.0.manual_percent")
    assert state() == before


def test_item_search(client, branch, data):
    client.force_login(pricing_user(branch))
    mask = PricingProductFactory(
        category=data["skin"], code="R001", name="医用修复面膜", retail_price=D("198")
    )
    PricingProjectFactory(code="P009")  # another organisation
    response = client.get(ITEMS, {"q": "P00"})
    assert response.json() == {
        "items": [
            {
                "kind": "project",
                "id": data["filler"].pk,
                "code": "P001",
                "name": "玻尿酸填充",
                "price": "6800.00",
            },
            {"kind": "project", "id": data["water"].pk, "code": "P003", "name": "水光针", "price": "1280.00"},
        ],
        "count": 2,
    }
    assert client.get(ITEMS, {"q": "面膜"}).json()["items"] == [
        {"kind": "product", "id": mask.pk, "code": "R001", "name": "医用修复面膜", "price": "198.00"}
    ]
    assert client.get(ITEMS, {"q": "bns"}).json()["count"] == 1  # pinyin initials of 玻尿酸填充
    assert client.get(ITEMS).json() == {"items": [], "count": 0}


def test_default_time_is_now(client, branch, data):
    client.force_login(pricing_user(branch))
    data["promotion"].ends_at = timezone.now() - datetime.timedelta(seconds=1)
    data["promotion"].starts_at = timezone.now() - datetime.timedelta(days=2)
    data["promotion"].save()
    response = post(client, {"lines": [{"kind": "project", "id": data["filler"].pk}]})
    assert response.json()["applied_promotion_ids"] == []
    at = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    response = post(client, {"lines": [{"kind": "project", "id": data["filler"].pk}], "at": at})
    assert response.json()["applied_promotion_ids"] == [data["promotion"].pk]
