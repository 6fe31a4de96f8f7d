"""The case worker's list of clients: search, filters, counts, sorting and paging, all in SQL.

Each client's row shows their latest decision; the status and every filter's flag are worked out
once per client with joins and grouping, and the page carries the counts as window sums, so the
page and its counts are one query whatever the number of clients. The rows are sorted and cut to
the page on their narrow columns; the clients' and decisions' whole rows are read for the page only.

Building the statement costs as much Python as running it for one case worker, so it is built once
a day per shape (own list or team, search, service type, filter, sort) and run with the case worker,
the search and the page as parameters.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, literal, or_, text
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


def _search_params(text: str) -> dict[str, str]:
    """The search as the statement's parameters: a LIKE pattern for the name and, when the text is a
    personnummer, its keyed hash (the number itself is never sent to the database)."""
    text = (text or "").strip()[:100]
    if not text:
        return {}
    escaped = text.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
    params = {"name_like": f"%{escaped}%"}
    try:
        params["id_hash"] = cipher().lookup_hash(normalize_personal_id(text))
    except ValidationError:
        pass
    return params


def _search(by_id: bool):
    """Name contains the text, or (`by_id`) the personnummer is the text, looked up by its keyed
    hash; the values are the statement's parameters (_search_params)."""
    found = [func.lower(Client.name).like(bindparam("name_like"), escape="/")]
    if by_id:
        found.append(Client.personal_id_hash == bindparam("id_hash"))
    return or_(*found)


def _flag(condition):
    return func.max(case((condition, 1), else_=0))


def _rows_for(today: date, sustain_days: dict[str, int], base: list):
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
    return (select(Client.id.label("cid"), Referral.id.label("rid"), status.label("status"),
                   func.lower(Client.name).label("name_key"), Client.birth_date.label("born"),
                   Client.children_in_household.label("children"), Referral.service_type.label("service_type"),
                   Referral.choice_deadline.label("deadline"),
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
    params: dict[str, Any] = {**_search_params(search)}
    if case_worker_id is not None:
        params["case_worker_id"] = case_worker_id
    service_type = service_type if service_type in SERVICE_TYPES else ""
    if service_type:
        params["service_type"] = service_type
    filter_name = filter_name if filter_name in FILTERS else ""
    statements = _statements(today, tuple(sorted(followups.sustain_days_by_service_type(session).items())),
                             case_worker_id is not None, "name_like" in params, "id_hash" in params,
                             bool(service_type), filter_name, sort if sort in SORT_KEYS else "priority")
    page = max(page, 1)

    def page_rows(number: int) -> list:
        return list(session.exec(statements.page,  # type: ignore[call-overload]
                                 params={**params, "offset": (number - 1) * PER_PAGE, "limit": PER_PAGE}).all())

    rows = page_rows(page)
    if rows:
        counts = dict(zip(("all", *FILTERS), rows[0][3:-1], strict=True))
    else:
        counts = dict(zip(("all", *FILTERS), session.exec(  # type: ignore[call-overload]
            statements.counts, params=params).one(), strict=True))
    counts = {name: int(n or 0) for name, n in counts.items()}
    total = counts[filter_name] if filter_name else counts["all"]
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:
        page = pages
        rows = page_rows(page) if total else []
    out = [CaseListRow(row[0], row[1], row[2], _masked(row[0]), row[-1] == 1) for row in rows]
    return CaseList(out, total, counts, page, pages)


# The sort keys on the per-client rows; ties broken by the client's id.
SORT_KEYS = {
    "name": lambda c: (c.name_key, c.cid),
    "deadline": lambda c: (c.deadline.is_(None), c.deadline, c.cid),
    "born": lambda c: (c.born, c.cid),
    "priority": lambda c: (c.children.is_(False), case((c.status == "waiting", 0), (c.status == "placed", 1),
                                                        (c.status == "none", 2), else_=3),
                           c.deadline.is_(None), c.deadline, c.name_key, c.cid),
}


@dataclass(frozen=True)
class _Statements:
    page: Select  # the page's clients with every count (parameters offset and limit)
    counts: Select  # the counts alone, for an empty page


@lru_cache(maxsize=256)
def _statements(today: date, sustain_days: tuple[tuple[str, int], ...], own: bool, by_name: bool,
                by_id: bool, typed: bool, filter_name: str, sort: str) -> _Statements:
    """The page's statement and the counts' of one shape, for one day (its dates are literals)."""
    base = []
    if own:
        base.append(Client.case_worker_id == bindparam("case_worker_id"))
    if by_name:
        base.append(_search(by_id))
    rows_q = _rows_for(today, dict(sustain_days), base)
    if typed:
        rows_q = select(rows_q).where(rows_q.c.service_type == bindparam("service_type")).subquery()
    flags = _flags(rows_q)
    # The counts ride along the page as window sums over every listed client (one query).
    counted = select(rows_q, func.count().over().label("n_all"), *[
        func.sum(case((flags[name], 1), else_=0)).over().label(f"n_{name}") for name in FILTERS]).subquery()
    chosen = _flags(counted).get(filter_name)
    narrow = select(counted)
    if chosen is not None:
        narrow = narrow.where(chosen)
    ordered = (narrow.order_by(*SORT_KEYS[sort](counted.c))
               .offset(bindparam("offset")).limit(bindparam("limit")).subquery())
    referral = aliased(Referral)
    page = (select(Client, referral, ordered.c.status, ordered.c.n_all,
                   *[ordered.c[f"n_{name}"] for name in FILTERS], ordered.c.disputed)
            .select_from(ordered).join(Client, Client.id == ordered.c.cid)
            .join(referral, referral.id == ordered.c.rid, isouter=True)
            .order_by(*SORT_KEYS[sort](ordered.c)))
    counts = select(func.count(), *[func.sum(case((flags[name], 1), else_=0)) for name in FILTERS]
                    ).select_from(rows_q)
    return _Statements(page, counts)


def _flags(rows) -> dict:
    """Each filter as a condition on the per-client rows."""
    return {"waiting": rows.c.status == "waiting", "placed": rows.c.status == "placed",
            "deadline_soon": rows.c.deadline_soon == 1, **{name: rows.c[name] == 1 for name in PLACEMENT_FILTERS}}


def _masked(client: Client) -> str:
    from app.kundval.service import masked_id

    return masked_id(client)
