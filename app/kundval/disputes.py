"""Attendance the client can see: the days a provider reported, and the client's "jag var inte där".

The case worker resolves each disputed day: the provider corrects the report (in the attendance
grid, under the usual rules for settled months) or the report stands. The provider is told both
when a day is disputed and when it is resolved. A dispute never holds back payment.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from app.common.audit import record_change
from app.common.errors import ValidationError
from app.kundval import notices
from app.kundval.models import Attendance, AttendanceDispute, Client, Placement, Referral
from app.offerings.models import Offering

RESOLUTIONS = ("correct", "confirmed")


@dataclass
class Day:
    """One reported day as the client sees it."""

    date: date
    status: str  # present | absent
    hours: Decimal
    dispute: AttendanceDispute | None


def months_reported(session: Session, placement: Placement) -> list[str]:
    """The months (YYYY-MM) with reported days, newest first."""
    days = session.exec(select(Attendance.date).where(Attendance.placement_id == placement.id)).all()
    return sorted({f"{d.year:04d}-{d.month:02d}" for d in days}, reverse=True)


def days_of(session: Session, placement: Placement, first: date, last: date) -> list[Day]:
    rows = session.exec(select(Attendance).where(Attendance.placement_id == placement.id,
                                                 Attendance.date >= first, Attendance.date <= last)
                        .order_by(Attendance.date)).all()
    disputes = {d.date: d for d in session.exec(select(AttendanceDispute).where(
        AttendanceDispute.placement_id == placement.id, AttendanceDispute.date >= first,
        AttendanceDispute.date <= last)).all()}
    return [Day(a.date, a.status, a.hours, disputes.get(a.date)) for a in rows]


def _provider_id(session: Session, placement: Placement) -> int:
    return session.get(Offering, placement.offering_id).provider_id


def dispute(session: Session, placement: Placement, day: date, comment: str, actor_id: int | None
            ) -> AttendanceDispute:
    """The client marks a reported day "jag var inte där"."""
    attendance = session.exec(select(Attendance).where(Attendance.placement_id == placement.id,
                                                       Attendance.date == day)).first()
    if attendance is None or attendance.status != "present":
        raise ValidationError("date", _l("anordnaren har inte rapporterat att du var där den dagen"))
    if session.exec(select(AttendanceDispute.id).where(AttendanceDispute.placement_id == placement.id,
                                                       AttendanceDispute.date == day)).first():
        raise ValidationError("date", _l("du har redan sagt att du inte var där den dagen"))
    row = AttendanceDispute(placement_id=placement.id, date=day, reported_hours=attendance.hours,
                            comment=(comment or "").strip()[:300])
    session.add(row)
    session.flush()
    record_change(session, actor_id, "create", "attendance_dispute", row.id,
                  after={"placement_id": placement.id, "date": day.isoformat()})
    notices.tell_provider_disputed(session, _provider_id(session, placement), placement, row)
    return row


def resolve(session: Session, row: AttendanceDispute, resolution: str, on: date, actor_id: int | None) -> None:
    """The case worker's decision: the provider corrects the report, or the report stands."""
    if resolution not in RESOLUTIONS:
        raise ValidationError("resolution", _l("välj hur dagen ska lösas"))
    if row.status != "open":
        raise ValidationError("resolution", _l("dagen är redan löst"))
    placement = session.get(Placement, row.placement_id)
    row.status, row.resolved_on, row.resolved_by_id = resolution, on, actor_id
    record_change(session, actor_id, "resolve", "attendance_dispute", row.id, after={"status": resolution})
    notices.tell_provider_resolved(session, _provider_id(session, placement), placement, row)


@dataclass
class OpenDispute:
    dispute: AttendanceDispute
    placement: Placement
    client: Client


def open_disputes(session: Session, *, client_id: int | None = None, case_worker_id: int | None = None
                  ) -> list[OpenDispute]:
    """Days still to resolve, oldest first, for one client or a case worker's clients (one query)."""
    stmt = (select(AttendanceDispute, Placement, Client)
            .join(Placement, Placement.id == AttendanceDispute.placement_id)
            .join(Referral, Referral.id == Placement.referral_id)
            .join(Client, Client.id == Referral.client_id)
            .where(AttendanceDispute.status == "open"))
    if client_id is not None:
        stmt = stmt.where(Client.id == client_id)
    if case_worker_id is not None:
        stmt = stmt.where(Client.case_worker_id == case_worker_id)
    rows = session.exec(stmt.order_by(AttendanceDispute.date, AttendanceDispute.id)).all()
    return [OpenDispute(d, p, c) for d, p, c in rows]
