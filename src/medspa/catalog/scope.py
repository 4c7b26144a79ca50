"""Shared reads for the catalog families: catalog data belongs to an organisation, so the data
scope of every catalog definition (categories, projects, products, packages, card types, coupon
types, promotions, rules, plans) is the actor's organisation. Another organisation's rows are
not found."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model, QuerySet

from medspa.accounts.models import User
from medspa.accounts.scope import actor_organisation_id
from medspa.catalog.models import Category
from medspa.core.errors import NotFound

__all__ = ["category_ancestor_ids", "category_subtree_ids", "organisation_get", "organisation_objects"]


def organisation_objects[M: Model](actor: User, model: type[M]) -> QuerySet[M]:
    """Rows of ``model`` (which has an ``organisation`` field) in the actor's organisation."""
    return model._default_manager.filter(organisation_id=actor_organisation_id(actor))


def organisation_get[M: Model](actor: User, model: type[M], pk: int) -> M:
    """One row of the actor's organisation; :class:`NotFound` for a missing pk and for another
    organisation's row alike."""
    obj = organisation_objects(actor, model).filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def category_subtree_ids(organisation_id: int, category_ids: Iterable[int]) -> set[int]:
    """The given categories and every category below them (one query per tree level)."""
    found: set[int] = set()
    frontier = {int(pk) for pk in category_ids}
    while frontier:
        found |= frontier
        frontier = (
            set(
                Category.objects.filter(organisation_id=organisation_id, parent_id__in=frontier).values_list(
                    "pk", flat=True
                )
            )
            - found
        )
    return found


def category_ancestor_ids(organisation_id: int, category_id: int) -> list[int]:
    """``category_id`` and its ancestors, nearest first (one query for the organisation's tree)."""
    parents = dict(Category.objects.filter(organisation_id=organisation_id).values_list("pk", "parent_id"))
    chain: list[int] = []
    current: int | None = category_id
    while current is not None and current in parents and current not in chain:
        chain.append(current)
        current = parents[current]
    return chain
