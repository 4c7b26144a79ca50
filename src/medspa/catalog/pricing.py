"""The pricing engine (计价引擎) — ORD-04: one pure function, :func:`quote`.

It reads no database and no clock: everything it needs arrives in a :class:`QuoteRequest`
(``pricing_selectors.quote_for`` builds one from the database). Same request, same
:class:`Quote` — also when the basket's lines come in another order, because the engine works
on the lines sorted by ``key`` (the selector numbers them in basket order), and every tie
(which line gets the odd fen, which get line gets free units first) goes to the earlier key.

Order of application, each step on the line amounts the previous step left (docs/adr/0004):

1. base = unit list price × quantity;
2. member price — a lower ``member_unit_price`` replaces the list price;
3. promotions — the eligible ones (window holds ``at``, branch, member level, new customers),
   by priority (highest first, then id). The first that yields a discount decides: exclusive,
   it alone applies; otherwise it and every later non-exclusive one that yields something
   apply, exclusive ones being skipped;
4. discount floors — automatic discounts never take a line below ``floor_percent`` % of its
   base; the excess comes back as its own adjustment (again after the coupons);
5. coupons — valid at ``at``, minimum spend met by the lines they apply to, at least one such
   line; a non-stackable coupon is the only coupon and skips lines a promotion discounted;
6. manual line discounts, then the order discount allocated over the discountable lines — a
   manual discount below a floor, or on a never-discounted line, is an error, not a clamp;
7. approval — a line whose manual ratio (amount after manual and order discounts ÷ amount
   before them) is below the actor's authority, or any manual discount without authority.

Never-discounted lines (``never_discount``) get no discount of any kind. Every amount is whole
fen; each split goes through :func:`medspa.core.money.allocate` (largest remainder), so the
total is exactly the sum of the lines, and no line goes below zero.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from medspa.core.errors import ValidationError
from medspa.core.money import ZERO, allocate, format_cny, quantize

__all__ = [
    "Adjustment",
    "CouponSpec",
    "CustomerContext",
    "PricedLine",
    "PromotionSpec",
    "PromotionTargetSpec",
    "Quote",
    "QuoteLine",
    "QuoteRequest",
    "quote",
    "tenths_text",
]

HUNDRED = Decimal(100)
MAX_QUANTITY = 9999
MAX_AMOUNT = Decimal(10) ** 12  # more than any basket

# line kinds
PROJECT, PRODUCT, PACKAGE, CARD_TYPE = "project", "product", "package", "card_type"
LINE_KINDS = (PROJECT, PRODUCT, PACKAGE, CARD_TYPE)
# adjustment sources, in the order they are applied
MEMBER, PROMOTION, FLOOR, COUPON, MANUAL, ORDER = "member", "promotion", "floor", "coupon", "manual", "order"
# promotion kinds and target roles (the values of catalog.choices.PromotionKind / TargetRole)
BUNDLE, SPEND_SAVE, CATEGORY_PERCENT, BUY_GET = "bundle", "spend_save", "category_percent", "buy_get"
SCOPE, BUY, GET, BUNDLE_ROLE = "scope", "buy", "get", "bundle"
CATEGORY = "category"


# --- input ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteLine:
    """One basket line. ``category_ids`` is the line's category and all its ancestors;
    ``floor_percent`` the lowest price % automatic discounts may reach (0: no floor);
    ``manual_percent`` (pays p %) or ``manual_amount`` (off the line) is the hand-given line
    discount — at most one of them."""

    key: str
    kind: str
    ref_id: int
    name: str
    quantity: int
    list_price: Decimal
    category_ids: tuple[int, ...] = ()
    member_unit_price: Decimal | None = None
    floor_percent: Decimal = ZERO
    never_discount: bool = False
    manual_percent: Decimal | None = None
    manual_amount: Decimal | None = None


@dataclass(frozen=True)
class CustomerContext:
    """Who buys: the member level (None: no level) and whether this is a new customer."""

    member_level_id: int | None = None
    member_level_name: str = ""
    is_new_customer: bool = False


@dataclass(frozen=True)
class PromotionTargetSpec:
    """A promotion target: ``role`` scope / buy / get / bundle, ``kind`` project / product /
    package / category (a category matches every line whose ``category_ids`` holds it)."""

    role: str
    kind: str
    id: int
    quantity: int = 1


@dataclass(frozen=True)
class PromotionSpec:
    """A promotion as the engine sees it; empty ``branch_ids`` / ``member_level_ids``: all.
    The window is ``starts_at`` ≤ at < ``ends_at``."""

    id: int
    name: str
    kind: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    targets: tuple[PromotionTargetSpec, ...] = ()
    description: str = ""
    priority: int = 0
    exclusive: bool = False
    branch_ids: frozenset[int] = frozenset()
    member_level_ids: frozenset[int] = frozenset()
    new_customers_only: bool = False
    threshold_amount: Decimal | None = None
    discount_amount: Decimal | None = None
    repeatable: bool = False
    discount_percent: Decimal | None = None
    bundle_price: Decimal | None = None
    buy_quantity: int | None = None
    get_quantity: int | None = None


@dataclass(frozen=True)
class CouponSpec:
    """A chosen coupon: ``amount`` off (voucher, friends-and-family and staff coupons) or pay
    ``percent`` % (discount coupon); usable from ``valid_from`` until before ``valid_until``."""

    id: int
    code: str
    name: str
    kind: str
    amount: Decimal | None = None
    percent: Decimal | None = None
    min_spend: Decimal = ZERO
    applies_to_all: bool = False
    project_ids: frozenset[int] = frozenset()
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    stackable: bool = False
    valid_from: datetime.datetime | None = None
    valid_until: datetime.datetime | None = None


@dataclass(frozen=True)
class QuoteRequest:
    """Everything a quote depends on. ``authority_percent`` is the actor's discount authority
    (the lowest price % she may give by hand; None: she may not discount without approval)."""

    lines: tuple[QuoteLine, ...]
    at: datetime.datetime
    branch_id: int
    customer: CustomerContext = field(default_factory=CustomerContext)
    promotions: tuple[PromotionSpec, ...] = ()
    coupons: tuple[CouponSpec, ...] = ()
    order_percent: Decimal | None = None
    order_amount: Decimal | None = None
    authority_percent: Decimal | None = None


# --- output -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    """One explained change of a line's amount (negative: a discount; a floor gives back)."""

    source: str
    ref_id: int | None
    label: str
    amount: Decimal


