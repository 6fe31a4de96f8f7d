"""What providers have not yet reported: missing attendance, and the monthly reminder.

Outcomes (results) are in results.py."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from app.common.jobs import JobOutcome, run_once
from app.kundval.models import Attendance, Placement, Referral
from app.notifications.service import notify
from app.offerings.models import Offering
from app.providers.models import Provider
from app.reporting.grid import period_of, previous_period
from app.reporting.models import MonthReport


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


# The monthly reminder (provider portal) -----------------------------------------------------

def month_report_reminder_job(session: Session, today: date):
    """From the 3rd: remind providers with placements last month who have not submitted that month."""
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
                      subject=_l("Månadsrapporten för %(period)s saknas", period=period),
                      body=_l("Närvaron för %(period)s är inte markerad som rapporterad. Fyll i "
                              "närvaron och välj ”Markera månaden som rapporterad”.", period=period)):
                count += 1
        return f"{period}: {count} påminnelser"

    return run_once(session, "month_report_reminder", period, work)
