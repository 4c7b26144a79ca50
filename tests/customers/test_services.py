"""Customer profile services: create and update with every check (CRM-01), custom fields
(CRM-02), tags (CRM-03), the audited full contact, the lifecycle rule and its refresh (CRM-12)."""

import datetime

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from medspa.accounts.choices import DataScope
from medspa.audit.models import AuditEvent
from medspa.configuration import services as configuration_services
from medspa.core import crypto
from medspa.core.errors import NotFound, PermissionDenied, ValidationError
from medspa.customers import services
from medspa.customers.choices import LifecycleStatus
from medspa.customers.lifecycle import lifecycle_status
from medspa.customers.models import CardNoChange, Customer
from medspa.customers.services import CustomerInput
from tests.customers.conftest import customer_writes, tag
from tests.customers.factories import CustomerFactory, CustomFieldFactory
from tests.factories import role_user
from tests.organization.factories import StaffFactory, scoped_user

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"  # a valid check character


def state():
    """Everything a refused write must leave as it was."""
    return (
        Customer.objects.count(),
        CardNoChange.objects.count(),
        customer_writes(),
        sorted(Customer.objects.values_list("name", "phone", "card_no")),
    )


def create(actor, **fields):
    return services.customer_create(actor=actor, data=CustomerInput(**{"name": "张三", **fields}))


def update(actor, customer, **fields):
    values = {
        "name": customer.name,
        "phone": customer.phone,
        "card_no": customer.card_no,
        "consultant_id": customer.consultant_id,
        **fields,
    }
    return services.customer_update(actor=actor, customer_id=customer.pk, data=CustomerInput(**values))


def message(text, **params):
    return gettext(text) % params if params else gettext(text)


# --- create ------------------------------------------------------------------------------------


@pytest.mark.req("CRM-01", "CRM-04")
def test_create_stores_every_field_normalised_and_audited(
    triage, branch, li, wang, channel, info_source, region, org
):
    referrer = CustomerFactory(branch=branch, name="老客户")
    vip = tag(org, "VIP", "客户类型", multiple=False, colour="#d63939")
    customer = create(
        triage,
        name=" 张三 ",
        gender="F",
        birthday=datetime.date(1990, 5, 17),
        phone="+86 138-0013-1234",
        wechat_id="zhangsan_wx",
        id_number="11010519491231002x",
        card_no=" VIP001 ",
        source_channel_id=channel.pk,
        info_source_id=info_source.pk,
        region_id=region.pk,
        referrer_customer_id=referrer.pk,
        referrer_staff_id=wang.pk,
        consultant_id=li.pk,
        doctor_id=wang.pk,
        intention="玻尿酸",
        remarks="怕疼",
        tag_ids=[vip.pk],
    )
    customer.refresh_from_db()
    assert (customer.name, customer.gender, customer.birthday) == ("张三", "F", datetime.date(1990, 5, 17))
    assert (customer.phone, customer.phone_last4) == ("13800131234", "1234")
    assert (customer.name_pinyin, customer.name_initials) == ("zhangsan", "zs")
    assert customer.card_no == "VIP001"
    assert (customer.branch_id, customer.organisation_id) == (branch.pk, org.pk)
    assert (customer.source_channel_id, customer.info_source_id, customer.region_id) == (
        channel.pk,
        info_source.pk,
        region.pk,
    )
    assert (customer.referrer_customer_id, customer.referrer_staff_id) == (referrer.pk, wang.pk)
    assert (customer.consultant_id, customer.doctor_id) == (li.pk, wang.pk)
    assert (customer.intention, customer.remarks, customer.status) == ("玻尿酸", "怕疼", "potential")
    assert list(customer.tags.values_list("name", flat=True)) == ["VIP"]
    # the ID number is encrypted at rest; only the last 4 characters are kept in clear
    assert ID_NUMBER not in customer.id_number_encrypted
    assert crypto.decrypt(customer.id_number_encrypted) == ID_NUMBER
    assert customer.id_number_tail == "002X"
    change = CardNoChange.objects.get()
    assert (change.customer_id, change.old, change.new, change.changed_by_id) == (
        customer.pk,
        "",
        "VIP001",
        triage.pk,
    )
    event = AuditEvent.objects.get(module="customers", action="create")
    assert (event.object_type, event.object_id, event.actor_id) == (
        "customers.customer",
        str(customer.pk),
        triage.pk,
    )