@dataclass(frozen=True)
class PricedLine:
    key: str
    kind: str
    ref_id: int
    name: str
    quantity: int
    list_price: Decimal
    base_amount: Decimal
    adjustments: tuple[Adjustment, ...]
    amount: Decimal
    requires_approval: bool = False


@dataclass(frozen=True)
class Quote:
    """The priced basket, lines in request order. ``skipped`` gives, for each promotion that
    did not apply, the reason; ``promotion_names`` names every promotion considered."""

    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    discount_total: Decimal
    total: Decimal
    requires_approval: bool
    approval_reasons: tuple[str, ...]
    applied_promotion_ids: tuple[int, ...]
    skipped: Mapping[int, str]
    promotion_names: Mapping[int, str] = field(default_factory=dict)


# --- texts ------------------------------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    """``8.50`` → ``8.5``, ``90.00`` → ``90`` (never an exponent)."""
    text = format(value.normalize(), "f")
    return text


def tenths_text(percent: Decimal) -> str:
    """A price percentage the way a Chinese till says it: 85 → ``8.5 折``."""
    return _("%(tenths)s/10") % {"tenths": _plain(percent / 10)}


def _money(value: Decimal) -> str:
    """``¥5,000`` for whole yuan, ``¥12.50`` otherwise."""
    text = format_cny(value)
    return text[:-3] if text.endswith(".00") else text


