"""What each role's start page shows: a few facts from the data and where to go next."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from app.auth.models import User
from app.common import clock
from app.common.base import utcnow
from app.kundval.handoff import no_first_meeting
from app.kundval.models import Client, Placement, Referral
from app.kundval.provider_status import placements_to_move
from app.offerings.models import Offering
from app.providers.models import Provider
from app.providers.service import expiring_soon
from app.settlement.models import Period, Settlement


def _count(session: Session, stmt) -> int:
    return session.exec(stmt).one()


def start_facts(session: Session, user: User) -> dict:
    if user.role == "admin":
        return {
            "providers_applied": _count(session, select(func.count()).select_from(Provider)
                                        .where(Provider.status == "applied")),
            "providers_approved": _count(session, select(func.count()).select_from(Provider)
                                         .where(Provider.status == "approved")),
            "users": _count(session, select(func.count()).select_from(User)),
            "offerings": _count(session, select(func.count()).select_from(Offering)
                                .where(Offering.status == "published")),
            "expiring_documents": expiring_soon(session, utcnow().date()), "today": utcnow().date(),
        }
    if user.role == "case_worker":
        return {
            "no_first_meeting": _count(session, select(func.count()).select_from(Placement)
                                       .join(Referral, Referral.id == Placement.referral_id)
                                       .join(Client, Client.id == Referral.client_id)
                                       .where(Client.case_worker_id == user.id,
                                              no_first_meeting(date.today()))),
            "clients": _count(session, select(func.count()).select_from(Client)),
            "clients_with_children": _count(session, select(func.count()).select_from(Client)
                                            .where(Client.children_in_household.is_(True))),
            "referrals": _count(session, select(func.count()).select_from(Referral)),
            "active_placements": _count(session, select(func.count()).select_from(Placement)
                                        .where(Placement.ended_on.is_(None))),
            "to_move": len(placements_to_move(session, clock.today(), user.id)),
        }
    if user.role == "finance":
        rows = session.exec(
            select(Settlement.period, Settlement.status, func.count(), func.sum(Settlement.total_incl_vat))
            .group_by(Settlement.period, Settlement.status)
            .order_by(Settlement.period.desc())
        ).all()
        closed = set(session.exec(select(Period.period).where(Period.closed_at.is_not(None))).all())
        return {"settlement_rows": rows, "closed_periods": closed}
    if user.role == "management":
        # Counts and sums only: management sees no client, no name, no personnummer.
        year = str(utcnow().year)
        return {
            "active_placements": _count(session, select(func.count()).select_from(Placement)
                                        .where(Placement.ended_on.is_(None))),
            "providers_approved": _count(session, select(func.count()).select_from(Provider)
                                         .where(Provider.status == "approved")),
            "offerings": _count(session, select(func.count()).select_from(Offering)
                                .where(Offering.status == "published")),
            "approved_this_year": session.exec(
                select(func.coalesce(func.sum(Settlement.total_excl_vat), 0))
                .where(Settlement.status == "approved", Settlement.period.startswith(year))).one(),
            "year": year,
        }
    if user.role == "provider":
        provider = session.get(Provider, user.provider_id)
        offerings = session.exec(select(Offering).where(Offering.provider_id == user.provider_id)
                                 .order_by(Offering.service_type, Offering.title)).all()
        active = _count(session, select(func.count()).select_from(Placement)
                        .join(Offering, Offering.id == Placement.offering_id)
                        .where(Offering.provider_id == user.provider_id,
                               Placement.ended_on.is_(None)))
        return {"provider": provider, "offerings": offerings, "active_placements": active,
                "expiring_documents": expiring_soon(session, utcnow().date(), user.provider_id),
                "today": utcnow().date()}
    if user.role == "client":
        referrals = session.exec(select(Referral).join(Client, Client.id == Referral.client_id)
                                 .where(Client.user_id == user.id)
                                 .order_by(Referral.valid_from.desc())).all()
        return {"referrals": referrals}
    return {}
