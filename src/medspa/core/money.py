"""Money: ``Decimal`` with two places, rounded half-up to the fen in one place. Never float."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from medspa.core.errors import ValidationError

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_DIGITS = 14
DECIMAL_PLACES = 2


def quantize(value: Decimal | int | str) -> Decimal:
    """Round to the fen, half-up (0.005 → 0.01). Floats are refused: they are already wrong."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def parse(text: str | int | Decimal, *, field: str | None = None) -> Decimal:
    """Parse user input such as ``"1,234.5"``, ``"¥ 12"`` or ``"-3.456"`` into a quantized amount."""
    if isinstance(text, float):
        raise TypeError("money must not be a float")
    if isinstance(text, int | Decimal):
        raw = str(text)
    else:
        raw = text.strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
        raw = raw.replace(" ", "")
    try:
        amount = Decimal(raw)
    except InvalidOperation as exc:
        raise ValidationError(_invalid_message(), field=field) from exc
    if not amount.is_finite():
        raise ValidationError(_invalid_message(), field=field)
    if amount.adjusted() >= MAX_DIGITS:  # 1e30 cannot even be quantized to the fen
        raise ValidationError(_too_large_message(), field=field)
    amount = quantize(amount)
    if len(amount.as_tuple().digits) > MAX_DIGITS:
        raise ValidationError(_too_large_message(), field=field)
    return amount


def format_cny(value: Decimal | int | str) -> str:
    """Format as ``¥1,234.50`` (negative: ``-¥1,234.50``)."""
    amount = quantize(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def _invalid_message() -> str:
    from django.utils.translation import gettext

    return gettext("Enter a valid amount, for example 1234.50.")


def _too_large_message() -> str:
    from django.utils.translation import gettext

    return gettext("The amount is too large.")


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``amount`` (fen) over ``weights`` in proportion, rounded to the fen with the largest
    remainder method: the shares add up to ``amount`` exactly and each is within one fen of its
    exact share. Ties go to the earlier weight. All-zero weights are refused (nothing to split by)."""
    amount = quantize(amount)
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    total = sum(weights, Decimal(0))
    if not weights or total == 0:
        raise ValueError("nothing to allocate over")
    cents = int(amount / FEN)
    sign = -1 if cents < 0 else 1
    exact = [abs(cents) * Decimal(weight) / total for weight in weights]
    floors = [int(share) for share in exact]
    left = abs(cents) - sum(floors)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in by_remainder[:left]:
        floors[index] += 1
    return [(sign * fen * FEN).quantize(FEN) for fen in floors]