def _named(name: str, detail: str) -> str:
    return _("%(name)s: %(detail)s") % {"name": name, "detail": detail}


def _promotion_label(promo: PromotionSpec) -> str:
    if promo.kind == SPEND_SAVE:
        template = (
            _("every %(threshold)s spent saves %(amount)s")
            if promo.repeatable
            else _("spend %(threshold)s save %(amount)s")
        )
        detail = template % {
            "threshold": _money(promo.threshold_amount or ZERO),
            "amount": _money(promo.discount_amount or ZERO),
        }
    elif promo.kind == CATEGORY_PERCENT:
        detail = tenths_text(promo.discount_percent or HUNDRED)
    elif promo.kind == BUY_GET:
        detail = _("buy %(buy)s get %(get)s free") % {"buy": promo.buy_quantity, "get": promo.get_quantity}
    else:
        detail = _("bundle price %(price)s") % {"price": _money(promo.bundle_price or ZERO)}
    return _named(promo.name, detail)


def _coupon_name(coupon: CouponSpec) -> str:
    return _("%(name)s (%(code)s)") % {"name": coupon.name, "code": coupon.code}


def _coupon_label(coupon: CouponSpec) -> str:
    if coupon.percent is not None:
        detail = tenths_text(coupon.percent)
    else:
        detail = _("%(amount)s off") % {"amount": _money(coupon.amount or ZERO)}
    return _named(_("Coupon %(coupon)s") % {"coupon": _coupon_name(coupon)}, detail)


def _floor_label(percent: Decimal) -> str:
    return _("Discount limit: at least %(floor)s") % {"floor": tenths_text(percent)}


def _manual_label(percent: Decimal | None, amount: Decimal | None, *, order: bool) -> str:
    detail = (
        tenths_text(percent)
        if percent is not None
        else _("%(amount)s off") % {"amount": _money(amount or ZERO)}
    )
    return (_("Order discount: %(detail)s") if order else _("Manual discount: %(detail)s")) % {
        "detail": detail
    }


# --- working state ----------------------------------------------------------------------------------


@dataclass
class _Line:
    spec: QuoteLine
    index: int  # position in the request (for error fields)
    base: Decimal
    amount: Decimal
    floor_amount: Decimal
    adjustments: list[Adjustment] = field(default_factory=list)
    promoted: bool = False
    before_manual: Decimal = ZERO
    requires_approval: bool = False

    @property
    def discountable(self) -> bool:
        return not self.spec.never_discount

    def adjust(self, source: str, ref_id: int | None, label: str, amount: Decimal) -> None:
        """Change the amount by ``amount`` (whole fen); zero changes are not recorded."""
        if amount == 0:
            return
        self.amount += amount
        self.adjustments.append(Adjustment(source=source, ref_id=ref_id, label=label, amount=amount))

    def field_name(self, name: str) -> str:
        return f"lines[{self.index}].{name}"


# --- the engine -------------------------------------------------------------------------------------


def quote(request: QuoteRequest) -> Quote:
    """Price ``request``; a :class:`~medspa.core.errors.ValidationError` names the field of
    anything that cannot be priced (bad quantity, a coupon that does not apply, a manual discount
    below a floor …)."""
    _check_request(request)
    order = sorted(range(len(request.lines)), key=lambda i: request.lines[i].key)
    lines = [_start(request.lines[i], i) for i in order]

    _apply_member_prices(lines, request.customer)
    applied, skipped = _apply_promotions(lines, request)
    _apply_floors(lines)
    _apply_coupons(lines, request)
    _apply_floors(lines)
    for line in lines:
        line.before_manual = line.amount
    _apply_manual(lines)
    _apply_order_discount(lines, request)
    reasons = _approval(lines, request.authority_percent)

    by_index = {line.index: line for line in lines}
    priced = tuple(_priced(by_index[i]) for i in range(len(request.lines)))
    subtotal = sum((line.base_amount for line in priced), ZERO)
    total = sum((line.amount for line in priced), ZERO)
    return Quote(
        lines=priced,
        subtotal=subtotal,
        discount_total=subtotal - total,
        total=total,
        requires_approval=bool(reasons),
        approval_reasons=tuple(reasons),
        applied_promotion_ids=tuple(applied),
        skipped=skipped,
        promotion_names={promo.id: promo.name for promo in sorted(request.promotions, key=lambda p: p.id)},
    )


