"""Bulk pages and endpoints (CRM-08): choose by filter or by ids, change, merge; permissions."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from medspa.customers.models import Customer
from tests.customers.factories import ConsultationFactory, CustomerFactory
from tests.factories import BranchFactory, role_user
from tests.organization.factories import StaffFactory

pytestmark = [pytest.mark.req("CRM-08"), pytest.mark.django_db]


@pytest.fixture
def director(branch):
    return role_user("院长", username="director", branches=[branch])


def test_list_button_chooses_by_filter_and_the_page_applies_the_change(logged_in, director, branch):
    owner = StaffFactory(branch=branch, name="新顾问")
    zhang = [CustomerFactory(branch=branch, name=f"张{i}") for i in range(3)]
    li = CustomerFactory(branch=branch, name="李四")
    client = logged_in(director)
    listing = client.get(reverse("customers:customer_list"), {"q": "张"}).content.decode()
    assert 'data-testid="bulk-change"' in listing and "q=%E5%BC%A0" in listing
    page = client.get(reverse("customer_bulk:change"), {"q": "张"})
    body = page.content.decode()
    assert page.status_code == 200 and "已选 3 位客户" in body
    ids = ",".join(str(c.pk) for c in zhang)
    response = client.post(
        reverse("customer_bulk:change"), {"ids": ids, "change_consultant": "on", "consultant": owner.pk}
    )
    assert response.status_code == 302
    assert sorted(Customer.objects.filter(consultant=owner).values_list("pk", flat=True)) == [
        c.pk for c in zhang
    ]
    li.refresh_from_db()
    assert li.consultant_id is None
    # no filter: nobody is chosen
    assert "已选 0 位客户" in client.get(reverse("customer_bulk:change")).content.decode()


def test_bulk_page_shows_service_errors_and_writes_nothing(logged_in, director, branch):
    customer = CustomerFactory(branch=branch)
    response = logged_in(director).post(reverse("customer_bulk:change"), {"ids": str(customer.pk)})
    assert response.status_code == 422 and "请选择要修改的内容" in response.content.decode()


def test_merge_page(logged_in, director, branch):
    keep = CustomerFactory(branch=branch, name="王芳", phone="")
    dup = CustomerFactory(branch=branch, name="王芳", phone="13800138000")
    ConsultationFactory(customer=dup, consultant=StaffFactory(branch=branch))
    client = logged_in(director)
    archive = client.get(reverse("customers:customer_detail", args=[keep.pk])).content.decode()
    assert 'data-testid="merge-form"' in archive
    page = client.get(reverse("customer_bulk:merge"), {"keep": keep.pk, "duplicate": dup.pk}).content.decode()
    assert 'data-testid="merge-keep"' in page and "13800138000" in page  # the director sees full phones
    response = client.post(reverse("customer_bulk:merge"), {"keep": keep.pk, "duplicate": dup.pk})
    assert response.status_code == 302 and response["Location"] == reverse(
        "customers:customer_detail", args=[keep.pk]
    )
    keep.refresh_from_db()
    assert keep.phone == "13800138000" and keep.consultations.count() == 1


def test_pages_permission_matrix(client, logged_in, branch, director):
    customer = CustomerFactory(branch=branch)
    other = CustomerFactory(branch=branch)
    for url in (reverse("customer_bulk:change"), reverse("customer_bulk:merge")):
        assert client.get(url).status_code == 302
    consultant = role_user("咨询师", username="c1", branches=[branch])
    c = logged_in(consultant)
    assert c.get(reverse("customer_bulk:change")).status_code == 403
    assert (
        c.post(reverse("customer_bulk:merge"), {"keep": customer.pk, "duplicate": other.pk}).status_code
        == 403
    )
    foreign = CustomerFactory(branch=BranchFactory())
    response = logged_in(director).post(
        reverse("customer_bulk:merge"), {"keep": customer.pk, "duplicate": foreign.pk}
    )
    assert response.status_code == 404
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0


def test_api(client, logged_in, branch, director):
    owner = StaffFactory(branch=branch)
    customers = [CustomerFactory(branch=branch) for _ in range(2)]
    body = {"customer_ids": [c.pk for c in customers], "consultant_id": owner.pk}
    assert (
        client.post(
            "/api/v1/customers/bulk-change", json.dumps(body), content_type="application/json"
        ).status_code
        == 401
    )
    api = logged_in(director)
    response = api.post("/api/v1/customers/bulk-change", json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response.json() == {"changed": 2}
    nothing = api.post(
        "/api/v1/customers/bulk-change",
        json.dumps({"customer_ids": [customers[0].pk]}),
        content_type="application/json",
    )
    assert nothing.status_code == 422 and nothing.json()["errors"][0]["field"] == "__all__"
    merged = api.post(
        "/api/v1/customers/merge",
        json.dumps({"keep_id": customers[0].pk, "duplicate_id": customers[1].pk}),
        content_type="application/json",
    )
    assert merged.status_code == 200 and merged.json()["customer_id"] == customers[0].pk
    consultant = role_user("咨询师", username="c2", branches=[branch])
    denied = logged_in(consultant).post(
        "/api/v1/customers/merge",
        json.dumps({"keep_id": customers[0].pk, "duplicate_id": customers[1].pk}),
        content_type="application/json",
    )
    assert denied.status_code == 403


@pytest.mark.req("CRM-03")
def test_tags_endpoint_lists_groups_with_their_tags(client, logged_in, branch, django_assert_num_queries):
    from medspa.configuration.defaults import seed_defaults

    seed_defaults(branch.organisation)
    assert client.get("/api/v1/tags").status_code == 401
    doctor = role_user("医生", username="doc", branches=[branch])
    api = logged_in(doctor)
    api.get("/api/v1/tags")
    with django_assert_num_queries(7):
        response = api.get("/api/v1/tags")
    groups = response.json()
    assert [(g["name"], g["multiple"], len(g["tags"])) for g in groups] == [
        ("客户类型", False, 4),
        ("关注项目", True, 3),
    ]
    assert groups[0]["tags"][0] == {"id": groups[0]["tags"][0]["id"], "name": "VIP", "colour": "#d63939"}
    storekeeper = role_user("库管", username="store", branches=[branch])
    assert logged_in(storekeeper).get("/api/v1/tags").status_code == 403


def test_ticked_rows_go_to_the_bulk_page(logged_in, director, branch):
    chosen = [CustomerFactory(branch=branch, name=f"赵{i}") for i in range(2)]
    CustomerFactory(branch=branch, name="钱一")
    client = logged_in(director)
    listing = client.get(reverse("customers:customer_list")).content.decode()
    assert 'data-testid="act-on-selection"' in listing
    assert f'name="id" value="{chosen[0].pk}" form="list-selection"' in listing
    page = client.get(reverse("customer_bulk:change"), {"id": [c.pk for c in chosen]}).content.decode()
    assert "已选 2 位客户" in page and "赵0" in page and "钱一" not in page
    consultant = role_user("咨询师", username="c9", branches=[branch])
    assert (
        'data-testid="act-on-selection"'
        not in logged_in(consultant).get(reverse("customers:customer_list")).content.decode()
    )
