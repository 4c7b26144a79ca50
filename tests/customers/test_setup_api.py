"""The CRM setup API: /api/v1/customer-fields (CRM-02) and /api/v1/member-levels (MBR-01) — exact
bodies, problem JSON for bad input with nothing written, permission matrix, query counts."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

from medspa.accounts import services as account_services
from medspa.customers import setup_services as services
from medspa.customers.models import CustomField, MemberLevel
from tests.customers.factories import CustomerFactory, CustomFieldFactory, MemberLevelFactory
from tests.customers.test_setup_support import ALL_PERMS, setup_user, state
from tests.factories import BranchFactory, OrganisationFactory, role_user

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
FIELDS = "/api/v1/customer-fields"
LEVELS = "/api/v1/member-levels"


def send(client, method, url, body=None, headers=None):
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers or {},
    )


def iso(value):
    return timezone.localtime(value).isoformat()


@pytest.fixture
def admin(branch):
    return setup_user(branch, ALL_PERMS, username="setupadmin")


@pytest.fixture
def foreign_branch(db):
    return BranchFactory(organisation=OrganisationFactory(code="foreign"), code="far", name="别家机构")


@pytest.fixture
def objects(admin, foreign_branch):
    field = services.customfield_create(actor=admin, key="allergy", label="过敏史", type="text")
    level = services.memberlevel_create(actor=admin, name="金卡", discount_percent="95")
    foreign_field = CustomFieldFactory(organisation=foreign_branch.organisation, key="far")
    foreign_level = MemberLevelFactory(organisation=foreign_branch.organisation, name="远方")
    return field, level, foreign_field, foreign_level


def endpoints(field, level):
    """(method, url, body, permissions needed)"""
    view_field, view_level = "customers.view_customfield", "customers.view_memberlevel"
    return [
        ("get", FIELDS, None, [view_field]),
        ("post", FIELDS, {"key": "new", "label": "新", "type": "text"}, ["customers.add_customfield"]),
        ("get", f"{FIELDS}/{field.pk}", None, [view_field]),
        ("patch", f"{FIELDS}/{field.pk}", {"label": "改"}, ["customers.change_customfield"]),
        ("post", f"{FIELDS}/{field.pk}/deactivate", None, ["customers.delete_customfield"]),
        ("get", LEVELS, None, [view_level]),
        ("post", LEVELS, {"name": "银卡"}, ["customers.add_memberlevel"]),
        ("get", f"{LEVELS}/{level.pk}", None, [view_level]),
        ("patch", f"{LEVELS}/{level.pk}", {"name": "改"}, ["customers.change_memberlevel"]),
        ("post", f"{LEVELS}/{level.pk}/deactivate", None, ["customers.delete_memberlevel"]),
    ]


@pytest.mark.req("CRM-02", "MBR-01")
def test_api_permission_matrix(client, logged_in, branch, objects):
    field, level, _ff, _fl = objects
    for method, url, body, perms in endpoints(field, level):
        before = state()
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), url
        denied = logged_in(setup_user(branch, perms[:-1]))
        response = send(denied, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (403, PROBLEM), (method, url)
        assert state() == before, (method, url)
        client.logout()
        allowed = logged_in(setup_user(branch, perms))
        response = send(allowed, method, url, body)
        assert response.status_code in (200, 201), (method, url, response.content)
        client.logout()


@pytest.mark.req("CRM-02", "MBR-01", "PLT-05")
def test_other_organisations_definitions_are_not_found(logged_in, admin, objects):
    _field, _level, foreign_field, foreign_level = objects
    client = logged_in(admin)
    before = state()
    for method, url, body in [
        ("get", f"{FIELDS}/{foreign_field.pk}", None),
        ("patch", f"{FIELDS}/{foreign_field.pk}", {"label": "x"}),
        ("post", f"{FIELDS}/{foreign_field.pk}/deactivate", None),
        ("get", f"{LEVELS}/{foreign_level.pk}", None),
        ("patch", f"{LEVELS}/{foreign_level.pk}", {"name": "x"}),
        ("post", f"{LEVELS}/{foreign_level.pk}/deactivate", None),
        ("get", f"{LEVELS}/-1", None),
    ]:
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (404, PROBLEM), (method, url)
    assert state() == before
    assert [item["key"] for item in send(client, "get", FIELDS).json()["items"]] == ["allergy"]
    assert [item["name"] for item in send(client, "get", LEVELS).json()["items"]] == ["金卡"]


# --- custom fields ---------------------------------------------------------------------------------


@pytest.mark.req("CRM-02")
def test_custom_field_endpoints(logged_in, admin):
    client = logged_in(admin)
    consultants = Group.objects.get(name="咨询师")
    response = send(
        client,
        "post",
        FIELDS,
        {
            "key": "skin",
            "label": "肤质",
            "type": "multi",
            "options": ["干性", " 油性 "],
            "show_in_list": True,
            "editable_by": [consultants.pk],
        },
    )
    assert response.status_code == 201, response.content
    field = CustomField.objects.get()
    assert response.json() == {
        "id": field.pk,
        "key": "skin",
        "label": "肤质",
        "type": "multi",
        "options": ["干性", "油性"],
        "required": False,
        "show_in_list": True,
        "editable_by": [{"id": consultants.pk, "name": "咨询师"}],
        "order": 10,
        "is_active": True,
        "created_at": iso(field.created_at),
        "updated_at": iso(field.updated_at),
    }
    assert send(client, "get", f"{FIELDS}/{field.pk}").json() == response.json()
    listed = send(client, "get", FIELDS).json()
    assert (listed["count"], listed["items"]) == (1, [response.json()])

    response = send(
        client, "patch", f"{FIELDS}/{field.pk}", {"label": "皮肤", "options": ["干性", "油性", "混合"]}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["label"], body["options"], body["editable_by"], body["show_in_list"]) == (
        "皮肤",
        ["干性", "油性", "混合"],
        [{"id": consultants.pk, "name": "咨询师"}],  # not sent: kept
        True,
    )
    assert send(client, "patch", f"{FIELDS}/{field.pk}", {"editable_by": []}).json()["editable_by"] == []
    assert send(client, "patch", f"{FIELDS}/{field.pk}", {"key": "skin"}).status_code == 200

    response = send(client, "post", f"{FIELDS}/{field.pk}/deactivate")
    assert (response.status_code, response.json()["is_active"]) == (200, False)
    response = send(client, "patch", f"{FIELDS}/{field.pk}", {"is_active": True})
    assert response.json()["is_active"] is True

    # a choice field without values may become a text field; its options go with the old type
    other = services.customfield_create(actor=admin, key="tone", label="肤色", type="choice", options=["白"])
    response = send(client, "patch", f"{FIELDS}/{other.pk}", {"type": "text"})
    assert (response.status_code, response.json()["type"], response.json()["options"]) == (200, "text", [])
    services.customfield_deactivate(actor=admin, field_id=other.pk)

    # filters
    services.customfield_create(actor=admin, key="since", label="首次到院", type="date")
    assert [i["key"] for i in send(client, "get", f"{FIELDS}?type=date").json()["items"]] == ["since"]
    assert [i["key"] for i in send(client, "get", f"{FIELDS}?q=皮").json()["items"]] == ["skin"]
    assert [i["key"] for i in send(client, "get", f"{FIELDS}?is_active=false").json()["items"]] == ["tone"]
    assert send(client, "get", f"{FIELDS}?limit=1&offset=2").json()["items"][0]["key"] == "since"


def errors_of(response):
    return [(e["field"], e["message"]) for e in response.json()["errors"]]


@pytest.mark.req("CRM-02")
@pytest.mark.parametrize(
    ("method", "body", "status", "field", "message"),
    [
        ("post", {"key": "Bad Key", "label": "x", "type": "text"}, 422, "key", None),
        ("post", {"key": "allergy", "label": "x", "type": "text"}, 422, "key", None),
        ("post", {"key": "k", "label": "x", "type": "choice"}, 422, "options", "Enter at least one option."),
        ("post", {"key": "k", "label": "x", "type": "bogus"}, 422, "type", None),
        (
            "post",
            {"key": "k", "label": "x", "type": "text", "editable_by": [-1]},
            422,
            "editable_by",
            "Choose roles from the list.",
        ),
        ("post", {"label": "x", "type": "text"}, 422, "key", "This field is required."),
        (
            "patch",
            {"key": "other"},
            422,
            "key",
            "The field key cannot be changed after the field was created.",
        ),
        ("patch", {"type": "number"}, 422, "type", None),
        (
            "patch",
            {"options": ["A"]},
            422,
            "options",
            "Only single-choice and multiple-choice fields have options.",
        ),
        ("patch", {"order": -1}, 422, "order", None),
    ],
)
def test_custom_field_bad_input(logged_in, admin, branch, method, body, status, field, message):
    existing = services.customfield_create(actor=admin, key="allergy", label="过敏史", type="text")
    CustomerFactory(branch=branch, custom_values={"allergy": "青霉素"})
    client = logged_in(admin)
    before = state()
    url = FIELDS if method == "post" else f"{FIELDS}/{existing.pk}"
    response = send(client, method, url, body)
    assert (response.status_code, response["Content-Type"]) == (status, PROBLEM), response.content
    assert errors_of(response)[0][0] == field
    if message is not None:
        assert errors_of(response)[0][1] == gettext(message)
    assert state() == before


# --- member levels ---------------------------------------------------------------------------------


@pytest.mark.req("MBR-01")
def test_member_level_endpoints(logged_in, admin, branch):
    client = logged_in(admin)
    response = send(
        client,
        "post",
        LEVELS,
        {
            "name": "金卡",
            "discount_percent": "95",
            "points_multiplier": 1.5,
            "upgrade_amount": "10000",
            "downgrade_amount": "5000.5",
            "window_days": 365,
        },
    )
    assert response.status_code == 201, response.content
    level = MemberLevel.objects.get()
    assert response.json() == {
        "id": level.pk,
        "name": "金卡",
        "discount_percent": "95.00",
        "points_multiplier": "1.50",
        "upgrade_amount": "10000.00",
        "downgrade_amount": "5000.50",
        "window_days": 365,
        "order": 10,
        "is_active": True,
        "holders": 0,
        "created_at": iso(level.created_at),
        "updated_at": iso(level.updated_at),
    }
    CustomerFactory(branch=branch, member_level=level)
    detail = send(client, "get", f"{LEVELS}/{level.pk}").json()
    assert detail["holders"] == 1
    response = send(client, "patch", f"{LEVELS}/{level.pk}", {"discount_percent": "90.5", "window_days": 180})
    body = response.json()
    assert (response.status_code, body["discount_percent"], body["window_days"], body["upgrade_amount"]) == (
        200,
        "90.50",
        180,
        "10000.00",
    )
    level.refresh_from_db()
    assert level.discount_percent == Decimal("90.50")

    before = state()
    response = send(client, "post", f"{LEVELS}/{level.pk}/deactivate")
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
    assert errors_of(response) == [
        (
            "is_active",
            gettext("%(count)s active customers hold the level %(name)s; move them to another level first.")
            % {"count": 1, "name": "金卡"},
        )
    ]
    assert send(client, "patch", f"{LEVELS}/{level.pk}", {"is_active": False}).status_code == 422
    assert state() == before

    silver = services.memberlevel_create(actor=admin, name="银卡")
    response = send(client, "post", f"{LEVELS}/{silver.pk}/deactivate")
    assert (response.status_code, response.json()["is_active"]) == (200, False)
    listed = send(client, "get", f"{LEVELS}?is_active=true").json()
    assert (listed["count"], [i["name"] for i in listed["items"]]) == (1, ["金卡"])


@pytest.mark.req("MBR-01")
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "x", "discount_percent": "0"}, "discount_percent", None),
        ({"name": "x", "discount_percent": "100.01"}, "discount_percent", None),
        ({"name": "x", "discount_percent": "95.555"}, "discount_percent", None),
        ({"name": "x", "points_multiplier": "101"}, "points_multiplier", None),
        ({"name": "x", "upgrade_amount": "-1"}, "upgrade_amount", "The amount cannot be negative."),
        ({"name": "x", "upgrade_amount": "1e30"}, "upgrade_amount", "The amount is too large."),
        (
            {"name": "x", "upgrade_amount": "10", "downgrade_amount": "20"},
            "downgrade_amount",
            "The downgrade threshold may not be higher than the upgrade threshold.",
        ),
        ({"name": "x", "window_days": 0}, "window_days", None),
        ({"name": "x", "window_days": 3651}, "window_days", None),
        ({"name": "金卡"}, "name", None),
        ({"name": ""}, "name", None),
        ({"name": "x", "discount_percent": "abc"}, "discount_percent", None),
    ],
)
def test_member_level_bad_input(logged_in, admin, body, field, message):
    services.memberlevel_create(actor=admin, name="金卡")
    client = logged_in(admin)
    before = state()
    response = send(client, "post", LEVELS, body)
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM), response.content
    assert errors_of(response)[0][0] == field
    if message is not None:
        assert errors_of(response)[0][1] == gettext(message)
    assert state() == before


@pytest.mark.req("MBR-01")
@pytest.mark.parametrize(("role", "allowed"), [("系统管理员", True), ("市场", True), ("咨询师", False)])
def test_builtin_roles_and_member_levels(logged_in, branch, role, allowed):
    client = logged_in(role_user(role, branches=[branch]))
    assert send(client, "get", LEVELS).status_code == 200
    response = send(client, "post", LEVELS, {"name": "金卡"})
    assert response.status_code == (201 if allowed else 403)
    assert MemberLevel.objects.count() == (1 if allowed else 0)


@pytest.mark.req("CRM-02")
@pytest.mark.parametrize(("role", "allowed"), [("系统管理员", True), ("市场", False), ("咨询师", False)])
def test_builtin_roles_and_custom_fields(logged_in, branch, role, allowed):
    client = logged_in(role_user(role, branches=[branch]))
    assert send(client, "get", FIELDS).status_code == 200
    consultants = Group.objects.get(name="咨询师")
    body = {
        "key": "skin",
        "label": "肤质",
        "type": "choice",
        "options": ["干性"],
        "editable_by": [consultants.pk],
    }
    response = send(client, "post", FIELDS, body)
    assert response.status_code == (201 if allowed else 403)
    assert CustomField.objects.count() == (1 if allowed else 0)


@pytest.mark.req("CRM-02", "MBR-01")
def test_bearer_token_works(branch):
    user = setup_user(branch, ["customers.view_customfield", "accounts.add_apitoken"])
    secret = account_services.api_token_create(actor=user, name="t", days=1).secret
    response = Client().get(FIELDS, headers={"Authorization": f"Bearer {secret}"})
    assert (response.status_code, response.json()) == (200, {"items": [], "count": 0})


# --- query counts ------------------------------------------------------------------------------------


@pytest.mark.req("CRM-02", "MBR-01")
@pytest.mark.parametrize(("url", "queries"), [(FIELDS, 9), (LEVELS, 8)])
@pytest.mark.parametrize("n", [3, 15])
def test_list_endpoint_query_counts(logged_in, admin, branch, django_assert_num_queries, url, queries, n):
    consultants = Group.objects.get(name="咨询师")
    for i in range(n):
        CustomFieldFactory(organisation=branch.organisation, order=i).editable_by.set([consultants])
        CustomerFactory(
            branch=branch, member_level=MemberLevelFactory(organisation=branch.organisation, order=i)
        )
    client = logged_in(admin)
    send(client, "get", url)
    with django_assert_num_queries(queries):
        response = send(client, "get", url)
    assert (response.status_code, response.json()["count"], len(response.json()["items"])) == (200, n, n)
