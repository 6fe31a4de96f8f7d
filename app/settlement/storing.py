"""Storing drafts: a run's settlements, lines and warnings with one statement per table.

Warnings are stored as runs of consecutive days (unpaid.py), not one row per day.

Lines and warnings go through the driver (COPY on PostgreSQL, executemany on SQLite): the
ORM's per-row work would cost more than the database's own. Callers commit.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlmodel import Session, col

from app.common.base import utcnow
from app.kundval.models import Placement
from app.settlement import rules, unpaid
from app.settlement.export import line_record, stored_line_records
from app.settlement.loading import driver_rows
from app.settlement.models import Settlement, SettlementLine, SettlementWarning
from app.settlement.records import Line, Warning


def rules_line_record(line: Line) -> dict[str, Any]:
    """line_record() of a line the rules made."""
    return line_record(line.placement, line.kind, line.quantity, line.unit_price, line.amount,
                       line.vat_rate, line.vat, line.ref_period, line.ref_kind)


def same_lines(stored: list[dict[str, Any]], lines: list[Line]) -> bool:
    """Whether a draft's stored lines are these lines, in any order."""
    return sorted(stored, key=_line_key) == sorted((rules_line_record(line) for line in lines), key=_line_key)


def _line_key(d: dict[str, Any]) -> tuple[str, str, str, str, int]:
    return (d["placement"], d["kind"], d["ref_period"] or "", d["ref_kind"] or "", d["vat_rate"])


def delete_draft(session: Session, draft: Settlement) -> None:
    session.execute(delete(SettlementLine).where(col(SettlementLine.settlement_id) == draft.id))
    session.execute(delete(SettlementWarning).where(col(SettlementWarning.settlement_id) == draft.id))
    session.delete(draft)
    session.flush()


@dataclass
class Draft:
    """A draft to store: new (settlement None) or replacing the lines of an existing one."""

    provider_id: int
    settlement: Settlement | None
    lines: list[Line]
    warnings: list[Warning]
    fingerprint: str


_LINE_COLUMNS = ("settlement_id", "placement_id", "kind", "quantity", "unit_price", "amount", "vat_rate",
                 "vat", "ref_period", "ref_kind", "explanation", "created_at", "updated_at")
_WARNING_COLUMNS = ("settlement_id", "placement_id", "first_date", "last_date", "days", "hours", "day_hours",
                    "reason", "created_at", "updated_at")


def store_drafts(session: Session, period: str, drafts: list[Draft]) -> None:
    """Store the drafts with one statement per table, whatever their number: the settlements
    through the ORM, their lines and warnings in bulk (COPY on PostgreSQL)."""
    if not drafts:
        return
    refs = {line.placement for d in drafts for line in d.lines} | {w.placement for d in drafts for w in d.warnings}
    stmt = select(col(Placement.ref), col(Placement.id))
    placement_ids: dict[str, int] = dict(
        session.execute(stmt.where(col(Placement.ref).in_(refs))).tuples().all() if len(refs) < 5000
        else driver_rows(session, stmt))
    replaced = [d.settlement.id for d in drafts if d.settlement is not None and d.settlement.id is not None]
    previous = stored_line_records(session, replaced)
    if replaced:
        session.execute(delete(SettlementLine).where(col(SettlementLine.settlement_id).in_(replaced)))
        session.execute(delete(SettlementWarning).where(col(SettlementWarning.settlement_id).in_(replaced)))
    now = utcnow()
    runs = [list(unpaid.runs(d.warnings)) for d in drafts]
    for d, unpaid_runs in zip(drafts, runs, strict=True):
        if d.settlement is None:
            d.settlement = Settlement(provider_id=d.provider_id, period=period, status="draft")
            session.add(d.settlement)
            d.settlement.previous_lines = []
        else:
            d.settlement.previous_lines = previous.get(d.settlement.id or 0, [])
        totals = rules.settlement_totals(d.lines)
        draft = d.settlement
        draft.total_excl_vat, draft.total_vat, draft.total_incl_vat = totals.excl, totals.vat, totals.incl
        draft.credit_note = totals.credit_note
        draft.fingerprint = d.fingerprint
        draft.line_count, draft.unpaid_days = len(d.lines), sum(run.days for run in unpaid_runs)
        draft.updated_at = now
    session.flush()
    ids = [cast(Settlement, d.settlement).id for d in drafts]
    _bulk_insert(session, _table(SettlementLine), _LINE_COLUMNS, (
        (settlement_id, placement_ids[line.placement], line.kind, line.quantity, line.unit_price,
         line.amount, line.vat_rate, line.vat, line.ref_period, line.ref_kind, line.explanation, now, now)
        for d, settlement_id in zip(drafts, ids, strict=True) for line in d.lines))
    _bulk_insert(session, _table(SettlementWarning), _WARNING_COLUMNS, (
        (settlement_id, placement_ids[run.placement], run.first, run.last, run.days, run.hours,
         unpaid.hours_text(run.day_hours), run.reason, now, now)
        for settlement_id, unpaid_runs in zip(ids, runs, strict=True) for run in unpaid_runs))


def _table(model: type[SettlementLine] | type[SettlementWarning]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[union-attr]  # SQLModel sets it


def _bulk_insert(session: Session, table: Table, columns: tuple[str, ...],
                 rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert plain tuples in the session's transaction through the driver: COPY on PostgreSQL,
    executemany on SQLite with SQLAlchemy's own conversion of each column's values (stored
    exactly as the ORM stores them). The ORM's per-row work would cost more than the
    database's own."""
    connection = session.connection()
    dialect = connection.dialect
    names = ", ".join(columns)
    cursor: Any = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if dialect.name == "postgresql":
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            listed = list(rows)
            if not listed:
                return
            values: list[Any] = list(zip(*listed, strict=True))  # column by column
            for i, name in enumerate(columns):
                process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                if process is not None:
                    values[i] = _sqlite_column(values[i], process)
            cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})",
                               zip(*values, strict=True))
    finally:
        cursor.close()


def _sqlite_column(values: tuple[Any, ...], process: Callable[[Any], Any]) -> list[Any]:
    """One column's values as SQLAlchemy binds them on SQLite, each distinct object converted
    once (a run's timestamps and shared dates repeat)."""
    done: dict[int, object] = {}
    out: list[Any] = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        found = done.get(id(value))
        if found is None:
            found = done[id(value)] = process(value)
        out.append(found)
    return out


