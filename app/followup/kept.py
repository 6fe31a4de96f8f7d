"""Kept facts: the key figures and the budget's approved amounts, computed once and stored per year.

Computing the key figures reads every placement, result, settlement line and attendance day of
every year (figures.load_facts); at 20 000 clients that is seconds per page. The pages read the
kept rows of one year instead. They are written

- when a settlement is approved (`settlement_approved`, called by the approval),
- when data in a settled month changes (`data_changed`, called by late_changes.record, which
  every channel goes through: grid, API, results screen, import),
- every night by the scheduler (`nightly_job`), because the figures also move with the day
  (what is active, which follow-ups are due) and with data in open months.

Both calls only note the year; the rows are rewritten once, just before the transaction
commits (a `before_commit` listener), so the kept rows always describe committed data and a
rolled-back change leaves them as they were. The figures are computed by the same functions as
before (figures.compute), so kept and computed-from-raw figures are equal by construction; a
test checks it on generated data on both databases.
"""
from __future__ import annotations

import zlib
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, delete, event, func, insert, or_, select, text
from sqlmodel import Session

from app.common import clock
from app.common.base import utcnow
from app.common.money import ZERO, round_money
from app.followup import figures
from app.followup.models import KeptBudget, KeptFigure, KeptYear
from app.settlement import rules

PENDING = "kept_years"  # session.info key: the years to rewrite before the commit
# A result dated in a month counts for placements that ended up to 180 days before it.
REACH_BACK_MONTHS = 6


def settlement_approved(session: Session, period: str) -> None:
    """An approval changes the cost of `period`: rewrite its year before the commit."""
    _note(session, {int(period[:4])})


def data_changed(session: Session, period: str) -> None:
    """Attendance or an outcome of a settled month changed: its year (and the year before, when
    the month is early enough for the previous year's follow-up shares to reach it)."""
    year, month = int(period[:4]), int(period[5:7])
    _note(session, {year, year - 1} if month <= REACH_BACK_MONTHS else {year})


def _note(session: Session, years: set[int]) -> None:
    session.info.setdefault(PENDING, set()).update(years)


@event.listens_for(Session, "before_commit")
def _rewrite_noted_years(session: Session) -> None:
    years = session.info.pop(PENDING, None)
    if years:
        session.flush()
        refresh(session, years, clock.today())
        session.flush()


@event.listens_for(Session, "after_soft_rollback")
def _forget_noted_years(session: Session, _previous) -> None:
    session.info.pop(PENDING, None)


def _years_with_data(session: Session, as_of: date) -> set[int]:
    from app.kundval.models import Placement

    first = session.execute(select(func.min(Placement.start_date))).scalar()
    return set(range(first.year, as_of.year + 1)) if first else {as_of.year}


def refresh(session: Session, years: set[int] | None, as_of: date) -> int:
    """Rewrite the kept figures and approved budget amounts of `years` (None: every year with
    data up to as_of's). Returns the number of figure rows written."""
    from app.followup import budget

    years = _years_with_data(session, as_of) if years is None else years
    facts = figures.load_facts(session)
    groups = {dimension: {figures.group_of(p, dimension) for p in facts.placements.values()}
              for dimension in figures.DIMENSIONS}
    written = 0
    for year in sorted(years):
        _lock_year(session, year)
        rows = []
        for month in range(1, 13):
            period = f"{year:04d}-{month:02d}"
            first, last = rules.period_bounds(period)
            for to_date, start in ((False, first), (True, date(year, 1, 1))):
                part = _relevant(facts, start, last)
                for dimension in figures.DIMENSIONS:
                    computed = figures.compute(part, start, last, dimension, as_of)
                    for group in groups[dimension] - set(computed):  # nobody in it counts here
                        computed[group] = {"active": empty_cell("active")}
                    for group, cells in computed.items():
                        rows.extend({"year": year, "dimension": dimension, "period": period,
                                     "to_date": to_date, "grp": group, "figure": code,
                                     "value": cell.value, "n": cell.n} for code, cell in cells.items()
                                    if code == "active" or cell != empty_cell(code))
        session.execute(delete(KeptFigure).where(KeptFigure.year == year))
        session.execute(delete(KeptBudget).where(KeptBudget.year == year))
        if rows:
            session.execute(insert(KeptFigure), rows)
        approved = [{"year": year, "period": period, "post": post, "amount": amount}
                    for (period, status, post), amount in budget.amounts_by_month(session, year).items()
                    if status == "approved"]
        if approved:
            session.execute(insert(KeptBudget), approved)
        kept = session.get(KeptYear, year)
        if kept is None:
            session.add(KeptYear(year=year, as_of=as_of, computed_at=utcnow()))
        else:
            kept.as_of, kept.computed_at = as_of, utcnow()
        written += len(rows)
    session.flush()
    return written


