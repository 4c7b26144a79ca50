"""Helpers for self-referencing trees (departments, dictionary entries): a node's ``parent`` chain
must already be loaded (the selectors ``select_related`` it) — these never query."""

from __future__ import annotations

from typing import Any


def tree_path(node: Any, separator: str = " / ") -> str:
    """``医学美容科 / 注射美容组``: the names from the root down to ``node``; "" for None."""
    names: list[str] = []
    while node is not None:
        names.append(node.name)
        node = node.parent
    return separator.join(reversed(names))


def tree_depth(node: Any) -> int:
    """0 for a root, 1 for its children, …"""
    depth, parent = 0, node.parent
    while parent is not None:
        depth, parent = depth + 1, parent.parent
    return depth
