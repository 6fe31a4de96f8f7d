"""The attendance section: hundreds of thousands of rows, read compactly and written in bulk.

A row is kept as four small numbers (placement, day, status, quarter hours) in arrays, about 10
bytes a row instead of the file's 80, until the placements are known: the file may give its
attendance before the placements it names (a JSON object's sections have no order). Rows are
then written placement by placement with COPY on PostgreSQL and executemany on SQLite, inside
the import's one transaction. Attendance is keyed by (placement, date): a later row for the same
key replaces the earlier one (exchange.md).
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select, update
from sqlmodel import Session

from app.common import clock
from app.common.base import utcnow
from app.common.errors import ValidationError
from app.exchange.importer import fields as f
from app.kundval.models import ATTENDANCE_STATUSES, Attendance
from app.settlement import late_changes

QUARTER_HOURS = [(Decimal(q) / 4).quantize(Decimal("0.01")) for q in range(int(24 * 4) + 1)]
BATCH = 20_000  # rows written per statement
COLUMNS = ("placement_id", "date", "status", "hours", "created_at", "updated_at")
_REQUIRED = ("placement", "date", "status")
_ABSENT = ATTENDANCE_STATUSES.index("absent")


class AttendanceRows:
    """The section's rows as arrays; placements numbered in the order they first appear."""

    def __init__(self) -> None:
        self.number: dict[str, int] = {}  # placement ref -> its number
        self.first_row = array("q")  # number -> index of the placement's first row
        self.placement, self.day = array("i"), array("i")  # placement number, date.toordinal()
        self.status, self.quarters = array("b"), array("b")  # index in ATTENDANCE_STATUSES, hours × 4
        self.in_order = True  # rows come by placement and date with no key twice: nothing to sort
        self._dates: dict = {}
        self._hours: dict = {}
        self._statuses = {s: i for i, s in enumerate(ATTENDANCE_STATUSES)}

    def __len__(self) -> int:
        return len(self.day)

    def placement_refs(self) -> Iterable[str]:
        return self.number.keys()

    def first_unknown(self, placements: dict) -> tuple[str, int] | None:
        """The first placement ref (by its first row) that is neither in the file nor stored."""
        for ref, number in self.number.items():
            if ref not in placements:
                return ref, self.first_row[number]
        return None

    def read(self, raw_rows: Iterable) -> None:
        """Check every row (the same messages as each field's parser) and keep it.

        A row whose values were all seen before is kept by four dictionary look-ups; any other
        goes through the parsers (`_parse`), which fill those dictionaries."""
        today = clock.today().toordinal()
        numbers, dates, statuses, hours = self.number, self._dates, self._statuses, self._hours
        for index, row in enumerate(raw_rows, start=len(self)):
            try:
                number, day, status = numbers[row["placement"]], dates[row["date"]], statuses[row["status"]]
                quarters = hours[row["hours"]]
            except (KeyError, TypeError):
                number, day, status, quarters = self._parse(row, index, today)
            self._add(number, day, status, quarters)

    def _parse(self, row, index: int, today: int) -> tuple[int, int, int, int]:
        number = self._placement(row, index)
        day = self._day(row["date"], index, today)
        status = self._status(row["status"], index)
        return number, day, status, self._quarters(row, status, index)

    def _placement(self, row, index: int) -> int:
        if not isinstance(row, dict):
            raise ValidationError(f"attendance[{index}]", "must be an object")
        for name in _REQUIRED:
            if name not in row:
                raise ValidationError(f"attendance[{index}].{name}", "required")
        ref = row["placement"]
        number = self.number.get(ref) if isinstance(ref, str) else None
        if number is None:
            ref = f.ref(ref, f"attendance[{index}].placement")
            number = self.number[ref] = len(self.number)
            self.first_row.append(index)
        return number

    def _day(self, text, index: int, today: int) -> int:
        day = self._dates.get(text) if isinstance(text, str) else None
        if day is None:
            day = f.calendar_date()(text, f"attendance[{index}].date").toordinal()
            if day > today:
                raise ValidationError(f"attendance[{index}].date", f.after_today(date.fromordinal(today)))
            self._dates[text] = day
        return day

    def _status(self, value, index: int) -> int:
        status = self._statuses.get(value) if isinstance(value, str) else None
        if status is None:
            status = self._statuses[f.choice(ATTENDANCE_STATUSES)(value, f"attendance[{index}].status")]
        return status

    def _quarters(self, row: dict, status: int, index: int) -> int:
        value = row.get("hours")
        if value is None and status == _ABSENT:
            return 0
        if "hours" not in row:
            raise ValidationError(f"attendance[{index}].hours", "required when status is present")
        quarters = self._hours.get(value) if isinstance(value, str) else None
        if quarters is None:
            quarters = self._hours[value] = int(f.hours(value, f"attendance[{index}].hours") * 4)
        return quarters

    def _add(self, number: int, day: int, status: int, quarters: int) -> None:
        if self.in_order and self.day and (number, day) <= (self.placement[-1], self.day[-1]):
            self.in_order = False
        self.placement.append(number)
        self.day.append(day)
        self.status.append(status)
        self.quarters.append(quarters)

    def unique_rows(self) -> Iterator[tuple[int, int, int, int]]:
        """(placement number, day, status, quarters) once per key, the last row's values, by key."""
        if self.in_order:
            yield from zip(self.placement, self.day, self.status, self.quarters, strict=True)
            return
        n, first = len(self), min(self.day)
        span = max(self.day) - first + 1
        # One int per row orders by (placement, day, row): the last of a run of equal keys wins.
        keys = sorted(((p * span + d - first) * n + i)
                      for i, (p, d) in enumerate(zip(self.placement, self.day, strict=True)))
        for position, key in enumerate(keys):
            rest, index = divmod(key, n)
            if position + 1 < len(keys) and keys[position + 1] // n == rest:
                continue  # a later row has the same placement and day
            yield self.placement[index], self.day[index], self.status[index], self.quarters[index]


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    changes: list = field(default_factory=list)  # the late changes (settled months only)


