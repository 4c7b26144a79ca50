"""Customer pages: permission matrix and data scope, the list (filters, search, sort, custom
columns, export, query count), the create and edit forms, the archive with its sections, the
audited full contact, tags, and the top bar's search."""

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from medspa.accounts.choices import DataScope
from medspa.audit.models import AuditEvent
from medspa.core import crypto
from medspa.customers import services
from medspa.customers.models import CardNoChange, Customer
from medspa.customers.services import CustomerInput
from tests.customers.conftest import customer_writes, tag
from tests.customers.factories import (
    ComplaintFactory,
    CustomerFactory,
    CustomFieldFactory,
    MemberLevelFactory,
)
from tests.organization.factories import scoped_user

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
LOGIN = "/accounts/login/?next="


@pytest.fixture
def mine(branch, li):
    """张三 of 李咨询 in the main branch."""
    return CustomerFactory(
        branch=branch,
        name="张三",
        phone="13800001234",
        card_no="VIP001",
        consultant=li,
        birthday=datetime.date(1990, 1, 1),
    )


@pytest.fixture
def east(other_branch, zhao):
    """A customer of the east branch."""
    return CustomerFactory(branch=other_branch, name="东区客户", phone="13900009999", consultant=zhao)


def state():
    """What a refused request must leave as it was."""
    return (
        sorted(Customer.objects.values_list("pk", "name", "phone", "card_no", "is_active")),
        sorted(Customer.tags.through.objects.values_list("customer_id", "dictionaryitem_id")),
        CardNoChange.objects.count(),
        customer_writes(),
    )


def page_urls(pk):
    return {
        "detail": reverse("customers:customer_detail", args=[pk]),
        "edit": reverse("customers:customer_edit", args=[pk]),
        "section": reverse("customers:customer_section", args=[pk, "profile"]),
    }


def post_urls(pk):
    return {
        "edit": reverse("customers:customer_edit", args=[pk]),
        "full-contact": reverse("customers:customer_full_contact", args=[pk]),
        "tags": reverse("customers:customer_tags", args=[pk]),
    }


FORM = {"name": "改名", "gender": "U", "tags": []}


def assert_error_on(html, field, message):
    """``message`` is shown as the invalid-feedback of ``field`` (after its widget, before the
    next field)."""
    start = html.index(f' name="{field}"')
    end = html.index(f'<div class="invalid-feedback d-block">{message}</div>', start)
    assert set(re.findall(r' name="([^"]+)"', html[start:end])) == {field}


# --- permission matrix -------------------------------------------------------------------------


@pytest.mark.req("CRM-01", "CRM-06", "PLT-01")
def test_anonymous_is_sent_to_the_login_page(client, mine):
    before = state()
    urls = [
        reverse("customers:customer_list"),
        reverse("customers:customer_create"),
        reverse("customers:customer_autocomplete"),
        *page_urls(mine.pk).values(),
    ]
    for url in urls:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, LOGIN + url), url
    for url in [reverse("customers:customer_create"), *post_urls(mine.pk).values()]:
        response = client.post(url, FORM)
        assert (response.status_code, response["Location"]) == (302, LOGIN + url), url
    assert state() == before


@pytest.mark.req("CRM-01", "CRM-06", "PLT-01")
def test_without_the_permission_every_page_is_refused(logged_in, user, mine):
    client = logged_in(user)
    before = state()
    for url in [
        reverse("customers:customer_list"),
        reverse("customers:customer_create"),
        reverse("customers:customer_autocomplete") + "?q=zs",
        *page_urls(mine.pk).values(),
    ]:
        assert client.get(url).status_code == 403, url
    for url in [reverse("customers:customer_create"), *post_urls(mine.pk).values()]:
        assert client.post(url, FORM).status_code == 403, url
    assert state() == before


