"""The permission tree shown on the role page: module → object → actions (PLT-04).

Permissions are Django's ``view/add/change/delete`` per model plus the named ones a model declares
in ``Meta.permissions`` (``export_*``, ``approve_*``, ``unlock_user`` …). Labels are built from the
model's verbose name and the action at render time, so they follow the user's language."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.models import Permission
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Apps whose permissions a clinic assigns, in menu order. Framework apps are left out.
MODULE_APPS = ("organization", "accounts", "configuration", "audit")

ACTION_LABELS: dict[str, str | Promise] = {
    "view": _("View"),
    "add": _("Add"),
    "change": _("Change"),
    "delete": _("Delete"),
    "approve": _("Approve"),
    "export": _("Export"),
}


_ACTION_ORDER = {action: index for index, action in enumerate(ACTION_LABELS)}


@dataclass
class PermissionNode:
    id: int
    key: str  # "app_label.codename"
    label: str | Promise
    action: str


@dataclass
class ObjectNode:
    label: str | Promise
    permissions: list[PermissionNode] = field(default_factory=list)


@dataclass
class ModuleNode:
    app_label: str
    label: str | Promise
    objects: list[ObjectNode] = field(default_factory=list)

    @property
    def permission_ids(self) -> list[int]:
        return [perm.id for obj in self.objects for perm in obj.permissions]


def _named_labels(model: type) -> dict[str, str | Promise]:
    return dict(model._meta.permissions)  # type: ignore[attr-defined]


def permission_tree() -> list[ModuleNode]:
    """Every assignable permission, grouped by module and object, CRUD actions first."""
    by_model: dict[tuple[str, str], list[Permission]] = {}
    for perm in Permission.objects.filter(content_type__app_label__in=MODULE_APPS).select_related(
        "content_type"
    ):
        by_model.setdefault((perm.content_type.app_label, perm.content_type.model), []).append(perm)
    modules = []
    for app_label in MODULE_APPS:
        config = apps.get_app_config(app_label)
        module = ModuleNode(app_label=app_label, label=config.verbose_name)
        for model in config.get_models():
            perms = by_model.get((app_label, model._meta.model_name or ""), [])
            if not perms:
                continue
            named = _named_labels(model)
            nodes = []
            for perm in perms:
                action = perm.codename.split("_", 1)[0]
                is_standard = (
                    perm.codename == f"{action}_{model._meta.model_name}" and action in ACTION_LABELS
                )
                label = ACTION_LABELS[action] if is_standard else named.get(perm.codename, perm.name)
                nodes.append(
                    PermissionNode(
                        id=perm.pk,
                        key=f"{app_label}.{perm.codename}",
                        label=label,
                        action=action if is_standard else "other",
                    )
                )
            nodes.sort(key=lambda n: (_ACTION_ORDER.get(n.action, len(_ACTION_ORDER)), n.key))
            module.objects.append(ObjectNode(label=model._meta.verbose_name_plural or "", permissions=nodes))
        if module.objects:
            modules.append(module)
    return modules


def assignable_permission_ids() -> set[int]:
    return set(
        Permission.objects.filter(content_type__app_label__in=MODULE_APPS).values_list("pk", flat=True)
    )
