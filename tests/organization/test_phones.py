"""normalize_phone: the one phone rule (also used by customers)."""

import pytest
from django.utils.translation import gettext

from medspa.core.errors import ValidationError
from medspa.organization.services import normalize_phone

pytestmark = pytest.mark.req("PLT-02")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        (" +86 138 0013 8000 ", "13800138000"),
        ("8613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("(010) 12345678", "010-12345678"),
        ("0755-1234567", "0755-1234567"),
        ("0755 1234567", "0755-1234567"),
        ("021-87654321-123", "021-87654321-123"),
        ("0755-1234567 转 89", "0755-1234567-89"),
        ("010-12345678 ext 5", "010-12345678-5"),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_valid_numbers_are_normalised(value, expected):
    assert normalize_phone(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "12800138000",  # second digit must be 3-9
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "12345",
        "010-0234567",  # subscriber number starts with 0
        "0755-12345",  # too short
        "phone",
        "1380013800a",
        "011-12345678",  # no such area code
    ],
)
def test_malformed_numbers_are_refused_on_the_field(value):
    with pytest.raises(ValidationError) as excinfo:
        normalize_phone(value, field="mobile")
    assert excinfo.value.field == "mobile"
    assert excinfo.value.message == gettext(
        "Enter a mobile number (11 digits starting with 1) or a landline such as 010-12345678."
    )
