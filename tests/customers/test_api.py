"""The customer API: /customers (list, search, create, read, change, tags, full contact) — exact
bodies, the permission matrix and data scope, bad input as problem JSON, query count."""

import datetime
import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from django.utils.translation import gettext

from medspa.accounts import services as account_services
from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.audit.models import AuditEvent
from medspa.core import crypto
from medspa.customers import services
from medspa.customers.models import CardNoChange, Customer
from medspa.customers.services import CustomerInput
from tests.customers.conftest import customer_writes, tag
from tests.customers.factories import CustomerFactory, CustomFieldFactory, MemberLevelFactory
from tests.organization.factories import scoped_user

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
ID_NUMBER = "11010519491231002X"


def bearer(user):
    """Authorization header with a fresh token of ``user`` (a role for tokens is added; it changes
    neither the user's customer permissions nor the data scope)."""
    group, _created = Group.objects.get_or_create(name="api-tokens")
    group.permissions.add(Permission.objects.get(codename="add_apitoken"))
    user.groups.add(group)
    user = User.objects.get(pk=user.pk)
    secret = account_services.api_token_create(actor=user, name="t", days=1).secret
    return {"Authorization": f"Bearer {secret}"}


def send(client, method, url, body=None, headers=None):
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers or {},
    )


def state():
    return (
        sorted(Customer.objects.values_list("pk", "name", "phone", "card_no", "id_number_encrypted")),
        sorted(Customer.tags.through.objects.values_list("customer_id", "dictionaryitem_id")),
        CardNoChange.objects.count(),
        customer_writes(),
        AuditEvent.objects.filter(action="view_contact").count(),
    )


@pytest.fixture
def mine(branch, li):
    return CustomerFactory(branch=branch, name="张三", phone="13800001234", card_no="VIP001", consultant=li)


@pytest.fixture
def east(other_branch, zhao):
    return CustomerFactory(branch=other_branch, name="东区客户", phone="13900009999", consultant=zhao)


def calls(pk):
    return [
        ("get", "/api/v1/customers", None),
        ("get", "/api/v1/customers/search?q=zs", None),
        ("post", "/api/v1/customers", {"name": "新客户"}),
        ("get", f"/api/v1/customers/{pk}", None),
        ("patch", f"/api/v1/customers/{pk}", {"name": "改名"}),
        ("post", f"/api/v1/customers/{pk}/tags", {"tag_ids": []}),
        ("post", f"/api/v1/customers/{pk}/full-contact", None),
    ]


# --- permission matrix -------------------------------------------------------------------------


@pytest.mark.req("CRM-01", "CRM-04", "PLT-01", "INT-01")
def test_endpoint_matrix(client, branch, mine, east):
    before = state()
    for method, url, body in calls(mine.pk):
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), url
    no_perm = bearer(scoped_user(branch, [], DataScope.ORGANISATION))
    for method, url, body in calls(mine.pk):
        response = send(client, method, url, body, no_perm)
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied"), url
    assert state() == before
    allowed = bearer(
        scoped_user(
            branch,
            [
                "customers.view_customer",
                "customers.add_customer",
                "customers.change_customer",
                "customers.view_full_contact",
            ],
            DataScope.BRANCH,
        )
    )
    for pk in (east.pk, -1):
        for method, url, body in calls(pk)[3:]:
            response = send(client, method, url, body, allowed)
            assert (response.status_code, response.json()["code"]) == (404, "not_found"), url
    assert state() == before
    for method, url, body in calls(mine.pk):
        response = send(client, method, url, body, allowed)
        assert response.status_code == (201 if (method, url) == ("post", "/api/v1/customers") else 200), url


@pytest.mark.req("CRM-01", "PLT-01")
def test_view_only_role_cannot_write(client, branch, doctor_user, mine):
    headers = bearer(doctor_user)
    before = state()
    for method, url, body in calls(mine.pk)[2:]:
        if method == "get":
            assert send(client, method, url, body, headers).status_code == 200
        else:
            response = send(client, method, url, body, headers)
            assert (response.status_code, response.json()["code"]) == (403, "permission_denied"), url
    assert state() == before


@pytest.mark.req("PLT-05", "CRM-04")
def test_own_scope_in_list_search_and_detail(client, consultant, branch, mine, wang):
    theirs = CustomerFactory(branch=branch, name="张四", phone="13800005678", consultant=wang)
    headers = bearer(consultant)
    body = client.get("/api/v1/customers", headers=headers).json()
    assert (body["count"], [i["name"] for i in body["items"]]) == (1, ["张三"])
    body = client.get("/api/v1/customers/search", {"q": "zs"}, headers=headers).json()
    assert [i["name"] for i in body["items"]] == ["张三"]
    response = client.get(f"/api/v1/customers/{theirs.pk}", headers=headers)
    assert response.status_code == 404
    response = send(client, "patch", f"/api/v1/customers/{theirs.pk}", {"name": "改名"}, headers)
    assert response.status_code == 404
    assert Customer.objects.get(pk=theirs.pk).name == "张四"


