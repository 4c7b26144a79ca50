"""The small pure pieces of the customer app: search keys, ID numbers, masking, the lifecycle rule,
encryption at rest, the archive registry — and the phone normal form under random input."""

from __future__ import annotations

import datetime

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from medspa.core import crypto
from medspa.core.errors import ValidationError
from medspa.customers import archive
from medspa.customers.choices import LifecycleStatus
from medspa.customers.id_numbers import check_character, mask_id_number, mask_phone, normalize_id_number
from medspa.customers.lifecycle import lifecycle_status
from medspa.customers.search import classify, name_keys, phone_last4
from medspa.organization.phones import normalize_phone


@pytest.mark.req("CRM-04")
@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("张三", "zhangsan", "zs"),
        ("欧阳娜娜", "ouyangnana", "oynn"),
        ("李 小龙", "lixiaolong", "lxl"),
        ("Anna王", "annawang", "aw"),
        ("王2号", "wang2hao", "w2h"),
    ],
)
def test_name_keys(name, full, initials):
    assert name_keys(name) == (full, initials)


@pytest.mark.req("CRM-04")
@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("1234", "last4"),
        ("13800", "phone"),
        ("zs", "pinyin"),
        ("ZhangSan", "pinyin"),
        ("张", "text"),
        ("VIP001", "text"),
    ],
)
def test_query_kinds(query, kind):
    assert classify(query) == kind


def test_phone_last4():
    assert (phone_last4("13800138000"), phone_last4("0755-1234567-89"), phone_last4("12")) == (
        "8000",
        "6789",
        "",
    )


def _valid_id(first17: str) -> str:
    return first17 + check_character(first17)


@pytest.mark.req("CRM-01")
def test_id_numbers():
    good = _valid_id("11010519491231002")
    assert good == "11010519491231002X"
    assert normalize_id_number(" 11010519491231002x ") == good
    assert normalize_id_number("") == ""
    assert normalize_id_number("110105491231002") == "110105491231002"  # old 15-digit form
    for bad in ("110105194912310021", "1101051949123100", "11010519491332002" + "1", "abc"):
        with pytest.raises(ValidationError) as info:
            normalize_id_number(bad)
        assert info.value.field == "id_number"
    assert mask_id_number("002X") == "**************002X"


@pytest.mark.req("CRM-01")
def test_masking():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0755-1234567") == "0755****4567"
    assert mask_phone("") == ""


@pytest.mark.req("CRM-12")
@pytest.mark.parametrize(
    ("visits", "days_ago", "status"),
    [
        (0, None, LifecycleStatus.POTENTIAL),
        (1, 0, LifecycleStatus.NEW),
        (3, 179, LifecycleStatus.RETURNING),
        (3, 180, LifecycleStatus.DORMANT),
        (1, 364, LifecycleStatus.DORMANT),
        (1, 365, LifecycleStatus.LOST),
        (9, 900, LifecycleStatus.LOST),
    ],
)
def test_lifecycle_rule(visits, days_ago, status):
    now = datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC)
    last = None if days_ago is None else now - datetime.timedelta(days=days_ago)
    assert (
        lifecycle_status(visit_count=visits, last_visit_at=last, now=now, dormant_days=180, lost_days=365)
        == status
    )


@pytest.mark.req("CRM-01")
def test_encryption_round_trip_and_blind_index():
    token = crypto.encrypt("11010519491231002X")
    assert token != "11010519491231002X" and "1101" not in token
    assert crypto.decrypt(token) == "11010519491231002X"
    assert crypto.blind_index("11010519491231002x") == crypto.blind_index("11010519491231002X")
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""
    with (
        override_settings(FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode()),
        pytest.raises(ImproperlyConfigured),
    ):
        crypto.decrypt(token)  # another key cannot read it
    with override_settings(FIELD_ENCRYPTION_KEY=""), pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


@pytest.mark.req("CRM-06")
def test_archive_registry_orders_sections_and_checks_permissions():
    class Actor:
        def has_perm(self, perm: str) -> bool:
            return perm != "x.hidden"

    def context(actor, customer):
        return {}

    archive.register(archive.ArchiveSection("zz-b", "B", 9001, "x.shown", "t.html", context))
    archive.register(archive.ArchiveSection("zz-a", "A", 9000, "x.shown", "t.html", context))
    archive.register(archive.ArchiveSection("zz-c", "C", 8999, "x.hidden", "t.html", context))
    keys = [s.key for s in archive.sections_for(Actor()) if s.key.startswith("zz-")]
    assert keys == ["zz-a", "zz-b"]
    for key in ("zz-a", "zz-b", "zz-c"):
        archive._SECTIONS.pop(key)


@pytest.mark.req("CRM-01")
@given(
    prefix=st.sampled_from(["", "+86", "0086", "86"]),
    number=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    separators=st.lists(st.sampled_from([" ", "-", "\u3000"]), max_size=3),
)
def test_any_written_form_of_a_mobile_normalises_to_its_11_digits(prefix, number, separators):
    text = prefix + number
    for i, sep in enumerate(separators):
        cut = 3 + 4 * i
        text = text[:cut] + sep + text[cut:]
    assert normalize_phone(text) == number


@pytest.mark.req("CRM-01")
@given(st.text(alphabet="0123456789abc-+ ", min_size=1, max_size=20))
def test_normalisation_either_refuses_or_is_idempotent(text):
    try:
        phone = normalize_phone(text)
    except ValidationError as exc:
        assert exc.field == "phone"
    else:
        assert phone == "" or normalize_phone(phone) == phone
