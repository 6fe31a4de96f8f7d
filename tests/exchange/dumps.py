"""A database's contents as plain data, to compare an import with what the importer wrote before.

Every table's rows as {column: text}, sorted, without what differs between two runs of the same
import: times, the encrypted personnummer (a random nonce) and attendance's row ids (rows are
written by placement and date, not in the file's order). No app imports: the golden files in
tests/data/import_golden/ were made with this on the importer before it streamed.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import MetaData, select

VOLATILE = {"created_at", "updated_at", "at", "personal_id_encrypted", "approved_at", "closed_at"}
NO_IDS = {"attendance"}
# Worked out from the other tables and kept: the case worker's list (app/kundval/casefacts.py) and
# the grid's reported days (app/kundval/reported_days.py).
DERIVED = {"case_facts", "reporteddays", "placementwindow", "keptendedgroup"}


def _text(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def dump(connection) -> dict[str, list[dict]]:
    """Read through the reflected column types, so both databases give the same Python values."""
    metadata = MetaData()
    metadata.reflect(bind=connection)
    result = {}
    for table in sorted(t for t in metadata.tables if t != "alembic_version" and t not in DERIVED):
        rows = []
        for row in connection.execute(select(metadata.tables[table])).mappings():
            rows.append({k: _text(_json(v)) for k, v in row.items()
                         if k not in VOLATILE and not isinstance(v, datetime)
                         and not (k == "id" and table in NO_IDS)})
        if rows:
            result[table] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return result


def _json(value):
    """JSON columns come back as text on SQLite with some drivers: compare them as data."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def same_as(golden: dict[str, list[dict]], actual: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """actual restricted to golden's tables and columns (tables may gain columns later)."""
    restricted = {}
    for table, rows in actual.items():
        columns = set(golden[table][0]) if golden.get(table) else None
        keep = [{k: v for k, v in row.items() if columns is None or k in columns} for row in rows]
        restricted[table] = sorted(keep, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return restricted
