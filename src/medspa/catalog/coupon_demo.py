"""Demo coupons (MKT-02), created through the coupon services: four coupon types — 新客代金券
¥200 满1000可用 (everything, 90 days, one per customer), 光电 9 折券 (光电美容, this quarter),
亲友券 ¥300 (friends and family) and 职工券 ¥500 (staff) — a few coupons issued to demo customers,
one friends-and-family coupon handed on, a staff coupon and a batch of generated codes.

Idempotent: types are looked up by code; every issue carries a fixed idempotency key, so running
it again returns the first result instead of issuing again."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from medspa.accounts.models import User
from medspa.catalog import coupon_selectors, coupon_services
from medspa.catalog.choices import CouponKind, CouponState, ValidityMode
from medspa.catalog.models import Category, Coupon, CouponType
from medspa.customers import selectors as customer_selectors
from medspa.organization.models import Branch, Organisation


def _quarter(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    month = first.month + 3
    following = datetime.date(first.year + (month > 12), (month - 1) % 12 + 1, 1)
    return first, following - datetime.timedelta(days=1)


def _type(actor: User, organisation: Organisation, code: str, **values: Any) -> CouponType:
    existing = CouponType.objects.filter(organisation=organisation, code=code).first()
    if existing is not None:
        return existing
    return coupon_services.coupon_type_create(actor=actor, code=code, **values)


def seed_demo(*, actor: User, organisation: Organisation, branch: Branch) -> None:
    """The demo coupon types and a few issued coupons in ``branch`` (issued by ``actor``)."""
    actor.active_branch_id = branch.pk  # type: ignore[attr-defined]
    first, last = _quarter(timezone.localdate())
    new_customer = _type(
        actor,
        organisation,
        "NEW200",
        name="新客代金券 ¥200 满1000可用",
        kind=CouponKind.VOUCHER,
        amount=Decimal(200),
        min_spend=Decimal(1000),
        applies_to_all=True,
        validity_mode=ValidityMode.DAYS,
        validity_days=90,
        per_customer_limit=1,
        description="新客到院首单满 1000 元减 200 元，每人限领一张。",
    )
    laser = Category.objects.filter(organisation=organisation, code="LASER").first()
    laser_type = None
    if laser is not None:
        laser_type = _type(
            actor,
            organisation,
            "LASER90",
            name="光电 9 折券",
            kind=CouponKind.DISCOUNT,
            discount_percent=Decimal(90),
            category_ids=[laser.pk],
            validity_mode=ValidityMode.FIXED,
            valid_from=first,
            valid_to=last,
            description="本季度光电美容项目 9 折。",
        )
    friends = _type(
        actor,
        organisation,
        "FRIEND300",
        name="亲友券 ¥300",
        kind=CouponKind.FRIENDS,
        amount=Decimal(300),
        applies_to_all=True,
        validity_mode=ValidityMode.DAYS,
        validity_days=180,
        description="老客可转赠亲友，亲友到院消费抵 300 元。",
    )
    staff_type = _type(
        actor,
        organisation,
        "STAFF500",
        name="职工券 ¥500",
        kind=CouponKind.STAFF,
        amount=Decimal(500),
        applies_to_all=True,
        validity_mode=ValidityMode.DAYS,
        validity_days=365,
        per_customer_limit=1,
        description="员工本人及家属消费抵 500 元，每人一张。",
    )

    key = f"demo-{organisation.pk}"
    customers = list(customer_selectors.customers_for(actor).filter(is_active=True).order_by("pk")[:3])
    for customer in customers[:2]:
        coupon_services.coupon_issue(
            actor=actor,
            coupon_type_id=new_customer.pk,
            customer_id=customer.pk,
            note="新客礼",
            idempotency_key=f"{key}-new200-{customer.pk}",
        )
    if len(customers) == 3:
        gift = coupon_services.coupon_issue(
            actor=actor,
            coupon_type_id=friends.pk,
            customer_id=customers[0].pk,
            note="老带新",
            idempotency_key=f"{key}-friends-{customers[0].pk}",
        ).coupons[0]
        gift.refresh_from_db()
        if gift.state == CouponState.ISSUED and gift.given_by_id is None:
            coupon_services.coupon_transfer(actor=actor, coupon_id=gift.pk, to_customer_id=customers[2].pk)
    staff = coupon_selectors.coupon_staff_choices(actor).filter(branch=branch).first()
    if staff is not None and not Coupon.objects.filter(coupon_type=staff_type, staff=staff).exists():
        coupon_services.coupon_issue(
            actor=actor,
            coupon_type_id=staff_type.pk,
            staff_id=staff.pk,
            note="年度员工福利",
            idempotency_key=f"{key}-staff-{staff.pk}",
        )
    if laser_type is not None:
        coupon_services.coupon_generate(
            actor=actor,
            coupon_type_id=laser_type.pk,
            quantity=20,
            note="光电季度活动线下派发",
            idempotency_key=f"{key}-laser-codes",
        )
