"""Later apps give the built-in roles their default permissions in a data migration of their own:

    GRANTS = {"consultant": ("customers.view_customer", ...), ...}   # frozen in the migration
    operations = [migrations.RunPython(grant(GRANTS), revoke(GRANTS))]

``roles.BUILTIN_ROLES`` lists the union (what a fresh installation holds); a test checks that
migration 0004 plus every ``GRANTS`` equals it. A clinic that changed a role keeps its change:
grants only add; the reverse removes exactly what was granted."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.management import create_permissions

Grants = Mapping[str, tuple[str, ...]]


def _permissions(apps: Any, perms: tuple[str, ...]) -> list[Any]:
    for app_config in apps.get_app_configs():  # permissions normally appear after all migrations
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    found = []
    for perm in perms:
        app_label, codename = perm.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def grant(grants: Grants) -> Callable[[Any, Any], None]:
    def forwards(apps: Any, schema_editor: Any) -> None:
        RoleProfile = apps.get_model("accounts", "RoleProfile")
        for key, perms in grants.items():
            profile = RoleProfile.objects.filter(builtin_key=key).select_related("group").first()
            if profile is not None:
                profile.group.permissions.add(*_permissions(apps, perms))

    return forwards


def revoke(grants: Grants) -> Callable[[Any, Any], None]:
    def backwards(apps: Any, schema_editor: Any) -> None:
        RoleProfile = apps.get_model("accounts", "RoleProfile")
        for key, perms in grants.items():
            profile = RoleProfile.objects.filter(builtin_key=key).select_related("group").first()
            if profile is not None:
                profile.group.permissions.remove(*_permissions(apps, perms))

    return backwards
