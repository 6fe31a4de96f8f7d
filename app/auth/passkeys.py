"""Passkeys and security keys (WebAuthn, through py_webauthn) as a second factor beside TOTP.

The browser part is app/static/passkeys.js; the challenge of each ceremony is kept in the
session and used once. Only the public key and the signature counter are stored.
"""
from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.auth.models import User, WebAuthnCredential
from app.common.audit import record_change
from app.common.base import utcnow
from app.common.errors import ValidationError


def credentials_of(session: Session, user: User) -> list[WebAuthnCredential]:
    return list(session.exec(select(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id)
                             .order_by(WebAuthnCredential.created_at)).all())


def registration_options(session: Session, user: User, *, rp_id: str, rp_name: str) -> tuple[str, str]:
    """(options as JSON for the browser, the challenge to keep in the session)."""
    options = generate_registration_options(
        rp_id=rp_id, rp_name=rp_name, user_name=user.email, user_id=str(user.id).encode(),
        user_display_name=user.name or user.email,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id))
                             for c in credentials_of(session, user)])
    return options_to_json(options), bytes_to_base64url(options.challenge)


def register(session: Session, user: User, credential: dict, *, challenge: str, rp_id: str, origin: str,
             name: str = "") -> WebAuthnCredential:
    """Check the browser's answer and store the new key (audited)."""
    try:
        verified = verify_registration_response(credential=credential, expected_challenge=base64url_to_bytes(challenge),
                                                expected_rp_id=rp_id, expected_origin=origin)
    except Exception as exc:  # py_webauthn raises several error types for a bad answer
        raise ValidationError("credential", _l("säkerhetsnyckeln kunde inte registreras")) from exc
    stored = WebAuthnCredential(user_id=user.id, credential_id=bytes_to_base64url(verified.credential_id),
                                public_key=bytes_to_base64url(verified.credential_public_key),
                                sign_count=verified.sign_count, name=(name or "").strip()[:100])
    session.add(stored)
    session.flush()
    record_change(session, user.id, "add_security_key", "user", user.id, after={"name": stored.name})
    return stored


def authentication_options(session: Session, user: User, *, rp_id: str) -> tuple[str, str]:
    options = generate_authentication_options(
        rp_id=rp_id, user_verification=UserVerificationRequirement.PREFERRED,
        allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id))
                           for c in credentials_of(session, user)])
    return options_to_json(options), bytes_to_base64url(options.challenge)


def authenticate(session: Session, user: User, credential: dict, *, challenge: str, rp_id: str,
                 origin: str) -> WebAuthnCredential:
    """Check a signed challenge from one of the user's keys; a key that is not theirs is refused."""
    try:
        parsed = parse_authentication_credential_json(json.dumps(credential))
    except Exception as exc:
        raise ValidationError("credential", _l("svaret från säkerhetsnyckeln kunde inte läsas")) from exc
    stored = session.exec(select(WebAuthnCredential).where(
        WebAuthnCredential.user_id == user.id,
        WebAuthnCredential.credential_id == bytes_to_base64url(parsed.raw_id))).first()
    if stored is None:
        raise ValidationError("credential", _l("okänd säkerhetsnyckel"))
    try:
        verified = verify_authentication_response(
            credential=parsed, expected_challenge=base64url_to_bytes(challenge), expected_rp_id=rp_id,
            expected_origin=origin, credential_public_key=base64url_to_bytes(stored.public_key),
            credential_current_sign_count=stored.sign_count)
    except Exception as exc:
        raise ValidationError("credential", _l("säkerhetsnyckeln godtogs inte")) from exc
    stored.sign_count = verified.new_sign_count
    stored.last_used_at = utcnow()
    return stored
