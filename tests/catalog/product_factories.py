"""Factories and helpers of the product and package tests (CAT-02, CAT-03). Rows are built directly
(fast); the tests of the services go through ``medspa.catalog.product_services``.

- ``CatalogCategoryFactory(organisation=o)`` — a root catalog category (``parent=`` for a child).
- ``ProjectFactory(organisation=o, list_price=...)`` — an active project in a category of ``o``.
- ``ProductFactory(organisation=o)`` — an active product selling a new inventory item (base unit
  支) per its base unit; ``pack_unit=`` sells it per a pack unit of that item.
- ``PackageFactory(organisation=o)`` + ``PackageComponentFactory(package=p, project=...)`` — raw
  rows (list counts); real packages are made with ``product_services.package_create``.
- ``catalog_user(branch, perms)`` — a user of ``branch`` with the permissions (default: all of
  products and packages) through a role with organisation scope.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import factory

from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.audit.models import AuditEvent
from medspa.catalog.choices import ComponentKind
from medspa.catalog.models import Category, Package, PackageComponent, Product, Project
from medspa.core.pinyin import search_key
from medspa.organization.models import Branch
from tests.factories import OrganisationFactory
from tests.inventory.factories import ItemFactory
from tests.organization.factories import scoped_user

PRODUCT_PERMS = [f"catalog.{action}_product" for action in ("view", "add", "change", "delete", "export")]
PACKAGE_PERMS = [f"catalog.{action}_package" for action in ("view", "add", "change", "delete", "export")]
ALL_PERMS = PRODUCT_PERMS + PACKAGE_PERMS
PROBLEM = "application/problem+json"


class CatalogCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    organisation = factory.SubFactory(OrganisationFactory)
    parent = None
    code = factory.Sequence(lambda n: f"CAT{n:03d}")
    name = factory.Sequence(lambda n: f"类别{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"P{n:04d}")
    name = factory.Sequence(lambda n: f"项目{n}")
    pinyin = factory.LazyAttribute(lambda o: search_key(o.name))
    category = factory.SubFactory(
        CatalogCategoryFactory, organisation=factory.SelfAttribute("..organisation")
    )
    list_price = Decimal("1000.00")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"R{n:04d}")
    name = factory.Sequence(lambda n: f"产品{n}")
    pinyin = factory.LazyAttribute(lambda o: search_key(o.name))
    category = factory.SubFactory(
        CatalogCategoryFactory, organisation=factory.SelfAttribute("..organisation")
    )
    item = factory.SubFactory(ItemFactory, organisation=factory.SelfAttribute("..organisation"))
    pack_unit = None
    retail_price = Decimal("100.00")


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"PKG{n:04d}")
    name = factory.Sequence(lambda n: f"套餐{n}")
    pinyin = factory.LazyAttribute(lambda o: search_key(o.name))
    category = None
    price = Decimal("1000.00")
    validity_days = None


class PackageComponentFactory(factory.django.DjangoModelFactory):
    """A project component at its project's list price, the whole package price allocated to it
    (give ``allocated_amount=`` for packages of several components)."""

    class Meta:
        model = PackageComponent

    package = factory.SubFactory(PackageFactory)
    kind = ComponentKind.PROJECT
    project = factory.SubFactory(ProjectFactory, organisation=factory.SelfAttribute("..package.organisation"))
    product = None
    quantity = 1
    list_price = factory.LazyAttribute(
        lambda o: o.project.list_price if o.project else o.product.retail_price
    )
    allocated_amount = factory.LazyAttribute(lambda o: o.package.price)


def catalog_user(branch: Branch, perms: list[str] | None = None, **kwargs: Any) -> User:
    """A user of ``branch`` whose one-off role grants ``perms`` (default: every product and
    package permission), organisation scope."""
    return scoped_user(branch, ALL_PERMS if perms is None else perms, DataScope.ORGANISATION, **kwargs)


def writes() -> int:
    """Successful audit events of the catalog module."""
    return AuditEvent.objects.filter(module="catalog", result="success").count()


def rows(model: type) -> list[dict[str, Any]]:
    return list(model.objects.order_by("pk").values())


def state() -> tuple[Any, ...]:
    """Everything a refused product or package write must leave alone."""
    return (rows(Product), rows(Package), rows(PackageComponent), writes())


def send(client: Any, method: str, url: str, body: Any = None) -> Any:
    """An API request in English (``Accept-Language: en``), so messages compare as written."""
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )


def errors_of(response: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["message"]) for e in response.json()["errors"]]
