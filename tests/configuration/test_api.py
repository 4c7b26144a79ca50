"""The configuration API: /dictionaries/{kind}/items, /parameters, /visit-stages."""

from __future__ import annotations

import json

import pytest
from django.utils.translation import gettext

from medspa.accounts import services as account_services
from medspa.configuration import params, services
from medspa.configuration.choices import DictionaryKind
from medspa.configuration.defaults import seed_defaults
from medspa.configuration.models import DictionaryItem, ParameterValue, VisitStage
from tests.configuration.conftest import config_writes
from tests.configuration.factories import DictionaryItemFactory, VisitStageFactory, config_user
from tests.factories import role_user

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
K = DictionaryKind


def send(client, method, url, body=None, headers=None):
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers or {},
    )


def state():
    return (
        list(DictionaryItem.objects.order_by("pk").values()),
        list(VisitStage.objects.order_by("pk").values()),
        list(ParameterValue.objects.order_by("pk").values()),
        config_writes(),
    )


@pytest.fixture
def objects(admin, foreign_branch):
    item = services.dictionary_item_create(actor=admin, kind="region", code="local", name="本市")
    stage = services.visit_stage_create(actor=admin, code="arrive", name="到院")
    foreign_item = DictionaryItemFactory(organisation=foreign_branch.organisation, kind=K.REGION, code="far")
    foreign_stage = VisitStageFactory(organisation=foreign_branch.organisation, code="far")
    return item, stage, foreign_item, foreign_stage


def all_stage_ids():
    return {
        "ids": list(
            VisitStage.objects.filter(organisation__code="demo")
            .order_by("-order")
            .values_list("pk", flat=True)
        )
    }


def endpoints(item, stage):
    """(method, url, body, permissions needed)"""
    view_item, view_stage, view_param = (
        "configuration.view_dictionaryitem",
        "configuration.view_visitstage",
        "configuration.view_parametervalue",
    )
    base = "/api/v1/dictionaries/region/items"
    return [
        ("get", base, None, [view_item]),
        ("post", base, {"code": "new", "name": "新"}, ["configuration.add_dictionaryitem"]),
        ("get", f"{base}/{item.pk}", None, [view_item]),
        ("patch", f"{base}/{item.pk}", {"name": "改"}, ["configuration.change_dictionaryitem"]),
        ("post", f"{base}/{item.pk}/deactivate", None, ["configuration.delete_dictionaryitem"]),
        ("get", "/api/v1/parameters", None, [view_param]),
        (
            "put",
            "/api/v1/parameters/crm.dormant_days",
            {"value": 30},
            [view_param, "configuration.change_parametervalue"],
        ),
        (
            "delete",
            "/api/v1/parameters/crm.dormant_days",
            None,
            [view_param, "configuration.change_parametervalue"],
        ),
        ("get", "/api/v1/visit-stages", None, [view_stage]),
        ("post", "/api/v1/visit-stages", {"code": "new", "name": "新"}, ["configuration.add_visitstage"]),
        ("get", f"/api/v1/visit-stages/{stage.pk}", None, [view_stage]),
        ("patch", f"/api/v1/visit-stages/{stage.pk}", {"name": "改"}, ["configuration.change_visitstage"]),
        ("put", "/api/v1/visit-stages/order", all_stage_ids, ["configuration.change_visitstage"]),
    ]


