"""The settlement engine: what rules.owed() gives, for every provider in one pass over the rows.

A month has about two million attendance rows, so the engine does what the reference in
rules.py does not: the database merges counted days no rule looks at one by one
(merge_counted() says which), one sequential pass updates a small state per placement, hours
are integer hundredths, and the fingerprint packs each row into 64 bits. Every line it makes
is made by the reference's own line functions; tests prove it equal to rules.owed() on random
data and on every case file.
"""
from __future__ import annotations

import gc
import hashlib
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter
from typing import Any

from app.common.money import round_money
from app.common.periods import iso_week_range, period_bounds, period_of
from app.settlement.records import (
    ENGINE_VERSION,
    KIND_OF_RATE_UNIT,
    Attendance,
    Inputs,
    Line,
    Offering,
    Outcome,
    OwedByProvider,
    Period,
    Placement,
    Referral,
    Tier,
    Warning,
)
from app.settlement.rules import (
    bonus_lines,
    day_line,
    hour_line,
    level_note,
    not_counted_reason,
    package_lines,
    placement_rate,
    placement_window,
    rule_order,
    week_line,
)


def hundredths(hours: Decimal) -> int:
    """Hours as an exact integer number of hundredths (the cap walk works in integers)."""
    scaled = hours * 100
    whole = int(scaled)
    if whole != scaled:
        raise ValueError(f"hours with more than 2 decimals: {hours}")
    return whole


def _row_hundredths(row: Attendance) -> int:
    try:
        return hundredths(row.hours)
    except (ArithmeticError, TypeError, ValueError) as error:
        raise ValueError(f"attendance {row.placement} {row.date}: {error}") from None


def _hours(hundredths_: int) -> Decimal:
    return Decimal(hundredths_).scaleb(-2)


# --- The engine ----------------------------------------------------------------------------------
#
# Attendance is read in one sequential pass: each row updates a small state of its placement.
# Walking rows grouped per placement instead costs a cache miss per row, which for two
# million rows is most of the run time.

_HOURS, _CAPPED, _DAYS, _WEEKS, _PACKAGE = "hours", "capped", "days", "weeks", "package"
_WalkEntry = tuple[date, date, str, int]  # (date, placement start, placement ref, hundredths)
_NOT_CAPPED: list[_WalkEntry] = []  # never appended to: only capped placements walk
_UNIT_OF_RATE = {"hour": _HOURS, "day": _DAYS, "week": _WEEKS, "package": _PACKAGE}


class _State:
    """What one placement collects while the attendance rows stream past."""

    __slots__ = ("placement", "offering", "referral", "unit", "kind", "lo", "hi", "ws", "we",
                 "quantity", "first_counted", "weeks", "walk", "warnings", "seen")

    def __init__(self, placement: Placement, offering: Offering, referral: Referral, unit: str,
                 lo: date, hi: date, warnings: list[Warning]):
        self.placement, self.offering, self.referral = placement, offering, referral
        self.unit, self.kind = unit, KIND_OF_RATE_UNIT[offering.rate_unit]
        self.lo, self.hi = lo, hi  # the rows this placement reads in the period
        self.ws, self.we = placement_window(placement, referral)
        self.quantity = 0
        self.first_counted: date | None = None
        self.weeks: set[int] = set()
        self.walk = _NOT_CAPPED  # capped hour placements get their referral's shared list
        self.warnings = warnings
        self.seen: list[int | str] = []


