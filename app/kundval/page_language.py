"""A client's page language, kept on their Client row; common/client_language.py asks through these."""
from __future__ import annotations

from sqlmodel import Session, select

from app.common.languages import from_recorded
from app.extensions import db
from app.kundval.models import Client


def recorded(user) -> str | None:
    """The signed-in client's chosen page language, else the language they were recorded as reading."""
    client = db.session.exec(select(Client).where(Client.user_id == user.id)).first()
    if client is None:
        return None
    return client.page_language or from_recorded(client.language)


def store(session: Session, user, code: str) -> None:
    client = session.exec(select(Client).where(Client.user_id == user.id)).first()
    if client is not None and client.page_language != code:
        client.page_language = code
