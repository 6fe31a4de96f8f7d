"""Results: the case worker verifies or rejects what providers report (follow-ups: followups.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from app.common.audit import record_change
from app.common.clock import check_not_future
from app.common.errors import ValidationError
from app.kundval.models import Client, Placement, Referral
from app.offerings.models import Offering
from app.providers.models import Provider
from app.reporting.models import Outcome


@dataclass
class OutcomeRow:
    outcome: Outcome
    placement: Placement
    client: Client
    provider: Provider
    due_on: date | None = None


def _rows(session: Session, stmt, case_worker_id: int | None) -> list[OutcomeRow]:
    stmt = (stmt.join(Placement, Placement.id == Outcome.placement_id)
            .join(Referral, Referral.id == Placement.referral_id)
            .join(Client, Client.id == Referral.client_id)
            .join(Offering, Offering.id == Placement.offering_id)
            .join(Provider, Provider.id == Offering.provider_id))
    if case_worker_id is not None:
        stmt = stmt.where(Client.case_worker_id == case_worker_id)
    return [OutcomeRow(o, p, c, pr) for o, p, c, pr in session.exec(stmt).all()]


def to_verify(session: Session, case_worker_id: int | None = None) -> list[OutcomeRow]:
    """Reported results nobody has verified or rejected yet, oldest first."""
    stmt = (select(Outcome, Placement, Client, Provider)
            .where(Outcome.verified_on.is_(None), Outcome.rejected_on.is_(None)))
    rows = _rows(session, stmt, case_worker_id)
    return sorted(rows, key=lambda r: (r.outcome.result_date, r.outcome.id))


def to_verify_page(session: Session, case_worker_id: int | None, number: int):
    """One page (paging.Page of OutcomeRow) of to_verify's list, ordered and cut in SQL."""
    from app.common import paging

    stmt = (select(Outcome, Placement, Client, Provider)
            .where(Outcome.verified_on.is_(None), Outcome.rejected_on.is_(None)))
    stmt = (stmt.join(Placement, Placement.id == Outcome.placement_id)
            .join(Referral, Referral.id == Placement.referral_id)
            .join(Client, Client.id == Referral.client_id)
            .join(Offering, Offering.id == Placement.offering_id)
            .join(Provider, Provider.id == Offering.provider_id))
    if case_worker_id is not None:
        stmt = stmt.where(Client.case_worker_id == case_worker_id)
    page = paging.fetch(session, stmt.order_by(Outcome.result_date, Outcome.id), number)
    page.rows = [OutcomeRow(o, p, c, pr) for o, p, c, pr in page.rows]
    return page


def verify(session: Session, outcome: Outcome, *, on: date, actor_id: int | None) -> None:
    if outcome.verified_on is not None or outcome.rejected_on is not None:
        raise ValidationError("outcome", "resultatet är redan bedömt")
    check_not_future(on, "verified_on")
    if on < outcome.result_date:
        raise ValidationError("verified_on", "ett resultat kan inte verifieras innan det har börjat")
    outcome.verified_on = on
    outcome.verified_by_id = actor_id
    record_change(session, actor_id, "verify", "outcome", outcome.id, after={"verified_on": on.isoformat()})


def reject(session: Session, outcome: Outcome, *, on: date, reason: str, actor_id: int | None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("reason", "skriv varför resultatet inte godtas")
    if outcome.verified_on is not None or outcome.rejected_on is not None:
        raise ValidationError("outcome", "resultatet är redan bedömt")
    outcome.rejected_on = on
    outcome.rejection_reason = reason
    record_change(session, actor_id, "reject", "outcome", outcome.id,
                  after={"rejected_on": on.isoformat()}, reason=reason)
