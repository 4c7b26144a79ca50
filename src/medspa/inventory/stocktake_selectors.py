"""Reads of the stocktakes (INV-07), restricted by the data scope: a stocktake is seen through
its warehouse, so a department-scoped storekeeper sees only her department's stocktakes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet

from medspa.accounts.models import User
from medspa.accounts.scope import scope_queryset
from medspa.core import money
from medspa.core.errors import NotFound
from medspa.inventory.models import Stocktake, StocktakeLine

__all__ = [
    "StocktakeSummary",
    "line_difference",
    "line_difference_value",
    "stocktake_get_for",
    "stocktake_lines",
    "stocktake_summary",
    "stocktakes_for",
]


def stocktakes_for(actor: User) -> QuerySet[Stocktake]:
    """Stocktakes of the warehouses the actor sees, newest first, with ``line_count`` and
    ``counted_count`` annotated."""
    queryset = (
        Stocktake.objects.select_related("warehouse", "category", "submitted_by", "approved_by", "created_by")
        .annotate(
            line_count=Count("lines"),
            counted_count=Count("lines", filter=Q(lines__counted_quantity__isnull=False)),
        )
        .order_by("-created_at", "-pk")
    )
    return scope_queryset(queryset, actor, branch="branch", department="warehouse__department")


def stocktake_get_for(actor: User, pk: int) -> Stocktake:
    """One stocktake in the actor's scope (NotFound for a missing and an out-of-scope one)."""
    found = stocktakes_for(actor).select_related("warehouse__branch").filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def stocktake_lines(stocktake: Stocktake) -> QuerySet[StocktakeLine]:
    """The lines of a stocktake in counting order with item, lot, bin and owner loaded and
    ``difference`` (counted − book; empty while uncounted) annotated."""
    return (
        StocktakeLine.objects.filter(stocktake=stocktake)
        .select_related("item", "lot", "bin", "owner")
        .annotate(difference=F("counted_quantity") - F("book_quantity"))
        .order_by("pk")
    )


def line_difference(line: StocktakeLine) -> Decimal | None:
    if line.counted_quantity is None:
        return None
    return line.counted_quantity - line.book_quantity


def line_difference_value(line: StocktakeLine) -> Decimal | None:
    """The value of the difference at the lot's cost, rounded to the fen."""
    difference = line_difference(line)
    if difference is None:
        return None
    return money.quantize(difference * line.lot.unit_cost)


@dataclass(frozen=True)
class StocktakeSummary:
    lines: int
    counted: int
    uncounted: int
    gain_lines: int
    loss_lines: int
    gain_value: Decimal
    loss_value: Decimal  # negative

    @property
    def net_value(self) -> Decimal:
        return self.gain_value + self.loss_value


def stocktake_summary(lines: list[StocktakeLine]) -> StocktakeSummary:
    """Counts and the values of the gains and losses of already loaded lines."""
    gain_lines = loss_lines = counted = 0
    gain = loss = Decimal("0.00")
    for line in lines:
        value = line_difference_value(line)
        if value is None:
            continue
        counted += 1
        difference = line_difference(line) or Decimal(0)
        if difference > 0:
            gain_lines += 1
            gain += value
        elif difference < 0:
            loss_lines += 1
            loss += value
    return StocktakeSummary(
        lines=len(lines),
        counted=counted,
        uncounted=len(lines) - counted,
        gain_lines=gain_lines,
        loss_lines=loss_lines,
        gain_value=gain,
        loss_value=loss,
    )
