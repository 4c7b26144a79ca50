"""GET /api/v1/audit-events and /api/v1/audit-events/{id}: permission, scope, filters, audit of reads."""

from __future__ import annotations

import pytest
from django.db import connection

from medspa.accounts import services as account_services
from medspa.audit.models import AuditEvent
from tests.audit.factories import auditor, record, sysadmin
from tests.factories import BranchFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("AUD-02", "AUD-03")]

LIST = "/api/v1/audit-events"


@pytest.fixture
def audit_admin(branch):
    return auditor(branch)


def test_list_matrix(client, logged_in, user, branch, audit_admin):
    record(user)
    assert client.get(LIST).status_code == 401
    assert logged_in(user).get(LIST).status_code == 403
    assert logged_in(sysadmin(branch)).get(LIST).status_code == 403
    response = logged_in(audit_admin).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3  # the event and the two denials
    assert [(i["action"], i["module"]) for i in body["items"][:2]] == [("denied", "audit-events")] * 2


def test_list_with_a_bearer_token(client, branch):
    reader = UserFactory(
        username="siem", branches=[branch], perms=["audit.view_auditevent", "accounts.add_apitoken"]
    )
    issued = account_services.api_token_create(actor=reader, name="siem", days=1)
    response = client.get(LIST, headers={"Authorization": f"Bearer {issued.secret}"})
    assert response.status_code == 200


def test_list_items_shape_and_the_read_is_audited(logged_in, user, branch, audit_admin):
    event = record(user, module="organization", action="update", changes={"name": ["a", "b"]}, ip="10.0.0.9")
    response = logged_in(audit_admin).get(LIST, {"module": "organization"})
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item == {
        "id": event.pk,
        "occurred_at": item["occurred_at"],
        "actor_id": user.pk,
        "actor_name": "plain",
        "organisation_id": branch.organisation_id,
        "branch_id": branch.pk,
        "branch_name": "总院",
        "module": "organization",
        "action": "update",
        "object_type": "",
        "object_id": "",
        "object_repr": "",
        "changes": {"name": ["a", "b"]},
        "ip": "10.0.0.9",
        "user_agent": "",
        "request_id": "",
        "result": "success",
        "message": "",
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
    assert item["occurred_at"].endswith("+08:00")
    view = AuditEvent.objects.latest("pk")
    assert (view.module, view.action, view.actor_id, view.message) == (
        "audit",
        "view",
        audit_admin.pk,
        "api module=organization",
    )


def test_list_is_scoped_to_the_organisation(logged_in, user, audit_admin):
    stranger = UserFactory(branches=[BranchFactory(organisation=OrganisationFactory(code="far"))])
    record(stranger)
    mine = record(user)
    body = logged_in(audit_admin).get(LIST).json()
    assert [item["id"] for item in body["items"]] == [mine.pk]


def test_filters_as_query_parameters(logged_in, user, branch, audit_admin):
    login = record(user, module="accounts", action="login", ip="192.168.1.20")
    record(user, module="organization", action="update")
    denied = record(
        UserFactory(username="li", branches=[branch]), module="accounts", action="denied", result="denied"
    )
    client = logged_in(audit_admin)

    def ids(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["items"] if item["module"] != "audit"]

    assert ids(module="accounts") == [denied.pk, login.pk]
    assert ids(user="pla", action="login") == [login.pk]
    assert ids(result="denied") == [denied.pk]
    assert ids(ip="192.168.1.") == [login.pk]
    assert ids(time_from="2000-01-01", time_to="2999-12-31", module="accounts", limit=1) == [denied.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"result": "nonsense"}, "result"), ({"time_from": "2026-02-30"}, "time_from"), ({"limit": 0}, "limit")],
)
def test_bad_filters_are_422_problems(logged_in, audit_admin, params, field):
    response = logged_in(audit_admin).get(LIST, params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_detail_matrix_and_audit(client, logged_in, user, branch, audit_admin):
    event = record(user)
    url = f"{LIST}/{event.pk}"
    assert client.get(url).status_code == 401
    assert logged_in(user).get(url).status_code == 403
    other = auditor(BranchFactory(organisation=OrganisationFactory(code="far")), "auditor-far")
    assert logged_in(other).get(url).status_code == 404
    assert logged_in(audit_admin).get(f"{LIST}/999999").status_code == 404
    response = logged_in(audit_admin).get(url)
    assert response.status_code == 200
    assert response.json()["hash"] == event.hash
    view = AuditEvent.objects.latest("pk")
    assert (view.action, view.object_id, view.actor_id) == ("view", str(event.pk), audit_admin.pk)


def test_list_endpoint_query_count(logged_in, user, audit_admin, django_assert_num_queries):
    for i in range(30):
        record(user, message=str(i))
    client = logged_in(audit_admin)
    client.get(LIST)
    # session, user, branches, 2× permissions, count, items; the view record: savepoint, last
    # hash, (PostgreSQL: chain lock), insert, release
    with django_assert_num_queries(11 + (connection.vendor == "postgresql")):
        response = client.get(LIST, {"limit": 20})
    assert response.status_code == 200
    assert len(response.json()["items"]) == 20