def _priced(line: _Line) -> PricedLine:
    spec = line.spec
    return PricedLine(
        key=spec.key,
        kind=spec.kind,
        ref_id=spec.ref_id,
        name=spec.name,
        quantity=spec.quantity,
        list_price=quantize(spec.list_price),
        base_amount=line.base,
        adjustments=tuple(line.adjustments),
        amount=line.amount,
        requires_approval=line.requires_approval,
    )


def _start(spec: QuoteLine, index: int) -> _Line:
    base = quantize(spec.list_price * spec.quantity)
    floor = ZERO if spec.never_discount else quantize(base * spec.floor_percent / HUNDRED)
    return _Line(spec=spec, index=index, base=base, amount=base, floor_amount=floor)


def _percent_ok(value: Decimal) -> bool:
    return value.is_finite() and ZERO <= value <= HUNDRED


def _check_request(request: QuoteRequest) -> None:
    """Refuse what cannot be priced, before anything is computed."""
    if request.at.tzinfo is None:
        raise ValidationError(_("Give the time with its time zone."), field="at")
    if not request.lines:
        raise ValidationError(_("Add at least one item to the basket."), field="lines")
    seen: set[str] = set()
    for index, spec in enumerate(request.lines):
        prefix = f"lines[{index}]"
        if spec.key in seen:
            raise ValidationError(_("Each line needs its own key."), field=f"{prefix}.key")
        seen.add(spec.key)
        if spec.kind not in LINE_KINDS:
            raise ValidationError(
                _("The kind must be one of: %(kinds)s.") % {"kinds": ", ".join(LINE_KINDS)},
                field=f"{prefix}.kind",
            )
        if isinstance(spec.quantity, bool) or spec.quantity < 1:
            raise ValidationError(
                _("%(line)s: the quantity must be at least 1.") % {"line": spec.name},
                field=f"{prefix}.quantity",
            )
        if spec.quantity > MAX_QUANTITY:
            raise ValidationError(
                _("%(line)s: the quantity may be at most %(max)s.")
                % {"line": spec.name, "max": MAX_QUANTITY},
                field=f"{prefix}.quantity",
            )
        if not spec.list_price.is_finite() or spec.list_price < 0:
            raise ValidationError(
                _("%(line)s: the price must not be negative.") % {"line": spec.name},
                field=f"{prefix}.list_price",
            )
        if spec.member_unit_price is not None and (
            not spec.member_unit_price.is_finite() or spec.member_unit_price < 0
        ):
            raise ValidationError(
                _("%(line)s: the member price must not be negative.") % {"line": spec.name},
                field=f"{prefix}.member_unit_price",
            )
        if not _percent_ok(spec.floor_percent):
            raise ValidationError(_("A percentage lies between 0 and 100."), field=f"{prefix}.floor_percent")
        _check_manual(
            spec.manual_percent,
            spec.manual_amount,
            percent_field=f"{prefix}.manual_percent",
            amount_field=f"{prefix}.manual_amount",
            name=spec.name,
        )
        if spec.never_discount and (spec.manual_percent is not None or spec.manual_amount is not None):
            raise ValidationError(
                _("%(line)s is never discounted.") % {"line": spec.name},
                field=f"{prefix}.{'manual_percent' if spec.manual_percent is not None else 'manual_amount'}",
            )
    _check_manual(
        request.order_percent,
        request.order_amount,
        percent_field="order_percent",
        amount_field="order_amount",
        name=_("The order discount"),
    )
    if request.authority_percent is not None and not _percent_ok(request.authority_percent):
        raise ValidationError(_("A percentage lies between 0 and 100."), field="authority_percent")