# --- list --------------------------------------------------------------------------------------


@pytest.mark.req("CRM-01", "CRM-03", "CRM-04", "CRM-12")
def test_list_shape_filters_and_masked_phone(client, triage, branch, org, li, wang, channel):
    gold = MemberLevelFactory(organisation=org, name="金卡")
    vip = tag(org, "VIP", "客户类型", multiple=False, colour="#d63939")
    first = CustomerFactory(
        branch=branch,
        name="张三",
        gender="F",
        birthday=datetime.date(1990, 1, 1),
        phone="13800001234",
        card_no="VIP001",
        consultant=li,
        source_channel=channel,
        member_level=gold,
        tags=[vip],
        status="new",
        id_number_tail="002X",
        custom_values={"skin": "干"},
    )
    CustomerFactory(branch=branch, name="李四", phone="13900005678", consultant=wang, status="returning")
    CustomerFactory(branch=branch, name="王五", is_active=False)
    headers = bearer(triage)
    body = client.get("/api/v1/customers", {"q": "zs"}, headers=headers).json()
    first.refresh_from_db()
    age = timezone.localdate().year - 1990  # born on 1 January
    assert body == {
        "count": 1,
        "items": [
            {
                "id": first.pk,
                "name": "张三",
                "gender": "F",
                "birthday": "1990-01-01",
                "age": age,
                "phone": "138****1234",
                "id_number_masked": "**************002X",
                "wechat_id": "",
                "card_no": "VIP001",
                "source_channel_id": channel.pk,
                "info_source_id": None,
                "region_id": None,
                "referrer_customer_id": None,
                "referrer_staff_id": None,
                "consultant_id": li.pk,
                "consultant_name": "李咨询",
                "doctor_id": None,
                "intention": "",
                "remarks": "",
                "status": "new",
                "member_level_id": gold.pk,
                "tags": [{"id": vip.pk, "name": "VIP", "colour": "#d63939", "group": "客户类型"}],
                "custom": {"skin": "干"},
                "visit_count": 0,
                "first_visit_at": None,
                "last_visit_at": None,
                "branch_id": branch.pk,
                "is_active": True,
                "created_at": first.created_at.astimezone(
                    datetime.timezone(datetime.timedelta(hours=8))
                ).isoformat(),
                "updated_at": first.updated_at.astimezone(
                    datetime.timezone(datetime.timedelta(hours=8))
                ).isoformat(),
            }
        ],
    }
    assert AuditEvent.objects.filter(action="view_contact").count() == 0  # masked: nothing to record

    def names(**params):
        response = client.get("/api/v1/customers", params, headers=headers)
        assert response.status_code == 200, response.content
        return [item["name"] for item in response.json()["items"]]

    assert names(q="1234") == ["张三"]
    assert names(q="lisi") == ["李四"]
    assert names(status="returning") == ["李四"]
    assert names(consultant=li.pk) == ["张三"]
    assert names(source_channel=channel.pk, tag=vip.pk, member_level=gold.pk) == ["张三"]
    assert names(is_active="false") == ["王五"]
    assert names(is_active="true") == ["李四", "张三"]  # newest first
    assert names(is_active="true", limit=1, offset=1) == ["张三"]
    for params, field in [
        ({"status": "sleeping"}, "status"),
        ({"consultant": -1}, "consultant"),
        ({"tag": 999999}, "tag"),
        ({"is_active": "maybe"}, "is_active"),
        ({"limit": 0}, "limit"),
    ]:
        response = client.get("/api/v1/customers", params, headers=headers)
        assert (response.status_code, response["Content-Type"]) == (422, PROBLEM), params
        assert response.json()["errors"][0]["field"] == field


