"""Configuration pages: permission matrix, lists (tree, filter, export, query counts), forms."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from medspa.configuration import params, services
from medspa.configuration.choices import DictionaryKind
from medspa.configuration.defaults import seed_defaults
from medspa.configuration.models import DictionaryItem, ParameterValue, VisitStage
from tests.configuration.conftest import config_writes
from tests.configuration.factories import ALL_PERMS, DictionaryItemFactory, VisitStageFactory, config_user

pytestmark = pytest.mark.django_db

K = DictionaryKind


def rows(model):
    return list(model.objects.order_by("pk").values())


@pytest.fixture
def objects(admin, foreign_branch):
    """Own-organisation objects and their foreign twins (another organisation)."""
    mine_item = services.dictionary_item_create(actor=admin, kind="region", code="local", name="本市")
    foreign_item = DictionaryItemFactory(organisation=foreign_branch.organisation, kind=K.REGION, code="far")
    mine_stage = services.visit_stage_create(actor=admin, code="arrive", name="到院")
    foreign_stage = VisitStageFactory(organisation=foreign_branch.organisation, code="far")
    return {"item": (mine_item, foreign_item), "stage": (mine_stage, foreign_stage)}


def page_urls(objects):
    item, _foreign = objects["item"]
    stage, _foreign_stage = objects["stage"]
    # (url, permissions needed, POST data or None for GET-only pages)
    return [
        (reverse("configuration:dictionary_kinds"), ["configuration.view_dictionaryitem"], None),
        (
            reverse("configuration:dictionary_item_list", args=["region"]),
            ["configuration.view_dictionaryitem"],
            None,
        ),
        (
            reverse("configuration:dictionary_item_create", args=["region"]),
            ["configuration.view_dictionaryitem", "configuration.add_dictionaryitem"],
            {"code": "new", "name": "新"},
        ),
        (
            reverse("configuration:dictionary_item_edit", args=["region", item.pk]),
            ["configuration.view_dictionaryitem", "configuration.change_dictionaryitem"],
            {"code": "x", "name": "x", "is_active": "on"},
        ),
        (
            reverse("configuration:dictionary_item_deactivate", args=["region", item.pk]),
            ["configuration.view_dictionaryitem", "configuration.delete_dictionaryitem"],
            {},
        ),
        (reverse("configuration:parameter_list"), ["configuration.view_parametervalue"], None),
        (
            reverse("configuration:parameter_edit", args=["crm.dormant_days"]),
            ["configuration.view_parametervalue", "configuration.change_parametervalue"],
            {"level": "organisation", "value": "30"},
        ),
        (reverse("configuration:visit_stage_list"), ["configuration.view_visitstage"], None),
        (
            reverse("configuration:visit_stage_create"),
            ["configuration.view_visitstage", "configuration.add_visitstage"],
            {"code": "new", "name": "新"},
        ),
        (
            reverse("configuration:visit_stage_edit", args=[stage.pk]),
            ["configuration.view_visitstage", "configuration.change_visitstage"],
            {"code": "x", "name": "x", "is_active": "on"},
        ),
        (
            reverse("configuration:visit_stage_deactivate", args=[stage.pk]),
            ["configuration.view_visitstage", "configuration.delete_visitstage"],
            {},
        ),
    ]


def state():
    return rows(DictionaryItem), rows(VisitStage), rows(ParameterValue), config_writes()


@pytest.mark.req("PLT-06", "PLT-07", "PLT-08")
def test_pages_permission_matrix(client, logged_in, branch, objects):
    for url, perms, data in page_urls(objects):
        before = state()
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}"), url
        if data is not None:
            assert client.post(url, data).status_code == 302
        # without permissions (all but the last one needed)
        for granted in ([], perms[:-1]):
            denied = logged_in(config_user(branch, granted))
            assert denied.get(url).status_code == 403, url
            if data is not None:
                assert denied.post(url, data).status_code == 403, url
            client.logout()
        assert state()[:3] == before[:3], url
        allowed = logged_in(config_user(branch, perms))
        assert allowed.get(url).status_code == 200, url
        client.logout()


@pytest.mark.req("PLT-06", "PLT-08", "PLT-05")
def test_other_organisations_objects_are_not_found(client, logged_in, admin, objects):
    _item, foreign_item = objects["item"]
    _stage, foreign_stage = objects["stage"]
    client = logged_in(admin)
    before = state()
    urls = [
        reverse("configuration:dictionary_item_edit", args=["region", foreign_item.pk]),
        reverse("configuration:dictionary_item_deactivate", args=["region", foreign_item.pk]),
        reverse("configuration:visit_stage_edit", args=[foreign_stage.pk]),
        reverse("configuration:visit_stage_deactivate", args=[foreign_stage.pk]),
        reverse("configuration:visit_stage_move", args=[foreign_stage.pk]),
        # an entry of this organisation, addressed under another kind
        reverse("configuration:dictionary_item_edit", args=["channel", objects["item"][0].pk]),
    ]
    for url in urls:
        if "move" not in url:
            assert client.get(url).status_code == 404, url
        assert client.post(url, {"code": "x", "name": "x", "direction": "up"}).status_code == 404, url
    assert client.get(reverse("configuration:dictionary_item_list", args=["nope"])).status_code == 404
    assert client.get(reverse("configuration:parameter_edit", args=["nope.nothing"])).status_code == 404
    assert client.post(reverse("configuration:parameter_reset", args=["nope.nothing"])).status_code == 404
    assert state() == before


@pytest.mark.req("PLT-06")
def test_kinds_index_shows_counts(logged_in, admin, branch):
    seed_defaults(branch.organisation)
    response = logged_in(admin).get(reverse("configuration:dictionary_kinds"))
    content = response.content.decode()
    assert response.status_code == 200
    for kind in DictionaryKind:
        assert f'data-testid="kind-{kind.value}"' in content
    card = content[content.index('data-testid="kind-payment_method"') :]
    assert gettext("%(active)s active / %(total)s in all") % {"active": 5, "total": 5} in card[:1000]


@pytest.mark.req("PLT-06")
def test_tree_list_indents_children_and_filters(logged_in, admin, branch):
    seed_defaults(branch.organisation)
    client = logged_in(admin)
    url = reverse("configuration:dictionary_item_list", args=["channel"])
    content = client.get(url).content.decode()
    assert content.index("线下") < content.index("└ 到院") < content.index("线上")
    assert "└ 微信" in content
    response = client.get(url, {"q": "微信"})
    assert "└ 微信" in response.content.decode()
    assert "电话" not in response.content.decode()
    tags = client.get(reverse("configuration:dictionary_item_list", args=["tag"])).content.decode()
    assert "客户类型" in tags and "#d63939" in tags


@pytest.mark.req("PLT-06")
def test_dictionary_export_needs_the_export_permission(client, logged_in, branch, admin):
    seed_defaults(branch.organisation)
    url = reverse("configuration:dictionary_item_list", args=["payment_method"])
    viewer = logged_in(config_user(branch, ["configuration.view_dictionaryitem"]))
    assert viewer.get(url, {"export": "csv"}).status_code == 403
    client.logout()
    response = logged_in(admin).get(url, {"export": "csv"})
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][:2] == [gettext("Name"), gettext("Code")]
    assert [line[0] for line in lines[1:]] == ["现金", "微信", "支付宝", "银联刷卡", "储值卡"]


@pytest.mark.req("PLT-06")
def test_create_edit_deactivate_through_the_pages(logged_in, admin):
    client = logged_in(admin)
    group = services.dictionary_item_create(actor=admin, kind="tag_group", code="type", name="客户类型")
    url = reverse("configuration:dictionary_item_create", args=["tag"])
    page = client.get(url).content.decode()
    assert "客户类型" in page and 'type="color"' in page
    response = client.post(url, {"parent": group.pk, "code": "vip", "name": "VIP", "colour": "#d63939"})
    assert response.status_code == 302
    assert response["Location"] == reverse("configuration:dictionary_item_list", args=["tag"])
    tag = DictionaryItem.objects.get(kind=K.TAG)
    assert (tag.parent_id, tag.code, tag.name, tag.colour, tag.order) == (
        group.pk,
        "vip",
        "VIP",
        "#d63939",
        10,
    )

    # a duplicate code comes back as a form error, nothing written
    before = state()
    response = client.post(url, {"parent": group.pk, "code": "vip", "name": "again"})
    assert response.status_code == 422
    assert (
        gettext("The code %(code)s is already used in this dictionary.") % {"code": "vip"}
        in response.content.decode()
    )
    assert state() == before

    edit = reverse("configuration:dictionary_item_edit", args=["tag", tag.pk])
    page = client.get(edit).content.decode()
    assert 'value="vip"' in page and 'data-testid="deactivate"' in page
    response = client.post(
        edit,
        {
            "parent": group.pk,
            "code": "vip",
            "name": "贵宾",
            "colour": "#d63939",
            "order": "5",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.order) == ("贵宾", 5)

    response = client.post(reverse("configuration:dictionary_item_deactivate", args=["tag", tag.pk]))
    assert response.status_code == 302
    tag.refresh_from_db()
    assert tag.is_active is False


@pytest.mark.req("PLT-06")
def test_edit_form_refuses_a_cycle(logged_in, admin):
    a = services.dictionary_item_create(actor=admin, kind="channel", code="a", name="A")
    b = services.dictionary_item_create(actor=admin, kind="channel", code="b", name="B", parent_id=a.pk)
    client = logged_in(admin)
    edit = reverse("configuration:dictionary_item_edit", args=["channel", a.pk])
    before = state()
    response = client.post(edit, {"parent": b.pk, "code": "a", "name": "A", "is_active": "on"})
    assert response.status_code == 422  # b is not offered as a parent of a
    assert state() == before


@pytest.mark.req("PLT-07")
def test_parameter_page_shows_value_and_source(logged_in, admin, branch):
    services.parameter_set(actor=admin, key="crm.dormant_days", value=90)
    services.parameter_set(actor=admin, key="booking.slot_minutes", value=15, branch_id=branch.pk)
    content = logged_in(admin).get(reverse("configuration:parameter_list")).content.decode()
    dormant = content[content.index('data-testid="param-crm.dormant_days"') :]
    assert '<div class="fs-3" data-testid="value">90</div>' in dormant
    assert (
        gettext("Organisation value") in dormant[: dormant.index("</form>") if "</form>" in dormant else None]
    )
    slot = content[content.index('data-testid="param-booking.slot_minutes"') :]
    assert '<div class="fs-3" data-testid="value">15</div>' in slot
    assert gettext("Branch override") in slot[:2000]
    lost = content[content.index('data-testid="param-crm.lost_days"') :]
    assert '<div class="fs-3" data-testid="value">365</div>' in lost


@pytest.mark.req("PLT-07")
def test_parameter_edit_and_reset_through_the_pages(logged_in, admin, branch):
    client = logged_in(admin)
    url = reverse("configuration:parameter_edit", args=["booking.slot_minutes"])
    page = client.get(url).content.decode()
    assert '<option value="30" selected>30</option>' in page
    response = client.post(url, {"level": "branch", "value": "15"})
    assert response.status_code == 302
    assert params.resolve("booking.slot_minutes", branch_id=branch.pk) == (15, "branch")
    response = client.post(url, {"level": "organisation", "value": "20"})
    assert params.resolve("booking.slot_minutes", organisation_id=branch.organisation_id) == (
        20,
        "organisation",
    )

    dormant = reverse("configuration:parameter_edit", args=["crm.dormant_days"])
    before = state()
    response = client.post(dormant, {"level": "organisation", "value": "0"})
    assert response.status_code == 422
    assert state() == before

    reset = reverse("configuration:parameter_reset", args=["booking.slot_minutes"])
    assert client.get(reset).status_code == 405
    client.post(reset, {"level": "branch"})
    assert params.resolve("booking.slot_minutes", branch_id=branch.pk) == (20, "organisation")
    client.post(reset, {"level": "organisation"})
    assert params.resolve("booking.slot_minutes", branch_id=branch.pk) == (30, "default")


@pytest.mark.req("PLT-07")
def test_parameter_reset_needs_the_permission(client, logged_in, admin, branch):
    services.parameter_set(actor=admin, key="crm.dormant_days", value=90)
    reset = reverse("configuration:parameter_reset", args=["crm.dormant_days"])
    assert client.post(reset).status_code == 302  # anonymous: login
    viewer = logged_in(config_user(branch, ["configuration.view_parametervalue"]))
    assert viewer.post(reset, {"level": "organisation"}).status_code == 403
    assert ParameterValue.objects.get().value == 90


@pytest.mark.req("PLT-08")
def test_visit_stage_page_moves_stages(logged_in, admin, branch):
    seed_defaults(branch.organisation)
    client = logged_in(admin)
    content = client.get(reverse("configuration:visit_stage_list")).content.decode()
    names = ["到院", "分诊", "咨询", "面诊", "收费", "治疗", "离院"]
    positions = [content.index(f">{name}<") for name in names]
    assert positions == sorted(positions)
    triage = VisitStage.objects.get(code="triage")
    response = client.post(reverse("configuration:visit_stage_move", args=[triage.pk]), {"direction": "up"})
    assert response.status_code == 302
    assert list(VisitStage.objects.order_by("order").values_list("code", flat=True))[:3] == [
        "triage",
        "arrive",
        "consult",
    ]
    leave = VisitStage.objects.get(code="leave")
    client.post(
        reverse("configuration:visit_stage_move", args=[leave.pk]), {"direction": "down"}
    )  # already last
    assert VisitStage.objects.order_by("order").last().code == "leave"
    viewer = logged_in(config_user(branch, ["configuration.view_visitstage"]))
    assert (
        viewer.post(
            reverse("configuration:visit_stage_move", args=[leave.pk]), {"direction": "up"}
        ).status_code
        == 403
    )
    assert VisitStage.objects.order_by("order").last().code == "leave"


@pytest.mark.req("PLT-08")
def test_visit_stage_create_and_edit_through_the_pages(logged_in, admin):
    client = logged_in(admin)
    response = client.post(reverse("configuration:visit_stage_create"), {"code": "arrive", "name": "到院"})
    assert response.status_code == 302
    stage = VisitStage.objects.get()
    response = client.post(reverse("configuration:visit_stage_create"), {"code": "arrive", "name": "又"})
    assert response.status_code == 422
    response = client.post(
        reverse("configuration:visit_stage_edit", args=[stage.pk]),
        {"code": "arrive", "name": "到店", "is_active": "on"},
    )
    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.name == "到店"


@pytest.mark.req("PLT-06", "PLT-07", "PLT-08")
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        (reverse("configuration:dictionary_kinds"), 7),
        (reverse("configuration:dictionary_item_list", args=["product_category"]), 8),
        (reverse("configuration:dictionary_item_list", args=["tag"]), 8),
        (reverse("configuration:parameter_list"), 7),
        (reverse("configuration:visit_stage_list"), 8),
    ],
)
def test_list_query_counts(logged_in, admin, branch, django_assert_num_queries, url, queries):
    seed_defaults(branch.organisation)
    for _i in range(20):
        DictionaryItemFactory(
            organisation=branch.organisation,
            kind=K.PRODUCT_CATEGORY,
            parent=DictionaryItem.objects.get(code="laser"),
        )
        DictionaryItemFactory(
            organisation=branch.organisation, kind=K.TAG, parent=DictionaryItem.objects.get(code="interest")
        )
        VisitStageFactory(organisation=branch.organisation)
    # a stored value (not through the service: its open transaction would bypass the cache)
    ParameterValue.objects.create(organisation=branch.organisation, key="crm.dormant_days", value=90)
    client = logged_in(admin)
    client.get(url)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_menu_items_follow_permissions(branch):
    from medspa.core.menu import menu_for

    admin = config_user(branch, ALL_PERMS)
    labels = [str(item.label) for group in menu_for(admin) for item in group.items]
    for label in ("Dictionaries", "System parameters", "Visit flow"):
        assert gettext(label) in labels
    plain = config_user(branch, [])
    labels = [str(item.label) for group in menu_for(plain) for item in group.items]
    assert gettext("Dictionaries") not in labels


@pytest.mark.req("PLT-06", "PLT-08")
def test_htmx_form_errors_come_back_as_the_form_fragment(logged_in, admin):
    item = services.dictionary_item_create(actor=admin, kind="region", code="local", name="本市")
    services.dictionary_item_create(actor=admin, kind="region", code="far", name="外省")
    stage = services.visit_stage_create(actor=admin, code="arrive", name="到院")
    services.visit_stage_create(actor=admin, code="triage", name="分诊")
    client = logged_in(admin)
    for url, data in [
        (
            reverse("configuration:dictionary_item_edit", args=["region", item.pk]),
            {"code": "far", "name": "本市"},
        ),
        (reverse("configuration:visit_stage_edit", args=[stage.pk]), {"code": "triage", "name": "到院"}),
    ]:
        response = client.post(url, data, headers={"HX-Request": "true"})
        content = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in content and "invalid-feedback" in content


@pytest.mark.req("PLT-07")
def test_parameter_edit_page_renders_every_type(logged_in, admin, branch):
    from decimal import Decimal

    from medspa.configuration.params import ParamSpec

    extra = [
        ParamSpec(key="test.flag", label="flag", type="bool", default=True, group="g"),
        ParamSpec(key="test.rate", label="rate", type="decimal", default=Decimal("0.5"), group="g"),
        ParamSpec(key="test.text", label="text", type="str", default="hello", group="g"),
    ]
    for spec in extra:
        params.register(spec)
    try:
        client = logged_in(admin)
        for spec in params.specs():
            response = client.get(reverse("configuration:parameter_edit", args=[spec.key]))
            assert response.status_code == 200, spec.key
        response = client.post(
            reverse("configuration:parameter_edit", args=["test.flag"]), {"level": "organisation"}
        )
        assert response.status_code == 302
        assert params.param_value("test.flag", organisation_id=branch.organisation_id) is False
        client.post(
            reverse("configuration:parameter_edit", args=["test.rate"]), {"level": "branch", "value": "0.75"}
        )
        assert params.param_value("test.rate", branch_id=branch.pk) == Decimal("0.75")
    finally:
        for spec in extra:
            params._registry.pop(spec.key, None)


@pytest.mark.req("PLT-06", "PLT-08")
def test_htmx_list_requests_get_the_results_fragment(logged_in, admin, branch):
    seed_defaults(branch.organisation)
    client = logged_in(admin)
    for url in (
        reverse("configuration:dictionary_item_list", args=["channel"]),
        reverse("configuration:visit_stage_list"),
    ):
        response = client.get(url, {"q": "微"}, headers={"HX-Request": "true"})
        content = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in content and 'data-testid="object-table"' in content
