"""Reads of promotions (促销) — MKT-03: the list and one promotion in the actor's organisation, the
promotions in force for the pricing engine, a promotion's status and its rule in plain words.

A promotion is in force from ``starts_at`` (included) to ``ends_at`` (excluded) while it is active.
Its status (未开始 / 进行中 / 已结束 / 停用) is computed at the time asked, never stored."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import models
from django.db.models import Case, CharField, Prefetch, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from medspa.accounts.models import User
from medspa.accounts.scope import scope_queryset
from medspa.catalog.choices import PromotionKind, TargetRole
from medspa.catalog.models import Promotion, PromotionTarget
from medspa.core.errors import NotFound
from medspa.core.money import format_cny, quantize
from medspa.customers.models import MemberLevel
from medspa.organization.models import Branch

__all__ = [
    "PromotionStatus",
    "promotion_describe",
    "promotion_get_for",
    "promotion_status",
    "promotion_target_name",
    "promotions_active_for",
    "promotions_for",
]

TARGET_RELATIONS = ("project", "product", "package", "category")


class PromotionStatus(models.TextChoices):
    """Where a promotion stands at a moment: before, inside or after its window, or stopped."""

    UPCOMING = "upcoming", pgettext_lazy("promotion status", "Not started")
    RUNNING = "running", pgettext_lazy("promotion status", "Running")
    ENDED = "ended", pgettext_lazy("promotion status", "Ended")
    INACTIVE = "inactive", pgettext_lazy("promotion status", "Inactive")


def _targets_prefetch() -> Prefetch[str, QuerySet[PromotionTarget], str]:
    return Prefetch(
        "targets", queryset=PromotionTarget.objects.select_related(*TARGET_RELATIONS).order_by("pk")
    )


def _levels_prefetch() -> Prefetch[str, QuerySet[MemberLevel], str]:
    return Prefetch("member_levels", queryset=MemberLevel.objects.order_by("order", "pk"))


def status_expression(at: datetime.datetime) -> Case:
    """The status at ``at`` as an SQL expression (for filtering and sorting)."""
    return Case(
        When(is_active=False, then=Value(PromotionStatus.INACTIVE.value)),
        When(starts_at__gt=at, then=Value(PromotionStatus.UPCOMING.value)),
        When(ends_at__lte=at, then=Value(PromotionStatus.ENDED.value)),
        default=Value(PromotionStatus.RUNNING.value),
        output_field=CharField(),
    )


def promotions_for(actor: User) -> QuerySet[Promotion]:
    """The promotions of the actor's organisation, highest priority first, with the status now
    (``status``) and their branches, member levels and targets loaded (a fixed number of queries
    whatever the number of rows)."""
    queryset = (
        Promotion.objects.annotate(status=status_expression(timezone.now()))
        .prefetch_related(
            Prefetch("branches", queryset=Branch.objects.order_by("code", "pk")),
            _levels_prefetch(),
            _targets_prefetch(),
        )
        .order_by("-priority", "code", "pk")
    )
    return scope_queryset(queryset, actor, branch=None, organisation="organisation")


def promotion_get_for(actor: User, pk: int) -> Promotion:
    """One promotion of the actor's organisation; :class:`NotFound` for a missing pk and for
    another organisation's promotion alike."""
    promotion = promotions_for(actor).filter(pk=pk).first()
    if promotion is None:
        raise NotFound()
    return promotion


def promotions_active_for(*, organisation_id: int, branch_id: int, at: datetime.datetime) -> list[Promotion]:
    """For the pricing engine: the organisation's active promotions in force at ``at`` (aware) in
    ``branch_id``, ordered by (-priority, id), their targets (with the project, product, package
    or category) and member levels loaded — three queries in all."""
    if timezone.is_naive(at):
        raise ValueError("promotions_active_for needs an aware datetime")
    queryset = (
        Promotion.objects.filter(
            organisation_id=organisation_id,
            is_active=True,
            starts_at__lte=at,
            ends_at__gt=at,
            branches__id=branch_id,
        )
        .prefetch_related(_levels_prefetch(), _targets_prefetch())
        .order_by("-priority", "id")
    )
    return list(queryset)


