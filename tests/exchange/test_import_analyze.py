"""After a bulk import the touched tables are ANALYZEd, so the next queries plan on fresh counts."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from app.exchange import importer
from tests.providers.factories import portal_document, seed
from tests.statements import statements


def _statements(session, action):
    with statements(session) as seen:
        result = action()
    return result, seen


def _march(ref: str) -> list[dict]:
    days = [date(2026, 3, 2) + timedelta(days=i) for i in range(26)]
    return [{"placement": ref, "date": d.isoformat(), "status": "present", "hours": "6"}
            for d in days if d.weekday() < 5]


def test_a_bulk_import_analyzes_the_tables_it_wrote(session, monkeypatch):
    monkeypatch.setattr(importer, "ANALYZE_ROWS", 10)
    seed(session)
    summary, seen = _statements(session, lambda: importer.import_document(
        session, {"attendance": _march("PL2")}))
    session.commit()
    assert summary.created["attendance"] == 20
    assert 'ANALYZE "attendance"' in seen and 'ANALYZE "reporteddays"' in seen
    assert not any(s.startswith('ANALYZE "client"') for s in seen)  # nothing written there
    if session.get_bind().dialect.name == "sqlite":
        assert session.execute(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'attendance'")).scalar()
    session.commit()


def test_a_small_import_does_not_analyze(session):
    seed(session)
    _summary, seen = _statements(session, lambda: importer.import_document(
        session, {"attendance": _march("PL2")[:3]}))
    session.commit()
    assert not any(s.startswith("ANALYZE") for s in seen)


def test_the_whole_seed_with_many_rows_analyzes_each_section_written(session, monkeypatch):
    monkeypatch.setattr(importer, "ANALYZE_ROWS", 2)
    summary, seen = _statements(session, lambda: importer.import_document(session, portal_document()))
    session.commit()
    analyzed = {s.split('"')[1] for s in seen if s.startswith("ANALYZE")}
    assert analyzed == {"provider", "offering", "client", "referral", "placement"}
    assert summary.created["providers"] == 2
