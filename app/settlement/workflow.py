"""The settlement workflow of settlement.md: drafts, approval, closing and adjustments.

Which periods are settled decides where adjustments go; a run makes or replaces drafts
(idempotent, unchanged drafts kept); approval numbers without gaps; closing drafts and approves
what is left. The lines come from the engine (fast.py); loading and storing are their own
modules. Callers commit; every function works inside the caller's one transaction.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, col

from app.common.audit import record_change
from app.common.base import utcnow
from app.common.errors import ValidationError
from app.common.hooks import Hook
from app.common.identifiers import normalize_org_nr
from app.common.money import from_db
from app.common.periods import check_period as check_period  # re-exported by service
from app.kundval.models import Placement
from app.providers.models import Provider
from app.settlement import fast, rules, timing
from app.settlement.export import stored_line_records
from app.settlement.loading import Loaded, load_inputs
from app.settlement.models import NumberSeries, Period, Settlement, SettlementLine
from app.settlement.storing import Draft, delete_draft, same_lines, store_drafts

SETTLEMENT_LOCK_KEY = 72_015_001  # PostgreSQL advisory lock shared by run, approve and close


def lock_settlements(session: Session) -> None:
    """Serialise settlement writers: an advisory lock on PostgreSQL; SQLite's BEGIN IMMEDIATE
    already holds the database's write lock for the whole transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SETTLEMENT_LOCK_KEY})


# --- Which periods are settled --------------------------------------------------------------


# (session, period) -> None: a period's settlements were approved. The follow-up (an area above
# settlement) keeps figures per year and rewrites them; followup/kept.py provides it.
period_approved: Hook[Callable[[Session, str], None]] = Hook("settlement.workflow.period_approved")

@dataclass
class SettledState:
    closed: set[str]
    approved: dict[int, set[str]]  # provider id -> periods with an approved settlement
    drafts: dict[int, str]  # provider id -> period of a draft (only for the run period)

    def settled(self, provider_id: int, period: str) -> bool:
        return period in self.closed or period in self.approved.get(provider_id, set())


def settled_state(session: Session) -> SettledState:
    closed = set(session.execute(select(col(Period.period)).where(col(Period.closed_at).is_not(None))).scalars())
    approved: dict[int, set[str]] = defaultdict(set)
    for provider_id, period in session.execute(
            select(col(Settlement.provider_id), col(Settlement.period)).where(col(Settlement.status) == "approved")):
        approved[provider_id].add(period)
    return SettledState(closed, approved, {})


def first_data_period(session: Session) -> str | None:
    first = session.execute(select(func.min(col(Placement.start_date)))).scalar()
    return rules.period_of(first) if first else None


def adjustment_periods(state: SettledState, provider_id: int, period: str, earliest: str) -> list[str]:
    """Settled periods Q whose earliest unsettled later period is `period`, newest first."""
    result = []
    q = rules.previous_period(period)
    while q >= earliest and state.settled(provider_id, q):
        result.append(q)
        q = rules.previous_period(q)
    return result


# --- Running drafts --------------------------------------------------------------------------


@dataclass
class RunResult:
    period: str
    drafted: list[str] = field(default_factory=list)  # org_nr
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped_settled: list[str] = field(default_factory=list)


def compute_period(session: Session, period: str, provider_ids: set[int] | None = None,
                   loaded: Loaded | None = None, state: SettledState | None = None
                   ) -> dict[int, tuple[list[rules.Line], list[rules.Warning], str]]:
    """Lines (regular, bonus and adjustments), warnings and fingerprint per provider id for
    `period`, for providers not yet settled in it. Writes nothing."""
    check_period(period)
    state = state or settled_state(session)
    earliest = first_data_period(session)
    if earliest is None:
        return {}
    org_of = cast(dict[int, str], dict(session.execute(select(col(Provider.id), col(Provider.org_nr))).tuples().all()))
    wanted = set(org_of) if provider_ids is None else provider_ids
    wanted = {pid for pid in wanted if not state.settled(pid, period)}
    adj_periods = {pid: adjustment_periods(state, pid, period, earliest) for pid in wanted}
    oldest = min([period] + [q for qs in adj_periods.values() for q in qs])
    first, _ = rules.attendance_dates_needed(oldest)
    _, last = rules.attendance_dates_needed(period)
    if loaded is None:
        loaded = load_inputs(session, first, last, providers=None if provider_ids is None else wanted)
    ref_of = {pid: ref for ref, pid in loaded.provider_ids.items()}

    owed_now, digests = fast.owed_and_fingerprints(loaded.inputs, period, [ref_of[pid] for pid in wanted])
    lines_of = {pid: list(owed_now.get(ref_of[pid], ([], []))[0]) for pid in wanted}
    _add_adjustments(session, loaded, adj_periods, lines_of)
    final = {}
    for pid in wanted:
        lines, warnings = lines_of[pid], list(owed_now.get(ref_of[pid], ([], []))[1])
        if lines or warnings:
            final[pid] = (lines, warnings, digests.get(ref_of[pid], "") if lines else "")
    return final


