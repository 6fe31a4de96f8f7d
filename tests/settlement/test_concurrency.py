"""Two runs or approvals at the same time, and a run killed half-way, leave consistent data."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from app.exchange.importer import import_document
from app.extensions import make_engine
from app.settlement import service
from app.settlement.models import Settlement, SettlementLine
from tests.settlement.helpers import attendance, base_document

ROOT = Path(__file__).resolve().parents[2]


def _parallel(url: str, work, count: int = 2) -> list:
    """Run `work(session)` in `count` threads, each with its own connection, started together."""
    engine = make_engine(url)
    barrier = threading.Barrier(count)
    results, errors = [], []

    def worker():
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait()
            try:
                results.append(work(s))
                s.commit()
            except Exception as exc:  # collected and re-raised in the test
                s.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    engine.dispose()
    assert not errors, errors
    return results


def _load(session, months: int = 1) -> None:
    doc = base_document()
    doc["attendance"] = attendance("PL1", "2026-03-02", 15) + attendance("PL2", "2026-03-02", 15)
    import_document(session, doc)
    session.commit()


def test_two_runs_at_the_same_time_leave_one_draft_per_provider(app, session, database_url):
    _load(session)
    _parallel(database_url, lambda s: service.run_period(s, "2026-03"), count=3)
    session.expire_all()
    per_provider = session.execute(
        select(Settlement.provider_id, func.count()).group_by(Settlement.provider_id)).all()
    assert sorted(n for _, n in per_provider) == [1, 1]
    assert session.execute(select(func.count()).select_from(SettlementLine)).scalar() == 2


def test_parallel_approvals_never_skip_or_repeat_a_number(app, session, database_url):
    doc = base_document()
    doc["attendance"] = []
    for month in ("03", "04", "05", "06"):
        doc["attendance"] += attendance("PL1", f"2026-{month}-01", 3) + attendance("PL2", f"2026-{month}-01", 3)
    import_document(session, doc)
    session.commit()
    for period in ("2026-03", "2026-04", "2026-05", "2026-06"):
        service.run_period(session, period)
    session.commit()
    _parallel(database_url, lambda s: service.approve_period(s, "2026-03"), count=2)
    _parallel(database_url, lambda s: [service.approve_period(s, p) for p in ("2026-04", "2026-05", "2026-06")],
              count=3)
    session.expire_all()
    numbers = sorted(session.execute(select(Settlement.number)).scalars())
    year = numbers[0].split("-")[1]
    assert numbers == [f"AV-{year}-{n:05d}" for n in range(1, 9)]


CRASHING_RUN = textwrap.dedent("""
    import sys, time
    from app import create_app
    from app.extensions import db
    from app.settlement import service
    app = create_app({"DATABASE_URL": sys.argv[1]})
    with app.app_context():
        service.run_period(db.session, "2026-03")
        db.session.flush()
        print("written, not committed", flush=True)
        time.sleep(60)
        db.session.commit()
""")


def test_a_run_killed_half_way_leaves_the_previous_state(app, session, database_url):
    _load(session)
    service.run_period(session, "2026-03")
    session.commit()
    before = service.export_period(session, "2026-03")
    import_document(session, {"attendance": attendance("PL1", "2026-03-23", 5, hours="8")})
    session.commit()
    session.close()

    proc = subprocess.Popen([sys.executable, "-c", CRASHING_RUN, database_url], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        line = proc.stdout.readline()
        assert "written" in line, proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    time.sleep(0.2)
    assert service.export_period(session, "2026-03") == before
    # and the next run completes normally
    service.run_period(session, "2026-03")
    session.commit()
    assert service.export_period(session, "2026-03") != before
