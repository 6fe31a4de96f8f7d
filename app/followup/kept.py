"""Kept facts: the key figures, the budget's approved amounts and the levels page, computed once
and stored per year.

Computing the key figures reads every placement, result, settlement line and attendance day of
every year (figures.load_facts); at 20 000 clients that is seconds per page. The pages read the
kept rows of one year instead. They are written

- when a settlement is approved (`settlement_approved`, called by the approval),
- when data in a settled month changes (`data_changed`, called by late_changes.record, which
  every channel goes through: grid, API, results screen, import),
- when a case worker answers a follow-up (the dashboard's answer counts, `KeptCount`, are kept
  with the current year's figures),
- every night by the scheduler (`nightly_job`), because the figures also move with the day
  (what is active, which follow-ups are due) and with data in open months.

Both calls only note the year, inside the request; nothing heavy runs there (a rewrite costs
about 1.5 s CPU at 5 000 clients, 6 s at 20 000). Just before the commit the year's change
counter (KeptChange.version) is raised in the same transaction, and after the commit a job on
the queue (kind "kept_facts", at most one waiting per year, so a burst of changes gives one
rewrite) computes the year from a reading session and replaces its rows in one short write
transaction, together with the job's 'done'. A rolled-back change raises nothing; a killed job
leaves the old rows whole and the counter behind, so the page keeps saying "uppdateras" and the
job (or the next change, or the nightly refresh) runs again. The figures are computed by the
same functions as before (figures.compute), so kept and computed-from-raw figures are equal by
construction; a test checks it on generated data on both databases.
"""
from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import chain

from flask import has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, event, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from app.common import clock
from app.common.base import utcnow
from app.common.money import ZERO, round_money
from app.followup import figures, parking
from app.followup.models import KeptBudget, KeptChange, KeptCount, KeptFigure, KeptParking, KeptYear
from app.settlement import rules
from app.tasks import service as tasks
from app.tasks.models import Task

log = logging.getLogger("kundval.followup.kept")
PENDING = "kept_years"  # session.info key: the years changed in this transaction
KIND = "kept_facts"  # the job that rewrites one year
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
def _count_noted_changes(session: Session) -> None:
    """Raise the noted years' change counters as the transaction's last statements (the row
    lock is held only from here to the commit, so concurrent changes barely wait on it)."""
    years = session.info.get(PENDING)
    if years:
        session.flush()
        now = utcnow()
        make_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        for year in sorted(years):  # one order, so two transactions never wait on each other in a circle
            stmt = make_insert(KeptChange).values(year=year, version=1, kept_version=0, changed_at=now)
            session.execute(stmt.on_conflict_do_update(
                index_elements=["year"], set_={"version": KeptChange.version + 1, "changed_at": now}))


@event.listens_for(Session, "after_flush")
def _note_follow_up_answers(session: Session, _flush_context) -> None:
    """A case worker's follow-up answer changes the dashboard's answer counts (kept with the
    current year): its rewrite is queued like a late change's, and the page says "uppdateras"."""
    from app.kundval.models import FollowUp

    if any(isinstance(row, FollowUp) for row in chain(session.new, session.dirty, session.deleted)):
        _note(session, {clock.today().year})


@event.listens_for(Session, "after_commit")
def _rewrite_noted_years_later(session: Session) -> None:
    years = session.info.pop(PENDING, None)
    if years:
        enqueue_rewrites(session.get_bind(), years)


@event.listens_for(Session, "after_soft_rollback")
def _forget_noted_years(session: Session, _previous) -> None:
    session.info.pop(PENDING, None)


def enqueue_rewrites(bind, years: set[int]) -> None:
    """After the commit: a rewrite job per year, unless one is already waiting (it will read
    this change too). A running one may have read before this change, so one more is queued.
    The caller's session is done with its transaction; this uses a short one of its own."""
    if not has_app_context():  # a script without the app: the nightly refresh catches up
        log.warning("kept facts of %s not queued (no app context)", sorted(years))
        return
    try:
        with Session(bind, expire_on_commit=False) as own:
            waiting = {task.params.get("year") for task in own.execute(
                select(Task).where(Task.kind == KIND, Task.status == "queued")).scalars()}
            own.rollback()
            for year in sorted(years - waiting):
                tasks.start(own, KIND, None, {"year": year})
    except Exception:  # the change is committed; the counter says the year is behind
        log.exception("could not queue the kept facts of %s; the nightly refresh will", sorted(years))


