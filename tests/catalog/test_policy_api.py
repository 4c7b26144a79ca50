"""The policy API: /api/v1/catalog/discount-rules and /catalog/discount-authorities (CAT-06),
/catalog/commission-plans (CAT-07) — exact bodies, problem JSON for bad input with nothing
written, permission matrix, other organisation, pinned query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from medspa.catalog.models import CommissionPlan, DiscountAuthority, DiscountRule
from tests.catalog.policy_factories import (
    PROBLEM,
    CommissionPlanFactory,
    DiscountAuthorityFactory,
    DiscountRuleFactory,
    PolicyCardTypeFactory,
    PolicyCategoryFactory,
    PolicyProductFactory,
    PolicyProjectFactory,
    PositionFactory,
    builtin_role,
    errors_of,
    org_role,
    policy_user,
    send,
    state,
)
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/catalog"
D = Decimal


@pytest.fixture(autouse=True)
def english_responses(settings):
    """These tests compare the English source messages: requests carry no language, so the
    server answers in LANGUAGE_CODE."""
    settings.LANGUAGE_CODE = "en"


def iso(value):
    return timezone.localtime(value).isoformat()


builtin = builtin_role


@pytest.fixture
def objects(branch):
    org = branch.organisation
    inj = PolicyCategoryFactory(organisation=org, code="INJ", name="注射美容")
    surg = PolicyCategoryFactory(organisation=org, code="SURG", name="手术整形")
    project = PolicyProjectFactory(category=surg, code="P006", name="双眼皮手术")
    consultant = PositionFactory(organisation=org, code="consultant", name="咨询师")
    return {
        "inj": inj,
        "project": project,
        "p002": PolicyProjectFactory(category=inj, code="P002", name="肉毒素除皱-额纹"),
        "product": PolicyProductFactory(category=inj, code="R001", name="医用修复面膜"),
        "card": PolicyCardTypeFactory(organisation=org, code="SV", name="储值卡"),
        "consultant": consultant,
        "rule": DiscountRuleFactory(project=project, never_discount=True, min_percent=D("100")),
        "plan": CommissionPlanFactory(position=consultant, name="咨询师销售提成"),
        "role": builtin("consultant"),
    }


def endpoints(o):
    """(method, url, body, permissions needed)"""
    rule, plan, role = o["rule"], o["plan"], o["role"]
    return [
        ("get", f"{API}/discount-rules", None, ["catalog.view_discountrule"]),
        (
            "post",
            f"{API}/discount-rules",
            {"category_id": o["inj"].pk, "min_percent": "70"},
            ["catalog.add_discountrule"],
        ),
        ("get", f"{API}/discount-rules/{rule.pk}", None, ["catalog.view_discountrule"]),
        ("patch", f"{API}/discount-rules/{rule.pk}", {"note": "改"}, ["catalog.change_discountrule"]),
        ("delete", f"{API}/discount-rules/{rule.pk}", None, ["catalog.delete_discountrule"]),
        ("get", f"{API}/discount-authorities", None, ["catalog.view_discountauthority"]),
        ("get", f"{API}/discount-authorities/{role.pk}", None, ["catalog.view_discountauthority"]),
        (
            "put",
            f"{API}/discount-authorities/{role.pk}",
            {"min_percent": "90"},
            ["catalog.change_discountauthority"],
        ),
        ("delete", f"{API}/discount-authorities/{role.pk}", None, ["catalog.delete_discountauthority"]),
        ("get", f"{API}/commission-plans", None, ["catalog.view_commissionplan"]),
        (
            "post",
            f"{API}/commission-plans",
            {
                "name": "预收",
                "kind": "prepayment",
                "position_id": o["consultant"].pk,
                "basis": "cash",
                "rate_percent": "1",
                "effective_from": "2026-01-01",
            },
            ["catalog.add_commissionplan"],
        ),
        ("get", f"{API}/commission-plans/{plan.pk}", None, ["catalog.view_commissionplan"]),
        (
            "patch",
            f"{API}/commission-plans/{plan.pk}",
            {"rate_percent": "4"},
            ["catalog.change_commissionplan"],
        ),
        ("post", f"{API}/commission-plans/{plan.pk}/deactivate", None, ["catalog.delete_commissionplan"]),
    ]


def expected_status(method):
    return {"post": 201, "delete": 204}.get(method, 200)


@pytest.mark.req("CAT-06", "CAT-07")
def test_api_permission_matrix(client, logged_in, branch, objects):
    for method, url, body, perms in endpoints(objects):
        before = state()
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), url
        denied = logged_in(policy_user(branch, perms[:-1]))
        response = send(denied, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (403, PROBLEM), (method, url)
        assert state() == before, (method, url)
        client.logout()
        allowed = logged_in(policy_user(branch, perms))
        response = send(allowed, method, url, body)
        status = 200 if url.endswith("/deactivate") else expected_status(method)
        assert response.status_code == status, (method, url, response.content)
        client.logout()


@pytest.mark.req("CAT-06", "CAT-07")
def test_other_organisation_is_not_found_and_not_listed(logged_in, branch, objects):
    other = OrganisationFactory()
    category = PolicyCategoryFactory(organisation=other)
    foreign_rule = DiscountRuleFactory(category=category)
    foreign_plan = CommissionPlanFactory(position=PositionFactory(organisation=other))
    foreign_role = org_role(other, "别家角色")
    client = logged_in(policy_user(branch))
    before = state()
    for method, url, body in [
        ("get", f"{API}/discount-rules/{foreign_rule.pk}", None),
        ("patch", f"{API}/discount-rules/{foreign_rule.pk}", {"note": "x"}),
        ("delete", f"{API}/discount-rules/{foreign_rule.pk}", None),
        ("get", f"{API}/discount-rules/-1", None),
        ("get", f"{API}/discount-authorities/{foreign_role.pk}", None),
        ("put", f"{API}/discount-authorities/{foreign_role.pk}", {"min_percent": "90"}),
        ("delete", f"{API}/discount-authorities/{foreign_role.pk}", None),
        ("get", f"{API}/commission-plans/{foreign_plan.pk}", None),
        ("patch", f"{API}/commission-plans/{foreign_plan.pk}", {"name": "x"}),
        ("post", f"{API}/commission-plans/{foreign_plan.pk}/deactivate", None),
    ]:
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (404, PROBLEM), (method, url)
    assert state() == before
    assert [row["id"] for row in send(client, "get", f"{API}/discount-rules").json()["items"]] == [
        objects["rule"].pk
    ]
    assert [row["id"] for row in send(client, "get", f"{API}/commission-plans").json()["items"]] == [
        objects["plan"].pk
    ]
    roles = send(client, "get", f"{API}/discount-authorities?limit=200").json()["items"]
    assert foreign_role.pk not in [row["role_id"] for row in roles]


@pytest.mark.req("CAT-06")
def test_discount_rule_bodies(logged_in, branch, objects):
    client = logged_in(policy_user(branch))
    response = send(
        client,
        "post",
        f"{API}/discount-rules",
        {"category_id": objects["inj"].pk, "min_percent": 70, "note": "注射"},
    )
    assert response.status_code == 201
    rule = DiscountRule.objects.get(category=objects["inj"])
    assert response.json() == {
        "id": rule.pk,
        "target_kind": "category",
        "project_id": None,
        "product_id": None,
        "category_id": objects["inj"].pk,
        "target_code": "INJ",
        "target_name": "注射美容",
        "never_discount": False,
        "min_percent": "70.00",
        "note": "注射",
        "created_at": iso(rule.created_at),
        "updated_at": iso(rule.updated_at),
    }
    listed = send(client, "get", f"{API}/discount-rules?target_kind=project").json()
    assert listed["count"] == 1
    assert listed["items"][0]["target_code"] == "P006"
    assert listed["items"][0]["min_percent"] == "100.00"
    assert send(client, "get", f"{API}/discount-rules?never_discount=false").json()["count"] == 1
    assert send(client, "get", f"{API}/discount-rules?q=双眼皮").json()["count"] == 1
    # PATCH: moving the rule to another target replaces the target; lifting "never" needs a %
    rule_id = objects["rule"].pk
    response = send(client, "patch", f"{API}/discount-rules/{rule_id}", {"never_discount": False})
    assert (response.status_code, [field for field, _message in errors_of(response)]) == (
        422,
        ["min_percent"],
    )
    response = send(
        client,
        "patch",
        f"{API}/discount-rules/{rule_id}",
        {"product_id": objects["product"].pk, "never_discount": False, "min_percent": "92.5"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["target_kind"], body["project_id"], body["product_id"], body["min_percent"]) == (
        "product",
        None,
        objects["product"].pk,
        "92.50",
    )
    assert send(client, "delete", f"{API}/discount-rules/{rule_id}").status_code == 204
    assert list(DiscountRule.objects.values_list("pk", flat=True)) == [rule.pk]


@pytest.mark.req("CAT-06")
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"min_percent": "80"}, "target", "Choose exactly one project, product or category for the rule."),
        ({"project": "p002", "min_percent": "-1"}, "min_percent", None),
        ({"project": "p002", "min_percent": "100.5"}, "min_percent", None),
        ({"project": "p002", "min_percent": 180}, "min_percent", None),
        (
            {"project": "project", "min_percent": "80"},
            "project",
            "双眼皮手术 already has a discount rule; edit that rule instead.",
        ),
        ({"project": "p002", "category": "inj", "min_percent": "80"}, "category", None),
        ({"project_id": -1, "min_percent": "80"}, "project", "That project does not exist."),
    ],
)
def test_discount_rule_bad_input_is_problem_json(logged_in, branch, objects, body, field, message):
    payload = {
        (f"{key}_id" if key in ("project", "category") else key): (
            objects[value].pk if key in ("project", "category") else value
        )
        for key, value in body.items()
    }
    client = logged_in(policy_user(branch))
    before = state()
    with override("en"):
        response = send(client, "post", f"{API}/discount-rules", payload)
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
    [(got_field, got_message)] = errors_of(response)
    assert got_field == field
    if message:
        assert got_message == message
    if field == "min_percent":
        assert got_message == "The lowest price % must be a number from 0 to 100, for example 80 or 92.5."
    assert state() == before


@pytest.mark.req("CAT-06")
def test_discount_authority_bodies(logged_in, branch, objects):
    own = org_role(branch.organisation, "高级咨询师", "门店主管")
    client = logged_in(policy_user(branch))
    response = send(client, "put", f"{API}/discount-authorities/{own.pk}", {"min_percent": 85})
    authority = DiscountAuthority.objects.get()
    assert (response.status_code, response.json()) == (
        200,
        {
            "role_id": own.pk,
            "name": "高级咨询师",
            "builtin": False,
            "description": "门店主管",
            "min_percent": "85.00",
            "updated_at": iso(authority.updated_at),
        },
    )
    consultant = send(client, "get", f"{API}/discount-authorities/{objects['role'].pk}").json()
    assert (consultant["builtin"], consultant["min_percent"], consultant["updated_at"]) == (True, None, None)
    listed = send(client, "get", f"{API}/discount-authorities?has_authority=true").json()
    assert (listed["count"], [row["role_id"] for row in listed["items"]]) == (1, [own.pk])
    before = state()
    with override("en"):
        response = send(client, "put", f"{API}/discount-authorities/{own.pk}", {"min_percent": "-5"})
    assert (response.status_code, errors_of(response)) == (
        422,
        [("min_percent", "The lowest price % must be a number from 0 to 100, for example 80 or 92.5.")],
    )
    response = send(client, "put", f"{API}/discount-authorities/{own.pk}", {"min_percent": "abc"})
    assert (response.status_code, [field for field, _message in errors_of(response)]) == (
        422,
        ["min_percent"],
    )
    assert state() == before
    assert send(client, "delete", f"{API}/discount-authorities/{own.pk}").status_code == 204
    assert DiscountAuthority.objects.count() == 0


@pytest.mark.req("CAT-07")
def test_commission_plan_bodies(logged_in, branch, objects):
    doctor = PositionFactory(organisation=branch.organisation, code="doctor", name="医生")
    client = logged_in(policy_user(branch))
    response = send(
        client,
        "post",
        f"{API}/commission-plans",
        {
            "name": "医生操作提成",
            "kind": "operator",
            "position_id": doctor.pk,
            "basis": "per_session",
            "fixed_amount": 200,
            "effective_from": "2026-01-01",
            "effective_to": "2026-12-31",
            "project_id": objects["project"].pk,
        },
    )
    assert response.status_code == 201, response.content
    plan = CommissionPlan.objects.get(name="医生操作提成")
    assert response.json() == {
        "id": plan.pk,
        "name": "医生操作提成",
        "kind": "operator",
        "position_id": doctor.pk,
        "position_name": "医生",
        "target_kind": "project",
        "project_id": objects["project"].pk,
        "product_id": None,
        "card_type_id": None,
        "category_id": None,
        "target_code": "P006",
        "target_name": "双眼皮手术",
        "basis": "per_session",
        "rate_percent": None,
        "fixed_amount": "200.00",
        "effective_from": "2026-01-01",
        "effective_to": "2026-12-31",
        "is_active": True,
        "created_at": iso(plan.created_at),
        "updated_at": iso(plan.updated_at),
    }
    # PATCH: switching the basis drops the other figure; sending a target replaces it
    response = send(
        client,
        "patch",
        f"{API}/commission-plans/{plan.pk}",
        {"basis": "consumption", "rate_percent": "2", "category_id": objects["inj"].pk},
    )
    body = response.json()
    assert (response.status_code, body["basis"], body["rate_percent"], body["fixed_amount"]) == (
        200,
        "consumption",
        "2.00",
        None,
    )
    assert (body["target_kind"], body["project_id"], body["category_id"]) == (
        "category",
        None,
        objects["inj"].pk,
    )
    for query, expected in (
        ("kind=operator", [plan.pk]),
        (f"position={doctor.pk}", [plan.pk]),
        ("target_kind=all", [objects["plan"].pk]),
        ("on=2027-01-01", [objects["plan"].pk]),
        ("is_active=true&basis=cash", [objects["plan"].pk]),
    ):
        assert [
            row["id"] for row in send(client, "get", f"{API}/commission-plans?{query}").json()["items"]
        ] == (expected), query
    response = send(client, "post", f"{API}/commission-plans/{plan.pk}/deactivate")
    assert (response.status_code, response.json()["is_active"]) == (200, False)
    response = send(client, "get", f"{API}/commission-plans?on=bad")
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)


@pytest.mark.req("CAT-07")
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"basis": "per_session"}, "basis"),
        ({"rate_percent": "101"}, "rate_percent"),
        ({"rate_percent": "-1"}, "rate_percent"),
        ({"kind": "card", "card_type_id": "foreign"}, "card_type"),
        ({"card_type_id": "card"}, "card_type"),
        ({"effective_to": "2025-12-31"}, "effective_to"),
        ({"position_id": -1}, "position"),
        ({"name": ""}, "name"),
        ({"effective_from": "not-a-date"}, "effective_from"),
        ({"category_id": None}, "effective_from"),  # overlaps the catch-all plan
    ],
)
def test_commission_plan_bad_input_is_problem_json(logged_in, branch, objects, changes, field):
    foreign_card = PolicyCardTypeFactory(organisation=OrganisationFactory())
    pool = {"foreign": foreign_card.pk, "card": objects["card"].pk}
    body = {
        "name": "注射提成",
        "kind": "sales",
        "position_id": objects["consultant"].pk,
        "basis": "cash",
        "rate_percent": "5",
        "effective_from": "2026-01-01",
        "category_id": objects["inj"].pk,
    }
    body.update(
        {
            key: pool.get(value, value) if isinstance(value, str) and key.endswith("_id") else value
            for key, value in changes.items()
        }
    )
    if "card_type_id" in changes:
        body.pop("category_id")
    client = logged_in(policy_user(branch))
    before = state()
    response = send(client, "post", f"{API}/commission-plans", body)
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM), response.content
    assert [got for got, _message in errors_of(response)] == [field]
    assert state() == before


@pytest.mark.req("CAT-06", "CAT-07")
@pytest.mark.parametrize(
    ("path", "queries"), [("discount-rules", 7), ("discount-authorities", 7), ("commission-plans", 7)]
)
@pytest.mark.parametrize("n", [3, 15])
def test_list_endpoint_query_counts(logged_in, branch, django_assert_num_queries, path, queries, n):
    org = branch.organisation
    parent = PolicyCategoryFactory(organisation=org)
    for i in range(n):
        category = PolicyCategoryFactory(organisation=org, parent=parent)
        project = PolicyProjectFactory(category=category)
        product = PolicyProductFactory(category=category)
        DiscountRuleFactory(category=category, min_percent=D("70"))
        DiscountRuleFactory(project=project, never_discount=True)
        DiscountRuleFactory(product=product)
        position = PositionFactory(organisation=org)
        CommissionPlanFactory(position=position, project=project)
        CommissionPlanFactory(position=position, category=category, kind="prepayment")
        DiscountAuthorityFactory(organisation=org, role=org_role(org, f"角色{i}"), min_percent=D("90"))
    client = logged_in(policy_user(branch))
    url = f"{API}/{path}?limit=200"
    send(client, "get", url)
    with django_assert_num_queries(queries):
        response = send(client, "get", url)
    expected = {"discount-rules": 3 * n, "commission-plans": 2 * n}.get(path)
    assert response.status_code == 200
    if expected is not None:
        assert (response.json()["count"], len(response.json()["items"])) == (expected, expected)
