"""Web glue shared by every area: the user loader, error pages, template filters."""
from __future__ import annotations

import logging
import secrets

from flask import Flask, abort, g, jsonify, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.auth import sessions
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
    def load_user(session_id: str):
        parsed = sessions.parse_id(session_id)
        if parsed is None:
            return None
        user = db.session.get(User, parsed[0])
        if user is None or not user.active or (user.session_version or 0) != parsed[1]:
            return None
        return user

    sessions.init_app(app)

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

    @app.before_request
    def _refuse_nul_bytes():
        # A NUL byte is never part of real input, and PostgreSQL can't store one in text.
        # (The API refuses it in its own JSON error format, see reporting/api.py.)
        if not request.path.startswith("/api/") and _has_nul(request):
            abort(400)

    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages of a signed-in user (and API answers) may show personal data: never cache them.
        if request.endpoint != "static" and ("_user_id" in session or request.path.startswith("/api/")):
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
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
            413: _("Det du skickade är för stort. En fil får vara högst 5 MB och allt som skickas "
                   "på en gång högst %(mb)d MB.", mb=_max_mb()),
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


# Scripts only from our own files, or inline with this response's nonce; no framing anywhere.
CSP = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def csp_nonce() -> str:
    """This response's nonce for the few inline scripts (templates: `<script nonce="{{ csp_nonce() }}">`)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _max_mb() -> int:
    return (request.max_content_length or 0) // (1024 * 1024)


def _has_nul(req) -> bool:
    if any("\x00" in value for value in req.args.values()):
        return True
    if any(isinstance(value, str) and "\x00" in value for value in (req.view_args or {}).values()):
        return True
    if req.method in ("POST", "PUT", "PATCH"):
        return any("\x00" in value for value in req.form.values())
    return False


def _error_response(status: int, message: str):
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": status, "message": message}}), status
    return render_template("error.html", status=status, message=message), status
