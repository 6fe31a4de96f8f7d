"""Staff single sign-on through the municipality's OpenID Connect provider (Authlib, as for clients).

On when STAFF_SSO_ISSUER, STAFF_SSO_CLIENT_ID and STAFF_SSO_CLIENT_SECRET are set. The person is
matched by e-mail to an existing staff account (nobody is created here); the role comes from the
group claim through STAFF_SSO_ROLE_MAP. The identity provider's own sign-in stands for the second
factor unless STAFF_SSO_LOCAL_SECOND_FACTOR asks for Kundval's TOTP step after it.
"""
from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Flask,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from app.auth import second_factor_views
from app.auth.access import public, safe_next
from app.auth.models import User
from app.auth.oidc import registry, token_or_failure
from app.common.audit import record_change
from app.common.base import utcnow
from app.common.errors import ValidationError
from app.extensions import db

log = logging.getLogger("kundval.sso")
bp = Blueprint("sso", __name__, url_prefix="/login/sso")
# Roles SSO may give: a provider's users belong to a provider and a client signs in with e-ID.
SSO_ROLES = ("admin", "case_worker", "finance", "management")


def configured(app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return bool(config.get("STAFF_SSO_ISSUER") and config.get("STAFF_SSO_CLIENT_ID")
                and config.get("STAFF_SSO_CLIENT_SECRET"))


def passwords_allowed(app: Flask | None = None) -> bool:
    """Local passwords are on unless SSO is configured and they are switched off."""
    config = (app or current_app).config
    return not configured(app) or config.get("STAFF_LOCAL_PASSWORDS", True)


@bp.record_once
def _register(state) -> None:
    app = state.app
    if not configured(app):
        return
    issuer = app.config["STAFF_SSO_ISSUER"].rstrip("/")
    registry(app).register(
        "staff", client_id=app.config["STAFF_SSO_CLIENT_ID"],
        client_secret=app.config["STAFF_SSO_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["STAFF_SSO_SCOPE"]})


def role_from_groups(groups, role_map: dict[str, str]) -> str | None:
    """The role of the first group in the mapping's order that the person is in."""
    if isinstance(groups, str):
        groups = [groups]
    member = set(groups or [])
    for group, role in role_map.items():
        if group in member and role in SSO_ROLES:
            return role
    return None


def staff_user_for(session: Session, claims: dict, *, email_claim: str, groups_claim: str,
                   role_map: dict[str, str]) -> User:
    """The existing, active staff account for these claims, its role set from the groups."""
    email = str(claims.get(email_claim) or "").strip().lower()
    if not email:
        raise ValidationError("email", _l("identitetsleverantören skickade ingen e-postadress"))
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None or not user.active or user.role in ("client", "provider"):
        raise ValidationError("email", _l("okänd användare"))
    role = role_from_groups(claims.get(groups_claim), role_map)
    if role is None:
        raise ValidationError("groups", _l("ingen grupp som ger en roll i Kundval"))
    if role != user.role:
        record_change(session, None, "update", "user", user.id, before={"role": user.role},
                      after={"role": role}, reason="roll från inloggning med SSO")
        user.role = role
    user.last_login_at = utcnow()
    return user


@bp.route("/")
@public
def start():
    if not configured():
        return _refused("off"), 404
    session["sso_next"] = request.args.get("next", "")
    return _remote().authorize_redirect(url_for("sso.callback", _external=True))


def _remote():
    return current_app.extensions["kundval_oauth"].staff


@bp.route("/klar")
@public
def callback():
    if not configured():
        return _refused("off"), 404
    token, failure = token_or_failure(_remote())
    if failure is not None:
        return _refused(failure), 401
    try:
        user = _staff_user(token)
    except ValidationError as exc:
        db.session.rollback()
        log.info("staff SSO refused: %s", exc.field)
        return _refused("unknown" if exc.field == "email" else "no_role"), 403
    db.session.commit()
    target = safe_next(session.pop("sso_next", "")) or url_for("start.home")
    if current_app.config["STAFF_SSO_LOCAL_SECOND_FACTOR"]:
        return second_factor_views.begin(user, target)
    second_factor_views.complete_sign_in(user, method="sso")
    return redirect(target)


def _staff_user(token):
    """The staff user the identity provider's claims name, with the claim names and the group
    to role map from the configuration (each municipality's directory names them differently)."""
    config = current_app.config
    return staff_user_for(db.session, token.get("userinfo") or {}, email_claim=config["STAFF_SSO_EMAIL_CLAIM"],
                          groups_claim=config["STAFF_SSO_GROUPS_CLAIM"], role_map=config["STAFF_SSO_ROLE_MAP"])


def _refused(reason: str) -> str:
    """A page that says why the sign-in did not work and what to do."""
    message = {
        "off": _("Inloggning med kommunens konto är inte påslagen."),
        "cancelled": _("Du avbröt inloggningen med kommunens konto."),
        "refused": _("Inloggningen med kommunens konto gick inte att slutföra. Försök igen."),
        "unknown": _("Ditt konto finns inte i Kundval. Be en administratör i Kundval att lägga upp dig."),
        "no_role": _("Ditt konto har ingen roll i Kundval. Be din chef om behörighet."),
    }[reason]
    return render_template("auth/sso_refused.html", message=message)
