"""Users for inventory tests: a role with a real data scope (a bare permission group without a
role profile has the narrowest scope, ``own``, which sees no warehouse)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from medspa.accounts.choices import DataScope
from medspa.accounts.models import RoleProfile, User
from medspa.organization.models import Branch, Department
from tests.factories import UserFactory
from tests.organization.factories import StaffFactory

STOREKEEPER_PERMS = (
    "inventory.view_warehouse",
    "inventory.view_item",
    "inventory.view_company",
    "inventory.view_stockbalance",
    "inventory.view_stockmove",
    "inventory.view_lot",
    "inventory.view_stockdocument",
    "inventory.add_stockdocument",
    "inventory.change_stockdocument",
    "inventory.post_stockdocument",
    "inventory.view_stocktake",
    "inventory.add_stocktake",
    "inventory.view_monthclose",
    "inventory.view_stockalert",
)


def scoped_user(
    username: str,
    branch: Branch,
    perms: tuple[str, ...] | list[str] = STOREKEEPER_PERMS,
    *,
    scope: DataScope = DataScope.BRANCH,
    department: Department | None = None,
) -> User:
    """A user of ``branch`` holding ``perms`` through one role with data scope ``scope``; with
    ``department`` the user is that department's staff member (for the department scope)."""
    user = UserFactory(username=username, branches=[branch])
    group = Group.objects.create(name=f"role-{username}")
    RoleProfile.objects.create(group=group, organisation=branch.organisation, data_scope=scope)
    for perm in perms:
        app_label, codename = perm.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    user.groups.add(group)
    if department is not None:
        staff = StaffFactory(branch=branch, department=department)
        user.staff = staff
        user.save(update_fields=["staff"])
    return user
