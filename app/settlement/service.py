"""Loading the rules' inputs from the database in bulk, and storing settlements.

The rules themselves are in rules.py; this layer decides which periods need adjustments,
keeps drafts idempotent, numbers approvals without gaps and closes periods. Callers
commit; every function here works inside the caller's one transaction.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Table, delete, func, select, text, update
from sqlmodel import Session

from app.common.base import utcnow
from app.common.errors import ValidationError
from app.kundval.models import Client, Placement, Referral
from app.offerings.models import Offering
from app.providers.models import Provider
from app.reporting.models import Outcome
from app.settlement import rules, timing
from app.settlement.models import (
    BonusRule,
    NumberSeries,
    Period,
    Settlement,
    SettlementLine,
    SettlementWarning,
)

log = logging.getLogger("kundval.settlement")

SETTLEMENT_LOCK_KEY = 72_015_001  # PostgreSQL advisory lock shared by run, approve and close


def check_period(period: str, field_name: str = "period") -> str:
    try:
        rules.period_bounds(period)
    except ValueError:
        raise ValidationError(field_name, "måste vara en månad som ÅÅÅÅ-MM") from None
    return period


def lock_settlements(session: Session) -> None:
    """Serialise settlement writers: an advisory lock on PostgreSQL; SQLite's BEGIN IMMEDIATE
    already holds the database's write lock for the whole transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SETTLEMENT_LOCK_KEY})


# --- Loading -------------------------------------------------------------------------------


@dataclass
class Loaded:
    """The rules' inputs plus the maps back to database ids."""

    inputs: rules.Inputs
    provider_ids: dict[str, int]  # provider ref -> id
    placement_ids: dict[str, int]  # placement ref -> id
    placement_refs: dict[int, str] = field(default_factory=dict)


def load_inputs(session: Session, first: date, last: date, merged: bool = True,
                providers: set[int] | None = None) -> Loaded:
    """Everything the rules need for periods whose attendance lies in first..last.

    Attendance is read for that range only, except for package placements, whose earlier rows
    decide the month of the start instalment. Counted days are merged by the database as
    rules.merge_counted() does (`merged=False` gives every row). With `providers` (ids), only
    their placements and those sharing a decision with them are read, so running one provider
    costs what that provider's data costs. Eight queries, whatever the size.
    """
    with rules.collection_paused():  # millions of new objects, no cycles among them
        return _load_inputs(session, first, last, merged, providers)


def _related_referrals(providers: set[int]):
    """The decisions under which these providers have placements (a subquery)."""
    return (select(Placement.referral_id).join(Offering, Offering.id == Placement.offering_id)
            .where(Offering.provider_id.in_(sorted(providers))))


