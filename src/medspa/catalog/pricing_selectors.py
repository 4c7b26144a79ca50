"""Reads of the pricing family (ORD-04): :func:`quote_for` loads from the database everything the
pure engine (:mod:`medspa.catalog.pricing`) needs for a basket and prices it; the price preview
page and ``POST /api/v1/pricing/quote`` call it, and so will the order service.

Everything comes from the actor's organisation only; the branch is one she may work in; the
customer is one her data scope shows. The number of queries does not depend on the size of the
basket: one per kind of line in it, one each for member prices, the category tree, discount
rules, promotions (with their branches, levels and targets), coupons (with their types'
projects, products and categories) and the actor's discount authority.

Rules the loading applies (the user manual, ``catalog-pricing.md``, says the same):

* list price — project ``list_price``, product ``retail_price``, package ``price``, card type
  ``price``;
* member price — a project's :class:`ProjectLevelPrice` for the level (a fixed price or a % of
  the list price), else the level's ``discount_percent``; a product: the level's
  ``discount_percent``; packages and card types have no member price;
* discount floor — the most specific :class:`DiscountRule` (the item's own, else its
  category's, else the nearest ancestor's, as ``policy_selectors.discount_floors``): "never
  discounted" wins over its lowest price %;
* new customer (新客) — no visit before the day being priced: no visit recorded at all
  (``visit_count`` 0 or no ``first_visit_at``), or the first visit is on that day;
* coupons — held by the customer, in state "issued", valid on the day (from ``valid_from``
  00:00 to the end of ``valid_to``, clinic time);
* discount authority — the lowest ``min_percent`` among the actor's roles; a superuser 0 (no
  limit); no row: no authority (every manual discount needs approval).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from medspa.accounts.models import User
from medspa.accounts.scope import active_branch_id, actor_organisation_id
from medspa.catalog.choices import CouponState
from medspa.catalog.models import (
    CardType,
    Category,
    Coupon,
    CouponType,
    Package,
    Product,
    Project,
    ProjectLevelPrice,
    Promotion,
    PromotionTarget,
)
from medspa.catalog.policy_selectors import DiscountTarget, discount_authority_for, discount_floors
from medspa.catalog.pricing import (
    CARD_TYPE,
    HUNDRED,
    LINE_KINDS,
    PACKAGE,
    PRODUCT,
    PROJECT,
    CouponSpec,
    CustomerContext,
    PromotionSpec,
    PromotionTargetSpec,
    Quote,
    QuoteLine,
    QuoteRequest,
    quote,
)
from medspa.core.errors import NotFound, ValidationError
from medspa.core.money import ZERO, quantize
from medspa.customers.models import Customer, MemberLevel
from medspa.customers.selectors import customer_get_for
from medspa.organization.models import Branch
from medspa.organization.selectors import writable_branches_for

__all__ = [
    "LineInput",
    "Sellable",
    "authority_for",
    "customer_coupons_for",
    "is_new_customer",
    "pricing_branches_for",
    "quote_for",
    "quote_request_for",
    "sellable_get",
    "sellables_get",
    "sellables_search",
]

SEARCH_LIMIT = 20
MAX_LINES = 100
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2999, 12, 31, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class LineInput:
    """One basket line as a client gives it: what (``kind`` and ``id``), how many, and an
    optional hand-given discount (pays ``manual_percent`` % or ``manual_amount`` off)."""

    kind: str
    id: int
    quantity: int = 1
    manual_percent: Decimal | None = None
    manual_amount: Decimal | None = None
    key: str | None = None


@dataclass(frozen=True)
class Sellable:
    """Something a basket line may hold, as the preview page's search shows it."""

    kind: str
    id: int
    code: str
    name: str
    price: Decimal


# --- the quote --------------------------------------------------------------------------------------


def quote_for(
    actor: User,
    *,
    lines: Sequence[LineInput],
    customer_id: int | None = None,
    member_level_id: int | None = None,
    is_new_customer: bool = False,
    branch_id: int | None = None,
    at: datetime.datetime | None = None,
    coupon_ids: Sequence[int] = (),
    order_percent: Decimal | None = None,
    order_amount: Decimal | None = None,
) -> Quote:
    """The priced basket for a customer (``customer_id``: her level, new or returning, her
    coupons) or for a member level and new/returning, in ``branch_id`` (default: the actor's
    active branch) at ``at`` (default: now)."""
    return quote(
        quote_request_for(
            actor,
            lines=lines,
            customer_id=customer_id,
            member_level_id=member_level_id,
            is_new_customer=is_new_customer,
            branch_id=branch_id,
            at=at,
            coupon_ids=coupon_ids,
            order_percent=order_percent,
            order_amount=order_amount,
        )
    )