@pytest.mark.req("CRM-01", "PLT-05")
def test_the_creating_consultant_owns_the_customer_by_default(consultant, li):
    customer = create(consultant)
    assert customer.consultant_id == li.pk


@pytest.mark.req("CRM-01")
@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"name": "  "}, "name", ("Enter the %(field)s.", {"field": "name"})),
        (
            {"phone": "1380013800"},
            "phone",
            ("Enter a mobile number (11 digits starting with 1) or a landline such as 010-12345678.", {}),
        ),
        ({"birthday": datetime.date(2999, 1, 1)}, "birthday", ("The birthday cannot be in the future.", {})),
        ({"id_number": "110105194912310021"}, "id_number", ("Enter a valid 18-digit ID number.", {})),
        ({"id_number": "11010519491331002X"}, "id_number", ("Enter a valid 18-digit ID number.", {})),
        ({"gender": "X"}, "gender", ("Choose a gender.", {})),
        ({"card_no": "C" * 33}, "card_no", ("The card no may have at most 32 characters.", {})),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(triage, fields, field, text):
    before = state()
    with pytest.raises(ValidationError) as info:
        create(triage, **fields)
    if field == "name":
        assert info.value.message == message(text[0], field=gettext("name"))
    else:
        assert info.value.message == message(text[0], **text[1])
    assert info.value.field == field
    assert state() == before


@pytest.mark.req("CRM-01")
def test_future_birthday_boundary_today_is_accepted(triage, time_machine):
    time_machine.move_to(
        datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    )  # 07:30 on 2 March in Shanghai
    assert create(triage, birthday=datetime.date(2026, 3, 2)).birthday == datetime.date(2026, 3, 2)
    with pytest.raises(ValidationError):
        create(triage, name="李四", birthday=datetime.date(2026, 3, 3))


@pytest.mark.req("CRM-01", "PLT-05")
@pytest.mark.parametrize("what", ["phone", "card_no"])
def test_duplicate_phone_or_card_no_names_the_holder_within_scope(triage, branch, li, what):
    holder = CustomerFactory(branch=branch, name="王五", phone="13800138000", card_no="VIP001", consultant=li)
    before = state()
    value = {"phone": "138 0013 8000", "card_no": "VIP001"}[what]
    with pytest.raises(ValidationError) as info:
        create(triage, **{what: value})
    label = gettext("phone") if what == "phone" else gettext("card no")
    assert info.value.message == message(
        "This %(what)s belongs to %(name)s (customer no %(pk)s).", what=label, name="王五", pk=holder.pk
    )
    assert info.value.field == what
    assert state() == before


@pytest.mark.req("CRM-01", "PLT-05")
@pytest.mark.parametrize("what", ["phone", "card_no"])
def test_duplicate_outside_the_scope_does_not_reveal_the_holder(consultant, branch, wang, other_branch, what):
    CustomerFactory(branch=branch, name="王五", phone="13800138000", card_no="VIP001", consultant=wang)
    before = state()
    with pytest.raises(ValidationError) as info:
        create(consultant, **{what: {"phone": "13800138000", "card_no": "VIP001"}[what]})
    label = gettext("phone") if what == "phone" else gettext("card no")
    assert info.value.message == message("This %(what)s belongs to another customer.", what=label)
    assert "王五" not in info.value.message
    assert state() == before


@pytest.mark.req("CRM-01")
def test_same_phone_in_another_organisation_is_no_duplicate(triage, foreign_branch):
    CustomerFactory(branch=foreign_branch, phone="13800138000")
    assert create(triage, phone="13800138000").phone == "13800138000"


