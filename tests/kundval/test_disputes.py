"""Attendance the client can see: the reported days month by month, "jag var inte där", and the
case worker's resolution, which the provider is told about. Payment is not held back."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import select

from app.kundval import disputes, service
from app.kundval.models import Attendance, AttendanceDispute
from app.notifications.models import Notification
from tests.kundval import factories as f

MARCH_3 = date(2025, 3, 3)  # a Monday


def _arrange(session, worker_id=None):
    prov = f.provider(session, "Steget AB")
    c = f.client(session, 0, name="Amina Ali", case_worker_id=worker_id)
    r = f.referral(session, c, decided_on=date(2025, 2, 20), case_worker_id=worker_id)
    pl = f.placement(session, r, f.offering(session, prov), start=date(2025, 3, 1))
    for day, hours in ((MARCH_3, "6"), (MARCH_3 + timedelta(days=1), "4.5"), (MARCH_3 + timedelta(days=2), "1")):
        session.add(Attendance(placement_id=pl.id, date=day, status="present", hours=Decimal(hours)))
    session.add(Attendance(placement_id=pl.id, date=date(2025, 4, 1), status="present", hours=Decimal("3")))
    session.add(Attendance(placement_id=pl.id, date=date(2025, 4, 2), status="absent", hours=Decimal("0")))
    session.flush()
    return prov, c, pl


def _as_client(auth, session, c):
    user = service.client_user(session, c)
    session.commit()
    auth.login_user(user)


def test_the_client_sees_the_reported_days_month_by_month_in_plain_words(app, client, auth, session):
    _prov, c, pl = _arrange(session)
    _as_client(auth, session, c)
    page = client.get(f"/deltagare/placering/{pl.id}/dagar?manad=2025-03").text
    assert "måndag 3 mars: 6 timmar" in page
    assert "tisdag 4 mars: 4,5 timmar" in page and "onsdag 5 mars: 1 timme" in page
    assert "1 april" not in page
    april = client.get(f"/deltagare/placering/{pl.id}/dagar?manad=2025-04").text
    assert "tisdag 1 april: 3 timmar" in april and "onsdag 2 april: frånvaro" in april
    assert f"/deltagare/placering/{pl.id}/dagar" in client.get("/deltagare/").text


def test_another_clients_days_are_not_shown(app, client, auth, session):
    _prov, _c, pl = _arrange(session)
    other = f.client(session, 1)
    _as_client(auth, session, other)
    assert client.get(f"/deltagare/placering/{pl.id}/dagar").status_code == 404
    assert client.post(f"/deltagare/placering/{pl.id}/dagar/2025-03-03/inte-dar").status_code == 404


def test_the_client_marks_a_day_and_the_provider_is_told(app, client, auth, session):
    prov, c, pl = _arrange(session)
    _as_client(auth, session, c)
    r = client.post(f"/deltagare/placering/{pl.id}/dagar/2025-03-03/inte-dar", data={"comment": "Jag var sjuk"},
                    follow_redirects=True)
    assert "Vi har sparat att du inte var där" in r.text
    assert "Du har sagt att du inte var där" in r.text
    row = session.exec(select(AttendanceDispute)).one()
    assert (row.status, row.comment, row.reported_hours) == ("open", "Jag var sjuk", Decimal("6.00"))
    note = session.exec(select(Notification)).one()
    assert note.provider_id == prov.id and "2025-03-03" in note.subject
    # Nothing held back: the attendance stays as reported.
    assert session.exec(select(Attendance).where(Attendance.date == MARCH_3)).one().hours == Decimal("6.00")
    again = client.post(f"/deltagare/placering/{pl.id}/dagar/2025-03-03/inte-dar", follow_redirects=True)
    assert "Du har redan sagt" in again.text


def test_only_a_reported_present_day_can_be_disputed(app, session):
    _prov, _c, pl = _arrange(session)
    from app.common.errors import ValidationError
    for day in (date(2025, 4, 2), date(2025, 3, 10)):
        try:
            disputes.dispute(session, pl, day, "", None)
        except ValidationError as exc:
            assert exc.field == "date"
        else:
            raise AssertionError(day)


def test_the_case_worker_sees_disputed_days_filters_and_resolves_them(app, client, auth, session):
    worker = auth.login("case_worker")
    prov, c, pl = _arrange(session, worker.id)
    f.client(session, 1, name="Bo Berg", case_worker_id=worker.id)
    first = disputes.dispute(session, pl, MARCH_3, "Sjuk", None)
    second = disputes.dispute(session, pl, MARCH_3 + timedelta(days=1), "", None)
    session.commit()
    listing = client.get("/handlaggare/deltagare?filter=ifragasatt").text
    assert "Amina Ali" in listing and "Bo Berg" not in listing
    everyone = client.get("/handlaggare/deltagare").text
    assert "Bo Berg" in everyone
    row_of = {name: re.search(rf"{name}.*?</tr>", everyone, re.S).group(0) for name in ("Amina Ali", "Bo Berg")}
    assert "ifrågasatt närvaro" in row_of["Amina Ali"] and "ifrågasatt närvaro" not in row_of["Bo Berg"]
    page = client.get(f"/handlaggare/deltagare/{c.id}").text
    assert "Ifrågasatt närvaro" in page and "Sjuk" in page and "måndag 3 mars 2025" in page
    client.post(f"/handlaggare/narvaro/{first.id}/ratta")
    client.post(f"/handlaggare/narvaro/{second.id}/star-fast")
    session.expire_all()
    assert session.get(AttendanceDispute, first.id).status == "correct"
    assert session.get(AttendanceDispute, second.id).status == "confirmed"
    subjects = [n.subject for n in session.exec(select(Notification).where(Notification.provider_id == prov.id))]
    assert any(s.startswith("Rätta närvaron 2025-03-03") for s in subjects)
    assert any(s.startswith("Närvaron 2025-03-04 står fast") for s in subjects)
    assert "Ifrågasatt närvaro" not in client.get(f"/handlaggare/deltagare/{c.id}").text
    assert client.post(f"/handlaggare/narvaro/{first.id}/ratta").status_code == 302  # already resolved: a message
