"""Reordering a short, user-ordered list (visit stages, custom fields …) the same way everywhere:
the client sends every id once in the new order; orders become 10, 20, 30…"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from medspa.core.errors import ValidationError


class Ordered(Protocol):
    pk: int
    order: int


def reorder[Row: Ordered](
    rows: Sequence[Row],
    ids: Sequence[int],
    *,
    on_change: Callable[[Row, int], None],
    repeated_message: str,
    incomplete_message: str,
) -> list[Row]:
    """``rows`` are the locked rows; ``on_change(row, new_order)`` snapshots, saves and audits a
    row whose order changes (the caller's audit shape). Returns the rows in the new order."""
    by_pk = {row.pk: row for row in rows}
    if len(ids) != len(set(ids)):
        raise ValidationError(repeated_message, field="ids")
    if set(ids) != set(by_pk):
        raise ValidationError(incomplete_message, field="ids")
    result = []
    for position, pk in enumerate(ids, start=1):
        row = by_pk[pk]
        if row.order != position * 10:
            on_change(row, position * 10)
        result.append(row)
    return result
