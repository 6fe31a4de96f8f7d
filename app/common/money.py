"""Money and hours as Decimal: one constructor and one rounding function for the whole app."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HOURS_STEP = Decimal("0.25")


def money(value: str | int | Decimal) -> Decimal:
    """An exact amount with 2 decimals; refuses floats and anything that would need rounding."""
    if isinstance(value, float | bool):
        raise TypeError(f"money() takes str, int or Decimal, not {type(value).__name__}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    rounded = amount.quantize(CENT)
    if rounded != amount:
        raise ValueError(f"more than 2 decimals: {value!r}")
    return rounded


def round_money(value: Decimal) -> Decimal:
    """Round to öre, halves away from zero (also for negative amounts: -0.125 -> -0.13)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def from_db(value: Decimal | float | int | str) -> Decimal:
    """A Numeric column's value as Decimal: PostgreSQL gives Decimal, SQLite a float, which
    is read back through its shortest repr and given 2 decimals."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(CENT)


def as_text(value: Decimal | float | int | str) -> str:
    """A stored amount as the 2-decimal string of exchange.md ("120.00")."""
    return str(from_db(value).quantize(CENT))
