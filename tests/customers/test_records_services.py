"""Consultations (CRM-05), complaints (CRM-09) and archive files (CRM-06) through their services
and selectors: exact values, refusals that write nothing, the data scope."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone
from django.utils.translation import gettext

from medspa.accounts.choices import DataScope
from medspa.audit.models import AuditEvent
from medspa.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationError
from medspa.customers import record_selectors as selectors
from medspa.customers import record_services as services
from medspa.customers.models import Complaint, Consultation, CustomerFile
from tests.customers.factories import ComplaintFactory, ConsultationFactory, CustomerFactory
from tests.customers.test_records_support import *  # noqa: F403 - fixtures
from tests.customers.test_records_support import (
    JPEG,
    PDF,
    PNG,
    WEBP,
    ago,
    consultation_input,
    counts,
    record_writes,
    stored_files,
    upload,
)
from tests.organization.factories import StaffFactory, scoped_user

pytestmark = pytest.mark.django_db


def refused(exc_type, call, *, field=None, message=None):
    """``call()`` raises ``exc_type`` (with ``field`` and ``message`` when given) and writes nothing."""
    before = counts()
    with pytest.raises(exc_type) as info:
        call()
    assert counts() == before
    if field is not None:
        assert info.value.field == field
    if message is not None:
        assert info.value.message == message
    return info.value


# --- consultations -----------------------------------------------------------------------------


@pytest.mark.req("CRM-05")
def test_consultation_create_records_every_field_and_one_audit_event(consultant, customer, li, branch):
    at = ago(hours=2).replace(microsecond=0)
    consultation = services.consultation_create(
        actor=consultant,
        customer_id=customer.pk,
        data=consultation_input(
            consulted_at=at,
            channel="wechat",
            projects=" 玻尿酸隆鼻、光子嫩肤 ",
            content=" 想做鼻部玻尿酸 ",
            chat_log="客户：多少钱？\n咨询师：…",
            potential_needs="抗衰",
        ),
    )
    consultation = Consultation.objects.get()
    assert (
        consultation.customer_id,
        consultation.branch_id,
        consultation.consulted_at,
        consultation.consultant_id,
        consultation.channel,
        consultation.projects,
        consultation.content,
        consultation.chat_log,
        consultation.potential_needs,
        consultation.outcome,
        consultation.outcome_reason_id,
        consultation.created_by_id,
    ) == (
        customer.pk,
        branch.pk,
        at,
        li.pk,  # the actor's own staff record by default
        "wechat",
        "玻尿酸隆鼻、光子嫩肤",
        "想做鼻部玻尿酸",
        "客户：多少钱？\n咨询师：…",
        "抗衰",
        "deal",
        None,
        consultant.pk,
    )
    event = AuditEvent.objects.get(module="customers")
    assert (event.action, event.object_type, event.object_id, event.branch_id, event.actor_id) == (
        "create_consultation",
        "customers.consultation",
        str(consultation.pk),
        branch.pk,
        consultant.pk,
    )
    assert event.changes["outcome"] == [None, "deal"]
    assert event.changes["consultant"] == [None, li.pk]


@pytest.mark.req("CRM-05")
def test_no_deal_needs_an_active_reason_of_the_organisation(consultant, customer, reasons):
    def create(**overrides):
        return lambda: services.consultation_create(
            actor=consultant, customer_id=customer.pk, data=consultation_input(**overrides)
        )

    refused(
        ValidationError,
        create(outcome="no_deal"),
        field="outcome_reason",
        message=gettext("Choose why the consultation did not end in a deal."),
    )
    refused(
        ValidationError,
        create(outcome="deal", outcome_reason_id=reasons["price"].pk),
        field="outcome_reason",
        message=gettext("A consultation that ended in a deal has no reason for not closing."),
    )
    for key in ("old", "foreign", "region"):
        refused(
            ValidationError,
            create(outcome="no_deal", outcome_reason_id=reasons[key].pk),
            field="outcome_reason",
            message=gettext("Choose an active reason from the list."),
        )
    refused(ValidationError, create(outcome="no_deal", outcome_reason_id=-1), field="outcome_reason")
    refused(ValidationError, create(outcome="maybe"), field="outcome")
    consultation = create(outcome="no_deal", outcome_reason_id=reasons["price"].pk)()
    assert (consultation.outcome, consultation.outcome_reason_id) == ("no_deal", reasons["price"].pk)


@pytest.mark.req("CRM-05")
def test_consultation_time_must_be_aware_and_not_in_the_future(consultant, customer):
    def create(at):
        return lambda: services.consultation_create(
            actor=consultant, customer_id=customer.pk, data=consultation_input(consulted_at=at)
        )

    error = refused(
        ValidationError, create(timezone.now() + datetime.timedelta(hours=1)), field="consulted_at"
    )
    assert error.message == gettext("The %(field)s cannot be in the future.") % {
        "field": gettext("consultation time")
    }
    refused(ValidationError, create(datetime.datetime(2025, 1, 1, 10, 0)), field="consulted_at")  # noqa: DTZ001
    refused(
        ValidationError, create(datetime.datetime(1899, 12, 31, tzinfo=datetime.UTC)), field="consulted_at"
    )
    refused(ValidationError, create(None), field="consulted_at")
    # a client clock a little ahead is not the future
    consultation = create(timezone.now() + datetime.timedelta(minutes=2))()
    assert Consultation.objects.get().pk == consultation.pk


@pytest.mark.req("CRM-05")
def test_consultant_must_be_active_staff_of_the_organisation(
    consultant, manager, customer, li, zhao, foreign_branch
):
    left = StaffFactory(branch=li.branch, employee_no="X001", is_active=False)
    foreigner = StaffFactory(branch=foreign_branch, employee_no="F001")
    for staff_id in (left.pk, foreigner.pk, -1):
        refused(
            ValidationError,
            lambda staff_id=staff_id: services.consultation_create(
                actor=consultant, customer_id=customer.pk, data=consultation_input(consultant_id=staff_id)
            ),
            field="consultant",
            message=gettext("Choose an active staff member."),
        )
    # the manager has no staff record: she must name the consultant
    refused(
        ValidationError,
        lambda: services.consultation_create(
            actor=manager, customer_id=customer.pk, data=consultation_input()
        ),
        field="consultant",
    )
    consultation = services.consultation_create(
        actor=manager, customer_id=customer.pk, data=consultation_input(consultant_id=zhao.pk)
    )
    assert consultation.consultant_id == zhao.pk  # any active staff of the organisation


@pytest.mark.req("CRM-05")
def test_consultation_text_checks(consultant, customer):
    cases = [
        ({"content": "  "}, "content"),
        ({"projects": "项" * 201}, "projects"),
        ({"chat_log": "聊" * 20001}, "chat_log"),
        ({"potential_needs": "需" * 2001}, "potential_needs"),
        ({"channel": "fax"}, "channel"),
    ]
    for overrides, field in cases:
        refused(
            ValidationError,
            lambda overrides=overrides: services.consultation_create(
                actor=consultant, customer_id=customer.pk, data=consultation_input(**overrides)
            ),
            field=field,
        )


@pytest.mark.req("CRM-05", "PLT-05")
def test_consultation_create_reaches_only_customers_in_scope(
    consultant, nobody, customer, wang_customer, east_customer, foreign_branch
):
    foreign_customer = CustomerFactory(branch=foreign_branch)
    for target in (wang_customer, east_customer, foreign_customer):
        refused(
            NotFound,
            lambda target=target: services.consultation_create(
                actor=consultant, customer_id=target.pk, data=consultation_input()
            ),
        )
    refused(
        NotFound,
        lambda: services.consultation_create(actor=consultant, customer_id=-1, data=consultation_input()),
    )
    refused(
        PermissionDenied,
        lambda: services.consultation_create(
            actor=nobody, customer_id=customer.pk, data=consultation_input()
        ),
    )


@pytest.mark.req("CRM-05")
def test_consultation_update_changes_and_records_the_difference(consultant, customer, li, wang, reasons):
    consultation = services.consultation_create(
        actor=consultant, customer_id=customer.pk, data=consultation_input()
    )
    services.consultation_update(
        actor=consultant,
        consultation_id=consultation.pk,
        data=consultation_input(
            consulted_at=consultation.consulted_at,
            outcome="no_deal",
            outcome_reason_id=reasons["price"].pk,
            consultant_id=wang.pk,
        ),
    )
    consultation.refresh_from_db()
    assert (consultation.outcome, consultation.outcome_reason_id, consultation.consultant_id) == (
        "no_deal",
        reasons["price"].pk,
        wang.pk,
    )
    event = AuditEvent.objects.filter(module="customers").latest("pk")
    assert event.action == "update_consultation"
    assert event.changes == {
        "consultant": [li.pk, wang.pk],
        "outcome": ["deal", "no_deal"],
        "outcome_reason": [None, reasons["price"].pk],
    }


@pytest.mark.req("CRM-05")
def test_consultation_update_keeps_a_consultant_and_reason_deactivated_since(
    consultant, customer, li, reasons
):
    consultation = ConsultationFactory(
        customer=customer, consultant=li, outcome="no_deal", outcome_reason=reasons["old"]
    )
    li.is_active = False
    li.save()
    services.consultation_update(
        actor=consultant,
        consultation_id=consultation.pk,
        data=consultation_input(outcome="no_deal", outcome_reason_id=reasons["old"].pk, content="改了内容"),
    )
    consultation.refresh_from_db()
    assert (consultation.content, consultation.consultant_id, consultation.outcome_reason_id) == (
        "改了内容",
        li.pk,
        reasons["old"].pk,
    )


@pytest.mark.req("CRM-05", "PLT-05")
def test_consultation_update_outside_the_scope_is_not_found(
    consultant, nobody, wang_customer, customer, wang, li
):
    theirs = ConsultationFactory(customer=wang_customer, consultant=wang)
    mine = ConsultationFactory(customer=customer, consultant=li)
    refused(
        NotFound,
        lambda: services.consultation_update(
            actor=consultant, consultation_id=theirs.pk, data=consultation_input()
        ),
    )
    refused(
        PermissionDenied,
        lambda: services.consultation_update(
            actor=nobody, consultation_id=mine.pk, data=consultation_input()
        ),
    )
    theirs.refresh_from_db()
    assert theirs.content == "咨询内容"


@pytest.mark.req("CRM-05", "CRM-06")
def test_consultation_with_photos_stores_them_as_photo_files(consultant, customer, media):
    consultation = services.consultation_create(
        actor=consultant,
        customer_id=customer.pk,
        data=consultation_input(),
        photos=[upload("正面.png", PNG), upload("侧面.JPG", JPEG)],
    )
    photos = list(CustomerFile.objects.order_by("pk"))
    assert [(p.kind, p.consultation_id, p.original_name, p.content_type, p.size) for p in photos] == [
        ("photo", consultation.pk, "正面.png", "image/png", len(PNG)),
        ("photo", consultation.pk, "侧面.JPG", "image/jpeg", len(JPEG)),
    ]
    assert [p.file.read() for p in photos] == [PNG, JPEG]
    assert len(stored_files(media)) == 2
    actions = list(
        AuditEvent.objects.filter(module="customers").order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["create_consultation", "upload_file", "upload_file"]


@pytest.mark.req("CRM-05")
def test_a_bad_photo_refuses_the_whole_consultation(consultant, customer, media):
    error = refused(
        ValidationError,
        lambda: services.consultation_create(
            actor=consultant,
            customer_id=customer.pk,
            data=consultation_input(),
            photos=[upload("正面.png", PNG), upload("报告.pdf", PDF)],
        ),
        field="photos",
    )
    assert error.message == gettext("A photo must be an image (JPEG, PNG or WebP).")
    assert stored_files(media) == []


# --- complaints --------------------------------------------------------------------------------


@pytest.mark.req("CRM-09")
def test_complaint_from_intake_to_resolution(service, customer, li, branch):
    received = ago(hours=3).replace(microsecond=0)
    complaint = services.complaint_create(
        actor=service, customer_id=customer.pk, received_at=received, content=" 术后红肿，要求退款 "
    )
    complaint = Complaint.objects.get()
    assert (complaint.status, complaint.content, complaint.received_at, complaint.branch_id) == (
        "open",
        "术后红肿，要求退款",
        received,
        branch.pk,
    )
    services.complaint_assign(actor=service, complaint_id=complaint.pk, assignee_id=li.pk)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.assignee_id) == ("assigned", li.pk)
    with time_machine.travel(datetime.datetime(2030, 5, 6, 9, 30, tzinfo=datetime.UTC), tick=False):
        services.complaint_resolve(actor=service, complaint_id=complaint.pk, resolution=" 已复诊，免费修复 ")
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolution, complaint.resolved_at) == (
        "resolved",
        "已复诊，免费修复",
        datetime.datetime(2030, 5, 6, 9, 30, tzinfo=datetime.UTC),
    )
    events = AuditEvent.objects.filter(module="customers").order_by("pk")
    assert [e.action for e in events] == ["create_complaint", "assign_complaint", "resolve_complaint"]
    assert events[1].changes == {"assignee": [None, li.pk], "status": ["open", "assigned"]}
    assert events[2].changes["status"] == ["assigned", "resolved"]


@pytest.mark.req("CRM-09")
def test_a_resolved_complaint_cannot_be_resolved_or_assigned_again(service, customer, li):
    complaint = ComplaintFactory(customer=customer)
    services.complaint_resolve(actor=service, complaint_id=complaint.pk, resolution="已处理")
    error = refused(
        IllegalTransition,
        lambda: services.complaint_resolve(actor=service, complaint_id=complaint.pk, resolution="再处理"),
    )
    assert (error.code, error.status) == ("illegal_transition", 409)
    assert error.message == gettext("This complaint is %(status)s; it can no longer be changed.") % {
        "status": gettext("Resolved")
    }
    refused(
        IllegalTransition,
        lambda: services.complaint_assign(actor=service, complaint_id=complaint.pk, assignee_id=li.pk),
    )
    complaint.refresh_from_db()
    assert (complaint.resolution, complaint.assignee_id) == ("已处理", None)


@pytest.mark.req("CRM-09")
def test_complaint_bad_input(service, consultant, customer, li):
    refused(
        ValidationError,
        lambda: services.complaint_create(
            actor=service, customer_id=customer.pk, received_at=ago(hours=1), content=" "
        ),
        field="content",
    )
    refused(
        ValidationError,
        lambda: services.complaint_create(
            actor=service,
            customer_id=customer.pk,
            received_at=timezone.now() + datetime.timedelta(days=1),
            content="x",
        ),
        field="received_at",
    )
    complaint = ComplaintFactory(customer=customer)
    left = StaffFactory(branch=li.branch, employee_no="X9", is_active=False)
    refused(
        ValidationError,
        lambda: services.complaint_assign(actor=service, complaint_id=complaint.pk, assignee_id=left.pk),
        field="assignee",
    )
    refused(
        ValidationError,
        lambda: services.complaint_resolve(actor=service, complaint_id=complaint.pk, resolution=""),
        field="resolution",
        message=gettext("Enter the %(field)s.") % {"field": gettext("resolution")},
    )
    # the consultant may record complaints, not handle them
    refused(
        PermissionDenied,
        lambda: services.complaint_assign(actor=consultant, complaint_id=complaint.pk, assignee_id=li.pk),
    )
    refused(
        PermissionDenied,
        lambda: services.complaint_resolve(actor=consultant, complaint_id=complaint.pk, resolution="x"),
    )


@pytest.mark.req("CRM-09", "PLT-05")
def test_complaints_outside_the_scope_are_not_found(service, east_customer, li):
    theirs = ComplaintFactory(customer=east_customer)
    refused(
        NotFound,
        lambda: services.complaint_create(
            actor=service, customer_id=east_customer.pk, received_at=ago(hours=1), content="x"
        ),
    )
    refused(
        NotFound, lambda: services.complaint_assign(actor=service, complaint_id=theirs.pk, assignee_id=li.pk)
    )
    refused(
        NotFound, lambda: services.complaint_resolve(actor=service, complaint_id=theirs.pk, resolution="x")
    )


# --- files -------------------------------------------------------------------------------------


@pytest.mark.req("CRM-06")
@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("处方.pdf", PDF, "application/pdf"),
        ("scan.JPEG", JPEG, "image/jpeg"),
        ("x.png", PNG, "image/png"),
        ("y.webp", WEBP, "image/webp"),
    ],
)
def test_upload_stores_a_pdf_or_image_under_a_random_name(
    consultant, customer, media, name, content, content_type
):
    customer_file = services.customer_file_upload(
        actor=consultant,
        customer_id=customer.pk,
        kind="prescription",
        upload=upload(name, content, "text/plain"),  # the client's type is not trusted
        description=" 第一次处方 ",
    )
    customer_file = CustomerFile.objects.get()
    assert (
        customer_file.customer_id,
        customer_file.kind,
        customer_file.original_name,
        customer_file.size,
        customer_file.content_type,
        customer_file.description,
        customer_file.consultation_id,
    ) == (customer.pk, "prescription", name, len(content), content_type, "第一次处方", None)
    assert customer_file.file.name.startswith("customers/")
    assert name not in customer_file.file.name
    assert stored_files(media) == [customer_file.file.name]
    assert customer_file.file.read() == content
    event = AuditEvent.objects.get(module="customers")
    assert (event.action, event.object_id, event.changes["original_name"]) == (
        "upload_file",
        str(customer_file.pk),
        [None, name],
    )


@pytest.mark.req("CRM-06")
def test_upload_refuses_anything_but_a_real_pdf_or_image(
    consultant, customer, wang_customer, wang, li, media
):
    other_consultation = ConsultationFactory(customer=wang_customer, consultant=wang)
    mine = ConsultationFactory(customer=customer, consultant=li)
    big = PDF + b"0" * (services.MAX_FILE_SIZE - len(PDF) + 1)
    cases = [
        (
            {"upload": upload("报告.pdf", PNG)},
            "file",
            gettext("The file's content does not match its name %(name)s: upload a real PDF or image.")
            % {"name": "报告.pdf"},
        ),
        ({"upload": upload("x.png", PDF)}, "file", None),
        (
            {"upload": upload("x.exe", b"MZ\x90\x00")},
            "file",
            gettext("Upload a PDF or an image (JPEG, PNG or WebP)."),
        ),
        ({"upload": upload("noext", PDF)}, "file", None),
        ({"upload": upload("x.pdf", b"")}, "file", gettext("The file is empty.")),
        (
            {"upload": upload("big.pdf", big)},
            "file",
            gettext("The file is larger than %(max)s MB.") % {"max": 20},
        ),
        ({"upload": None}, "file", None),
        ({"upload": upload("x.pdf", PDF), "kind": "virus"}, "kind", None),
        (
            {"upload": upload("x.png", PNG), "kind": "photo", "consultation_id": other_consultation.pk},
            "consultation",
            gettext("Choose a consultation of this customer."),
        ),
        ({"upload": upload("x.png", PNG), "kind": "photo", "consultation_id": -1}, "consultation", None),
        (
            {"upload": upload("x.pdf", PDF), "kind": "consent", "consultation_id": mine.pk},
            "kind",
            gettext("Only photos can belong to a consultation."),
        ),
        ({"upload": upload("x.pdf", PDF), "kind": "photo"}, "file", None),
        ({"upload": upload("x.pdf", PDF), "description": "说" * 201}, "description", None),
    ]
    for arguments, field, message in cases:
        arguments = {"kind": "other", **arguments}
        refused(
            ValidationError,
            lambda arguments=arguments: services.customer_file_upload(
                actor=consultant, customer_id=customer.pk, **arguments
            ),
            field=field,
            message=message,
        )
    assert stored_files(media) == []
    photo = services.customer_file_upload(
        actor=consultant,
        customer_id=customer.pk,
        kind="photo",
        upload=upload("x.png", PNG),
        consultation_id=mine.pk,
    )
    assert photo.consultation_id == mine.pk


@pytest.mark.req("CRM-06", "PLT-05")
def test_upload_reaches_only_customers_in_scope(consultant, nobody, customer, wang_customer, media):
    refused(
        NotFound,
        lambda: services.customer_file_upload(
            actor=consultant, customer_id=wang_customer.pk, kind="other", upload=upload("x.pdf", PDF)
        ),
    )
    refused(
        PermissionDenied,
        lambda: services.customer_file_upload(
            actor=nobody, customer_id=customer.pk, kind="other", upload=upload("x.pdf", PDF)
        ),
    )
    assert stored_files(media) == []


@pytest.mark.req("CRM-06")
def test_delete_removes_the_row_now_and_the_content_after_commit(
    manager, consultant, customer, media, django_capture_on_commit_callbacks
):
    customer_file = services.customer_file_upload(
        actor=consultant, customer_id=customer.pk, kind="record", upload=upload("病历.pdf", PDF)
    )
    name = customer_file.file.name
    refused(
        PermissionDenied, lambda: services.customer_file_delete(actor=consultant, file_id=customer_file.pk)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.customer_file_delete(actor=manager, file_id=customer_file.pk)
    assert CustomerFile.objects.count() == 0
    assert stored_files(media) == [name]  # not before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert stored_files(media) == []
    event = AuditEvent.objects.filter(module="customers").latest("pk")
    assert (event.action, event.object_id, event.changes["original_name"], event.changes["file"]) == (
        "delete_file",
        str(customer_file.pk),
        ["病历.pdf", None],
        [name, None],
    )


@pytest.mark.req("CRM-06")
def test_opening_a_file_is_an_audited_sensitive_read(consultant, nobody, customer, wang_customer, media):
    customer_file = services.customer_file_upload(
        actor=consultant, customer_id=customer.pk, kind="record", upload=upload("病历.pdf", PDF)
    )
    before = record_writes()
    opened, handle = services.customer_file_open(actor=consultant, file_id=customer_file.pk)
    with handle:
        assert (opened.pk, handle.read()) == (customer_file.pk, PDF)
    event = AuditEvent.objects.filter(module="customers").latest("pk")
    assert (record_writes(), event.action, event.object_id, event.message) == (
        before + 1,
        "view_file",
        str(customer_file.pk),
        "病历.pdf",
    )
    with pytest.raises(PermissionDenied):
        services.customer_file_open(actor=nobody, file_id=customer_file.pk)
    theirs = CustomerFile.objects.create(
        customer=wang_customer,
        branch=wang_customer.branch,
        file="customers/x.pdf",
        original_name="x.pdf",
        size=1,
        content_type="application/pdf",
    )
    with pytest.raises(NotFound):
        services.customer_file_open(actor=consultant, file_id=theirs.pk)
    customer_file.file.storage.delete(customer_file.file.name)
    with pytest.raises(NotFound) as info:
        services.customer_file_open(actor=consultant, file_id=customer_file.pk)
    assert info.value.message == gettext("The file is missing from storage.")
    assert record_writes() == before + 1


@pytest.mark.req("CRM-06")
def test_sniffing_recognises_only_pdf_and_the_three_image_types():
    assert [
        services.sniff_content_type(head) for head in (PDF, JPEG, PNG, WEBP, b"GIF89a", b"", b"RIFF0000WAVE")
    ] == [
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/webp",
        None,
        None,
        None,
    ]


# --- selectors ---------------------------------------------------------------------------------


@pytest.mark.req("CRM-05", "CRM-09", "CRM-06", "PLT-05")
def test_records_follow_the_scope_of_their_customer(
    consultant, service, director, customer, wang_customer, east_customer, li, wang, zhao, foreign_branch
):
    foreign_customer = CustomerFactory(branch=foreign_branch)
    records = {}
    for c, staff in ((customer, li), (wang_customer, wang), (east_customer, zhao), (foreign_customer, None)):
        consultant_staff = staff or StaffFactory(branch=foreign_branch, employee_no="F9")
        records[c.name] = (
            ConsultationFactory(customer=c, consultant=consultant_staff),
            ComplaintFactory(customer=c),
            CustomerFile.objects.create(
                customer=c,
                branch=c.branch,
                file="customers/x.pdf",
                original_name="x.pdf",
                size=1,
                content_type="application/pdf",
            ),
        )

    def seen(actor):
        return [
            sorted(c.customer.name for c in selector(actor))
            for selector in (
                selectors.consultations_for,
                selectors.complaints_for,
                selectors.customer_files_for,
            )
        ]

    assert seen(consultant) == [["张三"], ["张三"], ["张三"]]  # own customers only
    assert seen(service) == [["张三", "王五"]] * 3  # the branch
    assert seen(director) == [["东区客户", "张三", "王五"]] * 3  # the organisation
    with pytest.raises(NotFound):
        selectors.consultation_get_for(consultant, records["王五"][0].pk)
    with pytest.raises(NotFound):
        selectors.complaint_get_for(service, records["东区客户"][1].pk)
    with pytest.raises(NotFound):
        selectors.customer_file_get_for(director, records[foreign_customer.name][2].pk)


@pytest.mark.req("CRM-09")
def test_complaint_work_list_puts_open_ones_first(service, customer):
    resolved = ComplaintFactory(customer=customer, status="resolved", received_at=ago(hours=1))
    assigned = ComplaintFactory(customer=customer, status="assigned", received_at=ago(hours=2))
    old_open = ComplaintFactory(customer=customer, status="open", received_at=ago(days=3))
    new_open = ComplaintFactory(customer=customer, status="open", received_at=ago(hours=5))
    assert [c.pk for c in selectors.complaints_for(service)] == [
        new_open.pk,
        old_open.pk,
        assigned.pk,
        resolved.pk,
    ]
    assert selectors.open_complaint_count(service, customer.pk) == 3


# --- concurrency -------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (real row locks)")
@pytest.mark.req("CRM-09")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_resolving_one_complaint_at_once_resolve_it_once(branch, li):
    actor = scoped_user(branch, ["customers.change_complaint"], DataScope.BRANCH, username="handler")
    complaint = ComplaintFactory(customer=CustomerFactory(branch=branch, consultant=li))
    start = threading.Barrier(4)
    results: list[str] = []

    def work(n: int) -> None:
        try:
            start.wait()
            services.complaint_resolve(actor=actor, complaint_id=complaint.pk, resolution=f"处理{n}")
            results.append("resolved")
        except IllegalTransition:
            results.append("refused")
        except BaseException as exc:
            results.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["refused", "refused", "refused", "resolved"]
    assert AuditEvent.objects.filter(module="customers", action="resolve_complaint").count() == 1
