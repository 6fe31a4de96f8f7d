"""Unpaid days stored as runs (settlement/unpaid.py, migration s17): every day still shown."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlmodel import select

from app import create_app
from app.common.migrate import alembic_config, upgrade
from app.exchange.importer import import_document
from app.extensions import make_engine
from app.settlement import service, unpaid
from app.settlement.models import Settlement, SettlementWarning
from app.settlement.overview import period_overview, settlement_detail
from app.settlement.records import WARNING_REASONS, Warning
from tests.settlement.helpers import ORG_A, attendance, base_document

MONDAY = date(2026, 3, 2)

warning_lists = st.lists(
    st.tuples(st.sampled_from(["PL1", "PL2"]), st.integers(0, 20), st.sampled_from(WARNING_REASONS),
              st.sampled_from(["0.00", "2.50", "6.00"])),
    max_size=40, unique_by=lambda w: (w[0], w[1]))


@settings(max_examples=200, deadline=None)
@given(warning_lists)
def test_runs_give_back_every_day_and_are_as_long_as_they_can_be(drawn):
    warnings = [Warning(p, MONDAY + timedelta(days=d), "", Decimal(h), reason) for p, d, reason, h in drawn]
    found = unpaid.runs(warnings)
    expanded = [day for run in found for day in unpaid.days(run)]
    assert sorted(expanded, key=lambda w: (w.placement, w.date)) == sorted(
        warnings, key=lambda w: (w.placement, w.date))
    ends = {(run.placement, run.reason, run.last) for run in found}
    for run in found:  # no run could have been joined to the one before it
        assert (run.placement, run.reason, run.first - timedelta(days=1)) not in ends
        assert run.days == (run.last - run.first).days + 1
        assert unpaid.parse_hours(unpaid.hours_text(run.day_hours)) == run.day_hours


def _absent_week_document() -> dict:
    doc = base_document(cap="20")
    doc["attendance"] = (attendance("PL1", "2026-03-02", 5, "6")  # Thu 4 h and Fri 6 h over the cap
                         + [{"placement": "PL1", "date": f"2026-03-{d:02d}", "status": "absent", "hours": "0"}
                            for d in (9, 10, 11, 13)]
                         + attendance("PL1", "2026-03-12", 1, "5"))
    return doc


def test_an_absent_stretch_is_one_stored_row_and_every_day_is_shown(client, auth, session):
    import_document(session, _absent_week_document())
    session.commit()
    service.run_period(session, "2026-03")
    session.commit()
    stored = sorted((w.first_date.day, w.last_date.day, w.days, w.reason, w.day_hours)
                    for w in session.execute(select(SettlementWarning)).scalars())
    assert stored == [(5, 6, 2, "over_cap", "4.00 6.00"), (9, 11, 3, "absent", "0.00 0.00 0.00"),
                      (13, 13, 1, "absent", "0.00")]
    settlement_id = session.execute(select(Settlement.id)).scalar_one()
    detail = settlement_detail(session, settlement_id)
    assert detail is not None and detail["warning_count"] == 6
    assert [row.warnings for row in period_overview(session, "2026-03").rows if row.settlement] == [6]
    session.rollback()

    finance_user, provider_user = auth.user("finance"), auth.user("provider", provider_org_nr=ORG_A)
    auth.login_user(finance_user)
    finance = client.get(f"/avrakning/visa/{settlement_id}").text
    auth.login_user(provider_user)
    provider = client.get(f"/anordnare/avrakningar/{settlement_id}").text
    for page in (finance, provider):
        assert "6 rader betalades inte" in page
        for day in ("2026-03-09", "2026-03-10", "2026-03-11", "2026-03-13"):
            assert f"{day}: frånvaro betalas inte" in page
        assert "2026-03-05: 4,00 h över beslutets tak för veckan betalas inte" in page
        assert "2026-03-06: 6,00 h över beslutets tak för veckan betalas inte" in page


def test_a_rerun_on_the_same_data_keeps_the_draft_and_a_changed_day_remakes_its_runs(session):
    import_document(session, _absent_week_document())
    session.commit()
    service.run_period(session, "2026-03")
    session.commit()
    assert service.run_period(session, "2026-03").unchanged == [ORG_A]
    session.commit()
    # Thursday the 12th absent too: the absences of the 9th to the 13th become one run.
    import_document(session, {"attendance": [
        {"placement": "PL1", "date": "2026-03-12", "status": "absent", "hours": "0"}]})
    session.commit()
    assert service.run_period(session, "2026-03").drafted == [ORG_A]
    session.commit()
    absent = [(w.first_date.day, w.last_date.day, w.days) for w in session.execute(
        select(SettlementWarning).where(SettlementWarning.reason == "absent")).scalars()]
    assert absent == [(9, 13, 5)]


def _fresh_database(database_url: str, tmp_path) -> str:
    """A database of its own: the test migrates it down and up again."""
    if not database_url.startswith("postgres"):
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    name = database_url.rsplit("/", 1)[1] + "_s17"
    admin = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # made once; emptied by dropping its schema (no checkpoint)
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = database_url.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def _rows(url: str, sql: str) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def settled_database(database_url: str, tmp_path) -> str:
    """A database of its own, migrated to the newest revision, with March 2026 settled for the
    absent week: for tests that migrate it down and up again."""
    url = _fresh_database(database_url, tmp_path)
    upgrade(url)
    application = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret",
                              "PERSONAL_ID_KEY": "test-personal-id-key"})
    with application.app_context():
        from app.extensions import db

        import_document(db.session, _absent_week_document())
        db.session.commit()
        service.run_period(db.session, "2026-03")
        db.session.commit()
    application.extensions["db_engine"].dispose()
    return url


def test_the_migration_turns_day_rows_into_runs_and_back(database_url, tmp_path):
    from alembic import command

    url = settled_database(database_url, tmp_path)
    runs_sql = ("SELECT settlement_id, placement_id, reason, first_date, last_date, days, day_hours, hours, "
                "created_at FROM settlementwarning ORDER BY first_date")
    as_runs = _rows(url, runs_sql)
    assert len(as_runs) == 3

    command.downgrade(alembic_config(url), "h16")
    days = _rows(url, "SELECT reason, date, hours, created_at FROM settlementwarning ORDER BY date")
    assert [(reason, str(day)[:10], Decimal(str(hours))) for reason, day, hours, _ in days] == [
        ("over_cap", "2026-03-05", Decimal("4")), ("over_cap", "2026-03-06", Decimal("6")),
        ("absent", "2026-03-09", Decimal("0")), ("absent", "2026-03-10", Decimal("0")),
        ("absent", "2026-03-11", Decimal("0")), ("absent", "2026-03-13", Decimal("0"))]
    assert len({created for *_, created in days}) == 1  # the days keep their run's timestamps

    upgrade(url, "s17")
    assert _rows(url, runs_sql) == as_runs
