"""The case worker's list: search by name or personnummer (POSTed), filters with counts, sorting,
50 a page, done in SQL; one view is one access-log row."""
from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from app.auth.service import create_user
from app.common.base import new_ref
from app.common.models import AccessLog
from app.common.personal_data import cipher
from app.kundval import caselist, service
from app.kundval.models import Client, Referral
from tests.conftest import PASSWORD
from tests.kundval import factories as f
from tests.statements import statements

TODAY = date(2026, 12, 1)


def _many(session, n, case_worker_id=None):
    """n clients made directly (the personnummer need not be valid for the list)."""
    for i in range(n):
        pid = f"1990{i:08d}"
        session.add(Client(ref=new_ref("K"), personal_id_encrypted=cipher().encrypt(pid),
                           personal_id_hash=cipher().lookup_hash(pid), birth_date=date(1990, 1, 1),
                           name=f"Person {i:03d}", case_worker_id=case_worker_id))
    session.flush()


def test_fifty_a_page_with_the_total_and_pages(session):
    _many(session, 120)
    first = caselist.case_list(session, case_worker_id=None, today=TODAY, sort="name")
    assert (len(first.rows), first.total, first.pages) == (50, 120, 3)
    last = caselist.case_list(session, case_worker_id=None, today=TODAY, sort="name", page=3)
    assert [r.client.name for r in last.rows][:1] == ["Person 100"] and len(last.rows) == 20


def test_search_by_name_or_personnummer(session):
    a = f.client(session, 0, name="Amina Ali")
    f.client(session, 1, name="Bo Berg")
    by_name = caselist.case_list(session, case_worker_id=None, today=TODAY, search="amina")
    assert [r.client.id for r in by_name.rows] == [a.id]
    by_number = caselist.case_list(session, case_worker_id=None, today=TODAY, search=f.PERSONAL_IDS[0])
    assert [r.client.id for r in by_number.rows] == [a.id]


def test_a_search_is_text_not_a_pattern_and_one_case_workers_list_is_theirs(session):
    """%, _ and the escape character in a search match themselves; the statement built for one case
    worker's list is run with another's id and shows only theirs."""
    f.client(session, 0, name="Anna 50% Berg")
    f.client(session, 1, name="Anna 5000 Berg")
    f.client(session, 2, name="Bo_Ek")
    f.client(session, 3, name="Boa Ek")
    f.client(session, 4, name="Cia / Dahl")
    assert [r.client.name for r in caselist.case_list(session, case_worker_id=None, today=TODAY,
                                                      search="50%").rows] == ["Anna 50% Berg"]
    assert [r.client.name for r in caselist.case_list(session, case_worker_id=None, today=TODAY,
                                                      search="o_e").rows] == ["Bo_Ek"]
    assert [r.client.name for r in caselist.case_list(session, case_worker_id=None, today=TODAY,
                                                      search="a / d").rows] == ["Cia / Dahl"]
    assert caselist.case_list(session, case_worker_id=None, today=TODAY, search="%").total == 1
    one, two = (create_user(session, email=f"h{i}@test.example", role="case_worker", password=PASSWORD)
                for i in (1, 2))
    f.client(session, 5, name="Min Egen", case_worker_id=one.id)
    f.client(session, 6, name="Annans", case_worker_id=two.id)
    for worker, name in ((one, "Min Egen"), (two, "Annans")):
        assert [r.client.name for r in caselist.case_list(session, case_worker_id=worker.id, today=TODAY).rows] == [name]


def test_filters_and_their_counts(session):
    prov = f.provider(session)
    off = f.offering(session, prov)
    waiting_soon = f.client(session, 0, name="Snart")
    f.referral(session, waiting_soon, decided_on=TODAY - timedelta(days=2), deadline=TODAY + timedelta(days=1))
    waiting_later = f.client(session, 1, name="Senare")
    f.referral(session, waiting_later, decided_on=TODAY, deadline=TODAY + timedelta(days=20))
    placed = f.client(session, 2, name="Placerad")
    r = f.referral(session, placed, decided_on=TODAY - timedelta(days=30))
    f.placement(session, r, off, start=TODAY - timedelta(days=20))
    f.client(session, 3, name="Utan beslut")
    result = caselist.case_list(session, case_worker_id=None, today=TODAY)
    assert result.counts["all"] == 4
    assert (result.counts["waiting"], result.counts["deadline_soon"], result.counts["placed"]) == (2, 1, 1)
    assert result.counts["attendance_missing"] == 1  # nothing reported last week
    soon = caselist.case_list(session, case_worker_id=None, today=TODAY, filter_name="deadline_soon")
    assert [row.client.name for row in soon.rows] == ["Snart"]
    assert caselist.case_list(session, case_worker_id=None, today=TODAY, service_type="utredning").total == 0