def _add_adjustments(session: Session, loaded: Loaded, adj_periods: dict[int, list[str]],
                     lines_of: dict[int, list[rules.Line]]) -> None:
    """Append to each provider's lines the adjustments for the settled periods it corrects."""
    ref_of = {pid: ref for ref, pid in loaded.provider_ids.items()}
    by_q: dict[str, list[int]] = defaultdict(list)
    for pid, qs in adj_periods.items():
        for q in qs:
            by_q[q].append(pid)
    if not by_q:
        return
    approved = approved_lines_for(session, set(by_q), loaded, set(adj_periods))
    for q, pids in by_q.items():
        owed_q = fast.owed_all(loaded.inputs, q, [ref_of[pid] for pid in pids])
        for pid in pids:
            q_lines = owed_q.get(ref_of[pid], ([], []))[0]
            lines_of[pid].extend(rules.adjustment_lines(q_lines, approved.get((pid, q), []), q))


def approved_lines_for(session: Session, periods: set[str], loaded: Loaded, providers: set[int]
                       ) -> dict[tuple[int, str], list[rules.Line]]:
    """Per (provider id, Q): the approved lines of Q plus approved adjustments referring to Q."""
    result: dict[tuple[int, str], list[rules.Line]] = defaultdict(list)
    rows = session.execute(
        select(col(Settlement.provider_id), col(Settlement.period), col(SettlementLine.placement_id), col(SettlementLine.kind),
               col(SettlementLine.quantity), col(SettlementLine.unit_price), col(SettlementLine.amount),
               col(SettlementLine.vat_rate), col(SettlementLine.vat), col(SettlementLine.ref_period),
               col(SettlementLine.ref_kind))
        .join(Settlement, col(Settlement.id) == col(SettlementLine.settlement_id))
        .where(col(Settlement.status) == "approved", col(Settlement.provider_id).in_(sorted(providers)))
        .where((col(Settlement.period).in_(periods)) | (col(SettlementLine.ref_period).in_(periods))))
    for provider_id, s_period, p_id, kind, qty, price, amount, vat_rate, vat, ref_period, ref_kind in rows:
        line = rules.Line(loaded.placement_refs[p_id], kind, from_db(qty), from_db(price), from_db(amount),
                          vat_rate, from_db(vat), ref_period, ref_kind)
        if kind == "adjustment":
            if ref_period in periods:
                result[(provider_id, ref_period)].append(line)
        elif s_period in periods:
            result[(provider_id, s_period)].append(line)
    return result


def run_period(session: Session, period: str, provider_org_nr: str | None = None) -> RunResult:
    """Make or replace the drafts of `period` (one provider or all); settled ones are skipped."""
    check_period(period)
    lock_settlements(session)
    providers = _providers(session, provider_org_nr)
    state = settled_state(session)
    result = RunResult(period)
    result.skipped_settled = sorted(org for pid, org in providers.items() if state.settled(pid, period))
    with fast.collection_paused():
        computed = compute_period(session, period, None if provider_org_nr is None else set(providers),
                                  state=state)
        existing = {s.provider_id: s for s in session.execute(
            select(Settlement).where(col(Settlement.period) == period,
                                     col(Settlement.provider_id).in_(list(providers)))).scalars()}
        # Drafts whose inputs look unchanged are compared line by line, all read in one query.
        stored = stored_line_records(session, [
            draft.id for pid, draft in existing.items()
            if pid in computed and draft.status == "draft" and draft.fingerprint == computed[pid][2]])
        to_store: list[Draft] = []
        for pid in sorted(providers, key=providers.__getitem__):
            if state.settled(pid, period):
                continue
            lines, warnings, digest = computed.get(pid, ([], [], ""))
            draft = existing.get(pid)
            if not lines:
                if draft is not None:
                    delete_draft(session, draft)
                    result.removed.append(providers[pid])
                continue
            if draft is not None and draft.id in stored and same_lines(stored[draft.id], lines):
                result.unchanged.append(providers[pid])
                continue
            to_store.append(Draft(pid, draft, lines, warnings, digest))
            result.drafted.append(providers[pid])
        store_drafts(session, period, to_store)
    return result