@pytest.mark.req("CRM-01")
def test_referrer_staff_and_dictionary_must_belong_to_the_organisation(triage, foreign_branch, org):
    foreign_staff = StaffFactory(branch=foreign_branch)
    foreign_customer = CustomerFactory(branch=foreign_branch)
    before = state()
    cases = [
        ({"consultant_id": foreign_staff.pk}, "consultant", "Choose an active staff member."),
        ({"doctor_id": -1}, "doctor", "Choose an active staff member."),
        ({"referrer_customer_id": foreign_customer.pk}, "referrer_customer", "That referrer does not exist."),
        ({"source_channel_id": -1}, "source_channel", "Choose an active entry from the list."),
    ]
    for fields, field, text in cases:
        with pytest.raises(ValidationError) as info:
            create(triage, **fields)
        assert (info.value.field, info.value.message) == (field, gettext(text))
    assert state() == before


@pytest.mark.req("CRM-01", "PLT-01")
def test_create_needs_the_add_permission(branch, doctor_user):
    before = state()
    with pytest.raises(PermissionDenied):
        create(doctor_user)  # the doctor reads her department's customers but does not register them
    assert state() == before


# --- update, card no history, ID number -----------------------------------------------------------


@pytest.mark.req("CRM-01")
def test_update_keeps_card_no_history_and_the_id_number_unless_told(triage, li):
    customer = create(triage, card_no="A001", id_number=ID_NUMBER, consultant_id=li.pk)
    customer = update(triage, customer, name="张三丰", card_no="A002")
    customer = update(triage, customer, card_no="")
    customer.refresh_from_db()
    assert (customer.name, customer.name_pinyin, customer.name_initials) == ("张三丰", "zhangsanfeng", "zsf")
    assert list(CardNoChange.objects.order_by("pk").values_list("old", "new")) == [
        ("", "A001"),
        ("A001", "A002"),
        ("A002", ""),
    ]
    assert crypto.decrypt(customer.id_number_encrypted) == ID_NUMBER  # id_number None: kept
    update(triage, customer, id_number="")
    customer.refresh_from_db()
    assert (customer.id_number_encrypted, customer.id_number_index, customer.id_number_tail) == ("", "", "")
    assert list(
        AuditEvent.objects.filter(module="customers").order_by("pk").values_list("action", flat=True)
    ) == ["create", "update", "update", "update"]


@pytest.mark.req("CRM-01", "PLT-05")
def test_update_outside_the_scope_is_not_found(consultant, branch, wang):
    customer = CustomerFactory(branch=branch, consultant=wang, name="王的客户")
    before = state()
    with pytest.raises(NotFound):
        update(consultant, customer, name="改名")
    assert state() == before


# --- tags (CRM-03) -----------------------------------------------------------------------------


@pytest.mark.req("CRM-03")
def test_tags_set_respects_single_choice_groups(triage, branch, org, li):
    vip = tag(org, "VIP", "客户类型", multiple=False)
    regular = tag(org, "普通", "客户类型", multiple=False)
    skin = tag(org, "美白", "兴趣", multiple=True)
    anti_aging = tag(org, "抗衰", "兴趣", multiple=True)
    customer = CustomerFactory(branch=branch, consultant=li)
    services.customer_tags_set(
        actor=triage, customer_id=customer.pk, tag_ids=[vip.pk, skin.pk, anti_aging.pk]
    )
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "抗衰", "美白"]
    before = (sorted(customer.tags.values_list("pk", flat=True)), customer_writes())
    with pytest.raises(ValidationError) as info:
        services.customer_tags_set(actor=triage, customer_id=customer.pk, tag_ids=[vip.pk, regular.pk])
    assert (info.value.field, info.value.message) == (
        "tags",
        message("The tag group %(group)s allows one tag only.", group="客户类型"),
    )
    assert (sorted(customer.tags.values_list("pk", flat=True)), customer_writes()) == before
    event = AuditEvent.objects.get(module="customers", action="tag")
    assert event.changes == {"tags": [[], sorted([vip.pk, skin.pk, anti_aging.pk])]}


