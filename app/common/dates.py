"""Dates typed by people or read from files: ISO dates within the years a record can have."""
from __future__ import annotations

import re
from datetime import date

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadDate(ValueError):
    """Not a date, or a date outside 1900–2100; the message says which."""


def in_bounds(day: date) -> date:
    if not MIN_DATE <= day <= MAX_DATE:
        raise BadDate(f"must be between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}")
    return day


def parse_date(value: object) -> date:
    """A date written YYYY-MM-DD (or a date object), within 1900-01-01 to 2100-12-31."""
    if isinstance(value, date):
        return in_bounds(value)
    if not isinstance(value, str) or not _ISO.fullmatch(value.strip()):
        raise BadDate("not a date (YYYY-MM-DD)")
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise BadDate("no such date") from None
    return in_bounds(day)
