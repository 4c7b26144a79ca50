"""Pages of consultations, complaints and archive files: permission matrix, data scope, lists
(filters, pinned query counts, no export), forms with ``?next=``, the audited download, the
archive sections and the menu."""

import datetime
import html
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from medspa.accounts.choices import DataScope
from medspa.audit.models import AuditEvent
from medspa.core import menu
from medspa.customers import archive, record_services, record_views
from medspa.customers.models import Complaint, Consultation, CustomerFile
from tests.customers.factories import ComplaintFactory, ConsultationFactory, CustomerFactory
from tests.customers.test_records_support import *  # noqa: F403 - fixtures
from tests.customers.test_records_support import (
    PDF,
    PNG,
    ago,
    counts,
    record_writes,
    stored_files,
    upload,
)
from tests.organization.factories import StaffFactory, scoped_user

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"customer_records:{name}", args=args)


def local(value):
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def consultation_post(**overrides):
    data = {
        "consulted_at": local(ago(hours=1)),
        "channel": "phone",
        "projects": "光子嫩肤",
        "content": "电话咨询光子嫩肤",
        "chat_log": "",
        "potential_needs": "",
        "outcome": "deal",
        "outcome_reason": "",
    }
    data.update(overrides)
    return data


def file_of(customer, name="病历.pdf", content=PDF, kind="record", consultation=None):
    """A stored file made through the service (as its customer's consultant would)."""
    return record_services.customer_file_upload(
        actor=_uploader(customer),
        customer_id=customer.pk,
        kind=kind,
        upload=upload(name, content),
        consultation_id=consultation.pk if consultation else None,
    )


def _uploader(customer):
    return scoped_user(customer.branch, ["customers.add_customerfile"], DataScope.ORGANISATION)


# --- permission matrix -------------------------------------------------------------------------


@pytest.fixture
def records(customer, wang_customer, east_customer, li, wang, zhao, media):
    """One consultation, complaint and file per customer: 张三 (李咨询's), 王五 (王咨询's, same
    branch) and 东区客户 (east branch)."""
    result = {}
    for c, staff in ((customer, li), (wang_customer, wang), (east_customer, zhao)):
        result[c.name] = {
            "consultation": ConsultationFactory(customer=c, consultant=staff, content=f"{c.name}的咨询"),
            "complaint": ComplaintFactory(customer=c, content=f"{c.name}的投诉"),
            "file": file_of(c, name=f"{c.name}.pdf"),
        }
    return result


def snapshot_state():
    return (
        counts(),
        list(Consultation.objects.order_by("pk").values_list("content", "outcome", "consultant_id")),
        list(Complaint.objects.order_by("pk").values_list("status", "assignee_id", "resolution")),
        AuditEvent.objects.filter(action="view_file").count(),
    )


def pages_for(records_of, customer):
    """(method, url, data) of every page of one customer's records."""
    consultation = records_of["consultation"]
    complaint = records_of["complaint"]
    customer_file = records_of["file"]
    return [
        ("get", url("consultation_detail", consultation.pk), None),
        ("get", url("consultation_edit", consultation.pk), None),
        ("post", url("consultation_edit", consultation.pk), consultation_post(content="改")),
        ("get", url("consultation_create", customer.pk), None),
        ("post", url("consultation_create", customer.pk), consultation_post()),
        ("get", url("complaint_detail", complaint.pk), None),
        ("get", url("complaint_assign", complaint.pk), None),
        ("post", url("complaint_assign", complaint.pk), {"assignee": ""}),
        ("get", url("complaint_resolve", complaint.pk), None),
        ("post", url("complaint_resolve", complaint.pk), {"resolution": "已处理"}),
        ("get", url("complaint_create", customer.pk), None),
        ("post", url("complaint_create", customer.pk), {"received_at": local(ago(hours=1)), "content": "x"}),
        ("get", url("file_upload", customer.pk), None),
        ("post", url("file_upload", customer.pk), {"kind": "other"}),
        ("get", url("file_download", customer_file.pk), None),
        ("get", url("file_delete", customer_file.pk), None),
        ("post", url("file_delete", customer_file.pk), {}),
        ("get", url("customer_records", customer.pk), None),
        ("get", url("customer_record_section", customer.pk, "consultations"), None),
    ]


