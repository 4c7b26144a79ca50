"""CRM setup services and selectors: custom-field definitions (CRM-02) and member levels (MBR-01)
— exact results, every refusal with its message and nothing written, audit, permissions, scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils.translation import gettext

from medspa.audit.models import AuditEvent
from medspa.core.errors import NotFound, PermissionDenied, ValidationError
from medspa.customers import setup_selectors as selectors
from medspa.customers import setup_services as services
from medspa.customers.models import CustomField, MemberLevel
from tests.customers.factories import CustomerFactory, MemberLevelFactory
from tests.customers.test_setup_support import (
    ALL_PERMS,
    FIELD_PERMS,
    organisation_role,
    setup_user,
    state,
    writes,
)
from tests.factories import BranchFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(branch):
    return setup_user(branch, ALL_PERMS, username="setupadmin")


@pytest.fixture
def foreign_branch(db):
    return BranchFactory(organisation=OrganisationFactory(code="foreign"), code="far", name="别家机构")


@pytest.fixture
def foreign_admin(foreign_branch):
    return setup_user(foreign_branch, ALL_PERMS, username="foreignadmin")


def last_event():
    return AuditEvent.objects.filter(module="customers").order_by("-pk").first()


def text_field(actor, key="allergy", **kwargs):
    return services.customfield_create(
        actor=actor, key=key, label=kwargs.pop("label", "过敏史"), type="text", **kwargs
    )


def choice_field(actor, key="skin", type="choice", options=("干性", "油性", "混合")):
    return services.customfield_create(actor=actor, key=key, label="肤质", type=type, options=list(options))


# --- custom fields: create ------------------------------------------------------------------------


@pytest.mark.req("CRM-02")
def test_create_a_text_field_goes_last_and_is_audited(admin, branch):
    first = text_field(admin)
    second = services.customfield_create(
        actor=admin,
        key="skin",
        label=" 肤质 ",
        type="choice",
        options=[" 干性 ", "", "油性"],
        required=True,
        show_in_list=True,
    )
    first.refresh_from_db()
    assert (first.organisation_id, first.key, first.label, first.type, first.options, first.order) == (
        branch.organisation_id,
        "allergy",
        "过敏史",
        "text",
        [],
        10,
    )
    assert (first.required, first.show_in_list, first.is_active, first.created_by, first.updated_by) == (
        False,
        False,
        True,
        admin,
        admin,
    )
    second.refresh_from_db()
    assert (second.label, second.options, second.required, second.show_in_list, second.order) == (
        "肤质",
        ["干性", "油性"],
        True,
        True,
        20,
    )
    event = last_event()
    assert (event.action, event.object_type, event.object_id, event.actor, event.organisation_id) == (
        "create",
        "customers.customfield",
        str(second.pk),
        admin,
        branch.organisation_id,
    )
    assert event.changes["key"] == [None, "skin"]
    assert event.changes["options"] == [None, ["干性", "油性"]]
    assert writes() == 2


@pytest.mark.req("CRM-02")
def test_create_with_roles_that_may_edit(admin, branch):
    consultants = Group.objects.get(name="咨询师")
    own = organisation_role(branch, "本院咨询组")
    field = text_field(admin, editable_by=[consultants.pk, own.pk], order=5)
    assert sorted(field.editable_by.values_list("pk", flat=True)) == sorted([consultants.pk, own.pk])
    assert field.order == 5
    assert last_event().changes["editable_by"] == [None, sorted([consultants.pk, own.pk])]


def field_error(message, **values):
    return gettext(message) % values if values else gettext(message)


KEY_RULE = (
    "The field key may contain only lower-case letters, digits and single underscores, "
    "and must start with a letter (e.g. skin_type)."
)


@pytest.mark.req("CRM-02")
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"key": " "}, "key", field_error("Enter the %(field)s.", field=gettext("field key"))),
        ({"key": "Skin"}, "key", field_error(KEY_RULE)),
        ({"key": "1skin"}, "key", field_error(KEY_RULE)),
        ({"key": "skin-type"}, "key", field_error(KEY_RULE)),
        ({"key": "skin__type"}, "key", field_error(KEY_RULE)),
        ({"key": "肤质"}, "key", field_error(KEY_RULE)),
        (
            {"key": "k" * 33},
            "key",
            field_error(
                "The %(field)s may have at most %(max)s characters.", field=gettext("field key"), max=32
            ),
        ),
        ({"label": ""}, "label", field_error("Enter the %(field)s.", field=gettext("display name"))),
        (
            {"label": "名" * 51},
            "label",
            field_error(
                "The %(field)s may have at most %(max)s characters.", field=gettext("display name"), max=50
            ),
        ),
        ({"type": "bogus"}, "type", field_error("Choose a field type from the list.")),
        ({"type": "choice"}, "options", field_error("Enter at least one option.")),
        ({"type": "multi", "options": ["", "  "]}, "options", field_error("Enter at least one option.")),
        (
            {"type": "choice", "options": ["A", " A "]},
            "options",
            field_error("The option %(option)s is listed twice.", option="A"),
        ),
        (
            {"type": "choice", "options": ["甲" * 51]},
            "options",
            field_error(
                "The option %(option)s is longer than %(max)s characters.", option="甲" * 20 + "…", max=50
            ),
        ),
        (
            {"type": "multi", "options": [f"o{i}" for i in range(101)]},
            "options",
            field_error("A field may have at most %(max)s options.", max=100),
        ),
        (
            {"type": "text", "options": ["A"]},
            "options",
            field_error("Only single-choice and multiple-choice fields have options."),
        ),
        (
            {"type": "choice", "options": "A,B"},
            "options",
            field_error("Send the options as a list of texts."),
        ),
        ({"editable_by": [-1]}, "editable_by", field_error("Choose roles from the list.")),
        ({"order": -1}, "order", field_error("The order must be zero or a positive whole number.")),
    ],
)
def test_create_refuses_bad_input(admin, data, field, message):
    before = state()
    payload = {"key": "skin", "label": "肤质", "type": "text", **data}
    with pytest.raises(ValidationError) as error:
        services.customfield_create(actor=admin, **payload)
    assert (error.value.field, error.value.message) == (field, message)
    assert state() == before


@pytest.mark.req("CRM-02")
def test_key_is_unique_per_organisation_even_when_deactivated(admin, foreign_admin):
    field = text_field(admin)
    services.customfield_deactivate(actor=admin, field_id=field.pk)
    before = state()
    with pytest.raises(ValidationError) as error:
        text_field(admin, label="另一个")
    assert (error.value.field, error.value.message) == (
        "key",
        gettext("The field key %(key)s is already used by another custom field (perhaps a deactivated one).")
        % {"key": "allergy"},
    )
    assert state() == before
    assert text_field(foreign_admin).key == "allergy"  # another organisation may use it


@pytest.mark.req("CRM-02")
def test_roles_of_another_organisation_cannot_edit(admin, foreign_branch):
    foreign_role = organisation_role(foreign_branch, "别家角色")
    before = state()
    with pytest.raises(ValidationError) as error:
        text_field(admin, editable_by=[foreign_role.pk])
    assert error.value.field == "editable_by"
    assert state() == before


@pytest.mark.req("CRM-02")
def test_an_actor_who_may_not_see_roles_may_name_none(branch):
    actor = setup_user(branch, FIELD_PERMS)  # no accounts.view_roleprofile
    consultants = Group.objects.get(name="咨询师")
    with pytest.raises(ValidationError):
        text_field(actor, editable_by=[consultants.pk])
    assert text_field(actor, editable_by=[]).editable_by.count() == 0


# --- custom fields: update ------------------------------------------------------------------------


def update(actor, field, **changes):
    """Send the field's current definition with ``changes``."""
    field.refresh_from_db()
    data = {
        "label": field.label,
        "type": field.type,
        "options": list(field.options),
        "required": field.required,
        "show_in_list": field.show_in_list,
        "order": field.order,
    }
    data.update(changes)
    return services.customfield_update(actor=actor, field_id=field.pk, **data)


