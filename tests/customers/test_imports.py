"""The import engine (CRM-07): columns, per-row errors, duplicates in the file and in the
database, idempotent re-runs, tags and custom fields, CSV encodings."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from medspa.configuration.choices import DictionaryKind
from medspa.configuration.models import DictionaryItem
from medspa.core.errors import ValidationError
from medspa.customers import imports
from medspa.customers.models import CardNoChange, Customer
from tests.customers.factories import CustomerFactory, CustomFieldFactory
from tests.factories import role_user
from tests.organization.factories import StaffFactory

pytestmark = [pytest.mark.req("CRM-07"), pytest.mark.django_db]

HEADER = ["外部编号", "姓名", "性别", "生日", "手机号", "卡号", "来源渠道", "所属咨询师工号", "标签", "肤质"]


@pytest.fixture
def setup(branch):
    org = branch.organisation
    DictionaryItem.objects.create(organisation=org, kind=DictionaryKind.CHANNEL, code="wx", name="微信")
    group = DictionaryItem.objects.create(
        organisation=org, kind=DictionaryKind.TAG_GROUP, code="t", name="客户类型", multiple=False
    )
    for code in ("vip", "new"):
        DictionaryItem.objects.create(
            organisation=org, kind=DictionaryKind.TAG, code=code, name=code.upper(), parent=group
        )
    CustomFieldFactory(organisation=org, key="skin", label="肤质", type="choice", options=["干", "油"])
    StaffFactory(branch=branch, employee_no="E100", name="李咨询")
    return role_user("院长", username="importer", branches=[branch])


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plan_for(actor, branch):
    return imports.ImportPlan(organisation_id=branch.organisation_id, branch_id=branch.pk, actor=actor)


def run(actor, branch, content, name="c.xlsx", commit=True):
    plan = plan_for(actor, branch)
    header, rows = imports.read_table(content, name)
    report, pending, tags = plan.check(header, rows)
    if commit:
        report.created = plan.commit(pending, tags)
    return report


def test_valid_rows_are_created_with_keys_tags_and_custom_values(setup, branch):
    content = xlsx(
        [
            ["L1", "张三", "女", "1990-05-01", 13800138000, "C1", "微信", "E100", "VIP", "油"],
            ["L2", "欧阳娜娜", "", None, "", "", "", "", "", ""],
        ]
    )
    report = run(setup, branch, content)
    assert (report.total, report.valid, report.created, report.skipped, report.errors) == (2, 2, 2, 0, [])
    zs = Customer.objects.get(external_id="L1")
    assert (zs.name_pinyin, zs.name_initials, zs.phone, zs.phone_last4, zs.card_no) == (
        "zhangsan",
        "zs",
        "13800138000",
        "8000",
        "C1",
    )
    assert zs.consultant.employee_no == "E100" and zs.source_channel.name == "微信"
    assert list(zs.tags.values_list("name", flat=True)) == ["VIP"]
    assert zs.custom_values == {"skin": "油"}
    assert CardNoChange.objects.filter(customer=zs, new="C1").count() == 1
    # the same file again changes nothing
    again = run(setup, branch, content)
    assert (again.total, again.skipped, again.created) == (2, 2, 0)
    assert Customer.objects.count() == 2


def test_dry_run_reports_each_bad_row_and_writes_nothing(setup, branch):
    CustomerFactory(branch=branch, phone="13900000000")
    content = xlsx(
        [
            ["A", "", "女", "", "", "", "", "", "", ""],  # no name
            ["B", "李四", "未知", "", "", "", "", "", "", ""],  # gender
            ["C", "王五", "", "2999-01-01", "", "", "", "", "", ""],  # future birthday
            ["D", "赵六", "", "", "12345", "", "", "", "", ""],  # bad phone
            ["E", "钱七", "", "", "13900000000", "", "", "", "", ""],  # phone taken
            ["F", "孙八", "", "", "", "", "抖音", "", "", ""],  # unknown channel
            ["G", "周九", "", "", "", "", "", "E999", "", ""],  # unknown employee no
            ["H", "吴十", "", "", "", "", "", "", "VIP,NEW", ""],  # two tags of a single-choice group
            ["I", "郑一", "", "", "", "", "", "", "", "中性"],  # not an option
            ["J", "冯二", "", "", "13700000000", "C9", "", "", "", ""],
            ["K", "陈三", "", "", "13700000000", "", "", "", "", ""],  # same phone as the row before
        ]
    )
    report = run(setup, branch, content, commit=False)
    assert [(e.row, e.field) for e in report.errors] == [
        (2, "name"),
        (3, "gender"),
        (4, "birthday"),
        (5, "phone"),
        (6, "phone"),
        (7, "source_channel"),
        (8, "consultant"),
        (9, "tags"),
        (10, "custom.skin"),
        (12, "phone"),
    ]
    assert (report.total, report.valid, report.error_rows) == (11, 1, 10)
    assert Customer.objects.count() == 1


def test_wrong_columns_are_refused_naming_them(setup, branch):
    content = xlsx([["x"]], header=["姓名X", "性别"])
    with pytest.raises(ValidationError) as info:
        run(setup, branch, content)
    assert info.value.field == "file"
    assert "姓名" in info.value.message and "姓名X" in info.value.message


def test_csv_in_gb18030_and_utf8(setup, branch):
    text = "姓名,手机号\n张三,13800138001\n"
    for encoding, phone in (("gb18030", "13800138001"), ("utf-8-sig", "13800138002")):
        report = run(setup, branch, text.replace("13800138001", phone).encode(encoding), name="c.csv")
        assert report.created == 1
    assert Customer.objects.filter(name="张三").count() == 2
    with pytest.raises(ValidationError):
        imports.read_table(b"x", "c.txt")
