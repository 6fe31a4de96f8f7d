"""Clients and referrals: registration, decisions, one-time login codes and the case worker's lists."""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from app.auth.models import User
from app.common.audit import record_change
from app.common.base import new_ref, utcnow
from app.common.errors import ValidationError
from app.common.identifiers import birth_date_of, gender_of, mask_personal_id, normalize_personal_id
from app.common.models import AccessLog
from app.common.money import MAX_WEEK_HOURS, OutOfBounds, parse_weekly_cap
from app.common.personal_data import cipher
from app.common.workdays import add_working_days
from app.kundval.models import Client, ClientLoginCode, Placement, Referral
from app.offerings.models import SERVICE_TYPES, Offering

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud over the phone
LANGUAGES = ("sv", "en", "ar", "so", "ti", "fa", "prs", "uk", "ru", "es", "fr", "de", "tr", "pl", "ku")


def aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# -- clients -----------------------------------------------------------------------------------

def find_client(session: Session, personal_id: str) -> Client | None:
    normalized = normalize_personal_id(personal_id)
    return session.exec(select(Client).where(
        Client.personal_id_hash == cipher().lookup_hash(normalized))).first()


def offering_areas(session: Session) -> list[str]:
    """The area names offerings use, for the client's home area (the "nearest" default)."""
    return sorted(a for a in session.exec(select(Offering.area).distinct()).all() if a)


def register_client(session: Session, *, personal_id: str, name: str, newly_arrived: bool = False,
                    children_in_household: bool = False, language: str = "sv", phone: str = "",
                    case_worker_id: int | None = None, area: str = "", email: str = "",
                    needs_interpreter: bool = False) -> Client:
    """A new client; the personnummer is stored encrypted and never repeated in messages."""
    normalized = normalize_personal_id(personal_id)
    name = (name or "").strip()
    if not name:
        raise ValidationError("name", _l("fyll i namnet"))
    if language not in LANGUAGES:
        raise ValidationError("language", _l("välj ett språk i listan"))
    if find_client(session, normalized) is not None:
        raise ValidationError("personal_id", _l("det finns redan en deltagare med det numret"))
    client = Client(
        ref=new_ref("K"), personal_id_encrypted=cipher().encrypt(normalized),
        personal_id_hash=cipher().lookup_hash(normalized), birth_date=birth_date_of(normalized),
        gender=gender_of(normalized), name=name[:200], newly_arrived=newly_arrived,
        children_in_household=children_in_household, language=language, phone=(phone or "").strip()[:40],
        case_worker_id=case_worker_id, area=(area or "").strip()[:100], email=(email or "").strip()[:200],
        needs_interpreter=needs_interpreter)
    session.add(client)
    session.flush()
    record_change(session, case_worker_id, "create", "client", client.id,
                  after={"ref": client.ref, "newly_arrived": newly_arrived,
                         "children_in_household": children_in_household})
    return client


CONTACT_FIELDS = ("name", "phone", "email", "language", "needs_interpreter", "area", "newly_arrived",
                  "children_in_household")


def update_client(session: Session, client: Client, *, actor_id: int | None, **values) -> Client:
    """Change the client's contact details and circumstances (not the personnummer); audited."""
    values["name"] = (values.get("name") or "").strip()[:200]
    if not values["name"]:
        raise ValidationError("name", _l("fyll i namnet"))
    if values.get("language") not in LANGUAGES:
        raise ValidationError("language", _l("välj ett språk i listan"))
    values["phone"] = (values.get("phone") or "").strip()[:40]
    values["email"] = (values.get("email") or "").strip()[:200]
    values["area"] = (values.get("area") or "").strip()[:100]
    before, after = {}, {}
    for name in CONTACT_FIELDS:
        if name in values and getattr(client, name) != values[name]:
            # Contact details are personal data: the audit row names what changed, not the values.
            before[name] = getattr(client, name) if isinstance(values[name], bool) else "…"
            after[name] = values[name] if isinstance(values[name], bool) else "…"
            setattr(client, name, values[name])
    session.add(client)
    if after:
        record_change(session, actor_id, "update", "client", client.id, before=before, after=after)
    return client