def test_the_latest_decision_is_the_one_shown(session):
    c = f.client(session)
    f.referral(session, c, decided_on=TODAY - timedelta(days=400))
    newer = f.referral(session, c, decided_on=TODAY - timedelta(days=10), service_type="utredning")
    row = caselist.case_list(session, case_worker_id=None, today=TODAY).rows[0]
    assert row.referral.id == newer.id and isinstance(row.referral, Referral)


def test_one_view_of_the_list_writes_one_access_log_row_and_the_search_stays_out_of_the_url(
        app, client, auth, session):
    worker = auth.login("case_worker")
    _many(session, 60, case_worker_id=worker.id)
    f.client(session, 0, name="Amina Ali", case_worker_id=worker.id)
    session.commit()
    page = client.get("/handlaggare/deltagare")
    assert page.status_code == 200 and "Sida 1 av 2" in page.text
    rows = session.exec(select(AccessLog)).all()
    assert [(r.client_id, r.page) for r in rows] == [(None, "handläggare: lista med 50 deltagare")]
    found = client.post("/handlaggare/deltagare", data={"q": f.PERSONAL_IDS[0]})
    assert found.status_code == 200 and "Amina Ali" in found.text and "Person 001" not in found.text
    assert f.PERSONAL_IDS[0] not in (found.request.url or "")
    team = client.get("/handlaggare/deltagare?visa=alla&filter=vantar")
    assert team.status_code == 200


def test_a_page_number_past_what_the_database_can_count_shows_the_last_page(client, auth, session):
    """?sida= beyond a 64-bit offset was a 500 (the database refused the OFFSET); now the last page."""
    worker = auth.login("case_worker")
    _many(session, 60, case_worker_id=worker.id)
    session.commit()
    for number in ("99999999999999999999999", "9223372036854775807", "-3", "x"):
        page = client.get(f"/handlaggare/deltagare?sida={number}")
        assert page.status_code == 200, number
        assert ("Sida 1 av 2" if number in ("-3", "x") else "Sida 2 av 2") in page.text, number
    searched = client.post("/handlaggare/deltagare", data={"q": "Person", "sida": "99999999999999999999999"})
    assert searched.status_code == 200 and "Sida 2 av 2" in searched.text


def test_the_list_is_not_a_loop_over_every_client(session, monkeypatch):
    _many(session, 300)
    calls = []
    monkeypatch.setattr(service, "masked_id", lambda c: calls.append(c) or "x")
    caselist.case_list(session, case_worker_id=None, today=TODAY)
    assert len(calls) == 50


def _statements(session, work):
    """The SQL statements that read clients while `work` runs."""
    with statements(session) as seen:
        result = work()
    return result, [statement for statement in seen if "client" in statement.lower()]


def _mixed(session):
    """Clients waiting (one soon), placed and without a decision."""
    prov = f.provider(session)
    off = f.offering(session, prov)
    for i in range(3):
        f.referral(session, f.client(session, i, name=f"Väntar {i}"), decided_on=TODAY - timedelta(days=i),
                   deadline=TODAY + timedelta(days=1 if i == 0 else 20))
    for i in range(3, 5):
        r = f.referral(session, f.client(session, i, name=f"Placerad {i}"), decided_on=TODAY - timedelta(days=30))
        f.placement(session, r, off, start=TODAY - timedelta(days=20))
    f.client(session, 5, name="Utan beslut")
    _many(session, 60)


