"""Money and percentage formatting for API responses."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def format_money(amount: Decimal | int | float, currency: str = "USD") -> str:
    """`1234.5` -> `"USD 1,234.50"` (half-up rounding to cents)."""
    cents = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{currency} {cents:,.2f}"


def format_percent(ratio: float, digits: int = 1) -> str:
    """`0.375` -> `"37.5%"`."""
    return f"{ratio * 100:.{digits}f}%"
