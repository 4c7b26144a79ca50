"""The built-in roles (Groups), their default permissions and data scope, and the rules that keep
the three administrator roles apart (三权分立, SEC-07).

A data migration creates the roles on install (a frozen copy of ``BUILTIN_ROLES``);
``ensure_builtin_roles`` re-creates any that are missing (the demo seed calls it). The clinic may
edit the permissions of every role except the three administrator roles, whose duties are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.contrib.auth.models import Group, Permission

from medspa.accounts.choices import DataScope

SYSTEM_ADMIN = "系统管理员"
SECURITY_ADMIN = "安全管理员"
AUDIT_ADMIN = "审计管理员"

# builtin_key of the three administrator roles: one account may hold at most one of them.
ADMIN_KEYS = ("system_admin", "security_admin", "audit_admin")


def _crud(app: str, model: str, *, export: bool = True) -> tuple[str, ...]:
    perms = tuple(f"{app}.{action}_{model}" for action in ("view", "add", "change", "delete"))
    return perms + ((f"{app}.export_{model}",) if export else ())


def _view(app: str, *models: str) -> tuple[str, ...]:
    return tuple(f"{app}.view_{model}" for model in models)


TOKENS = _crud("accounts", "apitoken", export=False)
ORGANISATION_ADMIN = (
    _crud("organization", "branch")
    + _crud("organization", "department")
    + _crud("organization", "position")
    + _crud("organization", "staff")
)
ACCOUNT_ADMIN = (*_crud("accounts", "user"), "accounts.unlock_user", *_crud("accounts", "roleprofile"))
CONFIGURATION_ADMIN = (
    _crud("configuration", "dictionaryitem")
    + _crud("configuration", "visitstage")
    + ("configuration.view_parametervalue", "configuration.change_parametervalue")
)
SECURITY_POLICY = ("accounts.view_securitypolicy", "accounts.change_securitypolicy")
AUDIT_READING = ("audit.view_auditevent", "audit.export_auditevent")
COLLEAGUES = _view("organization", "branch", "department", "position", "staff")
REFERENCE_DATA = _view("configuration", "dictionaryitem", "visitstage")

# Permissions only the matching administrator role may hold.
PROTECTED_PERMISSIONS = {
    "security_admin": frozenset(SECURITY_POLICY),
    "audit_admin": frozenset(AUDIT_READING),
}


@dataclass(frozen=True)
class BuiltinRole:
    key: str
    name: str
    username: str  # the demo login holding this role
    data_scope: DataScope
    permissions: tuple[str, ...]
    description: str


_BASE_ROLES: tuple[BuiltinRole, ...] = (
    BuiltinRole(
        "system_admin",
        SYSTEM_ADMIN,
        "sysadmin",
        DataScope.ORGANISATION,
        ORGANISATION_ADMIN + ACCOUNT_ADMIN + CONFIGURATION_ADMIN + TOKENS,
        "组织架构、账号角色与系统配置；不能查看审计日志，不处理业务数据",
    ),
    BuiltinRole(
        "security_admin",
        SECURITY_ADMIN,
        "secadmin",
        DataScope.ORGANISATION,
        (*SECURITY_POLICY, "accounts.view_user", "accounts.unlock_user"),
        "密码、锁定、会话与水印等安全策略",
    ),
    BuiltinRole("audit_admin", AUDIT_ADMIN, "auditor", DataScope.ORGANISATION, AUDIT_READING, "只读审计日志"),
    BuiltinRole(
        "director",
        "院长",
        "director",
        DataScope.ORGANISATION,
        COLLEAGUES + REFERENCE_DATA + ("organization.export_staff",),
        "全院数据查看与审批",
    ),
    BuiltinRole("consultant", "咨询师", "consultant", DataScope.OWN, COLLEAGUES + REFERENCE_DATA, "本人客户"),
    BuiltinRole("doctor", "医生", "doctor", DataScope.DEPARTMENT, COLLEAGUES + REFERENCE_DATA, "本科室"),
    BuiltinRole("nurse", "护士", "nurse", DataScope.DEPARTMENT, COLLEAGUES + REFERENCE_DATA, "本科室"),
    BuiltinRole("triage", "分诊/前台", "triage", DataScope.BRANCH, COLLEAGUES + REFERENCE_DATA, "本院区"),
    BuiltinRole("cashier", "收银", "cashier", DataScope.BRANCH, COLLEAGUES + REFERENCE_DATA, "本院区"),
    BuiltinRole("service", "客服", "service", DataScope.BRANCH, COLLEAGUES + REFERENCE_DATA, "本院区"),
    BuiltinRole(
        "storekeeper", "库管", "storekeeper", DataScope.BRANCH, COLLEAGUES + REFERENCE_DATA, "本院区"
    ),
    BuiltinRole("marketing", "市场", "marketing", DataScope.BRANCH, COLLEAGUES + REFERENCE_DATA, "本院区"),
    BuiltinRole(
        "finance", "财务", "finance", DataScope.ORGANISATION, COLLEAGUES + REFERENCE_DATA, "全院财务"
    ),
)


# What each later app grants the built-in roles by default (each app's own data migration holds a
# frozen copy: customers 0002). Business data only for business roles; the system admin gets the
# customer configuration (custom fields, member levels), never customer records.
def _customers(*codenames: str) -> tuple[str, ...]:
    return tuple(f"customers.{c}" for c in codenames)


APP_DEFAULTS: dict[str, tuple[str, ...]] = {
    "system_admin": _customers(
        "view_customfield",
        "add_customfield",
        "change_customfield",
        "delete_customfield",
        "view_memberlevel",
        "add_memberlevel",
        "change_memberlevel",
        "delete_memberlevel",
        "export_memberlevel",
    ),
    "director": _customers(
        "view_customer",
        "add_customer",
        "change_customer",
        "export_customer",
        "view_full_contact",
        "bulk_change_customer",
        "merge_customer",
        "import_customer",
        "view_consultation",
        "view_complaint",
        "change_complaint",
        "view_customerfile",
        "view_memberlevel",
        "view_customfield",
    ),
    "consultant": _customers(
        "view_customer",
        "add_customer",
        "change_customer",
        "view_consultation",
        "add_consultation",
        "change_consultation",
        "view_complaint",
        "add_complaint",
        "view_customerfile",
        "add_customerfile",
        "view_memberlevel",
        "view_customfield",
    ),
    "doctor": _customers(
        "view_customer",
        "view_consultation",
        "view_customerfile",
        "add_customerfile",
        "view_memberlevel",
        "view_customfield",
    ),
    "nurse": _customers("view_customer", "view_customerfile", "add_customerfile", "view_customfield"),
    "triage": _customers(
        "view_customer",
        "add_customer",
        "change_customer",
        "view_consultation",
        "view_complaint",
        "add_complaint",
        "view_memberlevel",
        "view_customfield",
    ),
    "cashier": _customers("view_customer", "view_memberlevel", "view_customfield"),
    "service": _customers(
        "view_customer",
        "change_customer",
        "view_consultation",
        "view_complaint",
        "add_complaint",
        "change_complaint",
        "view_memberlevel",
        "view_customfield",
    ),
    "marketing": _customers(
        "view_customer",
        "change_customer",
        "export_customer",
        "bulk_change_customer",
        "view_memberlevel",
        "add_memberlevel",
        "change_memberlevel",
        "delete_memberlevel",
        "export_memberlevel",
        "view_customfield",
    ),
    "finance": _customers("view_customer", "view_memberlevel"),
}


# What the inventory app grants by default (frozen copy: inventory 0002).
def _inventory(*codenames: str) -> tuple[str, ...]:
    return tuple(f"inventory.{c}" for c in codenames)


INVENTORY_DEFAULTS: dict[str, tuple[str, ...]] = {
    "director": _inventory(
        "view_warehouse",
        "view_item",
        "view_itemcategory",
        "view_company",
        "view_certificate",
        "view_lot",
        "view_stockbalance",
        "view_stockmove",
        "view_stockdocument",
        "view_stocktake",
        "view_monthclose",
        "view_stockalert",
        "approve_stockdocument",
        "approve_stocktake",
    ),
    "nurse": _inventory(
        "view_warehouse",
        "view_item",
        "view_lot",
        "view_stockbalance",
        "view_stockmove",
        "view_stockdocument",
        "add_stockdocument",
        "change_stockdocument",
        "post_stockdocument",
        "view_stocktake",
        "add_stocktake",
        "view_stockalert",
        "change_stockalert",
    ),
    "doctor": _inventory(
        "view_item",
        "view_lot",
        "view_stockbalance",
    ),
    "storekeeper": _inventory(
        "view_warehouse",
        "add_warehouse",
        "change_warehouse",
        "view_bin",
        "add_bin",
        "change_bin",
        "view_itemcategory",
        "add_itemcategory",
        "change_itemcategory",
        "view_company",
        "add_company",
        "change_company",
        "view_certificate",
        "add_certificate",
        "change_certificate",
        "view_item",
        "add_item",
        "change_item",
        "view_packunit",
        "add_packunit",
        "change_packunit",
        "view_itembarcode",
        "add_itembarcode",
        "change_itembarcode",
        "view_stocklevel",
        "add_stocklevel",
        "change_stocklevel",
        "view_lot",
        "view_serial",
        "view_stockbalance",
        "view_stockmove",
        "view_stockdocument",
        "add_stockdocument",
        "change_stockdocument",
        "post_stockdocument",
        "view_stocktake",
        "add_stocktake",
        "change_stocktake",
        "approve_stocktake",
        "view_monthclose",
        "add_monthclose",
        "view_stockalert",
        "change_stockalert",
    ),
    "finance": _inventory(
        "view_warehouse",
        "view_item",
        "view_itemcategory",
        "view_company",
        "view_certificate",
        "view_lot",
        "view_stockbalance",
        "view_stockmove",
        "view_stockdocument",
        "view_stocktake",
        "view_monthclose",
        "view_stockalert",
        "add_monthclose",
        "reopen_monthclose",
    ),
}


def _catalog_defaults() -> dict[str, tuple[str, ...]]:
    """What the catalog app grants by default: the frozen copy in catalog 0002, read from there so
    the two cannot drift (the migration module has no other imports than role_grants)."""
    import importlib

    return dict(importlib.import_module("medspa.catalog.migrations.0002_role_defaults").GRANTS)


CATALOG_DEFAULTS = _catalog_defaults()


BUILTIN_ROLES: tuple[BuiltinRole, ...] = tuple(
    replace(
        role,
        permissions=role.permissions
        + APP_DEFAULTS.get(role.key, ())
        + INVENTORY_DEFAULTS.get(role.key, ())
        + CATALOG_DEFAULTS.get(role.key, ()),
    )
    for role in _BASE_ROLES
)


def builtin_role(key: str) -> BuiltinRole:
    return next(role for role in BUILTIN_ROLES if role.key == key)


def _permission(perm: str) -> Permission:
    app_label, codename = perm.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def ensure_builtin_roles() -> dict[str, Group]:
    """Create missing built-in roles with their default permissions and scope; existing roles keep
    the permissions the clinic gave them. Returns {role name: group}."""
    from medspa.accounts.models import RoleProfile

    roles = {}
    for role in BUILTIN_ROLES:
        group, created = Group.objects.get_or_create(name=role.name)
        profile = RoleProfile.objects.filter(group=group).first()
        if profile is None:
            RoleProfile.objects.create(
                group=group, builtin_key=role.key, data_scope=role.data_scope, description=role.description
            )
            created = True
        if created:
            group.permissions.add(*(_permission(perm) for perm in role.permissions))
        roles[role.name] = group
    return roles