def promotion_status(promotion: Promotion, at: datetime.datetime | None = None) -> str:
    """未开始 / 进行中 / 已结束 / 停用 at ``at`` (default now) as a :class:`PromotionStatus` value."""
    at = at or timezone.now()
    if not promotion.is_active:
        return PromotionStatus.INACTIVE.value
    if promotion.starts_at > at:
        return PromotionStatus.UPCOMING.value
    if promotion.ends_at <= at:
        return PromotionStatus.ENDED.value
    return PromotionStatus.RUNNING.value


# --- the rule in plain words --------------------------------------------------------------------------


def _yuan(value: Decimal) -> str:
    """``¥5,000`` for whole yuan, ``¥5,000.50`` otherwise."""
    amount = quantize(value)
    if amount == amount.to_integral_value():
        sign = "-" if amount < 0 else ""
        return f"{sign}¥{abs(int(amount)):,}"
    return format_cny(amount)


def _number(value: Decimal) -> str:
    """``8``, ``8.5`` — no trailing zeros."""
    return f"{value.normalize():f}"


def promotion_target_name(target: PromotionTarget) -> str:
    """The name of what the target points at (project, product, package or category)."""
    for relation in TARGET_RELATIONS:
        if getattr(target, f"{relation}_id") is not None:
            return str(getattr(target, relation).name)
    return ""


def _names(targets: list[PromotionTarget]) -> str:
    return pgettext("list separator", ", ").join(promotion_target_name(t) for t in targets)


def promotion_describe(promotion: Promotion) -> str:
    """The rule in plain words, e.g. ``满 ¥5,000 减 ¥500，每满再减（适用：注射美容、皮肤管理）``,
    ``光电美容 8 折``, ``小气泡清洁 买 3 送 1``, ``水光针 × 1 + 光子嫩肤 × 1 组合价 ¥2,500``.
    Uses the loaded targets (:func:`promotions_for` and :func:`promotions_active_for` load them)."""
    targets = list(promotion.targets.all())
    by_role: dict[str, list[PromotionTarget]] = {}
    for target in targets:
        by_role.setdefault(target.role, []).append(target)
    kind = promotion.kind
    if kind == PromotionKind.SPEND_SAVE and promotion.threshold_amount and promotion.discount_amount:
        text = _("Spend %(threshold)s, save %(saving)s") % {
            "threshold": _yuan(promotion.threshold_amount),
            "saving": _yuan(promotion.discount_amount),
        }
        if promotion.is_repeatable:
            text += _(", again for every multiple")
        scope = by_role.get(TargetRole.SCOPE, [])
        if scope:
            text += _(" (on %(targets)s)") % {"targets": _names(scope)}
        return text
    if kind == PromotionKind.CATEGORY_PERCENT and promotion.discount_percent:
        return _("%(targets)s at %(tenths)s/10 of the price") % {
            "targets": _names(by_role.get(TargetRole.SCOPE, [])),
            "tenths": _number(Decimal(promotion.discount_percent) / 10),
        }
    if kind == PromotionKind.BUY_GET and promotion.buy_quantity and promotion.get_quantity:
        buy, get = by_role.get(TargetRole.BUY, []), by_role.get(TargetRole.GET, [])
        rule = _("buy %(buy)s get %(get)s free") % {
            "buy": promotion.buy_quantity,
            "get": promotion.get_quantity,
        }
        if {promotion_target_name(t) for t in buy} == {promotion_target_name(t) for t in get}:
            return _("%(targets)s: %(rule)s") % {"targets": _names(buy), "rule": rule}
        return _("Buy %(buy)s of %(buy_targets)s, get %(get)s of %(get_targets)s free") % {
            "buy": promotion.buy_quantity,
            "buy_targets": _names(buy),
            "get": promotion.get_quantity,
            "get_targets": _names(get),
        }
    if kind == PromotionKind.BUNDLE and promotion.bundle_price:
        components = " + ".join(
            f"{promotion_target_name(t)} × {t.quantity}" for t in by_role.get(TargetRole.BUNDLE, [])
        )
        return _("%(components)s together for %(price)s") % {
            "components": components,
            "price": _yuan(promotion.bundle_price),
        }
    return str(promotion.get_kind_display())
