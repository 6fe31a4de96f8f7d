"""The days each placement has attendance for, kept per month (app/kundval/reported_days.py): on
change through the ORM, after the import's bulk write, from the migration, and always what the
attendance rows say."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import select

from app.common import clock
from app.common.migrate import upgrade
from app.exchange.importer import import_document
from app.kundval.models import Attendance, Placement, ReportedDays
from tests.providers.factories import ORG_A, portal_document, seed
from tests.reporting.test_api import bearer, token_for


def _kept(session) -> dict[tuple[int, str], int]:
    kept = {(r.placement_id, r.period): r.days for r in session.exec(select(ReportedDays)).all()}
    session.commit()  # no read left open (SQLite's writers wait for it)
    return kept


def _anew(session) -> dict[tuple[int, str], int]:
    masks: dict[tuple[int, str], int] = defaultdict(int)
    for placement_id, day in session.exec(select(Attendance.placement_id, Attendance.date)).all():
        masks[(placement_id, day.strftime("%Y-%m"))] |= 1 << (day.day - 1)
    session.commit()
    return dict(masks)


def _pl1(session) -> int:
    found = session.exec(select(Placement.id).where(Placement.ref == "PL1")).one()
    session.commit()
    return found


def test_the_kept_masks_are_the_rows_after_every_kind_of_write(client, auth, session):
    seed(session)
    doc = portal_document()  # the import: a bulk write round the ORM
    doc["attendance"] = [{"placement": "PL1", "date": f"2026-03-{d:02d}", "status": "present", "hours": "2"}
                         for d in (10, 11, 13)]
    import_document(session, doc)
    session.commit()
    assert _anew(session) and _kept(session) == _anew(session)
    pl1 = _pl1(session)
    session.add(Attendance(placement_id=pl1, date=date(2026, 4, 30), status="present", hours=3))
    session.commit()
    assert _kept(session)[(pl1, "2026-04")] & (1 << 29) and _kept(session) == _anew(session)

    session.delete(session.exec(select(Attendance).where(Attendance.placement_id == pl1,
                                                         Attendance.date == date(2026, 4, 30))).one())
    session.commit()
    assert _kept(session) == _anew(session)

    token = token_for(session, auth, ORG_A)  # the API replaces a month
    with clock.fixed_today(date(2026, 4, 30)):
        response = client.put("/api/v1/placements/PL1/attendance/2026-04",
                              json={"days": [{"date": "2026-04-01", "hours": "5"},
                                             {"date": "2026-04-02", "status": "absent"}]}, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    session.expire_all()
    assert _kept(session)[(pl1, "2026-04")] == 0b11 and _kept(session) == _anew(session)

    session.add(Attendance(placement_id=pl1, date=date(2026, 4, 20), status="present", hours=3))
    session.flush()
    session.rollback()  # nothing written, nothing left to refresh
    assert _kept(session) == _anew(session) and "reported_days_pending" not in session.info


def test_the_import_rewrites_the_months_it_wrote(session):
    seed(session)
    doc = portal_document()
    doc["attendance"] = [{"placement": "PL1", "date": f"2026-05-{d:02d}", "status": "present", "hours": "2"}
                         for d in (4, 5, 29)]
    import_document(session, doc)
    session.commit()
    assert _kept(session)[(_pl1(session), "2026-05")] == (1 << 3) | (1 << 4) | (1 << 28)
    assert _kept(session) == _anew(session)


def test_the_missing_days_filter_reads_the_masks_not_the_attendance_rows(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    seen: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        seen.append(statement)

    from sqlalchemy import event

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", before)
    try:
        with clock.fixed_today(date(2026, 3, 31)):
            page = client.get("/rapportering/2026-03?saknas=1")
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert page.status_code == 200
    listed = [s for s in seen if "FROM placementwindow" in s]  # the page's ids, from the kept rows
    assert len(listed) == 1 and "reporteddays" in listed[0] and "attendance" not in listed[0]


def test_the_migration_keeps_the_masks_of_the_attendance_already_stored(database_url, session):
    from alembic import command

    from app.common.migrate import alembic_config

    seed(session)
    session.add(Attendance(placement_id=_pl1(session), date=date(2026, 3, 31), status="present", hours=1))
    session.add(Attendance(placement_id=_pl1(session), date=date(2026, 5, 31), status="absent", hours=0))
    session.commit()
    before = _anew(session)
    session.close()
    try:
        command.downgrade(alembic_config(database_url), "l17")  # as the database was before r17
    finally:
        upgrade(database_url, "head")
    assert _kept(session) == before and before[(_pl1(session), "2026-05")] == 1 << 30