def _load_inputs(session: Session, first: date, last: date, merged: bool,
                 providers: set[int] | None) -> Loaded:
    def scoped(stmt, referral_id):
        return stmt if providers is None else stmt.where(referral_id.in_(_related_referrals(providers)))

    provider_refs = dict(session.execute(select(Provider.id, Provider.ref)).all())
    offerings: dict[str, rules.Offering] = {}
    offering_refs: dict[int, str] = {}
    package_offering_ids: set[int] = set()
    for o_id, ref, provider_id, service_type, rate_unit, rate, vat_rate, start_share in session.execute(
        select(Offering.id, Offering.ref, Offering.provider_id, Offering.service_type,
               Offering.rate_unit, Offering.rate, Offering.vat_rate, Offering.start_share)
    ):
        offering_refs[o_id] = ref
        offerings[ref] = rules.Offering(ref, provider_refs[provider_id], service_type, rate_unit,
                                        _dec(rate), vat_rate, start_share)
        if rate_unit == "package":
            package_offering_ids.add(o_id)

    # A row per decision, client and placement: read through the driver (see _driver_rows).
    day = _Dates()
    referrals: dict[str, rules.Referral] = {}
    referral_refs: dict[int, str] = {}
    referral_client: dict[int, int] = {}
    for r_id, ref, client_id, valid_from, valid_to, cap in _driver_rows(session, scoped(
        select(Referral.id, Referral.ref, Referral.client_id, Referral.valid_from, Referral.valid_to,
               Referral.max_hours_per_week), Referral.id)
    ):
        referral_refs[r_id] = ref
        referral_client[r_id] = client_id
        referrals[ref] = rules.Referral(ref, day(valid_from), day(valid_to), None if cap is None else _dec(cap))

    clients = {c_id: (day(birth), bool(newly)) for c_id, birth, newly in _driver_rows(
        session, select(Client.id, Client.birth_date, Client.newly_arrived).where(
            Client.id.in_(scoped(select(Referral.client_id), Referral.id))))}

    placements: list[rules.Placement] = []
    placement_refs: dict[int, str] = {}
    package_placement_ids: list[int] = []
    for p_id, ref, referral_id, offering_id, start, ended_on, end_reason in _driver_rows(session, scoped(
        select(Placement.id, Placement.ref, Placement.referral_id, Placement.offering_id,
               Placement.start_date, Placement.ended_on, Placement.end_reason), Placement.referral_id)
    ):
        placement_refs[p_id] = ref
        birth, newly = clients[referral_client[referral_id]]
        placements.append(rules.Placement(ref, referral_refs[referral_id], offering_refs[offering_id],
                                          day(start), day(ended_on), end_reason, birth, newly))
        if offering_id in package_offering_ids:
            package_placement_ids.append(p_id)

    attendance = _load_attendance(session, placement_refs, first, last, bool(package_placement_ids), merged,
                                  providers)

    outcomes = [
        rules.Outcome(ref, placement_refs[p_id], kind, result_date, verified_on, sustained)
        for ref, p_id, kind, result_date, verified_on, sustained in session.execute(
            select(Outcome.ref, Outcome.placement_id, Outcome.kind, Outcome.result_date,
                   Outcome.verified_on, Outcome.sustained_verified_on)
            .where(Outcome.rejected_on.is_(None),
                   Outcome.placement_id.in_(scoped(select(Placement.id), Placement.referral_id))))
    ]
    bonus_rules = [bonus_rule_terms(rule) for rule in session.execute(select(BonusRule)).scalars()]

    inputs = rules.Inputs(offerings, referrals, placements, attendance, outcomes, bonus_rules)
    return Loaded(inputs, {ref: pid for pid, ref in provider_refs.items()},
                  {ref: pid for pid, ref in placement_refs.items()}, placement_refs)


class _Dates:
    """Dates as the driver gives them (date objects, or ISO text on SQLite), parsed once each."""

    def __init__(self) -> None:
        self.seen: dict = {}

    def __call__(self, value):
        found = self.seen.get(value)
        if found is None and value is not None:
            found = self.seen[value] = value if isinstance(value, date) else date.fromisoformat(value)
        return found


def _driver_rows(session: Session, stmt) -> list[tuple]:
    """All rows of a select as the driver's plain tuples, in the session's transaction.

    For loads of a hundred thousand rows SQLAlchemy's per-row work costs more than the query;
    these statements bind nothing but integers, so they are rendered inline.
    """
    connection = session.connection()
    sql = str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


_ATTENDANCE_SQL = (
    "SELECT a.placement_id, a.date, a.status, CAST(ROUND(a.hours * 100) AS INTEGER), 1 FROM attendance a "
    "JOIN placement p ON p.id = a.placement_id WHERE a.date >= {first} AND a.date <= {last} {scope}")
_PACKAGE_ATTENDANCE_SQL = (
    "SELECT a.placement_id, a.date, a.status, CAST(ROUND(a.hours * 100) AS INTEGER), 1 FROM attendance a "
    "JOIN placement p ON p.id = a.placement_id JOIN offering o ON o.id = p.offering_id "
    "WHERE o.rate_unit = 'package' AND a.date < {first} {scope}")
# Only these providers' placements and those sharing a decision with them (ids are integers).
_SCOPE_SQL = ("AND p.referral_id IN (SELECT sp.referral_id FROM placement sp "
              "JOIN offering so ON so.id = sp.offering_id WHERE so.provider_id IN ({ids}))")

# rules.merge_counted() in SQL. `merge` per placement: 0 keeps every row (hour placements
# under a weekly cap), 1 merges counted days per month (hour, day), 2 per ISO week, 3 all of them
# (package, whose rows before `first` are read too). Rows that are not counted stay rows.
_COUNTED_SQL = ("w.merge > 0 AND a.status = 'present' AND ROUND(a.hours * 100) > 0 "
                "AND a.date >= w.window_start AND a.date <= w.window_end")
