"""Providers: the application, the admin's decisions, provider users, invitations and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from app.auth.models import User
from app.auth.service import check_password, create_user, normalize_email
from app.auth.sessions import end_user_access
from app.common.audit import record_change
from app.common.base import new_ref, utcnow
from app.common.errors import ValidationError, ValidationErrors
from app.common.hooks import Hook
from app.common.identifiers import (
    normalize_bankgiro,
    normalize_org_nr,
    normalize_plusgiro,
    normalize_vat_number,
)
from app.common.jobs import JobOutcome, run_once
from app.common.labels import SERVICE_TYPES
from app.notifications.service import notify
from app.providers.documents import DOCUMENT_KINDS, Upload, check_document, store_document
from app.providers.models import (
    PROVIDER_KINDS,
    ApiToken,
    Provider,
    ProviderDocument,
    ProviderInvitation,
)

# Procurement (an area above providers) owns the conditions a provider applies to and the contract
# an approval offers; it provides these in create_app() (app/common/hooks.py):
# (session) -> {service type: published Conditions}, (session, provider) -> {service type: version},
# (session, provider, actor id, today) -> the Contract offered, or None without conditions.
published_conditions: Hook[Callable[[Session], dict[str, Any]]] = Hook("providers.published_conditions")
conditions_applied_to: Hook[Callable[[Session, Provider], dict[str, int]]] = Hook("providers.conditions_applied_to")
contract_on_approval: Hook[Callable[[Session, Provider, int | None, date], Any]] = Hook(
    "providers.contract_on_approval")

REQUIRED_DOCUMENTS = DOCUMENT_KINDS
INVITATION_DAYS = 7
DOCUMENT_WARNING_DAYS = 30

# action -> (statuses it may start from, status it leads to, reason required)
DECISIONS = {
    "approve": (("applied",), "approved", False),
    "reject": (("applied",), "rejected", True),
    "suspend": (("approved",), "suspended", True),
    "reinstate": (("suspended",), "approved", False),
    "terminate": (("approved", "suspended"), "terminated", True),
}
# A suspended provider's published offerings are withdrawn, a terminated one's closed; offerings
# is an area above providers: (session, provider id, new status) -> None, provided in create_app().
stop_offerings: Hook[Callable[[Session, int, str], None]] = Hook("providers.stop_offerings")

DECISION_SUBJECTS = {
    "approve": _l("Er ansökan är godkänd"),
    "reject": _l("Er ansökan är avslagen"),
    "suspend": _l("Ert avtal är tillfälligt avstängt"),
    "reinstate": _l("Avstängningen är hävd"),
    "terminate": _l("Ert avtal är avslutat"),
}


@dataclass
class Application:
    """What an organisation fills in when it applies (plain values, not yet checked)."""

    org_nr: str
    name: str
    email: str
    contact_name: str = ""
    phone: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    bankgiro: str = ""
    plusgiro: str = ""
    f_skatt: bool = False
    vat_number: str = ""
    insurance: str = ""
    description: str = ""
    service_types: list[str] = field(default_factory=list)
    documents: list[Upload] = field(default_factory=list)
    kind: str = "company"
    iop: bool = False


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _required(value: str, name: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(name, message)
    return value


class _Collector:
    """Runs each check and keeps its error, so the application reports every mistake at once."""

    def __init__(self) -> None:
        self.errors: list[ValidationError] = []

    def __call__(self, check, *args, default=""):
        try:
            return check(*args)
        except ValidationError as exc:
            self.errors.append(exc)
            return default

    def fail(self, field_name: str, message: str) -> None:
        self.errors.append(ValidationError(field_name, message))


def check_application(session: Session, form: Application, today: date) -> tuple[dict, list[ValidationError]]:
    """The application's values, cleaned, and every error found (empty when it may be stored)."""
    check = _Collector()
    org_nr = check(normalize_org_nr, form.org_nr)
    if org_nr and session.exec(select(Provider.id).where(Provider.org_nr == org_nr)).first():
        check.fail("org_nr", _l("det finns redan en anordnare med det organisationsnumret"))
    values = {
        "org_nr": org_nr,
        "name": check(_required, form.name, "name", "fyll i organisationens namn"),
        "email": check(normalize_email, form.email),
        "contact_name": check(_required, form.contact_name, "contact_name", "fyll i en kontaktperson"),
        "address": check(_required, form.address, "address", "fyll i adressen"),
        "bankgiro": check(normalize_bankgiro, form.bankgiro) if form.bankgiro.strip() else "",
        "plusgiro": check(normalize_plusgiro, form.plusgiro) if form.plusgiro.strip() else "",
        "vat_number": check(normalize_vat_number, form.vat_number) if form.vat_number.strip() else "",
        "insurance": check(_required, form.insurance, "insurance", "ange försäkringsbolag och försäkring"),
    }
    if not form.bankgiro.strip() and not form.plusgiro.strip():
        check.fail("bankgiro", _l("ange bankgiro eller plusgiro"))
    vat_number = values["vat_number"]
    if vat_number and org_nr and vat_number[2:12] != org_nr.replace("-", ""):
        check.fail("vat_number", _l("momsregistreringsnumret hör inte till organisationsnumret"))
    if not form.f_skatt:
        check.fail("f_skatt", _l("anordnaren måste vara godkänd för F-skatt"))
    values["service_types"] = _service_types(check, form)
    if form.kind not in PROVIDER_KINDS:
        check.fail("kind", _l("välj vilken typ av organisation ni är"))
    _check_documents(check, form, today)
    return values, check.errors


