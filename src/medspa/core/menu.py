"""The left menu: apps register items in ``AppConfig.ready``; each actor sees only the items
whose permission they hold."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str | Promise
    url_name: str
    icon: str = "ti-point"
    order: int = 100
    group: str | Promise | None = None
    permissions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass
class MenuGroup:
    label: str | Promise | None
    items: list[MenuItem]


_registry: dict[str, MenuItem] = {}


def register(item: MenuItem) -> None:
    _registry[item.key] = item


def menu_for(user: object) -> list[MenuGroup]:
    """Items the user may open, sorted by ``order`` and gathered under their group."""
    if not getattr(user, "is_authenticated", False):
        return []
    visible = [
        item
        for item in sorted(_registry.values(), key=lambda i: (i.order, i.key))
        if all(user.has_perm(perm) for perm in item.permissions)  # type: ignore[attr-defined]
    ]
    groups: dict[str | None, MenuGroup] = {}
    for item in visible:  # a group sits where its first (lowest-order) item sits
        label = str(item.group) if item.group is not None else None
        groups.setdefault(label, MenuGroup(label=label, items=[])).items.append(item)
    return list(groups.values())
