"""Key figures (nyckeltal) from the platform's own data, per month or year to date, by group.

load_facts() reads everything in four queries; compute() is pure over those facts. A figure is
computed over a date range, so a month and the year to date are the same function:
flows (new placements, results, cost) count what happened in the range, stocks (active
placements) count what was active at any time in it. Groups of fewer than five people are hidden.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlmodel import Session

from app.common.money import ZERO, round_money
from app.kundval.models import (
    Attendance,
    AttendanceDispute,
    Client,
    Outcome,
    PayrollEntry,
    Placement,
    Referral,
)
from app.offerings.models import Offering
from app.providers.models import Provider
from app.settlement import rules
from app.settlement.models import Settlement, SettlementLine

MIN_GROUP = 5
SUBSIDISED = frozenset({"extratjanst", "introduktionsjobb", "lonebidrag"})
DIMENSIONS = ("total", "service_type", "provider", "provider_kind", "gender", "age_band",
              "newly_arrived")
FOLLOW_UP_DAYS = (90, 180)
PAY_FOLLOW_UP_DAYS = 90  # "in work according to pay data": pay in the month 90 days after the end

# (code, kind) in the order pages show them; kind: count, share (percent), days, money.
FIGURES = (
    ("active", "count"), ("new", "count"), ("praktik_in_use", "count"),
    ("chosen_client", "count"), ("chosen_case_worker", "count"), ("chosen_default", "count"),
    ("results", "count"), ("results_employment_regular", "count"),
    ("results_employment_subsidised", "count"), ("results_studies", "count"),
    ("days_to_result", "days"), ("work_or_studies_90", "share"), ("work_or_studies_180", "share"),
    ("work_by_pay_90", "share"), ("disputed_days", "share"),
    ("children_new", "count"), ("children_waiting_days", "days"),
    ("cost", "money"), ("cost_per_placement", "money"), ("cost_per_result", "money"),
)
KIND_OF = dict(FIGURES)


@dataclass(frozen=True)
class PlacementFact:
    ref: str
    provider: str  # provider name
    service_type: str
    gender: str
    birth_date: date
    newly_arrived: bool
    children: bool
    chosen_by: str
    decided_on: date
    start: date
    ended_on: date | None
    provider_kind: str = "company"  # company | social_enterprise | nonprofit | own_unit


@dataclass(frozen=True)
class ResultFact:
    placement: str
    kind: str
    employment_form: str
    result_date: date


@dataclass
class Facts:
    placements: dict[str, PlacementFact]
    results: list[ResultFact]  # verified and not rejected
    costs: list[tuple[str, str, Decimal]]  # (placement ref, period, amount excl. VAT)
    # placement ref -> the months (YYYY-MM) its client had pay in, from the payroll file
    pay: dict[str, frozenset[str]] = field(default_factory=dict)
    # (placement ref, period) -> (days reported present, of them disputed by the client)
    attendance: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Cell:
    """A value and the number of people behind it; hidden when 1-4 people."""

    value: Decimal | int | None
    n: int

    @property
    def hidden(self) -> bool:
        return 0 < self.n < MIN_GROUP


def load_facts(session: Session) -> Facts:
    placements = {}
    for row in session.execute(
        select(Placement.ref, Provider.name, Offering.service_type, Client.gender, Client.birth_date,
               Client.newly_arrived, Client.children_in_household, Placement.chosen_by,
               Referral.decided_on, Placement.start_date, Placement.ended_on, Provider.kind)
        .join(Referral, Referral.id == Placement.referral_id)
        .join(Client, Client.id == Referral.client_id)
        .join(Offering, Offering.id == Placement.offering_id)
        .join(Provider, Provider.id == Offering.provider_id)
    ):
        fact = PlacementFact(row[0], row[1], row[2], row[3] or "", row[4], bool(row[5]), bool(row[6]),
                             *row[7:11], provider_kind=row[11] or "company")
        placements[fact.ref] = fact
    results = [ResultFact(*row) for row in session.execute(
        select(Placement.ref, Outcome.kind, Outcome.employment_form, Outcome.result_date)
        .join(Placement, Placement.id == Outcome.placement_id)
        .where(Outcome.verified_on.is_not(None), Outcome.rejected_on.is_(None)))]
    costs = [(ref, period, round_money(Decimal(str(amount)))) for ref, period, amount in session.execute(
        select(Placement.ref, Settlement.period, func.sum(SettlementLine.amount))
        .join(Settlement, Settlement.id == SettlementLine.settlement_id)
        .join(Placement, Placement.id == SettlementLine.placement_id)
        .group_by(Placement.ref, Settlement.period))]
    pay: dict[str, set[str]] = {}
    for ref, period in session.execute(
        select(Placement.ref, PayrollEntry.period).distinct()
        .join(Referral, Referral.id == Placement.referral_id)
        .join(PayrollEntry, PayrollEntry.client_id == Referral.client_id)
        .where(PayrollEntry.gross_pay > 0)
    ):
        pay.setdefault(ref, set()).add(period)
    return Facts(placements, results, costs, {ref: frozenset(months) for ref, months in pay.items()},
                 _attendance_days(session))


def _attendance_days(session: Session) -> dict[tuple[str, str], tuple[int, int]]:
    """Days reported present and days disputed, per placement and month (two grouped queries)."""
    def monthly(rows) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for ref, day, count in rows:
            key = (ref, rules.period_of(day))
            out[key] = out.get(key, 0) + count
        return out

    reported = monthly(session.execute(
        select(Placement.ref, Attendance.date, func.count())
        .join(Placement, Placement.id == Attendance.placement_id)
        .where(Attendance.status == "present").group_by(Placement.ref, Attendance.date)))
    disputed = monthly(session.execute(
        select(Placement.ref, AttendanceDispute.date, func.count())
        .join(Placement, Placement.id == AttendanceDispute.placement_id)
        .group_by(Placement.ref, AttendanceDispute.date)))
    return {key: (days, disputed.get(key, 0)) for key, days in reported.items()}


@dataclass(frozen=True)
class KindRow:
    """Approved providers of one kind and their share of the placements active on a day."""

    kind: str
    providers: int
    active: int
    share: Decimal | None

    @property
    def hidden(self) -> bool:
        """Like a Cell: 1-4 people are not shown."""
        return 0 < self.active < MIN_GROUP


def by_provider_kind(session: Session, on: date) -> list[KindRow]:
    """Every kind of provider (Lund follows "at least one social enterprise"), also when zero.

    Two grouped queries: approved providers per kind, placements active on `on` per kind."""
    counts = dict(session.execute(select(Provider.kind, func.count(Provider.id))
                                  .where(Provider.status == "approved").group_by(Provider.kind)).all())
    active_by: dict[str, int] = {}
    for kind, n in session.execute(
            select(Provider.kind, func.count(Placement.id))
            .join(Offering, Offering.id == Placement.offering_id)
            .join(Provider, Provider.id == Offering.provider_id)
            .where(Placement.start_date <= on, or_(Placement.ended_on.is_(None), Placement.ended_on >= on))
            .group_by(Provider.kind)):
        active_by[kind or "company"] = active_by.get(kind or "company", 0) + n
    return kind_rows(counts, active_by)


def kind_rows(providers: dict[str, int], active: dict[str, int]) -> list[KindRow]:
    """A row per kind of provider from the counts (as by_provider_kind counts them, or kept)."""
    from app.providers.models import PROVIDER_KINDS

    total = sum(active.values())
    return [KindRow(kind, providers.get(kind, 0), active.get(kind, 0),
                    round_money(Decimal(100 * active.get(kind, 0)) / total) if total else None)
            for kind in PROVIDER_KINDS]


def age_band(birth: date, on: date) -> str:
    age = rules.age_on(birth, on)
    return "18-24" if 18 <= age <= 24 else "25-64" if 25 <= age <= 64 else "other"


def group_of(fact: PlacementFact, dimension: str) -> str:
    if dimension == "total":
        return "total"
    if dimension == "age_band":
        return age_band(fact.birth_date, fact.start)
    if dimension == "newly_arrived":
        return "yes" if fact.newly_arrived else "no"
    return getattr(fact, dimension)


def _count(items) -> Cell:
    n = len(items)
    return Cell(n, n)


def _average_days(days: list[int]) -> Cell:
    if not days:
        return Cell(None, 0)
    return Cell(round_money(Decimal(sum(days)) / len(days)), len(days))


def _share(hits: int, base: int) -> Cell:
    if not base:
        return Cell(None, 0)
    return Cell(round_money(Decimal(100 * hits) / base), base)


def _per(amount: Decimal, n: int) -> Cell:
    return Cell(round_money(amount / n) if n else None, n)


def compute(facts: Facts, first: date, last: date, dimension: str, as_of: date
            ) -> dict[str, dict[str, Cell]]:
    """group -> figure -> Cell for first..last. A follow-up share counts only placements whose
    90 (180) days after the end have passed by as_of."""
    groups: dict[str, list[PlacementFact]] = {}
    for fact in facts.placements.values():
        groups.setdefault(group_of(fact, dimension), []).append(fact)
    results_of: dict[str, list[ResultFact]] = {}
    for result in facts.results:
        results_of.setdefault(result.placement, []).append(result)
    cost_of: dict[str, Decimal] = {}
    first_period, last_period = rules.period_of(first), rules.period_of(last)
    for ref, period, amount in facts.costs:
        if first_period <= period <= last_period:
            cost_of[ref] = cost_of.get(ref, ZERO) + amount
    months_in = {m for _ref, m in facts.attendance if first_period <= m <= last_period}
    out = {}
    for group, members in sorted(groups.items()):
        active = [p for p in members if p.start <= last and (p.ended_on is None or p.ended_on >= first)]
        new = [p for p in members if first <= p.start <= last]
        results = [(p, r) for p in members for r in results_of.get(p.ref, ())
                   if first <= r.result_date <= last]
        employment = [r for _p, r in results if r.kind == "employment"]
        cells = {
            "active": _count(active), "new": _count(new),
            "praktik_in_use": _count([p for p in active if p.service_type == "praktik"]),
            "chosen_client": _count([p for p in new if p.chosen_by == "client"]),
            "chosen_case_worker": _count([p for p in new if p.chosen_by == "case_worker"]),
            "chosen_default": _count([p for p in new if p.chosen_by == "default"]),
            "results": _count(results),
            "results_employment_regular": _count(
                [r for r in employment if r.employment_form not in SUBSIDISED]),
            "results_employment_subsidised": _count(
                [r for r in employment if r.employment_form in SUBSIDISED]),
            "results_studies": _count([r for _p, r in results if r.kind == "studies"]),
            "days_to_result": _average_days([(r.result_date - p.start).days for p, r in results]),
            "children_new": _count([p for p in new if p.children]),
            "children_waiting_days": _average_days(
                [(p.start - p.decided_on).days for p in new if p.children]),
        }
        for days in FOLLOW_UP_DAYS:
            ended = [p for p in members if p.ended_on is not None and first <= p.ended_on <= last
                     and p.ended_on + timedelta(days) <= as_of]
            hits = sum(1 for p in ended if any(
                p.start <= r.result_date <= p.ended_on + timedelta(days) for r in results_of.get(p.ref, ())))
            cells[f"work_or_studies_{days}"] = _share(hits, len(ended))
            if days == PAY_FOLLOW_UP_DAYS:
                cells["work_by_pay_90"] = _share(sum(1 for p in ended if rules.period_of(
                    p.ended_on + timedelta(days)) in facts.pay.get(p.ref, ())), len(ended))
        reported = [(p.ref, facts.attendance[p.ref, m]) for p in members for m in months_in
                    if (p.ref, m) in facts.attendance]
        share = _share(sum(d for _ref, (_r, d) in reported), sum(r for _ref, (r, _d) in reported))
        # The people behind it are the placements with reported days, not the days.
        cells["disputed_days"] = Cell(share.value, len({ref for ref, _days in reported}))
        cost = sum((cost_of.get(p.ref, ZERO) for p in members), ZERO)
        paid = {p.ref for p in members if p.ref in cost_of}
        cells["cost"] = Cell(cost, len(paid))
        cells["cost_per_placement"] = _per(cost, len(active))
        cells["cost_per_result"] = _per(cost, len(results))
        out[group] = cells
    return out


@dataclass
class FigureTable:
    """One figure by group and month, plus the year to date (the dashboard's and report's unit)."""

    figure: str
    kind: str
    months: list[str]
    groups: list[str]
    cells: dict[tuple[str, str], Cell]  # (group, month or 'ytd') -> Cell


def year_tables(facts: Facts, year: int, through: str, dimension: str, as_of: date
                ) -> list[FigureTable]:
    """Every figure for each month of `year` up to `through`, and the year to date."""
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13) if f"{year:04d}-{m:02d}" <= through]
    per_month = {m: compute(facts, *rules.period_bounds(m), dimension, as_of) for m in months}
    ytd = compute(facts, date(year, 1, 1), rules.period_bounds(months[-1])[1], dimension, as_of) \
        if months else {}
    groups = sorted({g for result in [*per_month.values(), ytd] for g in result})
    if dimension == "total":
        groups = ["total"]  # also when there are no placements yet
    tables = []
    for figure, kind in FIGURES:
        cells = {}
        for group in groups:
            for month in months:
                cells[group, month] = per_month[month].get(group, {}).get(figure, Cell(None, 0))
            cells[group, "ytd"] = ytd.get(group, {}).get(figure, Cell(None, 0))
        tables.append(FigureTable(figure, kind, months, groups, cells))
    return tables
