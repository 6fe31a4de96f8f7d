"""A result's life: a provider reports work or studies, a case worker verifies or rejects it.

The follow-up after the sustain period is followups.py; payroll evidence payroll.py. Providers
report through reporting/ (the portal and the API), which calls report_outcome() here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from app.common import paging
from app.common.audit import record_change
from app.common.base import new_ref, utcnow
from app.common.clock import check_not_future
from app.common.errors import ValidationError
from app.common.hooks import Hook
from app.kundval.models import EMPLOYMENT_FORMS, OUTCOME_KINDS, Client, Outcome, Placement, Referral
from app.offerings.models import Offering
from app.providers.models import Provider

# Whether a result's date falls in a settled month is settlement's to say, an area above kundval:
# (session, actor id, outcome, provider id, reason, channel) -> None refuses a result without a
# reason there and records it as a late change. Provided in create_app() (settlement/late_changes.py).
record_if_late: Hook[Callable[..., None]] = Hook("kundval.results.record_if_late")

# Reporting (the provider portal and the API) -------------------------------------------------


def _own_placement(session: Session, provider_id: int, placement_ref: str) -> Placement:
    placement = session.execute(
        select(Placement).join(Offering, Offering.id == Placement.offering_id)
        .where(Placement.ref == (placement_ref or ""), Offering.provider_id == provider_id)).scalar()
    if placement is None:
        raise ValidationError("placement", _l("välj en av era placeringar"))
    return placement


def _check_date(placement: Placement, result_date, today: date) -> None:
    if not isinstance(result_date, date):
        raise ValidationError("result_date", _l("ange startdatum som ÅÅÅÅ-MM-DD"))
    if result_date < placement.start_date:
        raise ValidationError("result_date", _l("resultatet kan inte börja före placeringen"))
    if result_date > today:
        raise ValidationError("result_date", _l("rapportera resultatet när det har börjat: startdatum "
                                                "ligger efter i dag"))


def _text(value: str, field_name: str, missing: str, longest: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(field_name, missing)
    if len(value) > longest:
        raise ValidationError(field_name, _l("högst %(num)d tecken", num=longest))
    return value


def _employment_form(kind: str, employment_form: str) -> str:
    employment_form = (employment_form or "").strip()
    if kind == "employment":
        if employment_form not in EMPLOYMENT_FORMS:
            raise ValidationError("employment_form", _l("välj anställningsform"))
    elif employment_form:
        raise ValidationError("employment_form", _l("anställningsform anges bara för arbete"))
    return employment_form


def _refuse_repeat(session: Session, placement: Placement, kind: str, result_date: date) -> None:
    existing = session.execute(select(Outcome).where(
        Outcome.placement_id == placement.id, Outcome.kind == kind, Outcome.result_date == result_date)).scalar()
    if existing is not None:
        raise ValidationError("result_date", _l("resultatet är redan rapporterat (%(ref)s, %(date)s)",
                                                ref=existing.ref, date=existing.result_date.isoformat()))


def report_outcome(session: Session, provider_id: int, placement_ref: str, kind: str,
                   result_date, employer: str, extent: str, employment_form: str,
                   actor_id: int | None, today: date, reason: str = "", channel: str = "results"):
    """A provider reports work or studies for one of its placements; a case worker verifies it.

    A result dated in a settled month needs a reason and is recorded as a late change."""
    placement = _own_placement(session, provider_id, placement_ref)
    if kind not in OUTCOME_KINDS:
        raise ValidationError("kind", _l("välj arbete eller studier"))
    _check_date(placement, result_date, today)
    employer = _text(employer, "employer", _l("ange arbetsgivare eller skola"), 200)
    extent = _text(extent, "extent", _l("ange omfattning, till exempel heltid eller 50 %"), 100)
    employment_form = _employment_form(kind, employment_form)
    _refuse_repeat(session, placement, kind, result_date)
    outcome = Outcome(ref=new_ref("RES"), placement_id=placement.id, kind=kind, result_date=result_date,
                      employer=employer, extent=extent, employment_form=employment_form,
                      reported_at=utcnow(), reported_by_id=actor_id)
    session.add(outcome)
    session.flush()
    record_if_late(session, actor_id, outcome, provider_id=provider_id, reason=reason, channel=channel)
    record_change(session, actor_id, "report", "outcome", outcome.id,
                  after={"placement": placement.ref, "kind": kind, "result_date": str(result_date)})
    return outcome


def outcome_status(outcome) -> str:
    if outcome.rejected_on:
        return "rejected"
    return "verified" if outcome.verified_on else "pending"


def provider_outcomes(session: Session, provider_id: int, placement_ref: str | None = None) -> list:
    """(outcome, placement ref, client name) for the provider's placements, newest first."""
    return list(session.execute(provider_outcomes_query(provider_id, placement_ref)).all())