def _service_types(check: _Collector, form: Application) -> list[str]:
    """The service types applied for: at least one, each one the municipality buys."""
    types = [t for t in form.service_types if t]
    if not types:
        check.fail("service_types", _l("välj minst en insatstyp"))
    elif any(t not in SERVICE_TYPES for t in types):
        check.fail("service_types", _l("okänd insatstyp"))
    return types


def _check_documents(check: _Collector, form: Application, today: date) -> None:
    """Every required document attached, and each attached one readable and still valid
    today; each missing or refused document is its own error, on its own field."""
    given = {u.kind: u for u in form.documents if u.data}
    for kind in REQUIRED_DOCUMENTS:
        if kind not in given:
            check.fail(f"documents.{kind}", _l("bifoga dokumentet"))
    for kind, upload in given.items():
        check(check_document, upload, f"documents.{kind}", today)


def apply(session: Session, form: Application, upload_dir: str, today: date | None = None) -> Provider:
    """Record an application (status `applied`) with its documents; the caller commits.

    Raises ValidationErrors with every mistake found, not only the first.
    """
    values, errors = check_application(session, form, today or utcnow().date())
    if errors:
        raise ValidationErrors(errors)
    org_nr, name, email, types = values["org_nr"], values["name"], values["email"], values["service_types"]
    provider = Provider(ref=new_ref("ANO"), org_nr=org_nr, name=name[:200], email=email,
                        contact_name=values["contact_name"][:200], phone=form.phone.strip()[:40],
                        address=values["address"][:200], postal_code=form.postal_code.strip()[:10],
                        city=form.city.strip()[:100], bankgiro=values["bankgiro"],
                        plusgiro=values["plusgiro"], f_skatt=True, vat_number=values["vat_number"],
                        insurance=values["insurance"][:200], description=form.description.strip(),
                        service_types=types, status="applied", kind=form.kind,
                        iop=form.iop and form.kind == "nonprofit")
    session.add(provider)
    session.flush()
    for upload in form.documents:
        if upload.data:
            store_document(session, provider, upload, upload_dir, field=f"documents.{upload.kind}")
    record_change(session, None, "apply", "provider", provider.id,
                  after={"org_nr": org_nr, "name": name, "service_types": types,
                         "conditions": conditions_applied_to(session, provider)})
    notify(session, role="admin", subject=_l("Ny ansökan från %(name)s", name=name),
           body=_l("%(name)s (%(org_nr)s) har ansökt om att bli anordnare. Granska ansökan i kön.",
                   name=name, org_nr=org_nr))
    notify(session, provider_id=provider.id, email=email, subject=_l("Vi har tagit emot er ansökan"),
           body=_l("Tack! Ansökan från %(name)s (%(org_nr)s) är mottagen och granskas av kommunen.",
                   name=name, org_nr=org_nr))
    return provider