@pytest.mark.req("CRM-05", "CRM-09", "CRM-06", "PLT-05")
def test_every_record_page_matrix(client, logged_in, records, customer, east_customer, nobody, manager):
    before = snapshot_state()
    for method, target, data in pages_for(records["张三"], customer):
        response = getattr(client, method)(target, data or {})
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={target}"), (
            target
        )
    client.force_login(nobody)
    for method, target, data in pages_for(records["张三"], customer):
        assert getattr(client, method)(target, data or {}).status_code == 403, target
    client.force_login(manager)  # every record permission, branch scope: the east branch is out
    for method, target, data in pages_for(records["东区客户"], east_customer):
        assert getattr(client, method)(target, data or {}).status_code == 404, target
    for name in (
        "consultation_detail",
        "consultation_edit",
        "complaint_detail",
        "complaint_assign",
        "complaint_resolve",
        "file_download",
        "file_delete",
    ):
        assert client.get(url(name, 999999)).status_code == 404
    for name in ("consultation_create", "complaint_create", "file_upload", "customer_records"):
        assert client.get(url(name, 999999)).status_code == 404
    assert snapshot_state() == before
    for method, target, _data in pages_for(records["张三"], customer):
        if method == "get":
            assert client.get(target).status_code == 200, target


@pytest.mark.req("CRM-05", "CRM-09", "CRM-06", "PLT-05")
def test_an_own_scoped_consultant_cannot_reach_another_consultants_customer(
    logged_in, records, wang_customer, consultant, customer
):
    client = logged_in(consultant)
    before = snapshot_state()
    for method, target, data in pages_for(records["王五"], wang_customer):
        status = getattr(client, method)(target, data or {}).status_code
        # 咨询师 may not assign, resolve or delete at all (403 before the scope); everything else: 404
        assert status in (403, 404), target
        if not any(part in target for part in ("/assign/", "/resolve/", "/delete/")):
            assert status == 404, target
    assert snapshot_state() == before
    # her own customer's records open
    for name, pk in (
        ("consultation_detail", records["张三"]["consultation"].pk),
        ("complaint_detail", records["张三"]["complaint"].pk),
    ):
        assert client.get(url(name, pk)).status_code == 200


# --- lists -------------------------------------------------------------------------------------


@pytest.mark.req("CRM-05", "PLT-05")
def test_consultation_list_rows_scope_and_filters(
    logged_in, customer, wang_customer, east_customer, li, wang, zhao, reasons, consultant, service
):
    ConsultationFactory(
        customer=customer, consultant=li, content="A", channel="phone", consulted_at=ago(days=10)
    )
    ConsultationFactory(
        customer=customer,
        consultant=li,
        content="B",
        outcome="no_deal",
        outcome_reason=reasons["price"],
        consulted_at=ago(days=1),
    )
    ConsultationFactory(
        customer=wang_customer, consultant=wang, content="C", channel="wechat", consulted_at=ago(hours=2)
    )
    ConsultationFactory(customer=east_customer, consultant=zhao, content="D")
    target = url("consultation_list")

    html = logged_in(service).get(target).content.decode()
    assert "王五" in html and "张三" in html and "东区客户" not in html
    assert html.index("王五") < html.index("张三")  # newest first
    assert "价格" in html
    assert 'data-testid="export-csv"' not in html

    def listed(client, **params):
        text = client.get(target, params).content.decode()
        return sorted(re.findall(r'consultations/(\d+)/"', text))

    client = logged_in(service)
    by_pk = {c.content: str(c.pk) for c in Consultation.objects.all()}
    assert listed(client, consultant=wang.pk) == [by_pk["C"]]
    assert listed(client, outcome="no_deal") == [by_pk["B"]]
    assert listed(client, channel="phone") == [by_pk["A"]]
    today = timezone.localdate()
    assert listed(client, date_from=(today - datetime.timedelta(days=2)).isoformat()) == sorted(
        [by_pk["B"], by_pk["C"]]
    )
    assert listed(client, date_to=(today - datetime.timedelta(days=5)).isoformat()) == [by_pk["A"]]
    assert listed(client, q="张三") == sorted([by_pk["A"], by_pk["B"]])
    assert listed(client, q="zs") == sorted(
        [by_pk["A"], by_pk["B"]]
    )  # pinyin initials, like the customer search
    client.logout()
    assert listed(logged_in(consultant)) == sorted([by_pk["A"], by_pk["B"]])  # own customers only


