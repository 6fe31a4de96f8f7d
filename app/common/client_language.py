"""Remembering the page language a client chose, so it greets them next time."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import Translations
from sqlmodel import Session, col, select

from app.common.languages import CLIENT_LANGUAGES

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


def remember_client_language(session: Session, user: Any, code: str) -> None:
    """Store a signed-in client's choice on their Client row; anyone else keeps it in the session only."""
    if code not in CLIENT_LANGUAGES or not getattr(user, "is_authenticated", False) or user.role != "client":
        return
    from app.kundval.models import Client

    client = session.exec(select(Client).where(col(Client.user_id) == user.id)).first()
    if client is not None and client.page_language != code:
        client.page_language = code


def client_page_language(client) -> str:
    """The language a client reads: their own choice, else the one the case worker recorded, else Swedish."""
    from app.common.languages import DEFAULT_LANGUAGE, from_recorded

    return client.page_language or from_recorded(client.language) or DEFAULT_LANGUAGE


@lru_cache(maxsize=16)
def _catalog(code: str) -> Translations:
    return Translations.load(str(TRANSLATIONS), [code])


def for_client(client, message: Any) -> str:
    """A message to a client (`_l("Du har en plats")`), in the client's language whatever the request's.

    Messages and e-mails are written when something happens (a case worker's page, a nightly job), not
    when the client reads them, so they are translated with the client's catalog, not the page's.
    """
    msgid, variables = getattr(message, "_args", (str(message),))[0], getattr(message, "_kwargs", {})
    text = _catalog(client_page_language(client)).gettext(msgid)
    return text % variables if variables else text
