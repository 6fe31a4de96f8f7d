"""`flask data import FILE` and `flask seed`: exchange files in, one transaction per command."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.service import create_user
from app.common.errors import ValidationError
from app.exchange.importer import SECTIONS, ImportSummary, import_document, import_file
from app.extensions import db
from app.kundval.demo import JOURNEYS
from app.kundval.models import Attendance, Client, Placement, Referral
from app.providers.models import Provider
from app.settlement.models import Period
from app.settlement.service import close_period

data_cli = AppGroup("data", help="Import and export exchange files.")

DEMO_PASSWORD = "kundval-demo-2026"
# `flask seed` closes the months with data up to this one; later months stay open (finance demos them).
SEED_SETTLED_UNTIL = "2026-09"
DEMO_USERS = (  # e-mail, role, name
    ("admin@kundval.example", "admin", "Demo Administratör"),
    ("handlaggare@kundval.example", "case_worker", "Demo Handläggare"),
    ("ekonomi@kundval.example", "finance", "Demo Ekonomi"),
    ("ledning@kundval.example", "management", "Demo Ledning"),
    ("anordnare@kundval.example", "provider", "Demo Anordnare"),
    ("deltagare@kundval.example", "client", "Demo Deltagare"),
)
NOUNS = {  # section -> (singular, plural) in Swedish
    "providers": ("anordnare", "anordnare"), "offerings": ("tjänst", "tjänster"),
    "bonus_rules": ("bonusregel", "bonusregler"), "clients": ("deltagare", "deltagare"),
    "referrals": ("beslut", "beslut"), "placements": ("placering", "placeringar"),
    "attendance": ("närvarorad", "närvarorader"), "outcomes": ("resultat", "resultat"),
}


def _counts(counts: dict[str, int]) -> str:
    parts = [f"{counts[s]} {NOUNS[s][0 if counts[s] == 1 else 1]}" for s in SECTIONS if counts[s]]
    return ", ".join(parts) if parts else "inget nytt"


def describe(summary: ImportSummary) -> str:
    """One line in Swedish: what was created and what was changed."""
    line = f"Importerade: {_counts(summary.created)}"
    if any(summary.updated.values()):
        line += f"; uppdaterade: {_counts(summary.updated)}"
    return line + "."


def _fail(field: str, message: str) -> None:
    db.session.rollback()
    click.echo(f"{field}: {message}", err=True)
    sys.exit(1)


def _read_document(path: str):
    """The file as JSON (`flask seed`'s small file, whose refs it reads again); unreadable or
    malformed input is reported like a field error."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        _fail("$", f"cannot read {path}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        _fail("$", "the file is not UTF-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail("$", f"invalid JSON at line {exc.lineno} column {exc.colno}")


def _import(doc, source: str = "") -> ImportSummary:
    from app.kundval.default_job import adopt_flagged_defaults

    try:
        summary = import_document(db.session, doc, source=source)
        # An offering flagged default_choice becomes the no-choice alternative of its service type.
        adopt_flagged_defaults(db.session)
        return summary
    except ValidationError as exc:
        _fail(exc.field, exc.message)


@data_cli.command("import")
@click.argument("path", metavar="FILE")
def import_cmd(path: str) -> None:
    """Import an exchange file (all or nothing), read as a stream: memory stays small for any size."""
    try:
        summary = import_file(path, db.session, source=Path(path).name)
    except ValidationError as exc:
        _fail(exc.field, exc.message)
    db.session.commit()
    click.echo(describe(summary))


@data_cli.command("import-payroll")
@click.argument("path", metavar="FILE")
def import_payroll_cmd(path: str) -> None:
    """Import employer declarations (exchange.md, "Payroll file"); only clients' rows are kept."""
    from datetime import date

    from app.kundval.payroll import import_payroll

    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            summary = import_payroll(db.session, handle, date.today())
    except OSError as exc:
        _fail("$", f"cannot read {path}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        _fail("$", "the file is not UTF-8")
    except ValidationError as exc:
        _fail(exc.field, exc.message)
    db.session.commit()
    click.echo(f"Använda rader: {summary.used} (deltagare). Bortlagda rader: {summary.dropped} "
               f"(inte deltagare, sparas inte). Nya: {summary.added}, ändrade: {summary.changed}.")


@click.command("seed")
@with_appcontext
@click.option("--file", "path", default=None, help="Import file (default providers_seed/demo.json).")
def seed_cmd(path: str | None) -> None:
    """Load the demo data and create the demo logins; safe to run again."""
    path = path or str(Path(current_app.root_path).parent / "providers_seed" / "demo.json")
    doc = _read_document(path)
    summary = _import(doc)
    try:
        created = _seed_users(db.session, doc)
    except ValidationError as exc:
        _fail(exc.field, exc.message)
    journeys = _seed_journeys(db.session)
    db.session.commit()
    click.echo(describe(summary))
    click.echo(f"Nya demoanvändare: {created}.")
    logins = [(email, role) for email, role, _ in DEMO_USERS] + [
        (j.email, "client") for j in JOURNEYS if j.email not in {e for e, _, _ in DEMO_USERS}]
    width = max(len(email) for email, _ in logins)
    click.echo(f"{'E-post':<{width}}  {'Roll':<12}  Lösenord")
    for email, role in logins:
        click.echo(f"{email:<{width}}  {role:<12}  {DEMO_PASSWORD}")
    click.echo("Att prova (deltagare, dagens datum):")
    for j in JOURNEYS:
        click.echo(f"  {j.email:<{width}}  {j.name}: {j.what}")
    click.echo("  handlaggare@kundval.example ser dem alla under Mina deltagare; anordnare@kundval.example "
               "ser sina under Deltagare.")
    if journeys:
        click.echo(f"Nya demoresor: {len(journeys)}.")
    _settle_history(db.session)
    _seed_budget(db.session)


# The demo year's frames (ram) per post, in kronor excl. VAT, like Lund's posts; praktik is set
# tight so the budget page shows its warning.
DEMO_BUDGET = {"year": 2026, "posts": {"arbetsprovning": "200000.00", "arbetstraning": "1200000.00",
                                       "praktik": "1300000.00", "utredning": "300000.00",
                                       "bonus": "100000.00"}}


def _seed_budget(session) -> None:
    """Give the demo year budget frames unless an admin has already entered some."""
    from decimal import Decimal

    from sqlalchemy import select

    from app.followup.models import BudgetFrame

    year = DEMO_BUDGET["year"]
    if session.execute(select(BudgetFrame.id).where(BudgetFrame.year == year)).first() is None:
        for post, amount in DEMO_BUDGET["posts"].items():
            session.add(BudgetFrame(year=year, post=post, amount=Decimal(amount)))
        click.echo(f"Budgetramar för {year} inlagda.")
    session.commit()


def _months(first: str, last: str) -> list[str]:
    """The months YYYY-MM from first to last, both included."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _settle_history(session) -> None:
    """Close every month with data up to SEED_SETTLED_UNTIL (drafts and approves its settlements),
    so the trend and budget pages have approved settlements; later months stay open for finance.
    A closed month is left alone, so running seed again settles nothing new."""
    first = session.execute(select(func.min(Attendance.date))).scalar_one_or_none()
    months = _months(f"{first:%Y-%m}", SEED_SETTLED_UNTIL) if first else []
    closed = set(session.execute(select(Period.period).where(
        Period.period.in_(months), Period.closed_at.is_not(None))).scalars())
    session.commit()  # end the reading transaction: on SQLite it holds the write lock
    todo = [m for m in months if m not in closed]
    for period in todo:
        try:
            result = close_period(session, period)
        except ValidationError as exc:
            _fail(exc.field, exc.message)
        session.commit()
        click.echo(f"Avräkning {period}: stängd, {len(result.approved)} godkända avräkningar.")
    if months and not todo:
        click.echo(f"Avräkning: {months[0]}–{months[-1]} är redan stängda.")


def _seed_journeys(session) -> list:
    """The journeys of app/kundval/demo.py, with the demo case worker and provider."""
    from app.kundval.demo import seed_journeys

    worker = session.execute(select(User).where(User.email == "handlaggare@kundval.example")).scalar_one()
    provider = session.execute(select(User).where(User.email == "anordnare@kundval.example")).scalar()

    def password_user(email: str, name: str) -> User:
        return create_user(session, email=email, role="client", password=DEMO_PASSWORD, name=name)

    try:
        return seed_journeys(session, worker, provider, password_user)
    except ValidationError as exc:
        _fail(exc.field, exc.message)


def _seed_users(session, doc: dict) -> int:
    """Create the missing demo users and link them to the seeded data; returns how many were made."""
    provider_refs = [p.get("ref") for p in doc.get("providers") or []]
    client_refs = [c.get("ref") for c in doc.get("clients") or []]
    users = {u.email: u for u in session.execute(select(User).where(
        User.email.in_([email for email, _, _ in DEMO_USERS]))).scalars()}
    created = 0
    for email, role, name in DEMO_USERS:
        if email in users:
            continue
        org_nr = None
        if role == "provider":
            org_nr = session.execute(
                select(Provider.org_nr).where(Provider.ref.in_(provider_refs), Provider.status == "approved")
                .order_by(Provider.org_nr)).scalars().first()
            if org_nr is None:
                continue
        users[email] = create_user(session, email=email, role=role, password=DEMO_PASSWORD, name=name,
                                   provider_org_nr=org_nr)
        created += 1
    _assign_case_worker(session, users["handlaggare@kundval.example"].id, client_refs)
    _link_client_user(session, users["deltagare@kundval.example"].id, client_refs)
    return created


def _assign_case_worker(session, user_id: int, client_refs: list[str]) -> None:
    clients = session.execute(select(Client).where(Client.ref.in_(client_refs))).scalars().all()
    for client in clients:
        client.case_worker_id = client.case_worker_id or user_id
    referrals = session.execute(select(Referral).where(
        Referral.client_id.in_([c.id for c in clients]))).scalars()
    for referral in referrals:
        referral.case_worker_id = referral.case_worker_id or user_id


def _link_client_user(session, user_id: int, client_refs: list[str]) -> None:
    """The demo client is one still to choose a provider, so the choice screen has something to show."""
    if session.execute(select(Client.id).where(Client.user_id == user_id)).first():
        return
    clients = {c.ref: c for c in session.execute(
        select(Client).where(Client.ref.in_(client_refs), Client.user_id.is_(None))).scalars()}
    waiting = set(session.execute(
        select(Referral.client_id).outerjoin(Placement, Placement.referral_id == Referral.id)
        .where(Placement.id.is_(None))).scalars())
    ordered = [clients[ref] for ref in client_refs if ref in clients]
    chosen = next((c for c in ordered if c.id in waiting), ordered[0] if ordered else None)
    if chosen is not None:
        chosen.user_id = user_id
