"""Factories and helpers of the promotion tests (MKT-03). Catalog rows are built directly (fast,
and independent of the families built alongside); promotions under test go through
``medspa.catalog.promotion_services``.

- ``PromoCategoryFactory(organisation=o)``, ``PromoProjectFactory(organisation=o, list_price=…)``,
  ``PromoProductFactory(organisation=o)``, ``PromoPackageFactory(organisation=o)`` — active rows.
- ``PromotionFactory(organisation=o, branches=[b], targets=[(role, obj, quantity), …])`` — a raw
  spend-save promotion (满 ¥5,000 减 ¥500) running from yesterday for 30 days.
- ``promotion_user(branch, perms)`` — a user of ``branch`` holding ``perms`` (default: every
  promotion permission).
- ``state()`` — everything a refused write must leave alone.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.audit.models import AuditEvent
from medspa.catalog.choices import PromotionKind
from medspa.catalog.models import Category, Package, Product, Project, Promotion, PromotionTarget
from medspa.organization.models import Branch
from tests.factories import OrganisationFactory
from tests.inventory.factories import ItemFactory
from tests.organization.factories import scoped_user

PROMOTION_PERMS = [f"catalog.{action}_promotion" for action in ("view", "add", "change", "delete", "export")]
PROBLEM = "application/problem+json"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


class PromoCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    organisation = factory.SubFactory(OrganisationFactory)
    parent = None
    code = factory.Sequence(lambda n: f"PC{n:03d}")
    name = factory.Sequence(lambda n: f"促销分类{n}")


class PromoProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"PP{n:03d}")
    name = factory.Sequence(lambda n: f"项目{n}")
    category = factory.SubFactory(PromoCategoryFactory, organisation=factory.SelfAttribute("..organisation"))
    list_price = Decimal("1000.00")


class PromoProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"PR{n:03d}")
    name = factory.Sequence(lambda n: f"商品{n}")
    category = factory.SubFactory(PromoCategoryFactory, organisation=factory.SelfAttribute("..organisation"))
    item = factory.SubFactory(ItemFactory, organisation=factory.SelfAttribute("..organisation"))
    retail_price = Decimal("200.00")


class PromoPackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"PK{n:03d}")
    name = factory.Sequence(lambda n: f"套餐{n}")
    price = Decimal("3000.00")


def _now() -> datetime.datetime:
    return timezone.now()


class PromotionFactory(factory.django.DjangoModelFactory):
    """A raw 满 ¥5,000 减 ¥500 promotion (no validation); ``targets=[(role, obj, quantity)]``."""

    class Meta:
        model = Promotion
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"PM{n:03d}")
    name = factory.Sequence(lambda n: f"促销{n}")
    kind = PromotionKind.SPEND_SAVE
    starts_at = factory.LazyFunction(lambda: _now() - datetime.timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: _now() + datetime.timedelta(days=30))
    threshold_amount = Decimal("5000.00")
    discount_amount = Decimal("500.00")

    @factory.post_generation
    def branches(self, create: bool, extracted: list[Branch] | None, **kwargs: object) -> None:
        if create and extracted:
            self.branches.add(*extracted)

    @factory.post_generation
    def member_levels(self, create: bool, extracted: list[Any] | None, **kwargs: object) -> None:
        if create and extracted:
            self.member_levels.add(*extracted)

    @factory.post_generation
    def targets(self, create: bool, extracted: list[tuple[str, Any, int]] | None, **kwargs: object) -> None:
        if create and extracted:
            for role, obj, quantity in extracted:
                field = type(obj)._meta.model_name
                PromotionTarget.objects.create(promotion=self, role=role, quantity=quantity, **{field: obj})


def promotion_user(
    branch: Branch, perms: list[str] | None = None, scope: DataScope = DataScope.BRANCH, **kwargs: Any
) -> User:
    """A user of ``branch`` whose one-off role grants ``perms`` (default: every promotion permission)."""
    return scoped_user(branch, PROMOTION_PERMS if perms is None else perms, scope, **kwargs)


def rows(model: Any) -> list[dict[str, Any]]:
    return list(model.objects.order_by("pk").values())


def writes() -> int:
    """Audit events of promotion writes."""
    return AuditEvent.objects.filter(module="catalog", object_type="catalog.promotion").count()


def state() -> tuple[Any, ...]:
    """Promotions, their targets, branches and member levels, and the audit log."""
    return (
        rows(Promotion),
        rows(PromotionTarget),
        rows(Promotion.branches.through),
        rows(Promotion.member_levels.through),
        writes(),
    )


def send(client: Any, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    return getattr(client, method)(
        url,
        data=json.dumps(body, default=str) if body is not None else None,
        content_type="application/json",
        headers=headers or {},
    )


def errors_of(response: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["message"]) for e in response.json()["errors"]]


def catalog_rows(organisation: Any) -> dict[str, Any]:
    """The demo-like catalog rows promotions point at: categories INJ/SKIN/LASER, projects P003
    水光针 ¥1,280, P004 光子嫩肤 ¥1,680, P007 小气泡清洁 ¥298, product R001, package K001 and the
    member level 金卡."""
    from tests.customers.factories import MemberLevelFactory

    inj = PromoCategoryFactory(organisation=organisation, code="INJ", name="注射美容")
    skin = PromoCategoryFactory(organisation=organisation, code="SKIN", name="皮肤管理")
    laser = PromoCategoryFactory(organisation=organisation, code="LASER", name="光电美容")
    return {
        "inj": inj,
        "skin": skin,
        "laser": laser,
        "p003": PromoProjectFactory(
            organisation=organisation, code="P003", name="水光针", category=skin, list_price=Decimal("1280")
        ),
        "p004": PromoProjectFactory(
            organisation=organisation,
            code="P004",
            name="光子嫩肤",
            category=laser,
            list_price=Decimal("1680"),
        ),
        "p007": PromoProjectFactory(
            organisation=organisation,
            code="P007",
            name="小气泡清洁",
            category=skin,
            list_price=Decimal("298"),
        ),
        "r001": PromoProductFactory(
            organisation=organisation,
            code="R001",
            name="医用修复面膜",
            category=skin,
            retail_price=Decimal("198"),
        ),
        "k001": PromoPackageFactory(
            organisation=organisation, code="K001", name="焕肤套餐", price=Decimal("3000")
        ),
        "gold": MemberLevelFactory(organisation=organisation, name="金卡"),
    }
