"""Reads of the discount settings (CAT-06: discount rules and discount authority) and the
commission plans (CAT-07). Rules and plans are organisation reference data: the actor sees her
organisation's rows; another organisation's are not found.

Besides the list reads, three resolvers serve later work: :func:`discount_floors` (the pricing
engine: how far each basket item may be discounted), :func:`discount_authority_for` (how far the
actor may discount by hand) and :func:`commission_plan_for` (performance and commission)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib.auth.models import Group
from django.db.models import (
    Case,
    CharField,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from medspa.accounts.models import User
from medspa.accounts.scope import actor_organisation_id
from medspa.catalog.choices import CommissionKind
from medspa.catalog.models import (
    Category,
    CommissionPlan,
    DiscountAuthority,
    DiscountRule,
    Product,
    Project,
)
from medspa.catalog.scope import organisation_objects
from medspa.core.errors import NotFound

__all__ = [
    "HUNDRED",
    "DiscountFloor",
    "DiscountTarget",
    "TargetKind",
    "commission_plan_for",
    "commission_plan_get_for",
    "commission_plans_for",
    "discount_authorities_for",
    "discount_authority_for",
    "discount_authority_role_get_for",
    "discount_floors",
    "discount_rule_get_for",
    "discount_rules_for",
    "effective_on",
]

HUNDRED = Decimal("100.00")


class TargetKind:
    """What a discount rule or a commission plan is set on (``ALL``: a catch-all plan)."""

    PROJECT = "project"
    PRODUCT = "product"
    CARD_TYPE = "card_type"
    CATEGORY = "category"
    ALL = "all"


def _target_kind(*kinds: str) -> Case:
    """``project`` / ``product`` / ``card_type`` / ``category`` from whichever target is set;
    ``all`` when none is (a catch-all commission plan)."""
    return Case(
        *(When(**{f"{kind}__isnull": False}, then=Value(kind)) for kind in kinds),
        default=Value(TargetKind.ALL),
        output_field=CharField(),
    )


def _target_text(field: str, *kinds: str) -> Coalesce:
    return Coalesce(*(F(f"{kind}__{field}") for kind in kinds), Value(""), output_field=CharField())


# --- discount rules (CAT-06) ------------------------------------------------------------------------

RULE_TARGETS = (TargetKind.PROJECT, TargetKind.PRODUCT, TargetKind.CATEGORY)


def discount_rules_for(actor: User) -> QuerySet[DiscountRule]:
    """The organisation's discount rules with their target loaded and annotated (``target_kind``,
    ``target_code``, ``target_name``), projects first, then products, then categories, by code."""
    return (
        organisation_objects(actor, DiscountRule)
        .select_related("project", "product", "category")
        .annotate(
            target_kind=_target_kind(*RULE_TARGETS),
            target_code=_target_text("code", *RULE_TARGETS),
            target_name=_target_text("name", *RULE_TARGETS),
            target_order=Case(
                When(project__isnull=False, then=Value(0)),
                When(product__isnull=False, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .order_by("target_order", "target_code", "pk")
    )


def discount_rule_get_for(actor: User, pk: int) -> DiscountRule:
    """One rule of the actor's organisation; NotFound for a missing one and another organisation's."""
    rule = discount_rules_for(actor).filter(pk=pk).first()
    if rule is None:
        raise NotFound()
    return rule


class DiscountTarget(NamedTuple):
    """One item the pricing engine asks about: ``kind`` is ``project``, ``product`` or ``category``
    (a category asks about the category itself); ``category_id`` is the item's category."""

    kind: str
    id: int
    category_id: int | None = None


@dataclass(frozen=True)
class DiscountFloor:
    """The discount rule that governs one item: the item may not be discounted at all
    (``never_discount``; ``min_percent`` is then 100) or not below ``min_percent`` % of its price.
    ``source_kind``/``source_id``/``source_name`` say where the rule is set (the item itself, its
    category or a parent category), for the explanation of a price."""

    rule_id: int
    never_discount: bool
    min_percent: Decimal
    source_kind: str
    source_id: int
    source_name: str


def _category_chains(organisation_id: int, category_ids: set[int]) -> dict[int, list[int]]:
    """For each category: itself and its ancestors, nearest first (one query for the tree)."""
    if not category_ids:
        return {}
    parents: dict[int, int | None] = dict(
        Category.objects.filter(organisation_id=organisation_id).values_list("pk", "parent_id")
    )
    chains: dict[int, list[int]] = {}
    for start in category_ids:
        chain: list[int] = []
        current: int | None = start
        while current is not None and current in parents and current not in chain:
            chain.append(current)
            current = parents[current]
        chains[start] = chain
    return chains


