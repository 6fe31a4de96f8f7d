"""Client sign-in with Swedish e-ID (BankID, Freja) through any OIDC broker, switched on by configuration.

Set OIDC_METADATA_URL, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET; the personnummer is read from the
claim named by OIDC_PERSONAL_ID_CLAIM and matched against registered clients.
"""
from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from app.common.errors import ValidationError


def configured(app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return bool(config.get("OIDC_METADATA_URL") and config.get("OIDC_CLIENT_ID")
                and config.get("OIDC_CLIENT_SECRET"))


def init_app(app: Flask) -> None:
    """Register the e-ID provider with Authlib when it is configured (one OAuth registry per app)."""
    if not configured(app):
        return
    oauth = OAuth(app)
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
    raise ValidationError("personal_id", "e-legitimationen skickade inget personnummer")
