"""Changes to attendance and outcomes dated in a settled month: a reason, an audit row, and finance's list.

A period Q is settled for provider X when X's settlement for Q is approved or Q is closed
(settlement.md). Every channel (grid, API, results screen, import) asks `settled_pairs` which of
its dates fall in such a month, refuses the change without a reason, and records each change
with `record`; the next settlement's page lists them with `for_settlement`.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session, col

from app.auth.models import User
from app.common.errors import ValidationError
from app.common.hooks import Hook
from app.common.models import AuditLog
from app.common.money import ZERO, as_text, from_db
from app.kundval.models import Placement
from app.offerings.models import Offering
from app.settlement.models import Period, Settlement, SettlementLine

ACTION = "late_change"
REASON_REQUIRED = _l("månaden är redan avräknad: ange ett skäl till ändringen")


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def settled_pairs(session: Session, pairs: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Those (provider id, period) pairs that are settled: an approved settlement or a closed period."""
    if not pairs:
        return set()
    periods = {period for _pid, period in pairs}
    closed = set(session.execute(select(col(Period.period)).where(
        col(Period.period).in_(periods), col(Period.closed_at).is_not(None))).scalars())
    approved = {(pid, period) for pid, period in session.execute(
        select(col(Settlement.provider_id), col(Settlement.period)).where(
            col(Settlement.status) == "approved", col(Settlement.period).in_(periods),
            col(Settlement.provider_id).in_({pid for pid, _ in pairs}))).tuples()}
    return {(pid, period) for pid, period in pairs if period in closed or (pid, period) in approved}


def is_settled(session: Session, provider_id: int, period: str) -> bool:
    return bool(settled_pairs(session, {(provider_id, period)}))


