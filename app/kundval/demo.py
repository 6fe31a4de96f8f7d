"""The demo's journeys, dated from today so they always work: a client waiting for a choice, one
placed, one switched and one placed by no-choice, each with a login printed by `flask seed`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from app.auth.models import User
from app.common.workdays import add_working_days
from app.kundval import choice, service
from app.kundval.models import Client, DefaultChoiceSetting, Placement, Referral
from app.offerings.models import Offering


@dataclass(frozen=True)
class Journey:
    ref: str
    email: str
    name: str
    personal_id: str
    what: str  # what to try, printed by `flask seed`


JOURNEYS = (
    Journey("DEMO-VANTAR", "deltagare@kundval.example", "Sara Demovik", "19960314-9809",
            "väntar på att välja (Gå till ditt val)"),
    Journey("DEMO-PLACERAD", "deltagare-placerad@kundval.example", "Omar Demosson", "19881022-9800",
            "har valt anordnaren som anordnare@ loggar in som; ingen första träff bokad"),
    Journey("DEMO-BYTT", "deltagare-bytt@kundval.example", "Lina Demoberg", "20010507-9800",
            "har bytt anordnare; historiken syns för alla"),
    Journey("DEMO-ICKEVAL", "deltagare-ickeval@kundval.example", "Ali Demokrati", "19790930-9804",
            "valde inte i tid och är placerad genom ickeval"),
)


def _demo_offerings(session: Session, provider_id: int | None) -> tuple[Offering, Offering] | None:
    """A praktik offering of the demo provider and one of another provider, both with room; None
    when the data has no such pair."""
    offerings = session.exec(select(Offering).where(Offering.status == "published",
                                                    Offering.service_type == "praktik")
                             .order_by(Offering.id)).all()
    taken = choice.occupied(session, [o.id for o in offerings], date.today())
    offerings = [o for o in offerings if taken.get(o.id, 0) + 3 <= o.capacity]
    own = next((o for o in offerings if o.provider_id == provider_id), offerings[0] if offerings else None)
    other = next((o for o in offerings if own and o.provider_id != own.provider_id), None)
    return (own, other) if own and other else None


def seed_journeys(session: Session, case_worker: User, provider_user: User | None, password_user) -> list[Journey]:
    """Create the journeys that are missing (by client ref); `password_user(email, name)` makes a login."""
    today = date.today()
    existing = set(session.exec(select(Client.ref).where(Client.ref.in_([j.ref for j in JOURNEYS]))).all())
    pair = _demo_offerings(session, provider_user.provider_id if provider_user else None)
    if pair is None:
        return []
    own, other = pair
    default = session.get(DefaultChoiceSetting, "praktik")
    made = []
    for j in JOURNEYS:
        if j.ref in existing:
            continue
        user = session.exec(select(User).where(User.email == j.email)).first() or password_user(j.email, j.name)
        for old in session.exec(select(Client).where(Client.user_id == user.id)).all():
            old.user_id = None  # the demo login moves to its journey
        client = service.register_client(session, personal_id=j.personal_id, name=j.name, phone="070-174 56 12",
                                         language="sv", case_worker_id=case_worker.id, area=own.area)
        client.ref, client.user_id = j.ref, user.id
        client.email = j.email
        session.flush()
        if j.ref == "DEMO-VANTAR":
            service.create_referral(session, client, service_type="praktik", valid_from=today,
                                    valid_to=today + timedelta(days=180), decided_on=today,
                                    choice_deadline=add_working_days(today, 5), case_worker_id=case_worker.id)
        elif j.ref == "DEMO-PLACERAD":
            referral = _referral(session, client, case_worker, today - timedelta(days=10))
            placement = choice.choose(session, referral, own.id, chosen_by="client", actor_id=user.id,
                                      today=today - timedelta(days=6))
            # Chosen six days ago with no first meeting: the case worker's list flags it.
            placement.created_at = datetime.combine(today - timedelta(days=6), time(10), UTC)
        elif j.ref == "DEMO-BYTT":
            referral = _referral(session, client, case_worker, today - timedelta(days=40))
            session.add(Placement(ref=f"{j.ref}-1", referral_id=referral.id, offering_id=other.id,
                                  chosen_by="client", start_date=today - timedelta(days=35),
                                  first_meeting_on=today - timedelta(days=34), first_meeting_time=time(9),
                                  first_meeting_place=other.address or "Hos anordnaren"))
            session.flush()
            choice.switch(session, referral, own.id, by="client", actor_id=user.id, today=today - timedelta(days=3),
                          start_date=today - timedelta(days=3))
        else:
            referral = service.create_referral(session, client, service_type="praktik",
                                               valid_from=today - timedelta(days=12),
                                               valid_to=today + timedelta(days=170),
                                               decided_on=today - timedelta(days=12),
                                               choice_deadline=today - timedelta(days=2),
                                               case_worker_id=case_worker.id)
            target = default.offering_id if default and default.offering_id else own.id
            choice.choose(session, referral, target, chosen_by="default", actor_id=None, today=today)
        made.append(j)
    session.flush()
    return made


def _referral(session: Session, client: Client, case_worker: User, decided_on: date) -> Referral:
    return service.create_referral(session, client, service_type="praktik", valid_from=decided_on,
                                   valid_to=decided_on + timedelta(days=180), decided_on=decided_on,
                                   choice_deadline=add_working_days(decided_on, 5), case_worker_id=case_worker.id)
