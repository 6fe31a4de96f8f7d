"""What the finance screens show: a period's settlements per provider, one settlement's lines."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.common.money import from_db
from app.kundval.models import Client, Placement, Referral
from app.offerings.models import Offering
from app.providers.models import Provider
from app.settlement import rules, unpaid
from app.settlement.export import line_record
from app.settlement.models import Period, Settlement, SettlementLine, SettlementWarning


@dataclass
class ProviderRow:
    provider: Provider
    settlement: Settlement | None
    lines: int = 0
    warnings: int = 0


@dataclass
class PeriodOverview:
    period: str
    closed: bool
    rows: list[ProviderRow]
    totals: dict[str, Decimal]

    @property
    def drafts(self) -> int:
        return sum(1 for r in self.rows if r.settlement and r.settlement.status == "draft")


def recent_periods(session: Session, today: date, count: int = 12) -> list[dict[str, Any]]:
    """The last `count` months with how many settlements each has, newest first."""
    periods, p = [], rules.period_of(today)
    for _ in range(count):
        periods.append(p)
        p = rules.previous_period(p)
    stats: dict[str, dict[str, Any]] = {p: {"period": p, "draft": 0, "approved": 0, "total": Decimal("0.00"),
                                  "closed": False} for p in periods}
    for period, status, n, total in session.execute(
            select(col(Settlement.period), col(Settlement.status), func.count(), func.sum(col(Settlement.total_incl_vat)))
            .where(col(Settlement.period).in_(periods)).group_by(col(Settlement.period), col(Settlement.status))):
        stats[period][status] = n
        stats[period]["total"] += from_db(total or 0)
    for period in session.execute(select(col(Period.period)).where(col(Period.period).in_(periods),
                                                              col(Period.closed_at).is_not(None))).scalars():
        stats[period]["closed"] = True
    return [stats[p] for p in periods]


def period_overview(session: Session, period: str) -> PeriodOverview:
    settlements = {s.provider_id: s for s in session.execute(
        select(Settlement).where(col(Settlement.period) == period)).scalars()}
    providers = session.execute(
        select(Provider).where((col(Provider.status) == "approved") | col(Provider.id).in_(
            select(col(Settlement.provider_id)).where(col(Settlement.period) == period)))
        .order_by(col(Provider.org_nr))).scalars().all()
    rows = []
    totals = {"excl": Decimal("0.00"), "vat": Decimal("0.00"), "incl": Decimal("0.00")}
    for provider in providers:
        s = settlements.get(provider.id)
        rows.append(ProviderRow(provider, s, s.line_count if s else 0, s.unpaid_days if s else 0))
        if s:
            totals["excl"] += from_db(s.total_excl_vat)
            totals["vat"] += from_db(s.total_vat)
            totals["incl"] += from_db(s.total_incl_vat)
    closed = session.execute(select(col(Period.closed_at)).where(col(Period.period) == period)).scalar() is not None
    return PeriodOverview(period, closed, rows, totals)


@dataclass
class PlacementGroup:
    placement_ref: str
    client_initials: str
    offering_title: str
    lines: list[SettlementLine] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class LineChange:
    key: str
    before: str | None
    after: str | None


def initials(name: str) -> str:
    """Clients are named by initials only on settlement pages and documents."""
    return "".join(part[0].upper() + "." for part in name.split() if part)


def settlement_detail(session: Session, settlement_id: int) -> dict[str, Any] | None:
    settlement = session.get(Settlement, settlement_id)
    if settlement is None:
        return None
    provider = session.get(Provider, settlement.provider_id)
    groups: dict[int, PlacementGroup] = {}
    meta = {p_id: (ref, name, title) for p_id, ref, name, title in session.execute(
        select(col(Placement.id), col(Placement.ref), col(Client.name), col(Offering.title))
        .join(Referral, col(Referral.id) == col(Placement.referral_id))
        .join(Client, col(Client.id) == col(Referral.client_id))
        .join(Offering, col(Offering.id) == col(Placement.offering_id))
        .where(col(Placement.id).in_(
            select(col(SettlementLine.placement_id)).where(col(SettlementLine.settlement_id) == settlement_id)
            .union(select(col(SettlementWarning.placement_id))
                   .where(col(SettlementWarning.settlement_id) == settlement_id)))))}

    def group(p_id: int) -> PlacementGroup:
        if p_id not in groups:
            ref, name, title = meta[p_id]
            groups[p_id] = PlacementGroup(ref, initials(name), title)
        return groups[p_id]

    for line in session.execute(select(SettlementLine).where(
            col(SettlementLine.settlement_id) == settlement_id)).scalars():
        group(line.placement_id).lines.append(line)
    for w in session.execute(select(SettlementWarning).where(
            col(SettlementWarning.settlement_id) == settlement_id)
            .order_by(col(SettlementWarning.first_date))).scalars():
        g = group(w.placement_id)
        run = unpaid.Run(g.placement_ref, w.first_date, w.last_date, w.reason, unpaid.parse_hours(w.day_hours))
        g.warnings.extend({"date": day.date, "hours": day.hours, "reason": day.reason,
                           "message": rules.warning_message(day)} for day in unpaid.days(run))
    ordered = sorted(groups.values(), key=lambda g: g.placement_ref)
    for g in ordered:
        g.lines.sort(key=lambda line: (line.kind, line.ref_period or ""))
        g.warnings.sort(key=lambda w: w["date"])
    return {"settlement": settlement, "provider": provider, "groups": ordered,
            "changes": draft_changes(settlement, ordered),
            "warning_count": sum(len(g.warnings) for g in ordered)}


def draft_changes(settlement: Settlement, groups: list[PlacementGroup]) -> list[LineChange]:
    """Line by line: what the latest run changed compared with the draft it replaced."""
    if settlement.status != "draft" or not settlement.previous_lines:
        return []

    def describe(d: dict[str, Any]) -> str:
        return f"{d['quantity']} × {d['unit_price']} = {d['amount']} (moms {d['vat']})"

    def key(d: dict[str, Any]) -> str:
        extra = f" {d['ref_period']}/{d['ref_kind']}" if d.get("ref_period") else ""
        return f"{d['placement']} {d['kind']}{extra}"

    before = {key(d): describe(d) for d in settlement.previous_lines}
    now = {}
    for g in groups:
        for line in g.lines:
            d = line_record(g.placement_ref, line.kind, line.quantity, line.unit_price, line.amount,
                            line.vat_rate, line.vat, line.ref_period, line.ref_kind)
            now[key(d)] = describe(d)
    changes = [LineChange(k, before.get(k), now.get(k)) for k in sorted(before.keys() | now.keys())
               if before.get(k) != now.get(k)]
    return changes


def providers_to_run(session: Session, period: str) -> list[tuple[str, str]]:
    """(org_nr, name) of every provider a run of the period covers, for the progress display."""
    del period  # every provider is considered; settled ones are skipped by the run itself
    return [(org, name) for org, name in session.execute(
        select(col(Provider.org_nr), col(Provider.name)).order_by(col(Provider.org_nr)))]


def warnings_by_reason(session: Session, settlement_id: int) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for reason, n in session.execute(
            select(col(SettlementWarning.reason), func.sum(SettlementWarning.days))
            .where(col(SettlementWarning.settlement_id) == settlement_id)
            .group_by(col(SettlementWarning.reason))):
        counts[reason] = n
    return dict(counts)
