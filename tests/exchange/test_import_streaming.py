"""The import read as a stream (app/exchange/importer/reading.py), on both databases.

The database after a streaming import equals what the importer wrote before it streamed (golden
dumps made with that importer, tests/data/import_golden/), for every case file and for a document
whose sections come in reverse order with attendance before its placements; an error at the end of
a large file writes nothing; attendance goes in by COPY on PostgreSQL and executemany on SQLite.
"""
from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from app.common import clock
from app.common.errors import ValidationError
from app.exchange.importer import import_file, reading
from app.kundval.models import Attendance
from tests.conftest import CASES_DIR
from tests.exchange.dumps import dump, same_as
from tests.exchange.test_import import base_doc, personal_id, run_import, table_counts

DATA = Path(__file__).resolve().parents[1] / "data"
GOLDEN = DATA / "import_golden"
TODAY = date(2026, 12, 1)  # the golden dumps were made on this day
MIXED = json.loads((DATA / "import_mixed_order.json").read_text(encoding="utf-8"))


def _steps(name: str) -> list[dict]:
    if name == "mixed-order":
        return [MIXED]
    case = json.loads((CASES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return [step["import"] for step in case["steps"] if "import" in step]


GOLDEN_NAMES = sorted(p.stem for p in GOLDEN.glob("*.json"))


def test_there_is_a_golden_dump_for_every_case_file():
    assert set(GOLDEN_NAMES) == {p.stem for p in CASES_DIR.glob("*.json")} | {"mixed-order"}


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_the_streaming_import_writes_what_the_importer_wrote_before(name, app, runner, tmp_path):
    golden = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    steps = _steps(name)
    assert len(golden) == len(steps)
    engine = app.extensions["db_engine"]
    with clock.fixed_today(TODAY):
        for index, (doc, expected) in enumerate(zip(steps, golden, strict=True)):
            result = run_import(runner, tmp_path, doc, f"{name}.json")
            assert result.exit_code == 0, result.output
            with engine.connect() as conn:
                actual = dump(conn)
            assert same_as(expected, actual) == expected, f"{name} step {index}"


def test_the_mixed_order_document_has_forward_references_and_repeated_keys():
    """What the test above covers: nothing in this file is defined before it is named."""
    order = list(MIXED)
    assert order.index("attendance") < order.index("placements") < order.index("referrals")
    assert order.index("outcomes") < order.index("placements")
    keys = [(r["placement"], r["date"]) for r in MIXED["attendance"]]
    assert len(set(keys)) < len(keys) and keys != sorted(keys)


def test_a_file_in_any_order_gives_the_same_database_as_in_the_spec_order(app, runner, tmp_path):
    engine = app.extensions["db_engine"]
    with clock.fixed_today(TODAY):
        assert run_import(runner, tmp_path, MIXED, "mixed.json").exit_code == 0
        with engine.connect() as conn:
            reversed_first = dump(conn)
    from tests.conftest import clear_tables

    clear_tables(str(engine.url.render_as_string(hide_password=False)))
    in_order = {name: MIXED[name] for name in reading.SECTIONS if name in MIXED}
    with clock.fixed_today(TODAY):
        assert run_import(runner, tmp_path, in_order, "mixed.json").exit_code == 0
        with engine.connect() as conn:
            assert dump(conn) == reversed_first


# --- a large file: an error at its very end writes nothing ----------------------------------------

def _large(tmp_path: Path, placements: int = 400, days: int = 150) -> tuple[dict, Path]:
    """base_doc with 400 more placements and 60,000 attendance rows, written one row per line."""
    doc = base_doc()
    first = date(2026, 1, 1)
    for i in range(2, placements + 2):
        doc["clients"].append({"ref": f"C{i}", "personal_id": personal_id(i), "name": f"P {i}"})
        doc["referrals"].append({"ref": f"R{i}", "client": f"C{i}", "service_type": "praktik",
                                 "decided_on": "2025-12-20", "valid_from": "2026-01-01", "valid_to": "2026-12-31"})
        doc["placements"].append({"ref": f"PL{i}", "referral": f"R{i}", "offering": "O1", "start_date": "2026-01-01"})
    doc["attendance"] += [{"placement": f"PL{i}", "date": (first + timedelta(days=d)).isoformat(),
                           "status": "present", "hours": "6"} for i in range(2, placements + 2) for d in range(days)]
    return doc, tmp_path / "large.json"


def _write(doc: dict, path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        out.write("{")
        for s, (name, records) in enumerate(doc.items()):
            out.write(("," if s else "") + f'\n"{name}": [\n' + ",\n".join(json.dumps(r) for r in records) + "\n]")
        out.write("\n}\n")
    return path


def _bad_last_hours(doc):
    doc["attendance"][-1]["hours"] = "6.1"
    return f"attendance[{len(doc['attendance']) - 1}].hours: must be a multiple of 0.25"


def _unknown_placement_last(doc):
    doc["attendance"][-1]["placement"] = "PL-NONE"
    return f"attendance[{len(doc['attendance']) - 1}].placement: unknown placement 'PL-NONE'"


def _bad_outcome_after_attendance(doc):
    doc["outcomes"].append({"ref": "U9", "placement": "PL2", "kind": "pension", "result_date": "2026-05-01"})
    return "outcomes[1].kind: unknown value 'pension'"


@pytest.mark.parametrize("spoil", [_bad_last_hours, _unknown_placement_last, _bad_outcome_after_attendance])
def test_an_error_at_the_end_of_a_large_file_writes_nothing(spoil, app, runner, tmp_path):
    doc, path = _large(tmp_path)
    expected = spoil(doc)
    _write(doc, path)
    assert path.stat().st_size > 4_000_000
    before = table_counts(app)
    result = runner.invoke(args=["data", "import", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(expected), result.stderr
    assert table_counts(app) == before


@pytest.mark.parametrize("exact", [True, False], ids=["read-again-by-json", "ijson-offset"])
def test_a_large_file_cut_off_at_the_end_names_its_last_line(exact, app, runner, tmp_path, monkeypatch):
    doc, path = _large(tmp_path, placements=100, days=100)
    text = _write(doc, path).read_text(encoding="utf-8")
    text = text[:text.rindex("\n]")] + ',\n{"placement": "PL2", "date": "2026-05-01" "status": "present"}\n]}'
    path.write_text(text, encoding="utf-8")
    if not exact:  # the path a file over EXACT_POSITION_LIMIT takes
        monkeypatch.setattr(reading, "EXACT_POSITION_LIMIT", 0)
    lines = text.split("\n")
    before = table_counts(app)
    result = runner.invoke(args=["data", "import", str(path)])
    assert result.exit_code == 1
    column = lines[-2].index('"status"') + 1
    assert result.stderr == f"$: invalid JSON at line {len(lines) - 1} column {column}\n"
    assert table_counts(app) == before


# --- bulk writing --------------------------------------------------------------------------------

def test_attendance_goes_in_by_copy_on_postgresql_and_executemany_on_sqlite(app, session, backend, tmp_path):
    doc, path = _large(tmp_path, placements=50, days=60)
    _write(doc, path)
    statements: list[tuple[str, bool]] = []

    def listen(_conn, _cursor, statement, _parameters, _context, executemany):
        statements.append((statement, executemany))

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", listen)
    try:
        summary = import_file(path, session)
        session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert summary.created["attendance"] == 3 + 50 * 60
    assert session.execute(select(func.count()).select_from(Attendance)).scalar() == 3 + 50 * 60
    inserts = [many for sql, many in statements if sql.startswith("INSERT INTO attendance")]
    if backend == "postgresql":
        assert inserts == []  # COPY goes to the driver's own cursor, past SQLAlchemy
    else:
        assert inserts == [True]  # one executemany for the batch
    assert any(sql.startswith('ANALYZE "attendance"') for sql, _ in statements)


def test_a_later_file_replaces_stored_rows_and_adds_new_ones_in_bulk(session, tmp_path):
    doc, path = _large(tmp_path, placements=20, days=30)
    import_file(_write(doc, path), session)
    session.commit()
    later = {"attendance": [{"placement": f"PL{i}", "date": (date(2026, 1, 1) + timedelta(days=d)).isoformat(),
                             "status": "absent" if d == 5 else "present", "hours": "6"}
                            for i in range(2, 22) for d in range(5, 40)]}
    summary = import_file(io.BytesIO(json.dumps(later).encode("utf-8")), session)
    session.commit()
    assert (summary.created["attendance"], summary.updated["attendance"]) == (20 * 10, 20)
    assert session.execute(select(func.count()).select_from(Attendance)).scalar() == 3 + 20 * 40
    absent = session.execute(select(Attendance.status).where(Attendance.date == date(2026, 1, 6))).scalars().all()
    assert absent == ["absent"] * 20


# --- reading -------------------------------------------------------------------------------------

def test_a_stream_with_a_bom_imports_like_the_file(session):
    stream = io.BytesIO(b"\xef\xbb\xbf" + json.dumps(base_doc()).encode("utf-8"))
    summary = import_file(stream, session, source="upload.json")
    assert summary.created["attendance"] == 3 and summary.created["providers"] == 1


@pytest.mark.parametrize("content,message", [
    (b'{"providers": [{"ref": "P\xff"}]}', "$: the file is not UTF-8"),
    (b'{"providers": [], "providers": []}', "providers: the section appears twice in the document"),
    (b'[{"providers": []}]', "$: the document must be a JSON object"),
    (b'{"providerz": []}', "$: unknown section 'providerz'"),
    (b'{"attendance": {"placement": "PL1"}}', "attendance: must be a list"),
    (b'{"clients": []} {"more": 1}', "$: invalid JSON at line 1 column 17"),
    (b"", "$: invalid JSON at line 1 column 1"),
])
def test_a_bad_file_is_a_dollar_error(content, message, app, session):
    with pytest.raises(ValidationError) as info:
        import_file(io.BytesIO(content), session)
    assert str(info.value).startswith(message), str(info.value)
