"""Reads for branches, departments, positions and staff, restricted by the data scope (PLT-05)."""

from __future__ import annotations

from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, LPad

from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.accounts.scope import active_branch_id, effective_scope, scope_queryset
from medspa.core.errors import NotFound
from medspa.core.trees import tree_depth, tree_path
from medspa.organization.models import Branch, Department, Position, Staff

# The deepest ancestor the department list loads (services cap the depth of the tree at 5 levels).
_ANCESTORS = ("parent", "parent__parent", "parent__parent__parent", "parent__parent__parent__parent")


def branches_for(actor: User) -> QuerySet[Branch]:
    """Every branch of the actor's organisation (branches are organisation-level data)."""
    queryset = Branch.objects.order_by("code", "pk")
    return scope_queryset(queryset, actor, branch=None, organisation="organisation")


def branch_get_for(actor: User, pk: int) -> Branch:
    branch = branches_for(actor).filter(pk=pk).first()
    if branch is None:
        raise NotFound()
    return branch


def writable_branches_for(actor: User) -> QuerySet[Branch]:
    """Active branches the actor may record branch data in: every one with organisation scope,
    else only the active branch (the services apply the same rule)."""
    queryset = branches_for(actor).filter(is_active=True)
    if effective_scope(actor) != DataScope.ORGANISATION:
        branch_id = active_branch_id(actor)
        return queryset.filter(pk=branch_id) if branch_id is not None else queryset.none()
    return queryset


def _tree_segment(path: str = "") -> Case | Concat:
    """``0000000003injection/`` for one level: the sibling order, zero-padded, then the code;
    ``""`` where the ancestor does not exist."""
    prefix = f"{path}__" if path else ""
    segment = Concat(
        LPad(Cast(F(f"{prefix}order"), output_field=CharField()), 10, Value("0")),
        F(f"{prefix}code"),
        Value("/"),
        output_field=CharField(),
    )
    if not path:
        return segment
    return Case(When(**{f"{path}__isnull": True}, then=Value("")), default=segment, output_field=CharField())


def departments_for(actor: User) -> QuerySet[Department]:
    """Departments of the branches the actor sees: organisation scope — every branch; narrower
    scopes — the active branch. A department tree is the branch's reference data, so the
    department and own scopes also see the whole tree of their branch.

    Each row carries ``tree_key`` (root-to-row path of order+code) to list the tree in order and
    its ancestors through ``select_related``, so paths render without further queries."""
    queryset = Department.objects.select_related("branch", *_ANCESTORS).annotate(
        tree_key=Concat(
            *(_tree_segment(path) for path in reversed(_ANCESTORS)),
            _tree_segment(),
            output_field=CharField(),
        )
    )
    queryset = queryset.order_by("branch__code", "tree_key", "pk")
    return scope_queryset(queryset, actor, branch="branch", reference=True)


def department_get_for(actor: User, pk: int) -> Department:
    department = departments_for(actor).filter(pk=pk).first()
    if department is None:
        raise NotFound()
    return department


def department_path(department: Department | None, separator: str = " / ") -> str:
    """``医学美容科 / 注射美容组`` from the ancestors loaded by :func:`departments_for`."""
    return tree_path(department, separator)


def department_depth(department: Department) -> int:
    return tree_depth(department)


def positions_for(actor: User) -> QuerySet[Position]:
    """The positions of the actor's organisation (organisation-level data)."""
    queryset = Position.objects.order_by("order", "code", "pk")
    return scope_queryset(queryset, actor, branch=None, organisation="organisation")


def position_get_for(actor: User, pk: int) -> Position:
    position = positions_for(actor).filter(pk=pk).first()
    if position is None:
        raise NotFound()
    return position


def staff_for(actor: User) -> QuerySet[Staff]:
    """Staff the actor may see: organisation — every branch; branch — the active branch;
    department — the actor's department and those below it; own — the actor's own record."""
    queryset = (
        Staff.objects.select_related("branch", "department__parent", "user")
        .prefetch_related("positions")
        .order_by("employee_no", "pk")
    )
    # The staff row's owner is the account linked to it (the reverse one-to-one User.staff).
    return scope_queryset(
        queryset, actor, branch="branch", organisation="organisation", department="department", owner="user"
    )


def staff_get_for(actor: User, pk: int) -> Staff:
    staff = staff_for(actor).filter(pk=pk).first()
    if staff is None:
        raise NotFound()
    return staff
