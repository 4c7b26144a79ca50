"""The import workflow through the pages and the API (CRM-07): upload → background check →
import the valid rows → report; permissions; nothing written by a bad file."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from medspa.audit.models import AuditEvent
from medspa.customers.models import Customer, ImportJob
from tests.factories import BranchFactory, role_user

pytestmark = [pytest.mark.req("CRM-07"), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield


@pytest.fixture
def director(branch):
    return role_user("院长", username="director", branches=[branch])


def workbook(rows) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(["外部编号", "姓名", "手机号"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("legacy.xlsx", out.getvalue())


ROWS = [["L1", "张三", "13800138000"], ["L2", "李四", "12345"], ["L3", "王五", ""]]


def test_upload_check_import_and_report_through_the_pages(
    logged_in, director, django_capture_on_commit_callbacks
):
    client = logged_in(director)
    page = client.get(reverse("customer_import:list"))
    assert page.status_code == 200 and "导入" in page.content.decode()
    template = client.get(reverse("customer_import:template"))
    headers = [c.value for c in load_workbook(io.BytesIO(template.content)).active[1]]
    assert headers[:3] == ["外部编号", "姓名", "性别"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customer_import:list"), {"file": workbook(ROWS)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "customer_import:detail", args=[job.pk]
    )
    job.refresh_from_db()
    assert (job.status, job.total, job.valid, job.error_rows, job.created) == ("checked", 3, 2, 1, 0)
    assert job.errors == [[3, "phone", job.errors[0][2]]]
    assert Customer.objects.count() == 0  # the check wrote nothing
    detail = client.get(reverse("customer_import:detail", args=[job.pk])).content.decode()
    assert 'data-testid="start"' in detail and 'data-testid="import-errors"' in detail

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("customer_import:detail", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.created) == ("done", 2)
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == ["L1", "L3"]
    assert set(AuditEvent.objects.filter(module="customers").values_list("action", flat=True)) >= {
        "import_upload",
        "import_start",
        "import_done",
    }
    report = load_workbook(io.BytesIO(client.get(reverse("customer_import:report", args=[job.pk])).content))
    assert [c.value for c in report.worksheets[1][2]][:2] == [3, "phone"]

    # a second start is refused: the job is done
    client.post(reverse("customer_import:detail", args=[job.pk]))
    assert Customer.objects.count() == 2


def test_a_file_with_wrong_columns_fails_with_the_reason(
    logged_in, director, django_capture_on_commit_callbacks
):
    book = Workbook()
    book.active.append(["名字", "电话号码"])
    out = io.BytesIO()
    book.save(out)
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(director).post(
            reverse("customer_import:list"), {"file": SimpleUploadedFile("x.xlsx", out.getvalue())}
        )
    job = ImportJob.objects.get()
    assert job.status == "failed" and "名字" in job.message
    assert Customer.objects.count() == 0


def test_bad_uploads_are_refused_on_the_form(logged_in, director):
    client = logged_in(director)
    response = client.post(reverse("customer_import:list"), {"file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert response.status_code == 422 and ".xlsx" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_permission_matrix(client, logged_in, branch, director, django_capture_on_commit_callbacks):
    url = reverse("customer_import:list")
    assert client.get(url).status_code == 302
    consultant = role_user("咨询师", username="c1", branches=[branch])
    assert logged_in(consultant).post(url, {"file": workbook(ROWS)}).status_code == 403
    assert not ImportJob.objects.exists()
    other = role_user("院长", username="d2", branches=[BranchFactory()])
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(director).post(url, {"file": workbook(ROWS)})
    job = ImportJob.objects.get()
    assert logged_in(other).get(reverse("customer_import:detail", args=[job.pk])).status_code == 404
    assert logged_in(other).post(reverse("customer_import:detail", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == "checked"


def test_api_upload_and_start(logged_in, director, django_capture_on_commit_callbacks):
    client = logged_in(director)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/customer-imports", {"file": workbook(ROWS)})
    assert response.status_code == 201
    job_id = response.json()["id"]
    body = client.get(f"/api/v1/customer-imports/{job_id}").json()
    assert (body["status"], body["valid"], body["error_rows"]) == ("checked", 2, 1)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/customer-imports/{job_id}/start")
    assert started.status_code == 200
    assert client.get(f"/api/v1/customer-imports/{job_id}").json()["created"] == 2
    again = client.post(f"/api/v1/customer-imports/{job_id}/start")
    assert again.status_code == 409
    assert client.get("/api/v1/customer-imports").json()["count"] == 1
    assert client.get("/api/v1/customer-imports/template").status_code == 200