@pytest.mark.req("CRM-01", "AUD-01")
def test_full_phone_for_those_who_may_view_it_is_audited(client, director, mine, east):
    headers = bearer(director)
    body = client.get("/api/v1/customers", headers=headers).json()
    assert sorted(i["phone"] for i in body["items"]) == ["13800001234", "13900009999"]
    event = AuditEvent.objects.get(action="view_contact")
    assert (event.actor_id, event.object_type, event.object_id) == (director.pk, "customers.customer", "")
    assert event.message.endswith(f"{east.pk},{mine.pk}") or event.message.endswith(f"{mine.pk},{east.pk}")
    body = client.get(f"/api/v1/customers/{mine.pk}", headers=headers).json()
    assert body["phone"] == "13800001234"
    event = AuditEvent.objects.filter(action="view_contact").latest("pk")
    assert event.object_id == str(mine.pk)
    body = client.get("/api/v1/customers/search", {"q": "zs"}, headers=headers).json()
    assert body == {
        "items": [
            {
                "id": mine.pk,
                "name": "张三",
                "phone": "138****1234",
                "card_no": "VIP001",
                "consultant_name": "李咨询",
                "status": "potential",
            }
        ]
    }
    assert AuditEvent.objects.filter(action="view_contact").count() == 2


@pytest.mark.req("CRM-01", "PLT-02", "INT-01")
def test_list_query_count(client, triage, branch, org, li, django_assert_num_queries):
    vip, skin = tag(org, "VIP", "客户类型", multiple=False), tag(org, "美白", "兴趣")
    for _ in range(30):
        CustomerFactory(branch=branch, consultant=li, tags=[vip, skin])
    headers = bearer(triage)
    client.get("/api/v1/customers", headers=headers)
    # token with its user, user perms, group perms, data scope, count, page, its tags
    with django_assert_num_queries(7) as queries:
        response = client.get("/api/v1/customers", {"limit": 30}, headers=headers)
    assert response.json()["count"] == 30
    with django_assert_num_queries(len(queries.captured_queries)):
        client.get("/api/v1/customers", {"limit": 5}, headers=headers)


# --- create, change, tags, full contact ------------------------------------------------------


@pytest.mark.req("CRM-01", "CRM-02", "CRM-03")
def test_create_patch_and_tags(client, triage, li, wang, org, channel):
    vip = tag(org, "VIP", "客户类型", multiple=False)
    skin = tag(org, "美白", "兴趣")
    CustomFieldFactory(organisation=org, key="skin", label="肤质", type="choice", options=["干", "油"])
    CustomFieldFactory(organisation=org, key="budget", label="预算", type="number")
    headers = bearer(triage)
    response = send(
        client,
        "post",
        "/api/v1/customers",
        {
            "name": "张三",
            "gender": "F",
            "birthday": "1990-05-17",
            "phone": "138 0013 1234",
            "id_number": ID_NUMBER,
            "card_no": "VIP001",
            "source_channel_id": channel.pk,
            "doctor_id": wang.pk,
            "tag_ids": [vip.pk],
            "custom": {"skin": "油", "budget": "1000"},
        },
        headers,
    )
    assert response.status_code == 201, response.content
    customer = Customer.objects.get()
    body = response.json()
    assert (body["id"], body["phone"], body["id_number_masked"], body["consultant_id"]) == (
        customer.pk,
        "138****1234",
        "**************002X",
        triage.staff_id,  # nobody chosen: the registering staff member owns her
    )
    assert ([t["name"] for t in body["tags"]], body["custom"]) == (["VIP"], {"skin": "油", "budget": "1000"})
    assert crypto.decrypt(customer.id_number_encrypted) == ID_NUMBER
    # PATCH changes only what is sent: tags, ID number and custom values stay
    response = send(
        client,
        "patch",
        f"/api/v1/customers/{customer.pk}",
        {"name": "张三丰", "consultant_id": li.pk, "custom": {"budget": None}},
        headers,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (
        body["name"],
        body["consultant_id"],
        body["card_no"],
        body["birthday"],
        body["source_channel_id"],
    ) == (
        "张三丰",
        li.pk,
        "VIP001",
        "1990-05-17",
        channel.pk,
    )
    assert ([t["name"] for t in body["tags"]], body["custom"]) == (["VIP"], {"skin": "油"})
    customer.refresh_from_db()
    assert crypto.decrypt(customer.id_number_encrypted) == ID_NUMBER
    assert (customer.name_pinyin, customer.name_initials) == ("zhangsanfeng", "zsf")
    response = send(client, "patch", f"/api/v1/customers/{customer.pk}", {"id_number": ""}, headers)
    assert (response.status_code, response.json()["id_number_masked"]) == (200, "")
    response = send(
        client, "post", f"/api/v1/customers/{customer.pk}/tags", {"tag_ids": [vip.pk, skin.pk]}, headers
    )
    assert response.status_code == 200
    assert sorted(t["name"] for t in response.json()["tags"]) == ["VIP", "美白"]
    assert list(
        AuditEvent.objects.filter(module="customers").order_by("pk").values_list("action", flat=True)
    ) == ["create", "update", "update", "tag"]


@pytest.mark.req("CRM-01", "CRM-02", "CRM-03", "INT-01")
@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        (
            {"phone": "12345"},
            422,
            "phone",
            "Enter a mobile number (11 digits starting with 1) or a landline such as 010-12345678.",
        ),
        ({"phone": "13800001234"}, 422, "phone", "duplicate"),
        ({"card_no": "VIP001"}, 422, "card_no", "duplicate-card"),
        ({"birthday": "2999-01-01"}, 422, "birthday", "The birthday cannot be in the future."),
        ({"birthday": "1990-02-30"}, 422, "birthday", None),
        ({"id_number": "110105194912310021"}, 422, "id_number", "Enter a valid 18-digit ID number."),
        ({"gender": "X"}, 422, "gender", None),
        ({"name": ""}, 422, "name", None),
        ({"custom": {"skin": "中"}}, 422, "custom.skin", "skin-option"),
        ({"custom": {"nope": 1}}, 422, "custom", "no-field"),
        ({"tag_ids": "single-group"}, 422, "tags", "single-group"),
        ({"consultant_id": 999999}, 422, "consultant", "Choose an active staff member."),
        ({"referrer_customer_id": 99999999999999999999}, 400, None, None),
    ],
)
def test_bad_input_is_problem_json_and_writes_nothing(
    client, triage, mine, org, body, status, field, message
):
    CustomFieldFactory(organisation=org, key="skin", label="肤质", type="choice", options=["干", "油"])
    vip, regular = tag(org, "VIP", "客户类型", multiple=False), tag(org, "普通", "客户类型", multiple=False)
    body = {"name": "新客户", **body}
    if body.get("tag_ids") == "single-group":
        body["tag_ids"] = [vip.pk, regular.pk]
    headers = bearer(triage)
    before = state()
    response = send(client, "post", "/api/v1/customers", body, headers)
    assert (response.status_code, response["Content-Type"]) == (status, PROBLEM)
    problem = response.json()
    if field is not None:
        assert problem["errors"][0]["field"] == field
    expected = {
        "duplicate": gettext("This %(what)s belongs to %(name)s (customer no %(pk)s).")
        % {"what": gettext("phone"), "name": "张三", "pk": mine.pk},
        "duplicate-card": gettext("This %(what)s belongs to %(name)s (customer no %(pk)s).")
        % {"what": gettext("card no"), "name": "张三", "pk": mine.pk},
        "skin-option": gettext("%(label)s has no option %(value)s.") % {"label": "肤质", "value": "中"},
        "no-field": gettext("There is no custom field %(key)s.") % {"key": "nope"},
        "single-group": gettext("The tag group %(group)s allows one tag only.") % {"group": "客户类型"},
    }.get(message, gettext(message) if message else None)
    if expected is not None:
        assert problem["errors"][0]["message"] == expected
    assert state() == before
    # the same refusals on PATCH leave the customer as it was
    if status == 422 and field not in ("name",) and message not in ("duplicate", "duplicate-card"):
        response = send(
            client,
            "patch",
            f"/api/v1/customers/{mine.pk}",
            {k: v for k, v in body.items() if k != "name"},
            headers,
        )
        assert response.status_code == 422
        assert state() == before


