"""Properties of the pricing engine (ORD-04) over generated baskets, promotions, coupons and
manual discounts: the total is the sum of the lines and the subtotal less the discounts; no line
goes below zero or (from automatic discounts) below its floor; the same request gives the same
quote, also with its lines in another order; an exclusive promotion that applies stands alone;
a never-discounted line stays at its base."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from medspa.catalog.pricing import (
    CouponSpec,
    CustomerContext,
    PromotionSpec,
    PromotionTargetSpec,
    Quote,
    QuoteLine,
    QuoteRequest,
    quote,
)
from medspa.core.errors import ValidationError
from medspa.core.money import quantize

pytestmark = pytest.mark.req("ORD-04")

TZ = datetime.timezone(datetime.timedelta(hours=8))
AT = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=TZ)
DAY = datetime.timedelta(days=1)
KINDS = ("project", "product", "package", "card_type")
CATEGORIES = (1, 2, 3, 4)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])

money = st.decimals(min_value=0, max_value=20000, places=2)
percent = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def lines(draw: st.DrawFn) -> tuple[QuoteLine, ...]:
    count = draw(st.integers(min_value=1, max_value=6))
    found = []
    for index in range(count):
        price = draw(money)
        never = draw(st.sampled_from([False] * 6 + [True]))
        manual = draw(st.sampled_from(["none"] * 5 + ["percent", "amount"])) if not never else "none"
        found.append(
            QuoteLine(
                key=f"k{index}",
                kind=draw(st.sampled_from(KINDS)),
                ref_id=draw(st.integers(min_value=1, max_value=4)),
                name=f"项目{index}",
                quantity=draw(st.integers(min_value=1, max_value=5)),
                list_price=price,
                category_ids=tuple(draw(st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True))),
                member_unit_price=draw(st.none() | st.decimals(min_value=0, max_value=price * 2, places=2)),
                floor_percent=draw(
                    st.sampled_from([Decimal(0)] * 3 + [Decimal(50), Decimal(80), Decimal(95)])
                ),
                never_discount=never,
                manual_percent=draw(st.decimals(min_value=50, max_value=100, places=1))
                if manual == "percent"
                else None,
                manual_amount=draw(st.decimals(min_value=0, max_value=price, places=2))
                if manual == "amount"
                else None,
            )
        )
    return tuple(found)


def targets(draw: st.DrawFn, roles: tuple[str, ...]) -> tuple[PromotionTargetSpec, ...]:
    found = []
    for role in roles:
        for _ in range(draw(st.integers(min_value=1, max_value=2))):
            kind = draw(st.sampled_from(("project", "product", "package", "category")))
            pk = draw(st.sampled_from(CATEGORIES)) if kind == "category" else draw(st.integers(1, 4))
            found.append(PromotionTargetSpec(role=role, kind=kind, id=pk, quantity=draw(st.integers(1, 3))))
    return tuple(found)


@st.composite
def promotions(draw: st.DrawFn) -> tuple[PromotionSpec, ...]:
    found = []
    for pk in range(1, draw(st.integers(min_value=0, max_value=4)) + 1):
        kind = draw(st.sampled_from(("spend_save", "category_percent", "buy_get", "bundle")))
        running = draw(st.sampled_from([True] * 5 + [False]))
        extra: dict[str, object] = {}
        if kind == "spend_save":
            extra = {
                "threshold_amount": draw(st.decimals(min_value=1, max_value=20000, places=2)),
                "discount_amount": draw(st.decimals(min_value=1, max_value=5000, places=2)),
                "repeatable": draw(st.booleans()),
                "targets": targets(draw, ("scope",)),
            }
        elif kind == "category_percent":
            extra = {"discount_percent": draw(percent), "targets": targets(draw, ("scope",))}
        elif kind == "buy_get":
            extra = {
                "buy_quantity": draw(st.integers(1, 3)),
                "get_quantity": draw(st.integers(1, 2)),
                "targets": targets(draw, ("buy", "get")),
            }
        else:
            extra = {"bundle_price": draw(money), "targets": targets(draw, ("bundle",))}
        found.append(
            PromotionSpec(
                id=pk,
                name=f"促销{pk}",
                kind=kind,
                starts_at=AT - DAY if running else AT + DAY,
                ends_at=AT + 2 * DAY,
                priority=draw(st.integers(-2, 2)),
                exclusive=draw(st.booleans()),
                member_level_ids=frozenset(draw(st.lists(st.integers(1, 2), max_size=1))),
                new_customers_only=draw(st.sampled_from([False] * 4 + [True])),
                **extra,  # type: ignore[arg-type]
            )
        )
    return tuple(found)


@st.composite
def coupons(draw: st.DrawFn) -> tuple[CouponSpec, ...]:
    found = []
    for pk in range(1, draw(st.sampled_from([0, 0, 0, 1, 1, 2])) + 1):
        by_percent = draw(st.booleans())
        found.append(
            CouponSpec(
                id=pk,
                code=f"C{pk}",
                name=f"券{pk}",
                kind="discount" if by_percent else "voucher",
                amount=None if by_percent else draw(st.decimals(min_value="0.01", max_value=3000, places=2)),
                percent=draw(st.decimals(min_value=1, max_value=99, places=0)) if by_percent else None,
                applies_to_all=True,
                stackable=True,
                valid_from=AT - DAY,
                valid_until=AT + DAY,
            )
        )
    return tuple(found)


@st.composite
def requests(draw: st.DrawFn) -> QuoteRequest:
    order = draw(st.sampled_from(["none"] * 4 + ["percent", "amount"]))
    return QuoteRequest(
        lines=draw(lines()),
        at=AT,
        branch_id=1,
        customer=CustomerContext(
            member_level_id=draw(st.none() | st.integers(1, 2)), is_new_customer=draw(st.booleans())
        ),
        promotions=draw(promotions()),
        coupons=draw(coupons()),
        order_percent=draw(st.decimals(min_value=80, max_value=100, places=1))
        if order == "percent"
        else None,
        order_amount=draw(st.decimals(min_value=0, max_value=300, places=2)) if order == "amount" else None,
        authority_percent=draw(st.none() | percent),
    )


def priced(request: QuoteRequest) -> Quote:
    """The quote, or the example is dropped when the request is refused (a coupon that does not
    apply, a manual discount below a floor …: the example tests cover those)."""
    try:
        return quote(request)
    except ValidationError:
        assume(False)
        raise


@SETTINGS
@given(requests())
def test_totals_add_up_and_nothing_goes_below_zero(request):
    result = priced(request)
    assert result.total == sum((line.amount for line in result.lines), Decimal(0))
    assert result.total == result.subtotal - result.discount_total
    assert result.subtotal == sum((line.base_amount for line in result.lines), Decimal(0))
    for line in result.lines:
        assert line.amount >= 0
        assert line.amount == line.base_amount + sum((a.amount for a in line.adjustments), Decimal(0))
        assert all(a.amount != 0 and a.amount == quantize(a.amount) for a in line.adjustments)


@SETTINGS
@given(requests())
def test_no_line_below_its_floor_and_never_discounted_lines_at_base(request):
    result = priced(request)
    for spec, line in zip(request.lines, result.lines, strict=True):
        assert line.key == spec.key
        if spec.never_discount:
            assert (line.amount, line.adjustments) == (line.base_amount, ())
        else:
            assert line.amount >= quantize(line.base_amount * spec.floor_percent / 100)


@SETTINGS
@given(requests(), st.randoms(use_true_random=False))
def test_same_request_same_quote_in_any_line_order(request, random):
    try:
        result = quote(request)
    except ValidationError as exc:
        with pytest.raises(ValidationError) as again:
            quote(request)
        assert again.value.message == exc.message
        return
    assert quote(request) == result
    shuffled = list(request.lines)
    random.shuffle(shuffled)
    other = quote(QuoteRequest(**{**request.__dict__, "lines": tuple(shuffled)}))
    assert {line.key: line for line in other.lines} == {line.key: line for line in result.lines}
    assert (other.total, other.discount_total, other.requires_approval) == (
        result.total,
        result.discount_total,
        result.requires_approval,
    )
    assert sorted(other.approval_reasons) == sorted(result.approval_reasons)
    assert (other.applied_promotion_ids, other.skipped) == (result.applied_promotion_ids, result.skipped)


@SETTINGS
@given(requests())
def test_an_applied_exclusive_promotion_never_combines(request):
    result = priced(request)
    exclusive = {promo.id for promo in request.promotions if promo.exclusive}
    if exclusive & set(result.applied_promotion_ids):
        assert len(result.applied_promotion_ids) == 1
    promoted = {a.ref_id for line in result.lines for a in line.adjustments if a.source == "promotion"}
    assert promoted == set(result.applied_promotion_ids)