def _floor(rule: DiscountRule) -> DiscountFloor:
    source: Any
    if rule.project_id is not None:
        kind, source_id, source = TargetKind.PROJECT, rule.project_id, rule.project
    elif rule.product_id is not None:
        kind, source_id, source = TargetKind.PRODUCT, rule.product_id, rule.product
    else:
        assert rule.category_id is not None  # noqa: S101 - the one-target constraint
        kind, source_id, source = TargetKind.CATEGORY, rule.category_id, rule.category
    never = bool(rule.never_discount)  # the flag wins over the rule's percentage
    return DiscountFloor(
        rule_id=rule.pk,
        never_discount=never,
        min_percent=HUNDRED if never else Decimal(rule.min_percent),
        source_kind=kind,
        source_id=source_id,
        source_name=str(getattr(source, "name", "")),
    )


def discount_floors(
    *, organisation_id: int, targets: Iterable[DiscountTarget | tuple[Any, ...]]
) -> dict[tuple[str, int], DiscountFloor | None]:
    """The effective discount rule of each target, keyed by ``(kind, id)``: the item's own rule,
    else its category's, else the nearest parent category's; None when no rule applies. At most
    two queries whatever the number of targets (the category tree, the rules)."""
    items = [target if isinstance(target, DiscountTarget) else DiscountTarget(*target) for target in targets]
    if not items:
        return {}
    own: dict[str, set[int]] = {TargetKind.PROJECT: set(), TargetKind.PRODUCT: set()}
    starts: set[int] = set()
    for item in items:
        if item.kind in own:
            own[item.kind].add(int(item.id))
        start = int(item.id) if item.kind == TargetKind.CATEGORY else item.category_id
        if start is not None:
            starts.add(int(start))
    chains = _category_chains(organisation_id, starts)
    category_ids = {pk for chain in chains.values() for pk in chain}
    condition = Q(project_id__in=own[TargetKind.PROJECT]) | Q(product_id__in=own[TargetKind.PRODUCT])
    condition |= Q(category_id__in=category_ids)
    by_target: dict[tuple[str, int], DiscountRule] = {}
    for found in (
        DiscountRule.objects.filter(organisation_id=organisation_id)
        .filter(condition)
        .select_related("project", "product", "category")
    ):
        if found.project_id is not None:
            by_target[(TargetKind.PROJECT, found.project_id)] = found
        elif found.product_id is not None:
            by_target[(TargetKind.PRODUCT, found.product_id)] = found
        elif found.category_id is not None:
            by_target[(TargetKind.CATEGORY, found.category_id)] = found
    result: dict[tuple[str, int], DiscountFloor | None] = {}
    for item in items:
        key = (item.kind, int(item.id))
        rule: DiscountRule | None = by_target.get(key) if item.kind != TargetKind.CATEGORY else None
        if rule is None:
            start = int(item.id) if item.kind == TargetKind.CATEGORY else item.category_id
            for category_id in chains.get(int(start), []) if start is not None else []:
                rule = by_target.get((TargetKind.CATEGORY, category_id))
                if rule is not None:
                    break
        result[key] = _floor(rule) if rule is not None else None
    return result


# --- discount authority (CAT-06) --------------------------------------------------------------------


def discount_authorities_for(actor: User) -> QuerySet[Group]:
    """The roles of the actor's organisation (the built-in roles every organisation shares, then
    its own) with its discount authority: ``min_percent`` (None: no authority), ``authority_id``
    and ``authority_updated_at``."""
    organisation_id = actor_organisation_id(actor)
    authority = DiscountAuthority.objects.filter(organisation_id=organisation_id, role_id=OuterRef("pk"))
    visible = Q(profile__organisation__isnull=True) | Q(profile__organisation_id=organisation_id)
    return (
        Group.objects.filter(visible, profile__isnull=False)
        .select_related("profile")
        .annotate(
            min_percent=Subquery(authority.values("min_percent")[:1]),
            authority_id=Subquery(authority.values("pk")[:1]),
            authority_updated_at=Subquery(authority.values("updated_at")[:1]),
        )
        .order_by(F("profile__organisation_id").asc(nulls_first=True), "pk")
    )