def write(session: Session, rows: AttendanceRows, placement_ids: list[int], new_placements: set[int]) -> Written:
    """Insert new (placement, date) rows and replace stored ones, batch by batch."""
    written = Written()
    if not len(rows):
        return written
    settled = _settled(session, rows, placement_ids)
    writer = _writer(session)
    now = utcnow()
    batch: list[tuple[int, int, int, int]] = []
    for row in rows.unique_rows():
        batch.append(row)
        if len(batch) >= BATCH:
            _write_batch(session, writer, batch, placement_ids, new_placements, settled, now, written)
            batch = []
    _write_batch(session, writer, batch, placement_ids, new_placements, settled, now, written)
    return written


@dataclass
class _Settled:
    """The (provider id, period) pairs already settled among those the rows fall in (late changes)."""

    provider_of: dict[int, int]
    pairs: set[tuple[int, str]]

    def covers(self, placement_id: int, day: int) -> bool:
        return bool(self.pairs) and (self.provider_of[placement_id], _period(day)) in self.pairs


def _period(day: int) -> str:
    return late_changes.period_of(date.fromordinal(day))


def _settled(session: Session, rows: AttendanceRows, placement_ids: list[int]) -> _Settled:
    from app.exchange.importer.matching import in_chunks
    from app.kundval.models import Placement
    from app.offerings.models import Offering

    provider_of: dict[int, int] = {}
    for chunk in in_chunks(sorted({placement_ids[n] for n in set(rows.placement)})):
        provider_of.update(session.execute(
            select(Placement.id, Offering.provider_id).join(Offering, Offering.id == Placement.offering_id)
            .where(Placement.id.in_(chunk))).all())
    periods = {_period(day) for day in set(rows.day)}
    pairs = {(provider, period) for provider in set(provider_of.values()) for period in periods}
    return _Settled(provider_of, late_changes.settled_pairs(session, pairs))


def _stored(session: Session, batch: list, placement_ids: list[int], new_placements: set[int]) -> dict:
    """(placement id, day) -> (row id, status, hours) of the stored rows the batch may replace."""
    from app.exchange.importer.matching import in_chunks

    existing = {placement_ids[p] for p, _d, _s, _q in batch} - new_placements
    if not existing:
        return {}
    low, high = date.fromordinal(min(r[1] for r in batch)), date.fromordinal(max(r[1] for r in batch))
    stored = {}
    for chunk in in_chunks(existing):
        for row_id, p_id, day, status, hours in session.execute(
                select(Attendance.id, Attendance.placement_id, Attendance.date, Attendance.status,
                       Attendance.hours).where(Attendance.placement_id.in_(chunk),
                                               Attendance.date.between(low, high))):
            stored[(p_id, day.toordinal())] = (row_id, status, hours)
    return stored


