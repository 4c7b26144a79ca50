"""Built-in roles get their data scope and default permissions (SEC-07 separation of duties)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy of medspa.accounts.roles.BUILTIN_ROLES at this point:
# (builtin key, role name, data scope, description, default permissions)
ROLES = (
    (
        "system_admin",
        "系统管理员",
        4,
        "组织架构、账号角色与系统配置；不能查看审计日志，不处理业务数据",
        (
            "organization.view_branch",
            "organization.add_branch",
            "organization.change_branch",
            "organization.delete_branch",
            "organization.export_branch",
            "organization.view_department",
            "organization.add_department",
            "organization.change_department",
            "organization.delete_department",
            "organization.export_department",
            "organization.view_position",
            "organization.add_position",
            "organization.change_position",
            "organization.delete_position",
            "organization.export_position",
            "organization.view_staff",
            "organization.add_staff",
            "organization.change_staff",
            "organization.delete_staff",
            "organization.export_staff",
            "accounts.view_user",
            "accounts.add_user",
            "accounts.change_user",
            "accounts.delete_user",
            "accounts.export_user",
            "accounts.unlock_user",
            "accounts.view_roleprofile",
            "accounts.add_roleprofile",
            "accounts.change_roleprofile",
            "accounts.delete_roleprofile",
            "accounts.export_roleprofile",
            "configuration.view_dictionaryitem",
            "configuration.add_dictionaryitem",
            "configuration.change_dictionaryitem",
            "configuration.delete_dictionaryitem",
            "configuration.export_dictionaryitem",
            "configuration.view_visitstage",
            "configuration.add_visitstage",
            "configuration.change_visitstage",
            "configuration.delete_visitstage",
            "configuration.export_visitstage",
            "configuration.view_parametervalue",
            "configuration.change_parametervalue",
            "accounts.view_apitoken",
            "accounts.add_apitoken",
            "accounts.change_apitoken",
            "accounts.delete_apitoken",
        ),
    ),
    (
        "security_admin",
        "安全管理员",
        4,
        "密码、锁定、会话与水印等安全策略",
        (
            "accounts.view_securitypolicy",
            "accounts.change_securitypolicy",
            "accounts.view_user",
            "accounts.unlock_user",
        ),
    ),
    ("audit_admin", "审计管理员", 4, "只读审计日志", ("audit.view_auditevent", "audit.export_auditevent")),
    (
        "director",
        "院长",
        4,
        "全院数据查看与审批",
        (
            "organization.view_branch",
            "organization.view_department",
            "organization.view_position",
            "organization.view_staff",
            "configuration.view_dictionaryitem",
            "configuration.view_visitstage",
            "organization.export_staff",
        ),
    ),
    (
        "consultant",
        "咨询师",
        1,
        "本人客户",
        (
            "organization.view_branch",
            "organization.view_department",
            "organization.view_position",
            "organization.view_staff",
            "configuration.view_dictionaryitem",
            "configuration.view_visitstage",
        ),
    ),
    (
        "doctor",
        "医生",
        2,
        "本科室",
        (
            "organization.view_branch",
            "organization.view_department",
            "organization.view_position",
            "organization.view_staff",
            "configuration.view_dictionaryitem",
            "configuration.view_visitstage",
        ),
    ),
    (
        "nurse",
        "护士",
        2,
        "本科室",
        (
            "organization.view_branch",
            "organization.view_department",
            "organization.view_position",
            "organization.view_staff",
            "configuration.view_dictionaryitem",
            "configuration.view_visitstage",
        ),
    ),
    (
        "triage",
        "分诊/前台",
        3,
        "本院区",
        (
            "organization.view_branch",
            "organization.view_department",
            "organization.view_position",
            "organization.view_staff",
            "configuration.view_dictionaryitem",
            "configuration.view_visitstage",
        ),
    ),
    (
        "cashier",
        "收银",
        3,
        "本院区",
        (
            "organization.view_branch",
            "organization.view_department",
            "organization.view_position",
            "organization.view_staff",
            "configuration.view_dictionaryitem",
            "configuration.view_visitstage",
        ),
    ),
    (
        "service",
        "客服",
        3,
        "本院区",
        (
            "organization.view_branch",
            "organization.view_department",
            "organization.view_position",
            "organization.view_staff",
            "configuration.view_dictionaryitem",
            "configuration.view_visitstage",
        ),
    ),
    (
        "storekeeper",
        "库管",
        3,
        "本院区",
        (
            "organization.view_branch",
            "organization.view_department",
            "organization.view_position",
            "organization.view_staff",
            "configuration.view_dictionaryitem",
            "configuration.view_visitstage",
        ),
    ),
    (
        "marketing",
        "市场",
        3,
        "本院区",
        (
            "organization.view_branch",
            "organization.view_department",
            "organization.view_position",
            "organization.view_staff",
            "configuration.view_dictionaryitem",
            "configuration.view_visitstage",
        ),
    ),
    (
        "finance",
        "财务",
        4,
        "全院财务",
        (
            "organization.view_branch",
            "organization.view_department",
            "organization.view_position",
            "organization.view_staff",
            "configuration.view_dictionaryitem",
            "configuration.view_visitstage",
        ),
    ),
)


def apply_defaults(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure ours exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    RoleProfile = apps.get_model("accounts", "RoleProfile")
    for key, name, scope, description, perms in ROLES:
        group, _created = Group.objects.get_or_create(name=name)
        _profile, created = RoleProfile.objects.get_or_create(
            group=group, defaults={"builtin_key": key, "data_scope": scope, "description": description}
        )
        if not created:
            continue
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_profiles(apps, schema_editor):
    RoleProfile = apps.get_model("accounts", "RoleProfile")
    RoleProfile.objects.filter(builtin_key__in=[key for key, *_rest in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_roles_security"),
        ("organization", "0002_departments_positions_staff"),
        ("configuration", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(apply_defaults, remove_profiles)]
