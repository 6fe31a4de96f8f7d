"""Money and hours as Decimal: one constructor and one rounding function for the whole app,
and the parsers with the bounds every form, the API and the importer use."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HOURS_STEP = Decimal("0.25")
# The bounds of what a person may type: an amount, the hours of one day, a weekly cap.
MAX_MONEY = Decimal("10000000.00")
MAX_DAY_HOURS = Decimal("24")
MAX_WEEK_HOURS = Decimal("168")


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
    try:
        rounded = amount.quantize(CENT)
    except InvalidOperation:  # more digits than the context holds, e.g. 1e400
        raise ValueError(f"not an amount: {value!r}") from None
    if rounded != amount:
        raise ValueError(f"more than 2 decimals: {value!r}")
    return rounded


def round_money(value: Decimal) -> Decimal:
    """Round to öre, halves away from zero (also for negative amounts: -0.125 -> -0.13)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class OutOfBounds(ValueError):
    """A number that is not a finite number within the bounds; the message says which."""


def _number(value: object, places: int = 2) -> Decimal:
    """A finite Decimal with at most `places` decimals, from a string typed the Swedish or the
    English way ("10 000,50", "10000.50"); floats are refused because they are not exact."""
    if isinstance(value, float | bool):
        raise OutOfBounds("not a number")
    text = value if isinstance(value, str) else str(value) if isinstance(value, int | Decimal) else None
    if text is None:
        raise OutOfBounds("not a number")
    text = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text or len(text) > 40:
        raise OutOfBounds("not a number")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise OutOfBounds("not a number") from None
    if not number.is_finite() or number.adjusted() > 12:
        raise OutOfBounds("not a finite number of a sensible size")
    step = Decimal(1).scaleb(-places)
    if number != number.quantize(step):
        raise OutOfBounds(f"more than {places} decimals")
    return number.quantize(step)


def _within(number: Decimal, low: Decimal, high: Decimal) -> Decimal:
    if not low <= number <= high:
        raise OutOfBounds(f"must be between {low} and {high}")
    return number


def parse_money(value: object, *, allow_negative: bool = False, maximum: Decimal = MAX_MONEY) -> Decimal:
    """An amount in kronor, 0 to 10 000 000.00 (or ± that with `allow_negative`)."""
    return _within(_number(value), -maximum if allow_negative else ZERO, maximum)


def parse_hours(value: object, *, step: Decimal | None = None) -> Decimal:
    """The hours of one day, 0 to 24; `step` (e.g. 0.25) if they must be whole quarters."""
    hours = _within(_number(value), ZERO, MAX_DAY_HOURS)
    if step is not None and hours % step:
        raise OutOfBounds(f"must be a multiple of {step}")
    return hours


def parse_weekly_cap(value: object) -> Decimal | None:
    """A cap on hours per week, more than 0 and at most 168; empty means no cap."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    hours = _within(_number(value), ZERO, MAX_WEEK_HOURS)
    if hours == 0:
        raise OutOfBounds("must be greater than 0")
    return hours


MAX_PERCENT = Decimal("1000")


def parse_percent(value: object) -> Decimal:
    """A share in percent with at most 2 decimals, 0 to 1000 (a price may be raised tenfold)."""
    return _within(_number(value), ZERO, MAX_PERCENT)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """`percent` % of `amount`, rounded to öre as round_money() does."""
    return round_money(amount * percent / 100)


def from_db(value: Decimal | float | int | str) -> Decimal:
    """A Numeric column's value as Decimal: PostgreSQL gives Decimal, SQLite a float, which
    is read back through its shortest repr and given 2 decimals."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(CENT)


def as_text(value: Decimal | float | int | str) -> str:
    """A stored amount as the 2-decimal string of exchange.md ("120.00")."""
    return str(from_db(value).quantize(CENT))
