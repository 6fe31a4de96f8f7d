"""The settlement rules of shared/spec/settlement.md as pure functions: plain records in, lines out.

One function per rule, named as in the spec, short enough to check by hand beside it: this is
the reference. Nothing here knows Flask or SQL. The engine that runs a month of two million
attendance rows in seconds is fast.py, proven equal to owed() here by property tests.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter

from app.common.money import ZERO, money, round_money
from app.common.periods import iso_week_range, period_bounds, period_of, week_period, week_thursday
from app.common.periods import next_period as next_period  # re-exported: the rules' vocabulary
from app.common.periods import previous_period as previous_period
from app.settlement.records import (  # noqa: F401 - re-exported: the rules' vocabulary
    COMPLETING_END_REASONS,
    ENGINE_VERSION,
    KIND_NAMES_SV,
    KIND_OF_RATE_UNIT,
    LINE_KINDS,
    WARNING_REASONS,
    Attendance,
    BonusRule,
    Inputs,
    Line,
    Offering,
    Outcome,
    OwedByProvider,
    Period,
    Placement,
    Referral,
    Tier,
    Totals,
    Warning,
)

# --- Dates and people ----------------------------------------------------------------------------

def attendance_dates_needed(period: Period) -> tuple[date, date]:
    """Attendance dated in this range is all owed() reads for hour, day and week placements.

    Package placements also need their earlier rows (the first counted date decides the start
    instalment's month).
    """
    first, last = period_bounds(period)
    return first - timedelta(days=first.weekday()), max(last, iso_week_range(first, last)[1])


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


# --- The rate ------------------------------------------------------------------------------------

def placement_rate(offering: Offering, referral: Referral) -> Decimal:
    """offering.level_rates[level] when the referral has a level the offering prices, else its rate."""
    if referral.level is not None and referral.level in offering.level_rates:
        return money(offering.level_rates[referral.level])
    return money(offering.rate)


def level_note(offering: Offering, referral: Referral) -> str:
    """' (nivå C)' after a computation paid at a level's rate, '' otherwise."""
    if referral.level is not None and referral.level in offering.level_rates:
        return f" (nivå {referral.level})"
    return ""


# --- Packages ------------------------------------------------------------------------------------

def package_start_instalment(offering: Offering, rate: Decimal | None = None) -> Decimal:
    """round(rate × start_share / 100); `rate` is the placement's (default the offering's)."""
    return round_money(money(offering.rate if rate is None else rate) * offering.start_share / 100)


def package_completion_instalment(offering: Offering, rate: Decimal | None = None) -> Decimal:
    """rate − start instalment."""
    rate = money(offering.rate if rate is None else rate)
    return rate - package_start_instalment(offering, rate)


# --- Result bonus --------------------------------------------------------------------------------

def rule_order(rule: BonusRule) -> tuple[int, str]:
    return rule.priority, rule.ref


def bonus_rule_for(placement: Placement, offering: Offering, rules: Iterable[BonusRule],
                   level: str | None = None) -> BonusRule | None:
    """First rule by priority (tie: lower ref) matching service type, age, newly arrived, level
    (the referral's) and dates.

    Outcome kinds take no part. A rule with an age limit never matches an unknown birth date; a
    rule with levels never matches a referral without a level.
    """
    start = placement.start_date
    age = age_on(placement.client_birth_date, start) if placement.client_birth_date else None
    for rule in sorted(rules, key=rule_order):
        if offering.service_type not in rule.service_types:
            continue
        if rule.min_age is not None and (age is None or age < rule.min_age):
            continue
        if rule.max_age is not None and (age is None or age > rule.max_age):
            continue
        if rule.newly_arrived is not None and rule.newly_arrived != placement.client_newly_arrived:
            continue
        if rule.levels and level not in rule.levels:
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
                rules: Iterable[BonusRule], period: Period, level: str | None = None) -> list[Line]:
    """The result and sustainment bonus lines of one placement due in the period."""
    rule = bonus_rule_for(placement, offering, rules, level)
    if rule is None:
        return []
    result = placement_result(placement, outcomes, rule)
    if result is None:
        return []
    tier = bonus_tier(placement, result, rule)
    if tier is None:
        return []
    lines = []
    if result.verified_on is not None and period_of(result.verified_on) == period:
        days = (result.result_date - placement.start_date).days
        amount = money(tier.amount)
        lines.append(make_line(
            placement.ref, "bonus_result", Decimal("1.00"), amount, offering.vat_rate,
            f"bonus: resultat dag {days} ≤ {tier.max_days} → {sek(amount)} kr"))
    sustained = result.sustained_verified_on
    if sustainment_due(result, rule) and sustained is not None and period_of(sustained) == period:
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
            key = (line.placement, line.ref_kind or "", line.vat_rate)
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


# --- 1-3. Hour, day and week lines ---------------------------------------------------------------

