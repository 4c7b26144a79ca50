"""The 360° archive (CRM-06) is a header plus sections. Apps register their sections here — a
key, a title, an order, the permission that shows it, and a function that returns the template
context for one customer — so booking, orders, treatments, photos and follow-ups add theirs
without this app knowing them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class ArchiveSection:
    key: str
    title: str | Promise
    order: int
    permission: str
    template: str
    context: Callable[[Any, Any], dict[str, Any]]  # (actor, customer) → template context


_SECTIONS: dict[str, ArchiveSection] = {}


def register(section: ArchiveSection) -> None:
    """Called from an app's ``ready()``; registering a key twice replaces the section."""
    _SECTIONS[section.key] = section


def sections_for(actor: Any) -> list[ArchiveSection]:
    """The sections the actor may see, in order."""
    return sorted(
        (s for s in _SECTIONS.values() if actor.has_perm(s.permission)), key=lambda s: (s.order, s.key)
    )


def section(key: str) -> ArchiveSection | None:
    return _SECTIONS.get(key)
