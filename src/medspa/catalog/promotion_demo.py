"""Demo promotions (MKT-03), created through the promotion services after the demo projects:

* ``DEMO-M5000`` 满 ¥5,000 减 ¥500，每满再减 on 注射美容, 皮肤管理 and 光电美容 — priority 10;
* ``DEMO-LASER80`` 光电美容 8 折 — exclusive, priority 20, for gold members when the organisation
  has a gold member level (金卡 / 黄金 / gold), else for every level;
* ``DEMO-P007-3F1`` 小气泡清洁 买 3 送 1;
* ``DEMO-P003-P004`` 水光针 + 光子嫩肤 组合价 ¥2,500.

All run in every active branch from the first day of this month (Asia/Shanghai) for three months.
Idempotent: a promotion whose code exists is left alone; one whose categories or projects are
missing is skipped (so is the bundle when its projects' list prices do not exceed ¥2,500). Call it
outside a transaction: every promotion service is a durable transaction of its own."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from medspa.accounts.models import User
from medspa.catalog import promotion_services as services
from medspa.catalog.choices import PromotionKind, TargetRole
from medspa.catalog.models import Category, Project, Promotion
from medspa.customers.models import MemberLevel
from medspa.organization.models import Branch, Organisation

MONTHS = 3


def _window() -> tuple[datetime.datetime, datetime.datetime]:
    """From the first day of this month, 00:00 local time, to the same day three months later."""
    today = timezone.localdate()
    start = today.replace(day=1)
    month = start.month - 1 + MONTHS
    end = start.replace(year=start.year + month // 12, month=month % 12 + 1)
    zone = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time(), tzinfo=zone),
        datetime.datetime.combine(end, datetime.time(), tzinfo=zone),
    )


def _ids(model: Any, organisation: Organisation, codes: tuple[str, ...]) -> list[int] | None:
    """The active rows' ids in the order of ``codes``; None when one is missing."""
    found = dict(
        model.objects.filter(organisation=organisation, code__in=codes, is_active=True).values_list(
            "code", "pk"
        )
    )
    if len(found) != len(codes):
        return None
    return [found[code] for code in codes]


def _gold_levels(organisation: Organisation) -> list[int]:
    levels = MemberLevel.objects.filter(organisation=organisation, is_active=True).filter(
        Q(name__icontains="金卡") | Q(name__icontains="黄金") | Q(name__icontains="gold")
    )
    return list(levels.order_by("order", "pk").values_list("pk", flat=True))


def seed_demo(*, actor: User, organisation: Organisation, branch: Branch) -> None:
    """The four demo promotions of ``organisation`` (see the module docstring), by ``actor``."""
    starts_at, ends_at = _window()
    branch_ids = list(
        Branch.objects.filter(organisation=organisation, is_active=True)
        .order_by("code")
        .values_list("pk", flat=True)
    )
    if branch.pk not in branch_ids:
        branch_ids.append(branch.pk)
    common: dict[str, Any] = {"starts_at": starts_at, "ends_at": ends_at, "branch_ids": branch_ids}
    taken = set(Promotion.objects.filter(organisation=organisation).values_list("code", flat=True))

    def create(code: str, **values: Any) -> None:
        if code not in taken:
            services.promotion_create(actor=actor, code=code, **common, **values)

    categories = _ids(Category, organisation, ("INJ", "SKIN", "LASER"))
    if categories is not None:
        create(
            "DEMO-M5000",
            name="满5000减500",
            kind=PromotionKind.SPEND_SAVE,
            threshold_amount=Decimal("5000.00"),
            discount_amount=Decimal("500.00"),
            is_repeatable=True,
            priority=10,
            targets=[services.TargetInput(role=TargetRole.SCOPE, category_id=pk) for pk in categories],
        )
    laser = _ids(Category, organisation, ("LASER",))
    if laser is not None:
        create(
            "DEMO-LASER80",
            name="光电美容 8 折",
            kind=PromotionKind.CATEGORY_PERCENT,
            discount_percent=Decimal("80.00"),
            is_exclusive=True,
            priority=20,
            member_level_ids=_gold_levels(organisation),
            targets=[services.TargetInput(role=TargetRole.SCOPE, category_id=laser[0])],
        )
    bubble = _ids(Project, organisation, ("P007",))
    if bubble is not None:
        create(
            "DEMO-P007-3F1",
            name="小气泡买 3 送 1",
            kind=PromotionKind.BUY_GET,
            buy_quantity=3,
            get_quantity=1,
            priority=5,
            targets=[
                services.TargetInput(role=TargetRole.BUY, project_id=bubble[0]),
                services.TargetInput(role=TargetRole.GET, project_id=bubble[0]),
            ],
        )
    pair = _ids(Project, organisation, ("P003", "P004"))
    bundle_price = Decimal("2500.00")
    if (
        pair is not None
        and sum(Project.objects.filter(pk__in=pair).values_list("list_price", flat=True)) > bundle_price
    ):
        create(
            "DEMO-P003-P004",
            name="水光+光子组合价",
            kind=PromotionKind.BUNDLE,
            bundle_price=bundle_price,
            priority=15,
            targets=[services.TargetInput(role=TargetRole.BUNDLE, project_id=pk, quantity=1) for pk in pair],
        )