@pytest.mark.req("CRM-02")
def test_update_changes_and_audits_only_what_changed(admin):
    field = choice_field(admin)
    consultants = Group.objects.get(name="咨询师")
    count = writes()
    same = update(admin, field, key="skin")
    assert writes() == count  # nothing changed, nothing recorded
    assert same.updated_at == field.updated_at
    update(
        admin, field, label="皮肤类型", options=["干性", "油性", "混合", "敏感"], editable_by=[consultants.pk]
    )
    field.refresh_from_db()
    assert (field.label, field.options, list(field.editable_by.values_list("pk", flat=True))) == (
        "皮肤类型",
        ["干性", "油性", "混合", "敏感"],
        [consultants.pk],
    )
    event = last_event()
    assert event.action == "update"
    assert event.changes == {
        "label": ["肤质", "皮肤类型"],
        "options": [["干性", "油性", "混合"], ["干性", "油性", "混合", "敏感"]],
        "editable_by": [[], [consultants.pk]],
    }
    # editable_by=None keeps the roles
    update(admin, field, required=True)
    assert list(field.editable_by.values_list("pk", flat=True)) == [consultants.pk]
    # [] clears them
    update(admin, field, editable_by=[])
    assert field.editable_by.count() == 0


@pytest.mark.req("CRM-02")
def test_the_key_never_changes(admin):
    field = text_field(admin)
    before = state()
    with pytest.raises(ValidationError) as error:
        update(admin, field, key="allergies")
    assert (error.value.field, error.value.message) == (
        "key",
        gettext("The field key cannot be changed after the field was created."),
    )
    assert state() == before