def run_rewrite(session: Session, job: tasks.Job) -> tasks.Outcome:
    """The job: compute the year from a reading session (no write lock on SQLite), then replace
    its rows in `session`, whose commit also marks the job done (a kill before it leaves the old
    rows whole). Nothing to do when a rewrite since the last change already stored the year."""
    year = int(job.params["year"])
    job.progress(0, 2)
    with tasks.reading_session() as reader:
        version, kept_version = _versions(reader, year)
        if version <= kept_version and reader.get(KeptYear, year) is not None:
            return tasks.Outcome({"year": year, "cells": None})
        computed = compute(reader, {year}, clock.today())
    job.progress(1, 2)
    written = store(session, computed, {year: version})
    job.progress(2, 2)
    return tasks.Outcome({"year": year, "cells": written})


def _versions(session: Session, year: int) -> tuple[int, int]:
    row = session.execute(select(KeptChange.version, KeptChange.kept_version)
                          .where(KeptChange.year == year)).one_or_none()
    return (row[0], row[1]) if row else (0, 0)


KIND_ROW = tasks.register(tasks.Kind(
    KIND, _l("Nyckeltal räknas om"), run_rewrite, ("admin", "finance", "management"),
    "followup/_kept_job.html", summary=lambda p: str(p.get("year", ""))))


def _years_with_data(session: Session, as_of: date) -> set[int]:
    from app.kundval.models import Placement

    first = session.execute(select(func.min(Placement.start_date))).scalar()
    return set(range(first.year, as_of.year + 1)) if first else {as_of.year}


def refresh(session: Session, years: set[int] | None, as_of: date) -> int:
    """Rewrite the kept figures and approved budget amounts of `years` (None: every year with
    data up to as_of's) in this session's transaction. Returns the number of figure rows written."""
    years = _years_with_data(session, as_of) if years is None else years
    versions = {year: _versions(session, year)[0] for year in years}  # before the facts are read
    return store(session, compute(session, years, as_of), versions)


@dataclass
class Computed:
    """One or more years' rows, computed from one reading of the facts."""

    as_of: date
    figures: dict[int, list[dict]]
    approved: dict[int, list[dict]]
    levels: dict[int, list[dict]]  # the levels page's rows (parking.year_view) in its order
    counts: list[dict] = field(default_factory=list)  # the dashboard's counts as of as_of (any year)


def compute(session: Session, years: set[int], as_of: date) -> Computed:
    """The kept rows of `years`, computed (only reads)."""
    from app.followup import budget

    facts = figures.load_facts(session)
    groups = {dimension: {figures.group_of(p, dimension) for p in facts.placements.values()}
              for dimension in figures.DIMENSIONS}
    result = Computed(as_of, {}, {}, {}, _count_rows(counted(session, as_of)))
    for year in sorted(years):
        rows = result.figures[year] = []
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
        result.approved[year] = [
            {"year": year, "period": period, "post": post, "amount": amount}
            for (period, status, post), amount in budget.amounts_by_month(session, year).items()
            if status == "approved"]
        result.levels[year] = _levels_rows(year, parking.year_view(session, year, as_of))
    return result


def _levels_rows(year: int, tables: dict[str, list[parking.ParkingRow]]) -> list[dict]:
    rows = (row for level_rows in tables.values() for row in level_rows)
    return [{"year": year, "position": position, "level": row.level, "provider": row.provider,
             "hours_per_week": row.hours_per_week.value, "hours_n": row.hours_per_week.n,
             "interrupted": row.interrupted.value, "interrupted_n": row.interrupted.n,
             "result_rate": row.result_rate.value, "result_n": row.result_rate.n}
            for position, row in enumerate(rows)]


@dataclass
class Counts:
    """The key figures page's tables as of a day: providers and active placements per kind of
    provider, and per follow-up kind how many answered yes, no, not reached, or are unknown."""

    kinds: list[figures.KindRow]
    answers: dict[str, dict[str, int]]


