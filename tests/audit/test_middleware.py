"""Permission denials (403 to a logged-in user) are recorded centrally, for pages and the API."""

from __future__ import annotations

import pytest

from medspa.accounts import services as account_services
from medspa.audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("AUD-01")]


def test_a_denied_page_is_recorded(logged_in, user, branch):
    client = logged_in(user)
    response = client.get("/audit/", REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="Firefox")
    assert response.status_code == 403
    event = AuditEvent.objects.get()
    assert (event.module, event.action, event.result) == ("audit", "denied", "denied")
    assert event.message == "GET /audit/"
    assert (event.actor_id, event.actor_name, event.branch_id) == (user.pk, "plain", branch.pk)
    assert (event.ip, event.user_agent) == ("192.0.2.7", "Firefox")


def test_a_denied_page_of_another_app_names_that_app(logged_in, user):
    assert logged_in(user).get("/accounts/tokens/").status_code == 403
    assert AuditEvent.objects.values_list("module", "action", "message").get() == (
        "accounts",
        "denied",
        "GET /accounts/tokens/",
    )


def test_a_denied_api_call_is_recorded_with_the_resource_as_module(client, branch):
    integrator = UserFactory(username="integrator", branches=[branch], perms=["accounts.add_apitoken"])
    issued = account_services.api_token_create(actor=integrator, name="t", days=1)
    response = client.get("/api/v1/audit-events", headers={"Authorization": f"Bearer {issued.secret}"})
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="denied")
    assert (event.module, event.result, event.actor_id) == ("audit-events", "denied", integrator.pk)
    assert event.message == "GET /api/v1/audit-events"


def test_anonymous_requests_are_not_recorded(client, db):
    assert client.get("/audit/").status_code == 302
    assert client.get("/api/v1/audit-events").status_code == 401
    assert AuditEvent.objects.count() == 0
