"""The daily default placement (ickevalsalternativ) for clients whose choice deadline has passed."""
from __future__ import annotations

import random
from datetime import date

from flask import current_app, has_app_context
from sqlmodel import Session, select

from app.common.errors import ValidationError
from app.common.jobs import JobOutcome, run_once
from app.common.models import Notification
from app.kundval import choice
from app.kundval.models import Client, DefaultChoiceSetting, Placement, Referral
from app.offerings.models import Offering

MODES = ("offering", "nearest", "random")


def set_default(session: Session, service_type: str, mode: str, offering_id: int | None,
                actor_id: int | None) -> DefaultChoiceSetting:
    """The admin's choice of the no-choice alternative for one service type."""
    from app.common.audit import record_change

    if mode not in MODES:
        raise ValidationError("mode", "välj hur ickevalsalternativet bestäms")
    if mode == "offering":
        offering = session.get(Offering, offering_id) if offering_id else None
        if offering is None or offering.service_type != service_type or offering.status != "published":
            raise ValidationError("offering_id", "välj en publicerad tjänst av den här insatstypen")
        from app.providers.models import Provider

        provider = session.get(Provider, offering.provider_id)
        if provider is None or provider.status != "approved":
            raise ValidationError("offering_id", "anordnaren är inte godkänd just nu (avstängd eller avslutad)")
    else:
        offering_id = None
    setting = session.get(DefaultChoiceSetting, service_type) or DefaultChoiceSetting(service_type=service_type)
    setting.mode = mode
    setting.offering_id = offering_id
    session.add(setting)
    for o in session.exec(select(Offering).where(Offering.service_type == service_type)).all():
        o.default_choice = o.id == offering_id
    record_change(session, actor_id, "update", "default_choice", None,
                  after={"service_type": service_type, "mode": mode, "offering_id": offering_id})
    return setting


def pick_offering(session: Session, referral: Referral, client: Client, setting: DefaultChoiceSetting | None,
                  today: date, secret: str) -> int | None:
    """The offering the default placement uses, or None when there is no free place to give."""
    if setting is None:
        return None
    if setting.mode == "offering":
        return setting.offering_id
    choices = choice.available_offerings(session, referral, today, secret=secret)
    if not choices:
        return None
    if setting.mode == "nearest":
        # The client's home area; without one, the area of an earlier placement stands in.
        areas = [client.area] if client.area else session.exec(
            select(Offering.area).join(Placement, Placement.offering_id == Offering.id)
            .join(Referral, Referral.id == Placement.referral_id)
            .where(Referral.client_id == client.id)).all()
        near = [c for c in choices if c.offering.area and c.offering.area in areas]
        if near:
            return near[0].offering.id
    return random.SystemRandom().choice(choices).offering.id


def place_overdue(session: Session, today: date, secret: str) -> str:
    """Place every referral whose deadline passed without any placement; return a summary."""
    overdue = session.exec(select(Referral).where(
        Referral.choice_deadline < today, Referral.valid_to >= today,
        ~select(Placement.id).where(Placement.referral_id == Referral.id).exists())
        .order_by(Referral.choice_deadline, Referral.id)).all()
    settings = {s.service_type: s for s in session.exec(select(DefaultChoiceSetting)).all()}
    clients = {c.id: c for c in session.exec(select(Client).where(
        Client.id.in_({r.client_id for r in overdue}))).all()} if overdue else {}
    # Families with children are placed first when places are scarce.
    overdue = sorted(overdue, key=lambda r: not clients[r.client_id].children_in_household)
    placed = failed = 0
    for referral in overdue:
        client = clients[referral.client_id]
        offering_id = pick_offering(session, referral, client, settings.get(referral.service_type), today, secret)
        try:
            if offering_id is None:
                raise ValidationError("offering", "inget ickevalsalternativ med lediga platser")
            with session.begin_nested():
                choice.choose(session, referral, offering_id, chosen_by="default", actor_id=None, today=today)
            placed += 1
        except ValidationError as exc:
            failed += 1
            worker = referral.case_worker_id or client.case_worker_id
            session.add(Notification(
                user_id=worker, role="" if worker else "case_worker", key=f"default-failed:{referral.ref}:{today}",
                subject="Ickevalsalternativet kunde inte användas",
                body=f"Deltagare {client.ref}, beslut {referral.ref}: {exc.message}. Kontakta deltagaren."))
    return f"{placed} placerade med ickevalsalternativ, {failed} kunde inte placeras"


def default_placement_job(session: Session, today: date) -> JobOutcome:
    """Daily: place clients whose choice deadline has passed (chosen_by=default); idempotent per day."""
    secret = current_app.config["SECRET_KEY"] if has_app_context() else ""
    return run_once(session, "default_placement", today.isoformat(),
                    lambda s: place_overdue(s, today, secret))