class _Pass:
    """One period for some or all providers: the placement states, then one scan of the rows."""

    def __init__(self, inputs: Inputs, period: Period, providers: Iterable[str] | None = None):
        self.inputs, self.period = inputs, period
        first, last = self.first, self.last = period_bounds(period)
        # Weeks crossing the month start are walked whole, from their Monday.
        walk_first = first - timedelta(days=first.weekday())
        self.weeks_first, self.weeks_last = iso_week_range(first, last)
        ranges = {_HOURS: (first, last), _DAYS: (first, last), _CAPPED: (walk_first, last),
                  _WEEKS: (min(first, self.weeks_first), max(last, self.weeks_last)),
                  _PACKAGE: (date.min, last)}
        offerings, referrals = inputs.offerings, inputs.referrals
        wanted = None if providers is None else set(providers)
        placements = {p.ref: p for p in inputs.placements}
        self.own = {ref: p for ref, p in placements.items()
                    if wanted is None or offerings[p.offering].provider in wanted}
        self.warnings: dict[str, list[Warning]] = {}
        self.walks: dict[str, list[_WalkEntry]] = {}
        self.states: dict[str, _State] = {}
        capped = self._own_states(placements, ranges)
        # The cap is the referral's: other providers' hour placements under it share it.
        for ref, p in placements.items():
            if p.referral in capped and ref not in self.states:
                offering = offerings[p.offering]
                if offering.rate_unit == "hour":
                    self.states[ref] = _State(p, offering, referrals[p.referral], _CAPPED,
                                              *ranges[_CAPPED], [])
        for state in self.states.values():
            if state.unit == _CAPPED:
                state.walk = self.walks.setdefault(state.placement.referral, [])
        # hours value -> hundredths; keyed by the object's id (the loader shares one Decimal per
        # value, and hashing a Decimal costs more), the object kept alive beside its result.
        self.hundredths: dict[int, tuple[Decimal, int]] = {}

    def _own_states(self, placements: dict[str, Placement],
                    ranges: dict[str, tuple[date, date]]) -> set[str]:
        """The states of the wanted providers' placements; the capped referrals among them."""
        offerings, referrals = self.inputs.offerings, self.inputs.referrals
        capped = set()
        for ref, p in sorted(self.own.items()):
            offering, referral = offerings[p.offering], referrals[p.referral]
            unit = _UNIT_OF_RATE.get(offering.rate_unit)
            if unit is None:
                raise ValueError(
                    f"offering {offering.ref}: unknown rate unit {offering.rate_unit!r}")
            if unit == _HOURS and referral.max_hours_per_week is not None:
                unit = _CAPPED
                capped.add(p.referral)
            warnings = self.warnings.setdefault(offering.provider, [])
            self.states[ref] = _State(p, offering, referral, unit, *ranges[unit], warnings)
        return capped

    def hundredths_of(self, row: Attendance) -> int:
        hours = row.hours
        found = self.hundredths.get(id(hours))
        if found is not None and found[0] is hours:
            return found[1]
        n = _row_hundredths(row)
        self.hundredths[id(hours)] = (hours, n)
        return n

    def scan(self, fingerprint: bool = False) -> None:  # noqa: C901 - the hot loop, see below
        """One pass over the rows; with `fingerprint`, each row in a placement's range is also
        kept as one integer (date, status, days, hundredths; text when it does not fit) for
        _fingerprints, which hashes them sorted.

        Its branches stay inline: a function call per row would cost more than the rest of the
        loop. What each branch computes is a rule of rules.py, and tests hold them equal.
        """
        first, last = self.first, self.last
        weeks_first, weeks_last = self.weeks_first, self.weeks_last
        hundredths_of, cached = self.hundredths_of, self.hundredths.get
        get = self.states.get
        codes = _STATUS_CODES
        for row in self.inputs.attendance:
            st = get(row.placement)
            if st is None:
                continue
            day = row.date
            if day < st.lo or day > st.hi:
                continue
            may_count = st.ws <= day <= st.we and row.status == "present"
            n = 0
            if may_count or fingerprint:
                hours = row.hours
                found = cached(id(hours))
                h = found[1] if found is not None and found[0] is hours else hundredths_of(row)
                if may_count:
                    n = h
                if fingerprint:
                    packed, code, days = h + _N_OFFSET, codes.get(row.status), row.days
                    if code is not None and 0 <= packed < _N_LIMIT and 0 < days < 256:
                        st.seen.append((((day.toordinal() << 2) | code) << 8 | days) << 32 | packed)
                    else:
                        st.seen.append(f"{day} {row.status} {h} {days}")
            if n > 0:
                unit = st.unit
                if unit == _HOURS:
                    st.quantity += n
                elif unit == _CAPPED:
                    st.walk.append((day, st.placement.start_date, st.placement.ref, n))
                elif unit == _DAYS:
                    st.quantity += row.days
                elif unit == _WEEKS:
                    if weeks_first <= day <= weeks_last:
                        st.weeks.add((day.toordinal() - 1) // 7)  # ordinal 1 is a Monday
                elif st.first_counted is None or day < st.first_counted:
                    st.first_counted = day
            elif first <= day <= last:
                st.warnings.append(Warning(st.placement.ref, day, st.kind, round_money(row.hours),
                                           not_counted_reason(row, (st.ws, st.we)) or ""))
        for referral, entries in self.walks.items():
            self.cap_walk(self.inputs.referrals[referral], entries)

    def cap_walk(self, referral: Referral, entries: list[_WalkEntry]) -> None:
        """Each ISO week touching the period, from its Monday, in date order.

        Same date: the placement with the earlier start first, then the lower ref.
        """
        cap = hundredths(referral.max_hours_per_week or Decimal(0))
        first = self.first
        entries.sort()
        week_end = 0
        used = 0
        for day, _start, ref, n in entries:
            ordinal = day.toordinal()
            if ordinal >= week_end:
                week_end = ordinal - (ordinal - 1) % 7 + 7
                used = 0
            got = min(n, max(cap - used, 0))
            used += got
            if day >= first:
                st = self.states[ref]
                st.quantity += got
                if got < n:
                    st.warnings.append(Warning(ref, day, "hours", _hours(n - got), "over_cap"))

    def results(self) -> OwedByProvider:
        outcomes: dict[str, list[Outcome]] = {}
        for u in self.inputs.outcomes:
            if u.placement in self.own:
                outcomes.setdefault(u.placement, []).append(u)
        bonus_rules = sorted(self.inputs.bonus_rules, key=rule_order)
        rates: dict[tuple[str, str | None], tuple[Decimal, str]] = {}
        by_provider: dict[str, list[Line | None]] = {}
        for ref in sorted(self.own):
            st = self.states[ref]
            offering, level = st.offering, st.referral.level
            found = rates.get((offering.ref, level))
            if found is None:
                found = rates[offering.ref, level] = (placement_rate(offering, st.referral),
                                                      level_note(offering, st.referral))
            lines = by_provider.setdefault(offering.provider, [])
            lines.extend(self.lines(st, *found))
            if ref in outcomes:
                lines.extend(bonus_lines(st.placement, offering, outcomes[ref], bonus_rules,
                                         self.period, level))
        result: OwedByProvider = {}
        for provider in sorted(by_provider.keys() | self.warnings.keys()):
            made = [line for line in by_provider.get(provider, ()) if line is not None]
            made.sort(key=lambda line: (line.placement, line.kind, line.ref_period or ""))
            warnings = self.warnings.get(provider, [])
            warnings.sort(key=lambda w: (w.placement, w.date))
            if made or warnings:
                result[provider] = (made, warnings)
        return result

    def lines(self, st: _State, rate: Decimal, note: str) -> list[Line | None]:
        p, offering, unit = st.placement, st.offering, st.unit
        if unit == _HOURS or unit == _CAPPED:
            return [hour_line(p, offering, _hours(st.quantity), rate, note)]
        if unit == _DAYS:
            return [day_line(p, offering, st.quantity, rate, note)]
        if unit == _WEEKS:
            return [week_line(p, offering, len(st.weeks), rate, note)]
        return package_lines(p, offering, st.first_counted, self.period, rate, note)


def _snapshot(inputs: Inputs) -> tuple[list[Any], ...]:
    return (list(inputs.offerings), list(inputs.offerings.values()), list(inputs.referrals),
            list(inputs.referrals.values()), inputs.placements, inputs.attendance,
            inputs.outcomes, inputs.bonus_rules)


def _memo(inputs: Inputs) -> dict[object, Any]:
    """Results per period for this Inputs, dropped as soon as any of its lists or dicts change."""
    memo = inputs._memo
    # Lists compare element by element, identity first: milliseconds for millions of rows,
    # and an element replaced in place is still noticed.
    if memo is None or memo["snapshot"] != _snapshot(inputs):
        memo = inputs._memo = {"snapshot": tuple(list(part) for part in _snapshot(inputs))}
    return memo


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cycle collector while millions of objects are made.

    Otherwise full collections start again and again and walk every attendance row; the
    engine makes no reference cycles, so nothing is lost by collecting afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def merge_counted(inputs: Inputs) -> list[Attendance]:
    """The attendance with counted days merged where no rule looks at them one by one.

    Counted days (inside the window, present, hours > 0) are merged per month for hour
    placements without a weekly cap and for day placements, per ISO week for week placements,
    and all together for packages. Every other row stays as it is: rows that are not counted
    give warnings, and the weekly cap walks day by day. owed() and its warnings are the same
    for the result as for the rows; the database loader does this merge in SQL (the rows it
    would otherwise hand over are most of a run's time).
    """
    placements = {p.ref: p for p in inputs.placements}
    merged: dict[tuple[Any, ...], list[Any]] = {}
    kept: list[Attendance] = []
    for row in inputs.attendance:
        key = _merge_key(row, placements.get(row.placement), inputs)
        if key is None:
            kept.append(row)
            continue
        found = merged.get(key)
        if found is None:
            merged[key] = [row.date, _row_hundredths(row), row.days]
        else:
            found[0] = min(found[0], row.date)
            found[1] += _row_hundredths(row)
            found[2] += row.days
    kept.extend(Attendance(key[0], day, "present", _hours(n), days)
                for key, (day, n, days) in merged.items())
    return kept


def _merge_key(row: Attendance, placement: Placement | None, inputs: Inputs) -> tuple[Any, ...] | None:
    """Which merged record the row goes into, or None when it stays a row of its own."""
    if placement is None:
        return None
    offering = inputs.offerings[placement.offering]
    referral = inputs.referrals[placement.referral]
    unit = offering.rate_unit
    if unit == "hour" and referral.max_hours_per_week is not None:
        return None
    if not_counted_reason(row, placement_window(placement, referral)) or _row_hundredths(row) <= 0:
        return None
    if unit in ("hour", "day"):
        return row.placement, period_of(row.date)
    if unit == "week":
        return row.placement, row.date - timedelta(days=row.date.weekday())
    if unit == "package":
        return (row.placement,)
    return None


def _owed_pass(inputs: Inputs, period: Period,
               providers: Iterable[str] | None = None) -> OwedByProvider:
    with collection_paused():
        run = _Pass(inputs, period, providers)
        run.scan()
        return run.results()


def _owed_everyone(inputs: Inputs, period: Period) -> OwedByProvider:
    memo = _memo(inputs)
    result = memo.get(("owed", period))
    if result is None:
        result = memo["owed", period] = _owed_pass(inputs, period)
    return result


def owed_all(inputs: Inputs, period: Period,
             providers: Iterable[str] | None = None) -> OwedByProvider:
    """owed() for every provider (or only the given ones) in one pass over the attendance.

    Only providers with lines or warnings are in the result.
    """
    if providers is not None:
        return _owed_pass(inputs, period, providers)
    return {provider: (list(lines), list(warnings))
            for provider, (lines, warnings) in _owed_everyone(inputs, period).items()}


def owed(inputs: Inputs, provider: str, period: Period) -> tuple[list[Line], list[Warning]]:
    """Regular and bonus lines the rules give today for the provider in the period (no adjustments).

    Lines are sorted by (placement, kind), warnings by (placement, date). The first call for a
    period computes every provider at once; later calls on the same data are look-ups.
    """
    lines, warnings = _owed_everyone(inputs, period).get(provider, ((), ()))
    return list(lines), list(warnings)


# --- Fingerprint ---------------------------------------------------------------------------------

# Fingerprint rows are packed into 64 bits as
# ((date ordinal << 2 | status code) << 8 | days) << 32 | hundredths + offset.
_STATUS_CODES = {"present": 1, "absent": 2}
_N_OFFSET = 1 << 31
_N_LIMIT = 1 << 32


def _canon(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return str(value)
    if value is None:
        return ""
    if kind is date:
        return str(value.isoformat())
    if kind is Decimal:
        return format(value.normalize(), "f")
    if kind is int or kind is bool:  # before the Mapping check below, which is slow (an ABC)
        return str(value)
    if isinstance(value, tuple):
        return "[" + ",".join([_canon(v) for v in value]) + "]"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k}:{_canon(v)}" for k, v in sorted(value.items())) + "}"
    if kind is Tier:
        return f"{value.max_days}:{_canon(value.amount)}"
    return str(value)