@pytest.mark.req("PLT-06", "PLT-07", "PLT-08")
def test_api_permission_matrix(client, logged_in, branch, objects):
    item, stage, _fi, _fs = objects
    services.parameter_set(
        actor=config_user(
            branch, ["configuration.view_parametervalue", "configuration.change_parametervalue"]
        ),
        key="crm.dormant_days",
        value=90,
    )
    for method, url, body, perms in endpoints(item, stage):
        body = body() if callable(body) else body
        before = state()
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), url
        denied = logged_in(config_user(branch, perms[:-1]))
        response = send(denied, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (403, PROBLEM), (method, url)
        assert state() == before, (method, url)
        client.logout()
        allowed = logged_in(config_user(branch, perms))
        response = send(allowed, method, url, body)
        assert response.status_code in (200, 201), (method, url, response.content)
        client.logout()


@pytest.mark.req("PLT-06", "PLT-08", "PLT-05")
def test_other_organisations_objects_are_not_found(logged_in, admin, objects):
    item, _stage, foreign_item, foreign_stage = objects
    client = logged_in(admin)
    before = state()
    base = "/api/v1/dictionaries/region/items"
    for method, url, body in [
        ("get", f"{base}/{foreign_item.pk}", None),
        ("patch", f"{base}/{foreign_item.pk}", {"name": "x"}),
        ("post", f"{base}/{foreign_item.pk}/deactivate", None),
        ("get", f"/api/v1/dictionaries/channel/items/{item.pk}", None),  # wrong kind
        ("patch", f"/api/v1/dictionaries/channel/items/{item.pk}", {"name": "x"}),
        ("post", f"/api/v1/dictionaries/channel/items/{item.pk}/deactivate", None),
        ("get", "/api/v1/dictionaries/nope/items", None),
        ("get", f"/api/v1/visit-stages/{foreign_stage.pk}", None),
        ("patch", f"/api/v1/visit-stages/{foreign_stage.pk}", {"name": "x"}),
        ("put", "/api/v1/parameters/nope.nothing", {"value": 1}),
        ("delete", "/api/v1/parameters/nope.nothing", None),
    ]:
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (404, PROBLEM), (method, url)
    assert state() == before


@pytest.mark.req("PLT-06")
def test_dictionary_endpoints(logged_in, admin):
    client = logged_in(admin)
    response = send(client, "post", "/api/v1/dictionaries/channel/items", {"code": "online", "name": "线上"})
    assert response.status_code == 201
    online = response.json()
    assert {k: online[k] for k in ("kind", "code", "name", "parent_id", "order", "is_active")} == {
        "kind": "channel",
        "code": "online",
        "name": "线上",
        "parent_id": None,
        "order": 10,
        "is_active": True,
    }
    response = send(
        client,
        "post",
        "/api/v1/dictionaries/channel/items",
        {"code": "wechat", "name": "微信", "parent_id": online["id"]},
    )
    wechat = response.json()
    assert wechat["parent_id"] == online["id"]
    listing = send(client, "get", "/api/v1/dictionaries/channel/items").json()
    assert (listing["count"], [i["code"] for i in listing["items"]]) == (2, ["online", "wechat"])
    assert send(client, "get", "/api/v1/dictionaries/channel/items?q=微").json()["count"] == 1
    response = send(
        client, "patch", f"/api/v1/dictionaries/channel/items/{wechat['id']}", {"parent_id": None, "order": 1}
    )
    assert (response.json()["parent_id"], response.json()["order"]) == (None, 1)
    response = send(client, "post", f"/api/v1/dictionaries/channel/items/{online['id']}/deactivate")
    assert response.json()["is_active"] is False
    assert send(client, "get", "/api/v1/dictionaries/channel/items?is_active=false").json()["count"] == 1
    response = send(
        client, "patch", f"/api/v1/dictionaries/channel/items/{online['id']}", {"is_active": True}
    )
    assert response.json()["is_active"] is True


@pytest.mark.req("PLT-06")
@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        ({"code": "cash", "name": "x"}, 422, "code", "The code cash is already used in this dictionary."),
        (
            {"code": "a b", "name": "x"},
            422,
            "code",
            "The code may contain only letters, digits, hyphens and underscores.",
        ),
        (
            {"code": "ok", "name": "x", "parent_id": 1},
            422,
            "parent",
            "Entries of this dictionary have no parent.",
        ),
        ({"code": "ok"}, 422, "name", "This field is required."),
        (
            {"code": "ok", "name": "x", "order": -1},
            422,
            "order",
            "Ensure this value is greater than or equal to 0.",
        ),
    ],
)
def test_dictionary_bad_input(logged_in, admin, body, status, field, message):
    services.dictionary_item_create(actor=admin, kind="payment_method", code="cash", name="现金")
    client = logged_in(admin)
    before = state()
    response = send(client, "post", "/api/v1/dictionaries/payment_method/items", body)
    problem = response.json()
    expected = gettext(message)
    if "cash" in message:
        expected = gettext("The code %(code)s is already used in this dictionary.") % {"code": "cash"}
    if "greater than" in message:
        expected = gettext("Ensure this value is greater than or equal to %(limit)s.") % {"limit": 0}
    assert (response.status_code, problem["errors"]) == (status, [{"field": field, "message": expected}])
    assert state() == before


