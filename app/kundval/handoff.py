"""After the choice: what the provider sees of a placement, and the first meeting it books."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_
from sqlmodel import Session, select

from app.auth.models import User
from app.common.audit import record_change
from app.common.errors import ValidationError
from app.common.workdays import add_working_days
from app.kundval.models import Client, Placement, Referral
from app.notifications.service import notify
from app.offerings.models import Offering

# The provider calls the client within this many working days of the choice.
FIRST_MEETING_WORKING_DAYS = 3


@dataclass
class ProviderPlacement:
    placement: Placement
    referral: Referral
    client: Client
    offering: Offering
    case_worker: User | None
    history: list[tuple[Placement, Offering]]  # the provider's placements under the same decision


def provider_placement(session: Session, provider_id: int, placement_id: int) -> ProviderPlacement | None:
    """One of the provider's placements with the client's contact details; None for anyone else's."""
    row = session.exec(
        select(Placement, Referral, Client, Offering)
        .join(Referral, Referral.id == Placement.referral_id)
        .join(Client, Client.id == Referral.client_id)
        .join(Offering, Offering.id == Placement.offering_id)
        .where(Placement.id == placement_id, Offering.provider_id == provider_id)).first()
    if row is None:
        return None
    placement, referral, client, offering = row
    worker_id = referral.case_worker_id or client.case_worker_id
    worker = session.get(User, worker_id) if worker_id else None
    history = session.exec(
        select(Placement, Offering).join(Offering, Offering.id == Placement.offering_id)
        .where(Placement.referral_id == referral.id, Offering.provider_id == provider_id)
        .order_by(Placement.start_date, Placement.id)).all()
    return ProviderPlacement(placement, referral, client, offering, worker, list(history))


def provider_placement_list(session: Session, provider_id: int, today: date):
    """(placement, client name, offering title) for the provider's running and coming placements."""
    return session.exec(
        select(Placement, Client.name, Offering.title)
        .join(Offering, Offering.id == Placement.offering_id)
        .join(Referral, Referral.id == Placement.referral_id)
        .join(Client, Client.id == Referral.client_id)
        .where(Offering.provider_id == provider_id,
               or_(Placement.ended_on.is_(None), Placement.ended_on >= today - timedelta(days=31)))
        .order_by(Placement.ended_on.is_not(None), Client.name, Placement.id)).all()


def chosen_on(placement: Placement) -> date:
    """The day the choice was made (the placement was registered)."""
    created = placement.created_at
    return (created if created.tzinfo else created.replace(tzinfo=UTC)).date()


def first_meeting_due(placement: Placement) -> date:
    return add_working_days(chosen_on(placement), FIRST_MEETING_WORKING_DAYS)


def overdue_cutoff(today: date) -> datetime:
    """Placements registered before this moment are past the first-meeting time today."""
    day = today
    while add_working_days(day, FIRST_MEETING_WORKING_DAYS) > today:
        day -= timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time.min, UTC)


def no_first_meeting(today: date):
    """SQL condition: a running placement with no first meeting booked in time."""
    return ((Placement.first_meeting_on.is_(None))
            & (or_(Placement.ended_on.is_(None), Placement.ended_on >= today))
            & (Placement.created_at < overdue_cutoff(today)))


def book_first_meeting(session: Session, view: ProviderPlacement, *, on: date | None, at: time | None,
                       place: str, actor_id: int | None, today: date) -> None:
    """The provider books (or moves) the first meeting; the case worker and the client are told."""
    placement = view.placement
    if on is None:
        raise ValidationError("first_meeting_on", _l("fyll i dag för första träffen"))
    if at is None:
        raise ValidationError("first_meeting_time", _l("fyll i tid för första träffen"))
    if on < today:
        raise ValidationError("first_meeting_on", _l("första träffen kan inte vara tidigare än i dag"))
    if on > view.referral.valid_to or (placement.ended_on and on > placement.ended_on):
        raise ValidationError("first_meeting_on", _l("första träffen måste vara medan placeringen pågår"))
    place = (place or "").strip()
    if not place:
        raise ValidationError("first_meeting_place", _l("fyll i var ni ses"))
    if len(place) > 200:
        raise ValidationError("first_meeting_place", _l("högst 200 tecken"))
    before = {"first_meeting_on": placement.first_meeting_on.isoformat() if placement.first_meeting_on else None}
    placement.first_meeting_on, placement.first_meeting_time, placement.first_meeting_place = on, at, place
    session.add(placement)
    record_change(session, actor_id, "book_first_meeting", "placement", placement.id, before=before,
                  after={"first_meeting_on": on.isoformat(), "first_meeting_time": at.strftime("%H:%M")})
    when = f"{on.isoformat()} kl. {at.strftime('%H:%M')}"
    key = f"first-meeting:{placement.ref}:{when}"
    worker_id = view.referral.case_worker_id or view.client.case_worker_id
    if worker_id:
        notify(session, user_id=worker_id, key=key, subject=_l("Första träffen är bokad"),
               body=_l("Deltagare %(client)s (%(offering)s): första träffen %(day)s kl. %(time)s, %(place)s.",
                       client=view.client.ref, offering=view.offering.title, day=on.isoformat(),
                       time=at.strftime("%H:%M"), place=place))
    if view.client.user_id:
        notify(session, user_id=view.client.user_id, key=key + ":client",
               subject=_l("Din första träff"),
               body=_l("Du ska träffa %(offering)s %(day)s kl. %(time)s. Plats: %(place)s.",
                       offering=view.offering.title, day=on.isoformat(), time=at.strftime("%H:%M"), place=place))
