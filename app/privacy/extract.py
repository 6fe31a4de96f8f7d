"""The register extract (registerutdrag, GDPR art. 15): everything Kundval holds about one client.

build() gathers it as plain JSON-ready values (one query per kind of record); the same dict is
written as JSON and as a PDF a person can read. Making one is itself recorded: in the access log
(the client's data was seen) and in the audit log (who made an extract, in which format).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from app.auth.models import User
from app.common.audit import record_access, record_change
from app.common.labels import label
from app.common.models import AccessLog, AuditLog
from app.config import BASE_DIR
from app.kundval import service as kundval
from app.kundval.models import Attendance, Client, ClientLoginCode, Outcome, Placement, Referral
from app.offerings.models import Offering
from app.providers.models import Provider
from app.settlement.models import Settlement, SettlementLine

TEMPLATES = BASE_DIR / "templates" / "privacy"
STYLESHEET = TEMPLATES / "extract.css"

# The pages of the access log (AccessLog.page, stored in Swedish as evidence) as the client reads
# them in the extract; a page not listed here is shown as stored.
ACCESS_PAGES = {
    "deltagare: start": _l("Din översikt"),
    "deltagare: tjänster": _l("Tjänsterna du kan välja"),
    "deltagare: tjänst": _l("En tjänst du kan välja"),
    "deltagare: jämför": _l("Jämförelse av tjänster"),
    "deltagare: bekräfta val": _l("Bekräfta ditt val"),
    "deltagare: val": _l("Ditt val av tjänst"),
    "deltagare: klart": _l("Bekräftelsen av ditt val"),
    "deltagare: närvaro": _l("Dina dagar"),
    "deltagare: inte där": _l("Du sa att du inte var där en dag"),
    "deltagare: mina uppgifter": _l("Mina uppgifter"),
    "handläggare: deltagare": _l("Dina uppgifter hos handläggaren"),
    "handläggare: ändra uppgifter": _l("Ändring av dina uppgifter"),
    "handläggare: nytt beslut": _l("Nytt beslut"),
    "handläggare: ändra beslut": _l("Ändring av ett beslut"),
    "handläggare: återkalla beslut": _l("Ett beslut som återkallades"),
    "handläggare: placera": _l("Placering hos en anordnare"),
    "handläggare: inloggningskod": _l("Ny inloggningskod"),
    "handläggare: ifrågasatt närvaro": _l("En dag du sa att du inte var där"),
    "handläggare: uppföljning": _l("Uppföljning efter placeringen"),
    "handläggare: placeringar hos avstängda anordnare": _l("Placeringar hos anordnare som har stängts av"),
    "handläggare: åtkomstlogg": _l("Loggen över vem som har sett uppgifter"),
    "anordnare: placering": _l("Din placering hos anordnaren"),
    "anordnare: boka första träff": _l("Bokning av första träffen"),
    "anordnare: resultat": _l("Rapport om arbete eller studier"),
    "API: närvaro": _l("Närvaro, i anordnarens eget system"),
    "API: placeringar": _l("Placeringar, i anordnarens eget system"),
    "API: resultat": _l("Rapport om arbete eller studier, i anordnarens eget system"),
    "registerutdrag: sök": _l("Sökning inför ett registerutdrag"),
}
# Pages stored with a value in them: "anordnare: närvaro 2026-03", "registerutdrag (pdf)".
ACCESS_PAGE_PREFIXES = (
    ("anordnare: lista med ", lambda rest: _l("Anordnarens lista över deltagare")),
    ("anordnare: närvaro ", lambda rest: _l("Närvarorapport för %(period)s", period=rest)),
    ("registerutdrag (", lambda rest: _l("Registerutdrag (%(format)s)", format=rest.rstrip(")").upper())),
)
# What a change to the client's records was, per record and action (AuditLog); else per record.
CHANGES = {
    ("client", "create"): _l("Du registrerades i Kundval"),
    ("client", "update"): _l("Dina uppgifter ändrades"),
    ("client", "issue_code"): _l("Handläggaren gav dig en inloggningskod"),
    ("client", "register_extract"): _l("Ett registerutdrag gjordes"),
    ("referral", "create"): _l("Handläggaren fattade ett beslut"),
    ("referral", "correct"): _l("Handläggaren ändrade ett beslut"),
    ("referral", "withdraw"): _l("Handläggaren återkallade ett beslut"),
    ("placement", "create"): _l("En placering hos en anordnare började"),
    ("placement", "update"): _l("En placering ändrades"),
    ("placement", "book_first_meeting"): _l("Anordnaren bokade första träffen"),
    ("placement", "follow_up"): _l("Handläggaren följde upp placeringen"),
}
CHANGED_RECORD = {"client": _l("Dina uppgifter ändrades"), "referral": _l("Ett beslut ändrades"),
                  "placement": _l("En placering ändrades")}
SYSTEM = _l("Systemet")


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def access_page(page: str) -> str:
    """A stored access-log page in the reader's language (as stored if we don't know it)."""
    known = ACCESS_PAGES.get(page)
    if known is not None:
        return str(known)
    for prefix, text in ACCESS_PAGE_PREFIXES:
        if page.startswith(prefix):
            return str(text(page[len(prefix):]))
    return page


def page_footer() -> str:
    """The CSS `content` of the page footer, "Sida 1 av 3" in the reader's language."""
    words = gettext("Sida %(page)s av %(pages)s", page="\0page\0", pages="\0pages\0")
    parts = []
    for i, part in enumerate(words.split("\0")):
        if i % 2:
            parts.append(f"counter({part})")
        elif part:
            text = part.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
            parts.append(f'"{text}"')
    return " ".join(parts)