@pytest.mark.req("CRM-03")
def test_tags_of_another_organisation_or_inactive_are_refused(triage, branch, foreign_branch, org):
    foreign = tag(foreign_branch.organisation, "外院", "类型")
    inactive = tag(org, "停用", "类型")
    inactive.is_active = False
    inactive.save()
    customer = CustomerFactory(branch=branch)
    for tag_id in (foreign.pk, inactive.pk, -1):
        with pytest.raises(ValidationError) as info:
            services.customer_tags_set(actor=triage, customer_id=customer.pk, tag_ids=[tag_id])
        assert info.value.message == gettext("Choose active tags from the list.")
    assert customer.tags.count() == 0


# --- custom fields (CRM-02) --------------------------------------------------------------------


@pytest.mark.req("CRM-02")
def test_custom_fields_are_checked_by_type_required_and_role(triage, consultant, org):
    from django.contrib.auth.models import Group

    CustomFieldFactory(
        organisation=org, key="skin", label="肤质", type="choice", options=["干", "油"], required=True
    )
    CustomFieldFactory(organisation=org, key="budget", label="预算", type="number")
    CustomFieldFactory(organisation=org, key="hobbies", label="爱好", type="multi", options=["读书", "旅游"])
    CustomFieldFactory(organisation=org, key="met", label="首次见面", type="date")
    vip_note = CustomFieldFactory(organisation=org, key="vip_note", label="VIP 备注", type="text")
    vip_note.editable_by.set([Group.objects.get(name="分诊/前台")])
    before = state()
    cases = [
        ({}, "custom.skin", message("Enter %(label)s.", label="肤质")),
        (
            {"skin": "中"},
            "custom.skin",
            message("%(label)s has no option %(value)s.", label="肤质", value="中"),
        ),
        (
            {"skin": "干", "budget": "很多"},
            "custom.budget",
            message("%(label)s must be a number.", label="预算"),
        ),
        (
            {"skin": "干", "met": "昨天"},
            "custom.met",
            message("%(label)s must be a date like 2026-11-22.", label="首次见面"),
        ),
        ({"skin": "干", "nope": "x"}, "custom", message("There is no custom field %(key)s.", key="nope")),
    ]
    for custom, field, text in cases:
        with pytest.raises(ValidationError) as info:
            create(triage, custom=custom)
        assert (info.value.field, info.value.message) == (field, text)
    with pytest.raises(PermissionDenied) as denied:
        create(consultant, custom={"skin": "干", "vip_note": "重要"})
    assert denied.value.message == message("Your role may not edit %(label)s.", label="VIP 备注")
    assert state() == before
    customer = create(
        triage,
        custom={
            "skin": "油",
            "budget": " 5000.50 ",
            "hobbies": ["旅游", "读书", "旅游"],
            "met": "2026-01-02",
        },
    )
    assert customer.custom_values == {
        "skin": "油",
        "budget": "5000.50",
        "hobbies": ["读书", "旅游"],
        "met": "2026-01-02",
    }
    # a field not sent keeps its value; None clears it
    customer = services.customer_update(
        actor=triage,
        customer_id=customer.pk,
        data=CustomerInput(name="张三", custom={"budget": None}),
    )
    assert customer.custom_values == {"skin": "油", "hobbies": ["读书", "旅游"], "met": "2026-01-02"}


# --- full contact ------------------------------------------------------------------------------


@pytest.mark.req("CRM-01", "AUD-01")
def test_full_contact_is_audited_and_needs_the_permission(triage, director, branch):
    customer = create(triage, phone="13800131234", id_number=ID_NUMBER)
    writes = customer_writes()
    with pytest.raises(PermissionDenied):
        services.customer_full_contact(actor=triage, customer_id=customer.pk)
    assert customer_writes() == writes
    contact = services.customer_full_contact(actor=director, customer_id=customer.pk)
    assert (contact.phone, contact.id_number) == ("13800131234", ID_NUMBER)
    event = AuditEvent.objects.get(module="customers", action="view_contact")
    assert (event.actor_id, event.object_id, event.message) == (
        director.pk,
        str(customer.pk),
        gettext("Full phone and ID number shown"),
    )
    assert ID_NUMBER not in str(event.changes) and "13800131234" not in event.message