def provider_outcomes_page(session: Session, provider_id: int, number: int) -> paging.Page:
    """One page of provider_outcomes, cut in SQL."""
    return paging.fetch(session, provider_outcomes_query(provider_id), number)


def provider_outcomes_query(provider_id: int, placement_ref: str | None = None):
    stmt = (select(Outcome, Placement.ref, Client.name)
            .join(Placement, Placement.id == Outcome.placement_id)
            .join(Offering, Offering.id == Placement.offering_id)
            .join(Referral, Referral.id == Placement.referral_id)
            .join(Client, Client.id == Referral.client_id)
            .where(Offering.provider_id == provider_id)
            .order_by(Outcome.result_date.desc(), Outcome.id.desc()))
    if placement_ref is not None:
        stmt = stmt.where(Placement.ref == placement_ref)
    return stmt


# Verification (the case worker) --------------------------------------------------------------


@dataclass
class OutcomeRow:
    outcome: Outcome
    placement: Placement
    client: Client
    provider: Provider
    due_on: date | None = None


def _joined(stmt, case_worker_id: int | None):
    """`stmt` (selecting Outcome, Placement, Client, Provider) joined up, for one case worker or all."""
    stmt = (stmt.join(Placement, Placement.id == Outcome.placement_id)
            .join(Referral, Referral.id == Placement.referral_id)
            .join(Client, Client.id == Referral.client_id)
            .join(Offering, Offering.id == Placement.offering_id)
            .join(Provider, Provider.id == Offering.provider_id))
    return stmt.where(Client.case_worker_id == case_worker_id) if case_worker_id is not None else stmt


def outcome_rows(session: Session, stmt, case_worker_id: int | None) -> list[OutcomeRow]:
    """The rows of `stmt` (selecting Outcome, Placement, Client, Provider), for one case worker or all."""
    return [OutcomeRow(o, p, c, pr) for o, p, c, pr in session.exec(_joined(stmt, case_worker_id)).all()]


def _unjudged():
    return (select(Outcome, Placement, Client, Provider)
            .where(Outcome.verified_on.is_(None), Outcome.rejected_on.is_(None)))


def to_verify(session: Session, case_worker_id: int | None = None) -> list[OutcomeRow]:
    """Reported results nobody has verified or rejected yet, oldest first."""
    rows = outcome_rows(session, _unjudged(), case_worker_id)
    return sorted(rows, key=lambda r: (r.outcome.result_date, r.outcome.id))


def to_verify_page(session: Session, case_worker_id: int | None, number: int) -> paging.Page:
    """One page of to_verify's list, ordered and cut in SQL."""
    stmt = _joined(_unjudged(), case_worker_id).order_by(Outcome.result_date, Outcome.id)
    page = paging.fetch(session, stmt, number)
    page.rows = [OutcomeRow(o, p, c, pr) for o, p, c, pr in page.rows]
    return page


def verify(session: Session, outcome: Outcome, *, on: date, actor_id: int | None) -> None:
    if outcome.verified_on is not None or outcome.rejected_on is not None:
        raise ValidationError("outcome", _l("resultatet är redan bedömt"))
    check_not_future(on, "verified_on")
    if on < outcome.result_date:
        raise ValidationError("verified_on", _l("ett resultat kan inte verifieras innan det har börjat"))
    outcome.verified_on = on
    outcome.verified_by_id = actor_id
    record_change(session, actor_id, "verify", "outcome", outcome.id, after={"verified_on": on.isoformat()})


def reject(session: Session, outcome: Outcome, *, on: date, reason: str, actor_id: int | None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("reason", _l("skriv varför resultatet inte godtas"))
    if outcome.verified_on is not None or outcome.rejected_on is not None:
        raise ValidationError("outcome", _l("resultatet är redan bedömt"))
    outcome.rejected_on = on
    outcome.rejection_reason = reason
    record_change(session, actor_id, "reject", "outcome", outcome.id,
                  after={"rejected_on": on.isoformat()}, reason=reason)