def masked_id(client: Client) -> str:
    return mask_personal_id(cipher().decrypt(client.personal_id_encrypted))


def full_id(client: Client) -> str:
    return cipher().decrypt(client.personal_id_encrypted)


# -- referrals ---------------------------------------------------------------------------------

def _hours(value) -> Decimal | None:
    try:
        return parse_weekly_cap(value)
    except OutOfBounds:
        raise ValidationError("max_hours_per_week",
                              _l("ange timmar per vecka, mer än 0 och högst %(max)s", max=MAX_WEEK_HOURS)) from None


def create_referral(session: Session, client: Client, *, service_type: str, valid_from: date,
                    valid_to: date, max_hours_per_week=None, choice_deadline: date | None = None,
                    decided_on: date, case_worker_id: int | None, deadline_days: int = 5) -> Referral:
    """A decision (beslut); the choice deadline defaults to `deadline_days` working days after it."""
    if service_type not in SERVICE_TYPES:
        raise ValidationError("service_type", _l("välj en insatstyp"))
    if valid_from is None:
        raise ValidationError("valid_from", _l("fyll i startdatum"))
    if valid_to is None or valid_to < valid_from:
        raise ValidationError("valid_to", _l("slutdatum måste vara samma dag som eller efter startdatum"))
    deadline = choice_deadline or add_working_days(decided_on, deadline_days)
    if deadline < decided_on:
        raise ValidationError("choice_deadline", _l("sista dag att välja kan inte vara före beslutsdagen"))
    if deadline > valid_to:
        raise ValidationError("choice_deadline", _l("sista dag att välja måste vara innan beslutet slutar gälla"))
    refuse_overlap(session, client.id, service_type, valid_from, valid_to)
    referral = Referral(ref=new_ref("B"), client_id=client.id, service_type=service_type,
                        decided_on=decided_on, valid_from=valid_from, valid_to=valid_to,
                        max_hours_per_week=_hours(max_hours_per_week), choice_deadline=deadline,
                        case_worker_id=case_worker_id)
    session.add(referral)
    session.flush()
    record_change(session, case_worker_id, "create", "referral", referral.id,
                  after={"client_id": client.id, "service_type": service_type,
                         "valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat(),
                         "choice_deadline": deadline.isoformat()})
    return referral


def refuse_overlap(session: Session, client_id: int, service_type: str, valid_from: date, valid_to: date,
                   except_id: int | None = None) -> None:
    """One decision per client and service type at a time: an overlapping one is refused, named."""
    stmt = select(Referral).where(Referral.client_id == client_id, Referral.service_type == service_type,
                                  Referral.withdrawn_on.is_(None), Referral.valid_from <= valid_to,
                                  Referral.valid_to >= valid_from)
    if except_id is not None:
        stmt = stmt.where(Referral.id != except_id)
    existing = session.exec(stmt.order_by(Referral.valid_from)).first()
    if existing is not None:
        raise ValidationError("valid_from", _l(
            "deltagaren har redan beslut %(ref)s om samma insatstyp som gäller %(first)s–%(last)s. Ändra det "
            "beslutet i stället", ref=existing.ref, first=existing.valid_from.isoformat(),
            last=existing.valid_to.isoformat()))


def _dates(referral: Referral) -> dict:
    return {"valid_from": referral.valid_from.isoformat(), "valid_to": referral.valid_to.isoformat(),
            "choice_deadline": referral.choice_deadline.isoformat() if referral.choice_deadline else None,
            "max_hours_per_week": str(referral.max_hours_per_week) if referral.max_hours_per_week else None}