def counted_days(placement: Placement, referral: Referral,
                 rows: Iterable[Attendance]) -> list[Attendance]:
    """The placement's counted dates: inside its window, present, hours > 0."""
    window = placement_window(placement, referral)
    return [row for row in rows if not_counted_reason(row, window) is None]


def hour_line(placement: Placement, offering: Offering, hours: Decimal, rate: Decimal,
              note: str = "") -> Line | None:
    """`kind=hours`: paid hours × the placement's rate (`note`: level_note())."""
    return make_line(placement.ref, "hours", hours, rate, offering.vat_rate,
                     f"{sek(hours)} h × {sek(rate)} kr{note}")


def day_line(placement: Placement, offering: Offering, days: int, rate: Decimal,
             note: str = "") -> Line | None:
    """`kind=days`: counted dates × the placement's rate."""
    return make_line(placement.ref, "days", Decimal(f"{days}.00"), rate, offering.vat_rate,
                     f"{days} {'dag' if days == 1 else 'dagar'} × {sek(rate)} kr{note}")


def week_line(placement: Placement, offering: Offering, weeks: int, rate: Decimal,
              note: str = "") -> Line | None:
    """`kind=weeks`: weeks with a counted date × the placement's rate."""
    return make_line(placement.ref, "weeks", Decimal(f"{weeks}.00"), rate, offering.vat_rate,
                     f"{weeks} {'vecka' if weeks == 1 else 'veckor'} × {sek(rate)} kr{note}")


def hour_lines(placement: Placement, offering: Offering, referral: Referral,
               counted: Iterable[Attendance], period: Period) -> list[Line]:
    """Rule 1 without a weekly cap: every counted hour in the period is paid."""
    hours = sum((row.hours for row in counted if period_of(row.date) == period), ZERO)
    line = hour_line(placement, offering, hours, placement_rate(offering, referral),
                     level_note(offering, referral))
    return [] if line is None else [line]


CapEntry = tuple[date, date, str, Decimal]  # (date, placement start, placement ref, hours)


def cap_walk(cap: Decimal, entries: Iterable[CapEntry]) -> dict[tuple[str, date], Decimal]:
    """Rule 1's weekly cap: the paid hours of each (placement, date).

    Per ISO week, dates in order (same date: earlier start, then lower ref); each date gets
    min(hours, cap − already paid that week).
    """
    used: dict[date, Decimal] = {}
    paid = {}
    for day, _start, ref, hours in sorted(entries):
        monday = day - timedelta(days=day.weekday())
        got = min(hours, max(cap - used.get(monday, ZERO), ZERO))
        used[monday] = used.get(monday, ZERO) + got
        paid[ref, day] = got
    return paid


def capped_hour_lines(placement: Placement, offering: Offering, referral: Referral,
                      paid: dict[tuple[str, date], Decimal], counted: Iterable[Attendance],
                      period: Period) -> tuple[list[Line], list[Warning]]:
    """Rule 1 under a weekly cap: the paid hours of the period, and a warning per cut date."""
    hours = ZERO
    warnings = []
    for row in counted:
        if period_of(row.date) != period:
            continue
        got = paid[placement.ref, row.date]
        hours += got
        if got < row.hours:
            warnings.append(Warning(placement.ref, row.date, "hours", row.hours - got, "over_cap"))
    line = hour_line(placement, offering, hours, placement_rate(offering, referral),
                     level_note(offering, referral))
    return ([] if line is None else [line]), warnings


def day_lines(placement: Placement, offering: Offering, referral: Referral,
              counted: Iterable[Attendance], period: Period) -> list[Line]:
    """Rule 2: quantity = counted dates in the period."""
    days = sum(row.days for row in counted if period_of(row.date) == period)
    line = day_line(placement, offering, days, placement_rate(offering, referral),
                    level_note(offering, referral))
    return [] if line is None else [line]


def week_lines(placement: Placement, offering: Offering, referral: Referral,
               counted: Iterable[Attendance], period: Period) -> list[Line]:
    """Rule 3: weeks belonging to the period (by their Thursday) with a counted date."""
    weeks = {week_thursday(row.date) for row in counted if week_period(row.date) == period}
    line = week_line(placement, offering, len(weeks), placement_rate(offering, referral),
                     level_note(offering, referral))
    return [] if line is None else [line]


# --- 4. Package instalments ----------------------------------------------------------------------