@pytest.mark.req("CRM-02")
def test_type_change_is_refused_while_customers_hold_values(admin, branch):
    field = text_field(admin)
    holder = CustomerFactory(branch=branch, custom_values={"allergy": "青霉素"})
    CustomerFactory(branch=branch, custom_values={"allergy": "花粉"})
    CustomerFactory(branch=branch, custom_values={"other": "x"})
    before = state()
    with pytest.raises(ValidationError) as error:
        update(admin, field, type="number")
    assert (error.value.field, error.value.message) == (
        "type",
        gettext(
            "%(count)s customers have a value in this field, so its type cannot change. "
            "Add a new field instead."
        )
        % {"count": 2},
    )
    assert state() == before
    # a customer merged into another no longer counts; with no values left, the type may change
    holder.custom_values = {}
    holder.save()
    other = CustomerFactory(branch=branch)
    from medspa.customers.models import Customer

    Customer.objects.exclude(pk__in=[holder.pk, other.pk]).update(merged_into=other)
    update(admin, field, type="number")
    field.refresh_from_db()
    assert field.type == "number"


@pytest.mark.req("CRM-02")
@pytest.mark.parametrize(
    ("type", "values"),
    [
        ("choice", ["油性", "油性", "干性"]),
        ("multi", [["油性", "混合"], ["油性"], ["干性"]]),
    ],
)
def test_removing_an_option_in_use_is_refused(admin, branch, foreign_branch, type, values):
    field = choice_field(admin, type=type)
    for value in values:
        CustomerFactory(branch=branch, custom_values={"skin": value})
    # another organisation's customers with the same key do not count
    CustomerFactory(branch=foreign_branch, custom_values={"skin": values[0]})
    before = state()
    with pytest.raises(ValidationError) as error:
        update(admin, field, options=["干性", "混合"])
    assert (error.value.field, error.value.message) == (
        "options",
        gettext(
            "The option %(option)s is still chosen for %(count)s customers; "
            "change their values before removing it."
        )
        % {"option": "油性", "count": 2},
    )
    assert state() == before
    if type == "multi":
        with pytest.raises(ValidationError) as error:
            update(admin, field, options=["干性", "油性"])
        assert "混合" in error.value.message
    # an option nobody chose goes; a new one comes
    update(
        admin,
        field,
        options=["干性", "油性", "混合", "中性"] if type == "choice" else ["油性", "混合", "干性", "中性"],
    )
    field.refresh_from_db()
    assert field.options[-1] == "中性"


