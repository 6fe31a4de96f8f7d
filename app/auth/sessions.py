"""Sessions that end on the server: the cookie names a session version that logout and
deactivation raise, and a session ends after SESSION_IDLE_MINUTES idle or SESSION_MAX_HOURS."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, session
from flask_login import logout_user, user_logged_in
from sqlmodel import Session

from app.common.hooks import Hook


def parse_id(value: str) -> tuple[int, int] | None:
    """(user id, session version) from the session's "7.3" (a bare "7" is version 0)."""
    user_id, _, version = str(value).partition(".")
    try:
        return int(user_id), int(version or 0)
    except ValueError:
        return None


def end_sessions(user) -> None:
    """Every session of `user` stops working at its next request."""
    user.session_version = (user.session_version or 0) + 1


# What else stops working when a user's access ends: the API tokens the user made, which are the
# providers area's (above auth). (session, user) -> None, provided in create_app().
end_other_access: Hook[Callable[[Session, Any], None]] = Hook("auth.end_other_access")


def end_user_access(db_session: Session, user) -> None:
    """On deactivation: the user's sessions and the API tokens they made stop working."""
    end_sessions(user)
    end_other_access(db_session, user)


def init_app(app: Flask) -> None:
    @user_logged_in.connect_via(app)
    def _started(_app, user, **_extra):
        session["_started"] = session["_seen"] = int(time.time())

    @app.before_request
    def _expire():
        if "_user_id" not in session:  # (not current_user: that would load the user this early)
            return
        now = int(time.time())
        started, seen = session.get("_started", now), session.get("_seen", now)
        idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
        longest = current_app.config["SESSION_MAX_HOURS"] * 3600
        if now - seen > idle or now - started > longest:
            logout_user()
            session.clear()
            return
        session.setdefault("_started", started)
        if now - seen >= 30:  # don't rewrite the cookie on every request
            session["_seen"] = now
