"""Settings read from the environment, in one object (twelve-factor style)."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-secret-change-me")
    # Separate key for personnummer encryption and look-up hashes; falls back to SECRET_KEY.
    PERSONAL_ID_KEY = os.environ.get("PERSONAL_ID_KEY") or None
    DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'kundval.db'}"
    SQL_ECHO = _bool("SQL_ECHO")

    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ("sv", "en")

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "kundval@kommun.example")

    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or str(INSTANCE_DIR / "uploads")

    # The buyer on settlement documents.
    MUNICIPALITY_NAME = os.environ.get("MUNICIPALITY_NAME", "Exempelby kommun")
    MUNICIPALITY_ORG_NR = os.environ.get("MUNICIPALITY_ORG_NR", "212000-0142")
    MUNICIPALITY_VAT_NUMBER = os.environ.get("MUNICIPALITY_VAT_NUMBER", "SE212000014201")
    MUNICIPALITY_ADDRESS = os.environ.get("MUNICIPALITY_ADDRESS", "Stadshuset, Storgatan 1")
    MUNICIPALITY_POSTAL_CODE = os.environ.get("MUNICIPALITY_POSTAL_CODE", "123 45")
    MUNICIPALITY_CITY = os.environ.get("MUNICIPALITY_CITY", "Exempelby")