def test_the_page_and_every_count_come_from_the_kept_rows_in_five_queries_whatever_the_number_of_clients(session):
    _mixed(session)
    caselist.case_list(session, case_worker_id=None, today=TODAY)  # the day's first list keeps the rows
    result, statements = _statements(session, lambda: caselist.case_list(session, case_worker_id=None, today=TODAY))
    # Are the kept rows of today? Then every count, then the page's ids in order, from the kept rows
    # alone; then the whole client and decision rows of the page's ids (never more than a page).
    assert len(statements) == 5, statements
    freshness, counts, page, clients, referrals = statements
    assert "case_facts.as_of" in freshness and "FROM case_facts" in counts and "FROM case_facts" in page
    assert "LIMIT" in page and "count(" in counts
    for kept in (counts, page):
        assert "FROM placement" not in kept and "FROM attendance" not in kept and "FROM client" not in kept
    assert "FROM client" in clients and "FROM referral" in referrals
    for by_id in (clients, referrals):
        assert "IN (" in by_id and by_id.count(",") - by_id.split("FROM")[0].count(",") < caselist.PER_PAGE
    assert (result.counts["all"], result.counts["waiting"], result.counts["placed"]) == (66, 3, 2)
    assert len(result.rows) == 50 and result.pages == 2


def test_the_counts_stay_right_on_an_empty_filter_and_past_the_last_page(session):
    _mixed(session)
    shown = caselist.case_list(session, case_worker_id=None, today=TODAY)
    empty = caselist.case_list(session, case_worker_id=None, today=TODAY, filter_name="to_verify")
    assert (empty.rows, empty.total, empty.pages) == ([], 0, 1) and empty.counts == shown.counts
    far = caselist.case_list(session, case_worker_id=None, today=TODAY, sort="name", page=99)
    assert (far.page, far.pages, len(far.rows), far.counts) == (2, 2, 16, shown.counts)
    placed = caselist.case_list(session, case_worker_id=None, today=TODAY, filter_name="placed", page=5)
    assert [r.client.name for r in placed.rows] == ["Placerad 3", "Placerad 4"] and placed.page == 1
    assert {r.status for r in placed.rows} == {"placed"} and placed.counts == shown.counts


def test_the_default_order_children_first_then_status_nearest_deadline_and_name(session, auth):
    """Children in the household first, then waiting, placed, no decision and the rest, each by
    the nearest last day to choose (none last) and the name: everyone's list and one worker's."""
    worker = auth.user("case_worker", "ordning@kommun.example")
    prov = f.provider(session)
    off = f.offering(session, prov, capacity=20)

    def person(i, name, *, children=False, decided=None, deadline=None, placed=False, ended=False):
        c = f.client(session, i, name=name, children=children, case_worker_id=worker.id)
        if decided is not None:
            r = f.referral(session, c, decided_on=decided, deadline=deadline)
            if deadline is None:  # a decision registered before last days to choose were set
                r.choice_deadline = None
            if placed or ended:
                f.placement(session, r, off, start=decided, ended_on=TODAY - timedelta(days=3) if ended else None,
                            end_reason="completed" if ended else None)
        return name

    soon = person(0, "Ulla Snart", decided=TODAY - timedelta(days=5), deadline=TODAY + timedelta(days=2))
    later = person(1, "Anna Senare", decided=TODAY - timedelta(days=5), deadline=TODAY + timedelta(days=9))
    open_ended = person(2, "Bo Utan Dag", decided=TODAY - timedelta(days=5))
    placed = person(3, "Cecilia Placerad", decided=TODAY - timedelta(days=40), placed=True)
    nothing = person(4, "David Inget Beslut")
    family_ended = person(5, "Eva Avslutad", children=True, decided=TODAY - timedelta(days=90), ended=True)
    family_waiting = person(6, "Örjan Väntar", children=True, decided=TODAY - timedelta(days=2),
                            deadline=TODAY + timedelta(days=20))
    session.flush()
    expected = [family_waiting, family_ended, soon, later, open_ended, placed, nothing]
    for worker_id in (None, worker.id):
        listed = caselist.case_list(session, case_worker_id=worker_id, today=TODAY)
        assert [r.client.name for r in listed.rows] == expected