def correct_referral(session: Session, referral: Referral, *, valid_from: date, valid_to: date,
                     max_hours_per_week, choice_deadline: date | None, reason: str,
                     actor_id: int | None) -> Referral:
    """The case worker corrects a decision's dates or weekly cap; the reason is audited."""
    reason = (reason or "").strip()
    if referral.withdrawn_on is not None:
        raise ValidationError("referral", _l("beslutet är återkallat och kan inte ändras"))
    if not reason:
        raise ValidationError("reason", _l("skriv varför beslutet ändras"))
    if valid_from is None:
        raise ValidationError("valid_from", _l("fyll i startdatum"))
    if valid_to is None or valid_to < valid_from:
        raise ValidationError("valid_to", _l("slutdatum måste vara samma dag som eller efter startdatum"))
    deadline = choice_deadline or referral.choice_deadline
    if deadline and deadline > valid_to:
        raise ValidationError("choice_deadline", _l("sista dag att välja måste vara innan beslutet slutar gälla"))
    refuse_overlap(session, referral.client_id, referral.service_type, valid_from, valid_to, except_id=referral.id)
    before = _dates(referral)
    referral.valid_from, referral.valid_to = valid_from, valid_to
    referral.max_hours_per_week = _hours(max_hours_per_week)
    referral.choice_deadline = deadline
    session.add(referral)
    record_change(session, actor_id, "correct", "referral", referral.id, before=before, after=_dates(referral),
                  reason=reason[:500])
    return referral


def withdraw_referral(session: Session, referral: Referral, *, reason: str, actor_id: int | None,
                      today: date) -> list[Placement]:
    """Withdraw a decision: it stops counting, and its open placements end today (interrupted)."""
    from app.notifications.service import notify

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("reason", _l("skriv varför beslutet återkallas"))
    if referral.withdrawn_on is not None:
        raise ValidationError("referral", _l("beslutet är redan återkallat"))
    referral.withdrawn_on, referral.withdrawal_reason = today, reason[:500]
    session.add(referral)
    record_change(session, actor_id, "withdraw", "referral", referral.id,
                  after={"withdrawn_on": today.isoformat()}, reason=reason[:500])
    ended = []
    for p in session.exec(select(Placement).where(Placement.referral_id == referral.id)).all():
        if p.ended_on is None or p.ended_on > today:
            before = {"ended_on": p.ended_on.isoformat() if p.ended_on else None, "end_reason": p.end_reason}
            p.ended_on, p.end_reason = max(today, p.start_date), "interrupted"
            session.add(p)
            record_change(session, actor_id, "update", "placement", p.id, before=before,
                          after={"ended_on": p.ended_on.isoformat(), "end_reason": "interrupted"},
                          reason="beslutet återkallat")
            offering = session.get(Offering, p.offering_id)
            notify(session, provider_id=offering.provider_id, key=f"withdrawn:{p.ref}",
                   subject=_l("Placeringen slutar"),
                   body=_l("Placering %(ref)s (%(offering)s) slutar %(last)s: beslutet är återkallat. Rapportera "
                           "närvaro till och med den dagen.", ref=p.ref, offering=offering.title,
                           last=p.ended_on.isoformat()))
            ended.append(p)
    return ended


def active_placement(placements: list[Placement], today: date) -> Placement | None:
    """The placement running today or later (not ended before today)."""
    for p in sorted(placements, key=lambda p: (p.start_date, p.id or 0), reverse=True):
        if p.ended_on is None or p.ended_on >= today:
            return p
    return None


def referral_status(referral: Referral, placements: list[Placement], today: date) -> str:
    """'waiting' (for the client's choice), 'placed', 'ended' or 'withdrawn'."""
    if referral.withdrawn_on is not None:
        return "withdrawn"
    if active_placement(placements, today) is not None:
        return "placed"
    if placements or referral.valid_to < today:
        return "ended"
    return "waiting"


def client_history(session: Session, client: Client) -> list[tuple[Referral, list[Placement]]]:
    referrals = session.exec(select(Referral).where(Referral.client_id == client.id)
                             .order_by(Referral.decided_on.desc(), Referral.id.desc())).all()
    rids = [r.id for r in referrals]
    placements = session.exec(select(Placement).where(Placement.referral_id.in_(rids))
                              .order_by(Placement.start_date, Placement.id)).all() if rids else []
    return [(r, [p for p in placements if p.referral_id == r.id]) for r in referrals]


# -- one-time login codes ----------------------------------------------------------------------

