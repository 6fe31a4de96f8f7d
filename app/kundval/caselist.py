"""The case worker's list of clients: search, filters, counts, sorting and paging, all in SQL.

Each client's row shows their latest decision; the status and every filter's flag are worked out
once per client with joins and grouping, and the page carries the counts as window sums, so the
page and its counts are one query whatever the number of clients.
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
PLACEMENT_FILTERS = tuple(name for name in FILTERS if name not in STATUS_FILTERS)
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
    disputed: bool = False  # days the client says "jag var inte där" about, not yet resolved


@dataclass
class CaseList:
    rows: list[CaseListRow]
    total: int
    counts: dict[str, int]
    page: int
    pages: int


def _latest_referral(base: list):
    """Each listed client's latest decision (by decision day, then id), found once for all of them
    with a window over their decisions (not a look-up per client repeated in every condition)."""
    ranked = (select(Referral.client_id.label("cid"), Referral.id.label("rid"), func.row_number().over(
        partition_by=Referral.client_id, order_by=(Referral.decided_on.desc(), Referral.id.desc())).label("rn"))
        .join(Client, Client.id == Referral.client_id).where(*base).subquery())
    return select(ranked.c.cid, ranked.c.rid).where(ranked.c.rn == 1).cte("latest_referral")


def _running(today: date):
    return or_(Placement.ended_on.is_(None), Placement.ended_on >= today)


def _previous_week(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def placement_flags(today: date, sustain_days: dict[str, int]) -> dict:
    """Each placement-level filter as one SQL condition on Placement; a client is in the filter when
    any placement under any of their decisions meets it."""
    monday, sunday = _previous_week(today)
    no_attendance = ~select(Attendance.id).where(
        Attendance.placement_id == Placement.id, Attendance.date >= monday, Attendance.date <= sunday).exists()
    return {
        "no_first_meeting": no_first_meeting(today),
        "attendance_missing": and_(
            Placement.start_date <= monday, or_(Placement.ended_on.is_(None), Placement.ended_on >= sunday),
            no_attendance),
        "to_verify": select(Outcome.id).where(
            Outcome.placement_id == Placement.id, Outcome.verified_on.is_(None),
            Outcome.rejected_on.is_(None)).exists(),
        "followup_due": followups.due_condition(today, sustain_days),
        # Days the client says "jag var inte där" about, not yet resolved by the case worker.
        "disputed": select(AttendanceDispute.id).where(
            AttendanceDispute.placement_id == Placement.id, AttendanceDispute.status == "open").exists(),
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


def _flag(condition):
    return func.max(case((condition, 1), else_=0))


def _rows(session: Session, base: list, today: date):
    """One row per listed client: its latest decision, status and each filter's flag, worked out
    once per client (and once per placement) with joins and grouping, so the counts and the page
    read the same few columns."""
    latest = _latest_referral(base)
    # Per client: over all their placements, and over those of the latest decision.
    of_latest = Referral.id == latest.c.rid
    per_client = (select(Referral.client_id.label("cid"),
                         _flag(of_latest).label("any_latest"),
                         _flag(and_(of_latest, _running(today))).label("running_latest"),
                         *[_flag(cond).label(name) for name, cond in
                           placement_flags(today, followups.sustain_days_by_service_type(session)).items()])
                  .select_from(Placement).join(Referral, Referral.id == Placement.referral_id)
                  .join(latest, latest.c.cid == Referral.client_id)
                  .group_by(Referral.client_id).subquery())
    status = case(
        (Referral.id.is_(None), literal("none")),
        (Referral.withdrawn_on.is_not(None), literal("withdrawn")),
        (per_client.c.running_latest == 1, literal("placed")),
        (or_(per_client.c.any_latest == 1, Referral.valid_to < today), literal("ended")),
        else_=literal("waiting"))
    soon = and_(status == "waiting", Referral.choice_deadline <= add_working_days(today, 2))
    return (select(Client.id.label("cid"), Referral.id.label("rid"), status.label("status"),
                   case((soon, 1), else_=0).label("deadline_soon"),
                   *[func.coalesce(per_client.c[name], 0).label(name) for name in PLACEMENT_FILTERS])
            .select_from(Client).join(latest, latest.c.cid == Client.id, isouter=True)
            .join(Referral, Referral.id == latest.c.rid, isouter=True)
            .join(per_client, per_client.c.cid == Client.id, isouter=True)
            .where(*base).subquery())


def case_list(session: Session, *, case_worker_id: int | None, today: date, search: str = "",
              service_type: str = "", filter_name: str = "", sort: str = "priority", page: int = 1) -> CaseList:
    """One page of the case worker's (or everyone's) clients with the count of each filter."""
    if session.get_bind().dialect.name == "postgresql":
        # Compiling the plan's expressions (JIT) costs more than running them.
        session.execute(text("SET LOCAL jit = off"))
    base = []
    if case_worker_id is not None:
        base.append(Client.case_worker_id == case_worker_id)
    searched = _search(search)
    if searched is not None:
        base.append(searched)
    rows_q = _rows(session, base, today)
    if service_type in SERVICE_TYPES:
        typed = aliased(Referral)
        rows_q = (select(rows_q).join(typed, typed.id == rows_q.c.rid)
                  .where(typed.service_type == service_type).subquery())
    # The counts ride along the page as window sums over every listed client (one query);
    # only an empty or too far page asks for them on their own.
    counted = select(rows_q, func.count().over().label("n_all"), *[
        func.sum(case((_flags(rows_q)[name], 1), else_=0)).over().label(f"n_{name}") for name in FILTERS]).subquery()
    chosen = _flags(counted).get(filter_name)
    referral = aliased(Referral)
    status = counted.c.status
    order = {
        "name": (func.lower(Client.name), Client.id),
        "deadline": (referral.choice_deadline.is_(None), referral.choice_deadline, Client.id),
        "born": (Client.birth_date, Client.id),
    }.get(sort) or (
        Client.children_in_household.is_(False),
        case((status == "waiting", 0), (status == "placed", 1), (status == "none", 2), else_=3),
        referral.choice_deadline.is_(None), referral.choice_deadline, func.lower(Client.name), Client.id)
    stmt = (select(Client, referral, status, counted.c.n_all, *[counted.c[f"n_{name}"] for name in FILTERS],
                   counted.c.disputed)
            .select_from(counted).join(Client, Client.id == counted.c.cid)
            .join(referral, referral.id == counted.c.rid, isouter=True).order_by(*order))
    if chosen is not None:
        stmt = stmt.where(chosen)
    page = max(page, 1)
    rows = session.exec(stmt.offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    if rows:
        counts = dict(zip(("all", *FILTERS), rows[0][3:-1], strict=True))
    else:
        flags = _flags(rows_q)
        count_row = session.exec(select(func.count(), *[
            func.sum(case((flags[name], 1), else_=0)) for name in FILTERS]).select_from(rows_q)).one()
        counts = dict(zip(("all", *FILTERS), count_row, strict=True))
    counts = {name: int(n or 0) for name, n in counts.items()}
    total = counts[filter_name] if chosen is not None else counts["all"]
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:
        page = pages
        rows = session.exec(stmt.offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all() if total else []
    out = [CaseListRow(row[0], row[1], row[2], _masked(row[0]), row[-1] == 1) for row in rows]
    return CaseList(out, total, counts, page, pages)


def _flags(rows) -> dict:
    """Each filter as a condition on the per-client rows."""
    return {"waiting": rows.c.status == "waiting", "placed": rows.c.status == "placed",
            "deadline_soon": rows.c.deadline_soon == 1, **{name: rows.c[name] == 1 for name in PLACEMENT_FILTERS}}


def _masked(client: Client) -> str:
    from app.kundval.service import masked_id

    return masked_id(client)