@pytest.mark.req("CRM-01", "AUD-01")
def test_full_contact_endpoint(client, triage, director, consultant, li):
    customer = services.customer_create(
        actor=triage,
        data=CustomerInput(name="张三", phone="13800001234", id_number=ID_NUMBER, consultant_id=li.pk),
    )
    before = state()
    for user in (triage, consultant):  # neither role may view full contact data
        response = send(client, "post", f"/api/v1/customers/{customer.pk}/full-contact", None, bearer(user))
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert state() == before
    response = send(client, "post", f"/api/v1/customers/{customer.pk}/full-contact", None, bearer(director))
    assert (response.status_code, response.json()) == (
        200,
        {"id": customer.pk, "phone": "13800001234", "id_number": ID_NUMBER},
    )
    event = AuditEvent.objects.get(action="view_contact")
    assert (event.actor_id, event.object_id) == (director.pk, str(customer.pk))


@pytest.mark.req("CRM-04")
def test_search_endpoint_limits_and_validates(client, triage, branch, li):
    for i in range(12):
        CustomerFactory(branch=branch, name=f"张{chr(0x4E00 + i)}", consultant=li)
    headers = bearer(triage)
    body = client.get("/api/v1/customers/search", {"q": "zh"}, headers=headers).json()
    assert len(body["items"]) == 10
    assert client.get("/api/v1/customers/search", {"q": " "}, headers=headers).json() == {"items": []}
    response = client.get("/api/v1/customers/search", headers=headers)
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "q")
    response = client.get("/api/v1/customers/search", {"q": "x" * 101}, headers=headers)
    assert response.status_code == 422