@pytest.mark.req("PLT-06")
def test_dictionary_patch_refuses_a_cycle(logged_in, admin):
    a = services.dictionary_item_create(actor=admin, kind="channel", code="a", name="A")
    b = services.dictionary_item_create(actor=admin, kind="channel", code="b", name="B", parent_id=a.pk)
    client = logged_in(admin)
    before = state()
    response = send(client, "patch", f"/api/v1/dictionaries/channel/items/{a.pk}", {"parent_id": b.pk})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "parent", "message": gettext("An entry cannot be placed under itself or its children.")}
    ]
    assert state() == before


@pytest.mark.req("PLT-07")
def test_parameter_endpoints(logged_in, admin, branch, other_branch):
    client = logged_in(admin)
    listing = send(client, "get", "/api/v1/parameters").json()
    by_key = {item["key"]: item for item in listing["items"]}
    assert listing["count"] == len(params.specs())
    slot = by_key["booking.slot_minutes"]
    assert {
        k: slot[k] for k in ("type", "default", "value", "source", "organisation_value", "branch_value")
    } == {
        "type": "int",
        "default": 30,
        "value": 30,
        "source": "default",
        "organisation_value": None,
        "branch_value": None,
    }
    assert [c["value"] for c in slot["choices"]] == [10, 15, 20, 30, 60]

    response = send(client, "put", "/api/v1/parameters/booking.slot_minutes", {"value": 15})
    assert (response.status_code, response.json()["value"], response.json()["source"]) == (
        200,
        15,
        "organisation",
    )
    response = send(
        client, "put", "/api/v1/parameters/booking.slot_minutes", {"value": 60, "branch_id": other_branch.pk}
    )
    assert (response.json()["value"], response.json()["source"], response.json()["organisation_value"]) == (
        60,
        "branch",
        15,
    )
    assert params.param_value("booking.slot_minutes", branch_id=other_branch.pk) == 60
    assert params.param_value("booking.slot_minutes", branch_id=branch.pk) == 15
    other = send(client, "get", f"/api/v1/parameters?branch_id={other_branch.pk}").json()
    assert {i["key"]: i["value"] for i in other["items"]}["booking.slot_minutes"] == 60

    response = send(client, "delete", f"/api/v1/parameters/booking.slot_minutes?branch_id={other_branch.pk}")
    assert (response.json()["value"], response.json()["source"]) == (15, "organisation")
    response = send(client, "delete", "/api/v1/parameters/booking.slot_minutes")
    assert (response.json()["value"], response.json()["source"]) == (30, "default")
    assert ParameterValue.objects.count() == 0


@pytest.mark.req("PLT-07")
@pytest.mark.parametrize(
    ("key", "body", "field", "message"),
    [
        ("crm.dormant_days", {"value": 0}, "value", "值不能小于1。"),
        ("crm.dormant_days", {"value": "abc"}, "value", "Enter a whole number."),
        ("crm.dormant_days", {"value": True}, "value", "Enter a whole number."),
        ("booking.slot_minutes", {"value": 25}, "value", "请从以下选项中选择：10、15、20、30、60。"),
        ("crm.dormant_days", {"value": 5, "branch_id": -1}, "branch_id", "That branch does not exist."),
        ("crm.dormant_days", {}, "value", "This field is required."),
    ],
)
def test_parameter_bad_input(logged_in, admin, key, body, field, message):
    client = logged_in(admin)
    before = state()
    response = send(client, "put", f"/api/v1/parameters/{key}", body)
    expected = gettext(message)
    assert (response.status_code, response.json()["errors"]) == (422, [{"field": field, "message": expected}])
    assert state() == before


@pytest.mark.req("PLT-07")
def test_parameter_list_with_a_foreign_branch_is_refused(logged_in, admin, foreign_branch):
    response = send(logged_in(admin), "get", f"/api/v1/parameters?branch_id={foreign_branch.pk}")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "branch_id", "message": gettext("That branch does not exist.")}
    ]