def counted(session: Session, as_of: date) -> Counts:
    """The counts from the placements and follow-ups (what the kept rows hold)."""
    from app.kundval import followups

    return Counts(figures.by_provider_kind(session, as_of), followups.figures(session, as_of))


def _count_rows(counts: Counts) -> list[dict]:
    rows = []
    for kind in counts.kinds:
        rows += [{"section": "kinds", "grp": kind.kind, "item": "providers", "n": kind.providers},
                 {"section": "kinds", "grp": kind.kind, "item": "active", "n": kind.active}]
    for follow_up, answers in counts.answers.items():
        rows += [{"section": "followups", "grp": follow_up, "item": item, "n": n} for item, n in answers.items()]
    return rows


def read_counts(session: Session, year: int) -> Counts | None:
    """The counts kept with `year` (one indexed query); None when none are (a year kept before
    counts were, or not kept)."""
    providers: dict[str, int] = {}
    active: dict[str, int] = {}
    answers: dict[str, dict[str, int]] = {}
    for section, group, item, n in session.execute(
            select(KeptCount.section, KeptCount.grp, KeptCount.item, KeptCount.n)
            .where(KeptCount.year == year).order_by(KeptCount.id)):
        if section == "kinds":
            (providers if item == "providers" else active)[group] = n
        else:
            answers.setdefault(group, {})[item] = n
    return Counts(figures.kind_rows(providers, active), answers) if answers else None


def store(session: Session, computed: Computed, versions: dict[int, int]) -> int:
    """Replace the years' kept rows with `computed`, read at change count `versions` (the caller
    commits). A year whose stored rows were computed at a later count (another rewrite read
    newer data and committed first) is left as it is."""
    written = 0
    for year, rows in sorted(computed.figures.items()):
        _lock_year(session, year)
        version = versions.get(year, 0)
        if _versions(session, year)[1] > version:
            continue
        session.execute(delete(KeptFigure).where(KeptFigure.year == year))
        session.execute(delete(KeptBudget).where(KeptBudget.year == year))
        session.execute(delete(KeptParking).where(KeptParking.year == year))
        session.execute(delete(KeptCount).where(KeptCount.year == year))
        if computed.counts:
            session.execute(insert(KeptCount), [{**row, "year": year} for row in computed.counts])
        if computed.levels.get(year):
            session.execute(insert(KeptParking), computed.levels[year])
        if rows:
            session.execute(insert(KeptFigure), rows)
        if computed.approved[year]:
            session.execute(insert(KeptBudget), computed.approved[year])
        kept = session.get(KeptYear, year)
        if kept is None:
            session.add(KeptYear(year=year, as_of=computed.as_of, computed_at=utcnow()))
        else:
            kept.as_of, kept.computed_at = computed.as_of, utcnow()
        session.execute(update(KeptChange).where(KeptChange.year == year, KeptChange.kept_version < version)
                        .values(kept_version=version))
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


@dataclass
class KeptView:
    """One year's kept tables as one statement read them (never rows of two rewrites), with
    when they were computed and, while a rewrite is pending, since when they are behind."""

    as_of: date
    computed_at: datetime
    updating_since: datetime | None  # the last change the rows do not show yet; None: up to date
    tables: dict[str, list[figures.FigureTable]]  # by dimension


def kept_groups(session: Session, year: int, dimension: str) -> list[str]:
    """The groups of `dimension` the kept year has, in the tables' order (every group has "active"
    rows; one indexed query)."""
    return list(session.execute(
        select(KeptFigure.grp).where(KeptFigure.year == year, KeptFigure.dimension == dimension,
                                     KeptFigure.figure == "active").distinct().order_by(KeptFigure.grp)).scalars())


