"""Demo card types, created through :mod:`medspa.catalog.card_services` after the demo projects and
categories exist: a session card, a combination card, an N-choose-M card and a stored-value card.

Idempotent: a card type whose code exists is left alone; one whose projects or categories are
missing from the organisation is skipped. Every service is a durable transaction of its own, so
call this outside a transaction."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from medspa.accounts.models import User
from medspa.catalog import card_services as services
from medspa.catalog.choices import CardKind, ValidityMode
from medspa.catalog.models import CardType, Category, Project
from medspa.organization.models import Branch, Organisation


@dataclass(frozen=True)
class DemoCard:
    code: str
    name: str
    kind: str
    price: Decimal
    items: tuple[tuple[str, int | None], ...] = ()  # (project code, sessions or cap)
    total_sessions: int | None = None
    bonus: Decimal | None = None
    discounts: tuple[tuple[str, Decimal], ...] = ()  # (category code, pays %)
    validity_mode: str = ValidityMode.DAYS
    validity_days: int | None = 365
    transferable: bool = False
    shared_members: int = 0
    description: str = ""


CARDS = (
    DemoCard(
        code="CARD-SW5",
        name="水光针 5 次卡",
        kind=CardKind.SESSION,
        price=Decimal("5000.00"),
        items=(("P003", None),),
        total_sessions=5,
        description="水光针 5 次，购买后一年内有效。",
    ),
    DemoCard(
        code="CARD-SKIN",
        name="皮肤管理组合卡",
        kind=CardKind.COMBINATION,
        price=Decimal("4680.00"),
        items=(("P003", 3), ("P007", 6)),
        description="水光针 3 次 + 小气泡清洁 6 次。",
    ),
    DemoCard(
        code="CARD-LASER-3OF5",
        name="光电 5 选 3 卡",
        kind=CardKind.CHOICE,
        price=Decimal("4800.00"),
        items=(("P001", None), ("P003", None), ("P004", None), ("P005", 2), ("P007", None)),
        total_sessions=3,
        validity_days=180,
        transferable=True,
        description="5 个项目任选 3 次，皮秒祛斑最多 2 次；可转让。",
    ),
    DemoCard(
        code="CARD-SV10000",
        name="储值卡 10000 送 1000",
        kind=CardKind.STORED_VALUE,
        price=Decimal("10000.00"),
        bonus=Decimal("1000.00"),
        discounts=(("SKIN", Decimal("90")),),
        validity_mode=ValidityMode.NONE,
        validity_days=None,
        shared_members=2,
        description="储值 10000 元赠 1000 元；皮肤管理项目 9 折；可与 2 位家人共用；长期有效。",
    ),
)


def seed_demo(*, actor: User, organisation: Organisation, branch: Branch) -> None:
    """The demo card types of ``organisation`` (``branch`` is not needed: card types belong to the
    organisation). ``actor`` works in ``organisation`` and holds ``catalog.add_cardtype``."""
    del branch
    existing = set(CardType.objects.filter(organisation=organisation).values_list("code", flat=True))
    projects = dict(
        Project.objects.filter(organisation=organisation, is_active=True).values_list("code", "pk")
    )
    categories = dict(
        Category.objects.filter(organisation=organisation, is_active=True).values_list("code", "pk")
    )
    for card in CARDS:
        if card.code in existing:
            continue
        if any(code not in projects for code, _sessions in card.items):
            continue
        if any(code not in categories for code, _percent in card.discounts):
            continue
        services.card_type_create(
            actor=actor,
            code=card.code,
            name=card.name,
            kind=card.kind,
            price=card.price,
            total_sessions=card.total_sessions,
            bonus_amount=card.bonus,
            validity_mode=card.validity_mode,
            validity_days=card.validity_days,
            is_transferable=card.transferable,
            is_shareable=card.shared_members > 0,
            max_shared_members=card.shared_members,
            description=card.description,
            items=[services.CardItemInput(project_id=projects[code], sessions=n) for code, n in card.items],
            discounts=[
                services.CardDiscountInput(category_id=categories[code], discount_percent=percent)
                for code, percent in card.discounts
            ],
        )
