"""The built-in roles (Groups) and the demo login for each.

Migration 0002 creates them on install; ``ensure_builtin_roles`` re-creates any that are missing
(the demo seed calls it). Their permissions grow as modules land; the clinic may edit them.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

SYSTEM_ADMIN = "系统管理员"
SECURITY_ADMIN = "安全管理员"
AUDIT_ADMIN = "审计管理员"

# (username of the demo login, role name, default permissions "app_label.codename")
BUILTIN_ROLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "sysadmin",
        SYSTEM_ADMIN,
        (
            "accounts.view_apitoken",
            "accounts.add_apitoken",
            "accounts.change_apitoken",
            "accounts.delete_apitoken",
        ),
    ),
    ("secadmin", SECURITY_ADMIN, ()),
    ("auditor", AUDIT_ADMIN, ()),
    ("director", "院长", ()),
    ("consultant", "咨询师", ()),
    ("doctor", "医生", ()),
    ("nurse", "护士", ()),
    ("triage", "分诊/前台", ()),
    ("cashier", "收银", ()),
    ("service", "客服", ()),
    ("storekeeper", "库管", ()),
    ("marketing", "市场", ()),
    ("finance", "财务", ()),
)


def ensure_builtin_roles() -> dict[str, Group]:
    """Create missing built-in roles with their default permissions; existing roles keep the
    permissions the clinic gave them."""
    roles = {}
    for _username, name, perms in BUILTIN_ROLES:
        group, created = Group.objects.get_or_create(name=name)
        if created:
            for perm in perms:
                app_label, codename = perm.split(".")
                group.permissions.add(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
        roles[name] = group
    return roles
