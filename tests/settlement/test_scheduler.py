"""Scheduled jobs run once per key even when two schedulers fire at the same moment."""
from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from app.exchange.importer import import_document
from app.extensions import make_engine
from app.notifications.models import Notification
from app.scheduler import missing_attendance_job, monthly_drafts
from app.settlement.models import Settlement
from tests.settlement.helpers import attendance, base_document


def _two_schedulers(url: str, job, today: date) -> list:
    engine = make_engine(url)
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def scheduler():
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait()
            try:
                outcomes.append(job(s, today))
                s.commit()
            except Exception as exc:
                s.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    engine.dispose()
    assert not errors, errors
    return outcomes


def _load(session):
    doc = base_document()
    doc["attendance"] = attendance("PL1", "2026-03-02", 10)
    import_document(session, doc)
    session.commit()


def test_monthly_drafts_runs_once_when_two_schedulers_fire(app, session, database_url):
    _load(session)
    outcomes = _two_schedulers(database_url, monthly_drafts, date(2026, 4, 1))
    assert sorted(o.ran for o in outcomes) == [False, True]
    session.expire_all()
    assert session.execute(select(Settlement.period, Settlement.status)).all() == [("2026-03", "draft")]
    # The same day again: nothing happens.
    assert monthly_drafts(session, date(2026, 4, 1)).ran is False


def test_missing_attendance_notifies_each_provider_once_a_day(app, session, database_url):
    _load(session)  # PL2 has no attendance at all; PL1 only the first two weeks of March
    outcomes = _two_schedulers(database_url, missing_attendance_job, date(2026, 3, 20))
    assert sorted(o.ran for o in outcomes) == [False, True]
    session.expire_all()
    rows = session.execute(select(Notification.role, func.count()).group_by(Notification.role)).all()
    assert dict(rows) == {"provider": 2, "finance": 1}
    assert missing_attendance_job(session, date(2026, 3, 20)).ran is False
    assert missing_attendance_job(session, date(2026, 3, 21)).ran is True


def test_scheduler_is_not_started_by_create_app(app):
    import apscheduler.schedulers.base as base

    assert not any(isinstance(v, base.BaseScheduler) for v in app.extensions.values())