@pytest.mark.req("CRM-01", "PLT-05")
def test_full_contact_outside_the_scope_is_not_found(branch, wang, li):
    customer = CustomerFactory(branch=branch, consultant=wang)
    own_with_permission = scoped_user(
        branch, ["customers.view_customer", "customers.view_full_contact"], DataScope.OWN, staff=li
    )
    writes = customer_writes()
    with pytest.raises(NotFound):
        services.customer_full_contact(actor=own_with_permission, customer_id=customer.pk)
    assert customer_writes() == writes


# --- lifecycle (CRM-12) -----------------------------------------------------------------------


NOW = datetime.datetime(2026, 6, 30, 12, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)


@pytest.mark.req("CRM-12")
@pytest.mark.parametrize(
    ("visits", "idle", "expected"),
    [
        (0, None, LifecycleStatus.POTENTIAL),
        (0, 5 * DAY, LifecycleStatus.POTENTIAL),  # no visits counted: still potential
        (3, None, LifecycleStatus.POTENTIAL),  # no last visit known
        (1, 0 * DAY, LifecycleStatus.NEW),
        (1, 180 * DAY - SECOND, LifecycleStatus.NEW),
        (2, 0 * DAY, LifecycleStatus.RETURNING),
        (7, 180 * DAY - SECOND, LifecycleStatus.RETURNING),
        (1, 180 * DAY, LifecycleStatus.DORMANT),
        (7, 180 * DAY, LifecycleStatus.DORMANT),
        (7, 365 * DAY - SECOND, LifecycleStatus.DORMANT),
        (1, 365 * DAY, LifecycleStatus.LOST),
        (7, 3000 * DAY, LifecycleStatus.LOST),
    ],
)
def test_lifecycle_rule_all_five_states_and_their_boundaries(visits, idle, expected):
    last_visit = None if idle is None else NOW - idle
    status = lifecycle_status(
        visit_count=visits, last_visit_at=last_visit, now=NOW, dormant_days=180, lost_days=365
    )
    assert status == expected


@pytest.mark.req("CRM-12")
def test_status_refresh_changes_and_audits_only_when_the_status_changes(branch):
    customer = CustomerFactory(
        branch=branch, visit_count=2, last_visit_at=NOW - 200 * DAY, status="returning"
    )
    assert services.customer_status_refresh(customer=customer, now=NOW) is True
    customer.refresh_from_db()
    assert customer.status == LifecycleStatus.DORMANT
    assert services.customer_status_refresh(customer=customer, now=NOW) is False
    event = AuditEvent.objects.get(module="customers", action="status")
    assert (event.actor_id, event.actor_name, event.changes) == (
        None,
        "system",
        {"status": ["returning", "dormant"]},
    )
    customer.last_visit_at = NOW - 400 * DAY
    assert services.customer_status_refresh(customer=customer, now=NOW) is True
    assert Customer.objects.get(pk=customer.pk).status == LifecycleStatus.LOST


@pytest.mark.req("CRM-12", "PLT-07")
def test_status_refresh_follows_the_organisations_parameters(branch, org, django_capture_on_commit_callbacks):
    admin = role_user("系统管理员", username="sysadmin", branches=[branch])
    with django_capture_on_commit_callbacks(execute=True):
        configuration_services.parameter_set(actor=admin, key="crm.dormant_days", value=30)
    customer = CustomerFactory(
        branch=branch, visit_count=1, last_visit_at=timezone.now() - 31 * DAY, status="new"
    )
    assert services.customer_status_refresh(customer=customer) is True
    assert Customer.objects.get(pk=customer.pk).status == LifecycleStatus.DORMANT
