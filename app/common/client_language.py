"""The page language a client chose: read when a page is shown, remembered when they switch.

The choice is kept on the client's record, which belongs to kundval (an area above common);
kundval provides how to read and store it in create_app(), so common imports no area.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import Translations
from sqlmodel import Session

from app.common.hooks import Hook
from app.common.languages import CLIENT_LANGUAGES

# (signed-in client user) -> their recorded choice, and (session, user, code) -> None.
recorded_choice: Hook[Callable[[Any], str | None]] = Hook("client_language.recorded_choice")
store_choice: Hook[Callable[[Session, Any, str], None]] = Hook("client_language.store_choice")
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


def remember_client_language(session: Session, user: Any, code: str) -> None:
    """Store a signed-in client's choice on their record; anyone else keeps it in the session only."""
    if code not in CLIENT_LANGUAGES or not getattr(user, "is_authenticated", False) or user.role != "client":
        return
    store_choice(session, user, code)


def client_page_language(client: Any) -> str:
    """The language a client reads: their own choice, else the one the case worker recorded, else Swedish."""
    from app.common.languages import DEFAULT_LANGUAGE, from_recorded

    return str(client.page_language or from_recorded(client.language) or DEFAULT_LANGUAGE)


@lru_cache(maxsize=16)
def _catalog(code: str) -> Translations:
    catalog = Translations.load(str(TRANSLATIONS), [code])
    return catalog if isinstance(catalog, Translations) else Translations()


def catalog(code: str) -> Translations:
    """The compiled catalog of a page language, for text written outside the request of its reader."""
    return _catalog(code)


def for_client(client: Any, message: Any) -> str:
    """A message to a client (`_l("Du har en plats")`), in the client's language whatever the request's.

    Messages and e-mails are written when something happens (a case worker's page, a nightly job), not
    when the client reads them, so they are translated with the client's catalog, not the page's.
    """
    msgid, variables = getattr(message, "_args", (str(message),))[0], getattr(message, "_kwargs", {})
    text = str(_catalog(client_page_language(client)).gettext(msgid))
    return text % variables if variables else text
