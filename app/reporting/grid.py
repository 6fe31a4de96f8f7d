"""The month of attendance for one provider: what the grid shows, and saving changes to it.

The screen and the API both save through `apply_changes`, so both refuse the same things.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Date, Integer, case, cast, extract, false, func, literal, select
from sqlmodel import Session

from app.common import clock, paging
from app.common.audit import record_change
from app.common.base import utcnow
from app.common.errors import ValidationError
from app.common.money import HOURS_STEP
from app.common.periods import month_bounds as month_bounds  # re-exported for the views and API
from app.common.periods import next_period as next_period
from app.common.periods import period_of as period_of
from app.common.periods import previous_period as previous_period
from app.kundval import placement_windows, reported_days
from app.kundval.models import (
    Attendance,
    Client,
    Placement,
    PlacementWindow,
    Referral,
    ReportedDays,
)
from app.offerings.models import Offering
from app.reporting.models import MonthReport
from app.settlement import late_changes

MAX_HOURS = Decimal("24")
ABSENT_WORDS = {"f", "fr", "frånvaro", "franvaro", "a", "absent", "frånv"}
Cell = tuple[str, Decimal]  # (status, hours)


@dataclass
class GridRow:
    placement_id: int
    ref: str
    client_name: str
    offering_title: str
    service_type: str
    rate_unit: str
    referral_id: int
    window_from: date
    window_to: date
    cap: Decimal | None
    cells: dict[date, Cell] = field(default_factory=dict)
    week_hours: dict[int, Decimal] = field(default_factory=dict)  # ISO week number -> hours
    carry: dict[int, Decimal] = field(default_factory=dict)  # hours on neighbouring months' days

    def carry_json(self) -> str:
        return json.dumps({str(week): str(hours) for week, hours in self.carry.items()})

    def in_window(self, day: date) -> bool:
        return self.window_from <= day <= self.window_to

    def value(self, day: date) -> str:
        cell = self.cells.get(day)
        if cell is None:
            return ""
        if cell[0] == "absent":
            return "F"
        return format_hours(cell[1])

    def row_cells(self, columns: list[DayColumn], today: date) -> list[tuple[DayColumn, str, str]]:
        """(column, value, state) of each day: state "open" (reportable), "out" (outside the
        placement's window) or "future" (not yet come, and nothing reported on it)."""
        out = []
        for column in columns:
            value = self.value(column.day)
            if not self.in_window(column.day):
                out.append((column, value, "out"))
            else:
                out.append((column, value, "open" if column.day <= today or value else "future"))
        return out


# The grid's weekday abbreviations (the page's own; staff read them in Swedish as the hint text).
WEEKDAY_SHORT = ("må", "ti", "on", "to", "fr", "lö", "sö")


@dataclass(frozen=True)
class DayColumn:
    """What the grid's cells of one day share, worked out once per page instead of once per cell."""
    day: date
    iso: str
    short: str  # "ti"
    label: str  # "3 ti"
    week: int  # ISO week number
    classes: str  # " weekend", and " first start-N" on the month's first day


@dataclass
class Grid:
    period: str
    days: list[date]
    rows: list[GridRow]
    report: MonthReport | None
    total: int = 0  # placements matching the search, over all pages
    page: int = 1
    pages: int = 1
    search: str = ""
    missing: bool = False

    @property
    def columns(self) -> list[DayColumn]:
        return [DayColumn(day, day.isoformat(), WEEKDAY_SHORT[day.weekday()],
                          f"{day.day} {WEEKDAY_SHORT[day.weekday()]}",
                          day.isocalendar()[1],
                          (" weekend" if day.weekday() >= 5 else "")
                          + (f" first start-{day.weekday() + 1}" if i == 0 else ""))
                for i, day in enumerate(self.days)]


PAGE_SIZE = 25


def format_hours(hours: Decimal) -> str:
    text = f"{hours.normalize():f}"
    return text.replace(".", ",")


def parse_cell(value: str, field_name: str) -> Cell | None:
    """'' → no row, 'F' → absent, '7,5' → present 7.5 h; hours in quarter steps, 0 < h ≤ 24."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if text in ABSENT_WORDS:
        return ("absent", Decimal("0"))
    return ("present", check_hours(text.replace(",", ".").replace(" ", ""), field_name))


def check_hours(value, field_name: str) -> Decimal:
    if isinstance(value, float | bool):
        value = str(value) if isinstance(value, float) else "x"
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(field_name, _l("ange timmar som ett tal, till exempel 7,5, eller F för frånvaro")) from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise ValidationError(field_name, _l("timmarna måste vara större än 0 och högst 24"))
    if hours % HOURS_STEP != 0:
        raise ValidationError(field_name, _l("timmar anges i kvartar (0,25, 0,5, 0,75 …)"))
    return hours.quantize(Decimal("0.01"))


def window_clauses(first: date, last: date) -> list:
    """SQL conditions: the placement's window (placement within its referral) meets first..last."""
    end = func.coalesce(Placement.ended_on, Referral.valid_to)
    return [Placement.start_date <= last, Referral.valid_from <= last,
            (Placement.ended_on.is_(None)) | (Placement.ended_on >= first), Referral.valid_to >= first,
            Placement.start_date <= Referral.valid_to, Placement.start_date <= end,
            Referral.valid_from <= end, Referral.valid_from <= Referral.valid_to]


def placement_rows_query(provider_id: int, first: date, last: date):
    """The select behind `provider_placements`, for callers that page or narrow it further."""
    return (select(Placement, Client.name, Offering.title, Offering.service_type, Offering.rate_unit,
                   Referral)
            .join(Offering, Offering.id == Placement.offering_id)
            .join(Referral, Referral.id == Placement.referral_id)
            .join(Client, Client.id == Referral.client_id)
            .where(Offering.provider_id == provider_id, *window_clauses(first, last)))


def grid_row(p: Placement, client_name: str, title: str, service_type: str, rate_unit: str,
             r: Referral) -> GridRow:
    lo = max(p.start_date, r.valid_from)
    hi = min(p.ended_on or r.valid_to, r.valid_to)
    return GridRow(p.id, p.ref, client_name, title, service_type, rate_unit, r.id, lo, hi,
                   r.max_hours_per_week)


def provider_placements(session: Session, provider_id: int, first: date, last: date, *,
                        ref: str | None = None, placement_ids=None) -> list[GridRow]:
    """The provider's placements whose window meets first..last, in client-name order.

    `ref` or `placement_ids` narrow it to those placements (found through their indexes), so
    one placement's call costs the same whatever the provider's size."""
    stmt = placement_rows_query(provider_id, first, last)
    if ref is not None:
        stmt = stmt.where(Placement.ref == ref)
    if placement_ids is not None:
        stmt = stmt.where(Placement.id.in_(sorted(placement_ids)))
    return [grid_row(*found) for found in session.execute(stmt.order_by(Client.name, Placement.ref))]


def windows_query(provider_id: int, first: date, last: date, search: str = ""):
    """The ids of the provider's placements meeting first..last whose client's name or ref
    contains `search` (all when it is empty), from their kept windows (kundval/placement_windows.py):
    the lists page and count these narrow rows, then read a page's placements whole."""
    stmt = select(PlacementWindow.placement_id).where(PlacementWindow.provider_id == provider_id,
                                                      *placement_windows.meets(first, last))
    if not search:
        return stmt
    return stmt.where(PlacementWindow.client_name.icontains(search, autoescape=True)
                      | PlacementWindow.ref.icontains(search, autoescape=True))


def in_name_order(stmt):
    return stmt.order_by(PlacementWindow.client_name, PlacementWindow.ref)


def rows_of(session: Session, provider_id: int, first: date, last: date, ids: list[int]) -> list:
    """placement_rows_query's rows of `ids` (a page), in the order of `ids`."""
    if not ids:
        return []
    position = {pid: i for i, pid in enumerate(ids)}
    found = session.execute(placement_rows_query(provider_id, first, last).where(Placement.id.in_(ids))).all()
    return sorted(found, key=lambda row: position[row[0].id])


def placement_choices(session: Session, provider_id: int, first: date, last: date, *, search: str = "",
                      limit: int = PAGE_SIZE) -> tuple[list[GridRow], int]:
    """At most `limit` of the provider's placements meeting first..last that match `search` (name
    or ref), in name order, and how many match in all: the results form offers these, so a
    provider with thousands of placements gets a search, not thousands of options."""
    stmt = in_name_order(windows_query(provider_id, first, last, (search or "").strip()[:100]))
    found = paging.fetch_counted(session, stmt, 1, limit)
    ids = [pid for pid, in found.rows]
    return [grid_row(*row) for row in rows_of(session, provider_id, first, last, ids)], found.total


def with_missing_days(stmt, first: date, last: date, today: date):
    """`stmt` (windows_query) narrowed to placements with a weekday in first..min(last, today)
    inside their window that has no row.

    Against the placement's kept mask of reported days (kundval/reported_days.py): the days of its
    window in the month are a mask too, bits lo..hi made with two shifts, and kept to the month's
    weekdays up to today by a constant mask, so each placement costs a few operations in the
    database, not a test per day."""
    end = min(last, today)
    if end < first:
        return stmt.where(false())
    weekdays = 0
    for day in range(1, end.day + 1):
        if date(first.year, first.month, day).weekday() < 5:
            weekdays |= reported_days.day_bit(day)
    w = PlacementWindow
    lo = case((w.window_from > first, w.window_from), else_=literal(first, Date))
    hi = case((w.window_to < end, w.window_to), else_=literal(end, Date))
    one = literal(1, BigInteger)  # bit 31 (day 31's end) needs more than 32 bits

    def day_of(day) -> Any:
        return cast(extract("day", day), Integer)

    window = one.op("<<")(day_of(hi)) - one.op("<<")(day_of(lo) - 1)  # bits of days lo..hi
    wanted = window.op("&")(literal(weekdays, BigInteger))
    reported = func.coalesce(ReportedDays.days, 0)
    return stmt.outerjoin(ReportedDays, (ReportedDays.placement_id == w.placement_id)
                          & (ReportedDays.period == period_of(first))).where(
        lo <= hi, wanted.op("|")(reported) != reported)


def month_grid(session: Session, provider_id: int, period: str, *, search: str = "",
               missing: bool = False, page: int = 1, page_size: int | None = PAGE_SIZE) -> Grid:
    """One page of the month grid: placements in name order, narrowed in the database.

    `search` matches the client's name or the placement's ref; `missing` keeps placements with
    a weekday up to today that has nothing reported. A few queries whatever the provider's size."""
    first, last = month_bounds(period)
    search = (search or "").strip()[:100]
    stmt = windows_query(provider_id, first, last, search)
    if missing:
        stmt = with_missing_days(stmt, first, last, clock.today())
    stmt = in_name_order(stmt)
    if page_size:
        found = paging.fetch_counted(session, stmt, page, page_size)
        ids, total, page, pages = [pid for pid, in found.rows], found.total, found.number, found.pages
    else:
        ids = list(session.execute(stmt).scalars())
        total, page, pages = len(ids), 1, 1
    rows = [grid_row(*row) for row in rows_of(session, provider_id, first, last, ids)]
    # Whole ISO weeks, so the weekly cap counts days in the neighbouring months too.
    week_start = first - timedelta(days=first.weekday())
    week_end = last + timedelta(days=6 - last.weekday())
    by_id = {row.placement_id: row for row in rows}
    if by_id:
        # Plain rows, not ORM objects: a page reads about 800 of them.
        for placement_id, day, status, hours in session.execute(
                select(Attendance.placement_id, Attendance.date, Attendance.status, Attendance.hours).where(
                Attendance.placement_id.in_(list(by_id)), Attendance.date >= week_start,
                Attendance.date <= week_end)):
            row, hours = by_id[placement_id], Decimal(hours)
            if first <= day <= last:
                row.cells[day] = (status, hours)
            if status == "present" and row.in_window(day):
                week = day.isocalendar()[1]
                row.week_hours[week] = row.week_hours.get(week, Decimal("0")) + hours
                if not first <= day <= last:
                    row.carry[week] = row.carry.get(week, Decimal("0")) + hours
    report = session.execute(select(MonthReport).where(MonthReport.provider_id == provider_id,
                                                    MonthReport.period == period)).scalars().first()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return Grid(period, days, rows, report, total, page, pages, search, missing)


def apply_changes(session: Session, provider_id: int, period: str,
                  wanted: dict[tuple[int, date], Cell | None], fields: dict[tuple[int, date], str],
                  actor_id: int | None, reason: str = "", channel: str = "grid") -> int:
    """Set the given (placement, date) cells (None removes); returns how many rows changed.

    Refuses placements of other providers, dates outside the month or the placement window or
    after today, and, once the month is submitted or settled, changes without a reason (they
    are audited; a settled month's as late changes, shown to finance).
    """
    first, last = month_bounds(period)
    _check_cells(session, provider_id, period, wanted, fields)
    if not wanted:
        return 0
    changes = _changes(session, wanted, first, last)
    if not changes:
        return 0
    submitted, settled, reason = _change_reason(session, provider_id, period, reason)
    for (placement_id, day), row, before, after in sorted(changes, key=lambda c: c[0]):
        _write_cell(session, placement_id, day, row, after)
        if settled:
            late_changes.record(session, actor_id, "attendance", placement_id, provider_id=provider_id,
                                placement_id=placement_id, period=period, before=_cell_dict(day, before),
                                after=_cell_dict(day, after), reason=reason, channel=channel)
        elif submitted:
            record_change(session, actor_id, "correct", "attendance", placement_id,
                          before=_cell_dict(day, before), after=_cell_dict(day, after), reason=reason)
    session.flush()
    return len(changes)


def _check_cells(session: Session, provider_id: int, period: str,
                 wanted: dict[tuple[int, date], Cell | None], fields: dict[tuple[int, date], str]) -> None:
    """Refuse the first cell (in placement and date order, so the same post always names the
    same field) of another provider's placement, outside the month or the placement's window,
    or set in the future; removing a future cell is allowed."""
    first, last = month_bounds(period)
    rows = {row.placement_id: row for row in provider_placements(
        session, provider_id, first, last, placement_ids={pid for pid, _day in wanted})} if wanted else {}
    for (placement_id, day), _cell in sorted(wanted.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        row = rows.get(placement_id)
        name = fields.get((placement_id, day), f"{placement_id}.{day}")
        if row is None:
            raise ValidationError(name, _l("placeringen finns inte bland era placeringar den här månaden"))
        if not first <= day <= last:
            raise ValidationError(name, _l("datumet ligger inte i %(period)s", period=period))
        if not row.in_window(day):
            raise ValidationError(name, _l("datumet ligger utanför placeringens giltighetstid (%(first)s–%(last)s)",
                                           first=row.window_from, last=row.window_to))
        if wanted[(placement_id, day)] is not None:
            clock.check_not_future(day, name)


_Change = tuple[tuple[int, date], Attendance | None, Cell | None, Cell | None]


def _changes(session: Session, wanted: dict[tuple[int, date], Cell | None],
             first: date, last: date) -> list[_Change]:
    """The cells whose (status, hours to the öre) differ from what is stored, with the stored
    row: a cell posted unchanged is no change, so it needs no reason and leaves no audit row."""
    existing = {(a.placement_id, a.date): a for a in session.execute(
        select(Attendance).where(Attendance.placement_id.in_({pid for pid, _ in wanted}),
                                 Attendance.date >= first, Attendance.date <= last)).scalars()}
    changes = []
    for key, cell in wanted.items():
        row = existing.get(key)
        before = (row.status, Decimal(row.hours).quantize(Decimal("0.01"))) if row else None
        after = (cell[0], cell[1].quantize(Decimal("0.01"))) if cell else None
        if before != after:
            changes.append((key, row, before, after))
    return changes


def _change_reason(session: Session, provider_id: int, period: str, reason: str) -> tuple[bool, bool, str]:
    """(submitted, settled, reason): once the month is reported a change needs a reason, and
    once it is settled the reason must meet the late-change rules (it is shown to finance)."""
    submitted = session.execute(select(MonthReport.id).where(MonthReport.provider_id == provider_id,
                                                          MonthReport.period == period)).first()
    reason = (reason or "").strip()
    settled = late_changes.is_settled(session, provider_id, period)
    if settled:
        reason = late_changes.require_reason(reason)
    if submitted and not reason:
        raise ValidationError("reason", _l("månaden är redan inrapporterad: ange ett skäl till ändringen"))
    return submitted is not None, settled, reason


def _write_cell(session: Session, placement_id: int, day: date, row: Attendance | None,
                after: Cell | None) -> None:
    """Remove, add or update the stored attendance row so it holds `after`."""
    if after is None:
        session.delete(row)
    elif row is None:
        session.add(Attendance(placement_id=placement_id, date=day, status=after[0], hours=after[1]))
    else:
        row.status, row.hours = after


def _cell_dict(day: date, cell: Cell | None) -> dict:
    if cell is None:
        return {"date": day.isoformat(), "status": None}
    return {"date": day.isoformat(), "status": cell[0], "hours": str(cell[1])}


def submit_month(session: Session, provider_id: int, period: str, actor_id: int | None) -> MonthReport:
    """Mark the month as reported; later changes need a reason."""
    first, _last = month_bounds(period)
    if first > clock.today():
        raise ValidationError("period", _l("månaden har inte börjat än"))
    if session.execute(select(MonthReport.id).where(MonthReport.provider_id == provider_id,
                                                 MonthReport.period == period)).first():
        raise ValidationError("period", _l("månaden är redan markerad som rapporterad"))
    report = MonthReport(provider_id=provider_id, period=period, submitted_at=utcnow(),
                         submitted_by_id=actor_id)
    session.add(report)
    session.flush()
    record_change(session, actor_id, "submit", "month_report", report.id,
                  after={"provider_id": provider_id, "period": period})
    return report


def week_totals(rows: list[GridRow]) -> dict[tuple[int, int], Decimal]:
    """Hours per (referral, ISO week) across the rows, for the cap display."""
    totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for row in rows:
        for week, hours in row.week_hours.items():
            totals[(row.referral_id, week)] += hours
    return totals
