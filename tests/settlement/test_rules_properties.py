"""Properties of the settlement rules over random data (Hypothesis)."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.common.money import round_money
from app.settlement.fast import fingerprint, merge_counted, owed_all
from app.settlement.rules import (
    Attendance,
    BonusRule,
    Inputs,
    Offering,
    Outcome,
    Placement,
    Referral,
    Tier,
    adjustment_lines,
    approved_by_key,
    owed,
    owed_by_key,
    placement_rate,
    placement_window,
)

D = Decimal
DAY0 = date(2026, 2, 16)  # a Monday; the data spans about three months from here
SPAN = 100
PERIODS = ("2026-02", "2026-03", "2026-04", "2026-05", "2026-06")
PROPERTY_SETTINGS = settings(max_examples=100, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])

LEVELS = ("A", "B", "C")
days = st.integers(0, SPAN - 1).map(lambda n: DAY0 + timedelta(days=n))
hours = st.integers(0, 48).map(lambda quarters: D(quarters) / 4)


@st.composite
def inputs_strategy(draw, units=("hour", "day", "week", "package"), caps=True, rates=None):
    providers = draw(st.lists(st.sampled_from(["P1", "P2", "P3"]), min_size=1, max_size=3,
                              unique=True))
    offerings = {}
    for i in range(draw(st.integers(1, 4))):
        ref = f"O{i}"
        offerings[ref] = Offering(
            ref, draw(st.sampled_from(providers)), draw(st.sampled_from(["praktik", "utredning"])),
            draw(st.sampled_from(units)),
            D(draw(st.sampled_from(rates or ["120.00", "99.99", "650.00", "12345.67", "0.01"]))),
            draw(st.sampled_from([0, 6, 12, 25])), draw(st.integers(0, 100)),
            draw(st.dictionaries(st.sampled_from(LEVELS), st.sampled_from([D(r) for r in rates or ["140.00", "0.03"]]),
                                 max_size=2)))
    referrals = {}
    for i in range(draw(st.integers(1, 3))):
        start = DAY0 + timedelta(days=draw(st.integers(0, 30)))
        end = start + timedelta(days=draw(st.integers(0, SPAN)))
        cap = draw(st.sampled_from([None, "0", "4", "7.5", "20"])) if caps else None
        referrals[f"R{i}"] = Referral(f"R{i}", start, end, cap and D(cap),
                                      draw(st.none() | st.sampled_from(LEVELS)))
    placements = []
    for i in range(draw(st.integers(1, 5))):
        start = DAY0 + timedelta(days=draw(st.integers(0, 50)))
        ended_on = draw(st.none() | st.integers(0, SPAN).map(lambda n, s=start: s + timedelta(n)))
        placements.append(Placement(
            f"PL{i}", draw(st.sampled_from(sorted(referrals))),
            draw(st.sampled_from(sorted(offerings))), start, ended_on,
            draw(st.sampled_from([None, "completed", "result", "interrupted", "switched"])),
            draw(st.none() | st.dates(date(1990, 1, 1), date(2010, 12, 31))),
            draw(st.booleans())))
    attendance = []
    for p in placements:  # mostly near the start, so that most rows fall inside the window
        for offset in sorted(draw(st.sets(st.integers(-3, 45), max_size=14))):
            attendance.append(Attendance(p.ref, p.start_date + timedelta(days=offset),
                                         draw(st.sampled_from(["present"] * 5 + ["absent"])),
                                         draw(hours)))
    outcomes = []
    for i in range(draw(st.integers(0, 3))):
        result = draw(days)
        verified = draw(st.none() | st.integers(0, 40).map(lambda n, r=result: r + timedelta(n)))
        sustained = draw(st.none() | st.integers(60, 120).map(lambda n, r=result: r + timedelta(n)))
        outcomes.append(Outcome(f"U{i}", draw(st.sampled_from(placements)).ref,
                                draw(st.sampled_from(["employment", "studies"])), result, verified,
                                sustained))
    bonus_rules = [
        BonusRule(f"B{i}", draw(st.integers(1, 3)),
                  ("praktik", "utredning")[: draw(st.integers(1, 2))],
                  tuple(draw(st.sets(st.sampled_from(["employment", "studies"]), min_size=1))),
                  (Tier(30, D("1000.00")), Tier(90, D("333.33"))),
                  min_age=draw(st.none() | st.just(18)), max_age=draw(st.none() | st.just(30)),
                  sustain_amount=D(draw(st.sampled_from(["0.00", "500.00"]))),
                  levels=tuple(sorted(draw(st.sets(st.sampled_from(LEVELS), max_size=2)))))
        for i in range(draw(st.integers(0, 2)))]
    return Inputs(offerings, referrals, placements, attendance, outcomes, bonus_rules)


def shuffled(inputs: Inputs, seed: int) -> Inputs:
    rnd = random.Random(seed)

    def mix(items):
        items = list(items)
        rnd.shuffle(items)
        return items
    return Inputs(dict(mix(inputs.offerings.items())), dict(mix(inputs.referrals.items())),
                  mix(inputs.placements), mix(inputs.attendance), mix(inputs.outcomes),
                  mix(inputs.bonus_rules))


def providers_of(inputs: Inputs):
    return sorted({o.provider for o in inputs.offerings.values()})


@PROPERTY_SETTINGS
@given(inputs_strategy(), st.sampled_from(PERIODS), st.integers(0, 10**6))
def test_owed_is_deterministic_and_independent_of_input_order(inputs, period, seed):
    first = owed_all(inputs, period)
    again = owed_all(shuffled(inputs, seed), period)
    assert first == again
    for provider in providers_of(inputs):
        assert owed(inputs, provider, period) == first.get(provider, ([], []))
        assert fingerprint(inputs, provider, period) == fingerprint(shuffled(inputs, seed),
                                                                    provider, period)
        lines, _ = first.get(provider, ([], []))
        for line in lines:
            assert line.amount == round_money(line.quantity * line.unit_price) != 0
            assert line.vat == round_money(line.amount * line.vat_rate / 100)
        assert len({(line.placement, line.kind) for line in lines}) == len(lines)


@PROPERTY_SETTINGS
@given(inputs_strategy(), st.sampled_from(PERIODS))
def test_the_engine_gives_what_the_reference_gives(inputs, period):
    """fast.owed_all() (one pass, merged days, hundredths) equals rules.owed() per provider,
    on the rows and on the rows with counted days merged as the database merges them."""
    merged = Inputs(inputs.offerings, inputs.referrals, inputs.placements, merge_counted(inputs),
                    inputs.outcomes, inputs.bonus_rules)
    engine, engine_merged = owed_all(inputs, period), owed_all(merged, period)
    for provider in providers_of(inputs):
        reference = owed(inputs, provider, period)
        assert engine.get(provider, ([], [])) == reference
        assert engine_merged.get(provider, ([], [])) == reference


@PROPERTY_SETTINGS
@given(inputs_strategy(), st.integers(0, 10**6))
def test_merged_counted_days_give_the_same_lines_and_warnings(inputs, seed):
    """The database loader hands the rules merged days (merge_counted in SQL): same result."""
    merged = merge_counted(inputs)
    assert len(merged) <= len(inputs.attendance)
    assert sum(row.days for row in merged) == len(inputs.attendance)
    assert sum(row.hours for row in merged) == sum(row.hours for row in inputs.attendance)
    as_merged = Inputs(inputs.offerings, inputs.referrals, inputs.placements,
                       shuffled(Inputs({}, {}, [], merged, [], []), seed).attendance,
                       inputs.outcomes, inputs.bonus_rules)
    for period in PERIODS:
        assert owed_all(as_merged, period) == owed_all(inputs, period), period


def test_merge_counted_merges_only_days_no_rule_looks_at_one_by_one():
    offerings = {"OH": Offering("OH", "P1", "praktik", "hour", D("100.00"), 0),
                 "OD": Offering("OD", "P1", "praktik", "day", D("500.00"), 0),
                 "OW": Offering("OW", "P1", "praktik", "week", D("2000.00"), 0),
                 "OP": Offering("OP", "P1", "praktik", "package", D("9000.00"), 0)}
    referrals = {"R": Referral("R", date(2026, 3, 1), date(2026, 4, 30)),
                 "RC": Referral("RC", date(2026, 3, 1), date(2026, 4, 30), D("20"))}
    placements = [Placement("H", "R", "OH", date(2026, 3, 2)), Placement("D", "R", "OD", date(2026, 3, 2)),
                  Placement("W", "R", "OW", date(2026, 3, 2)), Placement("P", "R", "OP", date(2026, 3, 2)),
                  Placement("C", "RC", "OH", date(2026, 3, 2))]
    days_ = [date(2026, 3, 30), date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 2)]  # Mon-Thu
    rows = [Attendance(p.ref, day, "present", D("6")) for p in placements for day in days_]
    rows += [Attendance("H", date(2026, 3, 27), "absent", D("0")),  # not counted: stays a row
             Attendance("D", date(2026, 3, 1), "present", D("6"))]  # before the start: stays a row
    merged = sorted(merge_counted(Inputs(offerings, referrals, placements, rows, [], [])))
    assert merged == sorted([
        Attendance("C", day, "present", D("6")) for day in days_] + [  # the cap walks day by day
        Attendance("D", date(2026, 3, 1), "present", D("6")),
        Attendance("D", date(2026, 3, 30), "present", D("12.00"), 2),  # per month
        Attendance("D", date(2026, 4, 1), "present", D("12.00"), 2),
        Attendance("H", date(2026, 3, 27), "absent", D("0")),
        Attendance("H", date(2026, 3, 30), "present", D("12.00"), 2),
        Attendance("H", date(2026, 4, 1), "present", D("12.00"), 2),
        Attendance("P", date(2026, 3, 30), "present", D("24.00"), 4),  # all of them
        Attendance("W", date(2026, 3, 30), "present", D("24.00"), 4),  # per ISO week
    ])


@PROPERTY_SETTINGS
@given(inputs_strategy(units=("hour",), caps=False, rates=["120.00", "99.96", "0.04"]))
def test_months_add_up_to_the_whole_for_uncapped_hours(inputs):
    paid = defaultdict(Decimal)
    for period in PERIODS:
        for lines, _ in owed_all(inputs, period).values():
            for line in lines:
                if line.kind == "hours":
                    paid[line.placement, "q"] += line.quantity
                    paid[line.placement, "amount"] += line.amount
    expected = defaultdict(Decimal)
    placements = {p.ref: p for p in inputs.placements}
    for row in inputs.attendance:
        p = placements[row.placement]
        start, end = placement_window(p, inputs.referrals[p.referral])
        if start <= row.date <= end and row.status == "present" and row.hours > 0:
            rate = placement_rate(inputs.offerings[p.offering], inputs.referrals[p.referral])
            expected[p.ref, "q"] += row.hours
            expected[p.ref, "amount"] += row.hours * rate  # exact: rates are whole öre × 4
    assert {k: v for k, v in paid.items() if v} == {k: v for k, v in expected.items() if v}


@PROPERTY_SETTINGS
@given(inputs_strategy(units=("hour", "hour", "day")))
def test_cap_is_never_exceeded_per_referral_week_and_is_used_up_before_cutting(inputs):
    placements = {p.ref: p for p in inputs.placements}
    cut = defaultdict(Decimal)
    for period in PERIODS + ("2026-01",):
        for _, warnings in owed_all(inputs, period).values():
            for w in warnings:
                if w.reason == "over_cap":
                    cut[w.placement, w.date] += w.hours
    reported = defaultdict(Decimal)
    paid = defaultdict(Decimal)
    for row in inputs.attendance:
        p = placements[row.placement]
        referral = inputs.referrals[p.referral]
        if inputs.offerings[p.offering].rate_unit != "hour" or referral.max_hours_per_week is None:
            assert (row.placement, row.date) not in cut
            continue
        start, end = placement_window(p, referral)
        if start <= row.date <= end and row.status == "present" and row.hours > 0:
            week = (referral.ref, row.date.isocalendar()[:2])
            reported[week] += row.hours
            paid[week] += row.hours - cut.get((row.placement, row.date), 0)
    for week, total in paid.items():
        cap = inputs.referrals[week[0]].max_hours_per_week
        assert 0 <= total <= cap
        assert total == reported[week] or total == cap


def corrected(inputs: Inputs, rnd: random.Random) -> Inputs:
    """Late and corrected reports: rows changed, removed, added; outcomes verified later."""
    attendance = {(a.placement, a.date): a for a in inputs.attendance}
    for key in list(attendance):
        choice = rnd.random()
        if choice < 0.15:
            del attendance[key]
        elif choice < 0.35:
            attendance[key] = Attendance(key[0], key[1], rnd.choice(["present", "absent"]),
                                         D(rnd.randint(0, 40)) / 4)
    for _ in range(rnd.randint(0, 6)):
        p = rnd.choice(inputs.placements)
        day = DAY0 + timedelta(days=rnd.randrange(SPAN))
        attendance[p.ref, day] = Attendance(p.ref, day, "present", D(rnd.randint(1, 40)) / 4)
    outcomes = [Outcome(u.ref, u.placement, u.kind, u.result_date,
                        u.verified_on or (u.result_date + timedelta(rnd.randint(0, 30))
                                          if rnd.random() < 0.5 else None),
                        u.sustained_verified_on) for u in inputs.outcomes]
    return Inputs(dict(inputs.offerings), dict(inputs.referrals), list(inputs.placements),
                  list(attendance.values()), outcomes, list(inputs.bonus_rules))


@PROPERTY_SETTINGS
@given(inputs_strategy(), st.sampled_from(PERIODS[:3]), st.integers(0, 10**6))
def test_approved_plus_adjustments_equal_owed_today_after_corrections(inputs, q, seed):
    rnd = random.Random(seed)
    approved = {provider: list(owed(inputs, provider, q)[0]) for provider in providers_of(inputs)}
    current = inputs
    for _ in range(3):  # several rounds of corrections, each settled in a later month
        current = corrected(current, rnd)
        for provider in providers_of(inputs):
            owed_today = owed(current, provider, q)[0]
            adjustments = adjustment_lines(owed_today, approved[provider], q)
            for line in adjustments:
                assert (line.kind, line.quantity, line.ref_period) == ("adjustment", D("1.00"), q)
                assert line.unit_price == line.amount != 0
                assert line.vat == round_money(line.amount * line.vat_rate / 100)
            approved[provider] += adjustments
            totals = approved_by_key(approved[provider], q)
            assert {k: v for k, v in totals.items() if v} == owed_by_key(owed_today)