def _check_manual(
    percent: Decimal | None, amount: Decimal | None, *, percent_field: str, amount_field: str, name: str
) -> None:
    if percent is not None and amount is not None:
        raise ValidationError(
            _("%(line)s: give either a discount percentage or an amount off, not both.") % {"line": name},
            field=percent_field,
        )
    if percent is not None and not _percent_ok(percent):
        raise ValidationError(
            _("%(line)s: the discount percentage must lie between 0 and 100.") % {"line": name},
            field=percent_field,
        )
    if amount is not None and (not amount.is_finite() or amount < 0):
        raise ValidationError(
            _("%(line)s: the amount off must not be negative.") % {"line": name}, field=amount_field
        )
    if amount is not None and amount >= MAX_AMOUNT:
        raise ValidationError(
            _("%(line)s: the amount off is too large.") % {"line": name}, field=amount_field
        )


# --- 2. member price --------------------------------------------------------------------------------


def _apply_member_prices(lines: Sequence[_Line], customer: CustomerContext) -> None:
    for line in lines:
        unit = line.spec.member_unit_price
        if not line.discountable or unit is None or unit >= line.spec.list_price:
            continue
        member_amount = quantize(unit * line.spec.quantity)
        label = _("Member price (%(level)s): %(price)s each") % {
            "level": customer.member_level_name or _("member"),
            "price": _money(quantize(unit)),
        }
        line.adjust(MEMBER, customer.member_level_id, label, member_amount - line.amount)


# --- 3. promotions ----------------------------------------------------------------------------------


def _matches(target: PromotionTargetSpec, line: QuoteLine) -> bool:
    if target.kind == CATEGORY:
        return target.id in line.category_ids
    return target.kind == line.kind and target.id == line.ref_id


def _role_lines(promo: PromotionSpec, role: str, lines: Sequence[_Line]) -> list[_Line]:
    targets = [t for t in promo.targets if t.role == role]
    return [line for line in lines if line.discountable and any(_matches(t, line.spec) for t in targets)]


def _ineligible(promo: PromotionSpec, request: QuoteRequest) -> str | None:
    """Why the promotion cannot apply to this customer here and now (None: it can)."""
    if not promo.starts_at <= request.at < promo.ends_at:
        return _("Not running at this time.")
    if promo.branch_ids and request.branch_id not in promo.branch_ids:
        return _("Not offered at this branch.")
    if promo.member_level_ids and request.customer.member_level_id not in promo.member_level_ids:
        return _("Not for this member level.")
    if promo.new_customers_only and not request.customer.is_new_customer:
        return _("For new customers only.")
    return None


def _apply_promotions(lines: Sequence[_Line], request: QuoteRequest) -> tuple[list[int], dict[int, str]]:
    applied: list[int] = []
    skipped: dict[int, str] = {}
    first: PromotionSpec | None = None
    for promo in sorted(request.promotions, key=lambda p: (-p.priority, p.id)):
        reason = _ineligible(promo, request)
        if reason is None and first is not None and first.exclusive:
            reason = _("Does not combine with the exclusive promotion %(name)s.") % {"name": first.name}
        elif reason is None and first is not None and promo.exclusive:
            reason = _("An exclusive promotion does not combine with %(name)s.") % {"name": first.name}
        if reason is not None:
            skipped[promo.id] = reason
            continue
        discounts, reason = _promotion_discounts(promo, lines)
        if not discounts:
            skipped[promo.id] = reason or _("Nothing in the basket qualifies.")
            continue
        label = _promotion_label(promo)
        for line, discount in discounts:
            line.adjust(PROMOTION, promo.id, label, -discount)
            line.promoted = True
        applied.append(promo.id)
        if first is None:
            first = promo
    return applied, skipped