_FIELDS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _record(tag: str, record: Any) -> str:
    fields = _FIELDS.get(type(record))
    if fields is None:
        names = type(record).__slots__
        get = attrgetter(*names)
        fields = _FIELDS[type(record)] = get if len(names) > 1 else lambda r: (get(r),)
    return tag + "|" + "|".join([v if type(v) is str else _canon(v) for v in fields(record)])


def fingerprint_all(inputs: Inputs, period: Period) -> dict[str, str]:
    """fingerprint() of every provider with placements, in one pass over the attendance."""
    memo = _memo(inputs)
    result = memo.get(("fingerprint", period))
    if result is None:
        result = memo["fingerprint", period] = owed_and_fingerprints(inputs, period)[1]
    return dict(result)


def owed_and_fingerprints(inputs: Inputs, period: Period, providers: Iterable[str] | None = None
                          ) -> tuple[OwedByProvider, dict[str, str]]:
    """owed_all() and fingerprint_all() of every provider (or the given ones) in one pass:
    what a settlement run needs."""
    with collection_paused():
        run = _Pass(inputs, period, providers)
        run.scan(fingerprint=True)
        return run.results(), _fingerprints(inputs, period, run)


def _fingerprints(inputs: Inputs, period: Period, run: _Pass) -> dict[str, str]:
    outcomes: dict[str, list[str]] = {}
    for u in sorted(inputs.outcomes, key=attrgetter("ref")):
        outcomes.setdefault(u.placement, []).append(_record("outcome", u))
    texts: dict[tuple[str, str], str] = {}  # offerings and referrals are shared by many placements

    def text(tag: str, record: Offering | Referral) -> str:
        key = (tag, record.ref)
        found = texts.get(key)
        if found is None:
            found = texts[key] = _record(tag, record)
        return found

    digests = {}
    for ref, st in run.states.items():
        packed = [v for v in st.seen if type(v) is int]
        other = sorted(v for v in st.seen if type(v) is not int) if len(packed) < len(st.seen) else []
        packed.sort()
        parts = [_record("placement", st.placement), text("offering", st.offering),
                 text("referral", st.referral), *outcomes.get(ref, ()), *other,
                 f"rows|{len(packed)}|"]
        digest = hashlib.sha256("\n".join(parts).encode())
        rows = array("Q", packed)
        if sys.byteorder != "little":
            rows.byteswap()
        digest.update(rows.tobytes())
        digests[ref] = digest.hexdigest()
    return _provider_digests(inputs, period, run, digests)