def change_text(entity: str, action: str) -> str:
    known = CHANGES.get((entity, action)) or CHANGED_RECORD.get(entity)
    return str(known) if known is not None else f"{label('audit_action', action)}: {label('audit_entity', entity)}"


def _who(user: User | None, providers: dict[int, str]) -> dict:
    if user is None:
        return {"name": str(SYSTEM), "role": "system", "role_text": str(SYSTEM), "organisation": ""}
    organisation = providers.get(user.provider_id, "") if user.provider_id else ""
    return {"name": user.name or user.email, "role": user.role, "role_text": label("role", user.role),
            "organisation": organisation}


def build(session: Session, client: Client, *, controller: dict, now: datetime) -> dict:
    """Everything stored about `client`, in plain values (strings for money, ISO dates)."""
    referrals = session.execute(select(Referral).where(Referral.client_id == client.id)
                                .order_by(Referral.decided_on, Referral.id)).scalars().all()
    referral_refs = {r.id: r.ref for r in referrals}
    placements = session.execute(select(Placement, Offering, Provider)
                                 .join(Offering, Offering.id == Placement.offering_id)
                                 .join(Provider, Provider.id == Offering.provider_id)
                                 .where(Placement.referral_id.in_(referral_refs))
                                 .order_by(Placement.start_date, Placement.id)).all()
    placement_refs = {p.id: p.ref for p, _o, _pr in placements}
    seen = session.execute(select(AccessLog).where(AccessLog.client_id == client.id)
                           .order_by(AccessLog.at, AccessLog.id)).scalars().all()
    changes = session.execute(select(AuditLog).where(
        ((AuditLog.entity == "client") & (AuditLog.entity_id == client.id))
        | ((AuditLog.entity == "referral") & AuditLog.entity_id.in_(referral_refs))
        | ((AuditLog.entity == "placement") & AuditLog.entity_id.in_(placement_refs)))
        .order_by(AuditLog.at, AuditLog.id)).scalars().all()
    user_ids = ({client.case_worker_id} | {r.case_worker_id for r in referrals}
                | {e.user_id for e in seen} | {c.user_id for c in changes}) - {None}
    users = {u.id: u for u in session.execute(select(User).where(User.id.in_(user_ids))).scalars()}
    providers = dict(session.execute(select(Provider.id, Provider.name)).all())

    def user_name(user_id: int | None) -> str:
        user = users.get(user_id)
        return (user.name or user.email) if user is not None else ""

    attendance = session.execute(select(Attendance).where(Attendance.placement_id.in_(placement_refs))
                                 .order_by(Attendance.date, Attendance.placement_id)).scalars().all()
    outcomes = session.execute(select(Outcome).where(Outcome.placement_id.in_(placement_refs))
                               .order_by(Outcome.result_date)).scalars().all()
    lines = session.execute(select(SettlementLine, Settlement)
                            .join(Settlement, Settlement.id == SettlementLine.settlement_id)
                            .where(SettlementLine.placement_id.in_(placement_refs),
                                   Settlement.status == "approved")
                            .order_by(Settlement.period, SettlementLine.id)).all()
    codes = session.execute(select(ClientLoginCode).where(ClientLoginCode.client_id == client.id)
                            .order_by(ClientLoginCode.created_at)).scalars().all()
    account = session.get(User, client.user_id) if client.user_id else None

    return {
        "produced_at": _plain(now),
        "controller": controller,
        "person": {
            "ref": client.ref, "name": client.name, "personal_id": kundval.full_id(client),
            "birth_date": _plain(client.birth_date), "gender": client.gender, "language": client.language,
            "area": client.area, "phone": client.phone, "newly_arrived": client.newly_arrived,
            "children_in_household": client.children_in_household,
            "case_worker": user_name(client.case_worker_id), "registered_at": _plain(client.created_at),
        },
        "decisions": [{
            "ref": r.ref, "service_type": r.service_type, "service": label("service_type", r.service_type),
            "decided_on": _plain(r.decided_on),
            "valid_from": _plain(r.valid_from), "valid_to": _plain(r.valid_to),
            "max_hours_per_week": _plain(r.max_hours_per_week), "level": r.level,
            "choice_deadline": _plain(r.choice_deadline), "case_worker": user_name(r.case_worker_id),
        } for r in referrals],
        "placements": [{
            "ref": p.ref, "decision": referral_refs[p.referral_id], "provider": pr.name,
            "offering": o.title, "chosen_by": p.chosen_by, "chosen_by_text": label("chosen_by", p.chosen_by),
            "start_date": _plain(p.start_date), "ended_on": _plain(p.ended_on), "end_reason": p.end_reason,
            "end_reason_text": label("end_reason", p.end_reason),
        } for p, o, pr in placements],
        "attendance": [{
            "placement": placement_refs[a.placement_id], "date": _plain(a.date), "status": a.status,
            "status_text": label("attendance_status", a.status), "hours": _plain(a.hours),
        } for a in attendance],
        "outcomes": [{
            "placement": placement_refs[o.placement_id], "kind": o.kind, "kind_text": label("outcome_kind", o.kind),
            "result_date": _plain(o.result_date),
            "verified_on": _plain(o.verified_on), "employer": o.employer, "extent": o.extent,
            "employment_form": o.employment_form, "rejected_on": _plain(o.rejected_on),
            "rejection_reason": o.rejection_reason,
        } for o in outcomes],
        "settlement_lines": [{
            "settlement": s.number, "period": s.period, "provider": providers.get(s.provider_id, ""),
            "placement": placement_refs[line.placement_id], "kind": line.kind,
            "kind_text": label("line_kind", line.kind),
            "quantity": _plain(line.quantity), "unit_price": _plain(line.unit_price),
            "amount": _plain(line.amount),
        } for line, s in lines],
        "sign_in": {
            "account": account is not None,
            "last_sign_in": _plain(account.last_login_at) if account is not None else None,
            "codes_issued": [{"issued": _plain(c.created_at), "used": _plain(c.used_at)} for c in codes],
        },
        "access_log": [{"at": _plain(e.at), **_who(users.get(e.user_id), providers), "page": e.page,
                        "what": access_page(e.page)} for e in seen],
        "changes": [{"at": _plain(c.at), "action": c.action, "entity": c.entity,
                     "what": change_text(c.entity, c.action), **_who(users.get(c.user_id), providers)}
                    for c in changes],
    }


def record(session: Session, client: Client, actor_id: int | None, fmt: str, on_request: bool) -> None:
    """An extract shows the client's data: log the view and the making of it."""
    record_access(session, actor_id, client.id, f"registerutdrag ({fmt})")
    record_change(session, actor_id, "register_extract", "client", client.id,
                  after={"format": fmt, "by": "admin" if on_request else "client"})


def render_pdf(html: str) -> bytes:
    """The extract's page (templates/privacy/extract_pdf.html) as an A4 PDF, with WeasyPrint."""
    from weasyprint import CSS, HTML

    return HTML(string=html, base_url=str(BASE_DIR)).write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))])
