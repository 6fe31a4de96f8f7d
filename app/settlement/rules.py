"""The settlement rules of shared/spec/settlement.md as pure functions: plain records in, lines out.

Nothing here knows Flask or SQL. Amounts are Decimal; hours are handled internally as
integer hundredths so that two million attendance rows can be walked in a few seconds.
"""
from __future__ import annotations

import gc
import hashlib
import re
import sys
from array import array
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter
from typing import NamedTuple

from app.common.money import ZERO, money, round_money

Period = str  # 'YYYY-MM'

# Bump when a rule changes, so fingerprints of old drafts stop matching.
ENGINE_VERSION = "nacka-1"

LINE_KINDS = ("hours", "days", "weeks", "package_start", "package_completion",
              "bonus_result", "bonus_sustained", "adjustment")
KIND_OF_RATE_UNIT = {"hour": "hours", "day": "days", "week": "weeks", "package": "package_start"}
COMPLETING_END_REASONS = frozenset({"completed", "result"})
WARNING_REASONS = ("outside_window", "absent", "zero_hours", "over_cap")

KIND_NAMES_SV = {
    "hours": "timmar", "days": "dagar", "weeks": "veckor", "package_start": "paket, startdel",
    "package_completion": "paket, slutdel", "bonus_result": "resultatbonus",
    "bonus_sustained": "bonus för bestående resultat", "adjustment": "justering",
}


# --- Records -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Offering:
    """Terms are frozen once a placement uses them: a new price is a new offering."""

    ref: str
    provider: str
    service_type: str
    rate_unit: str  # 'hour' | 'day' | 'week' | 'package'
    rate: Decimal
    vat_rate: int
    start_share: int = 50


@dataclass(frozen=True, slots=True)
class Referral:
    ref: str
    valid_from: date
    valid_to: date
    max_hours_per_week: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    ref: str
    referral: str
    offering: str
    start_date: date
    ended_on: date | None = None
    end_reason: str | None = None
    client_birth_date: date | None = None
    client_newly_arrived: bool = False


class Attendance(NamedTuple):
    """One day's attendance, or several counted days of one placement merged into one record.

    A tuple, not a dataclass: millions are made per run and a tuple is the cheapest record.
    The database loader merges counted days no rule looks at one by one (merge_counted()):
    `date` is then the earliest of them, `hours` their sum and `days` how many they were.
    """

    placement: str
    date: date
    status: str  # 'present' | 'absent'
    hours: Decimal
    days: int = 1


@dataclass(frozen=True, slots=True)
class Outcome:
    ref: str
    placement: str
    kind: str  # 'employment' | 'studies'
    result_date: date
    verified_on: date | None = None
    sustained_verified_on: date | None = None


@dataclass(frozen=True, slots=True)
class Tier:
    max_days: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class BonusRule:
    """Never edited once it has paid out: new terms are a new rule with placements_from."""

    ref: str
    priority: int
    service_types: tuple[str, ...]
    outcome_kinds: tuple[str, ...]
    tiers: tuple[Tier, ...]
    min_age: int | None = None
    max_age: int | None = None
    newly_arrived: bool | None = None
    placements_from: date | None = None
    placements_to: date | None = None
    grace_days: int = 30
    sustain_days: int = 90
    sustain_amount: Decimal = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Line:
    placement: str
    kind: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    vat_rate: int
    vat: Decimal
    ref_period: str | None = None
    ref_kind: str | None = None
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class Warning:  # noqa: A001 - the spec's word; the builtin is not used here
    """An attendance row of the period that was not (fully) paid, and why."""

    placement: str
    date: date
    kind: str  # the line kind the row would have fed: hours, days, weeks, package_start
    hours: Decimal  # the hours not paid
    reason: str  # one of WARNING_REASONS

    @property
    def message(self) -> str:
        return warning_message(self)


OwedByProvider = dict[str, tuple[list[Line], list[Warning]]]  # what owed_all() gives


@dataclass
class Inputs:
    """Everything the rules read; at most one attendance row per (placement, date).

    owed() remembers its results per period and forgets them as soon as a list or dict changes.
    """

    offerings: dict[str, Offering]
    referrals: dict[str, Referral]
    placements: list[Placement]
    attendance: list[Attendance]
    outcomes: list[Outcome]
    bonus_rules: list[BonusRule]
    _memo: dict | None = field(default=None, init=False, repr=False, compare=False)