@pytest.mark.req("CRM-09", "PLT-05")
def test_complaint_work_list_rows_and_filters(logged_in, customer, wang_customer, east_customer, li, service):
    a = ComplaintFactory(
        customer=customer, status="resolved", content="已解决的投诉", received_at=ago(hours=1)
    )
    b = ComplaintFactory(
        customer=wang_customer,
        status="assigned",
        assignee=li,
        content="处理中的投诉",
        received_at=ago(days=3),
    )
    c = ComplaintFactory(customer=customer, status="open", content="待处理的投诉", received_at=ago(days=8))
    ComplaintFactory(customer=east_customer, content="东区的投诉")
    client = logged_in(service)
    target = url("complaint_list")
    html = client.get(target).content.decode()
    assert html.index("待处理的投诉") < html.index("处理中的投诉") < html.index("已解决的投诉")
    assert "东区的投诉" not in html
    assert client.get(target, {"export": "csv"}).status_code == 403  # no export for complaints

    def listed(**params):
        text = client.get(target, params).content.decode()
        return sorted(int(pk) for pk in re.findall(r'complaints/(\d+)/"', text))

    assert listed(status="open") == [c.pk]
    assert listed(assignee=li.pk) == [b.pk]
    today = timezone.localdate()
    assert listed(date_from=(today - datetime.timedelta(days=5)).isoformat()) == sorted([a.pk, b.pk])
    assert listed(date_to=(today - datetime.timedelta(days=5)).isoformat()) == [c.pk]
    assert listed(q="王五") == [b.pk]
    assert listed(status="bogus") == []  # an invalid filter lists nothing


@pytest.mark.req("CRM-05", "CRM-09")
@pytest.mark.parametrize(
    ("name", "queries"),
    # session, user, branches of the layout, user perms, group perms, data scope, count, the staff
    # filter's choices, rows (+ their photos for consultations)
    [("consultation_list", 10), ("complaint_list", 9)],
)
def test_list_query_counts_do_not_grow_with_rows(
    logged_in, service, customer, li, reasons, django_assert_num_queries, name, queries
):
    client = logged_in(service)
    target = url(name)

    def add(n):
        for _ in range(n):
            other = CustomerFactory(branch=customer.branch, consultant=li)
            consultation = ConsultationFactory(
                customer=other, consultant=li, outcome="no_deal", outcome_reason=reasons["price"]
            )
            CustomerFile.objects.create(
                customer=other,
                branch=other.branch,
                consultation=consultation,
                kind="photo",
                file="customers/x.png",
                original_name="x.png",
                size=1,
                content_type="image/png",
            )
            ComplaintFactory(customer=other, assignee=li, status="assigned")

    add(3)
    client.get(target)
    with django_assert_num_queries(queries):
        assert client.get(target).status_code == 200
    add(12)
    with django_assert_num_queries(queries):
        response = client.get(target)
    assert response.content.decode().count("<tr>") == 1 + 15


# --- forms -------------------------------------------------------------------------------------