@pytest.mark.req("PLT-08")
def test_visit_stage_endpoints(logged_in, admin, branch):
    seed_defaults(branch.organisation)
    client = logged_in(admin)
    listing = send(client, "get", "/api/v1/visit-stages").json()
    assert [s["name"] for s in listing["items"]] == ["到院", "分诊", "咨询", "面诊", "收费", "治疗", "离院"]
    ids = [s["id"] for s in listing["items"]]
    response = send(client, "put", "/api/v1/visit-stages/order", {"ids": ids[::-1]})
    assert (response.status_code, [s["name"] for s in response.json()["items"]][:2]) == (
        200,
        ["离院", "治疗"],
    )
    response = send(client, "put", "/api/v1/visit-stages/order", {"ids": ids[:3]})
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "ids")
    response = send(client, "post", "/api/v1/visit-stages", {"code": "review", "name": "回访"})
    assert (response.status_code, response.json()["order"]) == (201, 80)
    response = send(client, "patch", f"/api/v1/visit-stages/{response.json()['id']}", {"is_active": False})
    assert response.json()["is_active"] is False
    response = send(client, "post", "/api/v1/visit-stages", {"code": "review", "name": "again"})
    assert response.status_code == 422


@pytest.mark.req("PLT-08")
def test_visit_stage_patch_deactivation_needs_the_delete_permission(logged_in, branch, admin):
    stage = services.visit_stage_create(actor=admin, code="a", name="A")
    editor = logged_in(
        config_user(branch, ["configuration.view_visitstage", "configuration.change_visitstage"])
    )
    response = send(editor, "patch", f"/api/v1/visit-stages/{stage.pk}", {"is_active": False})
    assert response.status_code == 403
    stage.refresh_from_db()
    assert stage.is_active is True


@pytest.mark.req("PLT-06", "PLT-07", "PLT-08")
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/v1/dictionaries/product_category/items", 8),
        ("/api/v1/dictionaries/tag/items", 8),
        ("/api/v1/parameters", 5),
        ("/api/v1/visit-stages", 8),
    ],
)
def test_list_endpoint_query_counts(logged_in, admin, branch, django_assert_num_queries, url, queries):
    seed_defaults(branch.organisation)
    laser = DictionaryItem.objects.get(code="laser")
    interest = DictionaryItem.objects.get(code="interest")
    for _ in range(20):
        DictionaryItemFactory(organisation=branch.organisation, kind=K.PRODUCT_CATEGORY, parent=laser)
        DictionaryItemFactory(organisation=branch.organisation, kind=K.TAG, parent=interest)
        VisitStageFactory(organisation=branch.organisation)
    ParameterValue.objects.create(organisation=branch.organisation, key="crm.dormant_days", value=90)
    client = logged_in(admin)
    send(client, "get", url)
    with django_assert_num_queries(queries):
        assert send(client, "get", url).status_code == 200


@pytest.mark.req("PLT-07")
def test_bearer_token_works(branch):
    from django.test import Client

    user = config_user(branch, ["configuration.view_parametervalue", "accounts.add_apitoken"])
    secret = account_services.api_token_create(actor=user, name="t", days=1).secret
    response = Client().get("/api/v1/parameters", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


@pytest.mark.req("PLT-07", "SEC-07")
@pytest.mark.parametrize(
    ("role", "allowed"), [("系统管理员", True), ("审计管理员", False), ("咨询师", False)]
)
def test_builtin_roles_and_the_audit_retention_parameter(logged_in, branch, role, allowed):
    """The system admin keeps the parameters, including audit retention; nobody else changes them."""
    client = logged_in(role_user(role, branches=[branch]))
    response = send(client, "put", "/api/v1/parameters/audit.retention_days", {"value": 365})
    if allowed:
        assert response.status_code == 200 and response.json()["value"] == 365
        assert params.param_value("audit.retention_days", organisation_id=branch.organisation_id) == 365
    else:
        assert response.status_code == 403
        assert not ParameterValue.objects.exists()
