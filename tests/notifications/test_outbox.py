"""The outbox: messages are kept in the app and sent through a real (local) SMTP server."""
from __future__ import annotations

import socket
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlmodel import select

from app.notifications.models import Notification
from app.notifications.service import notify, send_pending
from app.providers.models import Provider, ProviderDocument
from app.providers.service import expiring_documents_job
from tests.providers.factories import ORG_A, seed


class Collect(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_outbox_is_sent_by_smtp_when_mail_server_is_set(app, session, runner, auth, smtp_server):
    controller, handler = smtp_server
    seed(session)
    auth.user("provider", email="anna@arbetsvagen.example", provider_org_nr=ORG_A)
    provider_id = session.exec(select(Provider.id).where(Provider.org_nr == ORG_A)).one()
    notify(session, provider_id=provider_id, subject="Ert beslut", body="Godkänd.")
    session.commit()
    assert send_pending(session, {"MAIL_SERVER": None}) == 0
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    result = runner.invoke(args=["notifications", "send"])
    assert "1 messages sent" in result.output, result.output
    [message] = handler.messages
    assert message["Subject"] == "Ert beslut"
    assert "anna@arbetsvagen.example" in message["To"] and "info@arbetsvagen.example" in message["To"]
    session.expire_all()
    assert session.exec(select(Notification)).one().sent_at is not None
    # Nothing is sent twice.
    assert "0 messages sent" in runner.invoke(args=["notifications", "send"]).output


def test_expiring_documents_remind_provider_and_admin_once(session):
    seed(session)
    provider_id = session.exec(select(Provider.id).where(Provider.org_nr == ORG_A)).one()
    session.add(ProviderDocument(provider_id=provider_id, kind="insurance", filename="f.pdf",
                                 stored_name="x.pdf", content_type="application/pdf", size=10,
                                 expires_on=date(2026, 12, 10)))
    session.commit()
    assert expiring_documents_job(session, date(2026, 11, 1)).ran
    assert session.exec(select(Notification)).all() == []
    expiring_documents_job(session, date(2026, 11, 20))
    expiring_documents_job(session, date(2026, 11, 21))
    session.commit()
    notes = session.exec(select(Notification)).all()
    assert sorted(n.role for n in notes) == ["admin", "provider"]
    assert "går snart ut" in notes[0].subject


def test_provider_sees_own_messages_in_the_outbox(client, auth, session):
    seed(session)
    provider_id = session.exec(select(Provider.id).where(Provider.org_nr == ORG_A)).one()
    notify(session, provider_id=provider_id, subject="Till A", body="a")
    notify(session, role="admin", subject="Till admin", body="b")
    session.commit()
    auth.login("provider", provider_org_nr=ORG_A)
    page = client.get("/meddelanden/").get_data(as_text=True)
    assert "Till A" in page and "Till admin" not in page
