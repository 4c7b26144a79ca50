from decimal import Decimal

import pytest
from hypothesis import assume, given
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


@pytest.mark.req("ORD-04")
def test_allocate_splits_exactly_by_largest_remainder():
    from medspa.core.money import allocate

    # 3500 over list values 3840 and 198: exact shares 3328.3804… and 171.6196…
    assert allocate(Decimal("3500"), [Decimal("3840"), Decimal("198")]) == [
        Decimal("3328.38"),
        Decimal("171.62"),
    ]
    # 0.10 over three equal weights: 0.04 goes to the first (ties by order)
    assert allocate(Decimal("0.10"), [Decimal(1), Decimal(1), Decimal(1)]) == [
        Decimal("0.04"),
        Decimal("0.03"),
        Decimal("0.03"),
    ]
    assert allocate(Decimal("-1.00"), [Decimal(1), Decimal(2)]) == [Decimal("-0.33"), Decimal("-0.67")]
    assert allocate(Decimal("5"), [Decimal(0), Decimal(7)]) == [Decimal("0.00"), Decimal("5.00")]


@pytest.mark.req("ORD-04")
def test_allocate_refuses_nothing_to_split_by():
    from medspa.core.money import allocate

    with pytest.raises(ValueError):
        allocate(Decimal("1"), [])
    with pytest.raises(ValueError):
        allocate(Decimal("1"), [Decimal(0), Decimal(0)])
    with pytest.raises(ValueError):
        allocate(Decimal("1"), [Decimal(-1), Decimal(2)])


@pytest.mark.req("ORD-04")
@given(
    amount=st.decimals(min_value=0, max_value=10**9, places=2),
    weights=st.lists(st.decimals(min_value=0, max_value=10**7, places=2), min_size=1, max_size=12),
)
def test_allocate_adds_up_and_stays_within_a_fen(amount, weights):
    from medspa.core.money import allocate

    assume(sum(weights) > 0)
    shares = allocate(amount, weights)
    assert sum(shares) == amount
    total = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        assert share >= 0
        assert abs(share - amount * weight / total) < Decimal("0.01")
    assert allocate(amount, weights) == shares


@pytest.mark.parametrize("text", ["1e30", "1E+30", "123456789012345"])
def test_parse_refuses_amounts_too_large_with_a_message(text):
    with pytest.raises(ValidationError) as caught:
        money.parse(text, field="price")
    assert caught.value.field == "price"
