"""Client sign-in with Swedish e-ID (BankID, Freja) through any OIDC broker, switched on by configuration.

Set OIDC_METADATA_URL, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET; the personnummer is read from the
claim named by OIDC_PERSONAL_ID_CLAIM and matched against registered clients. Authlib checks the
`state` (against the session), the ID token's signature (the broker's JWKS), issuer, audience,
expiry and `nonce`; tests/kundval/test_eid.py proves each against a real OpenID provider.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l

from app.common.errors import ValidationError

log = logging.getLogger("kundval.oidc")


def configured(app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return bool(config.get("OIDC_METADATA_URL") and config.get("OIDC_CLIENT_ID")
                and config.get("OIDC_CLIENT_SECRET"))


def registry(app: Flask) -> OAuth:
    """One Authlib registry per app, shared by the client e-ID and the staff SSO."""
    if "kundval_oauth" not in app.extensions:
        app.extensions["kundval_oauth"] = OAuth(app)
    return app.extensions["kundval_oauth"]


def init_app(app: Flask) -> None:
    """Register the e-ID provider with Authlib when it is configured."""
    if not configured(app):
        return
    oauth = registry(app)
    oauth.register("eid", client_id=app.config["OIDC_CLIENT_ID"], client_secret=app.config["OIDC_CLIENT_SECRET"],
                   server_metadata_url=app.config["OIDC_METADATA_URL"],
                   client_kwargs={"scope": app.config["OIDC_SCOPE"]})
    app.extensions["kundval_oidc"] = oauth


def client():
    oauth = current_app.extensions.get("kundval_oidc")
    return oauth.eid if oauth is not None else None


def personal_id_from(token: dict, userinfo: dict | None = None) -> str:
    """The personnummer in the ID token's claims (or the userinfo answer)."""
    claim = current_app.config["OIDC_PERSONAL_ID_CLAIM"]
    for claims in (token.get("userinfo") or {}, userinfo or {}):
        if claims.get(claim):
            return str(claims[claim])
    raise ValidationError("personal_id", _l("e-legitimationen skickade inget personnummer"))


@dataclass
class Outcome:
    """How a return from the broker ended: a personnummer, or why not (never logged with data)."""

    personal_id: str | None = None
    failure: str | None = None  # "cancelled" | "refused"


def token_or_failure(remote) -> tuple[dict | None, str | None]:
    """The checked token of a callback, or "cancelled"/"refused" (shared with the staff SSO)."""
    error = request.args.get("error")
    if error:
        log.info("OIDC callback with error %s", error[:40])
        return None, "cancelled" if error == "access_denied" else "refused"
    try:
        return remote.authorize_access_token(), None
    except Exception as exc:  # any failed check (state, nonce, expiry, signature) ends the same way
        log.warning("OIDC sign-in refused: %s", type(exc).__name__)
        return None, "refused"


def callback_outcome() -> Outcome:
    token, failure = token_or_failure(client())
    if failure is not None:
        return Outcome(failure=failure)
    try:
        return Outcome(personal_id=personal_id_from(token))
    except ValidationError:
        log.warning("OIDC sign-in refused: no personnummer claim")
        return Outcome(failure="refused")
