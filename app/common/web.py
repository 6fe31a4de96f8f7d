"""Web glue shared by every area: the user loader, error pages, template filters."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.common import i18n
from app.common.history import readable as readable_entry
from app.common.labels import label
from app.common.languages import CLIENT_LANGUAGES, DESCRIPTION_LANGUAGES, description_for
from app.common.nav import nav_for
from app.extensions import db, login_manager

log = logging.getLogger("kundval")



def register_web_helpers(app: Flask) -> None:
    from app.auth.models import User

    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def load_user(user_id: str):
        try:
            user = db.session.get(User, int(user_id))
        except (TypeError, ValueError):
            return None
        return user if user is not None and user.active else None

    app.jinja_env.filters["money"] = i18n.fmt_money
    app.jinja_env.filters["number"] = i18n.fmt_number
    app.jinja_env.filters["date"] = i18n.fmt_date
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["readable_entry"] = readable_entry
    app.jinja_env.globals["description_for"] = description_for

    @app.context_processor
    def _layout_context():
        nav = []
        if current_user.is_authenticated:
            nav = nav_for(current_user.role, app.view_functions)
        return {"nav_items": nav, "other_language": i18n.language_switch_target(),
                "page_language": i18n.current_page_language(), "client_page": i18n.client_page(),
                "client_languages": CLIENT_LANGUAGES.values(), "description_languages": DESCRIPTION_LANGUAGES}

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        return _error_response(400, _("Formuläret har gått ut. Ladda om sidan och försök igen."))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        messages = {
            400: _("Förfrågan kunde inte läsas."),
            403: _("Du har inte behörighet till den här sidan."),
            404: _("Sidan finns inte."),
            405: _("Det går inte att göra så här på den här sidan."),
            429: _("För många försök. Vänta en stund och försök igen."),
        }
        return _error_response(exc.code or 500, messages.get(exc.code, exc.description))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        try:
            db.session.rollback()
        except Exception:  # the session may already be gone; the page must still render
            log.debug("rollback after error failed", exc_info=True)
        return _error_response(500, _("Något gick fel hos oss. Försök igen om en stund."))


def _error_response(status: int, message: str):
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": status, "message": message}}), status
    return render_template("error.html", status=status, message=message), status
