from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy: later changes to roles.py need their own migration.
ROLES = (
    (
        "系统管理员",
        (
            "accounts.view_apitoken",
            "accounts.add_apitoken",
            "accounts.change_apitoken",
            "accounts.delete_apitoken",
        ),
    ),
    ("安全管理员", ()),
    ("审计管理员", ()),
    ("院长", ()),
    ("咨询师", ()),
    ("医生", ()),
    ("护士", ()),
    ("分诊/前台", ()),
    ("收银", ()),
    ("客服", ()),
    ("库管", ()),
    ("市场", ()),
    ("财务", ()),
)


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure ours exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES:
        group, _created = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=[name for name, _perms in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
