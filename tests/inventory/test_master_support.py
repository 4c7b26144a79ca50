"""Helpers shared by the inventory master-data tests (users, state snapshots); no tests of its own."""

from __future__ import annotations

import json
from typing import Any

from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.audit.models import AuditEvent
from medspa.inventory.models import (
    Bin,
    Certificate,
    Company,
    Item,
    ItemBarcode,
    ItemCategory,
    PackUnit,
    StockLevel,
    Warehouse,
)
from medspa.organization.models import Branch
from tests.organization.factories import scoped_user

MODELS = (
    "warehouse",
    "bin",
    "itemcategory",
    "item",
    "packunit",
    "itembarcode",
    "stocklevel",
    "company",
    "certificate",
)
ALL_PERMS = [
    f"inventory.{action}_{model}" for model in MODELS for action in ("view", "add", "change", "delete")
]
PROBLEM = "application/problem+json"


def master_user(
    branch: Branch, perms: list[str] | None = None, scope: DataScope = DataScope.BRANCH, **kwargs: Any
) -> User:
    """A user of ``branch`` whose one-off role grants ``perms`` (default: all master-data
    permissions) with data scope ``scope``."""
    return scoped_user(branch, ALL_PERMS if perms is None else perms, scope, **kwargs)


def writes() -> int:
    """Successful audit events of the inventory module."""
    return AuditEvent.objects.filter(module="inventory", result="success").count()


def rows(model: type) -> list[dict[str, Any]]:
    return list(model.objects.order_by("pk").values())


def state() -> tuple[Any, ...]:
    """Everything a refused master-data write must leave alone."""
    return (
        *(rows(m) for m in (Warehouse, Bin, ItemCategory, Item, PackUnit, ItemBarcode, StockLevel, Company)),
        rows(Certificate),
        writes(),
    )


def send(client: Any, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers or {},
    )


def errors_of(response: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["message"]) for e in response.json()["errors"]]