@pytest.mark.req("CRM-02")
def test_unused_option_can_be_removed_and_choice_becomes_multi_without_values(admin):
    field = choice_field(admin)
    update(admin, field, options=["干性", "油性"])
    update(admin, field, type="multi")
    field.refresh_from_db()
    assert (field.type, field.options) == ("multi", ["干性", "油性"])


@pytest.mark.req("CRM-02")
def test_deactivate_reactivate_and_permissions(admin, branch):
    field = text_field(admin)
    changer = setup_user(branch, ["customers.view_customfield", "customers.change_customfield"])
    before = state()
    with pytest.raises(PermissionDenied):
        update(changer, field, is_active=False)
    with pytest.raises(PermissionDenied):
        services.customfield_deactivate(actor=changer, field_id=field.pk)
    assert state() == before
    services.customfield_deactivate(actor=admin, field_id=field.pk)
    count = writes()
    services.customfield_deactivate(actor=admin, field_id=field.pk)  # twice is harmless
    assert writes() == count
    field.refresh_from_db()
    assert field.is_active is False
    assert last_event().changes == {"is_active": [True, False]}
    update(changer, field, is_active=True)
    field.refresh_from_db()
    assert field.is_active is True
    update(admin, field, is_active=False)
    field.refresh_from_db()
    assert field.is_active is False


@pytest.mark.req("CRM-02")
def test_reorder(admin):
    a, b, c = (text_field(admin, key=key) for key in ("a", "b", "c"))
    count = writes()
    services.customfields_reorder(actor=admin, ids=[c.pk, a.pk, b.pk])
    assert list(CustomField.objects.order_by("order").values_list("key", "order")) == [
        ("c", 10),
        ("a", 20),
        ("b", 30),
    ]
    assert writes() == count + 3
    before = state()
    for ids, message in [
        ([a.pk, a.pk, b.pk], "Each custom field may appear only once."),
        ([a.pk, b.pk], "List every custom field exactly once."),
        ([a.pk, b.pk, c.pk, -1], "List every custom field exactly once."),
    ]:
        with pytest.raises(ValidationError) as error:
            services.customfields_reorder(actor=admin, ids=ids)
        assert error.value.message == gettext(message)
    assert state() == before


@pytest.mark.req("CRM-02")
def test_custom_field_permissions_and_scope(admin, branch, foreign_admin):
    mine = text_field(admin)
    theirs = text_field(foreign_admin)
    viewer = setup_user(branch, ["customers.view_customfield"])
    before = state()
    with pytest.raises(PermissionDenied):
        text_field(viewer, key="x")
    with pytest.raises(PermissionDenied):
        update(viewer, mine, label="x")
    with pytest.raises(PermissionDenied):
        services.customfields_reorder(actor=viewer, ids=[mine.pk])
    for call in (
        lambda: update(admin, theirs, label="x"),
        lambda: services.customfield_deactivate(actor=admin, field_id=theirs.pk),
        lambda: services.customfield_deactivate(actor=admin, field_id=-1),
    ):
        with pytest.raises(NotFound):
            call()
    assert state() == before
    assert list(selectors.custom_fields_for(admin)) == [mine]
    assert selectors.custom_field_get_for(viewer, mine.pk) == mine
    with pytest.raises(NotFound):
        selectors.custom_field_get_for(admin, theirs.pk)


@pytest.mark.req("CRM-02")
def test_custom_fields_are_organisation_wide(admin, branch, other_branch):
    field = text_field(admin)
    from medspa.accounts.choices import DataScope

    own_scope = setup_user(other_branch, ["customers.view_customfield"], scope=DataScope.OWN)
    assert list(selectors.custom_fields_for(own_scope)) == [field]
    assert selectors.custom_fields_for(setup_user(branch, [], username="x", is_active=False)).count() == 0


