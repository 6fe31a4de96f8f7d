"""Sign in and out, the language switch and each role's start page."""
from __future__ import annotations

from flask import (
    Blueprint,
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

from app.auth import second_factor, second_factor_views, service, sso
from app.auth.access import login_required_any, public, safe_next
from app.auth.forms import LoginForm
from app.auth.sessions import end_sessions
from app.common.client_language import remember_client_language
from app.common.languages import STAFF_LANGUAGES
from app.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _failed_login(response) -> bool:
    """Only failed attempts count towards the limit (a success redirects)."""
    return request.method == "POST" and response.status_code != 302


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("start.home"))
    form = LoginForm()
    sso_page = {"sso": sso.configured(), "passwords": sso.passwords_allowed(),
                "sso_label": current_app.config["STAFF_SSO_BUTTON_LABEL"]}
    if form.validate_on_submit():
        return _sign_in_with_password(form, sso_page)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, **sso_page), status


def _sign_in_with_password(form, sso_page):
    """Check the password; staff whose municipality signs them in with its own account are
    refused a password even when it is right (403), so the policy holds for every staff member."""
    user = service.authenticate(db.session, form.email.data, form.password.data)
    if user is not None and not sso_page["passwords"] and user.role in sso.SSO_ROLES:
        db.session.rollback()
        form.password.errors.append(_("Kommunens personal loggar in med kommunens konto, inte med lösenord."))
        return render_template("auth/login.html", form=form, **sso_page), 403
    if user is None:
        form.password.errors.append(_("Fel e-postadress eller lösenord."))
        return render_template("auth/login.html", form=form, **sso_page), 401
    db.session.commit()
    target = safe_next(request.args.get("next")) or url_for("start.home")
    if second_factor.required_for(user):
        return second_factor_views.begin(user, target)
    login_user(user)
    session.permanent = True
    return redirect(target)


@bp.route("/logout", methods=["POST"])
@login_required_any
def logout():
    end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Du är utloggad."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/sprak/<lang>")
@public
def set_language(lang: str):
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        remember_client_language(db.session, current_user, lang)
        if current_user.is_authenticated and current_user.role != "client" and lang in STAFF_LANGUAGES:
            current_user.ui_language = lang  # e-mails to them are written in it (notifications)
        db.session.commit()
    return redirect(safe_next(request.args.get("next")) or url_for("start.home"))


@bp.route("/health")
@public
def health():
    return {"status": "ok"}


