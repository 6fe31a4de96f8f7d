"""Users and their roles; a provider user belongs to one provider (a client user is named by Client.user_id)."""
from datetime import datetime

from flask_login import UserMixin
from sqlmodel import Field

from app.common.base import Timestamped

# "management" (ledning) follows results and budget and never sees a person's data.
ROLES = ("admin", "case_worker", "finance", "management", "provider", "client")


class User(UserMixin, Timestamped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=200, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(default="", max_length=200)
    role: str = Field(max_length=20, index=True)
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    active: bool = Field(default=True)
    last_login_at: datetime | None = None
    # A staff user's chosen interface language (sv/en), for what is written to them outside a page: e-mail.
    ui_language: str = Field(default="", max_length=10, sa_column_kwargs={"server_default": ""})
    # Part of the id in the session cookie: raising it (logout, deactivation) ends every session.
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})

    def get_id(self) -> str:  # Flask-Login keeps this in the session
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active


class TotpFactor(Timestamped, table=True):
    """A staff user's authenticator app: its TOTP secret (encrypted), confirmed by a first code."""

    __tablename__ = "totp_factor"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", unique=True)
    secret_encrypted: str = Field(max_length=300)
    confirmed_at: datetime | None = None
    # The last 30-second step a code was accepted for: a code is never accepted twice.
    last_step: int = Field(default=0)


class RecoveryCode(Timestamped, table=True):
    """A one-time code for when the phone is lost; only a keyed hash is kept."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    used_at: datetime | None = None


class WebAuthnCredential(Timestamped, table=True):
    """A passkey or security key (WebAuthn): the public key only; the private key never leaves it."""

    __tablename__ = "webauthn_credential"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    credential_id: str = Field(max_length=700, unique=True)  # base64url
    public_key: str = Field(max_length=2000)  # base64url COSE key
    sign_count: int = Field(default=0)
    name: str = Field(default="", max_length=100)
    last_used_at: datetime | None = None
