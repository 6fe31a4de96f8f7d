"""Users: creation, password hashing (argon2) and sign-in checks."""
from __future__ import annotations

from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select
from zxcvbn import zxcvbn
from zxcvbn.matching import RANKED_DICTIONARIES

from app.auth.models import ROLES, User
from app.auth.sessions import end_user_access
from app.common.audit import record_change
from app.common.base import utcnow
from app.common.errors import ValidationError
from app.common.hooks import Hook
from app.common.identifiers import normalize_org_nr

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200

# A provider user belongs to a provider, and providers is an area above auth: (session,
# organisationsnummer) -> the provider's id or None, provided in create_app().
provider_by_org_nr: Hook[Callable[[Session, str], int | None]] = Hook("auth.provider_by_org_nr")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        # Same work as a real check so timing does not tell which e-mails exist.
        _hasher.hash(password or "x")
        return None
    if not user.active or not verify_password(user, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def normalize_email(email: str, field: str = "email") -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError(field, _l("ogiltig e-postadress")) from None


def check_password(password: str | None, field: str = "password") -> None:
    """At least 12 characters, and neither on zxcvbn's list of the 30 000 most common passwords
    nor as easy to guess as one (repeats, sequences, keyboard rows, dates)."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(field, _l("lösenordet måste ha minst %(num)s tecken", num=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(field, _l("lösenordet får ha högst %(num)s tecken", num=MAX_PASSWORD_LENGTH))
    if password.lower() in RANKED_DICTIONARIES["passwords"] or zxcvbn(password[:100])["score"] < 2:
        raise ValidationError(field, _l("lösenordet är för vanligt eller för lätt att gissa; "
                                     "välj flera ord som inte hör ihop"))


def create_user(session: Session, *, email: str, role: str, password: str, name: str = "",
                provider_org_nr: str | None = None, actor_id: int | None = None) -> User:
    """Create a user; a provider user must name an existing provider."""
    email = normalize_email(email)
    if role not in ROLES:
        raise ValidationError("role", _l("okänd roll (välj en av %(roles)s)", roles=", ".join(ROLES)))
    check_password(password)
    if session.exec(select(User).where(User.email == email)).first():
        raise ValidationError("email", _l("det finns redan en användare med den e-postadressen"))
    provider_id = None
    if role == "provider":
        if not provider_org_nr:
            raise ValidationError("provider", _l("en anordnaranvändare måste höra till en anordnare"))
        org_nr = normalize_org_nr(provider_org_nr, "provider")
        provider_id = provider_by_org_nr(session, org_nr)
        if provider_id is None:
            raise ValidationError("provider", _l("ingen anordnare med det organisationsnumret"))
    elif provider_org_nr:
        raise ValidationError("provider", _l("bara anordnaranvändare hör till en anordnare"))
    user = User(email=email, name=name.strip(), role=role, provider_id=provider_id,
                password_hash=hash_password(password))
    session.add(user)
    session.flush()
    record_change(session, actor_id, "create", "user", user.id,
                  after={"email": email, "role": role, "provider_id": provider_id})
    return user


def set_active(session: Session, user: User, active: bool, actor_id: int | None) -> None:
    before = {"active": user.active}
    user.active = active
    if not active:
        end_user_access(session, user)
    record_change(session, actor_id, "update", "user", user.id, before=before,
                  after={"active": active})
