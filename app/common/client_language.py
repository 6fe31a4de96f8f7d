"""The page language a client chose: read when a page is shown, remembered when they switch.

The choice is kept on the client's record, which belongs to kundval (an area above common);
kundval provides how to read and store it in create_app(), so common imports no area.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from app.common.hooks import Hook
from app.common.languages import CLIENT_LANGUAGES

# (signed-in client user) -> their recorded choice, and (session, user, code) -> None.
recorded_choice: Hook[Callable[[Any], str | None]] = Hook("client_language.recorded_choice")
store_choice: Hook[Callable[[Session, Any, str], None]] = Hook("client_language.store_choice")


def remember_client_language(session: Session, user, code: str) -> None:
    """Store a signed-in client's choice on their record; anyone else keeps it in the session only."""
    if code not in CLIENT_LANGUAGES or not getattr(user, "is_authenticated", False) or user.role != "client":
        return
    store_choice(session, user, code)
