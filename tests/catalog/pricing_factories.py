"""Rows the pricing tests price (built directly with the ORM; the pricing family writes nothing).

- ``PricingCategoryFactory(organisation=o, parent=…)``, ``PricingProjectFactory(category=c)``
  (¥1,280), ``PricingProductFactory(category=c)`` (¥198, with an inventory item),
  ``PricingPackageFactory(organisation=o)`` (¥3,000), ``PricingCardTypeFactory(organisation=o)``
  (a ¥5,000 stored-value card);
- ``PricingLevelFactory(organisation=o)`` — a member level paying 95 %;
- ``PromotionFactory(organisation=o, branches=[b], targets=[("scope", category), …])`` — a
  running 满5000减500 (spend_save) unless told otherwise;
- ``CouponTypeFactory(organisation=o)`` — a ¥100 voucher for everything;
  ``CouponFactory(coupon_type=t, customer=c)`` — issued, valid from yesterday for 30 days;
- ``pricing_user(branch, perms, scope=…, authority=None)`` — a user whose role has the
  permissions and, with ``authority``, a discount authority row.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.catalog.models import (
    CardType,
    Category,
    Coupon,
    CouponType,
    DiscountAuthority,
    Package,
    Product,
    Project,
    Promotion,
    PromotionTarget,
)
from medspa.core.pinyin import search_key
from medspa.customers.models import MemberLevel
from medspa.organization.models import Branch
from tests.factories import OrganisationFactory
from tests.inventory.factories import ItemFactory
from tests.organization.factories import scoped_user

PREVIEW = "catalog.preview_price"


class PricingCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    organisation = factory.LazyAttribute(
        lambda o: o.parent.organisation if o.parent is not None else OrganisationFactory()
    )
    parent = None
    code = factory.Sequence(lambda n: f"PC{n:03d}")
    name = factory.Sequence(lambda n: f"分类{n}")


class PricingProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    category = factory.SubFactory(PricingCategoryFactory)
    organisation = factory.LazyAttribute(lambda o: o.category.organisation)
    code = factory.Sequence(lambda n: f"PP{n:04d}")
    name = factory.Sequence(lambda n: f"项目{n}")
    pinyin = factory.LazyAttribute(lambda o: search_key(o.name))
    list_price = Decimal("1280.00")


class PricingProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    category = factory.SubFactory(PricingCategoryFactory)
    organisation = factory.LazyAttribute(lambda o: o.category.organisation)
    code = factory.Sequence(lambda n: f"PR{n:04d}")
    name = factory.Sequence(lambda n: f"产品{n}")
    pinyin = factory.LazyAttribute(lambda o: search_key(o.name))
    item = factory.LazyAttribute(lambda o: ItemFactory(organisation=o.organisation))
    retail_price = Decimal("198.00")


class PricingPackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"PK{n:04d}")
    name = factory.Sequence(lambda n: f"套餐{n}")
    pinyin = factory.LazyAttribute(lambda o: search_key(o.name))
    category = None
    price = Decimal("3000.00")


class PricingCardTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CardType

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"CT{n:04d}")
    name = factory.Sequence(lambda n: f"储值卡{n}")
    pinyin = factory.LazyAttribute(lambda o: search_key(o.name))
    kind = "stored_value"
    price = Decimal("5000.00")


class PricingLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberLevel

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"级别{n}")
    discount_percent = Decimal("95.00")


def _now() -> datetime.datetime:
    return timezone.now()


class PromotionFactory(factory.django.DjangoModelFactory):
    """``targets=[(role, obj, quantity?), …]`` where ``obj`` is a project, product, package or
    category; ``branches=[…]``, ``member_levels=[…]``."""

    class Meta:
        model = Promotion
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"PROMO{n:03d}")
    name = "满5000减500"
    kind = "spend_save"
    starts_at = factory.LazyFunction(lambda: _now() - datetime.timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: _now() + datetime.timedelta(days=30))
    threshold_amount = Decimal("5000.00")
    discount_amount = Decimal("500.00")

    @factory.post_generation
    def branches(self, create: bool, extracted: list[Branch] | None, **kwargs: object) -> None:
        if create and extracted:
            self.branches.set(extracted)

    @factory.post_generation
    def member_levels(self, create: bool, extracted: list[MemberLevel] | None, **kwargs: object) -> None:
        if create and extracted:
            self.member_levels.set(extracted)

    @factory.post_generation
    def targets(self, create: bool, extracted: list[tuple] | None, **kwargs: object) -> None:
        for role, obj, *rest in extracted or []:
            field = {Project: "project", Product: "product", Package: "package", Category: "category"}[
                type(obj)
            ]
            PromotionTarget.objects.create(
                promotion=self, role=role, quantity=rest[0] if rest else 1, **{field: obj}
            )


class CouponTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouponType
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"CPT{n:03d}")
    name = factory.Sequence(lambda n: f"代金券{n}")
    kind = "voucher"
    amount = Decimal("100.00")
    discount_percent = None
    applies_to_all = True
    validity_mode = "days"
    validity_days = 30

    @factory.post_generation
    def projects(self, create: bool, extracted: list[Project] | None, **kwargs: object) -> None:
        if create and extracted:
            self.projects.set(extracted)

    @factory.post_generation
    def categories(self, create: bool, extracted: list[Category] | None, **kwargs: object) -> None:
        if create and extracted:
            self.categories.set(extracted)


class CouponFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coupon

    coupon_type = factory.SubFactory(CouponTypeFactory)
    organisation = factory.LazyAttribute(lambda o: o.coupon_type.organisation)
    branch = factory.LazyAttribute(lambda o: o.customer.branch)
    code = factory.Sequence(lambda n: f"CPN{n:05d}")
    state = "issued"
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    valid_to = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))


def pricing_user(
    branch: Branch,
    perms: list[str] | None = None,
    scope: DataScope = DataScope.BRANCH,
    *,
    authority: Decimal | str | None = None,
    **kwargs: object,
) -> User:
    """A user of ``branch`` whose one role grants ``perms`` (default: preview and view
    customers) with data scope ``scope`` and, with ``authority``, that discount authority."""
    user = scoped_user(
        branch, [PREVIEW, "customers.view_customer"] if perms is None else perms, scope, **kwargs
    )
    if authority is not None:
        DiscountAuthority.objects.create(
            organisation=branch.organisation, role=user.groups.get(), min_percent=Decimal(authority)
        )
    return user