def quote_request_for(
    actor: User,
    *,
    lines: Sequence[LineInput],
    customer_id: int | None = None,
    member_level_id: int | None = None,
    is_new_customer: bool = False,
    branch_id: int | None = None,
    at: datetime.datetime | None = None,
    coupon_ids: Sequence[int] = (),
    order_percent: Decimal | None = None,
    order_amount: Decimal | None = None,
) -> QuoteRequest:
    """The engine's input for :func:`quote_for`, loaded from the database (see the module)."""
    organisation_id = actor_organisation_id(actor)
    when = timezone.now() if at is None else at
    if timezone.is_naive(when):
        raise ValidationError(_("Give the time with its time zone."), field="at")
    if not EARLIEST <= when <= LATEST:
        raise ValidationError(_("Give a time between the years 2000 and 2999."), field="at")
    if not lines:
        raise ValidationError(_("Add at least one item to the basket."), field="lines")
    if len(lines) > MAX_LINES:
        raise ValidationError(_("A basket holds at most %(max)s lines.") % {"max": MAX_LINES}, field="lines")
    for index, line in enumerate(lines):
        if line.kind not in LINE_KINDS:
            raise ValidationError(
                _("The kind must be one of: %(kinds)s.") % {"kinds": ", ".join(LINE_KINDS)},
                field=f"lines[{index}].kind",
            )
    branch = _branch(actor, branch_id)
    customer, level, new = _customer_context(
        actor, organisation_id, customer_id, member_level_id, is_new_customer, when
    )
    items = _items(organisation_id, lines)
    level_prices = _level_prices(level, [line.id for line in lines if line.kind == PROJECT])
    chains = _category_chains(organisation_id, {_category_id(item) for item in items.values()} - {None})
    floors = _floors(organisation_id, items)

    specs = []
    for index, line in enumerate(lines):
        item = items[(line.kind, line.id)]
        category_id = _category_id(item)
        floor_percent, never = floors[(line.kind, line.id)]
        specs.append(
            QuoteLine(
                key=line.key if line.key is not None else f"{index + 1:03d}",
                kind=line.kind,
                ref_id=line.id,
                name=item.name,
                quantity=line.quantity,
                list_price=_list_price(item),
                category_ids=tuple(chains.get(category_id, ())) if category_id is not None else (),
                member_unit_price=_member_price(item, level, level_prices),
                floor_percent=floor_percent,
                never_discount=never,
                manual_percent=line.manual_percent,
                manual_amount=line.manual_amount,
            )
        )
    return QuoteRequest(
        lines=tuple(specs),
        at=when,
        branch_id=branch.pk,
        customer=CustomerContext(
            member_level_id=level.pk if level is not None else None,
            member_level_name=level.name if level is not None else "",
            is_new_customer=new,
        ),
        promotions=_promotions(organisation_id, branch.pk, when),
        coupons=_coupons(organisation_id, customer, coupon_ids),
        order_percent=order_percent,
        order_amount=order_amount,
        authority_percent=authority_for(actor),
    )


def _branch(actor: User, branch_id: int | None) -> Branch:
    if branch_id is None:
        branch_id = active_branch_id(actor)
        if branch_id is None:
            raise ValidationError(_("Choose a branch: you work in no branch."), field="branch_id")
    branch = writable_branches_for(actor).filter(pk=branch_id).first()
    if branch is None:
        raise ValidationError(_("You may not price in that branch."), field="branch_id")
    return branch


def is_new_customer(customer: Customer, at: datetime.datetime) -> bool:
    """新客: no visit before the day of ``at`` (never visited, or the first visit is that day)."""
    first = customer.first_visit_at
    if customer.visit_count == 0 or first is None:
        return True
    return timezone.localdate(first) >= timezone.localdate(at)