@pytest.mark.req("CRM-02")
def test_role_choices_are_the_roles_the_actor_sees(admin, branch, foreign_branch):
    own = organisation_role(branch, "本院角色")
    foreign = organisation_role(foreign_branch, "别家角色")
    choices = dict(selectors.custom_field_role_choices(admin))
    assert choices[own.pk] == "本院角色"
    assert choices[Group.objects.get(name="咨询师").pk] == "咨询师"
    assert foreign.pk not in choices
    assert selectors.custom_field_role_choices(setup_user(branch, FIELD_PERMS)) == []


# --- member levels --------------------------------------------------------------------------------


def level(actor, name="金卡", **kwargs):
    data = {
        "discount_percent": "95",
        "points_multiplier": "1.5",
        "upgrade_amount": "10000",
        "downgrade_amount": "5000",
        "window_days": 365,
    }
    data.update(kwargs)
    return services.memberlevel_create(actor=actor, name=name, **data)


@pytest.mark.req("MBR-01")
def test_create_a_member_level(admin, branch):
    gold = level(admin, upgrade_amount="¥10,000.5", discount_percent=Decimal("95.5"))
    silver = services.memberlevel_create(actor=admin, name="银卡")
    gold.refresh_from_db()
    assert (
        gold.organisation_id,
        gold.name,
        gold.discount_percent,
        gold.points_multiplier,
        gold.upgrade_amount,
        gold.downgrade_amount,
        gold.window_days,
        gold.order,
        gold.is_active,
    ) == (
        branch.organisation_id,
        "金卡",
        Decimal("95.50"),
        Decimal("1.50"),
        Decimal("10000.50"),
        Decimal("5000.00"),
        365,
        10,
        True,
    )
    silver.refresh_from_db()
    assert (
        silver.discount_percent,
        silver.points_multiplier,
        silver.upgrade_amount,
        silver.window_days,
        silver.order,
    ) == (
        Decimal("100.00"),
        Decimal("1.00"),
        Decimal("0.00"),
        365,
        20,
    )
    event = AuditEvent.objects.filter(module="customers", object_id=str(gold.pk)).get()
    assert event.action == "create"
    assert event.changes["discount_percent"] == [None, "95.50"]
    assert event.changes["upgrade_amount"] == [None, "10000.50"]


DISCOUNT = "The discount must be more than 0 and at most 100 (95 means the member pays 95%)."
MULTIPLIER = "The points multiplier must be between 0 and 100."
WINDOW = "The spending window must be between 1 and %(max)s days."


@pytest.mark.req("MBR-01")
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", field_error("Enter the %(field)s.", field=gettext("name"))),
        (
            {"name": "名" * 51},
            "name",
            field_error("The %(field)s may have at most %(max)s characters.", field=gettext("name"), max=50),
        ),
        ({"discount_percent": "0"}, "discount_percent", field_error(DISCOUNT)),
        ({"discount_percent": "-5"}, "discount_percent", field_error(DISCOUNT)),
        ({"discount_percent": "100.01"}, "discount_percent", field_error(DISCOUNT)),
        ({"discount_percent": "abc"}, "discount_percent", field_error(DISCOUNT)),
        ({"discount_percent": "NaN"}, "discount_percent", field_error(DISCOUNT)),
        ({"discount_percent": None}, "discount_percent", field_error(DISCOUNT)),
        (
            {"discount_percent": "95.555"},
            "discount_percent",
            field_error("The %(field)s may have at most 2 decimal places.", field=gettext("discount")),
        ),
        ({"points_multiplier": "-0.01"}, "points_multiplier", field_error(MULTIPLIER)),
        ({"points_multiplier": "100.5"}, "points_multiplier", field_error(MULTIPLIER)),
        (
            {"points_multiplier": "1.234"},
            "points_multiplier",
            field_error(
                "The %(field)s may have at most 2 decimal places.", field=gettext("points multiplier")
            ),
        ),
        ({"upgrade_amount": "-1"}, "upgrade_amount", field_error("The amount cannot be negative.")),
        (
            {"upgrade_amount": "abc"},
            "upgrade_amount",
            field_error("Enter a valid amount, for example 1234.50."),
        ),
        ({"upgrade_amount": "1e30"}, "upgrade_amount", field_error("The amount is too large.")),
        ({"upgrade_amount": "1e999999"}, "upgrade_amount", field_error("The amount is too large.")),
        ({"downgrade_amount": "-0.01"}, "downgrade_amount", field_error("The amount cannot be negative.")),
        (
            {"downgrade_amount": "10000.01"},
            "downgrade_amount",
            field_error("The downgrade threshold may not be higher than the upgrade threshold."),
        ),
        ({"window_days": 0}, "window_days", field_error(WINDOW, max=3650)),
        ({"window_days": 3651}, "window_days", field_error(WINDOW, max=3650)),
        ({"window_days": True}, "window_days", field_error(WINDOW, max=3650)),
        ({"window_days": "abc"}, "window_days", field_error(WINDOW, max=3650)),
        ({"window_days": 1.5}, "window_days", field_error(WINDOW, max=3650)),
        ({"order": -1}, "order", field_error("The order must be zero or a positive whole number.")),
    ],
)
def test_member_level_refuses_bad_input(admin, data, field, message):
    before = state()
    with pytest.raises(ValidationError) as error:
        level(admin, **data)
    assert (error.value.field, error.value.message) == (field, message)
    assert state() == before