def discount_authority_role_get_for(actor: User, pk: int) -> Group:
    """One role of :func:`discount_authorities_for` (NotFound for another organisation's role)."""
    role = discount_authorities_for(actor).filter(pk=pk).first()
    if role is None:
        raise NotFound()
    return role


def discount_authority_for(actor: Any) -> Decimal | None:
    """How far the actor may discount by hand without approval: the lowest ``min_percent`` among
    her roles' discount authorities in her organisation (a role of another organisation counts
    for nothing). None: no authority — every manual discount needs approval. A superuser: 0."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    if actor.is_superuser:
        return Decimal(0)
    organisation_id = getattr(actor, "organisation_id", None)
    if organisation_id is None:
        return None
    lowest: Decimal | None = (
        DiscountAuthority.objects.filter(organisation_id=organisation_id, role__user=actor)
        .filter(
            Q(role__profile__organisation__isnull=True) | Q(role__profile__organisation_id=organisation_id)
        )
        .aggregate(lowest=Min("min_percent"))["lowest"]
    )
    return lowest


# --- commission plans (CAT-07) ----------------------------------------------------------------------

PLAN_TARGETS = (TargetKind.PROJECT, TargetKind.PRODUCT, TargetKind.CARD_TYPE, TargetKind.CATEGORY)


def commission_plans_for(actor: User) -> QuerySet[CommissionPlan]:
    """The organisation's commission plans with position and target loaded and annotated
    (``target_kind``, ``target_code``, ``target_name``); by kind, latest start first."""
    return (
        organisation_objects(actor, CommissionPlan)
        .select_related("position", "project", "product", "card_type", "category")
        .annotate(
            target_kind=_target_kind(*PLAN_TARGETS),
            target_code=_target_text("code", *PLAN_TARGETS),
            target_name=_target_text("name", *PLAN_TARGETS),
        )
        .order_by("kind", "position__order", "position__code", "-effective_from", "pk")
    )


def commission_plan_get_for(actor: User, pk: int) -> CommissionPlan:
    """One plan of the actor's organisation; NotFound for a missing one and another organisation's."""
    plan = commission_plans_for(actor).filter(pk=pk).first()
    if plan is None:
        raise NotFound()
    return plan


def effective_on(on_date: datetime.date) -> Q:
    """Plans whose period contains ``on_date`` (an open end runs on)."""
    return Q(effective_from__lte=on_date) & (Q(effective_to__isnull=True) | Q(effective_to__gte=on_date))


def commission_plan_for(
    *,
    organisation_id: int,
    kind: str,
    position_id: int,
    project_id: int | None = None,
    product_id: int | None = None,
    card_type_id: int | None = None,
    category_id: int | None = None,
    on_date: datetime.date,
) -> CommissionPlan | None:
    """The active plan of ``kind`` for ``position_id`` effective on ``on_date`` that fits the item
    most specifically: one set on the project, product or card type itself, else on its category,
    else on the nearest parent category, else the catch-all plan (no target). Without
    ``category_id`` the project's or product's category is looked up. None: no plan applies."""
    if kind not in CommissionKind.values:
        return None
    if category_id is None and project_id is not None:
        category_id = Project.objects.filter(pk=project_id).values_list("category_id", flat=True).first()
    elif category_id is None and product_id is not None:
        category_id = Product.objects.filter(pk=product_id).values_list("category_id", flat=True).first()
    chain = _category_chains(organisation_id, {category_id}).get(category_id, []) if category_id else []
    no_item = Q(project__isnull=True, product__isnull=True, card_type__isnull=True)
    levels = no_item & (Q(category_id__in=chain) | Q(category__isnull=True))
    for field, value in (
        ("project_id", project_id),
        ("product_id", product_id),
        ("card_type_id", card_type_id),
    ):
        if value is not None:
            levels |= Q(**{field: value})
    candidates = (
        CommissionPlan.objects.filter(
            organisation_id=organisation_id, kind=kind, position_id=position_id, is_active=True
        )
        .filter(effective_on(on_date))
        .filter(levels)
    )

    def rank(plan: CommissionPlan) -> tuple[int, int, int]:
        if plan.project_id is not None or plan.product_id is not None or plan.card_type_id is not None:
            level = 0
        elif plan.category_id is not None:
            level = 1 + chain.index(plan.category_id)
        else:
            level = len(chain) + 1
        return (level, -plan.effective_from.toordinal(), -plan.pk)

    plans = sorted(candidates, key=rank)
    return plans[0] if plans else None
