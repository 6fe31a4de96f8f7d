"""The case worker's list of clients: search, filters, counts, sorting and paging, all in SQL.

Each client's row shows their latest decision; a filter is one SQL condition, so the counts and
the page come from two queries whatever the number of clients.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, literal, or_, text
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from app.common.errors import ValidationError
from app.common.identifiers import normalize_personal_id
from app.common.personal_data import cipher
from app.common.workdays import add_working_days
from app.kundval import followups
from app.kundval.handoff import no_first_meeting
from app.kundval.models import Attendance, AttendanceDispute, Client, Outcome, Placement, Referral
from app.offerings.models import SERVICE_TYPES

PER_PAGE = 50
FILTERS = ("waiting", "deadline_soon", "placed", "no_first_meeting", "attendance_missing", "to_verify",
           "followup_due", "disputed")
SORTS = ("priority", "name", "deadline", "born")
STATUS_FILTERS = ("waiting", "deadline_soon", "placed")  # worked out from the row's status
# The filters' names in the URL (Swedish, readable) and in code.
FILTER_PARAMS = {"vantar": "waiting", "snart": "deadline_soon", "placerade": "placed",
                 "ingen_traff": "no_first_meeting", "narvaro": "attendance_missing",
                 "verifiera": "to_verify", "uppfoljning": "followup_due", "ifragasatt": "disputed"}
SORT_PARAMS = {"prioritet": "priority", "namn": "name", "sista_dag": "deadline", "fodd": "born"}


@dataclass
class CaseListRow:
    client: Client
    referral: Referral | None
    status: str
    masked_id: str


@dataclass
class CaseList:
    rows: list[CaseListRow]
    total: int
    counts: dict[str, int]
    page: int
    pages: int


def _latest_referral():
    """Each client's latest decision (by decision day, then id): an index look-up per client."""
    latest = (select(Referral.id).where(Referral.client_id == Client.id)
              .order_by(Referral.decided_on.desc(), Referral.id.desc()).limit(1).scalar_subquery())
    return select(Client.id.label("cid"), latest.label("rid")).subquery(), aliased(Referral)


def _running(referral, today: date):
    return select(Placement.id).where(Placement.referral_id == referral.id, or_(
        Placement.ended_on.is_(None), Placement.ended_on >= today)).exists()


def _client_placements(*conditions):
    """EXISTS a placement under any of the client's decisions meeting the conditions."""
    return (select(Placement.id).join(Referral, Referral.id == Placement.referral_id)
            .where(Referral.client_id == Client.id, *conditions).exists())


def _previous_week(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def conditions(referral, status, today: date, sustain_days: dict[str, int]) -> dict:
    """Each filter as one SQL condition on (Client, latest referral)."""
    monday, sunday = _previous_week(today)
    no_attendance = ~select(Attendance.id).where(
        Attendance.placement_id == Placement.id, Attendance.date >= monday, Attendance.date <= sunday).exists()
    return {
        "waiting": status == "waiting",
        "deadline_soon": and_(status == "waiting", referral.choice_deadline <= add_working_days(today, 2)),
        "placed": status == "placed",
        "no_first_meeting": _client_placements(no_first_meeting(today)),
        "attendance_missing": _client_placements(
            Placement.start_date <= monday, or_(Placement.ended_on.is_(None), Placement.ended_on >= sunday),
            no_attendance),
        "to_verify": _client_placements(select(Outcome.id).where(
            Outcome.placement_id == Placement.id, Outcome.verified_on.is_(None),
            Outcome.rejected_on.is_(None)).exists()),
        "followup_due": _client_placements(followups.due_condition(today, sustain_days)),
        # Days the client says "jag var inte där" about, not yet resolved by the case worker.
        "disputed": _client_placements(select(AttendanceDispute.id).where(
            AttendanceDispute.placement_id == Placement.id, AttendanceDispute.status == "open").exists()),
    }


def _search(text: str):
    """Name contains the text, or the personnummer is the text (looked up by its keyed hash)."""
    text = (text or "").strip()[:100]
    if not text:
        return None
    found = [func.lower(Client.name).contains(text.lower(), autoescape=True)]
    try:
        found.append(Client.personal_id_hash == cipher().lookup_hash(normalize_personal_id(text)))
    except ValidationError:
        pass
    return or_(*found)


def case_list(session: Session, *, case_worker_id: int | None, today: date, search: str = "",
              service_type: str = "", filter_name: str = "", sort: str = "priority", page: int = 1) -> CaseList:
    """One page of the case worker's (or everyone's) clients with the count of each filter."""
    if session.get_bind().dialect.name == "postgresql":
        # Compiling these many small subplans (JIT) costs more than running them.
        session.execute(text("SET LOCAL jit = off"))
    latest, referral = _latest_referral()
    status = case(
        (referral.id.is_(None), literal("none")),
        (referral.withdrawn_on.is_not(None), literal("withdrawn")),
        (_running(referral, today), literal("placed")),
        (or_(select(Placement.id).where(Placement.referral_id == referral.id).exists(),
             referral.valid_to < today), literal("ended")),
        else_=literal("waiting"))
    base = []
    if case_worker_id is not None:
        base.append(Client.case_worker_id == case_worker_id)
    searched = _search(search)
    if searched is not None:
        base.append(searched)
    if service_type in SERVICE_TYPES:
        base.append(referral.service_type == service_type)
    conds = conditions(referral, status, today, followups.sustain_days_by_service_type(session))

    def joined(stmt):
        return (stmt.select_from(Client).join(latest, latest.c.cid == Client.id)
                .outerjoin(referral, referral.id == latest.c.rid).where(*base))

    # The status and each filter's flag are worked out once per client, then summed.
    soon = referral.choice_deadline <= add_working_days(today, 2)
    flags = joined(select(status.label("status"), soon.label("soon"), *[
        cond.label(name) for name, cond in conds.items() if name not in STATUS_FILTERS])).subquery()

    def flag_count(name: str):
        flag = {"waiting": flags.c.status == "waiting", "placed": flags.c.status == "placed",
                "deadline_soon": and_(flags.c.status == "waiting", flags.c.soon)}.get(name)
        return func.coalesce(func.sum(case((flags.c[name] if flag is None else flag, 1), else_=0)), 0)

    count_row = session.exec(select(func.count(), *[flag_count(name) for name in conds]).select_from(flags)).one()
    counts = dict(zip(conds, count_row[1:], strict=True))
    counts["all"] = count_row[0]
    chosen = conds.get(filter_name)
    total = counts[filter_name] if chosen is not None else counts["all"]
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    order = {
        "name": (func.lower(Client.name), Client.id),
        "deadline": (referral.choice_deadline.is_(None), referral.choice_deadline, Client.id),
        "born": (Client.birth_date, Client.id),
    }.get(sort) or (
        Client.children_in_household.is_(False),
        case((status == "waiting", 0), (status == "placed", 1), (status == "none", 2), else_=3),
        referral.choice_deadline.is_(None), referral.choice_deadline, func.lower(Client.name), Client.id)
    stmt = joined(select(Client, referral, status))
    if chosen is not None:
        stmt = stmt.where(chosen)
    rows = session.exec(stmt.order_by(*order).offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    out = [CaseListRow(c, r, s, _masked(c)) for c, r, s in rows]
    return CaseList(out, total, counts, page, pages)


def _masked(client: Client) -> str:
    from app.kundval.service import masked_id

    return masked_id(client)
