"""Small factories for the policy tests (discount rules, discount authority, commission plans) and
the catalog rows they point at. Rows are built directly; the services under test are called
explicitly by the tests.

- ``PolicyCategoryFactory(organisation=o, parent=p)`` — a catalog category.
- ``PolicyProjectFactory(category=c)`` / ``PolicyProductFactory(category=c)`` /
  ``PolicyCardTypeFactory(organisation=o)`` — the organisation follows the category.
- ``DiscountRuleFactory(project=p, min_percent=80)``, ``DiscountAuthorityFactory(role=g)``,
  ``CommissionPlanFactory(position=p)`` (sales, 3 % of cash, on everything, from 2026-01-01).
- ``policy_user(branch, perms)`` — a user whose one role (of the branch's organisation) grants
  ``perms``; ``POLICY_PERMS`` is every policy permission.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth.models import Group

from medspa.accounts.choices import DataScope
from medspa.accounts.models import RoleProfile, User
from medspa.accounts.roles import ensure_builtin_roles
from medspa.audit.models import AuditEvent
from medspa.catalog.choices import CardKind, CommissionBasis, CommissionKind
from medspa.catalog.models import (
    CardType,
    Category,
    CommissionPlan,
    DiscountAuthority,
    DiscountRule,
    Product,
    Project,
)
from medspa.organization.models import Branch, Organisation
from tests.factories import OrganisationFactory
from tests.inventory.factories import ItemFactory
from tests.inventory.support import scoped_user
from tests.organization.factories import PositionFactory

PROBLEM = "application/problem+json"
POLICY_MODELS = ("discountrule", "discountauthority", "commissionplan")
POLICY_PERMS = [
    f"catalog.{action}_{model}"
    for model in POLICY_MODELS
    for action in ("view", "add", "change", "delete", "export")
]
START = datetime.date(2026, 1, 1)

__all__ = [
    "POLICY_PERMS",
    "PROBLEM",
    "START",
    "CommissionPlanFactory",
    "DiscountAuthorityFactory",
    "DiscountRuleFactory",
    "PolicyCardTypeFactory",
    "PolicyCategoryFactory",
    "PolicyProductFactory",
    "PolicyProjectFactory",
    "PositionFactory",
    "builtin_role",
    "errors_of",
    "org_role",
    "policy_user",
    "send",
    "state",
]


class PolicyCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    organisation = factory.SubFactory(OrganisationFactory)
    parent = None
    code = factory.Sequence(lambda n: f"CAT{n:03d}")
    name = factory.Sequence(lambda n: f"分类{n}")


class PolicyProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    category = factory.SubFactory(PolicyCategoryFactory)
    organisation = factory.LazyAttribute(lambda o: o.category.organisation)
    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"项目{n}")
    pinyin = factory.Sequence(lambda n: f"xiangmu{n} xm{n}")
    list_price = Decimal("1000.00")


class PolicyProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    category = factory.SubFactory(PolicyCategoryFactory)
    organisation = factory.LazyAttribute(lambda o: o.category.organisation)
    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.Sequence(lambda n: f"产品{n}")
    item = factory.LazyAttribute(lambda o: ItemFactory(organisation=o.organisation))
    retail_price = Decimal("198.00")


class PolicyCardTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CardType

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"CARD{n:03d}")
    name = factory.Sequence(lambda n: f"储值卡{n}")
    kind = CardKind.STORED_VALUE
    price = Decimal("5000.00")


class DiscountRuleFactory(factory.django.DjangoModelFactory):
    """A rule on ``project`` (or ``product`` / ``category``: pass one), lowest 80 %."""

    class Meta:
        model = DiscountRule

    project = None
    product = None
    category = None
    organisation = factory.LazyAttribute(
        lambda o: (o.project or o.product or o.category).organisation  # type: ignore[union-attr]
    )
    never_discount = False
    min_percent = Decimal("80.00")


class DiscountAuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DiscountAuthority

    organisation = factory.SubFactory(OrganisationFactory)
    role = None
    min_percent = Decimal("90.00")


class CommissionPlanFactory(factory.django.DjangoModelFactory):
    """Sales commission, 3 % of cash performance, on everything, from 2026-01-01, open-ended."""

    class Meta:
        model = CommissionPlan

    position = factory.SubFactory(PositionFactory)
    organisation = factory.LazyAttribute(lambda o: o.position.organisation)
    name = factory.Sequence(lambda n: f"提成方案{n}")
    kind = CommissionKind.SALES
    basis = CommissionBasis.CASH
    rate_percent = Decimal("3.00")
    fixed_amount = None
    effective_from = START
    effective_to = None
    is_active = True


def policy_user(branch: Branch, perms: list[str] | None = None, username: str | None = None) -> User:
    """A user of ``branch`` whose one role of the organisation grants ``perms`` (default: all)."""
    policy_user.counter += 1  # type: ignore[attr-defined]
    name = username or f"policy{policy_user.counter}"  # type: ignore[attr-defined]
    return scoped_user(name, branch, POLICY_PERMS if perms is None else perms, scope=DataScope.OWN)


policy_user.counter = 0  # type: ignore[attr-defined]


def builtin_role(key: str) -> Group:
    """A built-in role by ``builtin_key`` (created when the database has none, as with
    ``--nomigrations``)."""
    if not RoleProfile.objects.filter(builtin_key=key).exists():
        ensure_builtin_roles()
    return RoleProfile.objects.select_related("group").get(builtin_key=key).group


def org_role(organisation: Organisation | None, name: str, description: str = "") -> Group:
    """A role (Group with a RoleProfile) of ``organisation`` (None: shared like a built-in one)."""
    group = Group.objects.create(name=name)
    RoleProfile.objects.create(group=group, organisation=organisation, description=description)
    return group


def state() -> tuple[Any, ...]:
    """Everything a refused policy write must leave alone."""
    return (
        list(DiscountRule.objects.order_by("pk").values()),
        list(DiscountAuthority.objects.order_by("pk").values()),
        list(CommissionPlan.objects.order_by("pk").values()),
        AuditEvent.objects.filter(module="catalog", result="success").count(),
    )


def send(client: Any, method: str, url: str, body: Any = None) -> Any:
    return getattr(client, method)(
        url, data=json.dumps(body) if body is not None else None, content_type="application/json"
    )


def errors_of(response: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["message"]) for e in response.json()["errors"]]
