"""The case worker's list, kept: each client's status and filter flags in one narrow row (CaseFacts).

Working out a client's status and flags means reading their decisions, placements, attendance,
results and follow-ups; doing that for every client on every view of the list cost 90 ms of the
page's 110 ms at 5 000 clients (and grew with every month reported). So it is done when something
changes and kept:

- **on change**, in the same transaction: a session that flushed a client, decision, placement,
  attendance, dispute, result or follow-up refreshes those clients' rows before it commits (the
  list refreshes what its own session changed before it reads);
- **by date**: the flags depend on today (a deadline two working days away, last week's attendance,
  a follow-up falling due), so a row is as of a day; the first list of a day, or the nightly job,
  rewrites every row that is not of today or was worked out with other bonus rules;
- **bulk writes** that go round the ORM (the import, retention) refresh every row when done.

The conditions are those of the list before it was kept (one query for all clients, or for a few);
`tests/kundval/test_casefacts.py` holds the kept rows equal to working them out anew.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from itertools import chain
from typing import Any

from sqlalchemy import and_, case, delete, func, literal, or_, select, text, true
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from app.common import clock
from app.common.kept_on_change import keep_on_change
from app.common.workdays import add_working_days
from app.kundval import followups
from app.kundval.handoff import no_first_meeting
from app.kundval.models import (
    Attendance,
    AttendanceDispute,
    CaseFacts,
    Client,
    FollowUp,
    Outcome,
    Placement,
    Referral,
)

FILTERS = ("waiting", "deadline_soon", "placed", "no_first_meeting", "attendance_missing", "to_verify",
           "followup_due", "disputed")
STATUS_FILTERS = ("waiting", "deadline_soon", "placed")  # worked out from the row's status
PLACEMENT_FILTERS = tuple(name for name in FILTERS if name not in STATUS_FILTERS)
# The list's default order after "children in the household first": waiting, placed, no decision,
# then the rest (ended, withdrawn), kept in CaseFacts.priority.
STATUS_ORDER = ("waiting", "placed", "none")
# Refreshing more clients than this at once rewrites every row (no statement lists more ids).
MAX_IDS = 50
_PENDING = "kundval.casefacts.pending"
_LOCK = 7_301_013  # PostgreSQL advisory lock: one refresh of every row at a time


# -- the conditions --------------------------------------------------------------------------------

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


def _flag(condition):
    return func.max(case((condition, 1), else_=0))


def worked_out(today: date, sustain_days: dict[str, int], base: list):
    """One row per client (of `base`): its latest decision, status and each filter's flag, worked out
    once per client (and once per placement) with joins and grouping."""
    latest = _latest_referral(base)
    # Per client: over all their placements, and over those of the latest decision.
    of_latest = Referral.id == latest.c.rid
    per_client = (select(Referral.client_id.label("cid"),
                         _flag(of_latest).label("any_latest"),
                         _flag(and_(of_latest, _running(today))).label("running_latest"),
                         *[_flag(cond).label(name) for name, cond in
                           placement_flags(today, sustain_days).items()])
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
    priority = (case((Client.children_in_household.is_(True), 0), else_=len(STATUS_ORDER) + 1)
                + case(*[(status == name, rank) for rank, name in enumerate(STATUS_ORDER)], else_=len(STATUS_ORDER)))
    return (select(Client.id.label("client_id"), Client.case_worker_id.label("case_worker_id"),
                   Referral.id.label("referral_id"), status.label("status"),
                   func.lower(Client.name).label("name_key"), Client.birth_date.label("born"),
                   Client.children_in_household.label("children"), Referral.service_type.label("service_type"),
                   Referral.choice_deadline.label("deadline"),
                   case((soon, 1), else_=0).label("deadline_soon"), priority.label("priority"),
                   *[func.coalesce(per_client.c[name], 0).label(name) for name in PLACEMENT_FILTERS])
            .select_from(Client).join(latest, latest.c.cid == Client.id, isouter=True)
            .join(Referral, Referral.id == latest.c.rid, isouter=True)
            .join(per_client, per_client.c.cid == Client.id, isouter=True)
            .where(*base).subquery())


# -- keeping them ----------------------------------------------------------------------------------

def rules_key(sustain_days: dict[str, int]) -> str:
    """The bonus rules' sustain days as the rows record them: other rules, other follow-up flags."""
    return ",".join(f"{service_type}:{days}" for service_type, days in sorted(sustain_days.items()))