class Totals(NamedTuple):
    excl: Decimal
    vat: Decimal
    incl: Decimal

    @property
    def credit_note(self) -> bool:
        """A settlement whose total (incl. VAT) is negative is a kreditnota."""
        return self.incl < 0


# --- Periods, dates and people -------------------------------------------------------------------

_PERIOD_RE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def period_of(day: date) -> Period:
    return f"{day.year:04d}-{day.month:02d}"


def _parse_period(period: Period) -> tuple[int, int]:
    m = _PERIOD_RE.fullmatch(period or "")
    if not m:
        raise ValueError(f"period must be YYYY-MM, not {period!r}")
    return int(m[1]), int(m[2])


def period_bounds(period: Period) -> tuple[date, date]:
    """First and last day of the month."""
    year, month = _parse_period(period)
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def next_period(period: Period) -> Period:
    year, month = _parse_period(period)
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def previous_period(period: Period) -> Period:
    year, month = _parse_period(period)
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def week_thursday(day: date) -> date:
    """The Thursday of day's ISO week (Monday-Sunday)."""
    return day + timedelta(days=3 - day.weekday())


def week_period(day: date) -> Period:
    """An ISO week belongs to the month that contains its Thursday."""
    return period_of(week_thursday(day))


def attendance_dates_needed(period: Period) -> tuple[date, date]:
    """Attendance dated in this range is all owed() reads for hour, day and week placements.

    Package placements also need their earlier rows (the first counted date decides the start
    instalment's month).
    """
    first, last = period_bounds(period)
    return first - timedelta(days=first.weekday()), max(last, _week_range(first, last)[1])


def age_on(birth: date, day: date) -> int:
    """Whole years; someone born on 29 February has a birthday on 1 March in other years."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


_PERSONAL_ID_RE = re.compile(r"(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{4})")


def birth_date_from_personal_id(personal_id: str, on: date | None = None) -> date:
    """Birth date of a personnummer or samordningsnummer (day + 60).

    Accepts YYYYMMDD-XXXX, YYYYMMDDXXXX, YYMMDD-XXXX, YYMMDDXXXX and YYMMDD+XXXX (100 or
    older). `on` is the day the 10-digit form is read (default today); it decides the century.
    The check digit is not verified here (app.common.identifiers does that).
    """
    m = _PERSONAL_ID_RE.fullmatch((personal_id or "").strip())
    if not m:
        raise ValueError("not a personnummer or samordningsnummer")
    century, yy, mm, dd, sep, _ = m.groups()
    month, day = int(mm), int(dd)
    if day > 60:
        day -= 60
    if century:
        return date(int(century + yy), month, day)
    on = on or date.today()
    year = on.year - (on.year - int(yy)) % 100
    if (year, month, day) > (on.year, on.month, on.day):
        year -= 100
    if sep == "+":
        year -= 100
    return date(year, month, day)


# --- Money on a line -----------------------------------------------------------------------------

def vat_of(amount: Decimal, vat_rate: int) -> Decimal:
    return round_money(amount * vat_rate / 100)


def make_line(placement: str, kind: str, quantity: Decimal, unit_price: Decimal, vat_rate: int,
              explanation: str = "", ref_period: str | None = None,
              ref_kind: str | None = None) -> Line | None:
    """amount = round(quantity × unit_price), vat from the line's own amount; None for 0.00."""
    amount = round_money(quantity * unit_price)
    if not amount:
        return None
    return Line(placement, kind, quantity, unit_price, amount, vat_rate, vat_of(amount, vat_rate),
                ref_period, ref_kind, explanation)


def settlement_totals(lines: Iterable[Line]) -> Totals:
    """Totals are sums of the rounded lines; `.credit_note` when the total is negative."""
    excl = vat = ZERO
    for line in lines:
        excl += line.amount
        vat += line.vat
    return Totals(excl, vat, excl + vat)


