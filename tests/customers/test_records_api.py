"""The API of consultations, complaints and archive files: exact bodies, problem JSON, the
permission matrix with the data scope, pinned query counts, multipart upload and the audited
download."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext

from medspa.audit.models import AuditEvent
from medspa.customers.models import Complaint, Consultation, CustomerFile
from tests.customers.factories import ComplaintFactory, ConsultationFactory
from tests.customers.test_records_support import *  # noqa: F403 - fixtures
from tests.customers.test_records_support import (
    PDF,
    PNG,
    ago,
    bearer,
    counts,
    stored_files,
    upload,
)
from tests.fuzz import assert_never_fails, operations, wsgi_schema

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def send(client, method, url, body=None, headers=None):
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers or {},
    )


def iso(value):
    return timezone.localtime(value).isoformat()


def consultation_body(**overrides):
    body = {
        "consulted_at": iso(ago(hours=1)),
        "content": "微信咨询水光针",
        "outcome": "deal",
        "channel": "wechat",
    }
    body.update(overrides)
    return body


@pytest.fixture
def records(customer, east_customer, wang_customer, li, zhao, wang, media):
    result = {}
    for c, staff in ((customer, li), (east_customer, zhao), (wang_customer, wang)):
        consultation = ConsultationFactory(customer=c, consultant=staff)
        result[c.name] = {
            "consultation": consultation,
            "complaint": ComplaintFactory(customer=c),
            "file": CustomerFile.objects.create(
                customer=c,
                branch=c.branch,
                kind="record",
                file=f"customers/{c.pk}.pdf",
                original_name="病历.pdf",
                size=len(PDF),
                content_type="application/pdf",
            ),
        }
    return result


def calls_for(customer, mine):
    return [
        ("get", f"/api/v1/customers/{customer.pk}/consultations", None),
        ("post", f"/api/v1/customers/{customer.pk}/consultations", consultation_body()),
        ("get", f"/api/v1/consultations/{mine['consultation'].pk}", None),
        ("patch", f"/api/v1/consultations/{mine['consultation'].pk}", {"content": "改"}),
        ("get", f"/api/v1/customers/{customer.pk}/complaints", None),
        (
            "post",
            f"/api/v1/customers/{customer.pk}/complaints",
            {"received_at": iso(ago(hours=1)), "content": "x"},
        ),
        ("get", f"/api/v1/complaints/{mine['complaint'].pk}", None),
        ("post", f"/api/v1/complaints/{mine['complaint'].pk}/assign", {"assignee_id": 1}),
        ("post", f"/api/v1/complaints/{mine['complaint'].pk}/resolve", {"resolution": "已处理"}),
        ("get", f"/api/v1/customers/{customer.pk}/files", None),
        ("get", f"/api/v1/customer-files/{mine['file'].pk}", None),
        ("delete", f"/api/v1/customer-files/{mine['file'].pk}", None),
        ("get", f"/api/v1/customer-files/{mine['file'].pk}/download", None),
    ]


def state():
    return (
        counts(),
        list(Consultation.objects.order_by("pk").values_list("content", flat=True)),
        list(Complaint.objects.order_by("pk").values_list("status", "resolution")),
        AuditEvent.objects.filter(action="view_file").count(),
    )


@pytest.mark.req("CRM-05", "CRM-09", "CRM-06", "PLT-05")
def test_endpoint_matrix(client, records, customer, east_customer, nobody, manager):
    before = state()
    for method, url, body in calls_for(customer, records["张三"]):
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), url
    for url in ("/api/v1/consultations", "/api/v1/complaints"):
        assert client.get(url).status_code == 401
    headers = bearer(nobody)
    for method, url, body in calls_for(customer, records["张三"]):
        response = send(client, method, url, body, headers)
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied"), url
    for url in ("/api/v1/consultations", "/api/v1/complaints"):
        assert client.get(url, headers=headers).status_code == 403
    headers = bearer(manager)  # every record permission, branch scope
    for method, url, body in calls_for(east_customer, records["东区客户"]):
        response = send(client, method, url, body, headers)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), url
    for url in (
        "/api/v1/consultations/-1",
        "/api/v1/complaints/-1",
        "/api/v1/customer-files/-1",
        "/api/v1/customer-files/-1/download",
        "/api/v1/customers/-1/consultations",
        "/api/v1/customers/-1/files",
    ):
        assert client.get(url, headers=headers).status_code == 404, url
    assert state() == before
    response = client.get(f"/api/v1/consultations/{records['张三']['consultation'].pk}", headers=headers)
    assert (response.status_code, response.json()["customer_name"]) == (200, "张三")


@pytest.mark.req("CRM-05", "CRM-09", "CRM-06", "PLT-05")
def test_an_own_scoped_consultant_gets_404_for_another_consultants_customer(
    client, records, wang_customer, consultant
):
    headers = bearer(consultant)
    before = state()
    for method, url, body in calls_for(wang_customer, records["王五"]):
        response = send(client, method, url, body, headers)
        if "/assign" in url or "/resolve" in url or method == "delete":
            assert response.status_code == 403, url  # 咨询师 may not handle complaints or delete files
        else:
            assert (response.status_code, response.json()["code"]) == (404, "not_found"), url
    assert state() == before
    body = client.get("/api/v1/consultations", headers=headers).json()
    assert [item["customer_name"] for item in body["items"]] == ["张三"]


@pytest.mark.req("CRM-05")
def test_record_and_change_a_consultation(client, consultant, customer, li, reasons):
    headers = bearer(consultant)
    at = ago(hours=2).replace(microsecond=0)
    response = send(
        client,
        "post",
        f"/api/v1/customers/{customer.pk}/consultations",
        consultation_body(
            consulted_at=iso(at), outcome="no_deal", outcome_reason_id=reasons["price"].pk, projects="水光针"
        ),
        headers,
    )
    assert response.status_code == 201, response.content
    consultation = Consultation.objects.get()
    body = response.json()
    assert body == {
        "id": consultation.pk,
        "customer_id": customer.pk,
        "customer_name": "张三",
        "branch_id": customer.branch_id,
        "consulted_at": iso(at),
        "consultant_id": li.pk,
        "consultant_name": "李咨询",
        "channel": "wechat",
        "projects": "水光针",
        "content": "微信咨询水光针",
        "chat_log": "",
        "potential_needs": "",
        "outcome": "no_deal",
        "outcome_reason_id": reasons["price"].pk,
        "outcome_reason_name": "价格",
        "photo_ids": [],
        "created_at": iso(consultation.created_at),
        "updated_at": iso(consultation.updated_at),
    }
    assert body["consulted_at"].endswith("+08:00")
    # switching to a deal drops the reason unless one is sent
    response = send(client, "patch", f"/api/v1/consultations/{consultation.pk}", {"outcome": "deal"}, headers)
    assert (response.status_code, response.json()["outcome"], response.json()["outcome_reason_id"]) == (
        200,
        "deal",
        None,
    )
    response = send(
        client,
        "patch",
        f"/api/v1/consultations/{consultation.pk}",
        {"outcome_reason_id": reasons["price"].pk},
        headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "outcome_reason",
            "message": gettext("A consultation that ended in a deal has no reason for not closing."),
        }
    ]


@pytest.mark.req("CRM-05")
def test_consultation_bad_input_is_problem_json_and_writes_nothing(client, consultant, customer):
    headers = bearer(consultant)
    before = counts()
    cases = [
        (consultation_body(consulted_at=iso(ago(hours=-2))), "consulted_at"),
        (consultation_body(consulted_at="2025-01-01T10:00:00"), "consulted_at"),  # no offset
        (consultation_body(outcome="no_deal"), "outcome_reason"),
        (consultation_body(channel="fax"), "channel"),
        (consultation_body(content=""), "content"),
        ({"content": "x"}, "consulted_at"),
    ]
    for body, field in cases:
        response = send(client, "post", f"/api/v1/customers/{customer.pk}/consultations", body, headers)
        assert (response.status_code, response["Content-Type"]) == (422, PROBLEM), body
        assert response.json()["errors"][0]["field"] == field, response.json()
    assert counts() == before


@pytest.mark.req("CRM-09")
def test_complaint_flow_and_work_list(client, service, customer, wang_customer, li):
    headers = bearer(service)
    response = send(
        client,
        "post",
        f"/api/v1/customers/{customer.pk}/complaints",
        {"received_at": iso(ago(hours=1)), "content": "等待时间太长"},
        headers,
    )
    assert response.status_code == 201, response.content
    complaint_id = response.json()["id"]
    assert (response.json()["status"], response.json()["assignee_id"], response.json()["resolved_at"]) == (
        "open",
        None,
        None,
    )
    response = send(
        client, "post", f"/api/v1/complaints/{complaint_id}/assign", {"assignee_id": li.pk}, headers
    )
    assert (response.json()["status"], response.json()["assignee_name"]) == ("assigned", "李咨询")
    response = send(
        client, "post", f"/api/v1/complaints/{complaint_id}/resolve", {"resolution": "已致歉"}, headers
    )
    assert (response.json()["status"], response.json()["resolution"]) == ("resolved", "已致歉")
    assert response.json()["resolved_at"].endswith("+08:00")
    response = send(
        client, "post", f"/api/v1/complaints/{complaint_id}/resolve", {"resolution": "again"}, headers
    )
    assert (response.status_code, response["Content-Type"], response.json()["code"]) == (
        409,
        PROBLEM,
        "illegal_transition",
    )
    other = ComplaintFactory(customer=wang_customer, content="另一条")

    def ids(**params):
        response = client.get("/api/v1/complaints", params, headers=headers)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [other.pk, complaint_id]  # open first
    assert ids(status="resolved") == [complaint_id]
    assert ids(assignee=li.pk) == [complaint_id]
    assert ids(q="王五") == [other.pk]
    assert ids(limit=1, offset=1) == [complaint_id]
    assert client.get("/api/v1/complaints", {"status": "closed"}, headers=headers).status_code == 422
    assert client.get("/api/v1/complaints", {"date_from": "0001-01-01"}, headers=headers).status_code == 200
    assert client.get("/api/v1/complaints", {"date_to": "9999-12-31"}, headers=headers).status_code == 200
    assert [
        item["id"]
        for item in client.get(f"/api/v1/customers/{customer.pk}/complaints", headers=headers).json()["items"]
    ] == [complaint_id]


@pytest.mark.req("CRM-06")
def test_upload_download_and_delete_files(
    client, manager, consultant, customer, li, media, django_capture_on_commit_callbacks
):
    headers = bearer(consultant)
    consultation = ConsultationFactory(customer=customer, consultant=li)
    response = client.post(
        f"/api/v1/customers/{customer.pk}/files",
        {
            "file": upload("正面.png", PNG),
            "kind": "photo",
            "consultation_id": consultation.pk,
            "description": "术前",
        },
        headers=headers,
    )
    assert response.status_code == 201, response.content
    customer_file = CustomerFile.objects.get()
    assert response.json() == {
        "id": customer_file.pk,
        "customer_id": customer.pk,
        "branch_id": customer.branch_id,
        "kind": "photo",
        "original_name": "正面.png",
        "size": len(PNG),
        "content_type": "image/png",
        "consultation_id": consultation.pk,
        "description": "术前",
        "download_url": f"/api/v1/customer-files/{customer_file.pk}/download",
        "created_at": iso(customer_file.created_at),
    }
    consultation_body_ = client.get(f"/api/v1/consultations/{consultation.pk}", headers=headers).json()
    assert consultation_body_["photo_ids"] == [customer_file.pk]

    before = counts()
    for data, field in (
        ({"file": upload("假的.pdf", PNG), "kind": "record"}, "file"),
        ({"file": upload("big.pdf", PDF + b"0" * (20 * 1024 * 1024)), "kind": "record"}, "file"),
        ({"file": upload("x.pdf", PDF), "kind": "virus"}, "kind"),
        ({"kind": "record"}, "file"),
    ):
        response = client.post(f"/api/v1/customers/{customer.pk}/files", data, headers=headers)
        assert (response.status_code, response["Content-Type"]) == (422, PROBLEM), response.content
        assert response.json()["errors"][0]["field"] == field
    assert counts() == before
    assert stored_files(media) == [customer_file.file.name]

    views = AuditEvent.objects.filter(action="view_file").count()
    response = client.get(f"/api/v1/customer-files/{customer_file.pk}/download", headers=headers)
    assert (response.status_code, response["Content-Type"]) == (200, "image/png")
    assert b"".join(response.streaming_content) == PNG
    assert AuditEvent.objects.filter(action="view_file").count() == views + 1
    listed = client.get(f"/api/v1/customers/{customer.pk}/files", {"kind": "photo"}, headers=headers).json()
    assert (listed["count"], listed["items"][0]["id"]) == (1, customer_file.pk)
    assert (
        client.get(f"/api/v1/customers/{customer.pk}/files", {"kind": "record"}, headers=headers).json()[
            "count"
        ]
        == 0
    )

    response = client.delete(f"/api/v1/customer-files/{customer_file.pk}", headers=headers)
    assert response.status_code == 403  # the consultant may not delete
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"/api/v1/customer-files/{customer_file.pk}", headers=bearer(manager))
    assert response.status_code == 204
    assert (CustomerFile.objects.count(), stored_files(media)) == (0, [])
    assert AuditEvent.objects.filter(module="customers", action="delete_file").count() == 1


@pytest.mark.req("CRM-05", "CRM-09", "CRM-06")
@pytest.mark.parametrize(
    ("path", "queries"),
    # token with its user, user perms, group perms, data scope, [the customer], count, rows
    # (+ their photos for consultations)
    [
        ("/api/v1/consultations", 7),
        ("/api/v1/complaints", 6),
        ("/api/v1/customers/{customer}/consultations", 8),
        ("/api/v1/customers/{customer}/complaints", 7),
        ("/api/v1/customers/{customer}/files", 7),
    ],
)
def test_list_endpoint_query_counts_do_not_grow_with_rows(
    client, manager, customer, li, reasons, path, queries
):
    headers = bearer(manager)
    target = path.format(customer=customer.pk)

    def add(n):
        for _ in range(n):
            consultation = ConsultationFactory(
                customer=customer, consultant=li, outcome="no_deal", outcome_reason=reasons["price"]
            )
            CustomerFile.objects.create(
                customer=customer,
                branch=customer.branch,
                consultation=consultation,
                kind="photo",
                file="customers/x.png",
                original_name="x.png",
                size=1,
                content_type="image/png",
            )
            ComplaintFactory(customer=customer, assignee=li, status="assigned")

    add(3)
    client.get(target, headers=headers)
    with CaptureQueriesContext(connection) as few:
        assert client.get(target, headers=headers).json()["count"] == 3
    add(12)
    with CaptureQueriesContext(connection) as many:
        assert client.get(target, headers=headers).json()["count"] == 15
    assert len(many) == len(few) == queries


@pytest.mark.req("INT-01", "CRM-05", "CRM-09", "CRM-06")
def test_no_input_makes_the_record_endpoints_fail(branch, consultant, customer, media):
    """Schemathesis over every record endpoint as a consultant (the inputs reach the services)."""
    headers = bearer(consultant)
    with wsgi_schema() as schema:
        ops = operations(
            schema,
            (
                "/api/v1/customers/{customer_id}/",
                "/api/v1/consultations",
                "/api/v1/complaints",
                "/api/v1/customer-files",
            ),
        )
        ops = [op for op in ops if any(part in op.path for part in ("consultations", "complaints", "files"))]
        assert len(ops) == 16
        for operation in ops:
            assert_never_fails(operation, headers, max_examples=15)