def _one_rewrite_at_a_time(session: Session) -> None:
    """On PostgreSQL, wait for any other rewrite of every row (two could lock rows in other orders)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})


def refresh(session: Session, today: date, client_ids: Iterable[int] | None = None) -> None:
    """Rewrite the rows of `client_ids` (of every client when None) as of `today`, in the session's
    transaction: one INSERT ... SELECT ... ON CONFLICT DO UPDATE."""
    ids = None if client_ids is None else sorted(set(client_ids))
    if ids is not None and not ids:
        return
    if ids is None or len(ids) > MAX_IDS:
        _one_rewrite_at_a_time(session)
        ids = None
    _write(session, today, ids)


def _write(session: Session, today: date, ids: list[int] | None) -> None:
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        session.execute(text("SET LOCAL jit = off"))  # compiling the plan costs more than running it
    sustain_days = followups.sustain_days_by_service_type(session)
    rows = worked_out(today, sustain_days, [] if ids is None else [Client.id.in_(ids)])
    names = [column.name for column in rows.c]
    source = select(*rows.c, literal(today).label("as_of"), literal(rules_key(sustain_days)).label("rules")
                    ).where(true())  # SQLite needs a WHERE before ON CONFLICT after a SELECT
    insert = (postgresql_insert if postgresql else sqlite_insert)(CaseFacts.__table__)  # type: ignore[arg-type]
    statement = insert.from_select([*names, "as_of", "rules"], source)
    statement = statement.on_conflict_do_update(index_elements=["client_id"], set_={
        name: statement.excluded[name] for name in [*names, "as_of", "rules"] if name != "client_id"})
    gone = CaseFacts.client_id.not_in(select(Client.id).where(*([] if ids is None else [Client.id.in_(ids)])))
    session.execute(delete(CaseFacts).where(gone, *([] if ids is None else [CaseFacts.client_id.in_(ids)]))
                    .execution_options(synchronize_session=False))
    session.execute(statement)


def _analyze(session: Session) -> None:
    """After the day's rewrite of every row: without fresh statistics (a new table's first fill)
    the planner took the table for a hundred rows and chose hash joins over every client."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE case_facts"))


def stale(session: Session, today: date) -> bool:
    """Is any client's row missing, of another day or of other bonus rules? (one cheap query)"""
    rules = rules_key(followups.sustain_days_by_service_type(session))
    clients = select(func.count(Client.id)).scalar_subquery()
    current = select(func.count(CaseFacts.client_id)).where(
        CaseFacts.as_of == today, CaseFacts.rules == rules).scalar_subquery()
    return bool(session.execute(select(clients - current)).scalar_one())


def make_current(session: Session, today: date) -> None:
    """Before the list reads the rows: refresh what this session changed, then every row if any is
    not of today (once a day; on PostgreSQL one worker at a time, the others then find it done)."""
    refresh_pending(session, today)
    if not stale(session, today):
        return
    _one_rewrite_at_a_time(session)
    if stale(session, today):  # or another worker did it while this one waited
        _write(session, today, None)
        _analyze(session)


def rewrite_all(session: Session, today: date) -> None:
    """After a bulk write that went round the ORM (an import, retention): every row anew."""
    session.flush()
    session.info.pop(_PENDING, None)
    refresh(session, today)


def nightly_job(session: Session, today: date):
    """Every night: every client's row as of today, so the first list of the day reads kept rows."""
    from app.common.jobs import run_once

    def work(s: Session) -> str:
        refresh(s, today)
        _analyze(s)
        return "deltagarlistan uppdaterad"

    return run_once(session, "case_facts", today.isoformat(), work)


# -- on change -------------------------------------------------------------------------------------

def _note_changes(session: OrmSession, _flush_context: Any) -> None:
    """After a flush: note whose rows the flushed objects change (ids resolved at refresh)."""
    pending = session.info.setdefault(_PENDING, {"client": set(), "referral": set(), "placement": set()})
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Client):
            pending["client"].add(obj.id)
        elif isinstance(obj, Referral):
            pending["client"].add(obj.client_id)
        elif isinstance(obj, Placement):
            pending["referral"].add(obj.referral_id)
        elif isinstance(obj, Attendance | AttendanceDispute | Outcome | FollowUp):
            pending["placement"].add(obj.placement_id)


def _clients_of(session: Session, pending: dict[str, set]) -> set[int] | None:
    """The clients behind the noted objects; None when there are more than a refresh lists."""
    if sum(len(ids) for ids in pending.values()) > MAX_IDS:
        return None
    found = {i for i in pending["client"] if i is not None}
    if pending["referral"]:
        found |= set(session.execute(select(Referral.client_id).where(
            Referral.id.in_(pending["referral"]))).scalars())
    if pending["placement"]:
        found |= set(session.execute(select(Referral.client_id).join(
            Placement, Placement.referral_id == Referral.id).where(Placement.id.in_(pending["placement"]))).scalars())
    return found


def refresh_pending(session: Session, today: date | None = None) -> None:
    """Refresh the rows of the clients this session has changed since its last refresh."""
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if not pending or not any(pending.values()):
        return
    ids = _clients_of(session, pending)
    if ids is None or ids:
        refresh(session, today or clock.today(), ids)


def watch() -> None:
    """Keep the rows on change in every session (called once from create_app())."""
    keep_on_change(_PENDING, _note_changes, refresh_pending)
