"""The audit log pages: who may open them, filters, the detail with before/after, export."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from medspa.audit.models import AuditEvent
from tests.audit.factories import auditor, record, sysadmin
from tests.factories import BranchFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("AUD-02", "AUD-03")]

LIST = "/audit/"


@pytest.fixture
def audit_admin(branch):
    return auditor(branch)


def test_list_matrix(client, logged_in, user, branch, audit_admin):
    record(user)
    assert client.get(LIST).status_code == 302
    assert client.get(LIST)["Location"] == f"/accounts/login/?next={LIST}"
    assert logged_in(user).get(LIST).status_code == 403
    admin = sysadmin(branch)
    assert logged_in(admin).get(LIST).status_code == 403
    assert logged_in(audit_admin).get(LIST).status_code == 200


def test_detail_matrix(client, logged_in, user, branch, audit_admin):
    event = record(user, changes={"name": ["旧名", "新名"]})
    url = reverse("audit:event_detail", args=[event.pk])
    assert client.get(url).status_code == 302
    assert logged_in(user).get(url).status_code == 403
    assert logged_in(sysadmin(branch)).get(url).status_code == 403
    other_org_auditor = auditor(BranchFactory(organisation=OrganisationFactory(code="other")), "auditor2")
    assert logged_in(other_org_auditor).get(url).status_code == 404
    assert logged_in(audit_admin).get("/audit/999999/").status_code == 404


def test_the_list_shows_the_organisations_events_and_records_the_view(logged_in, user, branch, audit_admin):
    mine = record(user, module="organization", action="update", object_repr="总院", ip="10.1.2.3")
    stranger = UserFactory(username="stranger", branches=[BranchFactory(organisation=OrganisationFactory())])
    record(stranger, object_repr="别家机构的事件")
    response = logged_in(audit_admin).get(LIST, {"module": "organization"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "总院" in html and "10.1.2.3" in html and "plain" in html
    assert "别家机构的事件" not in html
    assert reverse("audit:event_detail", args=[mine.pk]) in html
    view = AuditEvent.objects.latest("pk")
    assert (view.module, view.action, view.actor_id, view.message) == (
        "audit",
        "view",
        audit_admin.pk,
        "module=organization",
    )


def _listed(client, **params):
    response = client.get(LIST, {**params, "per_page": 100})
    assert response.status_code == 200
    return response.context["page"].object_list


def test_filters(logged_in, user, branch, audit_admin):
    login = record(user, module="accounts", action="login", ip="192.168.1.20")
    update = record(user, module="organization", action="update", ip="2001:db8::5")
    other = UserFactory(username="nurse-li", branches=[branch])
    denied = record(other, module="accounts", action="denied", result="denied", ip="192.168.2.9")
    client = logged_in(audit_admin)
    ids = lambda **p: [e.pk for e in _listed(client, **p) if e.module != "audit"]  # noqa: E731
    assert ids(user="PLA") == [update.pk, login.pk]
    assert ids(module="accounts") == [denied.pk, login.pk]
    assert ids(action="update") == [update.pk]
    assert ids(result="denied") == [denied.pk]
    assert ids(ip="192.168.1.20") == [login.pk]
    assert ids(ip="192.168.") == [denied.pk, login.pk]
    assert ids(ip="2001:DB8:0::5") == [update.pk]
    assert ids(ip="not-an-ip") == []
    assert ids(result="nonsense") == []


def test_time_filter_uses_shanghai_days(logged_in, user, audit_admin, monkeypatch):
    from medspa.audit import services

    # 2026-05-01 23:30 in Shanghai is 15:30 UTC; 2026-05-02 00:30 Shanghai is 16:30 UTC on 05-01.
    late = datetime.datetime(2026, 5, 1, 15, 30, tzinfo=datetime.UTC)
    early_next = datetime.datetime(2026, 5, 1, 16, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(services.timezone, "now", lambda: late)
    first = record(user)
    monkeypatch.setattr(services.timezone, "now", lambda: early_next)
    second = record(user)
    monkeypatch.undo()
    client = logged_in(audit_admin)
    ids = lambda **p: [e.pk for e in _listed(client, **p) if e.module != "audit"]  # noqa: E731
    assert ids(time_from="2026-05-01", time_to="2026-05-01") == [first.pk]
    assert ids(time_from="2026-05-02") == [second.pk]
    assert ids(time_to="2026-05-02") == [second.pk, first.pk]
    assert ids(time_from="0001-01-01", time_to="9999-12-31") == [second.pk, first.pk]
    assert ids(time_from="2026-13-01") == []


def test_detail_shows_changes_before_and_after_and_is_audited(logged_in, user, audit_admin):
    event = record(
        user,
        module="accounts",
        action="update",
        obj=user,
        changes={"display_name": ["张三", "李四"], "is_active": [True, False]},
    )
    response = logged_in(audit_admin).get(reverse("audit:event_detail", args=[event.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="changes"' in html
    assert "张三" in html and "李四" in html and "true" in html and "false" in html
    assert event.hash in html
    view = AuditEvent.objects.latest("pk")
    assert (view.action, view.object_type, view.object_id) == ("view", "audit.auditevent", str(event.pk))


def test_export_needs_the_export_permission(logged_in, user, branch):
    record(user)
    viewer = UserFactory(username="viewer", branches=[branch], perms=["audit.view_auditevent"])
    client = logged_in(viewer)
    page = client.get(LIST)
    assert 'data-testid="export-csv"' not in page.content.decode()
    before = AuditEvent.objects.filter(action="export").count()
    assert client.get(LIST, {"export": "csv"}).status_code == 403
    assert AuditEvent.objects.filter(action="export").count() == before


def test_export_csv_and_xlsx_are_audited(logged_in, user, audit_admin):
    event = record(user, module="organization", action="update", object_repr="总院", changes={"a": [1, 2]})
    client = logged_in(audit_admin)
    response = client.get(LIST, {"export": "csv", "module": "organization"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][0] == str(event.pk)
    assert rows[1][6] == "总院"
    assert '{"a": [1, 2]}' in rows[1]
    export = AuditEvent.objects.latest("pk")
    assert (export.module, export.action, export.message) == (
        "audit",
        "export",
        "export=csv&module=organization",
    )

    response = client.get(LIST, {"export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 3  # header, the event, the csv export event
    assert AuditEvent.objects.latest("pk").action == "export"


def test_list_page_query_count(logged_in, user, audit_admin, django_assert_num_queries):
    for i in range(30):
        record(user, message=str(i))
    client = logged_in(audit_admin)
    client.get(LIST)  # warm the session and permission caches of the first request
    # session, user, branches, 2× permissions, count, page; the view record: savepoint, last hash,
    # (PostgreSQL: chain lock), insert, release
    with django_assert_num_queries(11 + (connection.vendor == "postgresql")):
        response = client.get(LIST)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 25
    assert timezone.is_aware(response.context["page"].object_list[0].occurred_at)
