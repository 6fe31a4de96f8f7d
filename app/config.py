"""Settings read from the environment, in one object (twelve-factor style)."""
import json
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
    # Signs the session cookie. Unset: a random key is made once in instance/secret_key.key.
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    # Encrypts the personnummer and keys their look-up hashes; never SECRET_KEY. Unset: made once
    # in instance/personal_id_key.key. Back it up with the database (docs/security.md).
    PERSONAL_ID_KEY = os.environ.get("PERSONAL_ID_KEY") or None
    # Set to refuse to start unless both keys come from the environment (no files in instance/).
    KEYS_FROM_ENVIRONMENT = _bool("KEYS_FROM_ENVIRONMENT")
    # Where the keys made on first start are kept (default instance/).
    KEY_DIR = os.environ.get("KEY_DIR") or None
    DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'kundval.db'}"
    SQL_ECHO = _bool("SQL_ECHO")

    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    # Page languages: clients choose among all (app.common.languages), staff pages stay sv/en.
    LANGUAGES = ("sv", "sv_LL", "en", "ar", "fa_AF", "so", "ti", "uk")

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    # A session ends after this long without a request, and this long after signing in at most.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
    PERMANENT_SESSION_LIFETIME = SESSION_MAX_HOURS * 3600

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Number of reverse proxies in front of the app (X-Forwarded-For is trusted that far).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")

    # The name an authenticator app shows beside the staff user's code.
    SECOND_FACTOR_ISSUER = os.environ.get("SECOND_FACTOR_ISSUER", "Kundval")
    # Security keys (WebAuthn) are bound to this host name; unset, the request's host is used.
    WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID") or None

    # Staff single sign-on (OpenID Connect), on when the issuer, client id and secret are set.
    STAFF_SSO_ISSUER = os.environ.get("STAFF_SSO_ISSUER") or None
    STAFF_SSO_CLIENT_ID = os.environ.get("STAFF_SSO_CLIENT_ID") or None
    STAFF_SSO_CLIENT_SECRET = os.environ.get("STAFF_SSO_CLIENT_SECRET") or None
    STAFF_SSO_SCOPE = os.environ.get("STAFF_SSO_SCOPE", "openid profile email")
    STAFF_SSO_EMAIL_CLAIM = os.environ.get("STAFF_SSO_EMAIL_CLAIM", "email")
    STAFF_SSO_GROUPS_CLAIM = os.environ.get("STAFF_SSO_GROUPS_CLAIM", "groups")
    # Group -> role, e.g. {"kundval-handlaggare": "case_worker"}; the first group that matches wins.
    STAFF_SSO_ROLE_MAP = json.loads(os.environ.get("STAFF_SSO_ROLE_MAP") or "{}")
    STAFF_SSO_BUTTON_LABEL = os.environ.get("STAFF_SSO_BUTTON_LABEL", "Logga in med kommunens konto")
    # The identity provider's sign-in stands for the second factor unless this asks for Kundval's too.
    STAFF_SSO_LOCAL_SECOND_FACTOR = _bool("STAFF_SSO_LOCAL_SECOND_FACTOR")
    # With SSO on, staff passwords can be switched off (false): the login page offers SSO only.
    STAFF_LOCAL_PASSWORDS = _bool("STAFF_LOCAL_PASSWORDS", True)

    # Retention (gallring), in whole years; docs/privacy.md gives the grounds for each default.
    # A client's personal data after their last decision or placement ended (socialtjänstlagen).
    RETENTION_CLIENT_YEARS = int(os.environ.get("RETENTION_CLIENT_YEARS", "5"))
    # Settlements and their lines after the end of their year (bokföringslagen 7 kap. 2 §).
    RETENTION_SETTLEMENT_YEARS = int(os.environ.get("RETENTION_SETTLEMENT_YEARS", "7"))
    # The access log (who saw a client's data) and the audit log (who changed what).
    RETENTION_ACCESS_LOG_YEARS = int(os.environ.get("RETENTION_ACCESS_LOG_YEARS", "5"))
    RETENTION_AUDIT_LOG_YEARS = int(os.environ.get("RETENTION_AUDIT_LOG_YEARS", "7"))

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "kundval@kommun.example")

    # The job queue (simulations, reports, run-all, imports): a SQLite file in instance/ unless
    # this names Redis (redis://host:6379/0), which workers on several machines can share.
    TASKS_URL = os.environ.get("KUNDVAL_TASKS_URL") or None
    TASKS_QUEUE = os.environ.get("KUNDVAL_TASKS_QUEUE", "kundval")
    # A running job whose worker has not been heard from for this long is shown as stalled.
    TASKS_STALE_SECONDS = int(os.environ.get("KUNDVAL_TASKS_STALE_SECONDS", "30"))

    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or str(INSTANCE_DIR / "uploads")
    # Request size limits (413 above them): a page or an upload, an API body, and the provider
    # application, which carries four documents of at most 5 MB each.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(10 * 1024 * 1024)))
    API_MAX_CONTENT_LENGTH = int(os.environ.get("API_MAX_CONTENT_LENGTH", str(1024 * 1024)))
    LARGER_UPLOADS = {"providers.apply": 21 * 1024 * 1024}

    # The buyer on settlement documents.
    MUNICIPALITY_NAME = os.environ.get("MUNICIPALITY_NAME", "Exempelby kommun")
    MUNICIPALITY_ORG_NR = os.environ.get("MUNICIPALITY_ORG_NR", "212000-0142")
    MUNICIPALITY_VAT_NUMBER = os.environ.get("MUNICIPALITY_VAT_NUMBER", "SE212000014201")
    MUNICIPALITY_ADDRESS = os.environ.get("MUNICIPALITY_ADDRESS", "Stadshuset, Storgatan 1")
    MUNICIPALITY_POSTAL_CODE = os.environ.get("MUNICIPALITY_POSTAL_CODE", "123 45")
    MUNICIPALITY_CITY = os.environ.get("MUNICIPALITY_CITY", "Exempelby")

    # Settlement documents. VAT rate 0 is shown as exempt (category E) with this reason;
    # labour-market services bought by the municipality count as social care (omsorg).
    VAT_EXEMPTION_REASON = os.environ.get(
        "VAT_EXEMPTION_REASON",
        "Undantagen från skatteplikt enligt mervärdesskattelagen (2023:200), social omsorg; "
        "artikel 132.1 g i mervärdesskattedirektivet (2006/112/EG)")
    VAT_EXEMPTION_REASON_CODE = os.environ.get("VAT_EXEMPTION_REASON_CODE", "VATEX-EU-132-1G")
    SETTLEMENT_PAYMENT_DAYS = int(os.environ.get("SETTLEMENT_PAYMENT_DAYS", "30"))
    # SIE 4I accounting: a cost account per service type, input VAT and supplier debt.
    SIE_COST_ACCOUNTS = {"arbetsprovning": "4611", "arbetstraning": "4612", "praktik": "4613",
                         "utredning": "4614"}
    SIE_DEFAULT_COST_ACCOUNT = os.environ.get("SIE_DEFAULT_COST_ACCOUNT", "4610")
    SIE_VAT_ACCOUNT = os.environ.get("SIE_VAT_ACCOUNT", "2641")
    SIE_SUPPLIER_DEBT_ACCOUNT = os.environ.get("SIE_SUPPLIER_DEBT_ACCOUNT", "2440")
    SIE_VOUCHER_SERIES = os.environ.get("SIE_VOUCHER_SERIES", "A")
    # The own unit (egen regi) is settled internally: its cost and its income, no supplier debt.
    SIE_INTERNAL_COST_ACCOUNT = os.environ.get("SIE_INTERNAL_COST_ACCOUNT", "4619")
    SIE_INTERNAL_INCOME_ACCOUNT = os.environ.get("SIE_INTERNAL_INCOME_ACCOUNT", "3619")

    # Kundval: the client's choice.
    # Working days (Swedish public holidays excluded) from the decision to the last day to choose;
    # Arbetsförmedlingen gives 5.
    CHOICE_DEADLINE_WORKING_DAYS = int(os.environ.get("CHOICE_DEADLINE_WORKING_DAYS", "5"))
    # A provider's results are shown from this many ended placements (as Arbetsförmedlingen does).
    RESULTS_MIN_ENDED_PLACEMENTS = int(os.environ.get("RESULTS_MIN_ENDED_PLACEMENTS", "18"))
    # The questions, points and thresholds behind a referral's level (docs/levels.md): a JSON file;
    # without it the documented default in app/kundval/levels.py applies.
    LEVEL_ASSESSMENT_FILE = os.environ.get("LEVEL_ASSESSMENT_FILE") or None
    CLIENT_CODE_TTL_HOURS = int(os.environ.get("CLIENT_CODE_TTL_HOURS", "72"))
    # Client sign-in with Swedish e-ID through an OIDC broker; switched on when all three are set.
    OIDC_METADATA_URL = os.environ.get("OIDC_METADATA_URL") or None  # .../.well-known/openid-configuration
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID") or None
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET") or None
    OIDC_SCOPE = os.environ.get("OIDC_SCOPE", "openid profile")
    # The claim that carries the personnummer (brokers differ: personal_number, sub, ...).
    OIDC_PERSONAL_ID_CLAIM = os.environ.get("OIDC_PERSONAL_ID_CLAIM", "personal_number")
    # The e-ID button's words; empty: "Logga in med BankID eller Freja" in the client's language.
    OIDC_BUTTON_LABEL = os.environ.get("OIDC_BUTTON_LABEL", "")