_MERGED_ATTENDANCE_SQL = """
WITH w AS {materialized} (
  SELECT p.id AS placement_id,
    CASE WHEN p.start_date > r.valid_from THEN p.start_date ELSE r.valid_from END AS window_start,
    CASE WHEN p.ended_on IS NOT NULL AND p.ended_on < r.valid_to THEN p.ended_on ELSE r.valid_to END
      AS window_end,
    CASE WHEN o.rate_unit = 'hour' AND r.max_hours_per_week IS NOT NULL THEN 0
         WHEN o.rate_unit IN ('hour', 'day') THEN 1 WHEN o.rate_unit = 'week' THEN 2
         WHEN o.rate_unit = 'package' THEN 3 ELSE 0 END AS merge
  FROM placement p JOIN referral r ON r.id = p.referral_id JOIN offering o ON o.id = p.offering_id
  WHERE 1 = 1 {scope})
SELECT a.placement_id, a.date, a.status, CAST(ROUND(a.hours * 100) AS INTEGER), 1
FROM attendance a JOIN w ON w.placement_id = a.placement_id
WHERE a.date <= {last} AND (a.date >= {first} OR w.merge = 3) AND NOT ({counted})
UNION ALL
SELECT a.placement_id, MIN(a.date), 'present', SUM(CAST(ROUND(a.hours * 100) AS INTEGER)), COUNT(*)
FROM attendance a JOIN w ON w.placement_id = a.placement_id
WHERE a.date <= {last} AND (a.date >= {first} OR w.merge = 3) AND {counted}
GROUP BY a.placement_id, w.merge, CASE w.merge WHEN 1 THEN {month} WHEN 2 THEN {monday} END
"""
_DIALECT = {  # SQLite reads the windows once; PostgreSQL plans each half in parallel
    "sqlite": {"first": ":first", "last": ":last", "month": "substr(a.date, 1, 7)",
               "monday": "date(a.date, 'weekday 0', '-6 days')", "materialized": "MATERIALIZED",
               "counted": _COUNTED_SQL},
    "postgresql": {"first": "%(first)s", "last": "%(last)s", "month": "date_trunc('month', a.date)::date",
                   "monday": "date_trunc('week', a.date)::date", "materialized": "NOT MATERIALIZED",
                   "counted": _COUNTED_SQL},
}


def _load_attendance(session: Session, placement_refs: dict[int, str], first: date, last: date,
                     with_packages: bool, merged: bool, providers: set[int] | None) -> list[rules.Attendance]:
    """The rows of first..last (and earlier package rows), merged as rules.merge_counted() does
    unless `merged` is false; read through the driver's own cursor in the session's
    transaction, since this is the largest read of a run. Dates, hour values and refs are
    parsed once each and shared."""
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    marks = dict(_DIALECT["sqlite" if sqlite else "postgresql"], scope="")
    if providers is not None:
        marks["scope"] = _SCOPE_SQL.format(ids=", ".join(str(int(pid)) for pid in sorted(providers)) or "NULL")
    params = {"first": first.isoformat(), "last": last.isoformat()} if sqlite else {"first": first, "last": last}
    if merged:
        queries = [_MERGED_ATTENDANCE_SQL]
    else:
        queries = [_ATTENDANCE_SQL] + ([_PACKAGE_ATTENDANCE_SQL] if with_packages else [])
    day = _Dates()
    hours: dict[int, Decimal] = {}
    make = rules.Attendance
    new = tuple.__new__
    result: list[rules.Attendance] = []
    append = result.append
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        # Millions of new tuples would otherwise start full collections again and again.
        with rules.collection_paused():
            for sql in queries:
                cursor.execute(sql.format(**marks), params)
                while rows := cursor.fetchmany(50_000):
                    for p_id, when, status, hundredths, days in rows:
                        h = hours.get(hundredths)
                        if h is None:
                            h = hours[hundredths] = (Decimal(hundredths) / 100).quantize(Decimal("0.01"))
                        append(new(make, (placement_refs[p_id], day(when), status, h, days)))
    finally:
        cursor.close()
    return result


