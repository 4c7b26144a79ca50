"""Factories of the coupon tests (MKT-02). Rows are built directly (fast); the coupon services
themselves are tested through ``medspa.catalog.coupon_services``.

- ``CatalogCategoryFactory(organisation=o)``, ``ProjectFactory(organisation=o)``,
  ``ProductFactory(organisation=o)`` — small catalog rows of our own (the project and product
  families build theirs concurrently).
- ``CouponTypeFactory(organisation=o)`` — a voucher ¥100 off, everything, valid 30 days from issue,
  no limit; ``DiscountTypeFactory`` pays 90 %; ``kind=...`` for friends or staff coupons.
- ``coupon_user(branch, perms, scope)`` — a user whose one-off role grants ``perms``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from medspa.accounts.choices import DataScope
from medspa.catalog.choices import CouponKind, ValidityMode
from medspa.catalog.models import Category, CouponType, Product, Project
from medspa.core.pinyin import search_key
from medspa.organization.models import Branch
from tests.factories import OrganisationFactory
from tests.inventory.factories import ItemFactory
from tests.organization.factories import scoped_user

TYPE_PERMS = [f"catalog.{action}_coupontype" for action in ("view", "add", "change", "delete", "export")]
COUPON_PERMS = [
    f"catalog.{action}_coupon"
    for action in ("view", "add", "change", "delete", "export", "issue", "void", "redeem")
]
ALL_PERMS = TYPE_PERMS + COUPON_PERMS + ["customers.view_customer"]


def today() -> datetime.date:
    return timezone.localdate()


def coupon_user(
    branch: Branch, perms: list[str] | None = None, scope: DataScope = DataScope.BRANCH, **kwargs
):
    """A user of ``branch`` whose one-off role grants ``perms`` (default: every coupon
    permission) with data scope ``scope``."""
    return scoped_user(branch, ALL_PERMS if perms is None else perms, scope, **kwargs)


class CatalogCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("organisation", "code")

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"CAT{n:03d}")
    name = factory.Sequence(lambda n: f"分类{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"项目{n}")
    pinyin = factory.LazyAttribute(lambda o: search_key(o.name))
    category = factory.SubFactory(
        CatalogCategoryFactory, organisation=factory.SelfAttribute("..organisation")
    )
    list_price = Decimal("1280.00")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.Sequence(lambda n: f"产品{n}")
    pinyin = factory.LazyAttribute(lambda o: search_key(o.name))
    category = factory.SubFactory(
        CatalogCategoryFactory, organisation=factory.SelfAttribute("..organisation")
    )
    item = factory.SubFactory(ItemFactory, organisation=factory.SelfAttribute("..organisation"))
    retail_price = Decimal("198.00")


class CouponTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouponType

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"CT{n:03d}")
    name = factory.Sequence(lambda n: f"代金券{n}")
    kind = CouponKind.VOUCHER
    amount = Decimal("100.00")
    discount_percent = None
    min_spend = Decimal("0.00")
    applies_to_all = True
    validity_mode = ValidityMode.DAYS
    validity_days = 30
    per_customer_limit = None


class DiscountTypeFactory(CouponTypeFactory):
    name = factory.Sequence(lambda n: f"折扣券{n}")
    kind = CouponKind.DISCOUNT
    amount = None
    discount_percent = Decimal("90.00")


# --- state snapshots (a refused write must leave everything alone) ------------------------------------


def writes() -> int:
    """Successful audit events of the catalog module."""
    from medspa.audit.models import AuditEvent

    return AuditEvent.objects.filter(module="catalog", result="success").count()


def rows(model: type) -> list[dict]:
    return list(model._default_manager.order_by("pk").values())


def state() -> tuple:
    """Every coupon table (the type's scope included) and the audit count."""
    from medspa.catalog.models import Coupon, CouponBatch, CouponEvent

    return (
        rows(CouponType),
        rows(CouponType.projects.through),
        rows(CouponType.products.through),
        rows(CouponType.categories.through),
        rows(CouponBatch),
        rows(Coupon),
        rows(CouponEvent),
        writes(),
    )