@pytest.mark.req("MBR-01")
def test_member_level_boundaries_are_accepted(admin):
    low = level(
        admin,
        name="A",
        discount_percent="0.01",
        points_multiplier="0",
        window_days=1,
        upgrade_amount="0",
        downgrade_amount="0",
    )
    high = level(
        admin,
        name="B",
        discount_percent="100",
        points_multiplier="100",
        window_days="3650",
        upgrade_amount="9999999999.99",
        downgrade_amount="9999999999.99",
    )
    assert (low.discount_percent, low.points_multiplier, low.window_days) == (
        Decimal("0.01"),
        Decimal("0.00"),
        1,
    )
    assert (high.discount_percent, high.window_days, high.upgrade_amount) == (
        Decimal("100.00"),
        3650,
        Decimal("9999999999.99"),
    )


@pytest.mark.req("MBR-01")
def test_member_level_names_are_unique_per_organisation(admin, foreign_admin):
    gold = level(admin)
    services.memberlevel_deactivate(actor=admin, level_id=gold.pk)
    before = state()
    with pytest.raises(ValidationError) as error:
        level(admin)
    assert (error.value.field, error.value.message) == (
        "name",
        gettext("A member level named %(name)s already exists (perhaps a deactivated one).")
        % {"name": "金卡"},
    )
    assert state() == before
    silver = level(admin, name="银卡")
    with pytest.raises(ValidationError):
        services.memberlevel_update(
            actor=admin,
            level_id=silver.pk,
            name="金卡",
            discount_percent="98",
            points_multiplier="1",
            upgrade_amount="0",
            downgrade_amount="0",
            window_days=365,
        )
    assert level(foreign_admin).name == "金卡"
    assert MemberLevel.objects.filter(name="金卡").count() == 2


def change(actor, lvl, **changes):
    lvl.refresh_from_db()
    data = {
        "name": lvl.name,
        "discount_percent": lvl.discount_percent,
        "points_multiplier": lvl.points_multiplier,
        "upgrade_amount": lvl.upgrade_amount,
        "downgrade_amount": lvl.downgrade_amount,
        "window_days": lvl.window_days,
        "order": lvl.order,
    }
    data.update(changes)
    return services.memberlevel_update(actor=actor, level_id=lvl.pk, **data)


