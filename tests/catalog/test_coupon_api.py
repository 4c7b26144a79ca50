"""The coupon API (MKT-02): /api/v1/catalog/coupon-types and /api/v1/catalog/coupons — exact bodies,
problem JSON for bad input with nothing written, idempotent issue and redeem submits, permission
matrix, data scope, pinned query counts."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from medspa.accounts import services as account_services
from medspa.catalog import coupon_services as services
from medspa.catalog.choices import CouponKind
from medspa.catalog.models import Coupon, CouponBatch, CouponType
from tests.catalog.coupon_factories import (
    CatalogCategoryFactory,
    CouponTypeFactory,
    ProjectFactory,
    coupon_user,
    state,
    today,
)
from tests.customers.conftest import tag
from tests.customers.factories import CustomerFactory
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("MKT-02")]

API = "/api/v1/catalog"
PROBLEM = "application/problem+json"


def iso(value):
    return timezone.localtime(value).isoformat()


def send(client, method, url, body=None):
    return getattr(client, method)(
        url, data=json.dumps(body) if body is not None else None, content_type="application/json"
    )


def errors_of(response):
    return [(e["field"], e["message"]) for e in response.json()["errors"]]


@pytest.fixture
def admin(branch):
    return coupon_user(branch, username="marketing")


@pytest.fixture
def objects(branch, admin):
    org = branch.organisation
    voucher = CouponTypeFactory(organisation=org, code="V100", name="代金券100")
    friends = CouponTypeFactory(organisation=org, code="F300", name="亲友券", kind=CouponKind.FRIENDS)
    customer = CustomerFactory(branch=branch, name="张三", phone="13800001111")
    friend = CustomerFactory(branch=branch, name="王五", phone="13900002222")
    coupon = services.coupon_issue(actor=admin, coupon_type_id=voucher.pk, customer_id=customer.pk).coupons[0]
    gift = services.coupon_issue(actor=admin, coupon_type_id=friends.pk, customer_id=customer.pk).coupons[0]
    code = services.coupon_generate(actor=admin, coupon_type_id=voucher.pk, quantity=1).coupons[0]
    redeemable = services.coupon_issue(actor=admin, coupon_type_id=voucher.pk, customer_id=friend.pk).coupons[
        0
    ]
    vip = tag(org, "VIP", "客户类型")
    friend.tags.add(vip)
    return {
        "voucher": voucher,
        "friends": friends,
        "customer": customer,
        "friend": friend,
        "coupon": coupon,
        "gift": gift,
        "code": code,
        "redeemable": redeemable,
        "vip": vip,
    }


def endpoints(o):
    """(method, url, body, permissions needed)"""
    return [
        ("get", f"{API}/coupon-types", None, ["catalog.view_coupontype"]),
        (
            "post",
            f"{API}/coupon-types",
            {
                "code": "N",
                "name": "新券",
                "kind": "voucher",
                "amount": "50",
                "applies_to_all": True,
                "validity_mode": "days",
                "validity_days": 30,
            },
            ["catalog.add_coupontype"],
        ),
        ("get", f"{API}/coupon-types/{o['voucher'].pk}", None, ["catalog.view_coupontype"]),
        ("patch", f"{API}/coupon-types/{o['voucher'].pk}", {"name": "改名"}, ["catalog.change_coupontype"]),
        ("get", f"{API}/coupons", None, ["catalog.view_coupon"]),
        ("get", f"{API}/coupons/{o['coupon'].pk}", None, ["catalog.view_coupon"]),
        (
            "post",
            f"{API}/coupons/issue",
            {"coupon_type_id": o["voucher"].pk, "customer_id": o["customer"].pk},
            ["catalog.issue_coupon"],
        ),
        (
            "post",
            f"{API}/coupons/issue-bulk",
            {"coupon_type_id": o["voucher"].pk, "criteria": {"tag": o["vip"].pk}},
            ["catalog.issue_coupon"],
        ),
        (
            "post",
            f"{API}/coupons/generate",
            {"coupon_type_id": o["voucher"].pk, "quantity": 2},
            ["catalog.issue_coupon"],
        ),
        ("post", f"{API}/coupons/{o['coupon'].pk}/void", {"reason": "错发"}, ["catalog.void_coupon"]),
        (
            "post",
            f"{API}/coupons/{o['gift'].pk}/transfer",
            {"to_customer_id": o["friend"].pk},
            ["catalog.change_coupon"],
        ),
        (
            "post",
            f"{API}/coupons/{o['redeemable'].pk}/redeem",
            {"customer_id": o["friend"].pk, "ref": "ORD-1"},
            ["catalog.redeem_coupon"],
        ),
        (
            "post",
            f"{API}/coupons/{o['code'].pk}/claim",
            {"customer_id": o["customer"].pk},
            ["catalog.change_coupon"],
        ),
    ]


def test_api_permission_matrix(client, logged_in, branch, objects):
    for method, url, body, perms in endpoints(objects):
        before = state()
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), url
        denied = logged_in(coupon_user(branch, perms[:-1]))
        response = send(denied, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (403, PROBLEM), (method, url)
        assert state() == before, (method, url)
        client.logout()
        allowed = logged_in(coupon_user(branch, ["catalog.view_coupon", *perms]))
        response = send(allowed, method, url, body)
        assert response.status_code in (200, 201), (method, url, response.content)
        if method != "get":
            assert state() != before, (method, url)
        client.logout()


def test_created_responses_are_201(logged_in, admin, objects):
    client = logged_in(admin)
    for url, body in (
        (
            f"{API}/coupons/issue",
            {"coupon_type_id": objects["voucher"].pk, "customer_id": objects["friend"].pk},
        ),
        (f"{API}/coupons/generate", {"coupon_type_id": objects["voucher"].pk, "quantity": 1}),
        (
            f"{API}/coupons/issue-bulk",
            {"coupon_type_id": objects["voucher"].pk, "criteria": {"tag": objects["vip"].pk}},
        ),
    ):
        assert send(client, "post", url, body).status_code == 201, url
    assert (
        send(client, "post", f"{API}/coupons/{objects['coupon'].pk}/void", {"reason": "x"}).status_code == 200
    )


def test_other_branch_and_organisation_are_not_found(logged_in, admin, branch, other_branch, objects):
    east = coupon_user(other_branch, username="east")
    buyer = CustomerFactory(branch=other_branch)
    theirs = services.coupon_issue(
        actor=east, coupon_type_id=objects["voucher"].pk, customer_id=buyer.pk
    ).coupons[0]
    foreign = CouponTypeFactory(organisation=OrganisationFactory(code="other"))
    client = logged_in(admin)
    listed = [item["id"] for item in client.get(f"{API}/coupons").json()["items"]]
    assert theirs.pk not in listed and len(listed) == 4
    assert foreign.pk not in [item["id"] for item in client.get(f"{API}/coupon-types").json()["items"]]
    before = state()
    for method, url, body in (
        ("get", f"{API}/coupons/{theirs.pk}", None),
        ("post", f"{API}/coupons/{theirs.pk}/void", {"reason": "x"}),
        ("post", f"{API}/coupons/{theirs.pk}/redeem", {"customer_id": buyer.pk, "ref": "X"}),
        ("post", f"{API}/coupons/{theirs.pk}/claim", {"customer_id": objects["customer"].pk}),
        ("get", f"{API}/coupon-types/{foreign.pk}", None),
        ("patch", f"{API}/coupon-types/{foreign.pk}", {"name": "x"}),
        ("get", f"{API}/coupons/-1", None),
    ):
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (404, PROBLEM), url
    assert state() == before


def test_coupon_type_body(logged_in, admin, branch):
    org = branch.organisation
    laser = CatalogCategoryFactory(organisation=org, code="LASER")
    project = ProjectFactory(organisation=org)
    response = send(
        logged_in(admin),
        "post",
        f"{API}/coupon-types",
        {
            "code": "LASER90",
            "name": "光电 9 折券",
            "kind": "discount",
            "discount_percent": 90,
            "project_ids": [project.pk],
            "category_ids": [laser.pk],
            "validity_mode": "fixed",
            "valid_from": "2026-01-01",
            "valid_to": "2026-03-31",
            "per_customer_limit": 1,
            "is_stackable": True,
        },
    )
    coupon_type = CouponType.objects.get()
    assert (response.status_code, response.json()) == (
        201,
        {
            "id": coupon_type.pk,
            "code": "LASER90",
            "name": "光电 9 折券",
            "kind": "discount",
            "amount": None,
            "discount_percent": "90.00",
            "min_spend": "0.00",
            "applies_to_all": False,
            "project_ids": [project.pk],
            "product_ids": [],
            "category_ids": [laser.pk],
            "validity_mode": "fixed",
            "valid_from": "2026-01-01",
            "valid_to": "2026-03-31",
            "validity_days": None,
            "is_stackable": True,
            "per_customer_limit": 1,
            "description": "",
            "is_active": True,
            "created_at": iso(coupon_type.created_at),
            "updated_at": iso(coupon_type.updated_at),
        },
    )
    patched = send(
        logged_in(admin),
        "patch",
        f"{API}/coupon-types/{coupon_type.pk}",
        {"validity_mode": "days", "validity_days": 60},
    )
    assert {k: patched.json()[k] for k in ("validity_mode", "valid_from", "valid_to", "validity_days")} == {
        "validity_mode": "days",
        "valid_from": None,
        "valid_to": None,
        "validity_days": 60,
    }


def test_bad_input_is_problem_json_and_writes_nothing(logged_in, admin, objects):
    client = logged_in(admin)
    cases = [
        (
            f"{API}/coupon-types",
            {
                "code": "Q1",
                "name": "季度券",
                "kind": "voucher",
                "amount": "100",
                "applies_to_all": True,
                "validity_mode": "fixed",
                "valid_from": "2026-03-31",
                "valid_to": "2026-01-01",
            },
            422,
            [
                (
                    "valid_to",
                    gettext("The last valid day (%(to)s) cannot be before the first (%(from)s).")
                    % {"to": "2026-01-01", "from": "2026-03-31"},
                )
            ],
        ),
        (
            f"{API}/coupon-types",
            {
                "code": "E",
                "name": "空",
                "kind": "voucher",
                "amount": "100",
                "validity_mode": "days",
                "validity_days": 3,
            },
            422,
            [
                (
                    "applies_to_all",
                    gettext(
                        "Choose what the coupon applies to: everything, or at least one project, "
                        "product or category."
                    ),
                )
            ],
        ),
        (
            f"{API}/coupons/issue",
            {"coupon_type_id": objects["voucher"].pk},
            422,
            [("customer_id", gettext("Choose the customer who receives the coupons."))],
        ),
        (
            f"{API}/coupons/issue-bulk",
            {"coupon_type_id": objects["voucher"].pk, "criteria": {"q": "无此人"}},
            422,
            [("criteria", gettext("No customer matches the filter."))],
        ),
        (
            f"{API}/coupons/{objects['coupon'].pk}/void",
            {"reason": ""},
            422,
            [("reason", gettext("Enter the %(field)s.") % {"field": pgettext("coupon", "reason")})],
        ),
        (
            f"{API}/coupons/{objects['coupon'].pk}/transfer",
            {"to_customer_id": objects["friend"].pk},
            422,
            [("coupon_id", gettext("Only a friends-and-family coupon can be handed on."))],
        ),
        (f"{API}/coupons/generate", {"coupon_type_id": objects["voucher"].pk, "quantity": 0}, 422, None),
    ]
    for url, body, status, errors in cases:
        before = state()
        response = send(client, "post", url, body)
        assert (response.status_code, response["Content-Type"]) == (status, PROBLEM), (url, response.content)
        if errors is not None:
            assert errors_of(response) == errors, url
        assert state() == before, url
    services.coupon_void(actor=admin, coupon_id=objects["coupon"].pk, reason="x")
    response = send(client, "post", f"{API}/coupons/{objects['coupon'].pk}/void", {"reason": "再"})
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"


def test_issue_is_idempotent_and_returns_the_batch(logged_in, admin, branch, objects):
    client = logged_in(admin)
    body = {
        "coupon_type_id": objects["voucher"].pk,
        "customer_id": objects["friend"].pk,
        "quantity": 2,
        "note": "到院礼",
        "idempotency_key": "order-77",
    }
    first = send(client, "post", f"{API}/coupons/issue", body)
    batch = CouponBatch.objects.get(idempotency_key="order-77")
    coupons = list(batch.coupons.order_by("pk"))
    expected = {
        "batch": {
            "id": batch.pk,
            "coupon_type_id": objects["voucher"].pk,
            "mode": "one",
            "quantity": 2,
            "criteria": {"customer_id": objects["friend"].pk},
            "note": "到院礼",
            "branch_id": branch.pk,
            "created_at": iso(batch.created_at),
        },
        "skipped": 0,
        "coupons": [
            {
                "id": c.pk,
                "code": c.code,
                "coupon_type_id": objects["voucher"].pk,
                "coupon_type_code": "V100",
                "coupon_type_name": "代金券100",
                "kind": "voucher",
                "state": "issued",
                "customer_id": objects["friend"].pk,
                "customer_name": "王五",
                "customer_phone": "139****2222",
                "staff_id": None,
                "given_by_id": None,
                "batch_id": batch.pk,
                "branch_id": branch.pk,
                "valid_from": today().isoformat(),
                "valid_to": (today() + datetime.timedelta(days=30)).isoformat(),
                "redeemed_at": None,
                "redeemed_ref": "",
                "created_at": iso(c.created_at),
            }
            for c in coupons
        ],
    }
    assert (first.status_code, first.json()) == (201, expected)
    before = state()
    again = send(client, "post", f"{API}/coupons/issue", body)
    assert (again.status_code, again.json()) == (201, expected)
    assert state() == before


def test_redeem_claim_and_detail_with_history(logged_in, admin, objects):
    client = logged_in(admin)
    code, redeemable = objects["code"], objects["redeemable"]
    claimed = send(client, "post", f"{API}/coupons/{code.pk}/claim", {"customer_id": objects["customer"].pk})
    assert (claimed.json()["customer_id"], [e["action"] for e in claimed.json()["events"]]) == (
        objects["customer"].pk,
        ["issue", "claim"],
    )
    body = {"customer_id": objects["friend"].pk, "ref": "ORD-9", "idempotency_key": "pay-9"}
    first = send(client, "post", f"{API}/coupons/{redeemable.pk}/redeem", body)
    before = state()
    again = send(client, "post", f"{API}/coupons/{redeemable.pk}/redeem", body)
    assert first.json() == again.json()
    assert state() == before
    redeemable.refresh_from_db()
    detail = client.get(f"{API}/coupons/{redeemable.pk}").json()
    assert (detail["state"], detail["redeemed_ref"], detail["redeemed_at"]) == (
        "redeemed",
        "ORD-9",
        iso(redeemable.redeemed_at),
    )
    assert [(e["action"], e["customer_id"], e["note"], e["actor_id"]) for e in detail["events"]] == [
        ("issue", objects["friend"].pk, "", admin.pk),
        ("redeem", objects["friend"].pk, "ORD-9", admin.pk),
    ]


def test_list_filters(logged_in, admin, objects):
    client = logged_in(admin)

    def ids(**query):
        return [item["id"] for item in client.get(f"{API}/coupons", query).json()["items"]]

    assert ids(customer="王五") == [objects["redeemable"].pk]
    assert ids(coupon_type=objects["friends"].pk) == [objects["gift"].pk]
    assert ids(code=objects["code"].code) == [objects["code"].pk]
    assert ids(batch=objects["code"].batch_id) == [objects["code"].pk]
    assert ids(state="redeemed") == []
    response = client.get(f"{API}/coupons", {"state": "lost"})
    assert response.status_code == 422
    types = client.get(f"{API}/coupon-types", {"kind": "friends"}).json()
    assert (types["count"], [t["code"] for t in types["items"]]) == (1, ["F300"])


@pytest.mark.parametrize(("path", "queries"), [("coupon-types", 11), ("coupons", 8)])
@pytest.mark.parametrize("n", [3, 15])
def test_list_query_counts(logged_in, admin, branch, django_assert_num_queries, path, queries, n):
    org = branch.organisation
    project = ProjectFactory(organisation=org)
    for _i in range(n):
        coupon_type = CouponTypeFactory(organisation=org, applies_to_all=False, kind=CouponKind.FRIENDS)
        coupon_type.projects.add(project)
        coupon = services.coupon_issue(
            actor=admin, coupon_type_id=coupon_type.pk, customer_id=CustomerFactory(branch=branch).pk
        ).coupons[0]
        services.coupon_transfer(
            actor=admin, coupon_id=coupon.pk, to_customer_id=CustomerFactory(branch=branch).pk
        )
    client = logged_in(admin)
    client.get(f"{API}/{path}")
    with django_assert_num_queries(queries):
        response = client.get(f"{API}/{path}")
    assert (response.status_code, response.json()["count"], len(response.json()["items"])) == (200, n, n)


def test_bearer_token_works(branch, objects):
    user = coupon_user(branch, ["catalog.view_coupon", "accounts.add_apitoken"], username="integrator")
    secret = account_services.api_token_create(actor=user, name="t", days=1).secret
    response = Client().get(f"{API}/coupons", headers={"Authorization": f"Bearer {secret}"})
    assert (response.status_code, response.json()["count"]) == (200, Coupon.objects.count())