def _promotion_discounts(
    promo: PromotionSpec, lines: Sequence[_Line]
) -> tuple[list[tuple[_Line, Decimal]], str | None]:
    """Per line the discount (positive, whole fen, never more than the line's amount), and a
    reason when there is none."""
    compute: dict[
        str, Callable[[PromotionSpec, Sequence[_Line]], tuple[list[tuple[_Line, Decimal]], str | None]]
    ]
    compute = {
        CATEGORY_PERCENT: _category_percent,
        SPEND_SAVE: _spend_save,
        BUY_GET: _buy_get,
        BUNDLE: _bundle,
    }
    handler = compute.get(promo.kind)
    if handler is None:
        return [], None
    found, reason = handler(promo, lines)
    return [(line, discount) for line, discount in found if discount > 0], reason


def _category_percent(
    promo: PromotionSpec, lines: Sequence[_Line]
) -> tuple[list[tuple[_Line, Decimal]], str | None]:
    percent = promo.discount_percent
    if percent is None or not _percent_ok(percent):
        return [], None
    return [
        (line, quantize(line.amount * (HUNDRED - percent) / HUNDRED))
        for line in _role_lines(promo, SCOPE, lines)
    ], None


def _spend_save(
    promo: PromotionSpec, lines: Sequence[_Line]
) -> tuple[list[tuple[_Line, Decimal]], str | None]:
    threshold, amount = promo.threshold_amount, promo.discount_amount
    if threshold is None or amount is None or threshold <= 0 or amount <= 0:
        return [], None
    scope = [line for line in _role_lines(promo, SCOPE, lines) if line.amount > 0]
    spent = sum((line.amount for line in scope), ZERO)
    if spent < threshold:
        return [], _("Spend %(threshold)s on its items to qualify (now %(spent)s).") % {
            "threshold": _money(threshold),
            "spent": _money(spent),
        }
    times = int(spent // threshold) if promo.repeatable else 1
    save = min(quantize(amount * times), spent)
    shares = allocate(save, [line.amount for line in scope])
    return list(zip(scope, shares, strict=True)), None


def _buy_get(promo: PromotionSpec, lines: Sequence[_Line]) -> tuple[list[tuple[_Line, Decimal]], str | None]:
    buy, get = promo.buy_quantity or 0, promo.get_quantity or 0
    if buy < 1 or get < 1:
        return [], None
    buy_lines = _role_lines(promo, BUY, lines)
    get_lines = _role_lines(promo, GET, lines)
    both = {id(line) for line in buy_lines} & {id(line) for line in get_lines}
    free: dict[int, int] = {}
    for line in get_lines:  # buy 2 get 1 of the same thing: of every 3 units, 1 is free
        if id(line) in both:
            free[id(line)] = line.spec.quantity // (buy + get) * get
    left = sum(line.spec.quantity for line in buy_lines if id(line) not in both) // buy * get
    for line in get_lines:  # free units from the other lines, to the get lines in key order
        if id(line) in both or left <= 0:
            continue
        units = min(left, line.spec.quantity)
        free[id(line)] = units
        left -= units
    found = []
    for line in lines:
        units = free.get(id(line), 0)
        if units:
            found.append((line, quantize(line.amount * units / line.spec.quantity)))
    return found, None


def _bundle(promo: PromotionSpec, lines: Sequence[_Line]) -> tuple[list[tuple[_Line, Decimal]], str | None]:
    components = [t for t in promo.targets if t.role == BUNDLE_ROLE]
    if not components or promo.bundle_price is None:
        return [], None
    taken: set[int] = set()
    groups: list[tuple[PromotionTargetSpec, list[_Line]]] = []
    for target in components:  # each line belongs to the first component it matches
        group = [
            line
            for line in lines
            if line.discountable and id(line) not in taken and _matches(target, line.spec)
        ]
        taken.update(id(line) for line in group)
        groups.append((target, group))
    bundles = min(
        sum(line.spec.quantity for line in group) // max(target.quantity, 1) for target, group in groups
    )
    if bundles < 1:
        return [], None
    weights: list[tuple[_Line, Decimal]] = []
    for target, group in groups:
        needed = bundles * max(target.quantity, 1)
        for line in group:
            used = min(needed, line.spec.quantity)
            needed -= used
            if used:
                weights.append((line, quantize(line.amount * used / line.spec.quantity)))
    value = sum((weight for _line, weight in weights), ZERO)
    discount = value - quantize(promo.bundle_price * bundles)
    if discount <= 0 or value <= 0:
        return [], None
    shares = allocate(discount, [weight for _line, weight in weights])
    return [(line, share) for (line, _weight), share in zip(weights, shares, strict=True)], None


# --- 4. floors --------------------------------------------------------------------------------------


def _apply_floors(lines: Sequence[_Line]) -> None:
    for line in lines:
        if line.discountable and line.amount < line.floor_amount:
            line.adjust(FLOOR, None, _floor_label(line.spec.floor_percent), line.floor_amount - line.amount)


# --- 5. coupons -------------------------------------------------------------------------------------


def _coupon_lines(coupon: CouponSpec, lines: Sequence[_Line]) -> list[_Line]:
    found = []
    for line in lines:
        spec = line.spec
        if not line.discountable or (not coupon.stackable and line.promoted):
            continue
        if (
            coupon.applies_to_all
            or (spec.kind == PROJECT and spec.ref_id in coupon.project_ids)
            or (spec.kind == PRODUCT and spec.ref_id in coupon.product_ids)
            or any(pk in coupon.category_ids for pk in spec.category_ids)
        ):
            found.append(line)
    return found


def _apply_coupons(lines: Sequence[_Line], request: QuoteRequest) -> None:
    coupons = sorted(request.coupons, key=lambda c: c.id)
    if len({c.id for c in coupons}) != len(coupons):
        raise ValidationError(_("Each coupon can be used once."), field="coupon_ids")
    if len(coupons) > 1:
        single = next((c for c in coupons if not c.stackable), None)
        if single is not None:
            raise ValidationError(
                _("Coupon %(coupon)s cannot be combined with another coupon.")
                % {"coupon": _coupon_name(single)},
                field="coupon_ids",
            )
    eligible: list[tuple[CouponSpec, list[_Line]]] = []
    for coupon in coupons:  # every check on the amounts before any coupon
        name = _coupon_name(coupon)
        if (coupon.valid_from is not None and request.at < coupon.valid_from) or (
            coupon.valid_until is not None and request.at >= coupon.valid_until
        ):
            raise ValidationError(
                _("Coupon %(coupon)s is not valid at this time.") % {"coupon": name}, field="coupon_ids"
            )
        found = _coupon_lines(coupon, lines)
        if not found:
            raise ValidationError(
                _("Coupon %(coupon)s applies to nothing in the basket.") % {"coupon": name},
                field="coupon_ids",
            )
        spent = sum((line.amount for line in found), ZERO)
        if spent < coupon.min_spend:
            raise ValidationError(
                _("Coupon %(coupon)s needs a spend of %(min)s on the items it applies to (now %(spent)s).")
                % {"coupon": name, "min": _money(coupon.min_spend), "spent": _money(spent)},
                field="coupon_ids",
            )
        eligible.append((coupon, found))
    for coupon, found in eligible:
        label = _coupon_label(coupon)
        if coupon.percent is not None:
            percent = coupon.percent
            for line in found:
                line.adjust(COUPON, coupon.id, label, -quantize(line.amount * (HUNDRED - percent) / HUNDRED))
            continue
        paying = [line for line in found if line.amount > 0]
        spent = sum((line.amount for line in paying), ZERO)
        off = min(quantize(coupon.amount or ZERO), spent)
        if off <= 0:
            continue
        for line, share in zip(paying, allocate(off, [line.amount for line in paying]), strict=True):
            line.adjust(COUPON, coupon.id, label, -share)


# --- 6. manual discounts ----------------------------------------------------------------------------


def _below_floor(line: _Line, amount: Decimal, field_name: str) -> ValidationError:
    return ValidationError(
        _("%(line)s may go down to %(floor)s (%(amount)s) at most; this discount makes it %(new)s.")
        % {
            "line": line.spec.name,
            "floor": tenths_text(line.spec.floor_percent),
            "amount": _money(line.floor_amount),
            "new": _money(amount),
        },
        field=field_name,
    )


def _apply_manual(lines: Sequence[_Line]) -> None:
    for line in lines:
        percent, off = line.spec.manual_percent, line.spec.manual_amount
        if percent is None and off is None:
            continue
        if percent is not None:
            new, field_name = quantize(line.amount * percent / HUNDRED), line.field_name("manual_percent")
        else:
            off = quantize(off or ZERO)
            field_name = line.field_name("manual_amount")
            if off > line.amount:
                raise ValidationError(
                    _("%(line)s: the amount off (%(off)s) is more than the line's amount (%(amount)s).")
                    % {"line": line.spec.name, "off": _money(off), "amount": _money(line.amount)},
                    field=field_name,
                )
            new = line.amount - off
        if new < line.floor_amount and new < line.amount:
            raise _below_floor(line, new, field_name)
        line.adjust(MANUAL, None, _manual_label(percent, off, order=False), new - line.amount)


def _apply_order_discount(lines: Sequence[_Line], request: QuoteRequest) -> None:
    percent, off = request.order_percent, request.order_amount
    if percent is None and off is None:
        return
    field_name = "order_percent" if percent is not None else "order_amount"
    targets = [line for line in lines if line.discountable and line.amount > 0]
    spent = sum((line.amount for line in targets), ZERO)
    if percent is not None:
        discount = quantize(spent * (HUNDRED - percent) / HUNDRED)
    else:
        discount = quantize(off or ZERO)
        if discount > spent:
            raise ValidationError(
                _("The order discount (%(off)s) is more than the amount it can apply to (%(amount)s).")
                % {"off": _money(discount), "amount": _money(spent)},
                field=field_name,
            )
    if discount <= 0:
        return
    shares = allocate(discount, [line.amount for line in targets])
    for line, share in zip(targets, shares, strict=True):
        if line.amount - share < line.floor_amount and share > 0:
            raise _below_floor(line, line.amount - share, field_name)
    label = _manual_label(percent, off, order=True)
    for line, share in zip(targets, shares, strict=True):
        line.adjust(ORDER, None, label, -share)


# --- 7. approval ------------------------------------------------------------------------------------


def _given_percent(exact: Decimal, authority: Decimal | None) -> Decimal:
    """The percentage a line was given, to show: to 0.1 % (a typed 85 % stays 85 % although the
    amount was rounded to the fen), but never shown at or above the limit it falls below."""
    shown = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if shown >= (HUNDRED if authority is None else authority):
        shown = exact.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return shown


def _approval(lines: Sequence[_Line], authority: Decimal | None) -> list[str]:
    reasons: list[str] = []
    for line in sorted(lines, key=lambda x: x.index):
        before, after = line.before_manual, line.amount
        if before <= 0 or after >= before:
            continue
        given = _given_percent(after * HUNDRED / before, authority)
        if authority is None:
            reasons.append(
                _("%(line)s at %(given)s: you have no discount authority.")
                % {"line": line.spec.name, "given": tenths_text(given)}
            )
        elif after * HUNDRED < authority * before:
            reasons.append(
                _("%(line)s at %(given)s is beyond your authority of %(authority)s.")
                % {"line": line.spec.name, "given": tenths_text(given), "authority": tenths_text(authority)}
            )
        else:
            continue
        line.requires_approval = True
    return reasons