@pytest.mark.req("CRM-01", "CRM-03", "PLT-01")
def test_view_only_roles_cannot_change(logged_in, doctor_user, mine):
    client = logged_in(doctor_user)  # 医生: views customers of the department, changes nothing
    before = state()
    assert client.get(reverse("customers:customer_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("customers:customer_create")).status_code == 403
    assert client.post(reverse("customers:customer_create"), FORM).status_code == 403
    for name, url in post_urls(mine.pk).items():
        assert client.post(url, FORM).status_code == 403, name
    assert client.get(reverse("customers:customer_edit", args=[mine.pk])).status_code == 403
    assert state() == before
    html = client.get(reverse("customers:customer_detail", args=[mine.pk])).content.decode()
    assert 'data-testid="edit"' not in html and 'data-testid="full-contact"' not in html


@pytest.mark.req("CRM-01", "CRM-06", "PLT-05")
def test_with_the_permission_pages_open_and_another_branch_is_not_found(logged_in, branch, mine, east):
    allowed = scoped_user(
        branch,
        [
            "customers.view_customer",
            "customers.add_customer",
            "customers.change_customer",
            "customers.view_full_contact",
        ],
        DataScope.BRANCH,
    )
    client = logged_in(allowed)
    assert client.get(reverse("customers:customer_list")).status_code == 200
    assert client.get(reverse("customers:customer_create")).status_code == 200
    assert client.get(reverse("customers:customer_autocomplete"), {"q": "zs"}).status_code == 200
    for name, url in page_urls(mine.pk).items():
        assert client.get(url).status_code == 200, name
    before = state()
    for pk in (east.pk, 999999):
        for name, url in page_urls(pk).items():
            assert client.get(url).status_code == 404, name
        for name, url in post_urls(pk).items():
            assert client.post(url, FORM).status_code == 404, name
    assert state() == before
    html = client.get(reverse("customers:customer_list")).content.decode()
    assert "张三" in html and "东区客户" not in html


@pytest.mark.req("PLT-05", "CRM-04", "CRM-06")
def test_own_scope_consultant_sees_only_her_customers(logged_in, consultant, branch, mine, wang):
    theirs = CustomerFactory(branch=branch, name="张四", phone="13800005678", consultant=wang)
    client = logged_in(consultant)
    html = client.get(reverse("customers:customer_list")).content.decode()
    assert "张三" in html and "张四" not in html
    html = client.get(reverse("customers:customer_list"), {"q": "zs"}).content.decode()
    assert "张三" in html and "张四" not in html
    html = client.get(reverse("customers:customer_autocomplete"), {"q": "张"}).content.decode()
    assert "张三" in html and "张四" not in html
    assert client.get(reverse("customers:customer_detail", args=[mine.pk])).status_code == 200
    before = state()
    for name, url in page_urls(theirs.pk).items():
        assert client.get(url).status_code == 404, name
    assert client.post(reverse("customers:customer_edit", args=[theirs.pk]), FORM).status_code == 404
    assert client.post(reverse("customers:customer_tags", args=[theirs.pk]), {"tags": []}).status_code == 404
    assert state() == before


@pytest.mark.req("PLT-05", "CRM-07")
def test_own_scope_export_holds_only_her_customers(logged_in, branch, li, mine, wang):
    CustomerFactory(branch=branch, name="张四", consultant=wang)
    exporter = scoped_user(
        branch, ["customers.view_customer", "customers.export_customer"], DataScope.OWN, staff=li
    )
    response = logged_in(exporter).get(reverse("customers:customer_list"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == ["张三"]


# --- list ----------------------------------------------------------------------------------------


@pytest.fixture
def listed(branch, org, li, wang, channel):
    """Four customers of the main branch with statuses, tags, levels and a custom value."""
    gold = MemberLevelFactory(organisation=org, name="金卡")
    vip = tag(org, "VIP", "客户类型", multiple=False, colour="#d63939")
    CustomFieldFactory(
        organisation=org, key="skin", label="肤质", type="choice", options=["干", "油"], show_in_list=True
    )
    CustomFieldFactory(organisation=org, key="secret", label="内部", type="text", show_in_list=False)
    return {
        "zhangsan": CustomerFactory(
            branch=branch,
            name="张三",
            phone="13800001234",
            card_no="VIP001",
            consultant=li,
            status="new",
            gender="F",
            birthday=datetime.date(1990, 1, 1),
            tags=[vip],
            member_level=gold,
            source_channel=channel,
            custom_values={"skin": "干", "secret": "不显示"},
        ),
        "lisi": CustomerFactory(
            branch=branch,
            name="李四",
            phone="13900005678",
            consultant=wang,
            status="returning",
            birthday=datetime.date(2000, 6, 1),
        ),
        "wangwu": CustomerFactory(branch=branch, name="王五", phone="13700001111", status="lost"),
        "zhaoliu": CustomerFactory(branch=branch, name="赵六", phone="13600002222", is_active=False),
    }


@pytest.mark.req("CRM-01", "CRM-02", "CRM-03", "CRM-04", "CRM-12")
def test_list_rows_filters_search_and_sort(logged_in, triage, listed, li, channel, org):
    client = logged_in(triage)
    url = reverse("customers:customer_list")
    html = client.get(url).content.decode()
    assert "138****1234" in html and "13800001234" not in html  # phones masked
    assert "肤质" in html and "干" in html  # the custom field shown in the list
    assert "内部" not in html and "不显示" not in html
    assert 'data-testid="create"' in html and 'data-testid="export-csv"' not in html  # no export permission
    vip = listed["zhangsan"].tags.get()
    gold = listed["zhangsan"].member_level

    def names(**params):
        text = client.get(url, params).content.decode()
        return [n for n in ("张三", "李四", "王五", "赵六") if n in text]

    assert names(q="zs") == ["张三"]
    assert names(q="1234") == ["张三"]
    assert names(q="VIP001") == ["张三"]
    assert names(q="lisi") == ["李四"]
    assert names(status="returning") == ["李四"]
    assert names(consultant=li.pk) == ["张三"]
    assert names(source_channel=channel.pk) == ["张三"]
    assert names(tag=vip.pk) == ["张三"]
    assert names(member_level=gold.pk) == ["张三"]
    assert names(is_active="false") == ["赵六"]
    assert names(is_active="true") == ["张三", "李四", "王五"]
    assert names(status="nonsense") == []  # an invalid filter lists nothing

    def order(sort):
        text = client.get(url, {"sort": sort, "is_active": "true"}).content.decode()
        return sorted(("张三", "李四", "王五"), key=text.index)

    assert order("name") == ["李四", "王五", "张三"]  # by pinyin: lisi, wangwu, zhangsan
    assert order("-name") == ["张三", "王五", "李四"]
    assert order("age") == ["李四", "张三", "王五"]  # youngest first, no birthday last
    assert order("-age") == ["张三", "李四", "王五"]
    assert order("card_no")[-1] == "张三"


@pytest.mark.req("CRM-01", "CRM-02", "CRM-07")
def test_export_needs_the_permission_is_masked_and_audited(logged_in, triage, director, listed):
    client = logged_in(triage)
    url = reverse("customers:customer_list")
    assert client.get(url, {"export": "xlsx"}).status_code == 403
    client.logout()
    writes = customer_writes()
    client = logged_in(director)
    assert 'data-testid="export-xlsx"' in client.get(url).content.decode()
    response = client.get(url, {"export": "xlsx", "q": "zs"})
    assert response.status_code == 200
    values = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    headers = [
        "Name",
        "Gender",
        "Age",
        "Phone",
        "Card no",
        "Customer status",
        "Consultant",
        "Tags",
        "Member level",
        "Registered at",
    ]
    assert list(values[0]) == [gettext(h) if h != "Name" else "姓名" for h in headers] + ["肤质"]
    row = values[1]
    age = timezone.localdate().year - 1990  # born on 1 January
    assert row[:9] == (
        "张三",
        gettext("Female"),
        age,
        "138****1234",
        "VIP001",
        "新客",
        "李咨询",
        "VIP",
        "金卡",
    )
    assert row[10] == "干"
    assert len(values) == 2
    event = AuditEvent.objects.get(module="customers", action="export")
    assert (event.actor_id, event.message) == (director.pk, "export=xlsx&q=zs")
    assert customer_writes() == writes + 1


@pytest.mark.req("CRM-01", "PLT-02")
def test_list_query_count_does_not_grow_with_the_rows(
    logged_in, triage, branch, org, li, django_assert_num_queries
):
    gold = MemberLevelFactory(organisation=org, name="金卡")
    vip, skin = tag(org, "VIP", "客户类型", multiple=False), tag(org, "美白", "兴趣")
    CustomFieldFactory(organisation=org, key="skin", label="肤质", type="text", show_in_list=True)

    def add(n):
        for _ in range(n):
            CustomerFactory(
                branch=branch,
                consultant=li,
                member_level=gold,
                tags=[vip, skin],
                custom_values={"skin": "干"},
            )

    client = logged_in(triage)
    url = reverse("customers:customer_list")
    add(5)
    client.get(url)
    # session, user, the layout's branches, user perms, group perms, custom fields in the list,
    # data scope, count, filter choices (consultant, channel, tag, member level), page, its tags
    with django_assert_num_queries(14) as five:
        assert client.get(url).status_code == 200
    add(25)
    with django_assert_num_queries(14) as thirty:
        assert client.get(url, {"per_page": 50}).status_code == 200
    assert len(five.captured_queries) == len(thirty.captured_queries)
    assert client.get(url, {"per_page": 50}).content.decode().count("customers/") >= 30


# --- create and edit -----------------------------------------------------------------------------


@pytest.mark.req("CRM-01", "CRM-02", "CRM-03")
def test_create_through_the_page(logged_in, triage, li, wang, channel, info_source, region, org):
    vip = tag(org, "VIP", "客户类型", multiple=False)
    skin = tag(org, "美白", "兴趣")
    CustomFieldFactory(
        organisation=org, key="skin", label="肤质", type="choice", options=["干", "油"], required=True
    )
    CustomFieldFactory(organisation=org, key="hobbies", label="爱好", type="multi", options=["读书", "旅游"])
    CustomFieldFactory(organisation=org, key="budget", label="预算", type="number")
    CustomFieldFactory(organisation=org, key="met", label="首次见面", type="date")
    client = logged_in(triage)
    url = reverse("customers:customer_create")
    form = client.get(url).content.decode()
    assert "<optgroup" in form and "客户类型" in form and "兴趣" in form  # tags grouped by tag group
    assert 'name="custom.skin"' in form and 'type="checkbox" name="custom.hobbies"' in form
    assert 'class="form-label required" for="id_custom.skin"' in form  # the required field is marked
    assert 'name="clear_id_number"' not in form
    assert "李咨询" in form and "微信" in form
    response = client.post(
        url,
        {
            "name": "张三",
            "gender": "F",
            "birthday": "1990-05-17",
            "phone": "138 0013 1234",
            "wechat_id": "zs_wx",
            "id_number": ID_NUMBER,
            "card_no": "VIP001",
            "source_channel": channel.pk,
            "info_source": info_source.pk,
            "region": region.pk,
            "referrer_staff": wang.pk,
            "consultant": li.pk,
            "doctor": wang.pk,
            "intention": "玻尿酸",
            "remarks": "怕疼",
            "tags": [vip.pk, skin.pk],
            "custom.skin": "油",
            "custom.hobbies": ["旅游", "读书"],
            "custom.budget": "5000.5",
            "custom.met": "2026-01-02",
        },
    )
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:customer_detail", args=[customer.pk])
    assert (customer.name, customer.gender, customer.phone, customer.card_no) == (
        "张三",
        "F",
        "13800131234",
        "VIP001",
    )
    assert (customer.consultant_id, customer.doctor_id, customer.referrer_staff_id) == (
        li.pk,
        wang.pk,
        wang.pk,
    )
    assert (customer.source_channel_id, customer.info_source_id, customer.region_id) == (
        channel.pk,
        info_source.pk,
        region.pk,
    )
    assert crypto.decrypt(customer.id_number_encrypted) == ID_NUMBER
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "美白"]
    assert customer.custom_values == {
        "skin": "油",
        "hobbies": ["读书", "旅游"],
        "budget": "5000.5",
        "met": "2026-01-02",
    }
    detail = client.get(response["Location"]).content.decode()
    assert gettext("The customer was registered.") in detail
    assert "138****1234" in detail and "13800131234" not in detail and ID_NUMBER not in detail


@pytest.mark.req("CRM-01", "CRM-02", "CRM-03")
@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        (
            {"phone": "12345"},
            "phone",
            "Enter a mobile number (11 digits starting with 1) or a landline such as 010-12345678.",
        ),
        ({"birthday": "2999-01-01"}, "birthday", "The birthday cannot be in the future."),
        ({"id_number": "110105194912310021"}, "id_number", "Enter a valid 18-digit ID number."),
        ({"custom.skin": ""}, "custom.skin", "custom-required"),
        ({"tags": "two-of-a-single-group"}, "tags", "single-group"),
        ({"phone": "13800001234"}, "phone", "duplicate-phone"),
        ({"card_no": "VIP001"}, "card_no", "duplicate-card"),
        ({"referrer_customer": "99999999999999999999"}, "referrer_customer", "too-large"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_create_bad_input_shows_the_message_on_its_field_and_writes_nothing(
    logged_in, triage, mine, org, data, field, text
):
    CustomFieldFactory(organisation=org, key="skin", label="肤质", type="text", required=True)
    vip, regular = tag(org, "VIP", "客户类型", multiple=False), tag(org, "普通", "客户类型", multiple=False)
    data = dict(data)
    if data.get("tags") == "two-of-a-single-group":
        data["tags"] = [vip.pk, regular.pk]
    expected = {
        "custom-required": gettext("Enter %(label)s.") % {"label": "肤质"},
        "single-group": gettext("The tag group %(group)s allows one tag only.") % {"group": "客户类型"},
        "duplicate-phone": gettext("This %(what)s belongs to %(name)s (customer no %(pk)s).")
        % {"what": gettext("phone"), "name": "张三", "pk": mine.pk},
        "duplicate-card": gettext("This %(what)s belongs to %(name)s (customer no %(pk)s).")
        % {"what": gettext("card no"), "name": "张三", "pk": mine.pk},
        "too-large": gettext("Ensure this value is less than or equal to %(limit_value)s.")
        % {"limit_value": "9223372036854775807"},
        "required": gettext("This field is required."),
    }.get(text, gettext(text))
    before = state()
    response = logged_in(triage).post(
        reverse("customers:customer_create"), {"name": "新客户", "gender": "U", "custom.skin": "干", **data}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert_error_on(html, field, expected)
    assert state() == before


@pytest.mark.req("CRM-01")
def test_htmx_form_errors_swap_the_form_and_success_redirects(logged_in, triage):
    client = logged_in(triage)
    url = reverse("customers:customer_create")
    response = client.post(
        url, {"name": "张三", "gender": "U", "phone": "123"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "invalid-feedback" in html and 'hx-post="/customers/new/"' in html
    assert Customer.objects.count() == 0
    response = client.post(url, {"name": "张三", "gender": "U"}, headers={"HX-Request": "true"})
    customer = Customer.objects.get()
    assert (response.status_code, response["HX-Redirect"]) == (
        204,
        reverse("customers:customer_detail", args=[customer.pk]),
    )


@pytest.mark.req("CRM-01")
def test_edit_never_shows_the_id_number_keeps_it_when_empty_and_clears_on_request(logged_in, triage, li, org):
    customer = services.customer_create(
        actor=triage,
        data=CustomerInput(
            name="张三", phone="13800001234", id_number=ID_NUMBER, card_no="A001", consultant_id=li.pk
        ),
    )
    vip = tag(org, "VIP", "客户类型", multiple=False)
    services.customer_tags_set(actor=triage, customer_id=customer.pk, tag_ids=[vip.pk])
    client = logged_in(triage)
    url = reverse("customers:customer_edit", args=[customer.pk])
    form = client.get(url).content.decode()
    assert ID_NUMBER not in form and "**************002X" in form
    assert 'value="13800001234"' in form and 'value="A001"' in form
    assert f'<option value="{vip.pk}" selected>' in form
    data = {
        "name": "张三丰",
        "gender": "U",
        "phone": "13800001234",
        "card_no": "A002",
        "consultant": li.pk,
        "tags": [vip.pk],
    }
    assert client.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.card_no) == ("张三丰", "A002")
    assert crypto.decrypt(customer.id_number_encrypted) == ID_NUMBER
    assert list(customer.tags.values_list("name", flat=True)) == ["VIP"]
    assert list(CardNoChange.objects.order_by("pk").values_list("old", "new")) == [
        ("", "A001"),
        ("A001", "A002"),
    ]
    assert client.post(url, {**data, "clear_id_number": "on"}).status_code == 302
    customer.refresh_from_db()
    assert (customer.id_number_encrypted, customer.id_number_tail) == ("", "")


# --- archive ---------------------------------------------------------------------------------------


@pytest.fixture
def archived(branch, org, li, mine):
    vip = tag(org, "VIP", "客户类型", multiple=False, colour="#d63939")
    mine.tags.add(vip)
    mine.member_level = MemberLevelFactory(organisation=org, name="金卡")
    mine.visit_count = 3
    mine.status = "returning"
    mine.save()
    ComplaintFactory(customer=mine, status="open")
    ComplaintFactory(customer=mine, status="resolved")
    return mine


@pytest.mark.req("CRM-06", "CRM-03", "CRM-09", "MBR-01")
def test_archive_header_and_sections(logged_in, triage, archived, li):
    client = logged_in(triage)
    html = client.get(reverse("customers:customer_detail", args=[archived.pk])).content.decode()
    assert '<h2 class="m-0" data-testid="customer-name">张三</h2>' in html
    assert "138****1234" in html and "13800001234" not in html
    assert 'style="background-color: #d63939; color: #ffffff"' in html and ">VIP</span>" in html
    assert '<span data-testid="owner">李咨询</span>' in html
    assert '<span class="badge bg-green-lt" data-testid="status">' + gettext("Returning") in html
    assert "金卡" in html
    assert '<div class="h3 m-0" data-testid="visits">3</div>' in html
    assert 'data-testid="open-complaints"><i class="ti ti-alert-triangle me-1"></i>1</div>' in html
    assert 'data-testid="full-contact"' not in html  # 分诊/前台 may not see full contact
    assert 'data-testid="edit"' in html
    for key in ("profile", "tags", "custom", "timeline"):
        assert f'data-testid="tab-{key}"' in html
    # the first section comes with the page, the others load when shown
    assert 'data-testid="profile-fields"' in html
    assert f'hx-get="/customers/{archived.pk}/sections/timeline/"' in html
    html = client.get(
        reverse("customers:customer_detail", args=[archived.pk]), {"section": "tags"}
    ).content.decode()
    assert 'data-testid="tags-form"' in html and 'data-testid="profile-fields"' not in html


@pytest.mark.req("CRM-06")
def test_archive_sections_as_fragments(logged_in, triage, org, li):
    CustomFieldFactory(organisation=org, key="skin", label="肤质", type="multi", options=["干", "油"])
    customer = services.customer_create(
        actor=triage,
        data=CustomerInput(name="张三", card_no="A001", consultant_id=li.pk, custom={"skin": ["油", "干"]}),
    )
    services.customer_update(
        actor=triage,
        customer_id=customer.pk,
        data=CustomerInput(name="张三", card_no="A002", consultant_id=li.pk),
    )
    client = logged_in(triage)

    def section(key):
        response = client.get(reverse("customers:customer_section", args=[customer.pk, key]))
        assert response.status_code == 200
        return response.content.decode()

    profile = section("profile")
    assert "<html" not in profile and "李咨询" in profile and 'data-testid="card-changes"' in profile
    history = profile[profile.index('data-testid="card-changes"') :]
    assert history.index("<td>A001</td><td>A002</td>") < history.index("<td>—</td><td>A001</td>")
    assert "干、油" in section("custom")
    timeline = section("timeline")
    assert timeline.index(gettext("Profile changed")) < timeline.index(gettext("Registered"))
    assert gettext("card no") in timeline or "卡号" in timeline
    assert client.get(reverse("customers:customer_section", args=[customer.pk, "nope"])).status_code == 404


@pytest.mark.req("CRM-06", "PLT-02")
def test_archive_query_count(logged_in, triage, archived, django_assert_num_queries):
    client = logged_in(triage)
    url = reverse("customers:customer_detail", args=[archived.pk])
    client.get(url)
    # session, user, the layout's branches, user perms, group perms, data scope, the customer with
    # its open complaints, its tags, the profile section's card no changes
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200


@pytest.mark.req("CRM-01", "AUD-01")
def test_full_contact_through_the_archive_is_audited(logged_in, director, triage, branch, li):
    customer = services.customer_create(
        actor=triage,
        data=CustomerInput(name="张三", phone="13800001234", id_number=ID_NUMBER, consultant_id=li.pk),
    )
    client = logged_in(director)
    url = reverse("customers:customer_detail", args=[customer.pk])
    html = client.get(url).content.decode()
    assert 'data-testid="full-contact"' in html and "13800001234" not in html and ID_NUMBER not in html
    assert client.get(reverse("customers:customer_full_contact", args=[customer.pk])).status_code == 405
    response = client.post(
        reverse("customers:customer_full_contact", args=[customer.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert '<span data-testid="phone">13800001234</span>' in fragment
    assert f'<span data-testid="id-number">{ID_NUMBER}</span>' in fragment
    assert "<html" not in fragment and 'data-testid="full-contact-note"' in fragment
    event = AuditEvent.objects.get(module="customers", action="view_contact")
    assert (event.actor_id, event.object_id) == (director.pk, str(customer.pk))
    # without htmx: the whole archive with the full values
    html = client.post(reverse("customers:customer_full_contact", args=[customer.pk])).content.decode()
    assert "<html" in html and '<span data-testid="phone">13800001234</span>' in html
    assert AuditEvent.objects.filter(module="customers", action="view_contact").count() == 2


@pytest.mark.req("CRM-01", "PLT-01")
def test_full_contact_without_the_permission_is_refused_and_not_audited(logged_in, consultant, mine):
    before = (state(), AuditEvent.objects.filter(action="view_contact").count())
    response = logged_in(consultant).post(reverse("customers:customer_full_contact", args=[mine.pk]))
    assert response.status_code == 403
    assert (state(), AuditEvent.objects.filter(action="view_contact").count()) == before


@pytest.mark.req("CRM-03")
def test_set_tags_from_the_archive(logged_in, triage, mine, org):
    vip = tag(org, "VIP", "客户类型", multiple=False, colour="#f59f00")
    regular = tag(org, "普通", "客户类型", multiple=False)
    skin = tag(org, "美白", "兴趣")
    client = logged_in(triage)
    url = reverse("customers:customer_tags", args=[mine.pk])
    response = client.post(url, {"tags": [vip.pk, skin.pk]}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert gettext("The tags were saved.") in html
    assert 'id="archive-tags" class="d-flex flex-wrap gap-1" hx-swap-oob="true"' in html  # the header too
    assert sorted(mine.tags.values_list("name", flat=True)) == ["VIP", "美白"]
    before = state()
    response = client.post(url, {"tags": [vip.pk, regular.pk]}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert (
        gettext("The tag group %(group)s allows one tag only.") % {"group": "客户类型"}
    ) in response.content.decode()
    assert state() == before
    response = client.post(url, {"tags": [vip.pk, regular.pk]})
    assert response.status_code == 422 and "<html" in response.content.decode()
    assert client.post(url, {"tags": ["x"]}).status_code == 422
    assert state() == before
    response = client.post(url, {"tags": []})
    assert response["Location"] == reverse("customers:customer_detail", args=[mine.pk]) + "?section=tags"
    assert mine.tags.count() == 0


# --- top bar search ------------------------------------------------------------------------------


@pytest.mark.req("CRM-04")
def test_top_bar_search_box_and_autocomplete(logged_in, triage, user, branch, li):
    for i in range(12):
        CustomerFactory(branch=branch, name=f"张{chr(0x4E00 + i)}", phone=f"1380000{i:04d}", consultant=li)
    client = logged_in(triage)
    home = client.get(reverse("core:home")).content.decode()
    assert home.count('data-testid="customer-search"') == 2  # desktop bar and the phone's row
    assert 'data-testid="customer-search-toggle"' in home
    assert 'hx-get="/customers/autocomplete/"' in home and 'action="/customers/"' in home
    html = client.get(reverse("customers:customer_autocomplete"), {"q": "zh"}).content.decode()
    assert html.count('data-testid="autocomplete-item"') == 10
    assert re.search(r"138\*\*\*\*00\d\d", html) and not re.search(r"1380000\d{4}", html) and "李咨询" in html
    assert 'href="/customers/?q=zh"' in html
    html = client.get(reverse("customers:customer_autocomplete"), {"q": "0003"}).content.decode()
    assert html.count('data-testid="autocomplete-item"') == 1 and "张七" in html
    assert client.get(reverse("customers:customer_autocomplete"), {"q": " "}).content.decode().strip() == ""
    html = client.get(reverse("customers:customer_autocomplete"), {"q": "nobody"}).content.decode()
    assert gettext("No customer matches.") in html
    client.logout()
    home = logged_in(user).get(reverse("core:home")).content.decode()
    assert 'data-testid="customer-search"' not in home


@pytest.mark.req("CRM-04")
def test_menu_entry_for_those_who_may_view_customers(logged_in, triage, user):
    html = logged_in(triage).get(reverse("core:home")).content.decode()
    assert 'data-menu="customers-customers"' in html
    html = logged_in(user).get(reverse("core:home")).content.decode()
    assert 'data-menu="customers-customers"' not in html
