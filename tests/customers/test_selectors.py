"""Customer reads: the data scope at its four levels (PLT-05), the one search box (CRM-04), the
archive's figures and timeline (CRM-06)."""

import pytest

from medspa.accounts.choices import DataScope
from medspa.core.errors import NotFound
from medspa.customers import selectors, services
from medspa.customers.services import CustomerInput
from tests.customers.factories import ComplaintFactory, CustomerFactory
from tests.organization.factories import scoped_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(branch, other_branch, foreign_branch, li, wang, zhao):
    """One customer per owner: 李咨询 (aesthetics), 王咨询 (skin), nobody, 赵咨询 (east branch),
    and one of another organisation."""
    return {
        "li": CustomerFactory(branch=branch, name="李的客户", consultant=li),
        "wang": CustomerFactory(branch=branch, name="王的客户", consultant=wang),
        "nobody": CustomerFactory(branch=branch, name="无主客户"),
        "east": CustomerFactory(branch=other_branch, name="东区客户", consultant=zhao),
        "foreign": CustomerFactory(branch=foreign_branch, name="他院客户"),
    }


def names(queryset):
    return sorted(c.name for c in queryset)


@pytest.mark.req("PLT-05", "CRM-04")
@pytest.mark.parametrize(
    ("actor", "visible"),
    [
        ("consultant", ["李的客户"]),  # own: the customers she owns
        ("doctor_user", ["李的客户"]),  # department: owned by staff of the aesthetics department
        ("triage", ["无主客户", "李的客户", "王的客户"]),  # branch: the active branch
        ("director", ["东区客户", "无主客户", "李的客户", "王的客户"]),  # organisation
    ],
)
def test_scope_levels_in_list_search_and_archive(request, people, actor, visible):
    user = request.getfixturevalue(actor)
    assert names(selectors.customers_for(user)) == sorted(visible)
    assert names(selectors.customer_list_for(user)) == sorted(visible)
    assert names(selectors.customer_search(user, "客户")) == []  # a name search starts at the name's start
    for key, customer in people.items():
        search = [c.name for c in selectors.customer_search(user, customer.name)]
        if customer.name in visible:
            assert search == [customer.name]
            assert selectors.customer_get_for(user, customer.pk) == customer
            assert selectors.customer_archive_get_for(user, customer.pk) == customer
        else:
            assert search == [], key
            with pytest.raises(NotFound):
                selectors.customer_get_for(user, customer.pk)
            with pytest.raises(NotFound):
                selectors.customer_archive_get_for(user, customer.pk)


@pytest.mark.req("PLT-05")
def test_scope_follows_the_active_branch(director, triage, other_branch, people):
    east_desk = scoped_user(other_branch, ["customers.view_customer"], DataScope.BRANCH)
    assert names(selectors.customers_for(east_desk)) == ["东区客户"]


@pytest.mark.req("PLT-05")
def test_merged_customers_are_not_listed(triage, branch):
    kept = CustomerFactory(branch=branch, name="保留")
    CustomerFactory(branch=branch, name="已合并", merged_into=kept)
    assert names(selectors.customers_for(triage)) == ["保留"]


@pytest.fixture
def crowd(branch, li):
    return {
        "zhangsan": CustomerFactory(
            branch=branch, name="张三", phone="13800001234", card_no="VIP001", consultant=li
        ),
        "zhangsanfeng": CustomerFactory(branch=branch, name="张三丰", phone="13900005678", consultant=li),
        "lisi": CustomerFactory(
            branch=branch, name="李四", phone="13700001234", card_no="1234", consultant=li
        ),
        "landline": CustomerFactory(branch=branch, name="王五", phone="010-12345678", consultant=li),
        "latin": CustomerFactory(branch=branch, name="Anna Li", phone="", consultant=li),
    }