def _customer_context(
    actor: User,
    organisation_id: int,
    customer_id: int | None,
    member_level_id: int | None,
    is_new: bool,
    at: datetime.datetime,
) -> tuple[Customer | None, MemberLevel | None, bool]:
    if customer_id is not None:
        if member_level_id is not None:
            raise ValidationError(_("Give a customer or a member level, not both."), field="member_level_id")
        try:
            customer = customer_get_for(actor, customer_id)
        except NotFound as exc:
            raise NotFound(_("That customer does not exist."), field="customer_id") from exc
        return customer, customer.member_level, is_new_customer(customer, at)
    if member_level_id is None:
        return None, None, is_new
    level = MemberLevel.objects.filter(organisation_id=organisation_id, pk=member_level_id).first()
    if level is None:
        raise NotFound(_("That member level does not exist."), field="member_level_id")
    return None, level, is_new


_Item = Project | Product | Package | CardType
_MODELS: dict[str, type[Project] | type[Product] | type[Package] | type[CardType]] = {
    PROJECT: Project,
    PRODUCT: Product,
    PACKAGE: Package,
    CARD_TYPE: CardType,
}


def _kind_label(kind: str) -> str:
    return {
        PROJECT: _("project"),
        PRODUCT: _("product"),
        PACKAGE: _("package"),
        CARD_TYPE: _("card type"),
    }[kind]


def _items(organisation_id: int, lines: Sequence[LineInput]) -> dict[tuple[str, int], _Item]:
    """The basket's projects, products, packages and card types: one query per kind present."""
    found: dict[tuple[str, int], _Item] = {}
    for kind, model in _MODELS.items():
        ids = {line.id for line in lines if line.kind == kind}
        if ids:
            rows: Iterable[_Item] = model._default_manager.filter(organisation_id=organisation_id, pk__in=ids)
            found.update(((kind, row.pk), row) for row in rows)
    for index, line in enumerate(lines):
        item = found.get((line.kind, line.id))
        if item is None:
            raise NotFound(
                _("Line %(n)s: that %(kind)s does not exist.")
                % {"n": index + 1, "kind": _kind_label(line.kind)},
                field=f"lines[{index}].id",
            )
        if not item.is_active:
            raise ValidationError(
                _("%(name)s is inactive and cannot be sold.") % {"name": item.name},
                field=f"lines[{index}].id",
            )
    return found


def _category_id(item: _Item) -> int | None:
    return None if isinstance(item, CardType) else item.category_id


def _list_price(item: _Item) -> Decimal:
    if isinstance(item, Project):
        return item.list_price
    if isinstance(item, Product):
        return item.retail_price
    return item.price


def _level_prices(level: MemberLevel | None, project_ids: list[int]) -> dict[int, ProjectLevelPrice]:
    if level is None or not project_ids:
        return {}
    rows = ProjectLevelPrice.objects.filter(member_level_id=level.pk, project_id__in=set(project_ids))
    return {row.project_id: row for row in rows}


def _member_price(
    item: _Item, level: MemberLevel | None, level_prices: dict[int, ProjectLevelPrice]
) -> Decimal | None:
    if level is None or isinstance(item, Package | CardType):
        return None
    if isinstance(item, Project):
        row = level_prices.get(item.pk)
        if row is not None and row.price is not None:
            return row.price
        if row is not None and row.discount_percent is not None:
            return quantize(item.list_price * row.discount_percent / HUNDRED)
    if level.discount_percent >= HUNDRED:
        return None
    return quantize(_list_price(item) * level.discount_percent / HUNDRED)


def _category_chains(organisation_id: int, category_ids: set[int | None]) -> dict[int, list[int]]:
    """For each category its id and its ancestors' ids, nearest first (one query for the tree)."""
    wanted = {pk for pk in category_ids if pk is not None}
    if not wanted:
        return {}
    parents = dict(Category.objects.filter(organisation_id=organisation_id).values_list("pk", "parent_id"))
    chains: dict[int, list[int]] = {}
    for category_id in wanted:
        chain: list[int] = []
        current: int | None = category_id
        while current is not None and current in parents and current not in chain:
            chain.append(current)
            current = parents[current]
        chains[category_id] = chain
    return chains