def read_year(session: Session, year: int, through: str, dimensions: tuple[str, ...],
              groups: dict[str, list[str]] | None = None) -> KeptView | None:
    """The kept tables of `dimensions` for `year` through `through`, of only `groups[dimension]`
    where given (a page of the providers); None if the year is not kept."""
    found: dict[str, dict[tuple[str, str, str], figures.Cell]] = {d: {} for d in dimensions}
    only = [or_(KeptFigure.dimension != dimension, KeptFigure.grp.in_(names))
            for dimension, names in (groups or {}).items()]
    header = None
    for (as_of, computed_at, version, kept_version, changed_at,
         dimension, period, to_date, group, code, value, n) in session.execute(
            select(KeptYear.as_of, KeptYear.computed_at, KeptChange.version, KeptChange.kept_version,
                   KeptChange.changed_at, KeptFigure.dimension, KeptFigure.period, KeptFigure.to_date,
                   KeptFigure.grp, KeptFigure.figure, KeptFigure.value, KeptFigure.n)
            .select_from(KeptYear)
            .outerjoin(KeptChange, KeptChange.year == KeptYear.year)
            .outerjoin(KeptFigure, and_(
                KeptFigure.year == KeptYear.year, KeptFigure.dimension.in_(dimensions),
                or_(and_(KeptFigure.to_date.is_(False), KeptFigure.period <= through),
                    and_(KeptFigure.to_date.is_(True), KeptFigure.period == through)), *only))
            .where(KeptYear.year == year)):
        header = _header(as_of, computed_at, version, kept_version, changed_at)
        if dimension is not None:
            found[dimension][group, "ytd" if to_date else period, code] = figures.Cell(_value(code, value), n)
    if header is None:
        return None
    return KeptView(*header, {d: _tables(found[d], year, through, d) for d in dimensions})


def _header(as_of: date, computed_at: datetime, version: int | None, kept_version: int | None,
            changed_at: datetime | None) -> tuple[date, datetime, datetime | None]:
    """(as of, computed at, updating since): the last change while a rewrite is pending, else None."""
    return as_of, computed_at, changed_at if (version or 0) > (kept_version or 0) else None


@dataclass
class KeptLevels:
    """One year's kept levels page, with when it was computed (as KeptView)."""

    as_of: date
    computed_at: datetime
    updating_since: datetime | None
    tables: dict[str, list[parking.ParkingRow]]  # level -> the municipality's row, then providers


def read_levels(session: Session, year: int) -> KeptLevels | None:
    """The kept levels page of `year` in one statement; None if the year is not kept."""
    header, tables = None, {}
    for (as_of, computed_at, version, kept_version, changed_at, level, provider,
         hours, hours_n, interrupted, interrupted_n, result_rate, result_n) in session.execute(
            select(KeptYear.as_of, KeptYear.computed_at, KeptChange.version, KeptChange.kept_version,
                   KeptChange.changed_at, KeptParking.level, KeptParking.provider,
                   KeptParking.hours_per_week, KeptParking.hours_n, KeptParking.interrupted,
                   KeptParking.interrupted_n, KeptParking.result_rate, KeptParking.result_n)
            .select_from(KeptYear)
            .outerjoin(KeptChange, KeptChange.year == KeptYear.year)
            .outerjoin(KeptParking, KeptParking.year == KeptYear.year)
            .where(KeptYear.year == year).order_by(KeptParking.position)):
        header = _header(as_of, computed_at, version, kept_version, changed_at)
        if level is not None:
            tables.setdefault(level, []).append(parking.ParkingRow(
                provider, level, figures.Cell(_share(hours), hours_n),
                figures.Cell(_share(interrupted), interrupted_n), figures.Cell(_share(result_rate), result_n)))
    return KeptLevels(*header, tables) if header else None


def _share(value) -> Decimal | None:
    return None if value is None else round_money(Decimal(str(value)))


def year_tables(session: Session, year: int, through: str, dimension: str) -> list[figures.FigureTable]:
    """figures.year_tables from the kept rows of one year."""
    view = read_year(session, year, through, (dimension,))
    return view.tables[dimension] if view else _tables({}, year, through, dimension)


def _tables(found: dict[tuple[str, str, str], figures.Cell], year: int, through: str,
            dimension: str) -> list[figures.FigureTable]:
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13) if f"{year:04d}-{m:02d}" <= through]
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


def updating(session: Session, year: int) -> bool:
    """Is a rewrite of the year's kept rows pending (data changed since they were computed)?"""
    version, kept_version = _versions(session, year)
    return version > kept_version


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
