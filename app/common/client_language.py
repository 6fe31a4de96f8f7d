"""Remembering the page language a client chose, so it greets them next time."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.common.languages import CLIENT_LANGUAGES


def remember_client_language(session: Session, user: Any, code: str) -> None:
    """Store a signed-in client's choice on their Client row; anyone else keeps it in the session only."""
    if code not in CLIENT_LANGUAGES or not getattr(user, "is_authenticated", False) or user.role != "client":
        return
    from app.kundval.models import Client

    client = session.exec(select(Client).where(col(Client.user_id) == user.id)).first()
    if client is not None and client.page_language != code:
        client.page_language = code