@pytest.mark.req("CRM-05")
def test_record_a_consultation_through_the_page_and_return_to_next(
    logged_in, consultant, customer, li, reasons
):
    client = logged_in(consultant)
    back = f"/customers/{customer.pk}/?section=consultations"
    target = url("consultation_create", customer.pk) + f"?next={back}"
    html = client.get(target).content.decode()
    assert "张三" in html and 'name="next"' in html and "李咨询" in html
    response = client.post(
        target, consultation_post(outcome="no_deal", outcome_reason=reasons["price"].pk, consultant=li.pk)
    )
    assert (response.status_code, response["Location"]) == (302, back)
    consultation = Consultation.objects.get()
    assert (
        consultation.channel,
        consultation.outcome,
        consultation.outcome_reason_id,
        consultation.consultant_id,
    ) == (
        "phone",
        "no_deal",
        reasons["price"].pk,
        li.pk,
    )
    # an off-site next is ignored: the consultation's page instead
    response = client.post(
        url("consultation_create", customer.pk) + "?next=https://evil.example/",
        consultation_post(consultant=li.pk),
    )
    assert response["Location"] == url("consultation_detail", Consultation.objects.latest("pk").pk)


@pytest.mark.req("CRM-05")
def test_consultation_page_bad_input_shows_the_message_and_writes_nothing(
    logged_in, consultant, customer, li, reasons
):
    client = logged_in(consultant)
    target = url("consultation_create", customer.pk)
    before = counts()
    future = local(ago(hours=-3))
    cases = [
        (
            consultation_post(consultant=li.pk, consulted_at=future),
            gettext("The %(field)s cannot be in the future.") % {"field": gettext("consultation time")},
        ),
        (
            consultation_post(consultant=li.pk, outcome="no_deal"),
            gettext("Choose why the consultation did not end in a deal."),
        ),
        (
            consultation_post(consultant=li.pk, outcome="deal", outcome_reason=reasons["price"].pk),
            gettext("A consultation that ended in a deal has no reason for not closing."),
        ),
    ]
    for data, message in cases:
        response = client.post(target, data)
        assert response.status_code == 422
        assert message in response.content.decode()
    assert counts() == before


@pytest.mark.req("CRM-05", "CRM-06")
def test_consultation_page_uploads_photos_with_it(logged_in, consultant, customer, li, media):
    client = logged_in(consultant)
    response = client.post(
        url("consultation_create", customer.pk),
        {**consultation_post(consultant=li.pk), "photos": [upload("a.png", PNG), upload("b.png", PNG)]},
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert sorted(consultation.photos.values_list("original_name", flat=True)) == ["a.png", "b.png"]
    html = client.get(url("consultation_detail", consultation.pk)).content.decode()
    for photo in consultation.photos.all():
        assert url("file_download", photo.pk) + "?inline=1" in html
    before = counts()
    response = client.post(
        url("consultation_create", customer.pk),
        {**consultation_post(consultant=li.pk), "photos": [upload("a.pdf", PDF)]},
    )
    assert response.status_code == 422
    assert gettext("A photo must be an image (JPEG, PNG or WebP).") in response.content.decode()
    assert counts() == before


@pytest.mark.req("CRM-05")
def test_edit_a_consultation_through_the_page(logged_in, consultant, customer, li, reasons):
    consultation = ConsultationFactory(
        customer=customer, consultant=li, outcome="no_deal", outcome_reason=reasons["price"]
    )
    client = logged_in(consultant)
    target = url("consultation_edit", consultation.pk)
    html = client.get(target).content.decode()
    assert 'value="咨询内容"' not in html and "咨询内容" in html  # textarea holds the content
    response = client.post(
        target,
        consultation_post(
            consultant=li.pk, content="改过的内容", outcome="no_deal", outcome_reason=reasons["reconsider"].pk
        ),
    )
    assert (response.status_code, response["Location"]) == (302, url("consultation_detail", consultation.pk))
    consultation.refresh_from_db()
    assert (consultation.content, consultation.outcome_reason_id) == ("改过的内容", reasons["reconsider"].pk)


@pytest.mark.req("CRM-09")
def test_complaint_intake_assignment_and_resolution_through_the_pages(logged_in, service, customer, li):
    client = logged_in(service)
    back = f"/customers/{customer.pk}/?section=complaints"
    response = client.post(
        url("complaint_create", customer.pk) + f"?next={back}",
        {"received_at": local(ago(hours=1)), "content": "前台态度不好"},
    )
    assert (response.status_code, response["Location"]) == (302, back)
    complaint = Complaint.objects.get()
    html = client.get(url("complaint_detail", complaint.pk)).content.decode()
    assert 'data-testid="assign"' in html and 'data-testid="resolve"' in html
    assert client.post(url("complaint_assign", complaint.pk), {"assignee": li.pk}).status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.assignee_id) == ("assigned", li.pk)
    response = client.post(
        url("complaint_resolve", complaint.pk) + f"?next={back}", {"resolution": "已道歉并回访"}
    )
    assert (response.status_code, response["Location"]) == (302, back)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolution) == ("resolved", "已道歉并回访")
    html = client.get(url("complaint_detail", complaint.pk)).content.decode()
    assert 'data-testid="resolve"' not in html
    before = counts()
    response = client.post(url("complaint_resolve", complaint.pk), {"resolution": "再次处理"})
    assert response.status_code == 422
    assert (
        gettext("This complaint is %(status)s; it can no longer be changed.")
        % {"status": gettext("Resolved")}
        in response.content.decode()
    )
    assert counts() == before


