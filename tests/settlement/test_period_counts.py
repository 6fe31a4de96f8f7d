"""A settlement keeps how many lines and unpaid days it has (migration n17), so finance's period page
reads them with the settlements instead of counting every line and warning of the month."""
from __future__ import annotations

from sqlalchemy import event, func
from sqlmodel import select

from app.common.migrate import alembic_config, upgrade
from app.exchange.importer import import_document
from app.settlement import service
from app.settlement.models import Settlement, SettlementLine, SettlementWarning
from tests.settlement.helpers import attendance
from tests.settlement.test_warning_runs import _absent_week_document, _rows, settled_database

COUNTED = ("SELECT s.line_count, s.unpaid_days, (SELECT count(*) FROM settlementline l WHERE l.settlement_id = s.id), "
           "(SELECT coalesce(sum(w.days), 0) FROM settlementwarning w WHERE w.settlement_id = s.id) "
           "FROM settlement s ORDER BY s.id")


def _counted(session) -> list[tuple[int, int, int, int]]:
    found = []
    for s in session.exec(select(Settlement).order_by(Settlement.id)).all():
        lines = session.exec(select(func.count()).where(SettlementLine.settlement_id == s.id)).one()
        days = session.exec(select(func.coalesce(func.sum(SettlementWarning.days), 0))
                            .where(SettlementWarning.settlement_id == s.id)).one()
        found.append((s.line_count, s.unpaid_days, lines, days))
    session.commit()
    return found


def test_a_settlement_keeps_its_counts_through_a_new_draft_and_the_period_page_reads_them(client, auth, session):
    import_document(session, _absent_week_document())
    session.commit()
    service.run_period(session, "2026-03")
    session.commit()
    first = _counted(session)
    assert [(kept_lines, kept_days) for kept_lines, kept_days, *_ in first] == [(c, d) for *_, c, d in first]
    assert [days for _, days, *_ in first] == [6] and first[0][0] > 0
    doc = _absent_week_document()
    doc["attendance"] = attendance("PL1", "2026-03-16", 3, "9")  # a week more, over the cap: a new draft
    import_document(session, doc)
    session.commit()
    service.run_period(session, "2026-03")
    session.commit()
    again = _counted(session)
    assert again[0][1] > first[0][1] and [(a, b) for a, b, *_ in again] == [(c, d) for *_, c, d in again]

    auth.login("finance")
    seen: list[str] = []
    engine = session.get_bind()
    listener = lambda _c, _cur, statement, *_a: seen.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = client.get("/avrakning/2026-03")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert page.status_code == 200
    assert not any("settlementline" in s or "settlementwarning" in s for s in seen)
    assert f'<td class="num">{again[0][0]}</td>' in page.get_data(as_text=True)


def test_the_migration_counts_the_settlements_already_stored(database_url, tmp_path):
    from alembic import command

    url = settled_database(database_url, tmp_path)
    kept = _rows(url, COUNTED)
    command.downgrade(alembic_config(url), "r17")
    upgrade(url, "head")
    assert _rows(url, COUNTED) == kept and kept[0][1] == 6 and kept[0][0] == kept[0][2]
