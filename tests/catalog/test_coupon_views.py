"""Coupon pages (MKT-02): permission matrix of every page, data scope (organisation for coupon
types, branch for issued coupons), filters, masked phones, forms with inline errors and nothing
written on bad input, issuing (one customer, bulk with the matching count, generated codes and
their download), voiding and handing on, pinned query counts, menu."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext
from openpyxl import load_workbook

from medspa.accounts.choices import DataScope
from medspa.audit.models import AuditEvent
from medspa.catalog import coupon_services as services
from medspa.catalog.choices import CouponKind, ValidityMode
from medspa.catalog.models import Coupon, CouponBatch, CouponType
from medspa.core.menu import menu_for
from tests.catalog.coupon_factories import (
    ALL_PERMS,
    CouponTypeFactory,
    ProjectFactory,
    coupon_user,
    state,
    today,
)
from tests.customers.conftest import tag
from tests.customers.factories import CustomerFactory
from tests.factories import BranchFactory, OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("MKT-02")]

NS = "catalog_coupons"
VIEW_TYPE, VIEW = "catalog.view_coupontype", "catalog.view_coupon"


def url(name, *args):
    return reverse(f"{NS}:{name}", args=args)


def rows_of(response):
    return list(response.context["page"].object_list)


@pytest.fixture
def admin(branch):
    return coupon_user(branch, username="marketing")


@pytest.fixture
def objects(branch, admin):
    org = branch.organisation
    voucher = CouponTypeFactory(organisation=org, code="V100", name="代金券100")
    friends = CouponTypeFactory(organisation=org, code="F300", name="亲友券", kind=CouponKind.FRIENDS)
    customer = CustomerFactory(branch=branch, name="张三", phone="13800001111")
    friend = CustomerFactory(branch=branch, name="王五", phone="13900002222")
    coupon = services.coupon_issue(actor=admin, coupon_type_id=voucher.pk, customer_id=customer.pk).coupons[0]
    gift = services.coupon_issue(actor=admin, coupon_type_id=friends.pk, customer_id=customer.pk).coupons[0]
    codes = services.coupon_generate(actor=admin, coupon_type_id=voucher.pk, quantity=2)
    vip = tag(org, "VIP", "客户类型")
    customer.tags.add(vip)
    return {
        "voucher": voucher,
        "friends": friends,
        "customer": customer,
        "friend": friend,
        "coupon": coupon,
        "gift": gift,
        "codes": codes.batch,
        "vip": vip,
    }


def pages(o):
    """(url, permissions needed, POST data or None for GET-only pages)"""
    type_data = {
        "code": "NEW",
        "name": "新券",
        "kind": "voucher",
        "amount": "50",
        "min_spend": "0",
        "applies_to_all": "on",
        "validity_mode": "days",
        "validity_days": "30",
    }
    return [
        (url("type_list"), [VIEW_TYPE], None),
        (url("type_create"), [VIEW_TYPE, "catalog.add_coupontype"], type_data),
        (url("type_detail", o["voucher"].pk), [VIEW_TYPE], None),
        (
            url("type_edit", o["voucher"].pk),
            [VIEW_TYPE, "catalog.change_coupontype"],
            {**type_data, "code": "V100", "amount": "100", "is_active": "on"},
        ),
        (url("coupon_list"), [VIEW], None),
        (url("coupon_detail", o["coupon"].pk), [VIEW], None),
        (
            url("issue"),
            [VIEW, "catalog.issue_coupon"],
            {"coupon_type_id": o["voucher"].pk, "customer_id": o["friend"].pk, "quantity": "1"},
        ),
        (
            url("issue_bulk") + f"?tag={o['vip'].pk}",
            [VIEW, "catalog.issue_coupon"],
            {"coupon_type_id": o["voucher"].pk, "quantity": "1"},
        ),
        (
            url("generate"),
            [VIEW, "catalog.issue_coupon"],
            {"coupon_type_id": o["voucher"].pk, "quantity": "3"},
        ),
        (url("batch_detail", o["codes"].pk), [VIEW], None),
        (url("batch_download", o["codes"].pk, "csv"), [VIEW, "catalog.issue_coupon"], None),
        (url("customer_lookup") + "?q=张", [VIEW], None),
        (url("coupon_void", o["coupon"].pk), [VIEW, "catalog.void_coupon"], {"reason": "错发"}),
        (
            url("coupon_transfer", o["gift"].pk),
            [VIEW, "catalog.change_coupon"],
            {"to_customer_id": o["friend"].pk},
        ),
        (url("type_deactivate", o["voucher"].pk), [VIEW_TYPE, "catalog.delete_coupontype"], {}),
    ]


def test_permission_matrix(client, logged_in, branch, objects):
    for address, perms, data in pages(objects):
        before = state()
        response = client.get(address)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), address
        if data is not None:
            assert client.post(address, data).status_code == 302, address
        assert state() == before, address
        denied = logged_in(coupon_user(branch, perms[:-1]))
        assert denied.get(address).status_code == 403, address
        if data is not None:
            assert denied.post(address, data).status_code == 403, address
        assert state() == before, address
        client.logout()
        allowed = logged_in(coupon_user(branch, perms))
        assert allowed.get(address).status_code == 200, address
        if data is not None:
            response = allowed.post(address, data)
            assert response.status_code == 302, (
                address,
                response.context["form"].errors if response.context else response.content[:500],
            )
            assert state() != before, address
        client.logout()


def test_other_branch_and_organisation(logged_in, admin, branch, other_branch, objects):
    east = coupon_user(other_branch, username="east")
    theirs = services.coupon_issue(
        actor=east, coupon_type_id=objects["voucher"].pk, customer_id=CustomerFactory(branch=other_branch).pk
    ).coupons[0]
    foreign_branch = BranchFactory(organisation=OrganisationFactory(code="other"))
    foreign_type = CouponTypeFactory(organisation=foreign_branch.organisation)
    client = logged_in(admin)
    listed = rows_of(client.get(url("coupon_list")))
    assert theirs not in listed
    assert len(listed) == Coupon.objects.filter(branch=branch).count() == 4
    assert foreign_type not in rows_of(client.get(url("type_list")))
    before = state()
    for address in (
        url("coupon_detail", theirs.pk),
        url("coupon_void", theirs.pk),
        url("batch_detail", theirs.batch_id),
        url("batch_download", theirs.batch_id, "xlsx"),
        url("type_detail", foreign_type.pk),
        url("type_edit", foreign_type.pk),
        url("type_deactivate", foreign_type.pk),
    ):
        assert client.get(address).status_code == 404, address
    assert client.post(url("coupon_void", theirs.pk), {"reason": "x"}).status_code == 404
    assert state() == before
    # The organisation scope sees both branches.
    director = coupon_user(branch, [VIEW], DataScope.ORGANISATION, branches=[branch, other_branch])
    assert len(rows_of(logged_in(director).get(url("coupon_list")))) == 5


def test_coupon_type_list_shows_exactly_the_organisations_types(logged_in, admin, objects):
    CouponTypeFactory(organisation=OrganisationFactory(code="other"))
    response = logged_in(admin).get(url("type_list"))
    assert [t.code for t in rows_of(response)] == ["F300", "V100"]
    body = response.content.decode()
    assert "¥100.00" in body


def test_coupon_list_filters_and_masks_phones(logged_in, admin, objects):
    client = logged_in(admin)
    coupon, codes = objects["coupon"], objects["codes"]
    response = client.get(url("coupon_list"))
    body = response.content.decode()
    assert "138****1111" in body and "13800001111" not in body
    code_rows = list(Coupon.objects.filter(batch=codes).order_by("pk"))
    cases = [
        ({"code": coupon.code[2:8].lower()}, [coupon]),
        ({"coupon_type": objects["friends"].pk}, [objects["gift"]]),
        ({"state": "issued", "customer": "张三"}, [objects["gift"], coupon]),
        ({"customer": "1111"}, [objects["gift"], coupon]),
        ({"batch": codes.pk}, list(reversed(code_rows))),
        (
            {"valid_on": (today() + datetime.timedelta(days=29)).isoformat(), "customer": "zs"},
            [objects["gift"], coupon],
        ),
        ({"valid_on": (today() + datetime.timedelta(days=31)).isoformat()}, []),
    ]
    for query, expected in cases:
        assert rows_of(client.get(url("coupon_list"), query)) == expected, query
    services.coupon_void(actor=admin, coupon_id=coupon.pk, reason="x")
    assert rows_of(client.get(url("coupon_list"), {"state": "void"})) == [coupon]


def test_export_needs_the_export_permission(logged_in, branch, objects):
    reader = logged_in(coupon_user(branch, [VIEW], username="reader"))
    assert reader.get(url("coupon_list"), {"export": "csv"}).status_code == 403
    reader.logout()
    exporter = logged_in(coupon_user(branch, [VIEW, "catalog.export_coupon"], username="exporter"))
    response = exporter.get(url("coupon_list"), {"export": "csv", "customer": "张三"})
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(lines) == 3
    assert lines[1][5] == "138****1111"


# --- coupon type forms --------------------------------------------------------------------------------


def test_create_a_type_through_the_page(logged_in, admin, branch):
    project = ProjectFactory(organisation=branch.organisation, code="P004", name="光子嫩肤")
    response = logged_in(admin).post(
        url("type_create"),
        {
            "code": "LASER90",
            "name": "光电 9 折券",
            "kind": "discount",
            "discount_percent": "90",
            "min_spend": "0",
            "project_ids": [project.pk],
            "validity_mode": "fixed",
            "valid_from": "2026-01-01",
            "valid_to": "2026-03-31",
            "per_customer_limit": "2",
        },
    )
    coupon_type = CouponType.objects.get()
    assert response["Location"] == url("type_detail", coupon_type.pk)
    assert (coupon_type.kind, coupon_type.discount_percent, list(coupon_type.projects.all())) == (
        "discount",
        90,
        [project],
    )
    page = logged_in(admin).get(url("type_detail", coupon_type.pk)).content.decode()
    assert "P004" not in page and "光子嫩肤" in page and "2026-01-01 – 2026-03-31" in page


def test_valid_to_before_valid_from_is_an_inline_error(logged_in, admin):
    before = state()
    response = logged_in(admin).post(
        url("type_create"),
        {
            "code": "Q1",
            "name": "季度券",
            "kind": "voucher",
            "amount": "100",
            "applies_to_all": "on",
            "validity_mode": "fixed",
            "valid_from": "2026-03-31",
            "valid_to": "2026-01-01",
        },
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "valid_to": [
            gettext("The last valid day (%(to)s) cannot be before the first (%(from)s).")
            % {"to": "2026-01-01", "from": "2026-03-31"}
        ]
    }
    assert state() == before


def test_edit_form_starts_from_the_stored_type(logged_in, admin, branch):
    project = ProjectFactory(organisation=branch.organisation)
    coupon_type = CouponTypeFactory(
        organisation=branch.organisation, applies_to_all=False, per_customer_limit=3
    )
    coupon_type.projects.add(project)
    form = logged_in(admin).get(url("type_edit", coupon_type.pk)).context["form"]
    assert {
        name: form.initial.get(name)
        for name in ("code", "kind", "amount", "project_ids", "per_customer_limit")
    } == {
        "code": coupon_type.code,
        "kind": "voucher",
        "amount": coupon_type.amount,
        "project_ids": [project.pk],
        "per_customer_limit": 3,
    }


# --- issuing pages ------------------------------------------------------------------------------------


def test_issue_to_a_customer_leads_to_the_coupon(logged_in, admin, objects):
    client = logged_in(admin)
    form = client.get(url("issue") + f"?coupon_type_id={objects['voucher'].pk}").context["form"]
    key = form["idempotency_key"].value()
    assert (form["coupon_type_id"].value(), len(key)) == (objects["voucher"].pk, 32)
    data = {
        "coupon_type_id": objects["voucher"].pk,
        "customer_id": objects["friend"].pk,
        "quantity": "1",
        "note": "到院礼",
        "idempotency_key": key,
    }
    response = client.post(url("issue"), data)
    coupon = Coupon.objects.get(customer=objects["friend"])
    assert response["Location"] == url("coupon_detail", coupon.pk)
    assert client.post(url("issue"), data)["Location"] == url("coupon_detail", coupon.pk)  # a double submit
    assert Coupon.objects.filter(customer=objects["friend"]).count() == 1
    page = client.get(url("coupon_detail", coupon.pk))
    assert [row["action"] for row in page.context["history"]] == [gettext("Issued")]
    body = page.content.decode()
    assert "139****2222" in body and "13900002222" not in body


def test_issue_errors_come_back_on_the_form(logged_in, admin, objects):
    before = state()
    response = logged_in(admin).post(url("issue"), {"coupon_type_id": objects["voucher"].pk, "quantity": "1"})
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "customer_id": [gettext("Choose the customer who receives the coupons.")]
    }
    assert state() == before


def test_bulk_page_shows_the_matching_count_before_issuing(logged_in, admin, branch, objects):
    vip = objects["vip"]
    CustomerFactory(branch=branch, name="甲", tags=[vip])
    CustomerFactory(branch=branch, name="乙", tags=[vip], is_active=False)
    client = logged_in(admin)
    before = state()
    page = client.get(url("issue_bulk"), {"tag": vip.pk})
    assert page.context["matched"] == 2
    assert page.context["criteria"] == {"tag": str(vip.pk)}
    assert state() == before
    assert client.get(url("issue_bulk")).context["matched"] == 3
    response = client.post(
        url("issue_bulk") + f"?tag={vip.pk}",
        {"coupon_type_id": objects["voucher"].pk, "quantity": "2", "note": "VIP"},
    )
    batch = CouponBatch.objects.get(mode="bulk")
    assert response["Location"] == url("batch_detail", batch.pk)
    assert (batch.quantity, batch.criteria) == (
        4,
        {"filters": {"tag": str(vip.pk)}, "per_customer": 2, "matched": 2, "skipped": 0},
    )


def test_generated_codes_download(logged_in, admin, objects):
    client = logged_in(admin)
    response = client.post(url("generate"), {"coupon_type_id": objects["voucher"].pk, "quantity": "3"})
    batch = CouponBatch.objects.filter(mode="codes").order_by("pk").last()
    assert response["Location"] == url("batch_detail", batch.pk)
    page = client.get(url("batch_detail", batch.pk))
    assert [fmt for fmt, _link in page.context["downloads"]] == ["xlsx", "csv"]
    codes = sorted(Coupon.objects.filter(batch=batch).values_list("code", flat=True))
    xlsx = client.get(url("batch_download", batch.pk, "xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == gettext("Code")
    assert sorted(row[0] for row in values[1:]) == codes
    text = client.get(url("batch_download", batch.pk, "csv")).content.decode("utf-8-sig")
    assert sorted(line[0] for line in list(csv.reader(io.StringIO(text)))[1:]) == codes
    assert AuditEvent.objects.filter(module="catalog", action="export", object_id=str(batch.pk)).count() == 2
    assert client.get(url("batch_download", batch.pk, "pdf")).status_code == 404


def test_void_and_hand_on_pages(logged_in, admin, objects):
    client = logged_in(admin)
    coupon, gift = objects["coupon"], objects["gift"]
    detail = client.get(url("coupon_detail", coupon.pk)).context
    assert (detail["void_url"], detail["transfer_url"]) == (url("coupon_void", coupon.pk), None)
    assert client.get(url("coupon_detail", gift.pk)).context["transfer_url"] == url(
        "coupon_transfer", gift.pk
    )
    before = state()
    response = client.post(url("coupon_void", coupon.pk), {"reason": ""})
    assert response.context["form"].errors == {
        "reason": [gettext("Enter the %(field)s.") % {"field": pgettext("coupon", "reason")}]
    }
    assert state() == before
    assert client.post(url("coupon_void", coupon.pk), {"reason": "错发"})["Location"] == url(
        "coupon_detail", coupon.pk
    )
    coupon.refresh_from_db()
    assert coupon.state == "void"
    again = client.post(url("coupon_void", coupon.pk), {"reason": "再作废"})
    with translation.override("zh-hans"):
        message = gettext("Only an issued coupon can be voided; this one is %(state)s.") % {
            "state": gettext("Void").lower()
        }
    assert again.context["form"].non_field_errors() == [message]
    assert client.get(url("coupon_detail", coupon.pk)).context["void_url"] is None
    response = client.post(url("coupon_transfer", gift.pk), {"to_customer_id": objects["friend"].pk})
    gift.refresh_from_db()
    assert (response["Location"], gift.customer_id, gift.given_by_id) == (
        url("coupon_detail", gift.pk),
        objects["friend"].pk,
        objects["customer"].pk,
    )


def test_customer_lookup_masks_phones_and_keeps_the_scope(logged_in, admin, other_branch, objects):
    CustomerFactory(branch=other_branch, name="张东", phone="13700003333")
    response = logged_in(admin).get(url("customer_lookup"), {"q": "张"})
    assert [row["customer"] for row in response.context["rows"]] == [objects["customer"]]
    body = response.content.decode()
    assert "138****1111" in body and "13800001111" not in body


# --- query counts and menu ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "queries"), [("type_list", 11), ("coupon_list", 9)])
@pytest.mark.parametrize("n", [3, 15])
def test_list_query_counts(logged_in, admin, branch, django_assert_num_queries, name, queries, n):
    org = branch.organisation
    project = ProjectFactory(organisation=org)
    for _i in range(n):
        coupon_type = CouponTypeFactory(organisation=org, applies_to_all=False, kind=CouponKind.FRIENDS)
        coupon_type.projects.add(project)
        giver = CustomerFactory(branch=branch)
        coupon = services.coupon_issue(
            actor=admin, coupon_type_id=coupon_type.pk, customer_id=giver.pk
        ).coupons[0]
        services.coupon_transfer(
            actor=admin, coupon_id=coupon.pk, to_customer_id=CustomerFactory(branch=branch).pk
        )
    client = logged_in(admin)
    client.get(url(name))
    with django_assert_num_queries(queries):
        response = client.get(url(name))
    assert (response.status_code, response.context["paginator"].count) == (200, n)


def test_menu_entries(branch):
    user = coupon_user(branch, ALL_PERMS)
    groups = {str(group.label): [(item.key, item.order) for item in group.items] for group in menu_for(user)}
    entries = [entry for entry in groups[gettext("Marketing")] if 410 <= entry[1] <= 419]
    assert entries == [("catalog-coupon-types", 410), ("catalog-coupons", 412)]
    reader = coupon_user(branch, [VIEW], username="reader")
    keys = [item.key for group in menu_for(reader) for item in group.items]
    assert "catalog-coupons" in keys and "catalog-coupon-types" not in keys


def test_fixed_types_show_their_dates(logged_in, admin, branch):
    fixed = CouponTypeFactory(
        organisation=branch.organisation,
        validity_mode=ValidityMode.FIXED,
        valid_from=datetime.date(2026, 4, 1),
        valid_to=datetime.date(2026, 6, 30),
        validity_days=None,
    )
    body = logged_in(admin).get(url("type_list")).content.decode()
    assert "2026-04-01 – 2026-06-30" in body
    assert fixed in rows_of(logged_in(admin).get(url("type_list"), {"kind": "voucher"}))
