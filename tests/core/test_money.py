from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medspa.core import money
from medspa.core.errors import ValidationError

pytestmark = pytest.mark.req("PLT-10")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("1.015", "1.02"),
        ("2.675", "2.68"),
        ("-0.005", "-0.01"),
        (3, "3.00"),
        (Decimal("1234.5"), "1234.50"),
    ],
)
def test_quantize_rounds_half_up_to_the_fen(value, expected):
    assert money.quantize(value) == Decimal(expected)
    assert str(money.quantize(value)) == expected


def test_float_is_refused_everywhere():
    with pytest.raises(TypeError):
        money.quantize(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        money.parse(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.5", "1234.50"),
        ("¥ 12", "12.00"),
        ("￥1，000.005", "1000.01"),
        ("  -3.456 ", "-3.46"),
        ("0", "0.00"),
    ],
)
def test_parse_accepts_what_people_type(text, expected):
    assert money.parse(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "NaN", "Infinity", "12元五角"])
def test_parse_rejects_garbage_with_a_message_on_the_field(text):
    with pytest.raises(ValidationError) as info:
        money.parse(text, field="amount")
    assert info.value.field == "amount"
    assert info.value.message == "请输入有效的金额，例如 1234.50。"


def test_parse_rejects_amounts_beyond_the_column():
    assert money.parse("999999999999.99") == Decimal("999999999999.99")
    with pytest.raises(ValidationError):
        money.parse("1000000000000.00")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1234.5", "¥1,234.50"), ("0", "¥0.00"), ("-1234.567", "-¥1,234.57"), ("1000000", "¥1,000,000.00")],
)
def test_format_cny(value, expected):
    assert money.format_cny(value) == expected


@given(st.decimals(min_value=Decimal("-999999999.99"), max_value=Decimal("999999999.99"), places=2))
def test_format_then_parse_round_trips(amount):
    assert money.parse(money.format_cny(amount)) == amount