def _provider_digests(inputs: Inputs, period: Period, run: _Pass,
                      digests: dict[str, str]) -> dict[str, str]:
    """Per provider: sha256 over its placements' digests and those sharing a cap with them."""
    common = [f"engine|{ENGINE_VERSION}", f"period|{period}"]
    common.extend(_record("rule", rule)
                  for rule in sorted(inputs.bonus_rules, key=attrgetter("ref")))
    by_provider: dict[str, set[str]] = {}
    sharing: dict[str, set[str]] = {}
    for ref, st in run.states.items():
        if ref in run.own:  # not another provider's placement that only shares a cap
            by_provider.setdefault(st.offering.provider, set()).add(ref)
        if st.unit == _CAPPED:
            sharing.setdefault(st.placement.referral, set()).add(ref)
    result = {}
    for provider, refs in by_provider.items():
        related = set(refs)
        for ref in refs:
            related |= sharing.get(run.states[ref].placement.referral, set())
        lines = [*common, f"provider|{provider}",
                 *(f"{ref}|{digests[ref]}" for ref in sorted(related))]
        result[provider] = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return result


def fingerprint(inputs: Inputs, provider: str, period: Period) -> str:
    """sha256 over everything that can change the provider's lines or warnings for the period.

    Independent of input order and of how equal numbers are written ("8" vs "8.00").
    """
    found = fingerprint_all(inputs, period).get(provider)
    if found is not None:
        return found
    common = [f"engine|{ENGINE_VERSION}", f"period|{period}", f"provider|{provider}"]
    return hashlib.sha256("\n".join(common).encode()).hexdigest()