def bonus_rule_terms(rule: BonusRule) -> rules.BonusRule:
    """The rules' record of a stored bonus rule (also used by the bonus simulation)."""
    return rules.BonusRule(
        ref=rule.ref, priority=rule.priority, service_types=tuple(rule.service_types),
        outcome_kinds=tuple(rule.outcome_kinds),
        tiers=tuple(rules.Tier(int(t["max_days"]), Decimal(str(t["amount"]))) for t in rule.tiers),
        min_age=rule.min_age, max_age=rule.max_age, newly_arrived=rule.newly_arrived,
        placements_from=rule.placements_from, placements_to=rule.placements_to,
        grace_days=rule.grace_days, sustain_days=rule.sustain_days,
        sustain_amount=_dec(rule.sustain_amount))


def _dec(value) -> Decimal:
    """Numeric columns come back as Decimal on PostgreSQL and as float on SQLite."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(Decimal("0.01"))


# --- Which periods are settled --------------------------------------------------------------


@dataclass
class SettledState:
    closed: set[str]
    approved: dict[int, set[str]]  # provider id -> periods with an approved settlement
    drafts: dict[int, str]  # provider id -> period of a draft (only for the run period)

    def settled(self, provider_id: int, period: str) -> bool:
        return period in self.closed or period in self.approved.get(provider_id, set())


def settled_state(session: Session) -> SettledState:
    closed = set(session.execute(select(Period.period).where(Period.closed_at.is_not(None))).scalars())
    approved: dict[int, set[str]] = defaultdict(set)
    for provider_id, period in session.execute(
            select(Settlement.provider_id, Settlement.period).where(Settlement.status == "approved")):
        approved[provider_id].add(period)
    return SettledState(closed, approved, {})


def first_data_period(session: Session) -> str | None:
    first = session.execute(select(func.min(Placement.start_date))).scalar()
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


def _line_dict(line: rules.Line) -> dict:
    return {"placement": line.placement, "kind": line.kind, "quantity": str(line.quantity),
            "unit_price": str(line.unit_price), "amount": str(line.amount), "vat_rate": line.vat_rate,
            "vat": str(line.vat), "ref_period": line.ref_period, "ref_kind": line.ref_kind}


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
    org_of = dict(session.execute(select(Provider.id, Provider.org_nr)).all())
    wanted = set(org_of) if provider_ids is None else provider_ids
    wanted = {pid for pid in wanted if not state.settled(pid, period)}
    adj_periods = {pid: adjustment_periods(state, pid, period, earliest) for pid in wanted}
    oldest = min([period] + [q for qs in adj_periods.values() for q in qs])
    first, _ = rules.attendance_dates_needed(oldest)
    _, last = rules.attendance_dates_needed(period)
    if loaded is None:
        loaded = load_inputs(session, first, last, providers=None if provider_ids is None else wanted)
    ref_of = {pid: ref for ref, pid in loaded.provider_ids.items()}

    results: dict[int, tuple[list[rules.Line], list[rules.Warning], str]] = {}
    owed_now, digests = rules.owed_and_fingerprints(loaded.inputs, period, [ref_of[pid] for pid in wanted])
    for pid in wanted:
        lines, warnings = owed_now.get(ref_of[pid], ([], []))
        results[pid] = (list(lines), list(warnings), "")

    by_q: dict[str, list[int]] = defaultdict(list)
    for pid, qs in adj_periods.items():
        for q in qs:
            by_q[q].append(pid)
    if by_q:
        approved = approved_lines_for(session, {q for q in by_q}, loaded, set(adj_periods))
        for q, pids in by_q.items():
            owed_q = rules.owed_all(loaded.inputs, q, [ref_of[pid] for pid in pids])
            for pid in pids:
                q_lines = owed_q.get(ref_of[pid], ([], []))[0]
                adjustments = rules.adjustment_lines(q_lines, approved.get((pid, q), []), q)
                results[pid][0].extend(adjustments)

    final = {}
    for pid, (lines, warnings, _) in results.items():
        if not lines and not warnings:
            continue
        final[pid] = (lines, warnings, digests.get(ref_of[pid], "") if lines else "")
    return final


def approved_lines_for(session: Session, periods: set[str], loaded: Loaded, providers: set[int]
                       ) -> dict[tuple[int, str], list[rules.Line]]:
    """Per (provider id, Q): the approved lines of Q plus approved adjustments referring to Q."""
    result: dict[tuple[int, str], list[rules.Line]] = defaultdict(list)
    rows = session.execute(
        select(Settlement.provider_id, Settlement.period, SettlementLine.placement_id, SettlementLine.kind,
               SettlementLine.quantity, SettlementLine.unit_price, SettlementLine.amount,
               SettlementLine.vat_rate, SettlementLine.vat, SettlementLine.ref_period,
               SettlementLine.ref_kind)
        .join(Settlement, Settlement.id == SettlementLine.settlement_id)
        .where(Settlement.status == "approved", Settlement.provider_id.in_(sorted(providers)))
        .where((Settlement.period.in_(periods)) | (SettlementLine.ref_period.in_(periods))))
    for provider_id, s_period, p_id, kind, qty, price, amount, vat_rate, vat, ref_period, ref_kind in rows:
        line = rules.Line(loaded.placement_refs[p_id], kind, _dec(qty), _dec(price), _dec(amount),
                          vat_rate, _dec(vat), ref_period, ref_kind)
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
    with rules.collection_paused():
        computed = compute_period(session, period, None if provider_org_nr is None else set(providers),
                                  state=state)
        existing = {s.provider_id: s for s in session.execute(
            select(Settlement).where(Settlement.period == period,
                                     Settlement.provider_id.in_(list(providers)))).scalars()}
        # Drafts whose inputs look unchanged are compared line by line, all read in one query.
        stored = _stored_line_dicts(session, [
            draft.id for pid, draft in existing.items()
            if pid in computed and draft.status == "draft" and draft.fingerprint == computed[pid][2]])
        to_store: list[_Draft] = []
        for pid in sorted(providers, key=providers.get):
            if state.settled(pid, period):
                continue
            lines, warnings, digest = computed.get(pid, ([], [], ""))
            draft = existing.get(pid)
            if not lines:
                if draft is not None:
                    _delete_draft(session, draft)
                    result.removed.append(providers[pid])
                continue
            if draft is not None and draft.id in stored and _same_lines(stored[draft.id], lines):
                result.unchanged.append(providers[pid])
                continue
            to_store.append(_Draft(pid, draft, lines, warnings, digest))
            result.drafted.append(providers[pid])
        _store_drafts(session, period, to_store)
    return result


def _providers(session: Session, org_nr: str | None) -> dict[int, str]:
    stmt = select(Provider.id, Provider.org_nr)
    if org_nr:
        from app.common.identifiers import normalize_org_nr

        stmt = stmt.where(Provider.org_nr == normalize_org_nr(org_nr, "provider"))
        rows = dict(session.execute(stmt).all())
        if not rows:
            raise ValidationError("provider", "ingen anordnare med det organisationsnumret")
        return rows
    return dict(session.execute(stmt).all())


def _same_lines(stored: list[dict], lines: list[rules.Line]) -> bool:
    return sorted(stored, key=_line_key) == sorted((_line_dict(line) for line in lines), key=_line_key)


def _line_key(d: dict) -> tuple:
    return (d["placement"], d["kind"], d["ref_period"] or "", d["ref_kind"] or "", d["vat_rate"])


def _stored_line_dicts(session: Session, settlement_ids: list[int]) -> dict[int, list[dict]]:
    """The stored lines of these settlements, per settlement id, as _line_dict() writes them."""
    found: dict[int, list[dict]] = {sid: [] for sid in settlement_ids}
    if not settlement_ids:
        return found
    rows = session.execute(
        select(SettlementLine.settlement_id, Placement.ref, SettlementLine.kind, SettlementLine.quantity,
               SettlementLine.unit_price, SettlementLine.amount, SettlementLine.vat_rate, SettlementLine.vat,
               SettlementLine.ref_period, SettlementLine.ref_kind)
        .join(Placement, Placement.id == SettlementLine.placement_id)
        .where(SettlementLine.settlement_id.in_(settlement_ids)))
    for sid, ref, kind, q, p, a, vr, v, rp, rk in rows:
        found[sid].append({"placement": ref, "kind": kind, "quantity": str(_dec(q)), "unit_price": str(_dec(p)),
                           "amount": str(_dec(a)), "vat_rate": vr, "vat": str(_dec(v)), "ref_period": rp,
                           "ref_kind": rk})
    return found


def _delete_draft(session: Session, draft: Settlement) -> None:
    session.execute(delete(SettlementLine).where(SettlementLine.settlement_id == draft.id))
    session.execute(delete(SettlementWarning).where(SettlementWarning.settlement_id == draft.id))
    session.delete(draft)
    session.flush()


@dataclass
class _Draft:
    """A draft to store: new (settlement None) or replacing the lines of an existing one."""

    provider_id: int
    settlement: Settlement | None
    lines: list[rules.Line]
    warnings: list[rules.Warning]
    fingerprint: str


_LINE_COLUMNS = ("settlement_id", "placement_id", "kind", "quantity", "unit_price", "amount", "vat_rate",
                 "vat", "ref_period", "ref_kind", "explanation", "created_at", "updated_at")
_WARNING_COLUMNS = ("settlement_id", "placement_id", "date", "hours", "reason", "created_at", "updated_at")


def _store_drafts(session: Session, period: str, drafts: list[_Draft]) -> None:
    """Store the drafts with one statement per table, whatever their number: the settlements
    through the ORM, their lines and warnings in bulk (COPY on PostgreSQL)."""
    if not drafts:
        return
    refs = {line.placement for d in drafts for line in d.lines} | {w.placement for d in drafts for w in d.warnings}
    stmt = select(Placement.ref, Placement.id)
    placement_ids = (dict(session.execute(stmt.where(Placement.ref.in_(refs))).all()) if len(refs) < 5000
                     else dict(_driver_rows(session, stmt)))
    replaced = [d.settlement.id for d in drafts if d.settlement is not None]
    previous = _stored_line_dicts(session, replaced)
    if replaced:
        session.execute(delete(SettlementLine).where(SettlementLine.settlement_id.in_(replaced)))
        session.execute(delete(SettlementWarning).where(SettlementWarning.settlement_id.in_(replaced)))
    now = utcnow()
    for d in drafts:
        if d.settlement is None:
            d.settlement = Settlement(provider_id=d.provider_id, period=period, status="draft")
            session.add(d.settlement)
            d.settlement.previous_lines = []
        else:
            d.settlement.previous_lines = previous.get(d.settlement.id, [])
        totals = rules.settlement_totals(d.lines)
        draft = d.settlement
        draft.total_excl_vat, draft.total_vat, draft.total_incl_vat = totals.excl, totals.vat, totals.incl
        draft.credit_note = totals.credit_note
        draft.fingerprint = d.fingerprint
        draft.updated_at = now
    session.flush()
    _bulk_insert(session, SettlementLine.__table__, _LINE_COLUMNS, (
        (d.settlement.id, placement_ids[line.placement], line.kind, line.quantity, line.unit_price,
         line.amount, line.vat_rate, line.vat, line.ref_period, line.ref_kind, line.explanation, now, now)
        for d in drafts for line in d.lines))
    _bulk_insert(session, SettlementWarning.__table__, _WARNING_COLUMNS, (
        (d.settlement.id, placement_ids[w.placement], w.date, w.hours, w.reason, now, now)
        for d in drafts for w in d.warnings))


def _bulk_insert(session: Session, table: Table, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Insert plain tuples in the session's transaction through the driver: COPY on PostgreSQL,
    executemany on SQLite with SQLAlchemy's own conversion of each column's values (stored
    exactly as the ORM stores them). The ORM's per-row work would cost more than the
    database's own."""
    connection = session.connection()
    dialect = connection.dialect
    names = ", ".join(columns)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if dialect.name == "postgresql":
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            rows = list(rows)
            if not rows:
                return
            values = list(zip(*rows, strict=True))  # column by column
            for i, name in enumerate(columns):
                process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                if process is not None:
                    values[i] = _sqlite_column(values[i], process)
            cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})",
                               zip(*values, strict=True))
    finally:
        cursor.close()


