"""Demo discount settings and commission plans, created through the policy services.

* Discount rules: P006 双眼皮手术 never discounted; category INJ (注射美容) down to 70 %;
  P002 肉毒素除皱-额纹 down to 80 %.
* Discount authority of the built-in roles: 咨询师 90 %, 院长 70 %, 收银 95 %.
* Commission plans from 1 January of this year: consultant sales 3 % of cash on everything and
  5 % on INJ; doctor operator ¥200 per session on P006; nurse operator 2 % of consumption;
  marketing member-card 2 % of cash; consultant prepayment 1 % of cash.

Idempotent: a rule is created only for a target without one, an authority only for a role
without one, a plan only when the organisation has none of that name; rows whose project,
category, role or position is missing are skipped. Runs outside a transaction (every service is
a durable transaction of its own)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from medspa.accounts.models import RoleProfile, User
from medspa.catalog import policy_services as services
from medspa.catalog.choices import CommissionBasis, CommissionKind
from medspa.catalog.models import Category, CommissionPlan, DiscountAuthority, DiscountRule, Project
from medspa.core.errors import ValidationError
from medspa.organization.models import Branch, Organisation, Position

# (target kind, code, never discounted, lowest price %, note)
RULES = (
    ("project", "P006", True, None, "手术类项目不参与打折"),
    ("category", "INJ", False, Decimal(70), "注射美容最低 7 折"),
    ("project", "P002", False, Decimal(80), "肉毒素最低 8 折"),
)
# built-in role key → lowest price %
AUTHORITIES = (("consultant", Decimal(90)), ("director", Decimal(70)), ("cashier", Decimal(95)))
# (name, kind, position code, basis, rate %, amount per session, target kind, target code)
PLANS: tuple[tuple[str, str, str, str, Decimal | None, Decimal | None, str | None, str | None], ...] = (
    (
        "咨询师销售提成（全部项目）",
        CommissionKind.SALES,
        "consultant",
        CommissionBasis.CASH,
        Decimal(3),
        None,
        None,
        None,
    ),
    (
        "咨询师销售提成（注射美容）",
        CommissionKind.SALES,
        "consultant",
        CommissionBasis.CASH,
        Decimal(5),
        None,
        "category",
        "INJ",
    ),
    (
        "医生操作提成（双眼皮手术）",
        CommissionKind.OPERATOR,
        "doctor",
        CommissionBasis.PER_SESSION,
        None,
        Decimal(200),
        "project",
        "P006",
    ),
    (
        "护士操作提成",
        CommissionKind.OPERATOR,
        "nurse",
        CommissionBasis.CONSUMPTION,
        Decimal(2),
        None,
        None,
        None,
    ),
    ("市场会员卡提成", CommissionKind.CARD, "marketing", CommissionBasis.CASH, Decimal(2), None, None, None),
    (
        "咨询师预收提成",
        CommissionKind.PREPAYMENT,
        "consultant",
        CommissionBasis.CASH,
        Decimal(1),
        None,
        None,
        None,
    ),
)


def _target_id(organisation: Organisation, kind: str | None, code: str | None) -> int | None:
    if kind == "project":
        return (
            Project.objects.filter(organisation=organisation, code=code).values_list("pk", flat=True).first()
        )
    if kind == "category":
        return (
            Category.objects.filter(organisation=organisation, code=code).values_list("pk", flat=True).first()
        )
    return None


def seed_demo(*, actor: User, organisation: Organisation, branch: Branch) -> None:
    """The demo discount rules, discount authorities and commission plans (see the module)."""
    for kind, code, never, percent, note in RULES:
        target_id = _target_id(organisation, kind, code)
        if (
            target_id is None
            or DiscountRule.objects.filter(organisation=organisation, **{f"{kind}_id": target_id}).exists()
        ):
            continue
        services.discount_rule_create(
            actor=actor, never_discount=never, min_percent=percent, note=note, **{f"{kind}_id": target_id}
        )

    for key, percent in AUTHORITIES:
        role_id = RoleProfile.objects.filter(builtin_key=key).values_list("group_id", flat=True).first()
        if (
            role_id is None
            or DiscountAuthority.objects.filter(organisation=organisation, role_id=role_id).exists()
        ):
            continue
        services.discount_authority_set(actor=actor, role_id=role_id, min_percent=percent)

    start = datetime.date(timezone.localdate().year, 1, 1)
    for name, plan_kind, position_code, basis, rate, amount, target_kind, target_code in PLANS:
        if CommissionPlan.objects.filter(organisation=organisation, name=name).exists():
            continue
        position_id = (
            Position.objects.filter(organisation=organisation, code=position_code)
            .values_list("pk", flat=True)
            .first()
        )
        target_id = _target_id(organisation, target_kind, target_code)
        if position_id is None or (target_kind is not None and target_id is None):
            continue
        targets: dict[str, int | None] = {f"{target_kind}_id": target_id} if target_kind else {}
        try:
            services.commission_plan_create(
                actor=actor,
                name=name,
                kind=plan_kind,
                position_id=position_id,
                basis=basis,
                rate_percent=rate,
                fixed_amount=amount,
                effective_from=start,
                project_id=targets.get("project_id"),
                category_id=targets.get("category_id"),
            )
        except ValidationError:
            continue  # the clinic already has an overlapping plan of its own
