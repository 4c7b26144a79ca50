"""Dictionaries (PLT-06) and visit-flow stages (PLT-08): services and selectors."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext

from medspa.accounts.choices import DataScope
from medspa.audit.models import AuditEvent
from medspa.configuration import selectors, services
from medspa.configuration.choices import DictionaryKind
from medspa.configuration.defaults import VISIT_STAGES, seed_defaults
from medspa.configuration.models import DictionaryItem, VisitStage
from medspa.core.errors import NotFound, PermissionDenied, ValidationError
from tests.configuration.conftest import config_writes
from tests.configuration.factories import DictionaryItemFactory, VisitStageFactory, config_user

pytestmark = pytest.mark.django_db

K = DictionaryKind


def last_event():
    return AuditEvent.objects.filter(module="configuration").latest("pk")


def snapshot_rows(model):
    return list(model.objects.order_by("pk").values())


# --- dictionaries ---------------------------------------------------------------------------------


@pytest.mark.req("PLT-06")
def test_create_flat_entry_and_audit(admin, branch):
    item = services.dictionary_item_create(actor=admin, kind="payment_method", code="cash", name=" 现金 ")
    item = DictionaryItem.objects.get(pk=item.pk)
    assert (
        item.organisation_id,
        item.kind,
        item.code,
        item.name,
        item.order,
        item.is_active,
        item.parent_id,
    ) == (branch.organisation_id, "payment_method", "cash", "现金", 10, True, None)
    assert (item.created_by, item.updated_by) == (admin, admin)
    event = AuditEvent.objects.get(module="configuration")
    assert (event.action, event.object_type, event.object_id, event.organisation_id) == (
        "create",
        "configuration.dictionaryitem",
        str(item.pk),
        branch.organisation_id,
    )
    assert event.changes == {
        "code": [None, "cash"],
        "colour": [None, ""],
        "is_active": [None, True],
        "kind": [None, "payment_method"],
        "multiple": [None, False],
        "name": [None, "现金"],
        "order": [None, 10],
    }
    second = services.dictionary_item_create(actor=admin, kind="payment_method", code="wechat", name="微信")
    assert second.order == 20


@pytest.mark.req("PLT-06")
def test_tree_entries_and_tags(admin):
    online = services.dictionary_item_create(actor=admin, kind="channel", code="online", name="线上")
    wechat = services.dictionary_item_create(
        actor=admin, kind="channel", code="wechat", name="微信", parent_id=online.pk
    )
    group = services.dictionary_item_create(
        actor=admin, kind="tag_group", code="type", name="客户类型", multiple=True
    )
    tag = services.dictionary_item_create(
        actor=admin, kind="tag", code="vip", name="VIP", parent_id=group.pk, colour="#d63939", multiple=True
    )
    assert (wechat.parent_id, group.multiple, tag.parent_id, tag.colour, tag.multiple) == (
        online.pk,
        True,
        group.pk,
        "#d63939",
        False,  # multiple is a tag-group field only
    )
    flat = services.dictionary_item_create(
        actor=admin, kind="region", code="local", name="本市", colour="#000000"
    )
    assert flat.colour == ""  # colour is a tag field only
    assert selectors.dictionary_choices(admin.organisation_id, "channel") == [
        (online.pk, "线上"),
        (wechat.pk, "线上 / 微信"),
    ]
    assert selectors.dictionary_choices(admin.organisation_id, "tag") == [(tag.pk, "客户类型 / VIP")]


@pytest.mark.req("PLT-06")
@pytest.mark.parametrize(
    ("kind", "data", "message", "field"),
    [
        (
            "payment_method",
            {"code": "cash", "name": "又一个现金"},
            "The code cash is already used in this dictionary.",
            "code",
        ),
        ("payment_method", {"code": "", "name": "x"}, "Enter the code.", "code"),
        (
            "payment_method",
            {"code": "现金", "name": "x"},
            "The code may contain only letters, digits, hyphens and underscores.",
            "code",
        ),
        ("payment_method", {"code": "ok", "name": "  "}, "Enter the name.", "name"),
        (
            "payment_method",
            {"code": "ok", "name": "x" * 101},
            "The name may have at most 100 characters.",
            "name",
        ),
        (
            "payment_method",
            {"code": "ok", "name": "x", "parent": "cash"},
            "Entries of this dictionary have no parent.",
            "parent",
        ),
        (
            "channel",
            {"code": "ok", "name": "x", "parent": "cash"},
            "The parent must be one of the Channels.",
            "parent",
        ),
        ("channel", {"code": "ok", "name": "x", "parent": "foreign"}, "The parent does not exist.", "parent"),
        ("tag", {"code": "ok", "name": "x"}, "Choose the tag group.", "parent"),
        (
            "tag",
            {"code": "ok", "name": "x", "parent": "offline", "colour": ""},
            "The parent must be one of the Customer tag groups.",
            "parent",
        ),
        (
            "tag",
            {"code": "ok", "name": "x", "parent": "group", "colour": "red"},
            "Enter a colour like #1f77b4.",
            "colour",
        ),
        (
            "channel",
            {"code": "ok", "name": "x", "order": -1},
            "The order must be zero or a positive whole number.",
            "order",
        ),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(admin, foreign_branch, kind, data, message, field):
    cash = DictionaryItemFactory(organisation=admin.organisation, kind=K.PAYMENT_METHOD, code="cash")
    offline = DictionaryItemFactory(organisation=admin.organisation, kind=K.CHANNEL, code="offline")
    group = DictionaryItemFactory(organisation=admin.organisation, kind=K.TAG_GROUP, code="group")
    foreign = DictionaryItemFactory(organisation=foreign_branch.organisation, kind=K.CHANNEL, code="far")
    parents = {"cash": cash.pk, "offline": offline.pk, "group": group.pk, "foreign": foreign.pk}
    data = dict(data)
    if "parent" in data:
        data["parent_id"] = parents[data.pop("parent")]
    before = snapshot_rows(DictionaryItem)
    with pytest.raises(ValidationError) as info:
        services.dictionary_item_create(actor=admin, kind=kind, **data)
    expected = {
        "Enter the code.": gettext("Enter the %(field)s.") % {"field": gettext("code")},
        "Enter the name.": gettext("Enter the %(field)s.") % {"field": gettext("name")},
        "The name may have at most 100 characters.": gettext(
            "The %(field)s may have at most %(max)s characters."
        )
        % {"field": gettext("name"), "max": 100},
        "The code cash is already used in this dictionary.": gettext(
            "The code %(code)s is already used in this dictionary."
        )
        % {"code": "cash"},
        "The parent must be one of the Channels.": gettext("The parent must be one of the %(kind)s.")
        % {"kind": gettext("Channels")},
        "The parent must be one of the Customer tag groups.": gettext(
            "The parent must be one of the %(kind)s."
        )
        % {"kind": gettext("Customer tag groups")},
        "Choose the tag group.": gettext("Choose the %(parent)s.") % {"parent": gettext("tag group")},
    }.get(message, gettext(message))
    assert (info.value.message, info.value.field) == (expected, field)
    assert snapshot_rows(DictionaryItem) == before
    assert config_writes() == 0


@pytest.mark.req("PLT-06")
def test_unknown_kind_is_not_found(admin):
    with pytest.raises(NotFound):
        services.dictionary_item_create(actor=admin, kind="nope", code="a", name="a")
    with pytest.raises(NotFound):
        selectors.dictionary_items_for(admin, "nope")


@pytest.mark.req("PLT-06")
def test_same_code_in_another_kind_or_organisation_is_fine(admin, foreign_admin):
    services.dictionary_item_create(actor=admin, kind="payment_method", code="wechat", name="微信")
    services.dictionary_item_create(actor=admin, kind="channel", code="wechat", name="微信")
    services.dictionary_item_create(actor=foreign_admin, kind="payment_method", code="wechat", name="微信")
    assert DictionaryItem.objects.filter(code="wechat").count() == 3


@pytest.mark.req("PLT-06")
def test_update_and_audit(admin):
    item = services.dictionary_item_create(actor=admin, kind="region", code="local", name="本市")
    services.dictionary_item_update(actor=admin, item_id=item.pk, code="city", name="本市区", order=5)
    item.refresh_from_db()
    assert (item.code, item.name, item.order) == ("city", "本市区", 5)
    event = last_event()
    assert (event.action, event.changes) == (
        "update",
        {"code": ["local", "city"], "name": ["本市", "本市区"], "order": [10, 5]},
    )
    writes = config_writes()
    services.dictionary_item_update(actor=admin, item_id=item.pk, code="city", name="本市区", order=5)
    assert config_writes() == writes  # nothing changed, nothing recorded


@pytest.mark.req("PLT-06")
def test_update_refuses_cycles_and_deep_trees(admin):
    a = services.dictionary_item_create(actor=admin, kind="product_category", code="a", name="A")
    b = services.dictionary_item_create(
        actor=admin, kind="product_category", code="b", name="B", parent_id=a.pk
    )
    c = services.dictionary_item_create(
        actor=admin, kind="product_category", code="c", name="C", parent_id=b.pk
    )
    d = services.dictionary_item_create(
        actor=admin, kind="product_category", code="d", name="D", parent_id=c.pk
    )
    before = snapshot_rows(DictionaryItem)
    writes = config_writes()
    for parent in (a, c, d):
        with pytest.raises(ValidationError) as info:
            services.dictionary_item_update(
                actor=admin, item_id=a.pk, code="a", name="A", parent_id=parent.pk
            )
        assert (info.value.message, info.value.field) == (
            gettext("An entry cannot be placed under itself or its children."),
            "parent",
        )
    with pytest.raises(ValidationError) as info:
        services.dictionary_item_create(
            actor=admin, kind="product_category", code="e", name="E", parent_id=d.pk
        )
    assert info.value.message == gettext("The tree may have at most %(max)s levels.") % {"max": 4}
    x = services.dictionary_item_create(actor=admin, kind="product_category", code="x", name="X")
    with pytest.raises(ValidationError):  # moving a 4-level subtree under X would make 5 levels
        services.dictionary_item_update(actor=admin, item_id=a.pk, code="a", name="A", parent_id=x.pk)
    DictionaryItem.objects.filter(pk=x.pk).delete()
    assert snapshot_rows(DictionaryItem) == before
    assert config_writes() == writes + 1  # only X's creation


@pytest.mark.req("PLT-06")
def test_update_refuses_a_duplicate_code(admin):
    services.dictionary_item_create(actor=admin, kind="region", code="local", name="本市")
    other = services.dictionary_item_create(actor=admin, kind="region", code="far", name="外省")
    with pytest.raises(ValidationError) as info:
        services.dictionary_item_update(actor=admin, item_id=other.pk, code="local", name="外省")
    assert info.value.message == gettext("The code %(code)s is already used in this dictionary.") % {
        "code": "local"
    }
    other.refresh_from_db()
    assert other.code == "far"


@pytest.mark.req("PLT-06")
def test_update_with_a_kind_refuses_an_entry_of_another_dictionary(admin):
    item = services.dictionary_item_create(actor=admin, kind="region", code="local", name="本市")
    with pytest.raises(NotFound):
        services.dictionary_item_update(actor=admin, item_id=item.pk, kind="channel", code="x", name="x")


@pytest.mark.req("PLT-06")
def test_deactivate_takes_the_children_along_and_reactivation(admin):
    online = services.dictionary_item_create(actor=admin, kind="channel", code="online", name="线上")
    wechat = services.dictionary_item_create(
        actor=admin, kind="channel", code="wechat", name="微信", parent_id=online.pk
    )
    services.dictionary_item_deactivate(actor=admin, item_id=online.pk)
    online.refresh_from_db()
    wechat.refresh_from_db()
    assert (online.is_active, wechat.is_active) == (False, False)
    events = list(AuditEvent.objects.filter(module="configuration", action="deactivate").order_by("pk"))
    assert [(e.object_id, e.changes) for e in events] == [
        (str(online.pk), {"is_active": [True, False]}),
        (str(wechat.pk), {"is_active": [True, False]}),
    ]
    services.dictionary_item_deactivate(actor=admin, item_id=online.pk)  # twice: harmless
    assert AuditEvent.objects.filter(module="configuration", action="deactivate").count() == 2
    assert selectors.dictionary_choices(admin.organisation_id, "channel") == []
    # a child cannot come back under a deactivated parent
    with pytest.raises(ValidationError) as info:
        services.dictionary_item_update(
            actor=admin, item_id=wechat.pk, code="wechat", name="微信", parent_id=online.pk, is_active=True
        )
    assert info.value.message == gettext("The parent is deactivated.")
    services.dictionary_item_update(
        actor=admin, item_id=online.pk, code="online", name="线上", is_active=True
    )
    online.refresh_from_db()
    assert online.is_active is True
    assert last_event().changes == {"is_active": [False, True]}


@pytest.mark.req("PLT-06")
def test_deactivate_through_update_needs_the_delete_permission(branch, admin):
    item = services.dictionary_item_create(actor=admin, kind="region", code="local", name="本市")
    editor = config_user(branch, ["configuration.view_dictionaryitem", "configuration.change_dictionaryitem"])
    with pytest.raises(PermissionDenied):
        services.dictionary_item_update(
            actor=editor, item_id=item.pk, code="local", name="本市", is_active=False
        )
    item.refresh_from_db()
    assert item.is_active is True


@pytest.mark.req("PLT-06")
@pytest.mark.parametrize(
    ("perms", "call"),
    [
        (["configuration.view_dictionaryitem"], "create"),
        (["configuration.view_dictionaryitem"], "update"),
        (["configuration.view_dictionaryitem"], "deactivate"),
    ],
)
def test_dictionary_services_need_permissions(branch, admin, perms, call):
    item = services.dictionary_item_create(actor=admin, kind="region", code="local", name="本市")
    actor = config_user(branch, perms)
    before, writes = snapshot_rows(DictionaryItem), config_writes()
    with pytest.raises(PermissionDenied):
        if call == "create":
            services.dictionary_item_create(actor=actor, kind="region", code="x", name="x")
        elif call == "update":
            services.dictionary_item_update(actor=actor, item_id=item.pk, code="x", name="x")
        else:
            services.dictionary_item_deactivate(actor=actor, item_id=item.pk)
    assert (snapshot_rows(DictionaryItem), config_writes()) == (before, writes)


@pytest.mark.req("PLT-06")
def test_another_organisations_entry_is_not_found(admin, foreign_admin):
    foreign = services.dictionary_item_create(actor=foreign_admin, kind="region", code="far", name="远方")
    before = snapshot_rows(DictionaryItem)
    with pytest.raises(NotFound):
        services.dictionary_item_update(actor=admin, item_id=foreign.pk, code="x", name="x")
    with pytest.raises(NotFound):
        services.dictionary_item_deactivate(actor=admin, item_id=foreign.pk)
    with pytest.raises(NotFound):
        selectors.dictionary_item_get_for(admin, "region", foreign.pk)
    assert list(selectors.dictionary_items_for(admin, "region")) == []
    assert snapshot_rows(DictionaryItem) == before


@pytest.mark.req("PLT-06")
def test_list_is_in_tree_order_and_counts(admin):
    energy = services.dictionary_item_create(
        actor=admin, kind="product_category", code="energy", name="光电类", order=20
    )
    injection = services.dictionary_item_create(
        actor=admin, kind="product_category", code="injection", name="注射类", order=10
    )
    laser = services.dictionary_item_create(
        actor=admin, kind="product_category", code="laser", name="激光", parent_id=energy.pk
    )
    ha = services.dictionary_item_create(
        actor=admin, kind="product_category", code="ha", name="玻尿酸", parent_id=injection.pk
    )
    rows = list(selectors.dictionary_items_for(admin, "product_category"))
    assert rows == [injection, ha, energy, laser]
    assert [selectors.dictionary_item_depth(r) for r in rows] == [0, 1, 0, 1]
    services.dictionary_item_deactivate(actor=admin, item_id=laser.pk)
    kinds = {s.spec.kind: (s.active, s.total) for s in selectors.dictionary_kinds_for(admin)}
    assert kinds[K.PRODUCT_CATEGORY] == (3, 4)
    assert kinds[K.PAYMENT_METHOD] == (0, 0)
    assert len(kinds) == len(DictionaryKind)


@pytest.mark.req("PLT-06")
def test_parent_choices_leave_out_the_entry_and_its_children(admin):
    a = services.dictionary_item_create(actor=admin, kind="channel", code="a", name="A")
    b = services.dictionary_item_create(actor=admin, kind="channel", code="b", name="B", parent_id=a.pk)
    c = services.dictionary_item_create(actor=admin, kind="channel", code="c", name="C")
    assert selectors.dictionary_parent_choices(admin, "channel", exclude=a) == [(c.pk, "C")]
    assert selectors.dictionary_parent_choices(admin, "channel") == [
        (a.pk, "A"),
        (b.pk, "A / B"),
        (c.pk, "C"),
    ]
    assert selectors.dictionary_parent_choices(admin, "region") == []


@pytest.mark.req("PLT-06")
@pytest.mark.req("PLT-08")
def test_seed_defaults_is_idempotent(branch):
    organisation = branch.organisation
    seed_defaults(organisation)
    counts = DictionaryItem.objects.count(), VisitStage.objects.count()
    seed_defaults(organisation)
    assert (DictionaryItem.objects.count(), VisitStage.objects.count()) == counts
    names = set(
        DictionaryItem.objects.filter(organisation=organisation, kind=K.PAYMENT_METHOD).values_list(
            "name", flat=True
        )
    )
    assert names == {"现金", "微信", "支付宝", "银联刷卡", "储值卡"}
    wechat = DictionaryItem.objects.get(organisation=organisation, kind=K.CHANNEL, code="wechat")
    assert wechat.parent.name == "线上"
    vip = DictionaryItem.objects.get(organisation=organisation, kind=K.TAG, code="vip")
    assert (vip.parent.kind, vip.parent.name) == (K.TAG_GROUP, "客户类型")
    assert [s.name for s in selectors.visit_flow(organisation.pk)] == [name for _code, name in VISIT_STAGES]
    assert [s.name for s in selectors.visit_flow(organisation.pk)] == [
        "到院",
        "分诊",
        "咨询",
        "面诊",
        "收费",
        "治疗",
        "离院",
    ]


# --- visit stages ---------------------------------------------------------------------------------


@pytest.mark.req("PLT-08")
def test_visit_stage_create_update_deactivate_and_audit(admin, branch):
    stage = services.visit_stage_create(actor=admin, code="arrive", name="到院")
    assert (stage.organisation_id, stage.order, stage.is_active) == (branch.organisation_id, 10, True)
    assert last_event().changes == {
        "code": [None, "arrive"],
        "is_active": [None, True],
        "name": [None, "到院"],
        "order": [None, 10],
    }
    services.visit_stage_update(actor=admin, stage_id=stage.pk, code="arrive", name="到店", order=15)
    assert (last_event().action, last_event().changes) == (
        "update",
        {"name": ["到院", "到店"], "order": [10, 15]},
    )
    services.visit_stage_deactivate(actor=admin, stage_id=stage.pk)
    stage.refresh_from_db()
    assert stage.is_active is False
    assert (last_event().action, last_event().changes) == ("deactivate", {"is_active": [True, False]})
    assert selectors.visit_flow(branch.organisation_id) == []


@pytest.mark.req("PLT-08")
def test_visit_stage_duplicate_code(admin):
    services.visit_stage_create(actor=admin, code="arrive", name="到院")
    writes = config_writes()
    with pytest.raises(ValidationError) as info:
        services.visit_stage_create(actor=admin, code="arrive", name="又到院")
    assert (info.value.message, info.value.field) == (
        gettext("The code %(code)s is already used by another stage.") % {"code": "arrive"},
        "code",
    )
    assert (VisitStage.objects.count(), config_writes()) == (1, writes)


@pytest.mark.req("PLT-08")
def test_visit_stages_reorder(admin):
    a, b, c = (services.visit_stage_create(actor=admin, code=code, name=code) for code in ("a", "b", "c"))
    writes = config_writes()
    result = services.visit_stages_reorder(actor=admin, ids=[c.pk, a.pk, b.pk])
    assert [s.pk for s in result] == [c.pk, a.pk, b.pk]
    assert list(selectors.visit_stages_for(admin).values_list("code", "order")) == [
        ("c", 10),
        ("a", 20),
        ("b", 30),
    ]
    assert config_writes() == writes + 3
    services.visit_stages_reorder(actor=admin, ids=[c.pk, a.pk, b.pk])
    assert config_writes() == writes + 3  # same order: nothing recorded


@pytest.mark.req("PLT-08")
@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ("missing-one", "List every stage of the visit flow exactly once."),
        ("duplicate", "Each stage may appear only once."),
        ("foreign", "List every stage of the visit flow exactly once."),
    ],
)
def test_visit_stages_reorder_refuses_bad_lists(admin, foreign_branch, ids, message):
    a, b = (services.visit_stage_create(actor=admin, code=code, name=code) for code in ("a", "b"))
    foreign = VisitStageFactory(organisation=foreign_branch.organisation)
    lists = {"missing-one": [b.pk], "duplicate": [b.pk, a.pk, a.pk], "foreign": [b.pk, a.pk, foreign.pk]}
    before, writes = snapshot_rows(VisitStage), config_writes()
    with pytest.raises(ValidationError) as info:
        services.visit_stages_reorder(actor=admin, ids=lists[ids])
    assert (info.value.message, info.value.field) == (gettext(message), "ids")
    assert (snapshot_rows(VisitStage), config_writes()) == (before, writes)


@pytest.mark.req("PLT-08")
def test_visit_stage_services_need_permissions_and_organisation(branch, admin, foreign_admin):
    stage = services.visit_stage_create(actor=admin, code="a", name="A")
    viewer = config_user(branch, ["configuration.view_visitstage"], DataScope.OWN)
    before = snapshot_rows(VisitStage)
    with pytest.raises(PermissionDenied):
        services.visit_stage_create(actor=viewer, code="b", name="B")
    with pytest.raises(PermissionDenied):
        services.visit_stage_update(actor=viewer, stage_id=stage.pk, code="b", name="B")
    with pytest.raises(PermissionDenied):
        services.visit_stage_deactivate(actor=viewer, stage_id=stage.pk)
    with pytest.raises(PermissionDenied):
        services.visit_stages_reorder(actor=viewer, ids=[stage.pk])
    with pytest.raises(NotFound):
        services.visit_stage_update(actor=foreign_admin, stage_id=stage.pk, code="b", name="B")
    with pytest.raises(NotFound):
        services.visit_stage_deactivate(actor=foreign_admin, stage_id=stage.pk)
    assert snapshot_rows(VisitStage) == before
    # own-scope users of the organisation still see the flow (organisation reference data)
    assert list(selectors.visit_stages_for(viewer)) == [stage]
    assert list(selectors.visit_stages_for(foreign_admin)) == []
