"""Lists that grow without end page in the database: the audit log, the access logs, the results."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event
from sqlmodel import select

from app.common.models import AccessLog, AuditLog
from app.kundval.models import Client, Outcome, Placement
from tests.providers.factories import ORG_A, seed


class Statements:
    """The SQL the app sends while the block runs."""

    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def _record(self, _conn, _cursor, statement, parameters, _context, _many):
        self.seen.append((statement, parameters))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


def walk(client, first_url: str) -> list[str]:
    """Follow the "Nästa" links from the first page; every page's text."""
    pages, url = [], first_url
    while url:
        page = client.get(url)
        assert page.status_code == 200
        pages.append(page.get_data(as_text=True))
        found = re.search(r'href="([^"]+)">Nästa<', pages[-1])
        url = found.group(1).replace("&amp;", "&") if found else None
        assert len(pages) < 10
    return pages


def test_the_audit_log_pages_in_the_database_and_shows_every_entry_once(app, client, auth, session):
    admin = auth.login("admin")
    for i in range(120):
        session.add(AuditLog(user_id=admin.id, action="update", entity="user", entity_id=i, reason=f"skäl-{i:03d}-"))
    session.commit()
    with Statements(app.extensions["db_engine"]) as sql:
        pages = walk(client, "/admin/granskningslogg?entity=user")
    assert len(pages) == 3
    found = [r for text in pages for r in re.findall(r"skäl-(\d{3})-", text)]
    assert sorted(found) == [f"{i:03d}" for i in range(120)]  # each once
    assert [len(re.findall(r"skäl-\d{3}-", text)) for text in pages] == [50, 50, 20]
    audit = [s for s, _p in sql.seen if "FROM auditlog" in s]
    assert audit and all("LIMIT" in s for s in audit)


def test_the_access_log_search_pages_by_posting_the_search_again(app, client, auth, session):
    seed(session)
    admin = auth.login("admin")
    worker = auth.user("case_worker")
    client_id = session.exec(select(Client.id)).first()
    for i in range(70):
        session.add(AccessLog(user_id=worker.id, client_id=client_id, client_count=1, page=f"sida-{i:03d}-"))
    session.add(AccessLog(user_id=admin.id, client_id=client_id, client_count=1, page="admins-egen"))
    session.commit()
    everyone = client.get("/admin/atkomstlogg").get_data(as_text=True)
    assert "admins-egen" in everyone and len(re.findall(r"sida-\d{3}-", everyone)) == 49  # 50 a page
    form = {"user_email": worker.email, "personal_id": "", "since": "", "until": ""}
    one = client.post("/admin/atkomstlogg", data=form).get_data(as_text=True)
    assert len(re.findall(r"sida-\d{3}-", one)) == 50 and "admins-egen" not in one
    assert 'name="sida" value="2"' in one and "Nästa" in one
    two = client.post("/admin/atkomstlogg", data={**form, "sida": "2"}).get_data(as_text=True)
    seen = re.findall(r"sida-(\d{3})-", one) + re.findall(r"sida-(\d{3})-", two)
    assert sorted(seen) == [f"{i:03d}" for i in range(70)] and "admins-egen" not in two


def test_results_to_verify_and_the_providers_results_page_in_the_database(app, client, auth, session):
    seed(session)
    placement = session.exec(select(Placement).order_by(Placement.id)).first()
    for i in range(60):
        session.add(Outcome(ref=f"U{i:03d}", placement_id=placement.id, kind="studies",
                            result_date=placement.start_date + timedelta(days=i), employer=f"Skola-{i:03d}-",
                            extent="heltid", employment_form=""))
    session.commit()
    auth.login("case_worker")
    pages = walk(client, "/handlaggare/resultat?visa=alla")
    assert [len(re.findall(r"Skola-\d{3}-", text)) for text in pages] == [50, 10]
    assert re.findall(r"Skola-(\d{3})-", "".join(pages)) == [f"{i:03d}" for i in range(60)]  # oldest first
    auth.login("provider", provider_org_nr=ORG_A)
    pages = walk(client, "/rapportering/resultat")
    assert [len(re.findall(r"Skola-\d{3}-", text)) for text in pages] == [50, 10]
    assert re.findall(r"Skola-(\d{3})-", "".join(pages)) == [f"{i:03d}" for i in reversed(range(60))]


def test_a_page_number_that_is_not_one_is_the_first_page(client, auth):
    auth.login("admin")
    for bad in ("x", "-3", "0", "1e9", ""):
        assert client.get(f"/admin/granskningslogg?sida={bad}").status_code == 200
    # the page after the last is empty, not an error
    assert "Inga händelser" in client.get("/admin/granskningslogg?sida=99").get_data(as_text=True)


def test_a_counted_page_gives_its_rows_and_the_lists_total_and_the_last_page_for_a_later_one(session):
    from app.common import paging

    for i in range(7):
        session.add(AuditLog(action="update", entity="user", entity_id=i, reason=f"r{i}"))
    session.commit()
    stmt = select(AuditLog.entity_id).where(AuditLog.entity == "user").order_by(AuditLog.entity_id)
    first = paging.fetch_counted(session, stmt, 1, 3)
    assert [r[0] for r in first.rows] == [0, 1, 2] and (first.number, first.total, first.pages) == (1, 7, 3)
    later = paging.fetch_counted(session, stmt, 9, 3)
    assert [r[0] for r in later.rows] == [6] and (later.number, later.total, later.pages) == (3, 7, 3)
    none = paging.fetch_counted(session, stmt.where(AuditLog.entity_id > 99), 4, 3)
    assert none.rows == [] and (none.number, none.total, none.pages) == (1, 0, 1)
