"""The second step of a staff sign-in: enrol an authenticator app or type its code.

After the password the user is only *pending* (not signed in); Flask-Login's session starts
when the code is right. A request check makes sure no signed-in staff session exists without it.
"""
from __future__ import annotations

import time

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import passkeys, second_factor
from app.auth.access import public
from app.auth.forms import SecondFactorForm
from app.auth.models import User
from app.common.errors import ValidationError
from app.extensions import db, limiter

bp = Blueprint("tvasteg", __name__, url_prefix="/login/tva-steg")

PENDING = "second_factor_pending"
DONE = "second_factor_user"  # the id of the user whose second factor was checked in this session
PENDING_SECONDS = 600
MAX_ATTEMPTS = 5
# Pages a signed-in staff user without a checked second factor may still reach.
_OPEN_ENDPOINTS = {"static", "auth.set_language", "auth.health"}


def _fresh_session() -> None:
    """Nothing from before a sign-in step carries over (session fixation), but the language does."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def begin(user: User, next_url: str):
    """After a right password: remember the user as pending and ask for the second factor."""
    _fresh_session()
    session[PENDING] = {"user_id": user.id, "at": int(time.time()), "next": next_url, "attempts": 0}
    return redirect(url_for("tvasteg.verify"))


def complete_sign_in(user: User, *, method: str) -> None:
    """Start the signed-in session for a user whose second factor is done (or vouched for by SSO)."""
    _fresh_session()
    login_user(user)
    session[DONE] = user.id
    session["second_factor_method"] = method
    session.permanent = True


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, {}
    user = db.session.get(User, pending.get("user_id"))
    if user is None or not user.active:
        return None, {}
    return user, pending


def _back_to_login(message: str | None = None):
    session.pop(PENDING, None)
    if message:
        flash(message, "error")
    return redirect(url_for("auth.login"))


def _failed(response) -> bool:
    return request.method == "POST" and response.status_code == 401


def _limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _wrong_code(pending: dict):
    pending["attempts"] = pending.get("attempts", 0) + 1
    session[PENDING] = pending
    if pending["attempts"] >= MAX_ATTEMPTS:
        return _back_to_login(_("För många fel koder. Logga in med lösenordet igen."))
    return None


@bp.route("/", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"], deduct_when=_failed)
def verify():
    user, pending = _pending_user()
    if user is None:
        return _back_to_login(_("Inloggningen tog för lång tid. Logga in igen.") if session.get(PENDING) else None)
    if not second_factor.is_enrolled(db.session, user):
        return _enrol(user, pending)
    form = SecondFactorForm()
    if form.validate_on_submit() and (response := _check_code(user, pending, form)) is not None:
        return response
    status = 401 if request.method == "POST" else 200
    return render_template("auth/second_factor_verify.html", form=form,
                           passkeys=bool(passkeys.credentials_of(db.session, user))), status


def _check_code(user, pending, form):
    """Sign in on a right code (warning when a recovery code was spent, so the user knows how
    many are left); on a wrong one, the lock-out response once too many were wrong, else None
    with the error on the field so the form is shown again."""
    try:
        method = second_factor.verify(db.session, user, form.code.data)
    except ValidationError:
        db.session.rollback()
        if (response := _wrong_code(pending)) is not None:
            return response
        form.code.errors.append(_("Koden stämmer inte. Försök igen."))
        return None
    left = second_factor.recovery_codes_left(db.session, user)
    db.session.commit()
    complete_sign_in(user, method=method)
    if method == "recovery":
        flash(_("Du loggade in med en reservkod. Du har %(n)s kvar.", n=left), "warning")
    return redirect(pending.get("next") or url_for("start.home"))


def relying_party() -> tuple[str, str]:
    """(RP id, origin) for WebAuthn: WEBAUTHN_RP_ID, else this request's host name."""
    origin = request.host_url.rstrip("/")
    return current_app.config.get("WEBAUTHN_RP_ID") or request.host.split(":")[0], origin


@bp.route("/nyckel/alternativ", methods=["POST"])
@public
def passkey_options():
    user, _pending = _pending_user()
    if user is None:
        return {"error": _("Inloggningen tog för lång tid. Logga in igen.")}, 401
    rp_id, _origin = relying_party()
    options, challenge = passkeys.authentication_options(db.session, user, rp_id=rp_id)
    session["webauthn_challenge"] = challenge
    return Response(options, mimetype="application/json")


@bp.route("/nyckel", methods=["POST"])
@public
@limiter.limit(_limit, methods=["POST"], deduct_when=lambda r: r.status_code != 200)
def passkey_verify():
    user, pending = _pending_user()
    challenge = session.pop("webauthn_challenge", None)
    if user is None or challenge is None:
        return {"error": _("Inloggningen tog för lång tid. Logga in igen.")}, 401
    rp_id, origin = relying_party()
    try:
        passkeys.authenticate(db.session, user, request.get_json(silent=True) or {}, challenge=challenge,
                              rp_id=rp_id, origin=origin)
    except ValidationError:
        db.session.rollback()
        _wrong_code(pending)
        return {"error": _("Säkerhetsnyckeln godtogs inte. Försök igen eller skriv en kod.")}, 401
    db.session.commit()
    complete_sign_in(user, method="webauthn")
    return {"redirect": pending.get("next") or url_for("start.home")}


def _enrol(user: User, pending: dict):
    factor = second_factor.start_enrolment(db.session, user)
    secret = second_factor.secret_of(factor)
    db.session.commit()
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.confirm_enrolment(db.session, user, form.code.data)
        except ValidationError:
            db.session.rollback()
            if (response := _wrong_code(pending)) is not None:
                return response
            form.code.errors.append(_("Koden stämmer inte. Kontrollera att du skannat rätt QR-kod och försök igen."))
        else:
            db.session.commit()
            complete_sign_in(user, method="totp")
            # Shown once, in this answer only: never stored in the session or sent again.
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=pending.get("next") or url_for("start.home"))
    status = 401 if request.method == "POST" else 200
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("auth/second_factor_enrol.html", form=form, secret=grouped,
                           email=user.email), status


@bp.route("/qr.svg")
@public
def qr():
    """The QR code of the pending user's new secret (an image, so no inline markup or data: URL)."""
    user, _pending = _pending_user()
    factor = second_factor.factor_of(db.session, user) if user is not None else None
    if factor is None or factor.confirmed_at is not None:
        return Response(status=404)
    uri = second_factor.provisioning_uri(factor, user, current_app.config["SECOND_FACTOR_ISSUER"])
    response = Response(second_factor.qr_svg(uri), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_app_request
def _require_second_factor():
    """No staff page opens in a session whose second factor was not checked for this user."""
    if request.endpoint in _OPEN_ENDPOINTS or (request.endpoint or "").startswith("tvasteg."):
        return None
    if "_user_id" not in session:  # nobody signed in: leave current_user unloaded
        return None
    if not current_user.is_authenticated or not second_factor.required_for(current_user):
        return None
    if session.get(DONE) == current_user.id:
        return None
    logout_user()
    _fresh_session()
    return redirect(url_for("auth.login"))
