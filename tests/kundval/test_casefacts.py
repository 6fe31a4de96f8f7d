"""The case worker's list kept per client (app/kundval/casefacts.py): on change, by date, after bulk
writes, and always equal to working every client's row out anew."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import select

from app.common import clock
from app.kundval import casefacts, caselist, followups
from app.kundval.models import Attendance, AttendanceDispute, CaseFacts, Client, FollowUp, Outcome
from tests.kundval import factories as f
from tests.statements import statements

TODAY = date(2026, 12, 1)  # a Tuesday


def _kept(session) -> dict[int, dict]:
    columns = [c.name for c in CaseFacts.__table__.columns if c.name not in ("as_of", "rules")]
    return {row.client_id: {name: getattr(row, name) for name in columns}
            for row in session.exec(select(CaseFacts)).all()}


def _anew(session, today) -> dict[int, dict]:
    rows = casefacts.worked_out(today, followups.sustain_days_by_service_type(session), [])
    return {row["client_id"]: {k: (bool(v) if k == "children" else v) for k, v in row.items()}
            for row in session.execute(select(rows)).mappings()}


def _month(session):
    """Clients in every state the list filters on, made as the screens make them."""
    prov = f.provider(session)
    off = f.offering(session, prov)
    waiting = f.client(session, 0, name="Väntar")
    f.referral(session, waiting, decided_on=TODAY - timedelta(days=3), deadline=TODAY + timedelta(days=10))
    placed = f.client(session, 1, name="Placerad")
    placement = f.placement(session, f.referral(session, placed, decided_on=TODAY - timedelta(days=40)), off,
                            start=TODAY - timedelta(days=30))
    ended = f.client(session, 2, name="Avslutad")
    old = f.placement(session, f.referral(session, ended, decided_on=TODAY - timedelta(days=200)), off,
                      start=TODAY - timedelta(days=190), ended_on=TODAY - timedelta(days=95), end_reason="completed")
    f.client(session, 3, name="Utan beslut")
    session.commit()
    return placement, old


def test_the_kept_rows_are_the_rows_worked_out_anew_after_every_kind_of_change(session):
    placement, old = _month(session)
    caselist.case_list(session, case_worker_id=None, today=TODAY)
    assert _kept(session) == _anew(session, TODAY) and len(_kept(session)) == 4
    with clock.fixed_today(TODAY):
        changes = [
            lambda: session.add(Attendance(placement_id=placement.id, date=TODAY - timedelta(days=7),
                                           hours=Decimal("6"))),
            lambda: session.add(AttendanceDispute(placement_id=placement.id, date=TODAY - timedelta(days=7),
                                                  reported_hours=Decimal("6"), status="open")),
            lambda: session.add(Outcome(ref="R-1", placement_id=placement.id, kind="employment",
                                        result_date=TODAY - timedelta(days=2))),
            lambda: session.add(FollowUp(placement_id=old.id, kind="after_end", due_on=TODAY, answer="yes",
                                         recorded_on=TODAY)),
            lambda: setattr(placement, "first_meeting_on", TODAY),
            lambda: setattr(placement, "ended_on", TODAY - timedelta(days=1)),
            lambda: setattr(session.exec(select(Client).where(Client.name == "Placerad")).one(), "name", "Nytt Namn"),
        ]
        for change in changes:
            before = _kept(session)
            change()
            session.commit()  # the commit refreshes the changed client's row, and no other
            after = _kept(session)
            assert after == _anew(session, TODAY)
            assert sum(before[k] != after[k] for k in after) <= 1


def test_a_commit_refreshes_only_the_changed_clients_rows(session):
    placement, _ = _month(session)
    caselist.case_list(session, case_worker_id=None, today=TODAY)
    with clock.fixed_today(TODAY), statements(session) as seen:
        session.add(Attendance(placement_id=placement.id, date=TODAY - timedelta(days=6), hours=Decimal("4")))
        session.commit()
    upserts = [s for s in seen if "INSERT INTO case_facts" in s]
    assert len(upserts) == 1 and "client.id IN" in upserts[0], seen
    assert caselist.case_list(session, case_worker_id=None, today=TODAY).counts["attendance_missing"] == 0


def test_the_list_refreshes_what_its_own_session_changed_before_reading(session):
    placement, _ = _month(session)
    assert caselist.case_list(session, case_worker_id=None, today=TODAY).counts["to_verify"] == 0
    session.add(Outcome(ref="R-2", placement_id=placement.id, kind="employment", result_date=TODAY))
    session.flush()  # not committed: the same session's list still sees it
    assert caselist.case_list(session, case_worker_id=None, today=TODAY).counts["to_verify"] == 1
    session.rollback()
    assert caselist.case_list(session, case_worker_id=None, today=TODAY).counts["to_verify"] == 0


def test_a_new_day_rewrites_every_row_once(session):
    _month(session)
    first = caselist.case_list(session, case_worker_id=None, today=TODAY)
    assert first.counts["deadline_soon"] == 0 and first.counts["waiting"] == 1
    assert {row.as_of for row in session.exec(select(CaseFacts)).all()} == {TODAY}
    later = TODAY + timedelta(days=8)  # the deadline is now two working days away
    with statements(session) as seen:
        second = caselist.case_list(session, case_worker_id=None, today=later)
        caselist.case_list(session, case_worker_id=None, today=later)
    assert second.counts["deadline_soon"] == 1
    assert sum("INSERT INTO case_facts" in s for s in seen) == 1
    # ... and on PostgreSQL the planner's statistics of the rewritten table, once.
    postgresql = session.get_bind().dialect.name == "postgresql"
    assert sum(s.startswith("ANALYZE case_facts") for s in seen) == (1 if postgresql else 0)
    assert {row.as_of for row in session.exec(select(CaseFacts)).all()} == {later}
    assert _kept(session) == _anew(session, later)


def test_the_nightly_job_writes_every_row_as_of_its_day(session):
    _month(session)
    casefacts.nightly_job(session, TODAY)
    session.commit()
    assert {row.as_of for row in session.exec(select(CaseFacts)).all()} == {TODAY}
    assert not casefacts.stale(session, TODAY) and casefacts.stale(session, TODAY + timedelta(days=1))


def test_other_bonus_rules_make_every_row_stale(session, monkeypatch):
    _month(session)
    caselist.case_list(session, case_worker_id=None, today=TODAY)
    assert not casefacts.stale(session, TODAY)
    monkeypatch.setattr(followups.sustain_days_by_service_type, "_target", lambda s: {"praktik": 30})
    assert casefacts.stale(session, TODAY)


def test_a_removed_client_leaves_no_row(session):  # an anonymised one: tests/privacy/test_retention.py
    _month(session)
    caselist.case_list(session, case_worker_id=None, today=TODAY)
    gone = session.exec(select(Client).where(Client.name == "Utan beslut")).one()
    session.delete(gone)
    session.commit()
    assert gone.id not in _kept(session)
    assert caselist.case_list(session, case_worker_id=None, today=TODAY).counts["all"] == 3