@pytest.mark.req("CRM-06")
def test_upload_download_and_delete_through_the_pages(
    logged_in, manager, consultant, customer, li, media, django_capture_on_commit_callbacks
):
    client = logged_in(consultant)
    back = f"/customers/{customer.pk}/?section=files"
    response = client.post(
        url("file_upload", customer.pk) + f"?next={back}",
        {"kind": "consent", "file": upload("知情同意书.pdf", PDF), "description": "注射同意书"},
    )
    assert (response.status_code, response["Location"]) == (302, back)
    customer_file = CustomerFile.objects.get()
    assert (customer_file.kind, customer_file.original_name, customer_file.description) == (
        "consent",
        "知情同意书.pdf",
        "注射同意书",
    )

    before = counts()
    response = client.post(
        url("file_upload", customer.pk), {"kind": "consent", "file": upload("假的.pdf", PNG)}
    )
    assert response.status_code == 422
    assert gettext("The file's content does not match its name %(name)s: upload a real PDF or image.") % {
        "name": "假的.pdf"
    } in html.unescape(response.content.decode())
    assert counts() == before

    views_before = AuditEvent.objects.filter(action="view_file").count()
    response = client.get(url("file_download", customer_file.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    response = client.get(url("file_download", customer_file.pk), {"inline": "1"})
    assert response["Content-Disposition"].startswith("inline;")
    b"".join(response.streaming_content)
    event = AuditEvent.objects.filter(action="view_file").latest("pk")
    assert (AuditEvent.objects.filter(action="view_file").count(), event.actor_id, event.object_id) == (
        views_before + 2,
        consultant.pk,
        str(customer_file.pk),
    )
    assert client.get(url("file_delete", customer_file.pk)).status_code == 403  # consultant may not delete
    client.logout()
    client = logged_in(manager)
    name = customer_file.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("file_delete", customer_file.pk) + f"?next={back}")
    assert (response.status_code, response["Location"]) == (302, back)
    assert CustomerFile.objects.count() == 0
    assert name not in stored_files(media)


@pytest.mark.req("CRM-06")
def test_files_are_never_served_from_a_public_url(client, logged_in, consultant, customer, media):
    customer_file = file_of(customer)
    assert client.get(f"/media/{customer_file.file.name}").status_code == 404
    client.force_login(consultant)
    assert client.get(f"/media/{customer_file.file.name}").status_code == 404


@pytest.mark.req("CRM-06")
def test_download_matrix_audits_only_allowed_reads(client, logged_in, records, consultant, service, nobody):
    mine = records["张三"]["file"]
    theirs = records["王五"]["file"]
    east = records["东区客户"]["file"]
    before = AuditEvent.objects.filter(action="view_file").count()
    assert client.get(url("file_download", mine.pk)).status_code == 302
    client.force_login(nobody)
    assert client.get(url("file_download", mine.pk)).status_code == 403
    client.force_login(service)  # 客服 holds no file permission
    assert client.get(url("file_download", mine.pk)).status_code == 403
    client.force_login(consultant)
    assert client.get(url("file_download", theirs.pk)).status_code == 404
    assert client.get(url("file_download", east.pk)).status_code == 404
    assert AuditEvent.objects.filter(action="view_file").count() == before
    assert client.get(url("file_download", mine.pk)).status_code == 200
    assert AuditEvent.objects.filter(action="view_file").count() == before + 1


# --- archive sections --------------------------------------------------------------------------


def render(section_key, actor, customer):
    section = archive.section(section_key)
    return render_to_string(section.template, section.context(actor, customer))


@pytest.mark.req("CRM-06", "CRM-05", "CRM-09")
def test_sections_are_registered_with_their_permission(consultant, service, director, nobody):
    for key, perm in (
        ("consultations", "customers.view_consultation"),
        ("complaints", "customers.view_complaint"),
        ("files", "customers.view_customerfile"),
    ):
        section = archive.section(key)
        assert (section.permission, section.template) == (perm, f"customers/record_{key}_section.html")
    keys = lambda actor: [s.key for s in archive.sections_for(actor) if s.key in record_views.SECTION_KEYS]  # noqa: E731
    assert keys(consultant) == ["consultations", "complaints", "files"]
    assert keys(service) == ["consultations", "complaints"]
    assert keys(nobody) == []


@pytest.mark.req("CRM-05", "CRM-06")
def test_consultations_section_shows_outcomes_photos_and_the_form_per_permission(
    consultant, director, customer, li, reasons, media
):
    deal = ConsultationFactory(customer=customer, consultant=li, consulted_at=ago(days=2), projects="热玛吉")
    no_deal = ConsultationFactory(
        customer=customer,
        consultant=li,
        outcome="no_deal",
        outcome_reason=reasons["price"],
        consulted_at=ago(days=1),
    )
    photo = file_of(customer, name="正面.png", content=PNG, kind="photo", consultation=deal)
    html = render("consultations", consultant, customer)
    assert html.index(f"consultations/{no_deal.pk}/") < html.index(
        f"consultations/{deal.pk}/"
    )  # newest first
    assert "未成交：价格" in html or f"{gettext('No deal')}：价格" in html
    assert url("file_download", photo.pk) + "?inline=1" in html
    assert 'data-testid="add-consultation"' in html
    assert f'action="{url("consultation_create", customer.pk)}?next=' in html
    assert "热玛吉" in html
    html = render("consultations", director, customer)  # 院长 views only
    assert 'data-testid="add-consultation"' not in html and "edit-consultation" not in html
    assert url("file_download", photo.pk) in html  # 院长 may view files


@pytest.mark.req("CRM-09", "CRM-06")
def test_complaints_section_flags_open_ones_and_offers_actions_per_permission(
    service, consultant, customer, li
):
    ComplaintFactory(customer=customer, status="resolved", resolution="已退款", received_at=ago(days=9))
    ComplaintFactory(customer=customer, status="open", content="还没处理")
    html = render("complaints", service, customer)
    assert 'data-testid="complaints-open-badge"' in html
    assert html.count('data-testid="assign-form"') == 1 and html.count('data-testid="resolve-form"') == 1
    assert html.count('data-status="open"') == 1 and "已退款" in html
    assert "李咨询" in html  # assignee choices
    html = render("complaints", consultant, customer)  # may add, not handle
    assert 'data-testid="add-complaint"' in html and 'data-testid="assign-form"' not in html


@pytest.mark.req("CRM-06")
def test_files_section_groups_by_kind(consultant, manager, customer, media):
    file_of(customer, name="处方1.pdf", kind="prescription")
    file_of(customer, name="同意书.pdf", kind="consent")
    file_of(customer, name="处方2.pdf", kind="prescription")
    html = render("files", consultant, customer)
    kinds = re.findall(r'data-kind="(\w+)"', html)
    assert kinds == ["prescription", "consent"]  # in the order of FileKind
    assert html.index("处方2.pdf") < html.index("处方1.pdf")  # newest first within a kind
    assert 'data-testid="upload-file"' in html and 'data-testid="delete-file"' not in html
    assert 'data-testid="delete-file"' in render("files", manager, customer)


@pytest.mark.req("CRM-06")
@pytest.mark.parametrize(
    ("key", "queries"),
    # rows + photos + consultant and reason choices; rows + open count + assignees; rows + the
    # upload form's consultations
    [("consultations", 4), ("complaints", 3), ("files", 2)],
)
def test_section_queries_do_not_grow_with_rows(
    manager, customer, li, reasons, media, django_assert_num_queries, key, queries
):
    actor = manager  # every permission: every form is rendered
    actor.staff = li
    actor.save()

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
    render(key, actor, customer)  # warm the permission and scope caches
    with django_assert_num_queries(queries):
        render(key, actor, customer)
    add(12)
    with django_assert_num_queries(queries):
        render(key, actor, customer)


@pytest.mark.req("CRM-06")
def test_records_page_and_section_fragments(logged_in, consultant, service, customer, li):
    ConsultationFactory(customer=customer, consultant=li, content="第一次咨询")
    client = logged_in(service)
    html = client.get(url("customer_records", customer.pk)).content.decode()
    assert 'data-section="consultations"' in html and 'data-section="complaints"' in html
    assert 'data-section="files"' not in html and "第一次咨询" in html
    assert client.get(url("customer_record_section", customer.pk, "files")).status_code == 403
    assert client.get(url("customer_record_section", customer.pk, "nothing")).status_code == 404
    response = client.get(
        url("customer_record_section", customer.pk, "consultations"), headers={"HX-Request": "true"}
    )
    fragment = response.content.decode()
    assert "第一次咨询" in fragment and "<html" not in fragment


@pytest.mark.req("CRM-06")
def test_the_archive_shows_the_sections(logged_in, consultant, customer, li):
    ConsultationFactory(customer=customer, consultant=li, content="档案里的咨询")
    ComplaintFactory(customer=customer, content="档案里的投诉")
    client = logged_in(consultant)
    archive_url = reverse("customers:customer_detail", args=[customer.pk])
    for key, text in (("consultations", "档案里的咨询"), ("complaints", "档案里的投诉")):
        response = client.get(archive_url, {"section": key})
        assert response.status_code == 200
        html = response.content.decode()
        assert f'data-testid="section-{key}"' in html and text in html
        # the section's forms come back to the archive with this section open
        assert f"?next=/customers/{customer.pk}/%3Fsection%3D{key}" in html


@pytest.mark.req("CRM-05", "CRM-09")
def test_menu_entries_follow_the_permissions(consultant, service, nobody):
    def entries(user):
        return [
            i.key
            for g in menu.menu_for(user)
            for i in g.items
            if i.key in ("customers-consultations", "customers-complaints")
        ]

    assert entries(consultant) == ["customers-consultations", "customers-complaints"]
    assert entries(nobody) == []
    item = next(i for g in menu.menu_for(service) for i in g.items if i.key == "customers-complaints")
    assert (item.order, str(item.group), item.url) == (120, gettext("Customers"), "/customers/complaints/")


@pytest.mark.req("CRM-05")
def test_another_staff_member_may_be_the_consultant(logged_in, manager, customer, wang):
    StaffFactory(branch=customer.branch, employee_no="Z1", name="离职的", is_active=False)
    client = logged_in(manager)
    html = client.get(url("consultation_create", customer.pk)).content.decode()
    assert "王咨询" in html and "离职的" not in html
    response = client.post(url("consultation_create", customer.pk), consultation_post(consultant=wang.pk))
    assert response.status_code == 302
    assert Consultation.objects.get().consultant_id == wang.pk
    assert record_writes() >= 1