def _code_hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def issue_login_code(session: Session, client: Client, *, actor_id: int | None,
                     ttl: timedelta = timedelta(hours=72)) -> str:
    """A new code (8 characters, shown once as XXXX-XXXX); earlier unused codes stop working."""
    now = utcnow()
    for old in session.exec(select(ClientLoginCode).where(ClientLoginCode.client_id == client.id,
                                                          ClientLoginCode.used_at.is_(None))).all():
        old.used_at = now
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    session.add(ClientLoginCode(client_id=client.id, code_hash=_code_hash(code),
                                expires_at=now + ttl, created_by_id=actor_id))
    record_change(session, actor_id, "issue_code", "client", client.id)
    return f"{code[:4]}-{code[4:]}"


def redeem_login_code(session: Session, code: str) -> User:
    """The client's user for a valid code; the code is used up. Same message for every failure."""
    if len(normalize_code(code)) != 8:
        raise ValidationError("code", _l("koden stämmer inte eller har gått ut"))
    row = session.exec(select(ClientLoginCode).where(ClientLoginCode.code_hash == _code_hash(code))
                       .with_for_update()).first()
    if row is None or row.used_at is not None or aware(row.expires_at) < utcnow():
        raise ValidationError("code", _l("koden stämmer inte eller har gått ut"))
    row.used_at = utcnow()
    client = session.get(Client, row.client_id)
    return client_user(session, client)


def client_user(session: Session, client: Client) -> User:
    """The client's login account, made on first sign-in (no password: codes or e-ID only)."""
    if client.user_id is not None:
        user = session.get(User, client.user_id)
        if user is not None:
            user.last_login_at = utcnow()
            return user
    user = User(email=f"deltagare-{client.ref.lower()}@kundval.invalid", name=client.name, role="client",
                password_hash="", last_login_at=utcnow())
    session.add(user)
    session.flush()
    client.user_id = user.id
    record_change(session, None, "create", "user", user.id, after={"role": "client", "client_id": client.id})
    return user


def client_of_user(session: Session, user_id: int) -> Client | None:
    return session.exec(select(Client).where(Client.user_id == user_id)).first()


# -- the access log ----------------------------------------------------------------------------

def access_log(session: Session, *, client_id: int | None = None, user_id: int | None = None,
               since: date | None = None, until: date | None = None, limit: int = 300):
    """Rows of (AccessLog, User or None, Client), newest first."""
    return session.exec(access_log_query(client_id=client_id, user_id=user_id, since=since, until=until)
                        .limit(limit)).all()


def access_log_page(session: Session, number: int, **filters):
    """One page (paging.Page) of access_log's rows, cut in the database."""
    from app.common import paging

    return paging.fetch(session, access_log_query(**filters), number)


def access_log_query(*, client_id: int | None = None, user_id: int | None = None,
                     since: date | None = None, until: date | None = None):
    stmt = (select(AccessLog, User, Client).join(User, User.id == AccessLog.user_id, isouter=True)
            .join(Client, Client.id == AccessLog.client_id, isouter=True))
    if client_id is not None:
        stmt = stmt.where(AccessLog.client_id == client_id)
    if user_id is not None:
        stmt = stmt.where(AccessLog.user_id == user_id)
    if since is not None:
        stmt = stmt.where(AccessLog.at >= datetime.combine(since, datetime.min.time(), UTC))
    if until is not None:
        stmt = stmt.where(AccessLog.at < datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC))
    return stmt.order_by(AccessLog.at.desc(), AccessLog.id.desc())


def offering_in_use(session: Session, offering_id: int) -> bool:
    """A placement uses the offering (so its price is frozen, offerings/service.is_frozen)."""
    return session.exec(select(Placement.id).where(Placement.offering_id == offering_id)).first() is not None


def clients_of_referrals(session: Session, referral_ids) -> list[int]:
    """The clients behind these referrals (for logging a view of placements)."""
    ids = set(referral_ids)
    return list(session.exec(select(Referral.client_id).where(Referral.id.in_(ids))).all()) if ids else []
