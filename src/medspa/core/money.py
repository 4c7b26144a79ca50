"""Money: ``Decimal`` with two places, rounded half-up to the fen in one place. Never float."""

from __future__ import annotations

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
