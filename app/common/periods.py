"""Periods: a calendar month written 'YYYY-MM', its bounds, its neighbours and its ISO weeks.

The one definition of a period for settlement, reporting and follow-up. Years run from
MIN_YEAR to MAX_YEAR: history imported from older systems may be old, nothing is paid a
century ahead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from app.common.errors import ValidationError

MIN_YEAR, MAX_YEAR = 1900, 2100
PERIOD_MESSAGE = _l("måste vara en månad som ÅÅÅÅ-MM")
_PERIOD_RE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """One calendar month; str() gives 'YYYY-MM', the form stored and shown everywhere."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """'YYYY-MM' with a year from MIN_YEAR to MAX_YEAR; ValueError otherwise."""
        m = _PERIOD_RE.fullmatch(text) if isinstance(text, str) else None
        if not m or not MIN_YEAR <= int(m[1]) <= MAX_YEAR:
            raise ValueError(f"period must be YYYY-MM ({MIN_YEAR}-{MAX_YEAR}), not {text!r}")
        return cls(int(m[1]), int(m[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return self.next().first - timedelta(days=1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)


def period_of(day: date) -> str:
    """The period a date lies in."""
    return f"{day.year:04d}-{day.month:02d}"


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of the month; ValueError for anything but 'YYYY-MM'."""
    month = Month.parse(period)
    return month.first, month.last


def next_period(period: str) -> str:
    return str(Month.parse(period).next())


def previous_period(period: str) -> str:
    return str(Month.parse(period).previous())


def check_period(period: str, field_name: str = "period") -> str:
    """The period itself, or ValidationError naming the field."""
    try:
        Month.parse(period)
    except ValueError:
        raise ValidationError(field_name, PERIOD_MESSAGE) from None
    return period


def month_bounds(period: str, field_name: str = "period") -> tuple[date, date]:
    """period_bounds(), or ValidationError naming the field."""
    return period_bounds(check_period(period, field_name))


# --- ISO weeks -----------------------------------------------------------------------------------

def week_monday(day: date) -> date:
    """The Monday of day's ISO week (Monday-Sunday)."""
    return day - timedelta(days=day.weekday())


def week_thursday(day: date) -> date:
    """The Thursday of day's ISO week."""
    return day + timedelta(days=3 - day.weekday())


def week_period(day: date) -> str:
    """An ISO week belongs to the month that contains its Thursday."""
    return period_of(week_thursday(day))


def iso_week_range(first: date, last: date) -> tuple[date, date]:
    """Monday of the first and Sunday of the last ISO week whose Thursday is in first..last."""
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    last_thursday = last - timedelta(days=(last.weekday() - 3) % 7)
    return first_thursday - timedelta(days=3), last_thursday + timedelta(days=3)
