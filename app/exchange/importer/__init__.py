"""Import of the exchange file (shared/spec/exchange.md): validate a whole document, then write it.

`import_file` reads a file as a stream, section by section (app/exchange/importer/reading.py), so a
municipality's year of attendance never sits in memory as a parsed document; `import_document`
takes a document already parsed. Both check everything they can before they write anything and
raise ValidationError naming the record and field (`attendance[12].hours`); they never commit, so
the caller's rollback leaves the database as it was (all or nothing, one transaction).

    phase 1  reading.py, sections.py, fields.py, attendance.py: shape and types, no database
    phase 2  matching.py, checks.py: match stored records and resolve references, in bulk look-ups
    phase 3  writing.py, attendance.py: bulk inserts (COPY on PostgreSQL) and updates
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import IO, Any

import ijson
from sqlalchemy import text
from sqlmodel import Session

from app.common import clock
from app.common.audit import record_change
from app.common.periods import period_of
from app.exchange.importer import checks, matching, reading, writing
from app.exchange.importer.attendance import AttendanceRows
from app.exchange.importer.sections import SECTIONS, SPEC, ImportSummary, Rec, parse_section
from app.kundval import casefacts, fairness, placement_windows, reported_days
from app.kundval.models import Attendance, ReportedDays
from app.settlement import late_changes

__all__ = ["ANALYZE_ROWS", "SECTIONS", "ImportSummary", "analyze_touched", "import_document", "import_file"]

ANALYZE_ROWS = 500  # rows written to a table from which its planner statistics are refreshed


def import_document(session: Session, doc: Any, actor_id: int | None = None, source: str = "") -> ImportSummary:
    """Validate the whole document, then create or update its records; the caller commits.

    Changes dated in a settled month are audited as late changes, with `source` (the file's name)
    as their reason."""
    return _import(session, reading.document_sections(doc), actor_id, source)


def import_file(path_or_stream: str | Path | IO[bytes], session: Session | None = None, *,
                actor_id: int | None = None, source: str | None = None) -> ImportSummary:
    """What `flask data import FILE` does, without the commit: stream the file (a path, or a binary
    stream such as an upload or a job's spooled file) into the database.

    Raises ValidationError naming the record and field, or `$` for a file that cannot be read or
    is not UTF-8 JSON (with its line and column). An offering flagged default_choice becomes the
    no-choice alternative of its service type, as after every import."""
    from app.kundval.default_job import adopt_flagged_defaults

    if session is None:
        from app.extensions import db

        session = db.session
    file = reading.Source(path_or_stream)
    with file.open() as stream:
        try:
            summary = _import(session, reading.stream_sections(stream), actor_id,
                              file.name if source is None else source)
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise reading.syntax_error(file, exc) from None
    adopt_flagged_defaults(session)
    return summary


def _import(session: Session, sections: reading.Sections, actor_id: int | None, source: str) -> ImportSummary:
    records, attendance = _read(sections)
    resolved = matching.match_existing(session, records, attendance)
    checks.check_links(session, records, resolved, attendance)
    summary = ImportSummary()
    outcomes_before = {id(rec): late_changes.outcome_dates(rec.obj) for rec in records["outcomes"]
                       if rec.obj is not None}
    writing.write(session, records, resolved, attendance, summary)
    outcome_changes = []
    for rec in records["outcomes"]:
        before, after = outcomes_before.get(id(rec)), _outcome_dates(rec)
        if before != after:
            outcome_changes.append((rec.obj.id, _placement_id(rec), before, after))
    late_changes.record_import(session, actor_id, source, summary.attendance_changes, outcome_changes)
    record_change(session, actor_id, "import", "exchange", None, after=summary.as_dict())
    session.flush()
    # Attendance went in round the ORM: what is kept of it is written anew.
    reported_days.rewrite_periods(session, {period_of(date.fromordinal(d)) for d in set(attendance.day)})
    analyze_touched(session, summary)
    casefacts.rewrite_all(session, clock.today())
    fairness.forget_kept(session)  # placements and results may have gone in round the ORM
    placement_windows.rewrite(session)
    return summary


def _read(sections: reading.Sections) -> tuple[dict[str, list[Rec]], AttendanceRows]:
    """Phase 1: every section parsed (records) or kept compactly (attendance), in the file's order."""
    records: dict[str, list[Rec]] = {name: [] for name in SPEC}
    attendance = AttendanceRows()
    for name, raw in sections:
        if name == "attendance":
            attendance.read(raw)
        else:
            records[name] = parse_section(name, raw)
    return records, attendance


def _outcome_dates(rec: Rec) -> dict:
    """An outcome's dates after the import (outcome_dates of the row as written)."""
    return {name: (value.isoformat() if value else None)
            for name in ("result_date", "verified_on", "sustained_verified_on")
            for value in [rec.value(name)]}


def _placement_id(rec: Rec) -> int:
    target = rec.targets.get("placement")
    return target.obj.id if target is not None else rec.obj.placement_id


def analyze_touched(session: Session, summary: ImportSummary) -> list[str]:
    """ANALYZE the tables a bulk import wrote many rows to, so the next queries plan on fresh counts.

    Autovacuum would do it later (or never, where it is off); both databases allow it inside the
    import's transaction and count its own new rows. Returns the tables analyzed."""
    tables = []
    for section in SECTIONS:
        if summary.created[section] + summary.updated[section] >= ANALYZE_ROWS:
            model = Attendance if section == "attendance" else SPEC[section].model
            tables.append(model.__tablename__)
            if section == "attendance":  # and its days' masks, rewritten for the months written
                tables.append(ReportedDays.__tablename__)
    for table in tables:
        # The name comes from the models, never from the document.
        session.execute(text(f'ANALYZE "{table}"'))
    return tables
