"""Browser flow (Chromium at 1440 px and 375 px): on a customer's archive the demo consultant
records a consultation that did not close, a complaint, and uploads a photo; customer service
finds the complaint on the work list, assigns and resolves it."""

import re
import struct
import zlib

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from medspa.customers.models import Complaint, Consultation, CustomerFile
from tests.customers.factories import CustomerFactory
from tests.e2e.helpers import login, logout, open_menu_item

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.req("CRM-05", "CRM-09", "CRM-06"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def png_bytes(width: int = 40, height: int = 30) -> bytes:
    """A real PNG image (one colour), written by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes((200, 120, 140)) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_consultant_records_on_the_archive(page, demo, viewport, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    consultant = get_user_model().objects.get(username="consultant")
    customer = CustomerFactory(
        branch=consultant.default_branch, name="林小美", phone="13912345678", consultant=consultant.staff
    )
    login(page, "consultant", demo)
    archive = f"/customers/{customer.pk}/"

    # a consultation that did not close, with its reason
    page.goto(f"{archive}?section=consultations")
    section = page.get_by_test_id("section-consultations").locator("visible=true").first
    section.get_by_test_id("add-consultation").click()
    form = page.get_by_test_id("consultation-form")
    expect(form).to_be_visible()
    form.locator("#consultation-channel").select_option("wechat")
    form.locator("#consultation-projects").fill("水光针")
    form.locator("#consultation-content").fill("微信咨询水光针价格和效果")
    form.locator("#consultation-outcome").select_option("no_deal")
    form.locator("#consultation-outcome_reason").select_option(label="价格")
    page.shot("consultation-form")
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(rf"{archive}\?section=consultations$"))
    badge = page.get_by_test_id("section-consultations").get_by_test_id("outcome").first
    expect(badge).to_contain_text("价格")
    page.shot("consultation-recorded")
    consultation = Consultation.objects.get(customer=customer)
    assert (consultation.channel, consultation.outcome, consultation.outcome_reason.name) == (
        "wechat",
        "no_deal",
        "价格",
    )

    # a complaint: flagged open
    page.goto(f"{archive}?section=complaints")
    page.get_by_test_id("add-complaint").locator("visible=true").first.click()
    form = page.get_by_test_id("complaint-form")
    expect(form).to_be_visible()
    form.locator("#complaint-content").fill("等候时间太长")
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(rf"{archive}\?section=complaints$"))
    expect(page.get_by_test_id("complaints-open-badge").first).to_be_visible()
    page.shot("complaint-recorded")
    assert Complaint.objects.get(customer=customer).status == "open"

    # a photo: uploaded, shown as a thumbnail through the download view
    page.goto(f"{archive}?section=files")
    page.get_by_test_id("upload-file").locator("visible=true").first.click()
    form = page.get_by_test_id("file-form")
    expect(form).to_be_visible()
    form.locator("#file-kind").select_option("photo")
    form.locator("#file-file").set_input_files(
        files=[{"name": "术前正面.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(rf"{archive}\?section=files$"))
    thumbnail = page.get_by_test_id("section-files").locator("img").first
    expect(thumbnail).to_be_visible()
    thumbnail.scroll_into_view_if_needed()  # thumbnails load lazily
    width = thumbnail.evaluate(
        """img => img.complete ? img.naturalWidth : new Promise(resolve => {
            img.addEventListener("load", () => resolve(img.naturalWidth));
            img.addEventListener("error", () => resolve(-1));
        })"""
    )
    assert width == 40  # the image came through the permission-checked download view
    page.shot("file-uploaded")
    assert CustomerFile.objects.get(customer=customer).original_name == "术前正面.png"

    # customer service finds the complaint on the work list, assigns it and resolves it
    logout(page)
    login(page, "service", demo)
    open_menu_item(page, "customers-complaints")
    expect(page).to_have_url(re.compile(r"/customers/complaints/$"))
    expect(page.get_by_test_id("object-table")).to_contain_text("林小美")
    page.shot("complaint-work-list")
    page.get_by_test_id("object-table").get_by_role("link", name="林小美").click()
    expect(page).to_have_url(re.compile(rf"{archive}$"))
    page.goto(f"{archive}?section=complaints")
    complaint = page.get_by_test_id("complaint").first
    complaint.locator('select[name="assignee"]').select_option(label="李咨询")
    complaint.get_by_test_id("assign-form").locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(rf"{archive}\?section=complaints$"))
    complaint = page.get_by_test_id("complaint").first
    expect(complaint).to_contain_text("李咨询")
    complaint.locator('input[name="resolution"]').fill("已致歉，安排专人接待")
    complaint.get_by_test_id("resolve-form").locator('button[type="submit"]').click()
    expect(page.get_by_test_id("complaint").first).to_have_attribute("data-status", "resolved")
    expect(page.get_by_test_id("complaints-open-badge")).to_have_count(0)
    page.shot("complaint-resolved")
    assert Complaint.objects.get(customer=customer).resolution == "已致歉，安排专人接待"