def _sqlite_column(values: tuple, process) -> list:
    """One column's values as SQLAlchemy binds them on SQLite, each distinct object converted
    once (a run's timestamps and shared dates repeat)."""
    done: dict[int, object] = {}
    out = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        found = done.get(id(value))
        if found is None:
            found = done[id(value)] = process(value)
        out.append(found)
    return out


# --- Approval and closing ----------------------------------------------------------------------


def next_numbers(session: Session, year: int, count: int) -> list[str]:
    """Take `count` numbers of the year's series, without gaps, under a row lock."""
    if session.get(NumberSeries, year) is None:
        if session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            now = utcnow()
            session.execute(pg_insert(NumberSeries).values(
                year=year, last_number=0, created_at=now, updated_at=now).on_conflict_do_nothing())
        else:
            session.add(NumberSeries(year=year, last_number=0))
            session.flush()
    last = session.execute(select(NumberSeries.last_number).where(NumberSeries.year == year)
                           .with_for_update()).scalar_one()
    session.execute(update(NumberSeries).where(NumberSeries.year == year)
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
    stmt = (select(Settlement, Provider.org_nr).join(Provider, Provider.id == Settlement.provider_id)
            .where(Settlement.period == period, Settlement.status == "draft",
                   Settlement.provider_id.in_(list(providers)))
            .order_by(Provider.org_nr))
    if settlement_ids is not None:
        stmt = stmt.where(Settlement.id.in_(settlement_ids))
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
    from app.common.audit import record_change

    for (draft, org_nr), number in zip(drafts, numbers, strict=True):
        record_change(session, user_id, "approve", "settlement", draft.id,
                      after={"number": number, "period": period, "provider": org_nr,
                             "total_incl_vat": str(draft.total_incl_vat)})
    from app.settlement.notices import tell_providers_approved

    tell_providers_approved(session, [draft for draft, _org in drafts])
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
    row = session.execute(select(Period).where(Period.period == period)).scalar_one_or_none()
    if row is not None and row.closed_at is not None:
        return CloseResult(period, already_closed=True)
    has_settlement = set(session.execute(
        select(Settlement.provider_id).where(Settlement.period == period)).scalars())
    org_of = dict(session.execute(select(Provider.id, Provider.org_nr)).all())
    missing = set(org_of) - has_settlement
    result = CloseResult(period)
    if missing:
        computed = compute_period(session, period, missing)
        to_store = []
        for pid in sorted(computed, key=org_of.get):
            lines, warnings, digest = computed[pid]
            if lines:
                to_store.append(_Draft(pid, None, lines, warnings, digest))
                result.drafted.append(org_of[pid])
        _store_drafts(session, period, to_store)
    result.approved = approve_period(session, period, user_id=user_id).approved
    if row is None:
        row = Period(period=period)
        session.add(row)
    row.closed_at = utcnow()
    row.closed_by_id = user_id
    from app.common.audit import record_change

    session.flush()
    record_change(session, user_id, "close", "period", row.id, after={"period": period})
    return result


# --- Export ----------------------------------------------------------------------------------


def export_period(session: Session, period: str) -> dict:
    """The settlement export of exchange.md: settlements by org_nr, lines by (placement, kind, ref_period)."""
    check_period(period)
    settlements = session.execute(
        select(Settlement, Provider.ref, Provider.org_nr).join(Provider, Provider.id == Settlement.provider_id)
        .where(Settlement.period == period).order_by(Provider.org_nr)).all()
    lines_by: dict[int, list[dict]] = defaultdict(list)
    if settlements:
        for settlement_id, ref, kind, q, p, a, vr, v, rp, rk in session.execute(
            select(SettlementLine.settlement_id, Placement.ref, SettlementLine.kind, SettlementLine.quantity,
                   SettlementLine.unit_price, SettlementLine.amount, SettlementLine.vat_rate,
                   SettlementLine.vat, SettlementLine.ref_period, SettlementLine.ref_kind)
            .join(Placement, Placement.id == SettlementLine.placement_id)
            .where(SettlementLine.settlement_id.in_([s.id for s, _, _ in settlements]))):
            lines_by[settlement_id].append({
                "placement": ref, "kind": kind, "quantity": _fmt(q), "unit_price": _fmt(p),
                "amount": _fmt(a), "vat_rate": vr, "vat": _fmt(v), "ref_period": rp, "ref_kind": rk})
    out = []
    for s, ref, org_nr in settlements:
        lines = sorted(lines_by[s.id], key=lambda d: (d["placement"], d["kind"], d["ref_period"] or ""))
        out.append({
            "provider": ref, "provider_org_nr": org_nr, "status": s.status, "number": s.number,
            "preliminary": s.status == "draft" and timing.is_preliminary(period),
            "credit_note": s.credit_note, "total_excl_vat": _fmt(s.total_excl_vat),
            "total_vat": _fmt(s.total_vat), "total_incl_vat": _fmt(s.total_incl_vat), "lines": lines})
    return {"period": period, "settlements": out}


def _fmt(value) -> str:
    return str(_dec(value).quantize(Decimal("0.01")))