def decide(session: Session, provider: Provider, action: str, reason: str, actor_id: int | None,
           base_url: str = "") -> ProviderInvitation | None:
    """Approve, reject, suspend, reinstate or terminate; audited and notified.

    Approving invites the contact e-mail as the provider's first user (returned, with
    the one-time link in the notification).
    """
    if action not in DECISIONS:
        raise ValidationError("action", _l("okänt beslut"))
    allowed_from, new_status, needs_reason = DECISIONS[action]
    if provider.status not in allowed_from:
        raise ValidationError("action", _l("beslutet går inte att fatta i anordnarens nuvarande status"))
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise ValidationError("reason", _l("ange ett skäl till beslutet"))
    overridden = document_problems(session, provider.id, utcnow().date()) if action == "approve" else []
    if overridden and not reason:
        raise ValidationError("reason", _l("%(problems)s. Ange ett skäl om anordnaren ska godkännas ändå",
                                           problems="; ".join(overridden)))
    before = {"status": provider.status}
    provider.status = new_status
    provider.decided_at = utcnow()
    provider.decision_reason = reason
    if new_status in ("suspended", "terminated"):
        stop_offerings(session, provider.id, new_status)
    record_change(session, actor_id, action, "provider", provider.id, before=before,
                  after={"status": new_status, **({"documents_missing_or_expired": overridden}
                                                  if overridden else {})}, reason=reason)
    body: list[Any] = [DECISION_SUBJECTS[action], "."] + (
        ["\n\n", _l("Skäl: %(reason)s", reason=reason)] if reason else [])
    invitation = None
    if action == "approve" and contract_on_approval(session, provider, actor_id, utcnow().date()) is not None:
        body += ["\n\n", _l("Godta avtalet och villkoren i portalen under Avtal.")]
    if action == "approve" and not _has_users(session, provider.id) and not session.exec(
            select(User.id).where(User.email == provider.email)).first():
        invitation, token = invite(session, provider, provider.email, actor_id, quiet=True)
        body += ["\n\n", _l("Skapa ert första konto med länken nedan (gäller i %(days)s dagar):\n%(link)s",
                              days=INVITATION_DAYS, link=f"{base_url}/anordnare/inbjudan/{token}")]
    notify(session, provider_id=provider.id, subject=DECISION_SUBJECTS[action], body=body)
    return invitation


def _has_users(session: Session, provider_id: int) -> bool:
    return session.exec(select(User.id).where(User.provider_id == provider_id)).first() is not None


def provider_id_for_org_nr(session: Session, org_nr: str) -> int | None:
    """The provider with this (normalised) organisationsnummer, for creating its users."""
    return session.exec(select(Provider.id).where(Provider.org_nr == org_nr)).first()


def revoke_tokens_made_by(session: Session, user: User) -> None:
    """A user whose access ends takes the API tokens they made with them."""
    for token in session.exec(select(ApiToken).where(ApiToken.created_by_id == user.id,
                                                     ApiToken.revoked_at.is_(None))).all():
        token.revoked_at = utcnow()


def contact_addresses(session: Session, provider_id: int) -> list[str]:
    """The provider's own contact address, which its messages go to as well as its users."""
    provider = session.get(Provider, provider_id)
    return [provider.email] if provider is not None and provider.email else []