def _floors(
    organisation_id: int, items: dict[tuple[str, int], _Item]
) -> dict[tuple[str, int], tuple[Decimal, bool]]:
    """(lowest price %, never discounted) per item from its most specific discount rule, as
    :func:`policy_selectors.discount_floors` resolves it."""
    found = discount_floors(
        organisation_id=organisation_id,
        targets=[DiscountTarget(kind, pk, _category_id(item)) for (kind, pk), item in items.items()],
    )
    floors: dict[tuple[str, int], tuple[Decimal, bool]] = {}
    for key in items:
        floor = found.get(key)
        if floor is None:
            floors[key] = (ZERO, False)
        elif floor.never_discount:
            floors[key] = (ZERO, True)
        else:
            floors[key] = (floor.min_percent, False)
    return floors


def _promotions(organisation_id: int, branch_id: int, at: datetime.datetime) -> tuple[PromotionSpec, ...]:
    """The active promotions running at ``at`` in the branch (a promotion lists its branches)."""
    queryset = (
        Promotion.objects.filter(
            organisation_id=organisation_id,
            is_active=True,
            starts_at__lte=at,
            ends_at__gt=at,
            branches__id=branch_id,
        )
        .order_by("-priority", "pk")
        .prefetch_related(
            Prefetch("branches", queryset=Branch.objects.only("pk")),
            Prefetch("member_levels", queryset=MemberLevel.objects.only("pk")),
            Prefetch("targets", queryset=PromotionTarget.objects.order_by("pk")),
        )
    )
    return tuple(_promotion_spec(promotion) for promotion in queryset)


def _target_spec(target: PromotionTarget) -> PromotionTargetSpec:
    for kind, pk in (
        (PROJECT, target.project_id),
        (PRODUCT, target.product_id),
        (PACKAGE, target.package_id),
        ("category", target.category_id),
    ):
        if pk is not None:
            return PromotionTargetSpec(role=target.role, kind=kind, id=pk, quantity=target.quantity)
    raise ValueError("a promotion target without a target")  # the model's constraint forbids it


def _promotion_spec(promotion: Promotion) -> PromotionSpec:
    return PromotionSpec(
        id=promotion.pk,
        name=promotion.name,
        kind=promotion.kind,
        starts_at=promotion.starts_at,
        ends_at=promotion.ends_at,
        targets=tuple(_target_spec(target) for target in promotion.targets.all()),
        description=promotion.description,
        priority=promotion.priority,
        exclusive=promotion.is_exclusive,
        branch_ids=frozenset(branch.pk for branch in promotion.branches.all()),
        member_level_ids=frozenset(level.pk for level in promotion.member_levels.all()),
        new_customers_only=promotion.new_customers_only,
        threshold_amount=promotion.threshold_amount,
        discount_amount=promotion.discount_amount,
        repeatable=promotion.is_repeatable,
        discount_percent=promotion.discount_percent,
        bundle_price=promotion.bundle_price,
        buy_quantity=promotion.buy_quantity,
        get_quantity=promotion.get_quantity,
    )


def _held_coupons(organisation_id: int, customer: Customer) -> QuerySet[Coupon]:
    return (
        Coupon.objects.filter(
            organisation_id=organisation_id, customer_id=customer.pk, state=CouponState.ISSUED
        )
        .select_related("coupon_type")
        .prefetch_related(
            Prefetch("coupon_type__projects", queryset=Project.objects.only("pk")),
            Prefetch("coupon_type__products", queryset=Product.objects.only("pk")),
            Prefetch("coupon_type__categories", queryset=Category.objects.only("pk")),
        )
        .order_by("pk")
    )


