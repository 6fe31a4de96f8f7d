"""The second factor for staff: TOTP (RFC 6238) from an authenticator app and one-time recovery codes."""
from __future__ import annotations

import hmac
import io
import secrets
import time

import pyotp
import qrcode
import qrcode.image.svg
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlmodel import Session, select

from app.auth.models import RecoveryCode, TotpFactor, User, WebAuthnCredential
from app.common import personal_data
from app.common.audit import record_change
from app.common.base import utcnow
from app.common.errors import ValidationError

RECOVERY_CODE_COUNT = 10
STEP_SECONDS = 30
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed by hand


def required_for(user: User) -> bool:
    """Every role but the client's (who signs in with e-ID or a one-time code) needs it."""
    return user.role != "client"


def factor_of(session: Session, user: User) -> TotpFactor | None:
    return session.exec(select(TotpFactor).where(TotpFactor.user_id == user.id)).first()


def is_enrolled(session: Session, user: User) -> bool:
    factor = factor_of(session, user)
    return factor is not None and factor.confirmed_at is not None


def secret_of(factor: TotpFactor) -> str:
    return personal_data.cipher().decrypt(factor.secret_encrypted)


def start_enrolment(session: Session, user: User) -> TotpFactor:
    """The unconfirmed factor to show as a QR code; made once, so a reload shows the same secret."""
    factor = factor_of(session, user)
    if factor is not None and factor.confirmed_at is not None:
        raise ValidationError("code", _l("tvåstegsverifieringen är redan aktiverad"))
    if factor is None:
        factor = TotpFactor(user_id=user.id,
                            secret_encrypted=personal_data.cipher().encrypt(pyotp.random_base32()))
        session.add(factor)
        session.flush()
    return factor


def provisioning_uri(factor: TotpFactor, user: User, issuer: str) -> str:
    return pyotp.TOTP(secret_of(factor)).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> bytes:
    """The otpauth:// URI as an SVG QR code (paths only, no script or style attributes)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def _check_totp(factor: TotpFactor, code: str, now: float | None) -> bool:
    """Accept the code of the current step or one either side (clock drift), each step only once."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret_of(factor))
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if step > factor.last_step and hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            factor.last_step = step
            return True
    return False


def _hash_code(code: str) -> str:
    # Keyed, so a copied database gives no way to test guesses without the key.
    normalized = "".join(code.lower().split()).replace("-", "")
    return personal_data.cipher().lookup_hash("recovery-code:" + normalized)


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Ten fresh codes (shown once); earlier ones stop working."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(c)) for c in codes)
    session.flush()
    return codes


def confirm_enrolment(session: Session, user: User, code: str, now: float | None = None) -> list[str]:
    """Confirm the factor with a first code from the app; returns the recovery codes to show."""
    factor = factor_of(session, user)
    if factor is None or factor.confirmed_at is not None:
        raise ValidationError("code", _l("ingen tvåstegsverifiering väntar på att bekräftas"))
    if not _check_totp(factor, code, now):
        raise ValidationError("code", _l("koden stämmer inte"))
    factor.confirmed_at = utcnow()
    codes = new_recovery_codes(session, user)
    record_change(session, user.id, "enrol_second_factor", "user", user.id, after={"method": "totp"})
    return codes


def verify(session: Session, user: User, code: str, now: float | None = None) -> str:
    """Check a code from the app or a recovery code; returns which it was ("totp" or "recovery")."""
    factor = factor_of(session, user)
    if factor is None or factor.confirmed_at is None:
        raise ValidationError("code", _l("tvåstegsverifieringen är inte aktiverad"))
    if _check_totp(factor, code, now):
        return "totp"
    recovery = session.exec(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_code(code),
        RecoveryCode.used_at.is_(None))).first()
    if recovery is None:
        raise ValidationError("code", _l("koden stämmer inte"))
    recovery.used_at = utcnow()
    record_change(session, user.id, "use_recovery_code", "user", user.id,
                  after={"recovery_codes_left": recovery_codes_left(session, user)})
    return "recovery"


def recovery_codes_left(session: Session, user: User) -> int:
    return len(session.exec(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def reset(session: Session, user: User, actor_id: int | None, reason: str = "") -> None:
    """Remove the user's factors (app, recovery codes, security keys); they enrol again (audited)."""
    had = is_enrolled(session, user)
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.execute(delete(TotpFactor).where(TotpFactor.user_id == user.id))
    session.execute(delete(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id))
    record_change(session, actor_id, "reset_second_factor", "user", user.id,
                  before={"totp": had}, after={"totp": False}, reason=reason)


def enrol_known_secret(session: Session, user: User, secret: str) -> TotpFactor:
    """A confirmed factor with a given secret: for test fixtures and scripted set-ups."""
    factor = TotpFactor(user_id=user.id, secret_encrypted=personal_data.cipher().encrypt(secret),
                        confirmed_at=utcnow())
    session.add(factor)
    session.flush()
    return factor