@pytest.mark.req("CRM-04")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张三", ["张三", "张三丰"]),  # full name (and the names it starts)
        ("张三丰", ["张三丰"]),
        ("李四", ["李四"]),
        ("张", ["张三", "张三丰"]),  # name prefix
        ("zhangsan", ["张三", "张三丰"]),  # full pinyin
        ("zhangsanfeng", ["张三丰"]),
        ("ZhangSan", ["张三", "张三丰"]),  # case does not matter
        ("zs", ["张三", "张三丰"]),  # initials
        ("zsf", ["张三丰"]),
        ("ls", ["李四"]),
        ("13800001234", ["张三"]),  # full phone
        ("13900005678", ["张三丰"]),
        ("1234", ["张三", "李四"]),  # last 4 digits (李四's card no is 1234 too: listed once)
        ("5678", ["张三丰", "王五"]),  # the landline's last 4 digits
        ("VIP001", ["张三"]),  # card no
        ("annali", ["Anna Li"]),
        ("al", ["Anna Li"]),
        ("  zs  ", ["张三", "张三丰"]),
        ("", []),
        ("赵", []),
        ("9999", []),
    ],
)
def test_one_box_search(triage, crowd, query, expected):
    assert sorted(c.name for c in selectors.customer_search(triage, query)) == sorted(expected)
    filtered = (
        selectors.customers_for(triage).filter(selectors.customer_search_filter(query))
        if query.strip()
        else []
    )
    if query.strip():
        assert names(filtered) == sorted(expected)


@pytest.mark.req("CRM-04")
def test_search_is_limited_and_ordered_by_pinyin(triage, branch):
    for i in range(15):
        CustomerFactory(branch=branch, name=f"张{chr(0x4E00 + i)}")
    results = selectors.customer_search(triage, "zh", limit=10)
    assert len(results) == 10
    assert [c.name_pinyin for c in results] == sorted(c.name_pinyin for c in results)


@pytest.mark.req("CRM-04")
def test_search_keys_follow_a_renamed_customer(triage, li):
    customer = services.customer_create(actor=triage, data=CustomerInput(name="张三", consultant_id=li.pk))
    services.customer_update(
        actor=triage, customer_id=customer.pk, data=CustomerInput(name="赵六", consultant_id=li.pk)
    )
    assert selectors.customer_search(triage, "zs") == []
    assert [c.pk for c in selectors.customer_search(triage, "zl")] == [customer.pk]


@pytest.mark.req("CRM-06", "CRM-09")
def test_archive_counts_open_complaints(triage, branch):
    customer = CustomerFactory(branch=branch)
    other = CustomerFactory(branch=branch)
    ComplaintFactory(customer=customer, status="open")
    ComplaintFactory(customer=customer, status="assigned")
    ComplaintFactory(customer=customer, status="resolved")
    ComplaintFactory(customer=other, status="open")
    assert selectors.customer_archive_get_for(triage, customer.pk).open_complaints == 2
    assert selectors.customer_archive_get_for(triage, CustomerFactory(branch=branch).pk).open_complaints == 0


@pytest.mark.req("CRM-06")
def test_timeline_holds_this_customers_events_newest_first(triage, director, li):
    customer = services.customer_create(actor=triage, data=CustomerInput(name="张三", consultant_id=li.pk))
    other = services.customer_create(actor=triage, data=CustomerInput(name="李四", consultant_id=li.pk))
    services.customer_update(
        actor=triage, customer_id=customer.pk, data=CustomerInput(name="张三", phone="13800138000")
    )
    services.customer_full_contact(actor=director, customer_id=customer.pk)
    services.customer_tags_set(actor=triage, customer_id=other.pk, tag_ids=[])
    events = selectors.customer_timeline(customer)
    assert [e.action for e in events] == ["view_contact", "update", "create"]
    assert [e.action for e in selectors.customer_timeline(other)] == ["tag", "create"]
    assert len(selectors.customer_timeline(customer, limit=2)) == 2


@pytest.mark.req("CRM-01")
def test_choices_are_the_organisations_active_staff_and_levels(triage, li, wang, zhao, foreign_branch, org):
    from tests.customers.factories import MemberLevelFactory
    from tests.organization.factories import StaffFactory

    StaffFactory(branch=foreign_branch, name="他院员工")
    StaffFactory(branch=li.branch, name="离职员工", is_active=False)
    assert sorted(s.name for s in selectors.customer_staff_choices(triage)) == sorted(
        ["李咨询", "王咨询", "赵咨询", "前台小陈"]
    )
    MemberLevelFactory(organisation=org, name="金卡", order=2)
    MemberLevelFactory(organisation=org, name="银卡", order=1)
    MemberLevelFactory(organisation=org, name="停用", is_active=False)
    MemberLevelFactory(organisation=foreign_branch.organisation, name="他院卡")
    assert [m.name for m in selectors.member_levels_for(triage)] == ["银卡", "金卡"]
