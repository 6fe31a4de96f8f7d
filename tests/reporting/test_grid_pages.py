"""The month grid a page at a time: 25 placements, search by name or ref, the missing-days filter."""
from __future__ import annotations

from datetime import date

from sqlalchemy import event
from sqlmodel import select

from app.common import clock
from app.kundval.models import Attendance, Placement
from app.reporting import grid
from tests.providers.factories import ORG_A, seed
from tests.reporting.test_api_paging import add_placements


def _provider_id(session) -> int:
    from app.providers.models import Provider

    pid = session.exec(select(Provider.id).where(Provider.org_nr == ORG_A)).one()
    session.commit()
    return pid


def test_grid_shows_a_page_of_25_with_links_to_the_next(client, auth, session):
    seed(session)
    add_placements(session, 0, 30)
    auth.login("provider", provider_org_nr=ORG_A)
    page = client.get("/rapportering/2026-06").get_data(as_text=True)
    assert page.count('class="grid-row"') == 25
    assert "30 placeringar" in page and "sida 1 av 2" in page
    assert 'href="/rapportering/2026-06?sida=2"' in page
    second = client.get("/rapportering/2026-06?sida=2").get_data(as_text=True)
    assert second.count('class="grid-row"') == 5 and "Klient 00029" in second
    assert "Klient 00000" not in second


def test_search_by_name_or_ref_posts_and_never_puts_a_personnummer_in_the_url(client, auth, session):
    seed(session)
    add_placements(session, 0, 30)
    auth.login("provider", provider_org_nr=ORG_A)
    response = client.post("/rapportering/2026-06/sok", data={"q": "klient 0001"})
    assert response.status_code == 302 and response.headers["Location"].endswith("?q=klient+0001")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count('class="grid-row"') == 10
    page = client.get("/rapportering/2026-06?q=PLX00007").get_data(as_text=True)
    assert page.count('class="grid-row"') == 1 and "Klient 00007" in page
    response = client.post("/rapportering/2026-06/sok", data={"q": "19850315-9645"})
    assert "19850315" not in response.headers["Location"]
    assert "inte personnummer" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/rapportering/2026-03?q=198503159645").get_data(as_text=True).count(
        'class="grid-row"') == 16  # a number in the URL is ignored, not searched


def test_missing_days_filter_keeps_placements_with_an_unreported_weekday(client, auth, session):
    seed(session)
    add_placements(session, 0, 4)  # PLX00001, PLX00003 from 2 March; PL1 from 10 March
    ids = dict(session.exec(select(Placement.ref, Placement.id)).all())
    session.commit()
    full = [date(2026, 3, d) for d in range(2, 7)]  # Monday to Friday
    for ref in ("PLX00001", "PL1"):
        for day in full:
            if ref != "PL1" or day >= date(2026, 3, 10):
                session.add(Attendance(placement_id=ids[ref], date=day, status="present", hours=4))
    session.commit()
    with clock.fixed_today(date(2026, 3, 8)):  # a Sunday: the first week has passed
        month = grid.month_grid(session, _provider_id(session), "2026-03", missing=True)
        session.commit()
        assert [row.ref for row in month.rows] == ["PLX00003"]  # PL1 starts later: nothing is due
        auth.login("provider", provider_org_nr=ORG_A)
        page = client.get("/rapportering/2026-03?saknas=1").get_data(as_text=True)
        assert page.count('class="grid-row"') == 1 and "Klient 00003" in page
    with clock.fixed_today(date(2026, 3, 10)):
        month = grid.month_grid(session, _provider_id(session), "2026-03", missing=True)
        session.commit()
        assert [row.ref for row in month.rows] == ["PL1", "PLX00001", "PLX00003"]  # 9–10 March are due


def test_a_page_costs_the_same_queries_and_no_long_id_lists_whatever_the_size(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    engine = session.get_bind()
    seen: list[tuple[str, object]] = []

    def before(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        client.get("/rapportering/2026-06")
        small = len(seen)  # no placement in the month: no rows, attendance or access log to read
        add_placements(session, 0, 60)
        seen.clear()
        page = client.get("/rapportering/2026-06?saknas=1").get_data(as_text=True)
        large = list(seen)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert page.count('class="grid-row"') == 25
    # The same statements, and the page's placements read whole by id, their attendance, the
    # clients for the access log and its row.
    assert len(large) <= small + 3
    assert max(len(params or ()) for _s, params in large) < 60


def _statements_while(engine, call):
    seen: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        result = call()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return result, [s for s in seen if "FROM placementwindow" in s]


def test_the_page_and_its_total_are_one_statement_and_a_page_past_the_end_shows_the_last(client, auth, session):
    seed(session)
    add_placements(session, 0, 30)
    auth.login("provider", provider_org_nr=ORG_A)
    engine = session.get_bind()
    page, listed = _statements_while(engine, lambda: client.get("/rapportering/2026-06?saknas=1"))
    assert page.status_code == 200 and len(listed) == 1  # not a count and then the page
    assert "30 placeringar" in page.get_data(as_text=True)
    page, listed = _statements_while(engine, lambda: client.get("/rapportering/2026-06?sida=9"))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "sida 2 av 2" in text and text.count('class="grid-row"') == 5
    assert "Klient 00029" in text and len(listed) == 3  # the empty page, a count, the last page
