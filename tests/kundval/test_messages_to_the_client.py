"""Messages to the client (their place, their first meeting) reach the client in the language the client
reads, whoever's page or job made them: the outbox keeps the msgid, the e-mail is translated for the client
(tests/notifications/test_languages.py sends one), and the stored text stays Swedish."""
from __future__ import annotations

from datetime import date, time, timedelta

from sqlmodel import select

from app.kundval import choice, handoff, service
from app.notifications.messages import shown
from app.notifications.models import Notification
from app.notifications.service import reading_language
from tests.kundval import factories as f


def _client_with_account(session, *, recorded="sv", chosen=None):
    prov = f.provider(session, "Steget AB", org_nr="556036-0793")
    off = f.offering(session, prov)
    c = f.client(session, name="Amina Ali")
    c.language, c.page_language = recorded, chosen
    user = service.client_user(session, c)
    ref = f.referral(session, c, decided_on=date.today() - timedelta(days=3))
    session.commit()
    return c, user, ref, off


class _AsRead:
    """A message as its recipient reads it."""

    def __init__(self, note, code):
        self.subject, self.body = shown(note, "subject", code), shown(note, "body", code)


def _to(session, user):
    notes = session.exec(select(Notification).where(Notification.user_id == user.id)
                         .order_by(Notification.id)).all()
    return [_AsRead(note, reading_language(user)) for note in notes]


def test_a_client_recorded_as_reading_tigrinya_is_told_of_the_place_and_meeting_in_tigrinya(session):
    c, user, ref, off = _client_with_account(session, recorded="ti")
    placement = choice.choose(session, ref, off.id, chosen_by="client", actor_id=None, today=date.today())
    view = handoff.provider_placement(session, off.provider_id, placement.id)
    handoff.book_first_meeting(session, view, on=date.today() + timedelta(days=2), at=time(10, 30),
                               place="Storgatan 2", actor_id=None, today=date.today())
    session.commit()
    place, meeting = _to(session, user)
    assert place.subject == "ቦታ ኣለካ"
    assert place.body.startswith("Steget AB መሪጽካ ኢኻ:") and "ቀዳማይ ርክብ ንምሓዝ" in place.body
    assert meeting.subject == "ቀዳማይ ርክብካ"
    assert "ሰዓት 10:30" in meeting.body and "Storgatan 2" in meeting.body and "kl." not in meeting.body


def test_the_clients_own_choice_of_language_wins_over_the_recorded_one(session):
    c, user, ref, off = _client_with_account(session, recorded="ti", chosen="ar")
    choice.choose(session, ref, off.id, chosen_by="default", actor_id=None, today=date.today())
    session.commit()
    [place] = _to(session, user)
    assert place.subject == "لديك مكان" and "الخيار الافتراضي" in place.body


def test_a_client_who_reads_swedish_gets_the_swedish_message(session):
    c, user, ref, off = _client_with_account(session)
    choice.choose(session, ref, off.id, chosen_by="client", actor_id=None, today=date.today())
    session.commit()
    [place] = _to(session, user)
    assert place.subject == "Du har en plats" and place.body.startswith("Du har valt Steget AB:")


def test_the_error_pages_speak_the_clients_language(client):
    client.get("/sprak/ti")
    response = client.get("/deltagare/no-such-page")
    assert response.status_code == 404 and "እቲ ገጽ የለን።" in response.text
    client.get("/sprak/ar")
    assert "الصفحة غير موجودة." in client.get("/deltagare/no-such-page").text
