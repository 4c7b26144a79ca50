"""Demo customers: 60 people spread over the demo branches, most owned by the demo consultant,
with tags, sources and a few visits — enough to try search, the archive and the lifecycle."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from medspa.configuration.choices import DictionaryKind
from medspa.configuration.models import DictionaryItem
from medspa.customers.choices import Gender
from medspa.customers.lifecycle import lifecycle_status
from medspa.customers.models import Customer
from medspa.customers.search import name_keys, phone_last4
from medspa.organization.models import Branch, Organisation, Staff

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = (
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "婷",
    "雪",
    "琳",
    "晓燕",
    "雅琪",
    "梦瑶",
    "欣怡",
    "子涵",
    "思雨",
    "佳怡",
)


def seed(*, organisation: Organisation, branches: list[Branch], staff: dict[str, Staff]) -> None:
    """Idempotent: customers are keyed by phone."""
    rng = random.Random(2026)  # noqa: S311 — demo data, not security
    now = timezone.now()
    tags = list(DictionaryItem.objects.filter(organisation=organisation, kind=DictionaryKind.TAG))
    channels = list(DictionaryItem.objects.filter(organisation=organisation, kind=DictionaryKind.CHANNEL))
    sources = list(DictionaryItem.objects.filter(organisation=organisation, kind=DictionaryKind.INFO_SOURCE))
    owners = [staff["consultant"], staff["consultant"], staff["consultant"], staff.get("director")]
    for i in range(60):
        phone = f"1380013{i:04d}"
        if Customer.objects.filter(organisation=organisation, phone=phone).exists():
            continue
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]
        full, initials = name_keys(name)
        visits = rng.choice([0, 0, 1, 2, 5, 9])
        last_visit = now - datetime.timedelta(days=rng.choice([3, 20, 90, 200, 400])) if visits else None
        customer = Customer.objects.create(
            organisation=organisation,
            branch=branches[0] if i % 4 else branches[-1],
            name=name,
            name_pinyin=full,
            name_initials=initials,
            gender=Gender.FEMALE if i % 6 else Gender.MALE,
            birthday=datetime.date(1975 + i % 25, 1 + i % 12, 1 + i % 28),
            phone=phone,
            phone_last4=phone_last4(phone),
            card_no=f"VIP{i + 1:05d}" if i % 3 == 0 else "",
            source_channel=rng.choice(channels) if channels else None,
            info_source=rng.choice(sources) if sources else None,
            consultant=owners[i % len(owners)],
            visit_count=visits,
            first_visit_at=last_visit - datetime.timedelta(days=30 * visits) if last_visit else None,
            last_visit_at=last_visit,
            status=lifecycle_status(
                visit_count=visits, last_visit_at=last_visit, now=now, dormant_days=180, lost_days=365
            ),
        )
        if tags:
            customer.tags.add(*{t.parent_id: t for t in rng.sample(tags, k=min(2, len(tags)))}.values())
