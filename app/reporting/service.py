"""Attendance and outcome reporting: what providers have (not yet) reported."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session

from app.kundval.models import Placement, Referral
from app.offerings.models import Offering
from app.providers.models import Provider
from app.reporting import late_changes
from app.reporting.models import Attendance


def missing_attendance(session: Session, first: date, last: date) -> dict[int, dict]:
    """Per provider id: weekdays in first..last inside an open placement's window with no row.

    Returns {provider_id: {"name": ..., "org_nr": ..., "placements": n, "days": n}}; three
    queries whatever the number of placements.
    """
    placements = session.execute(
        select(Placement.id, Placement.start_date, Placement.ended_on, Referral.valid_from,
               Referral.valid_to, Offering.provider_id)
        .join(Referral, Referral.id == Placement.referral_id)
        .join(Offering, Offering.id == Placement.offering_id)
        .where(Placement.start_date <= last)
        .where((Placement.ended_on.is_(None)) | (Placement.ended_on >= first))).all()
    if not placements:
        return {}
    reported = defaultdict(set)
    for p_id, day in session.execute(
            select(Attendance.placement_id, Attendance.date)
            .where(Attendance.date >= first, Attendance.date <= last)):
        reported[p_id].add(day)
    result: dict[int, dict] = {}
    for p_id, start, ended_on, valid_from, valid_to, provider_id in placements:
        lo = max(first, start, valid_from)
        hi = min(last, valid_to, ended_on or last)
        day, missing = lo, 0
        while day <= hi:
            if day.weekday() < 5 and day not in reported[p_id]:
                missing += 1
            day += timedelta(days=1)
        if missing:
            entry = result.setdefault(provider_id, {"placements": 0, "days": 0})
            entry["placements"] += 1
            entry["days"] += missing
    for provider_id, name, org_nr in session.execute(
            select(Provider.id, Provider.name, Provider.org_nr).where(Provider.id.in_(list(result)))):
        result[provider_id].update(name=name, org_nr=org_nr)
    return result


# Outcomes reported by providers and the monthly reminder (provider portal) -----------------

def report_outcome(session: Session, provider_id: int, placement_ref: str, kind: str,
                   result_date, employer: str, extent: str, employment_form: str,
                   actor_id: int | None, today: date, reason: str = "", channel: str = "results"):
    """A provider reports work or studies for one of its placements; a case worker verifies it.

    A result dated in a settled month needs a reason and is recorded as a late change."""
    from app.common.audit import record_change
    from app.common.base import new_ref, utcnow
    from app.common.errors import ValidationError
    from app.reporting.models import EMPLOYMENT_FORMS, OUTCOME_KINDS, Outcome

    placement = session.execute(
        select(Placement).join(Offering, Offering.id == Placement.offering_id)
        .where(Placement.ref == (placement_ref or ""), Offering.provider_id == provider_id)).scalar()
    if placement is None:
        raise ValidationError("placement", "välj en av era placeringar")
    if kind not in OUTCOME_KINDS:
        raise ValidationError("kind", "välj arbete eller studier")
    if not isinstance(result_date, date):
        raise ValidationError("result_date", "ange startdatum som ÅÅÅÅ-MM-DD")
    if result_date < placement.start_date:
        raise ValidationError("result_date", "resultatet kan inte börja före placeringen")
    if result_date > today:
        raise ValidationError("result_date", "rapportera resultatet när det har börjat: startdatum "
                                             "ligger efter i dag")
    employer = (employer or "").strip()
    if not employer:
        raise ValidationError("employer", "ange arbetsgivare eller skola")
    if len(employer) > 200:
        raise ValidationError("employer", "högst 200 tecken")
    extent = (extent or "").strip()
    if not extent:
        raise ValidationError("extent", "ange omfattning, till exempel heltid eller 50 %")
    if len(extent) > 100:
        raise ValidationError("extent", "högst 100 tecken")
    employment_form = (employment_form or "").strip()
    if kind == "employment":
        if employment_form not in EMPLOYMENT_FORMS:
            raise ValidationError("employment_form", "välj anställningsform")
    elif employment_form:
        raise ValidationError("employment_form", "anställningsform anges bara för arbete")
    existing = session.execute(select(Outcome).where(
        Outcome.placement_id == placement.id, Outcome.kind == kind, Outcome.result_date == result_date)).scalar()
    if existing is not None:
        raise ValidationError("result_date", f"resultatet är redan rapporterat ({existing.ref}, "
                                             f"{existing.result_date.isoformat()})")
    outcome = Outcome(ref=new_ref("RES"), placement_id=placement.id, kind=kind, result_date=result_date,
                      employer=employer, extent=extent, employment_form=employment_form,
                      reported_at=utcnow(), reported_by_id=actor_id)
    session.add(outcome)
    session.flush()
    period = late_changes.period_of(result_date)
    if late_changes.is_settled(session, provider_id, period):
        late_changes.record(session, actor_id, "outcome", outcome.id, provider_id=provider_id,
                            placement_id=placement.id, period=period, before=None,
                            after={"ref": outcome.ref, **late_changes.outcome_dates(outcome)},
                            reason=late_changes.require_reason(reason), channel=channel)
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


def provider_outcomes_page(session: Session, provider_id: int, number: int):
    """One page (paging.Page) of provider_outcomes, cut in SQL."""
    from app.common import paging

    return paging.fetch(session, provider_outcomes_query(provider_id), number)


def provider_outcomes_query(provider_id: int, placement_ref: str | None = None):
    from app.kundval.models import Client
    from app.reporting.models import Outcome

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


def month_report_reminder_job(session: Session, today: date):
    """From the 3rd: remind providers with placements last month who have not submitted that month."""
    from app.common.jobs import JobOutcome, run_once
    from app.common.notifications import notify
    from app.reporting.grid import period_of, previous_period
    from app.reporting.models import MonthReport

    if today.day < 3:
        return JobOutcome(False, "waits for the 3rd")
    period = previous_period(period_of(today))

    def work(s: Session) -> str:
        first = date.fromisoformat(period + "-01")
        last = today.replace(day=1) - timedelta(days=1)
        active = set(s.execute(
            select(Offering.provider_id).join(Placement, Placement.offering_id == Offering.id)
            .join(Referral, Referral.id == Placement.referral_id)
            .where(Placement.start_date <= last, Referral.valid_from <= last, Referral.valid_to >= first,
                   (Placement.ended_on.is_(None)) | (Placement.ended_on >= first))).scalars())
        done = set(s.execute(select(MonthReport.provider_id).where(MonthReport.period == period)).scalars())
        count = 0
        for provider_id in sorted(active - done):
            if notify(s, provider_id=provider_id, key=f"month-report:{period}:{provider_id}",
                      subject=f"Månadsrapporten för {period} saknas",
                      body=(f"Närvaron för {period} är inte markerad som rapporterad. Fyll i "
                            "närvaron och välj ”Markera månaden som rapporterad”.")):
                count += 1
        return f"{period}: {count} påminnelser"

    return run_once(session, "month_report_reminder", period, work)