@pytest.mark.req("MBR-01")
def test_update_a_member_level(admin):
    gold = level(admin)
    count = writes()
    change(admin, gold)
    assert writes() == count  # nothing changed
    change(admin, gold, discount_percent="90", upgrade_amount="20000.00", window_days=180)
    gold.refresh_from_db()
    assert (gold.discount_percent, gold.upgrade_amount, gold.window_days) == (
        Decimal("90.00"),
        Decimal("20000.00"),
        180,
    )
    assert last_event().changes == {
        "discount_percent": ["95.00", "90.00"],
        "upgrade_amount": ["10000.00", "20000.00"],
        "window_days": [365, 180],
    }


@pytest.mark.req("MBR-01")
def test_a_level_held_by_active_customers_cannot_be_deactivated(admin, branch):
    gold = level(admin)
    silver = level(admin, name="银卡")
    holders = [CustomerFactory(branch=branch, member_level=gold) for _ in range(3)]
    CustomerFactory(branch=branch, member_level=gold, is_active=False)  # does not count
    before = state()
    message = gettext(
        "%(count)s active customers hold the level %(name)s; move them to another level first."
    ) % {"count": 3, "name": "金卡"}
    with pytest.raises(ValidationError) as error:
        services.memberlevel_deactivate(actor=admin, level_id=gold.pk)
    assert (error.value.field, error.value.message) == ("is_active", message)
    with pytest.raises(ValidationError) as error:
        change(admin, gold, is_active=False, name="金卡二")
    assert error.value.message == message
    assert state() == before
    for customer in holders:
        customer.member_level = silver
        customer.save()
    services.memberlevel_deactivate(actor=admin, level_id=gold.pk)
    gold.refresh_from_db()
    assert gold.is_active is False
    count = writes()
    services.memberlevel_deactivate(actor=admin, level_id=gold.pk)
    assert writes() == count
    change(admin, gold, is_active=True)
    gold.refresh_from_db()
    assert gold.is_active is True


@pytest.mark.req("MBR-01")
def test_member_level_permissions_and_scope(admin, branch, foreign_admin):
    mine = level(admin)
    theirs = level(foreign_admin)
    viewer = setup_user(branch, ["customers.view_memberlevel"])
    changer = setup_user(branch, ["customers.view_memberlevel", "customers.change_memberlevel"])
    before = state()
    with pytest.raises(PermissionDenied):
        level(viewer, name="x")
    with pytest.raises(PermissionDenied):
        change(viewer, mine, name="x")
    with pytest.raises(PermissionDenied):
        change(changer, mine, is_active=False)
    with pytest.raises(PermissionDenied):
        services.memberlevel_deactivate(actor=changer, level_id=mine.pk)
    with pytest.raises(PermissionDenied):
        services.memberlevel_export_record(actor=viewer, query="")
    for call in (
        lambda: change(admin, theirs, name="x"),
        lambda: services.memberlevel_deactivate(actor=admin, level_id=theirs.pk),
        lambda: services.memberlevel_deactivate(actor=admin, level_id=-1),
    ):
        with pytest.raises(NotFound):
            call()
    assert state() == before
    assert [lvl.pk for lvl in selectors.member_levels_for(viewer)] == [mine.pk]
    with pytest.raises(NotFound):
        selectors.member_level_get_for(admin, theirs.pk)


@pytest.mark.req("MBR-01")
def test_member_levels_count_their_active_holders(admin, branch):
    gold = level(admin)
    silver = level(admin, name="银卡")
    MemberLevelFactory(organisation=branch.organisation, name="铜卡", order=30)
    for _ in range(2):
        CustomerFactory(branch=branch, member_level=gold)
    CustomerFactory(branch=branch, member_level=silver)
    CustomerFactory(branch=branch, member_level=silver, is_active=False)
    assert [(lvl.name, lvl.holders) for lvl in selectors.member_levels_for(admin)] == [
        ("金卡", 2),
        ("银卡", 1),
        ("铜卡", 0),
    ]


@pytest.mark.req("MBR-01")
def test_export_is_recorded(admin, branch):
    services.memberlevel_export_record(actor=admin, query="is_active=true")
    event = last_event()
    assert (event.action, event.object_type, event.message, event.organisation_id) == (
        "export",
        "customers.memberlevel",
        "is_active=true",
        branch.organisation_id,
    )