def _write_batch(session: Session, writer, batch: list, placement_ids: list[int], new_placements: set[int],
                 settled: _Settled, now, written: Written) -> None:
    if not batch:
        return
    stored = _stored(session, batch, placement_ids, new_placements)
    inserts, updates = (batch, []) if not stored else _compare(batch, stored, placement_ids, now)
    if settled.pairs:
        written.changes.extend(_late(batch, stored, placement_ids, settled))
    writer(inserts, placement_ids, now)
    if updates:
        session.execute(update(Attendance), updates)
    written.created += len(inserts)
    written.updated += len(updates)


def _compare(batch: list, stored: dict, placement_ids: list[int], now) -> tuple[list, list[dict]]:
    """The rows not stored yet, and the stored rows whose status or hours the file changes."""
    inserts, updates = [], []
    for row in batch:
        number, day, status, quarters = row
        old = stored.get((placement_ids[number], day))
        if old is None:
            inserts.append(row)
        elif old[1] != ATTENDANCE_STATUSES[status] or old[2] != QUARTER_HOURS[quarters]:
            updates.append({"id": old[0], "status": ATTENDANCE_STATUSES[status], "hours": QUARTER_HOURS[quarters],
                            "updated_at": now})
    return inserts, updates


def _late(batch: list, stored: dict, placement_ids: list[int], settled: _Settled) -> Iterator[tuple]:
    """(placement id, date, (status, hours) before or None, after) of the changes in settled months."""
    for number, day, status, quarters in batch:
        p_id = placement_ids[number]
        if not settled.covers(p_id, day):
            continue
        old = stored.get((p_id, day))
        after = (ATTENDANCE_STATUSES[status], QUARTER_HOURS[quarters])
        if old is None or old[1:] != after:
            yield p_id, date.fromordinal(day), None if old is None else old[1:], after


def _writer(session: Session):
    """The fastest bulk insert each database has: COPY on PostgreSQL, executemany on SQLite."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _copy_writer(connection)
    return _executemany_writer(connection)


def _copy_writer(connection):
    """COPY ... FROM STDIN on the import's own connection (psycopg 3), so it is in its transaction."""
    driver = connection.connection.driver_connection
    sql = f"COPY {Attendance.__tablename__} ({', '.join(COLUMNS)}) FROM STDIN"

    def insert(rows: list[tuple[int, int, int, int]], placement_ids: list[int], now) -> None:
        if not rows:
            return
        days: dict[int, date] = {}
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for number, day, status, quarters in rows:
                when = days.get(day) or days.setdefault(day, date.fromordinal(day))
                copy.write_row((placement_ids[number], when, ATTENDANCE_STATUSES[status], QUARTER_HOURS[quarters],
                                now, now))
    return insert


def _executemany_writer(connection):
    """One INSERT run over the rows, values bound as SQLAlchemy binds them (the same stored text)."""
    table = Attendance.__table__
    dialect = connection.dialect
    bind = {name: table.c[name].type._cached_bind_processor(dialect) or (lambda v: v) for name in COLUMNS}
    sql = f"INSERT INTO {table.name} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
    hours = [bind["hours"](h) for h in QUARTER_HOURS]
    statuses = [bind["status"](s) for s in ATTENDANCE_STATUSES]
    days: dict[int, object] = {}

    def insert(rows: list[tuple[int, int, int, int]], placement_ids: list[int], now) -> None:
        if not rows:
            return
        created, updated = bind["created_at"](now), bind["updated_at"](now)
        values = []
        for number, day, status, quarters in rows:
            when = days.get(day)
            if when is None:
                when = days[day] = bind["date"](date.fromordinal(day))
            values.append((placement_ids[number], when, statuses[status], hours[quarters], created, updated))
        connection.exec_driver_sql(sql, values)
    return insert
