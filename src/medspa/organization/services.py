"""Writes for branches, departments, positions and staff (PLT-01, PLT-02).

Every service checks the permission first, validates everything before it writes, and records
one audit event (module ``organization``) inside its transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.accounts.scope import active_branch_id, actor_organisation_id, effective_scope, require_perm
from medspa.audit.services import audit_record, diff, snapshot
from medspa.core.errors import Conflict, NotFound, ValidationError
from medspa.core.validation import clean_code, clean_order, clean_text, save_unique
from medspa.organization import selectors
from medspa.organization.models import Branch, Department, Position, Staff
from medspa.organization.phones import normalize_phone

__all__ = [
    "MAX_DEPARTMENT_DEPTH",
    "branch_create",
    "branch_deactivate",
    "branch_update",
    "department_create",
    "department_deactivate",
    "department_update",
    "normalize_phone",
    "position_create",
    "position_deactivate",
    "position_update",
    "staff_create",
    "staff_deactivate",
    "staff_update",
]

MODULE = "organization"
MAX_DEPARTMENT_DEPTH = 5  # levels, the root included; the list's tree ordering relies on it

BRANCH_FIELDS = ("code", "name", "address", "phone", "is_active")
DEPARTMENT_FIELDS = ("branch", "parent", "code", "name", "order", "is_active")
POSITION_FIELDS = ("code", "name", "order", "is_active")
STAFF_FIELDS = (
    "branch",
    "employee_no",
    "name",
    "phone",
    "department",
    "positions",
    "hire_date",
    "is_active",
)


# --- shared checks -----------------------------------------------------------------------------


def _writable_branch(actor: User, branch_id: int | None) -> Branch:
    """The branch a new or moved record goes to: the given one (organisation scope: any active
    branch of the organisation; narrower scopes: only the active branch), default the active one."""
    organisation_id = actor_organisation_id(actor)
    current = active_branch_id(actor)
    if branch_id is None:
        branch_id = current
        if branch_id is None:
            raise ValidationError(_("Choose a branch: you work in no branch."), field="branch")
    branch = Branch.objects.filter(pk=branch_id, organisation_id=organisation_id).first()
    if branch is None:
        raise ValidationError(_("That branch does not exist."), field="branch")
    if effective_scope(actor) != DataScope.ORGANISATION and branch.pk != current:
        raise ValidationError(_("You may only record data in the branch you work in."), field="branch")
    if not branch.is_active:
        raise ValidationError(_("That branch is deactivated."), field="branch")
    return branch


def _locked(queryset: Any, pk: int) -> Any:
    """Fetch one row of a scoped queryset under ``SELECT … FOR UPDATE``; NotFound outside it."""
    obj = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def _audit(actor: User, action: str, obj: Model, before: dict[str, Any], fields: Iterable[str]) -> None:
    changes = diff(before, snapshot(obj, fields))
    branch_id = obj.pk if isinstance(obj, Branch) else None
    audit_record(actor=actor, module=MODULE, action=action, obj=obj, changes=changes, branch_id=branch_id)


def _deactivate(actor: User, obj: Any, fields: Iterable[str]) -> None:
    before = snapshot(obj, fields)
    obj.is_active = False
    obj.updated_by = actor
    obj.save(update_fields=["is_active", "updated_by", "updated_at"])
    _audit(actor, "deactivate", obj, before, fields)


# --- branches ----------------------------------------------------------------------------------


def _branch_values(
    organisation_id: int, code: str, name: str, address: str, phone: str, exclude_pk: int | None = None
) -> dict[str, str]:
    code = clean_code(code)
    taken = Branch.objects.filter(organisation_id=organisation_id, code__iexact=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(_("Branch code %(code)s is already in use.") % {"code": code}, field="code")
    address = (address or "").strip()
    if len(address) > 200:
        raise ValidationError(_("The address may have at most 200 characters."), field="address")
    return {
        "code": code,
        "name": clean_text(name, field="name", max_length=100, label=_("name")),
        "address": address,
        "phone": normalize_phone(phone),
    }


@transaction.atomic(durable=True)
def branch_create(*, actor: User, code: str, name: str, address: str = "", phone: str = "") -> Branch:
    """A new branch (院区/门店) of the actor's organisation."""
    require_perm(actor, "organization.add_branch")
    organisation_id = actor_organisation_id(actor)
    values = _branch_values(organisation_id, code, name, address, phone)
    branch = Branch(organisation_id=organisation_id, created_by=actor, updated_by=actor, **values)
    save_unique(branch, field="code", message=_("Branch code %(code)s is already in use.") % values)
    _audit(actor, "create", branch, {}, BRANCH_FIELDS)
    return branch


