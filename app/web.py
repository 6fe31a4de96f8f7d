"""Web glue shared by every area: the user loader, error pages, template filters."""
from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import (
    Flask,
    Request,
    Response,
    abort,
    g,
    jsonify,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.auth import sessions
from app.common import i18n
from app.common.errors import api_error_body
from app.common.history import readable as readable_entry
from app.common.labels import label
from app.common.languages import CLIENT_LANGUAGES, DESCRIPTION_LANGUAGES, description_for
from app.common.nav import nav_for
from app.extensions import db, login_manager

log = logging.getLogger("kundval")



def register_web_helpers(app: Flask) -> None:
    """Everything every page relies on, in the order a request meets it: who is signed in, what
    templates may call, the guards before and after a view, and the error pages."""
    _register_sign_in(app)
    _register_templates(app)
    _register_guards(app)
    _register_error_pages(app)


def _register_sign_in(app: Flask) -> None:
    """Flask-Login reads the user from a session id that carries the user's session version, so
    signing out everywhere (a new version) ends every older session at its next request."""
    from app.auth.models import User

    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader  # type: ignore[untyped-decorator]  # Flask-Login ships no type hints
    def load_user(session_id: str) -> User | None:
        parsed = sessions.parse_id(session_id)
        if parsed is None:
            return None
        user = db.session.get(User, parsed[0])
        if user is None or not user.active or (user.session_version or 0) != parsed[1]:
            return None
        return user

    sessions.init_app(app)


def _register_templates(app: Flask) -> None:
    """The filters and globals templates share (one vocabulary for money, dates and labels) and
    the layout's navigation and language switch."""
    app.jinja_env.filters["money"] = i18n.fmt_money
    app.jinja_env.filters["number"] = i18n.fmt_number
    app.jinja_env.filters["date"] = i18n.fmt_date
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["readable_entry"] = readable_entry
    app.jinja_env.globals["description_for"] = description_for

    @app.context_processor
    def _layout_context() -> dict[str, Any]:
        nav: list[tuple[str, object]] = []
        if current_user.is_authenticated:
            nav = nav_for(current_user.role, app.view_functions)
        return {"nav_items": nav, "other_language": i18n.language_switch_target(),
                "page_language": i18n.current_page_language(), "client_page": i18n.client_page(),
                "client_languages": CLIENT_LANGUAGES.values(), "description_languages": DESCRIPTION_LANGUAGES}

    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["page_url"] = page_url


def _register_guards(app: Flask) -> None:
    """Refuse input no form sends before the view runs, and add the security and caching
    headers to every answer after it."""

    @app.before_request
    def _refuse_nul_bytes() -> None:
        # A NUL byte is never part of real input, and PostgreSQL can't store one in text.
        # (The API refuses it in its own JSON error format, see reporting/api.py.)
        if not request.path.startswith("/api/") and _has_nul(request):
            abort(400)

    @app.after_request
    def _security_headers(response: Response) -> Response:
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


def _register_error_pages(app: Flask) -> None:
    """Every error is a page in the user's language, never a traceback; an unexpected one is
    logged and its transaction rolled back."""

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> ResponseReturnValue:
        return _error_response(400, _("Formuläret har gått ut. Ladda om sidan och försök igen."))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        messages = {
            400: _("Förfrågan kunde inte läsas."),
            403: _("Du har inte behörighet till den här sidan."),
            404: _("Sidan finns inte."),
            405: _("Det går inte att göra så här på den här sidan."),
            413: _("Det du skickade är för stort. En fil får vara högst 5 MB och allt som skickas "
                   "på en gång högst %(mb)d MB.", mb=_max_mb()),
            429: _("För många försök. Vänta en stund och försök igen."),
        }
        return _error_response(exc.code or 500, messages.get(exc.code or 0, exc.description or ""))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
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
    return str(g.csp_nonce)


def page_url(endpoint: str, args: dict[str, Any], param: str, number: int) -> str:
    """The link to page `number` of a list (the pager macro): the page first, then the list's own
    arguments, as the links have always read."""
    return url_for(endpoint, **{param: number, **args})


def _max_mb() -> int:
    return (request.max_content_length or 0) // (1024 * 1024)


def _has_nul(req: Request) -> bool:
    if any("\x00" in value for value in req.args.values()):
        return True
    if any(isinstance(value, str) and "\x00" in value for value in (req.view_args or {}).values()):
        return True
    if req.method in ("POST", "PUT", "PATCH"):
        return any("\x00" in value for value in req.form.values())
    return False


def _error_response(status: int, message: str) -> tuple[Response | str, int]:
    if request.path.startswith("/api/"):
        return jsonify(api_error_body(status, message)), status
    return render_template("error.html", status=status, message=message), status
