"""Retention (gallring): what is due for removal under the policy, and removing it.

A client's personal data goes five years after their last decision or placement ended
(socialtjänstlagen's five years for case records); the figures stay, so follow-up and
settlements still add up. Settlements and their lines go seven years after the end of their
year (bokföringslagen 7 kap. 2 §); until then they name the client by placement reference only,
as the documents already do. The access and audit logs go after the years set. plan() is the
dry run; apply() does what plan() lists. Logs and run records hold counts, never data.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import delete, func, select, update
from sqlmodel import Session

from app.auth.models import User
from app.common.models import AccessLog, AuditLog
from app.kundval import casefacts, placement_windows
from app.kundval.models import Client, ClientLoginCode, Outcome, Placement, Referral
from app.notifications.models import Notification
from app.privacy.models import RetentionRun
from app.settlement.models import Settlement, SettlementLine, SettlementWarning

log = logging.getLogger("kundval.retention")
REMOVED = "gallrad-"  # the look-up hash of a removed client starts with this (no number behind it)


@dataclass(frozen=True)
class Policy:
    client_years: int = 5
    settlement_years: int = 7
    access_log_years: int = 5
    audit_log_years: int = 7

    @classmethod
    def from_config(cls, config: Mapping) -> Policy:
        return cls(client_years=int(config["RETENTION_CLIENT_YEARS"]),
                   settlement_years=int(config["RETENTION_SETTLEMENT_YEARS"]),
                   access_log_years=int(config["RETENTION_ACCESS_LOG_YEARS"]),
                   audit_log_years=int(config["RETENTION_AUDIT_LOG_YEARS"]))


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class DueClient:
    id: int
    ref: str
    last_ended: date


@dataclass(frozen=True)
class DueSettlement:
    id: int
    period: str
    number: str | None
    provider_id: int


@dataclass
class Plan:
    """What a run on `today` removes: the dry run shown to the admin."""

    today: date
    policy: Policy
    clients: list[DueClient] = field(default_factory=list)
    settlements: list[DueSettlement] = field(default_factory=list)
    access_log: int = 0
    audit_log: int = 0

    def counts(self) -> dict[str, int]:
        return {"clients": len(self.clients), "settlements": len(self.settlements),
                "access_log": self.access_log, "audit_log": self.audit_log}


def _log_cutoff(today: date, years: int) -> datetime:
    return datetime.combine(years_before(today, years), datetime.min.time(), tzinfo=UTC)


def _settlement_cutoff(today: date, policy: Policy) -> str:
    """Periods before this one are due: their year ended more than `settlement_years` ago."""
    return f"{today.year - policy.settlement_years:04d}-01"


def last_ended(session: Session) -> dict[int, tuple[str, date]]:
    """Each client not yet removed: (ref, the day their last decision or placement ended).

    A placement never outlasts its decision, so an open one ends with its decision's valid_to;
    a client without decisions counts from the day they were registered.
    """
    referral_end = dict(session.execute(
        select(Referral.client_id, func.max(Referral.valid_to)).group_by(Referral.client_id)).all())
    placement_end = dict(session.execute(
        select(Referral.client_id, func.max(Placement.ended_on))
        .join(Placement, Placement.referral_id == Referral.id).group_by(Referral.client_id)).all())
    result = {}
    for client_id, ref, created_at in session.execute(
            select(Client.id, Client.ref, Client.created_at)
            .where(Client.personal_id_hash.not_like(f"{REMOVED}%"))).all():
        ends = [d for d in (referral_end.get(client_id), placement_end.get(client_id)) if d is not None]
        result[client_id] = (ref, max(ends) if ends else created_at.date())
    return result


def plan(session: Session, policy: Policy, today: date) -> Plan:
    """The dry run: what apply() would remove on `today`, changing nothing."""
    client_cutoff = years_before(today, policy.client_years)
    clients = [DueClient(cid, ref, ended) for cid, (ref, ended) in sorted(last_ended(session).items())
               if ended < client_cutoff]
    settlements = [DueSettlement(*row) for row in session.execute(
        select(Settlement.id, Settlement.period, Settlement.number, Settlement.provider_id)
        .where(Settlement.period < _settlement_cutoff(today, policy))
        .order_by(Settlement.period, Settlement.id)).all()]
    access = session.execute(select(func.count()).select_from(AccessLog).where(
        AccessLog.at < _log_cutoff(today, policy.access_log_years))).scalar_one()
    audit = session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.at < _log_cutoff(today, policy.audit_log_years))).scalar_one()
    return Plan(today, policy, clients, settlements, access, audit)


def _anonymise_clients(session: Session, client_ids: list[int]) -> None:
    """Name, personnummer, contact details and free text go; ref, dates and figures stay."""
    # One UPDATE per client: the look-up hash is unique, so each row gets its own removed-marker.
    for client_id in client_ids:
        session.execute(update(Client).where(Client.id == client_id).values(
            name="", phone="", email="", area="", personal_id_encrypted="",
            personal_id_hash=f"{REMOVED}{client_id}"))
    user_ids = [u for u in session.execute(
        select(Client.user_id).where(Client.id.in_(client_ids), Client.user_id.is_not(None))).scalars()]
    for user_id in user_ids:
        session.execute(update(User).where(User.id == user_id).values(
            email=f"{REMOVED}{user_id}@kundval.invalid", name="", password_hash="", active=False))
    session.execute(delete(ClientLoginCode).where(ClientLoginCode.client_id.in_(client_ids)))
    if user_ids:  # the messages Kundval sent the client themself
        session.execute(delete(Notification).where(Notification.user_id.in_(user_ids)))
    placements = select(Placement.id).join(Referral, Referral.id == Placement.referral_id).where(
        Referral.client_id.in_(client_ids))
    session.execute(update(Outcome).where(Outcome.placement_id.in_(placements)).values(
        employer="", rejection_reason=""))


def apply(session: Session, policy: Policy, today: date) -> RetentionRun:
    """Remove what plan() lists and record the counts; the caller commits."""
    due = plan(session, policy, today)
    client_ids = [c.id for c in due.clients]
    settlement_ids = [s.id for s in due.settlements]
    for chunk in range(0, len(client_ids), 500):
        _anonymise_clients(session, client_ids[chunk:chunk + 500])
    if client_ids:  # the case worker's kept list and the providers' lists held their names too
        casefacts.rewrite_all(session, today)
        placement_windows.rewrite(session)
    for chunk in range(0, len(settlement_ids), 500):
        ids = settlement_ids[chunk:chunk + 500]
        session.execute(delete(SettlementLine).where(SettlementLine.settlement_id.in_(ids)))
        session.execute(delete(SettlementWarning).where(SettlementWarning.settlement_id.in_(ids)))
        session.execute(delete(Settlement).where(Settlement.id.in_(ids)))
    session.execute(delete(AccessLog).where(AccessLog.at < _log_cutoff(today, policy.access_log_years)))
    session.execute(delete(AuditLog).where(AuditLog.at < _log_cutoff(today, policy.audit_log_years)))
    run = RetentionRun(today=today, counts=due.counts(), policy=asdict(policy))
    session.add(run)
    session.flush()
    log.info("retention for %s: %s", today.isoformat(), ", ".join(f"{k}={v}" for k, v in due.counts().items()))
    return run


def is_removed(client: Client) -> bool:
    return client.personal_id_hash.startswith(REMOVED)


def earlier_runs(session: Session, limit: int = 50) -> list[RetentionRun]:
    return list(session.execute(select(RetentionRun).order_by(RetentionRun.ran_at.desc(),
                                                              RetentionRun.id.desc()).limit(limit)).scalars())