@transaction.atomic(durable=True)
def branch_update(
    *, actor: User, branch_id: int, code: str, name: str, address: str = "", phone: str = ""
) -> Branch:
    require_perm(actor, "organization.change_branch")
    branch: Branch = _locked(selectors.branches_for(actor), branch_id)
    before = snapshot(branch, BRANCH_FIELDS)
    values = _branch_values(branch.organisation_id, code, name, address, phone, exclude_pk=branch.pk)
    for key, value in values.items():
        setattr(branch, key, value)
    branch.updated_by = actor
    save_unique(branch, field="code", message=_("Branch code %(code)s is already in use.") % values)
    _audit(actor, "update", branch, before, BRANCH_FIELDS)
    return branch


@transaction.atomic(durable=True)
def branch_deactivate(*, actor: User, branch_id: int) -> Branch:
    """Deactivate a branch; the organisation's last active branch cannot be deactivated."""
    require_perm(actor, "organization.delete_branch")
    branch: Branch = _locked(selectors.branches_for(actor), branch_id)
    if not branch.is_active:
        return branch
    others = Branch.objects.filter(organisation_id=branch.organisation_id, is_active=True).exclude(
        pk=branch.pk
    )
    if not others.exists():
        raise Conflict(_("This is the organisation's last active branch; it cannot be deactivated."))
    _deactivate(actor, branch, BRANCH_FIELDS)
    return branch


# --- departments -------------------------------------------------------------------------------


def _ancestor_ids(department: Department) -> list[int]:
    """``department`` and its ancestors' ids, nearest first."""
    ids = [department.pk]
    parent_id = department.parent_id
    while parent_id is not None and parent_id not in ids:
        ids.append(parent_id)
        parent_id = Department.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    return ids