def _coupons(
    organisation_id: int, customer: Customer | None, coupon_ids: Sequence[int]
) -> tuple[CouponSpec, ...]:
    """The chosen coupons; each must be held by the customer and still issued."""
    wanted = list(dict.fromkeys(coupon_ids))
    if not wanted:
        return ()
    if customer is None:
        raise ValidationError(_("Choose the customer whose coupons these are."), field="coupon_ids")
    held = {coupon.pk: coupon for coupon in _held_coupons(organisation_id, customer).filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in held]
    if missing:
        code = (
            Coupon.objects.filter(organisation_id=organisation_id, pk__in=missing)
            .order_by("pk")
            .values_list("code", flat=True)
            .first()
        )
        if code is None:
            raise ValidationError(_("That coupon does not exist."), field="coupon_ids")
        raise ValidationError(
            _("Coupon %(code)s is not held by this customer or can no longer be used.") % {"code": code},
            field="coupon_ids",
        )
    return tuple(_coupon_spec(held[pk]) for pk in wanted)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _coupon_spec(coupon: Coupon) -> CouponSpec:
    kind: CouponType = coupon.coupon_type
    return CouponSpec(
        id=coupon.pk,
        code=coupon.code,
        name=kind.name,
        kind=kind.kind,
        amount=kind.amount,
        percent=kind.discount_percent,
        min_spend=kind.min_spend,
        applies_to_all=kind.applies_to_all,
        project_ids=frozenset(row.pk for row in kind.projects.all()),
        product_ids=frozenset(row.pk for row in kind.products.all()),
        category_ids=frozenset(row.pk for row in kind.categories.all()),
        stackable=kind.is_stackable,
        valid_from=_day_start(coupon.valid_from),
        valid_until=(
            _day_start(coupon.valid_to + datetime.timedelta(days=1))
            if coupon.valid_to is not None and coupon.valid_to < datetime.date.max
            else None
        ),
    )


def authority_for(actor: User) -> Decimal | None:
    """The lowest price % the actor may give by hand without approval (None: no authority; a
    superuser: 0) — :func:`policy_selectors.discount_authority_for`."""
    return discount_authority_for(actor)


# --- what the preview page needs --------------------------------------------------------------------


def pricing_branches_for(actor: User) -> QuerySet[Branch]:
    """The branches the actor may price in (the active one unless she sees the organisation)."""
    return writable_branches_for(actor).order_by("code", "pk")


def customer_coupons_for(actor: User, customer_id: int, on_date: datetime.date) -> list[Coupon]:
    """The issued coupons a customer the actor sees holds that are valid on ``on_date``, oldest
    first (NotFound for a customer outside her scope)."""
    customer = customer_get_for(actor, customer_id)
    return list(
        _held_coupons(actor_organisation_id(actor), customer)
        .filter(valid_from__lte=on_date)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on_date))
    )


def _sellable(kind: str, item: _Item) -> Sellable:
    return Sellable(kind=kind, id=item.pk, code=item.code, name=item.name, price=_list_price(item))


def sellables_search(actor: User, q: str, *, limit: int = SEARCH_LIMIT) -> list[Sellable]:
    """Active projects, products, packages and card types whose code starts with ``q`` or whose
    name or pinyin contains it, in that order of kinds, then by code (one query per kind)."""
    text = (q or "").strip()[:100]
    if not text:
        return []
    organisation_id = actor_organisation_id(actor)
    limit = max(1, min(int(limit), 100))
    condition = Q(code__istartswith=text) | Q(name__icontains=text) | Q(pinyin__icontains=text.lower())
    found: list[Sellable] = []
    for kind, model in _MODELS.items():
        rows: Iterable[_Item] = model._default_manager.filter(
            condition, organisation_id=organisation_id, is_active=True
        ).order_by("code", "pk")[:limit]
        found.extend(_sellable(kind, row) for row in rows)
    return found[:limit]


def sellables_get(actor: User, pairs: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Sellable]:
    """The items ``(kind, id)`` of the actor's organisation, active or not (one query per kind);
    unknown pairs are left out."""
    organisation_id = actor_organisation_id(actor)
    found: dict[tuple[str, int], Sellable] = {}
    for kind, model in _MODELS.items():
        ids = {pk for pair_kind, pk in pairs if pair_kind == kind}
        if ids:
            rows: Iterable[_Item] = model._default_manager.filter(organisation_id=organisation_id, pk__in=ids)
            found.update(((kind, row.pk), _sellable(kind, row)) for row in rows)
    return found


def sellable_get(actor: User, kind: str, pk: int) -> Sellable:
    """One active item of the actor's organisation (NotFound otherwise)."""
    model = _MODELS.get(kind)
    if model is None:
        raise NotFound()
    item: _Item | None = model._default_manager.filter(
        organisation_id=actor_organisation_id(actor), pk=pk, is_active=True
    ).first()
    if item is None:
        raise NotFound()
    return _sellable(kind, item)
