"""The pure pricing engine (ORD-04), by example: exact figures for every step (base, member price,
each promotion kind, priority and exclusivity, discount floors, coupons, manual line and order
discounts, approval) and every refusal. Messages are compared in English (the engine's source
strings); ``test_chinese_wording`` checks the Chinese the translations give."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest
from django.utils import translation

from medspa.catalog.pricing import (
    CouponSpec,
    CustomerContext,
    PromotionSpec,
    PromotionTargetSpec,
    QuoteLine,
    QuoteRequest,
    quote,
)
from medspa.core.errors import ValidationError

pytestmark = pytest.mark.req("ORD-04")

D = Decimal
TZ = datetime.timezone(datetime.timedelta(hours=8))
AT = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=TZ)
DAY = datetime.timedelta(days=1)
INJ, HA, SKIN, RETAIL = 10, 11, 20, 30  # categories: HA below INJ


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def line(key="001", *, kind="project", ref_id=1, name="玻尿酸填充", quantity=1, price="6800", **extra):
    extra.setdefault("category_ids", (HA, INJ))
    return QuoteLine(
        key=key, kind=kind, ref_id=ref_id, name=name, quantity=quantity, list_price=D(price), **extra
    )


def promo(id=1, *, kind="spend_save", name="满5000减500", targets=(("scope", "category", INJ),), **extra):
    extra.setdefault("starts_at", AT - DAY)
    extra.setdefault("ends_at", AT + DAY)
    if kind == "spend_save":
        extra.setdefault("threshold_amount", D("5000"))
        extra.setdefault("discount_amount", D("500"))
    return PromotionSpec(
        id=id,
        name=name,
        kind=kind,
        targets=tuple(PromotionTargetSpec(role, tkind, pk, *rest) for role, tkind, pk, *rest in targets),
        **extra,
    )


def coupon(id=1, *, code="C1", name="代金券", amount="100", **extra):
    extra.setdefault("applies_to_all", True)
    extra.setdefault("valid_from", AT - DAY)
    extra.setdefault("valid_until", AT + DAY)
    return CouponSpec(
        id=id,
        code=code,
        name=name,
        kind=extra.pop("kind", "voucher"),
        amount=D(amount) if amount else None,
        **extra,
    )


def req(*lines, **extra):
    extra.setdefault("branch_id", 1)
    extra.setdefault("at", AT)
    return QuoteRequest(lines=tuple(lines), **extra)


def adjustments(result, key="001"):
    return [
        (a.source, a.ref_id, a.label, a.amount)
        for a in next(x for x in result.lines if x.key == key).adjustments
    ]


def amounts(result):
    return {x.key: x.amount for x in result.lines}


def refused(request) -> tuple[str | None, str]:
    with pytest.raises(ValidationError) as caught:
        quote(request)
    return caught.value.field, caught.value.message


# --- 1. base and 2. member price ---------------------------------------------------------------------


def test_base_is_list_price_times_quantity():
    result = quote(req(line(quantity=2)))
    (priced,) = result.lines
    assert (priced.base_amount, priced.adjustments, priced.amount) == (D("13600.00"), (), D("13600.00"))
    assert (result.subtotal, result.discount_total, result.total) == (D("13600.00"), D("0.00"), D("13600.00"))
    assert (
        result.requires_approval,
        result.approval_reasons,
        result.applied_promotion_ids,
        result.skipped,
    ) == (
        False,
        (),
        (),
        {},
    )


def test_member_price_replaces_a_higher_list_price():
    customer = CustomerContext(member_level_id=7, member_level_name="金卡")
    result = quote(req(line(quantity=2, member_unit_price=D("6000")), customer=customer))
    assert adjustments(result) == [("member", 7, "Member price (金卡): ¥6,000 each", D("-1600.00"))]
    assert result.total == D("12000.00")


def test_member_price_not_below_list_and_never_discounted_lines_get_nothing():
    result = quote(
        req(
            line("001", member_unit_price=D("6800")),
            line("002", member_unit_price=D("100"), never_discount=True),
            customer=CustomerContext(member_level_id=7, member_level_name="金卡"),
        )
    )
    assert (adjustments(result, "001"), adjustments(result, "002")) == ([], [])
    assert result.total == D("13600.00")


# --- 3. promotions -----------------------------------------------------------------------------------


def test_spend_save_allocates_pro_rata_over_its_scope():
    result = quote(
        req(
            line("001", price="3000"),
            line("002", ref_id=2, name="肉毒素", price="2500", category_ids=(12, INJ)),
            line("003", ref_id=3, name="水光针", price="1280", category_ids=(SKIN,)),
            promotions=(promo(),),
        )
    )
    label = "满5000减500: spend ¥5,000 save ¥500"
    # 500 over 3000 : 2500 — exact 272.727… and 227.272…; the odd fen to the larger remainder
    assert adjustments(result, "001") == [("promotion", 1, label, D("-272.73"))]
    assert adjustments(result, "002") == [("promotion", 1, label, D("-227.27"))]
    assert adjustments(result, "003") == []
    assert (result.total, result.applied_promotion_ids) == (D("6280.00"), (1,))


def test_spend_save_repeatable_and_capped_by_the_subtotal():
    repeat = promo(repeatable=True)
    result = quote(req(line(price="10500"), promotions=(repeat,)))
    assert adjustments(result) == [
        ("promotion", 1, "满5000减500: every ¥5,000 spent saves ¥500", D("-1000.00"))
    ]
    huge = promo(threshold_amount=D("100"), discount_amount=D("900"), name="满100减900")
    result = quote(req(line(price="300"), promotions=(huge,)))
    assert result.total == D("0.00")


def test_spend_save_below_threshold_is_skipped_with_the_reason():
    result = quote(req(line(price="4000"), promotions=(promo(),)))
    assert result.skipped == {1: "Spend ¥5,000 on its items to qualify (now ¥4,000)."}
    assert (result.applied_promotion_ids, result.total) == ((), D("4000.00"))
    assert result.promotion_names == {1: "满5000减500"}


def test_spend_save_counts_the_amount_after_member_price():
    result = quote(req(line(price="5200", member_unit_price=D("4940")), promotions=(promo(),)))
    assert result.skipped == {1: "Spend ¥5,000 on its items to qualify (now ¥4,940)."}


def test_category_percent_takes_its_percent_off_the_scope():
    off = promo(
        kind="category_percent",
        name="注射八折",
        discount_percent=D("80"),
        targets=(("scope", "category", INJ),),
    )
    result = quote(
        req(
            line(price="1000.05"),
            line("002", ref_id=3, price="1280", category_ids=(SKIN,)),
            promotions=(off,),
        )
    )
    assert adjustments(result) == [("promotion", 1, "注射八折: 8/10", D("-200.01"))]
    assert amounts(result) == {"001": D("800.04"), "002": D("1280.00")}


def test_buy_get_on_separate_lines_caps_at_the_get_line():
    buy_get = promo(
        kind="buy_get",
        name="买二送一",
        buy_quantity=2,
        get_quantity=1,
        targets=(("buy", "project", 1), ("get", "product", 5)),
    )
    mask = line("002", kind="product", ref_id=5, name="面膜", price="198", quantity=3, category_ids=(RETAIL,))
    result = quote(req(line(quantity=4), mask, promotions=(buy_get,)))
    assert adjustments(result, "002") == [("promotion", 1, "买二送一: buy 2 get 1 free", D("-396.00"))]
    result = quote(req(line(quantity=9), mask, promotions=(buy_get,)))  # 4 free, capped at 3
    assert amounts(result)["002"] == D("0.00")


def test_buy_get_on_one_line_gives_every_third_unit():
    same = promo(
        kind="buy_get",
        name="买二送一",
        buy_quantity=2,
        get_quantity=1,
        targets=(("buy", "project", 3), ("get", "project", 3)),
    )
    water = line(ref_id=3, name="水光针", price="1280", quantity=7, category_ids=(SKIN,))
    result = quote(req(water, promotions=(same,)))
    assert adjustments(result) == [("promotion", 1, "买二送一: buy 2 get 1 free", D("-2560.00"))]
    result = quote(req(replace(water, quantity=2), promotions=(same,)))
    assert result.skipped == {1: "Nothing in the basket qualifies."}


def test_bundle_price_over_its_components():
    bundle = promo(
        kind="bundle",
        name="焕肤套餐",
        bundle_price=D("1500"),
        targets=(("bundle", "project", 3, 1), ("bundle", "product", 5, 2)),
    )
    water = line(ref_id=3, name="水光针", price="1280", category_ids=(SKIN,))
    masks = line(
        "002", kind="product", ref_id=5, name="面膜", price="198", quantity=3, category_ids=(RETAIL,)
    )
    result = quote(req(water, masks, promotions=(bundle,)))
    # one bundle: 1280 + 2 × 198 = 1676 → 176 off, split 1280 : 396
    assert adjustments(result, "001") == [("promotion", 1, "焕肤套餐: bundle price ¥1,500", D("-134.42"))]
    assert adjustments(result, "002") == [("promotion", 1, "焕肤套餐: bundle price ¥1,500", D("-41.58"))]
    assert result.total == D("1698.00")  # 1500 for the bundle + the third mask
    no_gain = replace(bundle, bundle_price=D("2000"))
    assert quote(req(water, masks, promotions=(no_gain,))).applied_promotion_ids == ()


def test_priority_then_id_decides_and_an_applied_exclusive_stands_alone():
    first = promo(
        1, kind="category_percent", name="独享九折", discount_percent=D("90"), priority=5, exclusive=True
    )
    second = promo(2, priority=5)
    result = quote(req(line(), promotions=(second, first)))
    assert result.applied_promotion_ids == (1,)
    assert result.skipped == {2: "Does not combine with the exclusive promotion 独享九折."}
    assert result.total == D("6120.00")


def test_a_stackable_first_lets_later_stackables_apply_and_skips_exclusives():
    a = promo(1, kind="category_percent", name="九折", discount_percent=D("90"), priority=9)
    b = promo(
        2, kind="category_percent", name="独享八折", discount_percent=D("80"), priority=5, exclusive=True
    )
    c = promo(3, priority=1)
    result = quote(req(line(), promotions=(c, b, a)))
    assert result.applied_promotion_ids == (1, 3)
    assert result.skipped == {2: "An exclusive promotion does not combine with 九折."}
    assert adjustments(result) == [
        ("promotion", 1, "九折: 9/10", D("-680.00")),
        ("promotion", 3, "满5000减500: spend ¥5,000 save ¥500", D("-500.00")),
    ]
    assert result.total == D("5620.00")


def test_an_exclusive_that_yields_nothing_does_not_block_the_others():
    exclusive = promo(
        1,
        name="满一万减两千",
        threshold_amount=D("10000"),
        discount_amount=D("2000"),
        priority=9,
        exclusive=True,
    )
    result = quote(req(line(), promotions=(exclusive, promo(2))))
    assert result.applied_promotion_ids == (2,)
    assert result.skipped == {1: "Spend ¥10,000 on its items to qualify (now ¥6,800)."}


def test_ineligible_promotions_are_skipped_with_their_reason():
    promotions = (
        promo(1, starts_at=AT + DAY, ends_at=AT + 2 * DAY),
        promo(2, branch_ids=frozenset({9})),
        promo(3, member_level_ids=frozenset({8})),
        promo(4, new_customers_only=True),
        promo(5, ends_at=AT),  # the window ends just as the quote is made
    )
    result = quote(req(line(), promotions=promotions, customer=CustomerContext(member_level_id=7)))
    assert result.skipped == {
        1: "Not running at this time.",
        2: "Not offered at this branch.",
        3: "Not for this member level.",
        4: "For new customers only.",
        5: "Not running at this time.",
    }
    new = CustomerContext(member_level_id=8, is_new_customer=True)
    result = quote(req(line(), promotions=promotions[1:4], branch_id=9, customer=new))
    assert result.applied_promotion_ids == (2, 3, 4)


# --- 4. floors ---------------------------------------------------------------------------------------


def test_floor_gives_back_what_automatic_discounts_take_below_it():
    customer = CustomerContext(member_level_id=7, member_level_name="金卡")
    result = quote(
        req(line(price="1000", member_unit_price=D("700"), floor_percent=D("80")), customer=customer)
    )
    assert adjustments(result) == [
        ("member", 7, "Member price (金卡): ¥700 each", D("-300.00")),
        ("floor", None, "Discount limit: at least 8/10", D("100.00")),
    ]
    assert result.total == D("800.00")


def test_floor_also_holds_after_coupons():
    result = quote(req(line(price="1000", floor_percent=D("95")), coupons=(coupon(amount="100"),)))
    assert adjustments(result) == [
        ("coupon", 1, "Coupon 代金券 (C1): ¥100 off", D("-100.00")),
        ("floor", None, "Discount limit: at least 9.5/10", D("50.00")),
    ]
    assert result.total == D("950.00")


# --- 5. coupons --------------------------------------------------------------------------------------


def test_voucher_allocated_pro_rata_with_min_spend():
    result = quote(
        req(line(price="400"), line("002", ref_id=2, price="600"), coupons=(coupon(min_spend=D("1000")),))
    )
    assert adjustments(result, "001") == [("coupon", 1, "Coupon 代金券 (C1): ¥100 off", D("-40.00"))]
    assert adjustments(result, "002") == [("coupon", 1, "Coupon 代金券 (C1): ¥100 off", D("-60.00"))]
    assert result.total == D("900.00")


def test_voucher_never_more_than_what_it_applies_to():
    result = quote(req(line(price="300"), coupons=(coupon(amount="1000"),)))
    assert (adjustments(result)[0][3], result.total) == (D("-300.00"), D("0.00"))


def test_discount_coupon_on_its_projects_and_categories():
    pct = coupon(
        2,
        code="D9",
        name="九折券",
        kind="discount",
        amount=None,
        percent=D("90"),
        applies_to_all=False,
        category_ids=frozenset({INJ}),
    )
    result = quote(
        req(line(price="999.95"), line("002", ref_id=3, price="1280", category_ids=(SKIN,)), coupons=(pct,))
    )
    assert adjustments(result) == [("coupon", 2, "Coupon 九折券 (D9): 9/10", D("-100.00"))]
    assert adjustments(result, "002") == []
    by_project = replace(pct, category_ids=frozenset(), project_ids=frozenset({3}))
    assert adjustments(
        quote(req(line(), line("002", ref_id=3, price="1280"), coupons=(by_project,))), "002"
    ) == [("coupon", 2, "Coupon 九折券 (D9): 9/10", D("-128.00"))]


def test_non_stackable_coupon_skips_promoted_lines_and_stackable_does_not():
    off = promo(kind="category_percent", name="注射九折", discount_percent=D("90"))
    lines = (line(price="1000"), line("002", ref_id=3, price="2000", category_ids=(SKIN,)))
    result = quote(req(*lines, promotions=(off,), coupons=(coupon(),)))
    assert [a[0] for a in adjustments(result)] == ["promotion"]
    assert adjustments(result, "002") == [("coupon", 1, "Coupon 代金券 (C1): ¥100 off", D("-100.00"))]
    result = quote(req(*lines, promotions=(off,), coupons=(coupon(stackable=True),)))
    # 100 over 900 : 2000
    assert (adjustments(result)[-1][3], adjustments(result, "002")[-1][3]) == (D("-31.03"), D("-68.97"))


def test_coupon_refusals_name_the_coupon():
    base = req(line(price="400"), line("002", ref_id=2, price="500"))
    expired = replace(base, coupons=(coupon(valid_until=AT),))
    assert refused(expired) == ("coupon_ids", "Coupon 代金券 (C1) is not valid at this time.")
    early = replace(base, coupons=(coupon(valid_from=AT + datetime.timedelta(seconds=1)),))
    assert refused(early) == ("coupon_ids", "Coupon 代金券 (C1) is not valid at this time.")
    min_spend = replace(base, coupons=(coupon(min_spend=D("1000")),))
    assert refused(min_spend) == (
        "coupon_ids",
        "Coupon 代金券 (C1) needs a spend of ¥1,000 on the items it applies to (now ¥900).",
    )
    elsewhere = replace(base, coupons=(coupon(applies_to_all=False, project_ids=frozenset({99})),))
    assert refused(elsewhere) == ("coupon_ids", "Coupon 代金券 (C1) applies to nothing in the basket.")
    two = replace(base, coupons=(coupon(1), coupon(2, code="C2", stackable=True)))
    assert refused(two) == ("coupon_ids", "Coupon 代金券 (C1) cannot be combined with another coupon.")
    twice = replace(base, coupons=(coupon(1, stackable=True), coupon(1, stackable=True)))
    assert refused(twice) == ("coupon_ids", "Each coupon can be used once.")
    only_promoted = req(line(), promotions=(promo(),), coupons=(coupon(),))
    assert refused(only_promoted) == ("coupon_ids", "Coupon 代金券 (C1) applies to nothing in the basket.")


def test_two_stackable_coupons_apply_in_id_order():
    result = quote(
        req(
            line(price="1000"),
            coupons=(
                coupon(2, code="D9", kind="discount", amount=None, percent=D("90"), stackable=True),
                coupon(1, stackable=True),
            ),
        )
    )
    assert [a[3] for a in adjustments(result)] == [D("-100.00"), D("-90.00")]


# --- 6. manual and order discounts -------------------------------------------------------------------


def test_manual_percent_and_amount():
    result = quote(
        req(line(manual_percent=D("85")), line("002", ref_id=2, price="1000", manual_amount=D("99.5")))
    )
    assert adjustments(result) == [("manual", None, "Manual discount: 8.5/10", D("-1020.00"))]
    assert adjustments(result, "002") == [("manual", None, "Manual discount: ¥99.50 off", D("-99.50"))]


def test_manual_refusals():
    assert refused(req(line(manual_percent=D("90"), manual_amount=D("1")))) == (
        "lines[0].manual_percent",
        "玻尿酸填充: give either a discount percentage or an amount off, not both.",
    )
    assert refused(req(line(manual_percent=D("100.01")))) == (
        "lines[0].manual_percent",
        "玻尿酸填充: the discount percentage must lie between 0 and 100.",
    )
    assert refused(req(line(manual_percent=D("-1")))) == (
        "lines[0].manual_percent",
        "玻尿酸填充: the discount percentage must lie between 0 and 100.",
    )
    assert refused(req(line(manual_amount=D("-1")))) == (
        "lines[0].manual_amount",
        "玻尿酸填充: the amount off must not be negative.",
    )
    assert refused(req(line(manual_amount=D("6800.01")))) == (
        "lines[0].manual_amount",
        "玻尿酸填充: the amount off (¥6,800.01) is more than the line's amount (¥6,800).",
    )
    assert refused(req(line(), line("002", name="体检", never_discount=True, manual_percent=D("90")))) == (
        "lines[1].manual_percent",
        "体检 is never discounted.",
    )
    assert refused(req(line(floor_percent=D("90"), manual_percent=D("85")))) == (
        "lines[0].manual_percent",
        "玻尿酸填充 may go down to 9/10 (¥6,120) at most; this discount makes it ¥5,780.",
    )


def test_order_discount_over_discountable_lines():
    result = quote(
        req(
            line(price="6000"),
            line("002", name="体检", price="2000", never_discount=True),
            order_percent=D("90"),
        )
    )
    assert adjustments(result) == [("order", None, "Order discount: 9/10", D("-600.00"))]
    assert adjustments(result, "002") == []
    result = quote(req(line(price="300"), line("002", ref_id=2, price="700"), order_amount=D("100")))
    assert (adjustments(result)[0][3], adjustments(result, "002")[0][3]) == (D("-30.00"), D("-70.00"))
    assert adjustments(result)[0][2] == "Order discount: ¥100 off"


def test_order_discount_refusals():
    assert refused(req(line(), order_percent=D("90"), order_amount=D("1"))) == (
        "order_percent",
        "The order discount: give either a discount percentage or an amount off, not both.",
    )
    assert refused(req(line(), order_percent=D("101"))) == (
        "order_percent",
        "The order discount: the discount percentage must lie between 0 and 100.",
    )
    assert refused(req(line(price="100"), order_amount=D("100.01"))) == (
        "order_amount",
        "The order discount (¥100.01) is more than the amount it can apply to (¥100).",
    )
    assert refused(req(line(price="1000", floor_percent=D("95")), order_percent=D("90"))) == (
        "order_percent",
        "玻尿酸填充 may go down to 9.5/10 (¥950) at most; this discount makes it ¥900.",
    )


def test_the_odd_fen_of_an_order_discount_goes_to_the_earlier_key_whatever_the_order():
    first, second = line("a", price="10"), line("b", ref_id=2, price="10")
    for lines in ((first, second), (second, first)):
        result = quote(req(*lines, order_amount=D("0.01")))
        assert amounts(result) == {"a": D("9.99"), "b": D("10.00")}
        assert [x.key for x in result.lines] == [x.key for x in lines]  # request order kept


# --- 7. approval -------------------------------------------------------------------------------------


def test_manual_discount_beyond_authority_needs_approval():
    result = quote(req(line(manual_percent=D("85")), authority_percent=D("90")))
    assert result.requires_approval is True
    assert result.approval_reasons == ("玻尿酸填充 at 8.5/10 is beyond your authority of 9/10.",)
    assert result.lines[0].requires_approval is True
    within = quote(req(line(manual_percent=D("95")), authority_percent=D("90")))
    assert (within.requires_approval, within.approval_reasons) == (False, ())


def test_the_percent_given_reads_as_typed_but_never_at_the_limit():
    rounded = quote(req(line(price="5584.26", manual_percent=D("85")), authority_percent=D("90")))
    assert rounded.lines[0].amount == D("4746.62")  # 84.99998 % of the line
    assert rounded.approval_reasons == ("玻尿酸填充 at 8.5/10 is beyond your authority of 9/10.",)
    close = quote(req(line(price="10000", manual_amount=D("1000.40")), authority_percent=D("90")))
    assert close.approval_reasons == ("玻尿酸填充 at 8.999/10 is beyond your authority of 9/10.",)


def test_the_manual_ratio_counts_manual_and_order_discounts_after_automatic_ones():
    customer = CustomerContext(member_level_id=7, member_level_name="金卡")
    lines = (line(member_unit_price=D("6000"), manual_percent=D("95")),)
    ok = quote(req(*lines, customer=customer, order_percent=D("95"), authority_percent=D("90")))
    assert ok.requires_approval is False  # 95 % × 95 % = 90.25 % of the member price
    over = quote(req(*lines, customer=customer, order_percent=D("90"), authority_percent=D("90")))
    assert over.approval_reasons == ("玻尿酸填充 at 8.55/10 is beyond your authority of 9/10.",)


def test_no_authority_means_every_manual_discount_needs_approval():
    result = quote(req(line(manual_amount=D("1")), line("002", ref_id=2, price="100")))
    assert result.approval_reasons == ("玻尿酸填充 at 9.998/10: you have no discount authority.",)
    assert quote(req(line(manual_percent=D("100")))).requires_approval is False
    assert quote(req(line(), promotions=(promo(),))).requires_approval is False  # automatic only
    assert quote(req(line(manual_percent=D("10")), authority_percent=D("0"))).requires_approval is False


# --- refusals of the basket itself -------------------------------------------------------------------


def test_basket_refusals():
    assert refused(req()) == ("lines", "Add at least one item to the basket.")
    assert refused(req(line(quantity=0))) == (
        "lines[0].quantity",
        "玻尿酸填充: the quantity must be at least 1.",
    )
    assert refused(req(line(quantity=10000))) == (
        "lines[0].quantity",
        "玻尿酸填充: the quantity may be at most 9999.",
    )
    assert refused(req(line(), line())) == ("lines[1].key", "Each line needs its own key.")
    assert refused(req(line(kind="gift"))) == (
        "lines[0].kind",
        "The kind must be one of: project, product, package, card_type.",
    )
    assert refused(req(line(), at=AT.replace(tzinfo=None))) == (
        "at",
        "Give the time with its time zone.",
    )
    assert refused(req(line(manual_amount=D("1000000000000")))) == (
        "lines[0].manual_amount",
        "玻尿酸填充: the amount off is too large.",
    )


def test_every_step_in_order_on_one_line():
    """Member price, a promotion, a coupon, a manual and an order discount on one basket."""
    customer = CustomerContext(member_level_id=7, member_level_name="金卡")
    result = quote(
        req(
            line(member_unit_price=D("6000"), manual_percent=D("95")),
            line("002", ref_id=3, name="水光针", price="1280", category_ids=(SKIN,)),
            customer=customer,
            promotions=(promo(),),
            coupons=(coupon(),),
            order_amount=D("50"),
            authority_percent=D("90"),
        )
    )
    assert adjustments(result) == [
        ("member", 7, "Member price (金卡): ¥6,000 each", D("-800.00")),
        ("promotion", 1, "满5000减500: spend ¥5,000 save ¥500", D("-500.00")),
        ("manual", None, "Manual discount: 9.5/10", D("-275.00")),
        ("order", None, "Order discount: ¥50 off", D("-40.79")),
    ]
    assert adjustments(result, "002") == [
        ("coupon", 1, "Coupon 代金券 (C1): ¥100 off", D("-100.00")),
        ("order", None, "Order discount: ¥50 off", D("-9.21")),
    ]
    assert (result.subtotal, result.discount_total, result.total) == (
        D("8080.00"),
        D("1725.00"),
        D("6355.00"),
    )
    assert result.requires_approval is False


def test_chinese_wording():
    """In Chinese the explanations read as the issue words them: 8.5 折, 满 ¥5,000 减 ¥500, 最低 8 折."""
    customer = CustomerContext(member_level_id=7, member_level_name="金卡")
    exclusive = promo(2, kind="category_percent", name="独享九折", discount_percent=D("90"), exclusive=True)
    with translation.override("zh-hans"):
        result = quote(
            req(
                line(member_unit_price=D("6000"), manual_percent=D("85")),
                customer=customer,
                promotions=(promo(priority=1), exclusive),
                authority_percent=D("90"),
            )
        )
        floored = quote(
            req(line(price="1000", member_unit_price=D("700"), floor_percent=D("80")), customer=customer)
        )
    assert [a[2] for a in adjustments(result)] == [
        "会员价（金卡）：单价 ¥6,000",
        "满5000减500：满 ¥5,000 减 ¥500",
        "手工折扣：8.5 折",
    ]
    assert result.approval_reasons == ("玻尿酸填充 8.5 折超出权限 9 折",)
    assert result.skipped == {2: "独占促销不与「满5000减500」同享。"}
    assert adjustments(floored)[-1][2] == "限折：最低 8 折"