def _subtree_height(department_id: int) -> int:
    """Levels in the subtree under ``department_id`` (the department itself counts as 1)."""
    height, frontier = 1, [department_id]
    while True:
        frontier = list(Department.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        if not frontier:
            return height
        height += 1


def _parent(actor: User, parent_id: int | None, branch: Branch, moving_id: int | None) -> Department | None:
    if parent_id is None:
        return None
    parent = selectors.departments_for(actor).filter(pk=parent_id).first()
    if parent is None:
        raise ValidationError(_("That parent department does not exist."), field="parent")
    if parent.branch_id != branch.pk:
        raise ValidationError(_("The parent department must belong to the same branch."), field="parent")
    if not parent.is_active:
        raise ValidationError(_("The parent department is deactivated."), field="parent")
    ancestors = _ancestor_ids(parent)
    if moving_id is not None and moving_id in ancestors:
        raise ValidationError(
            _("A department cannot be placed under itself or one of its sub-departments."), field="parent"
        )
    height = _subtree_height(moving_id) if moving_id is not None else 1
    if len(ancestors) + height > MAX_DEPARTMENT_DEPTH:
        raise ValidationError(
            _("Departments may be nested at most %(max)s levels deep.") % {"max": MAX_DEPARTMENT_DEPTH},
            field="parent",
        )
    return parent


def _department_code(branch: Branch, code: str, exclude_pk: int | None = None) -> str:
    code = clean_code(code)
    taken = Department.objects.filter(branch=branch, code__iexact=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            _("Department code %(code)s is already in use in this branch.") % {"code": code}, field="code"
        )
    return code


@transaction.atomic(durable=True)
def department_create(
    *,
    actor: User,
    code: str,
    name: str,
    parent_id: int | None = None,
    order: int = 0,
    branch_id: int | None = None,
) -> Department:
    """A department (科室) in ``branch_id`` (default: the actor's active branch), optionally
    under a parent department of the same branch."""
    require_perm(actor, "organization.add_department")
    branch = _writable_branch(actor, branch_id)
    code = _department_code(branch, code)
    department = Department(
        branch=branch,
        parent=_parent(actor, parent_id, branch, None),
        code=code,
        name=clean_text(name, field="name", max_length=100, label=_("name")),
        order=clean_order(order),
        created_by=actor,
        updated_by=actor,
    )
    save_unique(
        department,
        field="code",
        message=_("Department code %(code)s is already in use in this branch.") % {"code": code},
    )
    _audit(actor, "create", department, {}, DEPARTMENT_FIELDS)
    return department


@transaction.atomic(durable=True)
def department_update(
    *, actor: User, department_id: int, code: str, name: str, parent_id: int | None = None, order: int = 0
) -> Department:
    """Rename, re-code, re-order or move a department within its branch (no cycles)."""
    require_perm(actor, "organization.change_department")
    department: Department = _locked(selectors.departments_for(actor), department_id)
    before = snapshot(department, DEPARTMENT_FIELDS)
    code = _department_code(department.branch, code, exclude_pk=department.pk)
    department.parent = _parent(actor, parent_id, department.branch, department.pk)
    department.code = code
    department.name = clean_text(name, field="name", max_length=100, label=_("name"))
    department.order = clean_order(order)
    department.updated_by = actor
    save_unique(
        department,
        field="code",
        message=_("Department code %(code)s is already in use in this branch.") % {"code": code},
    )
    _audit(actor, "update", department, before, DEPARTMENT_FIELDS)
    return department


@transaction.atomic(durable=True)
def department_deactivate(*, actor: User, department_id: int) -> Department:
    """Deactivate a department that has no active sub-departments and no active staff."""
    require_perm(actor, "organization.delete_department")
    department: Department = _locked(selectors.departments_for(actor), department_id)
    if not department.is_active:
        return department
    children = Department.objects.filter(parent=department, is_active=True).count()
    if children:
        raise Conflict(_("Deactivate its %(count)s active sub-departments first.") % {"count": children})
    staff = Staff.objects.filter(department=department, is_active=True).count()
    if staff:
        raise Conflict(_("Move or deactivate its %(count)s active staff members first.") % {"count": staff})
    _deactivate(actor, department, DEPARTMENT_FIELDS)
    return department


# --- positions ---------------------------------------------------------------------------------


def _position_code(organisation_id: int, code: str, exclude_pk: int | None = None) -> str:
    code = clean_code(code)
    taken = Position.objects.filter(organisation_id=organisation_id, code__iexact=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(_("Position code %(code)s is already in use.") % {"code": code}, field="code")
    return code


@transaction.atomic(durable=True)
def position_create(*, actor: User, code: str, name: str, order: int = 0) -> Position:
    """A job position (职位) of the actor's organisation."""
    require_perm(actor, "organization.add_position")
    organisation_id = actor_organisation_id(actor)
    code = _position_code(organisation_id, code)
    position = Position(
        organisation_id=organisation_id,
        code=code,
        name=clean_text(name, field="name", max_length=100, label=_("name")),
        order=clean_order(order),
        created_by=actor,
        updated_by=actor,
    )
    save_unique(
        position, field="code", message=_("Position code %(code)s is already in use.") % {"code": code}
    )
    _audit(actor, "create", position, {}, POSITION_FIELDS)
    return position


@transaction.atomic(durable=True)
def position_update(*, actor: User, position_id: int, code: str, name: str, order: int = 0) -> Position:
    require_perm(actor, "organization.change_position")
    position: Position = _locked(selectors.positions_for(actor), position_id)
    before = snapshot(position, POSITION_FIELDS)
    position.code = _position_code(position.organisation_id, code, exclude_pk=position.pk)
    position.name = clean_text(name, field="name", max_length=100, label=_("name"))
    position.order = clean_order(order)
    position.updated_by = actor
    save_unique(
        position,
        field="code",
        message=_("Position code %(code)s is already in use.") % {"code": position.code},
    )
    _audit(actor, "update", position, before, POSITION_FIELDS)
    return position


@transaction.atomic(durable=True)
def position_deactivate(*, actor: User, position_id: int) -> Position:
    """Deactivate a position: it can no longer be given; staff who hold it keep it."""
    require_perm(actor, "organization.delete_position")
    position: Position = _locked(selectors.positions_for(actor), position_id)
    if not position.is_active:
        return position
    _deactivate(actor, position, POSITION_FIELDS)
    return position


# --- staff -------------------------------------------------------------------------------------


def _employee_no(organisation_id: int, value: str, exclude_pk: int | None = None) -> str:
    employee_no = clean_text(value, field="employee_no", max_length=32, label=_("employee no"))
    taken = Staff.objects.filter(organisation_id=organisation_id, employee_no__iexact=employee_no)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            _("Employee no %(no)s is already in use.") % {"no": employee_no}, field="employee_no"
        )
    return employee_no


def _staff_department(actor: User, department_id: int | None, branch: Branch) -> Department | None:
    if department_id is None:
        return None
    department = Department.objects.filter(
        pk=department_id, branch__organisation_id=branch.organisation_id
    ).first()
    if department is None:
        raise ValidationError(_("That department does not exist."), field="department")
    if department.branch_id != branch.pk:
        raise ValidationError(
            _("The department must belong to the staff member's branch."), field="department"
        )
    if not department.is_active:
        raise ValidationError(_("That department is deactivated."), field="department")
    return department


def _staff_positions(
    organisation_id: int, position_ids: Iterable[int], keep: Iterable[int] = ()
) -> list[Position]:
    """Active positions of the organisation (positions a staff member already holds may stay even
    when deactivated since)."""
    wanted = set(position_ids)
    found = list(Position.objects.filter(organisation_id=organisation_id, pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError(_("One of the positions does not exist."), field="positions")
    kept = set(keep)
    if any(not p.is_active and p.pk not in kept for p in found):
        raise ValidationError(_("One of the positions is deactivated."), field="positions")
    return found


def _staff_message(employee_no: str) -> str:
    return _("Employee no %(no)s is already in use.") % {"no": employee_no}


@transaction.atomic(durable=True)
def staff_create(
    *,
    actor: User,
    employee_no: str,
    name: str,
    phone: str = "",
    position_ids: Iterable[int] = (),
    department_id: int | None = None,
    hire_date: datetime.date | None = None,
    branch_id: int | None = None,
) -> Staff:
    """A staff record (职员资料) in ``branch_id`` (default: the actor's active branch)."""
    require_perm(actor, "organization.add_staff")
    branch = _writable_branch(actor, branch_id)
    organisation_id = branch.organisation_id
    staff = Staff(
        organisation_id=organisation_id,
        branch=branch,
        employee_no=_employee_no(organisation_id, employee_no),
        name=clean_text(name, field="name", max_length=50, label=_("name")),
        phone=normalize_phone(phone),
        department=_staff_department(actor, department_id, branch),
        hire_date=hire_date,
        created_by=actor,
        updated_by=actor,
    )
    positions = _staff_positions(organisation_id, position_ids)
    save_unique(staff, field="employee_no", message=_staff_message(staff.employee_no))
    staff.positions.set(positions)
    _audit(actor, "create", staff, {}, STAFF_FIELDS)
    return staff


@transaction.atomic(durable=True)
def staff_update(
    *,
    actor: User,
    staff_id: int,
    employee_no: str,
    name: str,
    phone: str = "",
    position_ids: Iterable[int] = (),
    department_id: int | None = None,
    hire_date: datetime.date | None = None,
    branch_id: int | None = None,
) -> Staff:
    """Change a staff record within the actor's data scope. ``branch_id`` None keeps the branch;
    moving to another branch needs organisation scope."""
    require_perm(actor, "organization.change_staff")
    staff: Staff = _locked(selectors.staff_for(actor), staff_id)
    before = snapshot(staff, STAFF_FIELDS)
    branch = staff.branch if branch_id in (None, staff.branch_id) else _writable_branch(actor, branch_id)
    staff.employee_no = _employee_no(staff.organisation_id, employee_no, exclude_pk=staff.pk)
    staff.name = clean_text(name, field="name", max_length=50, label=_("name"))
    staff.phone = normalize_phone(phone)
    staff.branch = branch
    staff.department = _staff_department(actor, department_id, branch)
    staff.hire_date = hire_date
    staff.updated_by = actor
    positions = _staff_positions(staff.organisation_id, position_ids, keep=before["positions"])
    save_unique(staff, field="employee_no", message=_staff_message(staff.employee_no))
    staff.positions.set(positions)
    _audit(actor, "update", staff, before, STAFF_FIELDS)
    return staff


@transaction.atomic(durable=True)
def staff_deactivate(*, actor: User, staff_id: int) -> Staff:
    """Mark a staff member as left. A linked login account is not touched (accounts own it)."""
    require_perm(actor, "organization.delete_staff")
    staff: Staff = _locked(selectors.staff_for(actor), staff_id)
    if not staff.is_active:
        return staff
    _deactivate(actor, staff, STAFF_FIELDS)
    return staff
