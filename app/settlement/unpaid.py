"""Unpaid days stored as runs: one row per placement, reason and run of consecutive days.

The rules give one warning per unpaid attendance day (rules.not_counted_warnings(), the cap
walk), and finance sees every one of them. A month has about 140 000 such days, mostly a
placement's absences and capped days next to each other, so a draft stores them as runs
("3–7 mars: frånvaro, 5 dagar") with the hours of each day kept in the run, and the screens
expand a run back into its days. runs() and days() are each other's inverse.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from app.common.money import ZERO, money
from app.settlement.records import Warning


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive calendar days of one placement not paid for the same reason."""

    placement: str
    first: date
    last: date
    reason: str
    day_hours: tuple[Decimal, ...]  # the unpaid hours of first, first + 1, ..., last

    @property
    def days(self) -> int:
        return len(self.day_hours)

    @property
    def hours(self) -> Decimal:
        return sum(self.day_hours, ZERO)


def runs(warnings: Iterable[Warning]) -> list[Run]:
    """The warnings as runs, ordered by placement and first day.

    A warning extends the run of its placement and reason that ended the day before; any other
    day starts a new run.
    """
    started: list[tuple[str, str, date, list[Decimal]]] = []  # placement, reason, first, hours
    open_runs: dict[tuple[str, str], tuple[date, list[Decimal]]] = {}  # -> (last day, hours)
    for w in sorted(warnings, key=lambda w: (w.placement, w.date)):
        key = (w.placement, w.reason)
        found = open_runs.get(key)
        if found is not None and found[0] == w.date - timedelta(days=1):
            found[1].append(w.hours)
            open_runs[key] = (w.date, found[1])
            continue
        hours = [w.hours]
        open_runs[key] = (w.date, hours)
        started.append((w.placement, w.reason, w.date, hours))
    return [Run(placement, first, first + timedelta(days=len(hours) - 1), reason, tuple(hours))
            for placement, reason, first, hours in started]


def days(run: Run, kind: str = "") -> list[Warning]:
    """The run's warnings, one per day (`kind` is not stored: the screens do not show it)."""
    return [Warning(run.placement, run.first + timedelta(days=i), kind, hours, run.reason)
            for i, hours in enumerate(run.day_hours)]


def hours_text(day_hours: Iterable[Decimal]) -> str:
    """The stored form of a run's hours per day: '8.00 0.00 6.50'."""
    return " ".join([f"{h:.2f}" for h in day_hours])


def parse_hours(text: str) -> tuple[Decimal, ...]:
    """hours_text() read back."""
    return tuple(money(part) for part in text.split())
