"""After the choice: the provider sees how to reach the client and books the first meeting."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from app.auth.models import User
from app.common.models import AccessLog
from app.kundval import choice, handoff
from app.kundval.models import Placement
from app.notifications.models import Notification
from tests.kundval import factories as f


def _switch_user(auth, user):
    """Sign in as someone else; the test's app context would otherwise keep the cached user."""
    from flask import g

    auth.logout()
    g.pop("_login_user", None)
    auth.login_user(user)


def _placed(session, auth, *, today=None):
    today = today or date.today()
    worker = session.get(User, auth.user("case_worker", email="karin@kommun.example").id)
    worker.name = "Karin Handläggare"
    prov = f.provider(session, "Steget AB", org_nr="556036-0793")
    off = f.offering(session, prov)
    c = f.client(session, case_worker_id=worker.id, name="Amina Ali")
    c.phone, c.email, c.language, c.needs_interpreter = "070-123 45 67", "amina@example.se", "ar", True
    ref = f.referral(session, c, decided_on=today - timedelta(days=3), case_worker_id=worker.id)
    placement = choice.choose(session, ref, off.id, chosen_by="client", actor_id=None, today=today)
    session.commit()
    return worker, prov, c, placement


def test_provider_sees_contact_language_interpreter_and_case_worker_and_the_view_is_logged(
        app, client, auth, session):
    worker, prov, c, placement = _placed(session, auth)
    auth.login("provider", email="p@steget.example", provider_org_nr=prov.org_nr)
    page = client.get(f"/anordnare/placeringar/{placement.id}")
    assert page.status_code == 200
    for text in ("Amina Ali", "070-123 45 67", "amina@example.se", "arabiska", "Behöver tolk",
                 "Karin Handläggare", "karin@kommun.example"):
        assert text in page.text, text
    assert "Ja" in page.text.split("Behöver tolk")[1][:80]
    logged = session.exec(select(AccessLog).where(AccessLog.client_id == c.id,
                                                  AccessLog.page == "anordnare: placering")).all()
    assert len(logged) == 1
    listing = client.get("/anordnare/placeringar/")
    assert f"/anordnare/placeringar/{placement.id}" in listing.text


def test_another_provider_gets_404_for_the_placement(app, client, auth, session):
    _worker, _prov, _c, placement = _placed(session, auth)
    other = f.provider(session, "Annan AB", org_nr="556016-0680")
    session.commit()
    auth.login("provider", email="p@annan.example", provider_org_nr=other.org_nr)
    assert client.get(f"/anordnare/placeringar/{placement.id}").status_code == 404


def test_provider_books_the_first_meeting_and_case_worker_and_client_see_it(app, client, auth, session):
    worker, prov, c, placement = _placed(session, auth)
    day = date.today() + timedelta(days=2)
    auth.login("provider", email="p@steget.example", provider_org_nr=prov.org_nr)
    r = client.post(f"/anordnare/placeringar/{placement.id}", data={
        "first_meeting_on": day.isoformat(), "first_meeting_time": "10:30",
        "first_meeting_place": "Storgatan 2"})
    assert r.status_code == 302, r.text
    session.expire_all()
    p = session.get(Placement, placement.id)
    assert (p.first_meeting_on, p.first_meeting_time.strftime("%H:%M"), p.first_meeting_place) == (
        day, "10:30", "Storgatan 2")
    subjects = {n.subject for n in session.exec(select(Notification).where(Notification.user_id == worker.id))}
    assert "Första träffen är bokad" in subjects
    _switch_user(auth, worker)
    assert day.isoformat() in client.get(f"/handlaggare/deltagare/{c.id}").text


def test_first_meeting_in_the_past_is_refused_naming_the_field(app, client, auth, session):
    _worker, prov, _c, placement = _placed(session, auth)
    auth.login("provider", email="p@steget.example", provider_org_nr=prov.org_nr)
    r = client.post(f"/anordnare/placeringar/{placement.id}", data={
        "first_meeting_on": (date.today() - timedelta(days=1)).isoformat(), "first_meeting_time": "10:30",
        "first_meeting_place": "Storgatan 2"})
    assert r.status_code == 400
    assert "Första träffen kan inte vara tidigare än i dag." in r.text


def test_placement_without_first_meeting_three_working_days_after_the_choice_is_flagged(session, auth):
    _worker, _prov, _c, placement = _placed(session, auth, today=date(2026, 11, 30))
    placement.created_at = datetime(2026, 11, 30, 9, tzinfo=UTC)  # Monday
    session.flush()
    flagged = lambda today: session.exec(select(Placement.id).where(handoff.no_first_meeting(today))).all()  # noqa: E731
    assert flagged(date(2026, 12, 2)) == []  # Wednesday: two working days
    assert flagged(date(2026, 12, 3)) == [placement.id]  # Thursday: three
    placement.first_meeting_on = date(2026, 12, 4)
    session.flush()
    assert flagged(date(2026, 12, 3)) == []


def test_case_worker_registers_and_edits_the_interpreter_need_and_e_mail(app, client, auth, session):
    from app.kundval.models import Client

    auth.login("case_worker")
    r = client.post("/handlaggare/deltagare/ny", data={
        "personal_id": f.PERSONAL_IDS[0], "name": "Amina Ali", "phone": "070-1", "email": "amina@example.se",
        "language": "ar", "needs_interpreter": "y", "area": ""})
    assert r.status_code == 302, r.text
    c = session.exec(select(Client)).one()
    assert c.needs_interpreter and c.email == "amina@example.se"
    r = client.post(f"/handlaggare/deltagare/{c.id}/andra", data={
        "name": "Amina Ali", "phone": "070-2", "email": "", "language": "ar", "area": ""})
    assert r.status_code == 302, r.text
    session.expire_all()
    c = session.get(Client, c.id)
    assert (c.needs_interpreter, c.email, c.phone) == (False, "", "070-2")
