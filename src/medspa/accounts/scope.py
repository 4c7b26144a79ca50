"""Data scope (数据权限) — PLT-05. One helper that every selector uses to restrict a queryset.

A user's effective scope is the widest scope of its roles (a superuser: the organisation).

* organisation — every branch of the user's organisation;
* branch — the user's active branch;
* department — the active branch, and rows whose department is the user's department or one
  below it (a model without a department field falls back to ``own`` if it has an owner field);
* own — the active branch, and rows the user owns (a model without an owner field: nothing).

A model with neither a department nor an owner field is seen branch-wide at department scope.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from medspa.accounts.choices import DataScope
from medspa.core.errors import PermissionDenied

M = TypeVar("M", bound=Model)


def effective_scope(actor: Any) -> DataScope | None:
    """The widest data scope of the actor's roles; ``None`` for anonymous or inactive users."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    if actor.is_superuser:
        return DataScope.ORGANISATION
    cached = getattr(actor, "_data_scope_cache", None)
    if cached is None:
        from medspa.accounts.models import RoleProfile

        scopes = RoleProfile.objects.filter(group__user=actor).values_list("data_scope", flat=True)
        cached = DataScope(max(scopes, default=DataScope.OWN))
        actor._data_scope_cache = cached
    return cached


def require_perm(actor: Any, perm: str) -> None:
    """Services call this first: an inactive account or one without ``perm`` is refused."""
    if not actor.is_active or not actor.has_perm(perm):
        raise PermissionDenied()


def actor_organisation_id(actor: Any) -> int:
    """The organisation the actor works in; an account without one may change nothing."""
    if actor.organisation_id is None:
        raise PermissionDenied(_("Your account belongs to no organisation."))
    return int(actor.organisation_id)


def active_branch_id(actor: Any) -> int | None:
    """The branch the actor works in now: set per request by the middleware (session choice) or
    the API authentication, else the default branch, else none."""
    chosen = getattr(actor, "active_branch_id", None)
    if chosen:
        return int(chosen)
    return getattr(actor, "default_branch_id", None)


def department_ids(actor: Any) -> list[int]:
    """The actor's department and every department below it."""
    cached = getattr(actor, "_department_ids_cache", None)
    if cached is not None:
        return cached
    from medspa.organization.models import Department, Staff

    root = Staff.objects.filter(user=actor).values_list("department_id", flat=True).first()
    ids: list[int] = []
    if root is not None:
        ids = [root]
        frontier = [root]
        while frontier:
            frontier = list(Department.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids.extend(frontier)
    actor._department_ids_cache = ids
    return ids


def scope_queryset[M: Model](
    queryset: QuerySet[M],
    actor: Any,
    *,
    branch: str | None = "branch",
    organisation: str | None = None,
    department: str | None = None,
    owner: str | None = None,
    reference: bool = False,
) -> QuerySet[M]:
    """Restrict ``queryset`` to what ``actor`` may see.

    ``branch``, ``organisation``, ``department`` and ``owner`` name the model's fields (paths
    allowed) that hold its branch, organisation, department and owning *user*; pass ``None`` for a
    field the model does not have. ``organisation`` defaults to ``<branch>__organisation``.
    ``reference=True`` marks a branch's reference data (departments, rooms …): the narrower scopes
    see all of it in the active branch.
    """
    scope = effective_scope(actor)
    if scope is None:
        return queryset.none()
    org_path = organisation or (f"{branch}__organisation" if branch else None)
    if org_path is None:
        raise ValueError("scope_queryset needs a branch or an organisation field")
    if actor.organisation_id is not None:
        queryset = queryset.filter(**{org_path: actor.organisation_id})
    elif not actor.is_superuser:
        return queryset.none()
    if scope == DataScope.ORGANISATION or branch is None:
        return queryset
    queryset = queryset.filter(**{branch: active_branch_id(actor)})
    if scope == DataScope.BRANCH or reference:
        return queryset
    if scope == DataScope.DEPARTMENT and department is not None:
        return queryset.filter(**{f"{department}__in": department_ids(actor)})
    if owner is not None:
        return queryset.filter(**{owner: actor.pk})
    if scope == DataScope.DEPARTMENT:
        return queryset
    return queryset.none()