def provider_users(session: Session, provider_id: int) -> list[User]:
    return list(session.exec(select(User).where(User.provider_id == provider_id).order_by(User.id)).all())


def main_user_id(session: Session, provider_id: int) -> int | None:
    """The provider's first active user: the one who invites and removes colleagues."""
    return session.exec(select(User.id).where(User.provider_id == provider_id, User.active.is_(True))
                        .order_by(User.id)).first()


def _require_main_user(session: Session, provider_id: int, actor: User) -> None:
    if actor.provider_id != provider_id or main_user_id(session, provider_id) != actor.id:
        raise ValidationError("user", _l("bara organisationens huvudanvändare kan hantera kollegor"))


def invite(session: Session, provider: Provider, email: str, actor_id: int | None,
           quiet: bool = False, base_url: str = "") -> tuple[ProviderInvitation, str]:
    """A one-time link for `email`; returns the invitation and the plain token (never stored)."""
    if provider.status != "approved":
        raise ValidationError("email", _l("bara godkända anordnare kan bjuda in användare"))
    email = normalize_email(email)
    if session.exec(select(User.id).where(User.email == email)).first():
        raise ValidationError("email", _l("det finns redan en användare med den e-postadressen"))
    token = secrets.token_urlsafe(32)
    invitation = ProviderInvitation(provider_id=provider.id, email=email, token_hash=_hash(token),
                                    expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
                                    invited_by_id=actor_id)
    session.add(invitation)
    session.flush()
    record_change(session, actor_id, "invite", "provider_invitation", invitation.id,
                  after={"provider_id": provider.id, "email": email})
    if not quiet:
        notify(session, email=email, subject=_l("Inbjudan till %(provider)s i Kundval", provider=provider.name),
               body=_l("Du är inbjuden som användare för %(provider)s. Skapa ditt konto med länken (gäller i "
                       "%(days)s dagar):\n%(link)s", provider=provider.name, days=INVITATION_DAYS,
                       link=f"{base_url}/anordnare/inbjudan/{token}"))
    return invitation, token


def invite_colleague(session: Session, actor: User, email: str, base_url: str = ""
                     ) -> tuple[ProviderInvitation, str]:
    _require_main_user(session, actor.provider_id, actor)
    return invite(session, session.get(Provider, actor.provider_id), email, actor.id,
                  base_url=base_url)


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def find_invitation(session: Session, token: str) -> ProviderInvitation | None:
    """The invitation a token opens, if unused and not expired."""
    invitation = session.exec(select(ProviderInvitation)
                              .where(ProviderInvitation.token_hash == _hash(token or ""))).first()
    if invitation is None or invitation.used_at is not None or _aware(invitation.expires_at) < utcnow():
        return None
    return invitation


def accept_invitation(session: Session, token: str, name: str, password: str) -> User:
    invitation = find_invitation(session, token)
    if invitation is None:
        raise ValidationError("token", _l("länken är ogiltig, redan använd eller för gammal"))
    check_password(password)
    provider = session.get(Provider, invitation.provider_id)
    if provider.status != "approved":
        raise ValidationError("token", _l("anordnaren är inte godkänd"))
    user = create_user(session, email=invitation.email, role="provider", password=password,
                       name=(name or "").strip(), provider_org_nr=provider.org_nr)
    invitation.used_at = utcnow()
    return user


def remove_user(session: Session, actor: User, user_id: int) -> User:
    """Deactivate a colleague (never oneself); audited."""
    _require_main_user(session, actor.provider_id, actor)
    user = session.get(User, user_id)
    if user is None or user.provider_id != actor.provider_id:
        raise ValidationError("user", _l("användaren finns inte"))
    if user.id == actor.id:
        raise ValidationError("user", _l("du kan inte ta bort ditt eget konto"))
    user.active = False
    end_user_access(session, user)
    record_change(session, actor.id, "remove", "user", user.id, before={"active": True},
                  after={"active": False})
    return user