def package_lines(placement: Placement, offering: Offering, first_counted: date | None,
                  period: Period, rate: Decimal | None = None, note: str = "") -> list[Line | None]:
    """The package instalments due in the period.

    Start: in the month of the first counted date. Completion: in the month of ended_on when
    the placement was completed or ended with a result, and only if a start was due at all.
    """
    if first_counted is None:
        return []
    rate = money(offering.rate if rate is None else rate)
    start = package_start_instalment(offering, rate)
    lines = []
    if period_of(first_counted) == period:
        lines.append(make_line(
            placement.ref, "package_start", Decimal("1.00"), start, offering.vat_rate,
            f"startdel {offering.start_share} % av {sek(rate)} kr{note} "
            f"(första närvarodag {first_counted})"))
    if (placement.end_reason in COMPLETING_END_REASONS and placement.ended_on is not None
            and period_of(placement.ended_on) == period):
        lines.append(make_line(
            placement.ref, "package_completion", Decimal("1.00"),
            package_completion_instalment(offering, rate), offering.vat_rate,
            f"slutdel {sek(rate)} − {sek(start)} kr{note} (avslutad {placement.ended_on})"))
    return lines


# --- Warnings ------------------------------------------------------------------------------------

def not_counted_warnings(placement: Placement, offering: Offering, referral: Referral,
                         rows: Iterable[Attendance], period: Period) -> list[Warning]:
    """A warning for each row of the period that is not a counted date."""
    window = placement_window(placement, referral)
    kind = KIND_OF_RATE_UNIT[offering.rate_unit]
    warnings = []
    for row in rows:
        reason = not_counted_reason(row, window)
        if reason is not None and period_of(row.date) == period:
            warnings.append(Warning(placement.ref, row.date, kind, round_money(row.hours), reason))
    return warnings


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


# --- What a provider is owed ---------------------------------------------------------------------

def capped_walks(inputs: Inputs, rows: dict[str, list[Attendance]]
                 ) -> dict[str, dict[tuple[str, date], Decimal]]:
    """cap_walk() of every capped referral over the counted dates of all its hour placements."""
    entries: dict[str, list[CapEntry]] = {}
    for p in inputs.placements:
        referral = inputs.referrals[p.referral]
        if referral.max_hours_per_week is None or inputs.offerings[p.offering].rate_unit != "hour":
            continue
        found = entries.setdefault(p.referral, [])
        for row in counted_days(p, referral, rows.get(p.ref, [])):
            found.append((row.date, p.start_date, p.ref, row.hours))
    return {ref: cap_walk(inputs.referrals[ref].max_hours_per_week or ZERO, found)
            for ref, found in entries.items()}


def regular_lines(placement: Placement, inputs: Inputs, rows: list[Attendance], period: Period,
                  walks: dict[str, dict[tuple[str, date], Decimal]]
                  ) -> tuple[list[Line], list[Warning]]:
    """Rules 1-4 for one placement: its lines of the period and the rows not (fully) paid."""
    offering, referral = inputs.offerings[placement.offering], inputs.referrals[placement.referral]
    counted = counted_days(placement, referral, rows)
    warnings = not_counted_warnings(placement, offering, referral, rows, period)
    unit = offering.rate_unit
    if unit == "hour" and referral.max_hours_per_week is not None:
        lines, over_cap = capped_hour_lines(placement, offering, referral,
                                            walks[placement.referral], counted, period)
        return lines, warnings + over_cap
    if unit == "hour":
        return hour_lines(placement, offering, referral, counted, period), warnings
    if unit == "day":
        return day_lines(placement, offering, referral, counted, period), warnings
    if unit == "week":
        return week_lines(placement, offering, referral, counted, period), warnings
    if unit == "package":
        first = min((row.date for row in counted), default=None)
        due = package_lines(placement, offering, first, period,
                            placement_rate(offering, referral), level_note(offering, referral))
        return [line for line in due if line is not None], warnings
    raise ValueError(f"offering {offering.ref}: unknown rate unit {unit!r}")


def owed(inputs: Inputs, provider: str, period: Period) -> tuple[list[Line], list[Warning]]:
    """Regular and bonus lines the rules give today for the provider in the period (no
    adjustments), sorted by (placement, kind); warnings by (placement, date).

    The reference: one placement at a time, as settlement.md reads. The engine (fast.py) gives
    the same in one pass over millions of rows, and is tested against this.
    """
    rows: dict[str, list[Attendance]] = {}
    for row in inputs.attendance:
        rows.setdefault(row.placement, []).append(row)
    walks = capped_walks(inputs, rows)
    bonus_rules = sorted(inputs.bonus_rules, key=rule_order)
    lines: list[Line] = []
    warnings: list[Warning] = []
    for p in inputs.placements:
        offering = inputs.offerings[p.offering]
        if offering.provider != provider:
            continue
        regular, unpaid = regular_lines(p, inputs, rows.get(p.ref, []), period, walks)
        lines += regular
        warnings += unpaid
        outcomes = [u for u in inputs.outcomes if u.placement == p.ref]
        lines += bonus_lines(p, offering, outcomes, bonus_rules, period,
                             inputs.referrals[p.referral].level)
    lines.sort(key=lambda line: (line.placement, line.kind, line.ref_period or ""))
    warnings.sort(key=lambda w: (w.placement, w.date))
    return lines, warnings