def sek(amount: Decimal) -> str:
    """'10 000,00' — Swedish digits for explanations (pages format through Babel)."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",")


# --- The placement window and counted dates ------------------------------------------------------

def placement_window(placement: Placement, referral: Referral) -> tuple[date, date]:
    """max(start, valid_from) .. min(ended_on, valid_to), both ends included (may be empty)."""
    start = max(placement.start_date, referral.valid_from)
    end = referral.valid_to
    if placement.ended_on is not None and placement.ended_on < end:
        end = placement.ended_on
    return start, end


def not_counted_reason(row: Attendance, window: tuple[date, date]) -> str | None:
    """Why a row is not a counted date, or None when it counts."""
    if not window[0] <= row.date <= window[1]:
        return "outside_window"
    if row.status != "present":
        return "absent"
    if row.hours <= 0:
        return "zero_hours"
    return None


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


def _week_range(first: date, last: date) -> tuple[date, date]:
    """Monday of the first and Sunday of the last ISO week whose Thursday is in first..last."""
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    last_thursday = last - timedelta(days=(last.weekday() - 3) % 7)
    return first_thursday - timedelta(days=3), last_thursday + timedelta(days=3)


# --- Packages ------------------------------------------------------------------------------------

def package_start_instalment(offering: Offering) -> Decimal:
    return round_money(money(offering.rate) * offering.start_share / 100)


def package_completion_instalment(offering: Offering) -> Decimal:
    return money(offering.rate) - package_start_instalment(offering)


# --- Result bonus --------------------------------------------------------------------------------

def _rule_order(rule: BonusRule) -> tuple[int, str]:
    return rule.priority, rule.ref


def bonus_rule_for(placement: Placement, offering: Offering,
                   rules: Iterable[BonusRule]) -> BonusRule | None:
    """First rule by priority (tie: lower ref) matching service type, age, newly arrived, dates.

    Outcome kinds take no part. A rule with an age limit never matches an unknown birth date.
    """
    start = placement.start_date
    age = age_on(placement.client_birth_date, start) if placement.client_birth_date else None
    for rule in sorted(rules, key=_rule_order):
        if offering.service_type not in rule.service_types:
            continue
        if rule.min_age is not None and (age is None or age < rule.min_age):
            continue
        if rule.max_age is not None and (age is None or age > rule.max_age):
            continue
        if rule.newly_arrived is not None and rule.newly_arrived != placement.client_newly_arrived:
            continue
        if rule.placements_from is not None and start < rule.placements_from:
            continue
        if rule.placements_to is not None and start > rule.placements_to:
            continue
        return rule
    return None


def placement_result(placement: Placement, outcomes: Iterable[Outcome],
                     rule: BonusRule) -> Outcome | None:
    """The earliest verified outcome of a rewarded kind from start to ended_on + grace_days.

    Ties: earliest result_date, then lower ref.
    """
    latest = None if placement.ended_on is None else placement.ended_on + timedelta(rule.grace_days)
    candidates = [
        u for u in outcomes
        if u.placement == placement.ref and u.kind in rule.outcome_kinds
        and u.verified_on is not None and u.result_date >= placement.start_date
        and (latest is None or u.result_date <= latest)
    ]
    return min(candidates, key=lambda u: (u.verified_on, u.result_date, u.ref), default=None)


def bonus_tier(placement: Placement, result: Outcome, rule: BonusRule) -> Tier | None:
    """The first tier (ascending max_days) with days ≤ max_days; days = result_date − start."""
    days = (result.result_date - placement.start_date).days
    for tier in sorted(rule.tiers, key=attrgetter("max_days")):
        if days <= tier.max_days:
            return tier
    return None


def sustainment_due(result: Outcome, rule: BonusRule) -> bool:
    """Whether a result that earned a bonus also earns the sustainment bonus."""
    return (rule.sustain_amount > 0 and result.sustained_verified_on is not None
            and result.sustained_verified_on >= result.result_date + timedelta(rule.sustain_days))


def bonus_lines(placement: Placement, offering: Offering, outcomes: Iterable[Outcome],
                rules: Iterable[BonusRule], period: Period) -> list[Line]:
    """The result and sustainment bonus lines of one placement due in the period."""
    rule = bonus_rule_for(placement, offering, rules)
    if rule is None:
        return []
    result = placement_result(placement, outcomes, rule)
    if result is None:
        return []
    tier = bonus_tier(placement, result, rule)
    if tier is None:
        return []
    lines = []
    if period_of(result.verified_on) == period:
        days = (result.result_date - placement.start_date).days
        amount = money(tier.amount)
        lines.append(make_line(
            placement.ref, "bonus_result", Decimal("1.00"), amount, offering.vat_rate,
            f"bonus: resultat dag {days} ≤ {tier.max_days} → {sek(amount)} kr"))
    if sustainment_due(result, rule) and period_of(result.sustained_verified_on) == period:
        amount = money(rule.sustain_amount)
        lines.append(make_line(
            placement.ref, "bonus_sustained", Decimal("1.00"), amount, offering.vat_rate,
            f"bonus: resultatet bestod {rule.sustain_days} dagar "
            f"(verifierat {result.sustained_verified_on}) → {sek(amount)} kr"))
    return [line for line in lines if line is not None]


# --- Adjustments ---------------------------------------------------------------------------------

def owed_by_key(lines: Iterable[Line]) -> dict[tuple[str, str, int], Decimal]:
    """Sum of amounts per (placement, kind, vat_rate)."""
    sums: dict[tuple[str, str, int], Decimal] = {}
    for line in lines:
        key = (line.placement, line.kind, line.vat_rate)
        sums[key] = sums.get(key, ZERO) + line.amount
    return sums


def approved_by_key(lines: Iterable[Line],
                    ref_period: Period) -> dict[tuple[str, str, int], Decimal]:
    """Like owed_by_key, but an adjustment counts under the kind it corrects (ref_kind).

    Adjustments that refer to another period than ref_period are left out.
    """
    sums: dict[tuple[str, str, int], Decimal] = {}
    for line in lines:
        if line.kind == "adjustment":
            if line.ref_period != ref_period:
                continue
            key = (line.placement, line.ref_kind, line.vat_rate)
        else:
            key = (line.placement, line.kind, line.vat_rate)
        sums[key] = sums.get(key, ZERO) + line.amount
    return sums


def adjustment_lines(owed_for_q: Iterable[Line], approved_for_q: Iterable[Line],
                     ref_period: Period) -> list[Line]:
    """What Q is owed today minus all approved for Q, per (placement, kind, vat_rate).

    owed_for_q: owed() for Q with today's data. approved_for_q: the lines of Q's approved
    settlement plus the approved adjustments that refer to Q. 0.00 is left out.
    """
    owed_lines = list(owed_for_q)
    if any(line.kind == "adjustment" for line in owed_lines):
        raise ValueError("owed_for_q holds adjustment lines; pass what owed() gives")
    owed_sums = owed_by_key(owed_lines)
    approved_sums = approved_by_key(approved_for_q, ref_period)
    lines = []
    for key in sorted(owed_sums.keys() | approved_sums.keys()):
        placement, kind, vat_rate = key
        now, before = owed_sums.get(key, ZERO), approved_sums.get(key, ZERO)
        line = make_line(
            placement, "adjustment", Decimal("1.00"), now - before, vat_rate,
            f"justering {KIND_NAMES_SV.get(kind, kind)} {ref_period}: "
            f"{sek(now)} kr nu − {sek(before)} kr godkänt",
            ref_period=ref_period, ref_kind=kind)
        if line is not None:
            lines.append(line)
    return lines


# --- Warnings ------------------------------------------------------------------------------------

def warning_message(warning: Warning) -> str:
    """The Swedish text finance sees beside an unpaid attendance row."""
    hours = f"{sek(warning.hours)} h"
    text = {
        "outside_window": f"{hours} utanför placeringens period (start, slut eller beslut) "
                          "betalas inte",
        "absent": "frånvaro betalas inte",
        "zero_hours": "närvaro utan timmar betalas inte",
        "over_cap": f"{hours} över beslutets tak för veckan betalas inte",
    }.get(warning.reason, warning.reason)
    return f"{warning.date}: {text}"


# --- The engine ----------------------------------------------------------------------------------
#
# Attendance is read in one sequential pass: each row updates a small state of its placement.
# Walking rows grouped per placement instead costs a cache miss per row, which for two
# million rows is most of the run time.

_HOURS, _CAPPED, _DAYS, _WEEKS, _PACKAGE = "hours", "capped", "days", "weeks", "package"
_UNIT_OF_RATE = {"hour": _HOURS, "day": _DAYS, "week": _WEEKS, "package": _PACKAGE}


class _State:
    """What one placement collects while the attendance rows stream past."""

    __slots__ = ("placement", "offering", "referral", "unit", "kind", "lo", "hi", "ws", "we",
                 "quantity", "first_counted", "weeks", "walk", "warnings", "seen")

    def __init__(self, placement: Placement, offering: Offering, referral: Referral, unit: str,
                 lo: date, hi: date, warnings: list):
        self.placement, self.offering, self.referral = placement, offering, referral
        self.unit, self.kind = unit, KIND_OF_RATE_UNIT[offering.rate_unit]
        self.lo, self.hi = lo, hi  # the rows this placement reads in the period
        self.ws, self.we = placement_window(placement, referral)
        self.quantity = 0
        self.first_counted: date | None = None
        self.weeks: set[int] = set()
        self.walk: list | None = None
        self.warnings = warnings
        self.seen: list = []


class _Pass:
    """One period for some or all providers: the placement states, then one scan of the rows."""

    def __init__(self, inputs: Inputs, period: Period, providers: Iterable[str] | None = None):
        self.inputs, self.period = inputs, period
        first, last = self.first, self.last = period_bounds(period)
        # Weeks crossing the month start are walked whole, from their Monday.
        walk_first = first - timedelta(days=first.weekday())
        self.weeks_first, self.weeks_last = _week_range(first, last)
        ranges = {_HOURS: (first, last), _DAYS: (first, last), _CAPPED: (walk_first, last),
                  _WEEKS: (min(first, self.weeks_first), max(last, self.weeks_last)),
                  _PACKAGE: (date.min, last)}
        offerings, referrals = inputs.offerings, inputs.referrals
        wanted = None if providers is None else set(providers)
        placements = {p.ref: p for p in inputs.placements}
        self.own = {ref: p for ref, p in placements.items()
                    if wanted is None or offerings[p.offering].provider in wanted}
        self.warnings: dict[str, list[Warning]] = {}
        self.walks: dict[str, list] = {}
        self.states: dict[str, _State] = {}
        capped = set()
        for ref, p in sorted(placements.items()):
            offering, referral = offerings[p.offering], referrals[p.referral]
            unit = _UNIT_OF_RATE.get(offering.rate_unit)
            if unit is None:
                raise ValueError(
                    f"offering {offering.ref}: unknown rate unit {offering.rate_unit!r}")
            if unit == _HOURS and referral.max_hours_per_week is not None:
                unit = _CAPPED
                if ref in self.own:
                    capped.add(p.referral)
            if ref in self.own:
                warnings = self.warnings.setdefault(offering.provider, [])
                self.states[ref] = _State(p, offering, referral, unit, *ranges[unit], warnings)
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

    def hundredths_of(self, row: Attendance) -> int:
        hours = row.hours
        found = self.hundredths.get(id(hours))
        if found is not None and found[0] is hours:
            return found[1]
        n = _row_hundredths(row)
        self.hundredths[id(hours)] = (hours, n)
        return n

    def scan(self, fingerprint: bool = False) -> None:
        """One pass over the rows; with `fingerprint`, each row in a placement's range is also
        kept as one integer (date, status, days, hundredths; text when it does not fit) for
        _fingerprints, which hashes them sorted."""
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
                                           not_counted_reason(row, (st.ws, st.we))))
        for referral, entries in self.walks.items():
            self.cap_walk(self.inputs.referrals[referral], entries)

    def cap_walk(self, referral: Referral, entries: list) -> None:
        """Each ISO week touching the period, from its Monday, in date order.

        Same date: the placement with the earlier start first, then the lower ref.
        """
        cap = hundredths(referral.max_hours_per_week)
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
        bonus_rules = sorted(self.inputs.bonus_rules, key=_rule_order)
        rates: dict[str, Decimal] = {}
        by_provider: dict[str, list[Line]] = {}
        for ref in sorted(self.own):
            st = self.states[ref]
            offering = st.offering
            rate = rates.get(offering.ref)
            if rate is None:
                rate = rates[offering.ref] = money(offering.rate)
            lines = by_provider.setdefault(offering.provider, [])
            lines.extend(self.lines(st, rate))
            if ref in outcomes:
                lines.extend(bonus_lines(st.placement, offering, outcomes[ref], bonus_rules,
                                         self.period))
        result = {}
        for provider in sorted(by_provider.keys() | self.warnings.keys()):
            lines = [line for line in by_provider.get(provider, ()) if line is not None]
            lines.sort(key=lambda line: (line.placement, line.kind, line.ref_period or ""))
            warnings = self.warnings.get(provider, [])
            warnings.sort(key=lambda w: (w.placement, w.date))
            if lines or warnings:
                result[provider] = (lines, warnings)
        return result

    def lines(self, st: _State, rate: Decimal) -> list[Line | None]:
        p, offering, unit = st.placement, st.offering, st.unit
        vat_rate = offering.vat_rate
        if unit == _HOURS or unit == _CAPPED:
            quantity = _hours(st.quantity)
            return [make_line(p.ref, "hours", quantity, rate, vat_rate,
                              f"{sek(quantity)} h × {sek(rate)} kr")]
        if unit == _DAYS:
            days = st.quantity
            return [make_line(p.ref, "days", Decimal(f"{days}.00"), rate, vat_rate,
                              f"{days} {'dag' if days == 1 else 'dagar'} × {sek(rate)} kr")]
        if unit == _WEEKS:
            weeks = len(st.weeks)
            return [make_line(p.ref, "weeks", Decimal(f"{weeks}.00"), rate, vat_rate,
                              f"{weeks} {'vecka' if weeks == 1 else 'veckor'} × {sek(rate)} kr")]
        return package_lines(p, offering, st.first_counted, self.period)


def package_lines(placement: Placement, offering: Offering, first_counted: date | None,
                  period: Period) -> list[Line | None]:
    """The package instalments due in the period.

    Start: in the month of the first counted date. Completion: in the month of ended_on when
    the placement was completed or ended with a result, and only if a start was due at all.
    """
    if first_counted is None:
        return []
    rate = money(offering.rate)
    start = package_start_instalment(offering)
    lines = []
    if period_of(first_counted) == period:
        lines.append(make_line(
            placement.ref, "package_start", Decimal("1.00"), start, offering.vat_rate,
            f"startdel {offering.start_share} % av {sek(rate)} kr "
            f"(första närvarodag {first_counted})"))
    if (placement.end_reason in COMPLETING_END_REASONS and placement.ended_on is not None
            and period_of(placement.ended_on) == period):
        lines.append(make_line(
            placement.ref, "package_completion", Decimal("1.00"),
            package_completion_instalment(offering), offering.vat_rate,
            f"slutdel {sek(rate)} − {sek(start)} kr (avslutad {placement.ended_on})"))
    return lines


def _snapshot(inputs: Inputs) -> tuple:
    return (list(inputs.offerings), list(inputs.offerings.values()), list(inputs.referrals),
            list(inputs.referrals.values()), inputs.placements, inputs.attendance,
            inputs.outcomes, inputs.bonus_rules)


def _memo(inputs: Inputs) -> dict:
    """Results per period for this Inputs, dropped as soon as any of its lists or dicts change."""
    memo = inputs._memo
    # Lists compare element by element, identity first: milliseconds for millions of rows,
    # and an element replaced in place is still noticed.
    if memo is None or memo["snapshot"] != _snapshot(inputs):
        memo = inputs._memo = {"snapshot": tuple(list(part) for part in _snapshot(inputs))}
    return memo


@contextmanager
def collection_paused():
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
    merged: dict[tuple, list] = {}
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


def _merge_key(row: Attendance, placement: Placement | None, inputs: Inputs) -> tuple | None:
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


def _canon(value) -> str:
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return ""
    if kind is date:
        return value.isoformat()
    if kind is Decimal:
        return format(value.normalize(), "f")
    if isinstance(value, tuple):
        return "[" + ",".join([_canon(v) for v in value]) + "]"
    if kind is Tier:
        return f"{value.max_days}:{_canon(value.amount)}"
    return str(value)


_FIELDS: dict[type, attrgetter] = {}


def _record(tag: str, record) -> str:
    fields = _FIELDS.get(type(record))
    if fields is None:
        names = type(record).__slots__
        fields = _FIELDS[type(record)] = (attrgetter(*names) if len(names) > 1
                                          else lambda r, get=attrgetter(*names): (get(r),))
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
    texts: dict[str, str] = {}  # offerings and referrals are shared by many placements

    def text(tag, record):
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