# API tokens --------------------------------------------------------------------------------

TOKEN_VALID_DAYS = (30, 90, 365, 730)


def create_token(session: Session, actor: User, name: str, valid_days: int = 365) -> tuple[ApiToken, str]:
    """A new token for the actor's provider, valid `valid_days`; the plain token is returned once and
    never stored."""
    name = _required(name, "name", _l("ge nyckeln ett namn"))[:100]
    if valid_days not in TOKEN_VALID_DAYS:
        raise ValidationError("valid_days", _l("välj hur länge nyckeln ska gälla"))
    provider = session.get(Provider, actor.provider_id)
    if provider is None or provider.status not in ("approved", "suspended"):
        raise ValidationError("name", _l("bara godkända anordnare kan skapa API-nycklar"))
    prefix = secrets.token_hex(4)
    plain = f"kv_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(provider_id=provider.id, name=name, prefix=prefix, token_hash=_hash(plain),
                     created_by_id=actor.id, expires_at=utcnow() + timedelta(days=valid_days))
    session.add(token)
    session.flush()
    record_change(session, actor.id, "create", "api_token", token.id,
                  after={"provider_id": provider.id, "name": name, "prefix": prefix,
                         "expires_at": token.expires_at.isoformat()})
    return token, plain


def revoke_token(session: Session, actor: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.provider_id != actor.provider_id:
        raise ValidationError("token", _l("nyckeln finns inte"))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_change(session, actor.id, "revoke", "api_token", token.id,
                      after={"prefix": token.prefix})
    return token


def token_prefix(plain: str) -> str:
    parts = (plain or "").split("_")
    return parts[1] if len(parts) >= 3 and parts[0] == "kv" else ""


def authenticate_token(session: Session, plain: str) -> ApiToken | None:
    """The live token for a presented secret, if its provider may still report."""
    if not token_prefix(plain):
        return None
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == _hash(plain))).first()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and _aware(token.expires_at) <= utcnow():
        return None
    provider = session.get(Provider, token.provider_id)
    if provider is None or provider.status not in ("approved", "suspended"):
        return None
    return token


# Documents ---------------------------------------------------------------------------------

def add_document(session: Session, actor: User, upload: Upload, upload_dir: str) -> ProviderDocument:
    """A provider user uploads a renewed certificate; the admin is told."""
    provider = session.get(Provider, actor.provider_id)
    doc = store_document(session, provider, upload, upload_dir, field="file")
    record_change(session, actor.id, "upload", "provider_document", doc.id,
                  after={"kind": doc.kind, "expires_on": str(doc.expires_on)})
    notify(session, role="admin", subject=_l("Nytt dokument från %(provider)s", provider=provider.name),
           body=_l("%(provider)s har laddat upp ett nytt dokument (%(kind)s), giltigt till %(expires_on)s.",
                   provider=provider.name, kind=doc.kind, expires_on=str(doc.expires_on)))
    return doc


DOCUMENT_NAMES = {"f_skatt": _l("F-skattebevis"), "registration": _l("registreringsbevis"),
                  "insurance": _l("försäkringsbevis"), "credit_check": _l("kreditupplysning")}


def document_problems(session: Session, provider_id: int, today: date) -> list[str]:
    """What is wrong with the provider's required certificates: each one missing or expired."""
    valid_until: dict[str, date | None] = {}
    for kind, expires_on in session.exec(select(ProviderDocument.kind, ProviderDocument.expires_on)
                                         .where(ProviderDocument.provider_id == provider_id)).all():
        if kind not in valid_until or (expires_on or date.max) > (valid_until[kind] or date.max):
            valid_until[kind] = expires_on
    problems = []
    for kind in REQUIRED_DOCUMENTS:
        name = DOCUMENT_NAMES[kind]
        if kind not in valid_until:
            problems.append(gettext("%(document)s saknas", document=name))
        elif valid_until[kind] is not None and valid_until[kind] < today:
            problems.append(gettext("%(document)s gick ut %(date)s", document=name, date=valid_until[kind].isoformat()))
    return problems


