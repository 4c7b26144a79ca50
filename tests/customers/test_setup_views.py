"""CRM setup pages: custom fields (CRM-02) and member levels (MBR-01) — permission matrix,
another organisation's definitions, forms with inline errors, moving, export, query counts, menu."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.translation import gettext

from medspa.audit.models import AuditEvent
from medspa.core.menu import menu_for
from medspa.customers import setup_services as services
from medspa.customers.models import CustomField, MemberLevel
from tests.customers.factories import CustomerFactory, CustomFieldFactory, MemberLevelFactory
from tests.customers.test_setup_support import ALL_PERMS, FIELD_PERMS, setup_user, state
from tests.factories import BranchFactory, OrganisationFactory, role_user

pytestmark = pytest.mark.django_db

VIEW_FIELD, ADD_FIELD, CHANGE_FIELD, DELETE_FIELD = FIELD_PERMS
VIEW_LEVEL = "customers.view_memberlevel"


@pytest.fixture
def admin(branch):
    return setup_user(branch, ALL_PERMS, username="setupadmin")


@pytest.fixture
def foreign_branch(db):
    return BranchFactory(organisation=OrganisationFactory(code="foreign"), code="far", name="别家机构")


@pytest.fixture
def objects(admin, foreign_branch):
    """Own-organisation definitions and their twins in another organisation."""
    field = services.customfield_create(actor=admin, key="allergy", label="过敏史", type="text")
    level = services.memberlevel_create(actor=admin, name="金卡", discount_percent="95")
    foreign_field = CustomFieldFactory(organisation=foreign_branch.organisation, key="far")
    foreign_level = MemberLevelFactory(organisation=foreign_branch.organisation, name="远方")
    return {"field": (field, foreign_field), "level": (level, foreign_level)}


LEVEL_DATA = {
    "name": "银卡",
    "discount_percent": "98",
    "points_multiplier": "1",
    "upgrade_amount": "5000",
    "downgrade_amount": "0",
    "window_days": "365",
}


def page_urls(objects):
    field = objects["field"][0]
    level = objects["level"][0]
    # (url, permissions needed, POST data or None for GET-only pages)
    return [
        (reverse("customer_setup:field_list"), [VIEW_FIELD], None),
        (
            reverse("customer_setup:field_create"),
            [VIEW_FIELD, ADD_FIELD],
            {"key": "new", "label": "新", "type": "text"},
        ),
        (
            reverse("customer_setup:field_edit", args=[field.pk]),
            [VIEW_FIELD, CHANGE_FIELD],
            {"label": "改", "type": "text", "is_active": "on"},
        ),
        (reverse("customer_setup:field_deactivate", args=[field.pk]), [VIEW_FIELD, DELETE_FIELD], {}),
        (reverse("customer_setup:level_list"), [VIEW_LEVEL], None),
        (reverse("customer_setup:level_create"), [VIEW_LEVEL, "customers.add_memberlevel"], LEVEL_DATA),
        (
            reverse("customer_setup:level_edit", args=[level.pk]),
            [VIEW_LEVEL, "customers.change_memberlevel"],
            {**LEVEL_DATA, "name": "金卡", "is_active": "on"},
        ),
        (
            reverse("customer_setup:level_deactivate", args=[level.pk]),
            [VIEW_LEVEL, "customers.delete_memberlevel"],
            {},
        ),
    ]


@pytest.mark.req("CRM-02", "MBR-01")
def test_pages_permission_matrix(client, logged_in, branch, objects):
    for url, perms, data in page_urls(objects):
        before = state()
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}"), url
        if data is not None:
            assert client.post(url, data).status_code == 302
        for granted in ([], perms[:-1]):
            denied = logged_in(setup_user(branch, granted))
            assert denied.get(url).status_code == 403, url
            if data is not None:
                assert denied.post(url, data).status_code == 403, url
            client.logout()
        assert state() == before, url
        allowed = logged_in(setup_user(branch, perms))
        assert allowed.get(url).status_code == 200, url
        client.logout()


@pytest.mark.req("CRM-02")
def test_move_permission_matrix(client, logged_in, branch, objects):
    field = objects["field"][0]
    services.customfield_create(actor=setup_user(branch, ALL_PERMS), key="second", label="第二", type="text")
    url = reverse("customer_setup:field_move", args=[field.pk])
    before = state()
    assert client.post(url, {"direction": "down"})["Location"] == f"/accounts/login/?next={url}"
    for granted in ([], [VIEW_FIELD]):
        assert logged_in(setup_user(branch, granted)).post(url, {"direction": "down"}).status_code == 403
        client.logout()
    assert state() == before
    allowed = logged_in(setup_user(branch, [VIEW_FIELD, CHANGE_FIELD]))
    assert allowed.get(url).status_code == 405
    assert allowed.post(url, {"direction": "down"}).status_code == 302
    assert list(
        CustomField.objects.filter(organisation=branch.organisation)
        .order_by("order")
        .values_list("key", flat=True)
    ) == [
        "second",
        "allergy",
    ]


@pytest.mark.req("CRM-02", "MBR-01", "PLT-05")
def test_other_organisations_definitions_are_not_found(logged_in, admin, objects):
    _field, foreign_field = objects["field"]
    _level, foreign_level = objects["level"]
    client = logged_in(admin)
    before = state()
    for url in [
        reverse("customer_setup:field_edit", args=[foreign_field.pk]),
        reverse("customer_setup:field_deactivate", args=[foreign_field.pk]),
        reverse("customer_setup:field_move", args=[foreign_field.pk]),
        reverse("customer_setup:level_edit", args=[foreign_level.pk]),
        reverse("customer_setup:level_deactivate", args=[foreign_level.pk]),
        reverse("customer_setup:field_edit", args=[999999]),
    ]:
        if "move" not in url:
            assert client.get(url).status_code == 404, url
        response = client.post(url, {**LEVEL_DATA, "label": "x", "type": "text", "direction": "up"})
        assert response.status_code == 404, url
    assert state() == before
    listed = client.get(reverse("customer_setup:field_list")).content.decode()
    assert "过敏史" in listed and foreign_field.label not in listed
    listed = client.get(reverse("customer_setup:level_list")).content.decode()
    assert "金卡" in listed and "远方" not in listed


# --- custom fields ---------------------------------------------------------------------------------


@pytest.mark.req("CRM-02")
def test_create_edit_and_deactivate_a_field_through_the_pages(logged_in, admin, branch):
    client = logged_in(admin)
    consultants = Group.objects.get(name="咨询师")
    page = client.get(reverse("customer_setup:field_create")).content.decode()
    assert 'name="key"' in page and 'name="options"' in page and "咨询师" in page
    assert 'name="is_active"' not in page
    response = client.post(
        reverse("customer_setup:field_create"),
        {
            "key": "skin",
            "label": "肤质",
            "type": "choice",
            "options": "干性\r\n 油性 \r\n\r\n混合",
            "required": "on",
            "editable_by": [consultants.pk],
        },
    )
    assert (response.status_code, response["Location"]) == (302, reverse("customer_setup:field_list"))
    field = CustomField.objects.get(key="skin")
    assert (field.label, field.type, field.options, field.required, field.show_in_list, field.order) == (
        "肤质",
        "choice",
        ["干性", "油性", "混合"],
        True,
        False,
        10,
    )
    assert list(field.editable_by.all()) == [consultants]

    # bad input: the form comes back with the service's message, nothing written
    before = state()
    response = client.post(
        reverse("customer_setup:field_create"), {"key": "skin", "label": "again", "type": "multi"}
    )
    assert response.status_code == 422
    assert gettext("Enter at least one option.") in response.content.decode()
    response = client.post(
        reverse("customer_setup:field_create"), {"key": "skin", "label": "again", "type": "text"}
    )
    assert response.status_code == 422
    assert "skin" in response.content.decode() and "invalid-feedback" in response.content.decode()
    assert state() == before

    edit = reverse("customer_setup:field_edit", args=[field.pk])
    page = client.get(edit).content.decode()
    assert 'data-testid="deactivate"' in page and "disabled" in page and "干性\n油性\n混合" in page
    CustomerFactory(branch=branch, custom_values={"skin": "油性"})
    before = state()
    response = client.post(
        edit,
        {"key": "changed", "label": "皮肤", "type": "choice", "options": "干性\n混合", "is_active": "on"},
    )
    assert response.status_code == 422
    assert (
        gettext(
            "The option %(option)s is still chosen for %(count)s customers; "
            "change their values before removing it."
        )
        % {"option": "油性", "count": 1}
        in response.content.decode()
    )
    assert state() == before
    response = client.post(
        edit,
        {
            "key": "changed",
            "label": "皮肤",
            "type": "choice",
            "options": "干性\n油性\n混合\n敏感",
            "order": "3",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.key, field.label, field.options, field.order, field.required) == (
        "skin",  # the key field is disabled: what was posted is ignored
        "皮肤",
        ["干性", "油性", "混合", "敏感"],
        3,
        False,
    )
    assert list(field.editable_by.all()) == []

    response = client.post(reverse("customer_setup:field_deactivate", args=[field.pk]))
    assert response.status_code == 302
    field.refresh_from_db()
    assert field.is_active is False
    assert 'data-testid="deactivate"' not in client.get(edit).content.decode()


@pytest.mark.req("CRM-02")
def test_an_editor_who_may_not_see_roles_keeps_the_fields_roles(logged_in, admin, branch):
    consultants = Group.objects.get(name="咨询师")
    field = services.customfield_create(
        actor=admin, key="allergy", label="过敏史", type="text", editable_by=[consultants.pk]
    )
    editor = logged_in(setup_user(branch, [VIEW_FIELD, CHANGE_FIELD]))
    edit = reverse("customer_setup:field_edit", args=[field.pk])
    assert 'name="editable_by"' not in editor.get(edit).content.decode()
    response = editor.post(edit, {"label": "过敏", "type": "text", "is_active": "on"})
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.label, list(field.editable_by.all())) == ("过敏", [consultants])


@pytest.mark.req("CRM-02")
def test_field_list_shows_definitions_and_moves_them(logged_in, admin, branch):
    consultants = Group.objects.get(name="咨询师")
    services.customfield_create(actor=admin, key="allergy", label="过敏史", type="text", required=True)
    services.customfield_create(
        actor=admin,
        key="skin",
        label="肤质",
        type="multi",
        options=["干性", "油性"],
        editable_by=[consultants.pk],
    )
    third = services.customfield_create(actor=admin, key="since", label="首次到院", type="date")
    client = logged_in(admin)
    content = client.get(reverse("customer_setup:field_list")).content.decode()
    assert content.index("过敏史") < content.index("肤质") < content.index("首次到院")
    skin = content[content.index('data-testid="field-skin"') :]
    skin = skin[: skin.index("</tr>")]
    assert gettext("Multiple choice") in skin and "干性 / 油性" in skin and "咨询师" in skin
    allergy = content[content.index('data-testid="field-allergy"') :]
    assert gettext("Every role") in allergy[: allergy.index("</tr>")]
    assert 'data-testid="up"' in content and "export=" not in content
    response = client.post(reverse("customer_setup:field_move", args=[third.pk]), {"direction": "up"})
    assert response.status_code == 302
    assert list(CustomField.objects.order_by("order").values_list("key", flat=True)) == [
        "allergy",
        "since",
        "skin",
    ]
    client.post(reverse("customer_setup:field_move", args=[third.pk]), {"direction": "up"})
    client.post(reverse("customer_setup:field_move", args=[third.pk]), {"direction": "up"})  # already first
    assert list(CustomField.objects.order_by("order").values_list("key", flat=True)) == [
        "since",
        "allergy",
        "skin",
    ]
    # filtered, nothing moves; a viewer gets no buttons
    filtered = client.get(reverse("customer_setup:field_list"), {"type": "date"}).content.decode()
    assert "首次到院" in filtered and "过敏史" not in filtered and 'data-testid="up"' not in filtered
    client.logout()
    viewer = logged_in(setup_user(branch, [VIEW_FIELD]))
    content = viewer.get(reverse("customer_setup:field_list")).content.decode()
    assert 'data-testid="up"' not in content and 'data-testid="create"' not in content
    assert viewer.get(reverse("customer_setup:field_list"), {"export": "csv"}).status_code == 403


@pytest.mark.req("CRM-02", "MBR-01")
def test_htmx_requests_get_fragments(logged_in, admin):
    services.customfield_create(actor=admin, key="allergy", label="过敏史", type="text")
    level = services.memberlevel_create(actor=admin, name="金卡")
    client = logged_in(admin)
    for url in (reverse("customer_setup:field_list"), reverse("customer_setup:level_list")):
        response = client.get(url, {"q": "金"}, headers={"HX-Request": "true"})
        content = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in content and 'data-testid="object-table"' in content
    response = client.post(
        reverse("customer_setup:level_edit", args=[level.pk]),
        {**LEVEL_DATA, "discount_percent": "0", "is_active": "on"},
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content and "invalid-feedback" in content


# --- member levels ---------------------------------------------------------------------------------


@pytest.mark.req("MBR-01")
def test_create_edit_and_deactivate_a_level_through_the_pages(logged_in, admin, branch):
    client = logged_in(admin)
    response = client.post(
        reverse("customer_setup:level_create"), {**LEVEL_DATA, "upgrade_amount": "5,000.5"}
    )
    assert (response.status_code, response["Location"]) == (302, reverse("customer_setup:level_list"))
    level = MemberLevel.objects.get()
    assert (level.name, level.discount_percent, level.upgrade_amount, level.window_days) == (
        "银卡",
        Decimal("98.00"),
        Decimal("5000.50"),
        365,
    )
    before = state()
    response = client.post(
        reverse("customer_setup:level_create"), {**LEVEL_DATA, "name": "金卡", "downgrade_amount": "6000"}
    )
    assert response.status_code == 422
    assert (
        gettext("The downgrade threshold may not be higher than the upgrade threshold.")
        in response.content.decode()
    )
    assert state() == before

    edit = reverse("customer_setup:level_edit", args=[level.pk])
    page = client.get(edit).content.decode()
    assert 'value="5000.50"' in page and 'data-testid="deactivate"' in page
    response = client.post(edit, {**LEVEL_DATA, "discount_percent": "97.5", "is_active": "on"})
    assert response.status_code == 302
    level.refresh_from_db()
    assert level.discount_percent == Decimal("97.50")

    CustomerFactory(branch=branch, member_level=level)
    before = state()
    response = client.post(reverse("customer_setup:level_deactivate", args=[level.pk]))
    assert response.status_code == 422
    assert (
        gettext("%(count)s active customers hold the level %(name)s; move them to another level first.")
        % {"count": 1, "name": "银卡"}
        in response.content.decode()
    )
    response = client.post(edit, {**LEVEL_DATA})  # unticking "active" is a deactivation too
    assert response.status_code == 422
    assert state() == before


@pytest.mark.req("MBR-01")
def test_level_list_and_export(client, logged_in, admin, branch):
    gold = services.memberlevel_create(
        actor=admin, name="金卡", discount_percent="95", upgrade_amount="10000"
    )
    services.memberlevel_create(actor=admin, name="银卡", discount_percent="98")
    CustomerFactory(branch=branch, member_level=gold)
    url = reverse("customer_setup:level_list")
    content = logged_in(admin).get(url).content.decode()
    assert content.index("金卡") < content.index("银卡")
    assert "¥10,000.00" in content and "95.00" in content
    client.logout()
    viewer = logged_in(setup_user(branch, [VIEW_LEVEL]))
    assert viewer.get(url, {"export": "csv"}).status_code == 403
    assert "export=" not in viewer.get(url).content.decode()
    client.logout()
    before = AuditEvent.objects.filter(action="export").count()
    response = logged_in(admin).get(url, {"export": "csv", "q": "卡"})
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][:3] == [gettext("Order"), gettext("Name"), gettext("Discount (%)")]
    assert [line[1:4] for line in lines[1:]] == [["金卡", "95.00", "1.00"], ["银卡", "98.00", "1.00"]]
    assert lines[1][7] == "1"  # active members
    event = AuditEvent.objects.filter(action="export").get()
    assert (AuditEvent.objects.filter(action="export").count(), event.module, event.message) == (
        before + 1,
        "customers",
        "export=csv&q=%E5%8D%A1",
    )


# --- query counts, menu ------------------------------------------------------------------------------


def populate(branch, admin, n):
    consultants = Group.objects.get(name="咨询师")
    doctors = Group.objects.get(name="医生")
    for i in range(n):
        field = CustomFieldFactory(organisation=branch.organisation, order=i)
        field.editable_by.set([consultants, doctors])
        level = MemberLevelFactory(organisation=branch.organisation, order=i)
        CustomerFactory(branch=branch, member_level=level)


@pytest.mark.req("CRM-02", "MBR-01")
@pytest.mark.parametrize(
    ("url", "queries"),
    [(reverse("customer_setup:field_list"), 9), (reverse("customer_setup:level_list"), 8)],
)
@pytest.mark.parametrize("n", [3, 15])
def test_list_query_counts(logged_in, admin, branch, django_assert_num_queries, url, queries, n):
    populate(branch, admin, n)
    client = logged_in(admin)
    client.get(url)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("<tr") == n + 1


def test_menu_items_sit_in_the_system_group_after_the_configuration(branch):
    admin = role_user("系统管理员", branches=[branch])
    groups = {str(group.label): [item.key for item in group.items] for group in menu_for(admin)}
    assert groups[gettext("System")][-3:] == [
        "configuration-visit-stages",
        "customer-fields",
        "member-levels",
    ]
    # the menu is for those who maintain them: marketing keeps the levels, reads the fields
    marketing = role_user("市场", branches=[branch])
    groups = {str(group.label): [item.key for item in group.items] for group in menu_for(marketing)}
    assert groups[gettext("System")][-1:] == ["member-levels"]
    assert "customer-fields" not in groups[gettext("System")]
    for reader in (setup_user(branch, []), role_user("咨询师", branches=[branch])):
        keys = [item.key for group in menu_for(reader) for item in group.items]
        assert "customer-fields" not in keys and "member-levels" not in keys
    only_levels = setup_user(branch, [VIEW_LEVEL, "customers.change_memberlevel"])
    keys = [item.key for group in menu_for(only_levels) for item in group.items]
    assert "customer-fields" not in keys and "member-levels" in keys