def _providers(session: Session, org_nr: str | None) -> dict[int, str]:
    stmt = select(col(Provider.id), col(Provider.org_nr))
    if org_nr:
        stmt = stmt.where(col(Provider.org_nr) == normalize_org_nr(org_nr, "provider"))
        rows = cast(dict[int, str], dict(session.execute(stmt).tuples().all()))
        if not rows:
            raise ValidationError("provider", _l("ingen anordnare med det organisationsnumret"))
        return rows
    return cast(dict[int, str], dict(session.execute(stmt).tuples().all()))


# --- Approval and closing ----------------------------------------------------------------------


def next_numbers(session: Session, year: int, count: int) -> list[str]:
    """Take `count` numbers of the year's series, without gaps, under a row lock."""
    if session.get(NumberSeries, year) is None:
        if session.get_bind().dialect.name == "postgresql":
            now = utcnow()
            session.execute(pg_insert(NumberSeries).values(
                year=year, last_number=0, created_at=now, updated_at=now).on_conflict_do_nothing())
        else:
            session.add(NumberSeries(year=year, last_number=0))
            session.flush()
    last = session.execute(select(col(NumberSeries.last_number)).where(col(NumberSeries.year) == year)
                           .with_for_update()).scalar_one()
    session.execute(update(NumberSeries).where(col(NumberSeries.year) == year)
                    .values(last_number=last + count, updated_at=utcnow()))
    return [f"AV-{year}-{n:05d}" for n in range(last + 1, last + count + 1)]


@dataclass
class ApproveResult:
    period: str
    approved: list[tuple[str, str]] = field(default_factory=list)  # (org_nr, number)


def approve_period(session: Session, period: str, provider_org_nr: str | None = None,
                   user_id: int | None = None, settlement_ids: list[int] | None = None) -> ApproveResult:
    """Approve the drafts of `period` (in org_nr order); numbers follow the year of approval."""
    check_period(period)
    timing.check_period_ended(period)
    lock_settlements(session)
    providers = _providers(session, provider_org_nr)
    stmt = (select(Settlement, col(Provider.org_nr)).join(Provider, col(Provider.id) == col(Settlement.provider_id))
            .where(col(Settlement.period) == period, col(Settlement.status) == "draft",
                   col(Settlement.provider_id).in_(list(providers)))
            .order_by(col(Provider.org_nr)))
    if settlement_ids is not None:
        stmt = stmt.where(col(Settlement.id).in_(settlement_ids))
    drafts = session.execute(stmt).all()
    result = ApproveResult(period)
    if not drafts:
        return result
    now = utcnow()
    numbers = next_numbers(session, now.year, len(drafts))
    for (draft, org_nr), number in zip(drafts, numbers, strict=True):
        draft.status = "approved"
        draft.number = number
        draft.approved_at = now
        draft.approved_by_id = user_id
        result.approved.append((org_nr, number))
    session.flush()
    for (draft, org_nr), number in zip(drafts, numbers, strict=True):
        record_change(session, user_id, "approve", "settlement", draft.id,
                      after={"number": number, "period": period, "provider": org_nr,
                             "total_incl_vat": str(draft.total_incl_vat)})
    from app.settlement.notices import tell_providers_approved

    tell_providers_approved(session, [draft for draft, _org in drafts])
    period_approved(session, period)  # the follow-up's kept figures, rewritten at commit
    return result


@dataclass
class CloseResult:
    period: str
    already_closed: bool = False
    drafted: list[str] = field(default_factory=list)
    approved: list[tuple[str, str]] = field(default_factory=list)


def close_period(session: Session, period: str, user_id: int | None = None) -> CloseResult:
    """Draft every provider with lines and no settlement, approve every draft, close the month."""
    check_period(period)
    timing.check_period_ended(period, "stängas")
    lock_settlements(session)
    row = session.execute(select(Period).where(col(Period.period) == period)).scalar_one_or_none()
    if row is not None and row.closed_at is not None:
        return CloseResult(period, already_closed=True)
    has_settlement = set(session.execute(
        select(col(Settlement.provider_id)).where(col(Settlement.period) == period)).scalars())
    org_of = cast(dict[int, str], dict(session.execute(select(col(Provider.id), col(Provider.org_nr))).tuples().all()))
    missing = set(org_of) - has_settlement
    result = CloseResult(period)
    if missing:
        computed = compute_period(session, period, missing)
        to_store = []
        for pid in sorted(computed, key=org_of.__getitem__):
            lines, warnings, digest = computed[pid]
            if lines:
                to_store.append(Draft(pid, None, lines, warnings, digest))
                result.drafted.append(org_of[pid])
        store_drafts(session, period, to_store)
    result.approved = approve_period(session, period, user_id=user_id).approved
    if row is None:
        row = Period(period=period)
        session.add(row)
    row.closed_at = utcnow()
    row.closed_by_id = user_id
    session.flush()
    record_change(session, user_id, "close", "period", row.id, after={"period": period})
    return result