def expiring_soon(session: Session, today: date, provider_id: int | None = None
                  ) -> list[tuple[Provider, ProviderDocument]]:
    """Approved or suspended providers' newest certificate per kind that has expired or expires within 30 days."""
    stmt = (select(ProviderDocument, Provider).join(Provider, Provider.id == ProviderDocument.provider_id)
            .where(Provider.status.in_(("approved", "suspended")), ProviderDocument.expires_on.is_not(None))
            .order_by(ProviderDocument.expires_on))
    if provider_id is not None:
        stmt = stmt.where(Provider.id == provider_id)
    newest: dict[tuple[int, str], tuple[Provider, ProviderDocument]] = {}
    for doc, provider in session.exec(stmt).all():
        newest[(provider.id, doc.kind)] = (provider, doc)  # ordered by date: the last is the newest
    limit = today + timedelta(days=DOCUMENT_WARNING_DAYS)
    return sorted(((p, d) for p, d in newest.values() if d.expires_on <= limit),
                  key=lambda pd: (pd[1].expires_on, pd[0].name))


def current_documents(session: Session, provider_id: int) -> list[ProviderDocument]:
    return list(session.exec(select(ProviderDocument).where(ProviderDocument.provider_id == provider_id)
                             .order_by(ProviderDocument.kind, ProviderDocument.created_at.desc())).all())


def expiring_documents_job(session: Session, today: date) -> JobOutcome:
    """Daily: remind provider and admin of certificates that expire within 30 days (once per level)."""

    def work(s: Session) -> str:
        limit = today + timedelta(days=DOCUMENT_WARNING_DAYS)
        rows = s.exec(select(ProviderDocument, Provider)
                      .join(Provider, Provider.id == ProviderDocument.provider_id)
                      .where(ProviderDocument.expires_on.is_not(None),
                             ProviderDocument.expires_on <= limit,
                             Provider.status.in_(("approved", "suspended")))).all()
        latest: dict[tuple[int, str], tuple[ProviderDocument, Provider]] = {}
        for doc, provider in rows:
            key = (provider.id, doc.kind)
            if key not in latest or doc.expires_on > latest[key][0].expires_on:
                latest[key] = (doc, provider)
        # A newer upload of the same kind that is still valid silences the reminder.
        newer = {(pid, kind) for pid, kind in s.exec(
            select(ProviderDocument.provider_id, ProviderDocument.kind)
            .where(ProviderDocument.expires_on > limit)).all()}
        count = 0
        for (pid, kind), (doc, provider) in latest.items():
            if (pid, kind) in newer:
                continue
            level = "expired" if doc.expires_on < today else "soon"
            names = {"file": doc.filename, "kind": kind, "provider": provider.name,
                     "expires_on": doc.expires_on.isoformat()}
            expired = level == "expired"
            body = (_l("Dokumentet %(file)s (%(kind)s) för %(provider)s har gått ut (%(expires_on)s). Ladda upp "
                       "ett nytt under Anordnare → Dokument.", **names) if expired else
                    _l("Dokumentet %(file)s (%(kind)s) för %(provider)s går snart ut (%(expires_on)s). Ladda upp "
                       "ett nytt under Anordnare → Dokument.", **names))
            key = f"doc-expiry:{doc.id}:{level}"
            subject = _l("Dokument har gått ut") if expired else _l("Dokument går snart ut")
            if notify(s, provider_id=pid, subject=subject, body=body, key=key):
                count += 1
            admin_subject = (_l("%(provider)s: dokument har gått ut", **names) if expired
                             else _l("%(provider)s: dokument går snart ut", **names))
            notify(s, role="admin", subject=admin_subject, body=body, key=key + ":admin")
        return f"{count} påminnelser om dokument"

    return run_once(session, "expiring_documents", today.isoformat(), work)
