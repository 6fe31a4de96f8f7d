"""Each reader gets a message in their own language: the outbox page in the viewer's, the e-mail in the
recipient's (a client's page language, a staff user's chosen interface language, else Swedish)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from email.header import decode_header, make_header

from flask_babel import lazy_gettext as _l
from sqlmodel import select

from app.auth.models import User
from app.kundval import choice, service
from app.notifications.messages import Amount, message_data, render
from app.notifications.models import Notification
from app.notifications.service import notify, preload_keys, recipients_by_language, send_pending
from app.providers.models import Provider
from tests.kundval import factories as f
from tests.notifications.test_outbox import smtp_server  # noqa: F401  (a fixture)
from tests.providers.factories import ORG_A, seed


def _subject(mail) -> str:
    return str(make_header(decode_header(mail["Subject"])))


ACCEPTED = _l("Avtal %(ref)s är godtaget", ref="AV-7")
ACCEPTED_BODY = _l("Anordnaren har godtagit avtal %(ref)s (%(email)s).", ref="AV-7", email="k@steget.example")


def test_an_english_staff_user_reads_the_outbox_in_english_and_a_swedish_one_in_swedish(client, auth, session):
    notify(session, role="admin", subject=ACCEPTED, body=ACCEPTED_BODY)
    session.commit()
    note = session.exec(select(Notification)).one()
    assert note.subject == "Avtal AV-7 är godtaget"  # the Swedish text is kept as evidence
    assert note.subject_msg == {"sep": "", "parts": [{"id": "Avtal %(ref)s är godtaget", "vars": {"ref": "AV-7"}}]}
    session.commit()  # the test's read ends before the pages write
    auth.login("admin")
    page = client.get("/meddelanden/").get_data(as_text=True)
    assert "Avtal AV-7 är godtaget" in page and "Anordnaren har godtagit avtal AV-7" in page
    client.get("/sprak/en")
    page = client.get("/meddelanden/").get_data(as_text=True)
    assert "Contract AV-7 has been accepted" in page
    assert "The provider has accepted contract AV-7 (k@steget.example)." in page
    assert "godtaget" not in page and "godtagit" not in page


def test_an_old_row_without_a_msgid_shows_its_stored_text_in_any_language(client, auth, session):
    session.add(Notification(role="admin", subject="Gammalt meddelande", body="Skrivet före översättningarna."))
    session.commit()
    auth.login("admin")
    client.get("/sprak/en")
    page = client.get("/meddelanden/").get_data(as_text=True)
    assert "Gammalt meddelande" in page and "Skrivet före översättningarna." in page


def test_a_body_of_parts_a_word_inside_a_sentence_and_an_amount_read_in_each_language():
    reason = "vi saknar intyg"  # what someone wrote: no catalog has it, every reader sees it as written
    data = message_data([_l("Er ansökan är avslagen"), ".", "\n\n", _l("Skäl: %(reason)s", reason=reason)])
    assert render(data, "sv") == "Er ansökan är avslagen.\n\nSkäl: vi saknar intyg"
    assert render(data, "en") == "Your application has been rejected.\n\nReason: vi saknar intyg"
    amount = message_data(_l("Belopp att fakturera: %(amount)s inklusive moms.", amount=Amount(Decimal("1234.50"))))
    assert render(amount, "sv") == "Belopp att fakturera: 1\xa0234,50\xa0kr inklusive moms."
    assert render(amount, "en") == "Amount to invoice: SEK1,234.50 including VAT."
    nested = message_data(_l("Deltagare %(client)s, beslut %(referral)s: %(why)s. Kontakta deltagaren.",
                             client="K-1", referral="B-1", why=_l("ickevalsalternativet har inga lediga platser")))
    assert render(nested, "en") == "Client K-1, decision B-1: the default option has no free places. Contact the client."


def test_a_client_who_reads_arabic_is_emailed_in_arabic(app, session, smtp_server):  # noqa: F811
    controller, handler = smtp_server
    prov = f.provider(session, "Steget AB", org_nr="556036-0793")
    off = f.offering(session, prov)
    c = f.client(session, name="Amina Ali")
    c.language, c.page_language = "sv", "ar"
    user = service.client_user(session, c)
    user.email = "amina@example.org"
    ref = f.referral(session, c, decided_on=date.today() - timedelta(days=3))
    session.commit()
    choice.choose(session, ref, off.id, chosen_by="client", actor_id=None, today=date.today())
    session.commit()
    note = session.exec(select(Notification).where(Notification.user_id == user.id)).one()
    assert note.subject == "Du har en plats"  # stored in Swedish
    assert recipients_by_language(session, note) == {"ar": ["amina@example.org"]}
    sent = send_pending(session, {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port})
    session.commit()
    assert sent >= 1
    [mail] = [m for m in handler.messages if m["To"] == "amina@example.org"]
    assert _subject(mail) == "لديك مكان" and mail["Content-Language"] == "ar"
    text = mail.get_payload(decode=True).decode("utf-8")
    assert text.startswith("لقد اخترت Steget AB") and "Du har" not in text


def test_staff_are_emailed_in_the_interface_language_they_chose(app, client, auth, session, smtp_server):  # noqa: F811
    controller, handler = smtp_server
    seed(session)
    english = auth.login("provider", email="anna@arbetsvagen.example", provider_org_nr=ORG_A)
    client.get("/sprak/en")  # stored on the user, for what is written to them outside a page
    auth.user("provider", email="bo@arbetsvagen.example", provider_org_nr=ORG_A)
    session.expire_all()
    assert session.get(User, english.id).ui_language == "en"
    provider_id = session.exec(select(Provider.id).where(Provider.org_nr == ORG_A)).one()
    notify(session, provider_id=provider_id, subject=_l("Er ansökan är godkänd"),
           body=[_l("Er ansökan är godkänd"), "."])
    session.commit()
    assert send_pending(session, {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port}) == 1
    session.commit()
    by_to = {m["To"]: m for m in handler.messages}
    assert _subject(by_to["anna@arbetsvagen.example"]) == "Your application has been approved"
    # A colleague who never chose, and the provider's own contact address, read Swedish; one e-mail for both.
    assert _subject(by_to["bo@arbetsvagen.example, info@arbetsvagen.example"]) == "Er ansökan är godkänd"


def test_the_duplicate_check_and_preloaded_keys_hold_for_translatable_messages(session):
    preload_keys(session, ["avtal:AV-7", "avtal:AV-8"])
    assert notify(session, role="admin", key="avtal:AV-7", subject=ACCEPTED, body=ACCEPTED_BODY) is not None
    assert notify(session, role="admin", key="avtal:AV-7", subject=ACCEPTED, body=ACCEPTED_BODY) is None
    session.commit()
    assert notify(session, role="admin", key="avtal:AV-7", subject=ACCEPTED, body=ACCEPTED_BODY) is None
    session.commit()
    assert [n.subject for n in session.exec(select(Notification)).all()] == ["Avtal AV-7 är godtaget"]
