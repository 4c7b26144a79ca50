"""Factories and helpers of the card type tests: catalog categories and projects of their own (the
project family's factories are built concurrently), card types, users and state snapshots."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import factory

from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.audit.models import AuditEvent
from medspa.catalog.choices import CardKind, ValidityMode
from medspa.catalog.models import CardType, CardTypeDiscount, CardTypeItem, Category, Project
from medspa.core.pinyin import search_key
from medspa.organization.models import Branch, Organisation
from tests.factories import OrganisationFactory
from tests.organization.factories import scoped_user

CARD_PERMS = [f"catalog.{action}_cardtype" for action in ("view", "add", "change", "delete", "export")]
PROBLEM = "application/problem+json"

# The demo codes every catalog helper relies on: (code, name, parent code)
DEMO_CATEGORIES = (
    ("INJ", "注射美容", None),
    ("INJ-HA", "玻尿酸", "INJ"),
    ("INJ-BTX", "肉毒素", "INJ"),
    ("SKIN", "皮肤管理", None),
    ("LASER", "光电美容", None),
    ("SURG", "手术整形", None),
    ("RETAIL", "零售商品", None),
)
# (code, name, category code, list price)
DEMO_PROJECTS = (
    ("P001", "玻尿酸填充-鼻部", "INJ-HA", "6800"),
    ("P002", "肉毒素除皱-额纹", "INJ-BTX", "2980"),
    ("P003", "水光针", "SKIN", "1280"),
    ("P004", "光子嫩肤", "LASER", "1680"),
    ("P005", "皮秒祛斑", "LASER", "3800"),
    ("P006", "双眼皮手术", "SURG", "12800"),
    ("P007", "小气泡清洁", "SKIN", "298"),
)


class CatalogCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"CAT{n}")
    name = factory.Sequence(lambda n: f"分类{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"PRJ{n}")
    name = factory.Sequence(lambda n: f"项目{n}")
    pinyin = factory.LazyAttribute(lambda o: search_key(o.name))
    category = factory.SubFactory(
        CatalogCategoryFactory, organisation=factory.SelfAttribute("..organisation")
    )
    list_price = Decimal("1000.00")


class CardTypeFactory(factory.django.DjangoModelFactory):
    """A card type written straight to the table (for lists and scope); rule tests use the services.
    ``projects=[(project, sessions), …]`` adds its project rows."""

    class Meta:
        model = CardType
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"CT{n:03}")
    name = factory.Sequence(lambda n: f"卡项{n}")
    pinyin = factory.LazyAttribute(lambda o: search_key(o.name))
    kind = CardKind.SESSION
    price = Decimal("1000.00")
    total_sessions = 5
    validity_mode = ValidityMode.DAYS
    validity_days = 365

    @factory.post_generation
    def projects(
        self, create: bool, extracted: list[tuple[Project, int | None]] | None, **kwargs: Any
    ) -> None:
        if not (create and extracted):
            return
        for order, (project, sessions) in enumerate(extracted):
            CardTypeItem.objects.create(card_type=self, project=project, sessions=sessions, order=order)


def demo_catalog(organisation: Organisation) -> dict[str, Any]:
    """The demo categories and projects of ``organisation`` by code (``{"SKIN": category, "P003":
    project, …}``)."""
    found: dict[str, Any] = {}
    for code, name, parent in DEMO_CATEGORIES:
        found[code] = CatalogCategoryFactory(
            organisation=organisation, code=code, name=name, parent=found.get(parent) if parent else None
        )
    for code, name, category, price in DEMO_PROJECTS:
        found[code] = ProjectFactory(
            organisation=organisation,
            code=code,
            name=name,
            category=found[category],
            list_price=Decimal(price),
        )
    return found


def card_user(
    branch: Branch, perms: list[str] | None = None, scope: DataScope = DataScope.BRANCH, **kwargs: Any
) -> User:
    """A user of ``branch`` whose one-off role grants ``perms`` (default: every card type permission)."""
    return scoped_user(branch, CARD_PERMS if perms is None else perms, scope, **kwargs)


def writes() -> int:
    """Successful audit events of the catalog module."""
    return AuditEvent.objects.filter(module="catalog", result="success").count()


def state() -> tuple[Any, ...]:
    """Everything a refused card type write must leave alone."""
    return (
        list(CardType.objects.order_by("pk").values()),
        list(CardTypeItem.objects.order_by("pk").values()),
        list(CardTypeDiscount.objects.order_by("pk").values()),
        writes(),
    )


def send(client: Any, method: str, url: str, body: Any = None) -> Any:
    return getattr(client, method)(
        url, data=json.dumps(body, default=str) if body is not None else None, content_type="application/json"
    )


def errors_of(response: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["message"]) for e in response.json()["errors"]]