def require_reason(reason: str | None, field_name: str = "reason") -> str:
    """The reason given for a late change, or an error naming the reason field."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(field_name, REASON_REQUIRED)
    return reason


# (session, period) -> None: data in a settled month changed. The follow-up (an area above
# settlement) keeps figures per year and rewrites them; followup/kept.py provides it.
month_changed: Hook[Callable[[Session, str], None]] = Hook("settlement.late_changes.month_changed")


def record(session: Session, actor_id: int | None, entity: str, entity_id: int | None, *,
           provider_id: int, placement_id: int, period: str, before: dict[str, Any] | None,
           after: dict[str, Any] | None, reason: str, channel: str) -> None:
    """One audit row per late change: who (actor), when (the row's time), before → after, why."""
    context = {"provider_id": provider_id, "placement_id": placement_id, "period": period,
               "channel": channel}
    session.add(AuditLog(user_id=actor_id, action=ACTION, entity=entity, entity_id=entity_id,
                         before={**context, **(before or {})}, after={**context, **(after or {})},
                         reason=reason))
    month_changed(session, period)  # the follow-up's kept figures of that year, rewritten at commit


def record_new_outcome(session: Session, actor_id: int | None, outcome: Any, *, provider_id: int,
                       reason: str, channel: str) -> None:
    """A result reported for a settled month needs a reason and is recorded as a late change
    (kundval/results.report_outcome asks through its hook)."""
    period = period_of(outcome.result_date)
    if is_settled(session, provider_id, period):
        record(session, actor_id, "outcome", outcome.id, provider_id=provider_id,
               placement_id=outcome.placement_id, period=period, before=None,
               after={"ref": outcome.ref, **outcome_dates(outcome)},
               reason=require_reason(reason), channel=channel)


def outcome_dates(outcome: Any) -> dict[str, str | None]:
    """The dates of an outcome that settlement depends on, as text (None when not set)."""
    return {name: (value.isoformat() if value else None) for name, value in (
        ("result_date", outcome.result_date), ("verified_on", outcome.verified_on),
        ("sustained_verified_on", outcome.sustained_verified_on))}


def periods_of_dates(before: dict[str, Any] | None, after: dict[str, Any] | None) -> set[str]:
    """The months of the dates that differ between two outcome_dates() dicts (old and new value)."""
    before, after = before or {}, after or {}
    return {value[:7] for name in set(before) | set(after) if before.get(name) != after.get(name)
            for value in (before.get(name), after.get(name)) if value}


# --- What finance sees on the next settlement ------------------------------------------------


@dataclass
class LateChange:
    at: datetime
    user: str
    entity: str
    placement_ref: str
    period: str
    channel: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str
    adjustment: Decimal | None  # the adjustment lines of this settlement for (placement, period)


def for_settlement(session: Session, settlement: Settlement) -> list[LateChange]:
    """Late changes paid through this settlement: made for its provider since the previous approval,
    in a period before this one, up to this settlement's approval."""
    since = session.execute(select(col(Settlement.approved_at)).where(
        col(Settlement.provider_id) == settlement.provider_id, col(Settlement.status) == "approved",
        col(Settlement.period) < settlement.period).order_by(col(Settlement.approved_at).desc()).limit(1)).scalar()
    stmt = select(AuditLog).where(col(AuditLog.action) == ACTION).order_by(col(AuditLog.at), col(AuditLog.id))
    if since is not None:
        stmt = stmt.where(col(AuditLog.at) > since)
    if settlement.approved_at is not None:
        stmt = stmt.where(col(AuditLog.at) <= settlement.approved_at)
    rows = [r for r in session.execute(stmt).scalars()
            if (r.after or {}).get("provider_id") == settlement.provider_id
            and (r.after or {}).get("period", "9999-99") < settlement.period]
    if not rows:
        return []
    placement_ids = {r.after["placement_id"] for r in rows}
    refs: dict[int, str] = dict(session.execute(
        select(col(Placement.id), col(Placement.ref)).where(col(Placement.id).in_(placement_ids))).tuples().all())
    user_ids = {r.user_id for r in rows if r.user_id}
    users = {uid: name or email for uid, name, email in session.execute(
        select(col(User.id), col(User.name), col(User.email)).where(col(User.id).in_(user_ids))).tuples()
    } if user_ids else {}
    adjustments: dict[tuple[int, str | None], Decimal] = defaultdict(lambda: ZERO)
    for placement_id, ref_period, amount in session.execute(
            select(col(SettlementLine.placement_id), col(SettlementLine.ref_period), col(SettlementLine.amount))
            .where(col(SettlementLine.settlement_id) == settlement.id,
                   col(SettlementLine.kind) == "adjustment")).tuples():
        adjustments[(placement_id, ref_period)] += from_db(amount)
    result = []
    for r in rows:
        key = (r.after["placement_id"], r.after["period"])
        result.append(LateChange(
            at=r.at, user=users.get(r.user_id, "") if r.user_id else "", entity=r.entity,
            placement_ref=refs.get(key[0], ""), period=key[1], channel=r.after.get("channel", ""),
            before=_shown(r.before), after=_shown(r.after), reason=r.reason,
            adjustment=adjustments.get(key)))
    return result


_CONTEXT = {"provider_id", "placement_id", "period", "channel"}


def _shown(values: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (values or {}).items() if k not in _CONTEXT}


# --- The import: the file's name is the reason ----------------------------------------------


def record_import(session: Session, actor_id: int | None, source: str,
                  attendance: list[tuple[int, date, tuple[str, Any] | None, tuple[str, Any] | None]],
                  outcomes: list[tuple[int, int, dict[str, Any] | None, dict[str, Any]]]) -> int:
    """Audit what an import changed in settled months; returns the number of late changes.

    attendance: (placement id, date, (status, hours) or None, (status, hours));
    outcomes: (outcome id, placement id, dates before or None, dates after).
    """
    placement_ids = {a[0] for a in attendance} | {o[1] for o in outcomes}
    if not placement_ids:
        return 0
    provider_of: dict[int, int] = {}
    ids = sorted(placement_ids)
    for i in range(0, len(ids), 500):
        provider_of.update(session.execute(
            select(col(Placement.id), col(Offering.provider_id))
            .join(Offering, col(Offering.id) == col(Placement.offering_id))
            .where(col(Placement.id).in_(ids[i:i + 500]))).tuples().all())
    pairs = {(provider_of[pid], period_of(day)) for pid, day, _b, _a in attendance}
    pairs |= {(provider_of[pid], period) for _oid, pid, before, after in outcomes
              for period in periods_of_dates(before, after)}
    settled = settled_pairs(session, pairs)
    if not settled:
        return 0
    reason = f"import: {source or 'file'}"
    count = 0
    for pid, day, cell_before, cell_after in attendance:
        period = period_of(day)
        if (provider_of[pid], period) in settled:
            record(session, actor_id, "attendance", pid, provider_id=provider_of[pid], placement_id=pid,
                   period=period, before=_cell(day, cell_before), after=_cell(day, cell_after), reason=reason,
                   channel="import")
            count += 1
    for oid, pid, before, after in outcomes:
        for period in sorted(periods_of_dates(before, after)):
            if (provider_of[pid], period) in settled:
                record(session, actor_id, "outcome", oid, provider_id=provider_of[pid], placement_id=pid,
                       period=period, before=before, after=after, reason=reason, channel="import")
                count += 1
    return count


def _cell(day: date, cell: tuple[str, Any] | None) -> dict[str, Any]:
    if cell is None:
        return {"date": day.isoformat(), "status": None}
    return {"date": day.isoformat(), "status": cell[0], "hours": as_text(cell[1])}