def _lock_year(session: Session, year: int) -> None:
    """Two transactions rewriting the same year (an approval and a late change) take turns: on
    PostgreSQL the second waits for this transaction-scoped lock, then deletes what the first
    wrote; SQLite's BEGIN IMMEDIATE already lets one writer in at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(f"kept_facts:{year}".encode())})


def _relevant(facts: figures.Facts, first: date, last: date) -> figures.Facts:
    """The facts with only the placements that count in first..last: active or new in it, ended
    in it (follow-ups), or with a result, a cost or reported days in it. compute() gives every
    other placement's group only empty cells (empty_cell), so leaving them out changes no figure
    and makes a month's computation cost what the month holds, not every year's placements."""
    first_period, last_period = rules.period_of(first), rules.period_of(last)
    refs = {ref for ref, p in facts.placements.items()
            if (p.start <= last and (p.ended_on is None or p.ended_on >= first)) or first <= p.start <= last}
    refs.update(r.placement for r in facts.results if first <= r.result_date <= last)
    refs.update(ref for ref, period, _amount in facts.costs if first_period <= period <= last_period)
    refs.update(ref for ref, period in facts.attendance if first_period <= period <= last_period)
    return figures.Facts({ref: p for ref, p in facts.placements.items() if ref in refs}, facts.results,
                         facts.costs, facts.pay, facts.attendance)


def empty_cell(code: str) -> figures.Cell:
    """What figures.compute gives a figure with nobody behind it. Such cells are not stored
    (most cells of a year by provider are empty); "active" always is, so every group has rows."""
    if figures.KIND_OF[code] == "count":
        return figures.Cell(0, 0)
    return figures.Cell(ZERO, 0) if code == "cost" else figures.Cell(None, 0)


def kept_year(session: Session, year: int) -> KeptYear | None:
    return session.get(KeptYear, year)


def year_tables(session: Session, year: int, through: str, dimension: str) -> list[figures.FigureTable]:
    """figures.year_tables from the kept rows of one year (the caller checked kept_year)."""
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13) if f"{year:04d}-{m:02d}" <= through]
    found: dict[tuple[str, str, str], figures.Cell] = {}
    for period, to_date, group, code, value, n in session.execute(
            select(KeptFigure.period, KeptFigure.to_date, KeptFigure.grp, KeptFigure.figure,
                   KeptFigure.value, KeptFigure.n)
            .where(KeptFigure.year == year, KeptFigure.dimension == dimension,
                   or_(and_(KeptFigure.to_date.is_(False), KeptFigure.period <= through),
                       and_(KeptFigure.to_date.is_(True), KeptFigure.period == through)))):
        found[group, "ytd" if to_date else period, code] = figures.Cell(_value(code, value), n)
    present = {g for g, _span, _code in found}  # a group compute() gave (it has an "active" row)
    groups = ["total"] if dimension == "total" else sorted(present)
    if not months:
        groups = ["total"] if dimension == "total" else []
    tables = []
    for code, kind in figures.FIGURES:
        cells = {}
        for group in groups:
            empty = empty_cell(code) if group in present else figures.Cell(None, 0)
            for month in months:
                cells[group, month] = found.get((group, month, code), empty)
            cells[group, "ytd"] = found.get((group, "ytd", code), empty) if months else figures.Cell(None, 0)
        tables.append(figures.FigureTable(code, kind, months, groups, cells))
    return tables


def _value(code: str, value) -> Decimal | int | None:
    if value is None:
        return None
    if figures.KIND_OF[code] == "count":
        return int(value)
    return round_money(Decimal(str(value)))


def nightly_job(session: Session, today: date):
    """Every night: rewrite every year's kept facts as of today (the job lock makes it once a day)."""
    from app.common.jobs import run_once

    def work(s: Session) -> str:
        rows = refresh(s, None, today)
        return f"{rows} nyckeltalsceller"

    return run_once(session, "kept_facts", today.isoformat(), work)
