"""The daily default placement (ickevalsalternativ) for clients whose choice deadline has passed."""
from __future__ import annotations

import random
from datetime import date

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from app.common.errors import ValidationError, msgid_of
from app.common.jobs import JobOutcome, run_once
from app.common.labels import label
from app.common.notifications import notify
from app.kundval import choice
from app.kundval.models import Client, DefaultChoiceSetting, Placement, Referral
from app.offerings.models import Offering

MODES = ("offering", "nearest", "random")


def set_default(session: Session, service_type: str, mode: str, offering_id: int | None,
                actor_id: int | None) -> DefaultChoiceSetting:
    """The admin's choice of the no-choice alternative for one service type."""
    from app.common.audit import record_change

    if mode not in MODES:
        raise ValidationError("mode", _l("välj hur ickevalsalternativet bestäms"))
    if mode == "offering":
        offering = session.get(Offering, offering_id) if offering_id else None
        if offering is None or offering.service_type != service_type or offering.status != "published":
            raise ValidationError("offering_id", _l("välj en publicerad tjänst av den här insatstypen"))
        from app.providers.models import Provider

        provider = session.get(Provider, offering.provider_id)
        if provider is None or provider.status != "approved":
            raise ValidationError("offering_id", _l("anordnaren är inte godkänd just nu (avstängd eller avslutad)"))
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


def adopt_flagged_defaults(session: Session) -> int:
    """Service types with no setting take the published offering an import flagged `default_choice`."""
    settings = {s.service_type for s in session.exec(select(DefaultChoiceSetting)).all()}
    adopted = 0
    for offering in session.exec(select(Offering).where(Offering.default_choice.is_(True),
                                                        Offering.status == "published")
                                 .order_by(Offering.id)).all():
        if offering.service_type not in settings:
            session.add(DefaultChoiceSetting(service_type=offering.service_type, mode="offering",
                                             offering_id=offering.id))
            settings.add(offering.service_type)
            adopted += 1
    session.flush()
    return adopted


class NoDefault(ValidationError):
    """Why the no-choice alternative could not place someone, in words for the case worker."""


def pick_offering(session: Session, referral: Referral, client: Client, setting: DefaultChoiceSetting | None,
                  today: date, secret: str) -> int:
    """The offering the default placement uses; raises NoDefault saying why there is none."""
    kind = label("service_type", referral.service_type).lower()
    if setting is None:
        raise NoDefault("offering", _l("inget ickevalsalternativ är inställt för %(kind)s", kind=kind))
    if setting.mode == "offering":
        offering = session.get(Offering, setting.offering_id) if setting.offering_id else None
        if offering is None:
            raise NoDefault("offering", _l("ickevalsalternativet för %(kind)s finns inte längre", kind=kind))
        return offering.id
    choices = choice.available_offerings(session, referral, today, secret=secret)
    if not choices:
        raise NoDefault("offering", _l("ingen tjänst för %(kind)s har lediga platser", kind=kind))
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


def overdue_referrals(session: Session, today: date) -> list[Referral]:
    """Valid decisions past their deadline with nothing placed under them, whose client has no
    running placement of the same service type under another decision."""
    other = aliased(Referral)
    running_elsewhere = (select(Placement.id).join(other, other.id == Placement.referral_id)
                         .where(other.client_id == Referral.client_id,
                                other.service_type == Referral.service_type, other.id != Referral.id,
                                or_(Placement.ended_on.is_(None), Placement.ended_on >= today)).exists())
    return list(session.exec(select(Referral).where(
        Referral.choice_deadline < today, Referral.valid_to >= today, Referral.withdrawn_on.is_(None),
        ~select(Placement.id).where(Placement.referral_id == Referral.id).exists(),
        ~running_elsewhere)
        .order_by(Referral.choice_deadline, Referral.id)).all())


def place_overdue(session: Session, today: date, secret: str) -> str:
    """Place every referral whose deadline passed without any placement; return a summary."""
    overdue = overdue_referrals(session, today)
    settings = {s.service_type: s for s in session.exec(select(DefaultChoiceSetting)).all()}
    clients = {c.id: c for c in session.exec(select(Client).where(
        Client.id.in_({r.client_id for r in overdue}))).all()} if overdue else {}
    # Families with children are placed first when places are scarce.
    overdue = sorted(overdue, key=lambda r: not clients[r.client_id].children_in_household)
    placed = failed = 0
    for referral in overdue:
        client = clients[referral.client_id]
        try:
            offering_id = pick_offering(session, referral, client, settings.get(referral.service_type),
                                        today, secret)
            with session.begin_nested():
                choice.choose(session, referral, offering_id, chosen_by="default", actor_id=None, today=today)
            placed += 1
        except ValidationError as exc:
            failed += 1
            message = exc.message if isinstance(exc, NoDefault) else (
                "ickevalsalternativet har inga lediga platser" if exc.msgid == msgid_of(choice.NO_PLACE) else exc.message)
            worker = referral.case_worker_id or client.case_worker_id
            notify(session, user_id=worker, role="" if worker else "case_worker",
                   key=f"default-failed:{referral.ref}:{today}",
                   subject="Ickevalsalternativet kunde inte användas",
                   body=f"Deltagare {client.ref}, beslut {referral.ref}: {message}. Kontakta deltagaren.")
    return f"{placed} placerade med ickevalsalternativ, {failed} kunde inte placeras"


def default_placement_job(session: Session, today: date) -> JobOutcome:
    """Daily: place clients whose choice deadline has passed (chosen_by=default); idempotent per day."""
    secret = current_app.config["SECRET_KEY"] if has_app_context() else ""
    return run_once(session, "default_placement", today.isoformat(),
                    lambda s: place_overdue(s, today, secret))
