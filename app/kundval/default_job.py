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
from app.kundval import choice
from app.kundval.models import Client, DefaultChoiceSetting, Placement, Referral
from app.notifications.service import notify, preload_keys
from app.offerings.models import Offering
from app.providers.models import Provider

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


class _Places:
    """Everything the job chooses from, read once and locked: the offerings the overdue
    referrals may get, the set alternatives, their taken places and the areas of clients'
    earlier placements. Places taken during the run are counted here as they are taken, so the
    last free place goes to one client as when each was placed on its own."""

    def __init__(self, session: Session, overdue: list[Referral], settings: dict[str, DefaultChoiceSetting],
                 clients: dict[int, Client], today: date, secret: str) -> None:
        self.today, self.secret = today, secret
        self.rows = choice.offering_rows(session, sorted({r.service_type for r in overdue}), today,
                                         lock=True) if overdue else []
        set_ids = {s.offering_id for s in settings.values() if s.mode == "offering" and s.offering_id}
        self.set_offerings = {o.id: (o, p) for o, p in session.exec(
            select(Offering, Provider).join(Provider, Provider.id == Offering.provider_id)
            .where(Offering.id.in_(set_ids)).with_for_update(of=Offering)).all()} if set_ids else {}
        ids = {o.id for o, _p in self.rows} | set(self.set_offerings)
        self.taken = choice.occupied(session, sorted(ids), today)
        self.earlier_areas = _earlier_areas(session, [c.id for c in clients.values() if not c.area])

    def pick(self, referral: Referral, client: Client, setting: DefaultChoiceSetting | None) -> Offering:
        """The offering the default placement uses; raises NoDefault saying why there is none,
        or the ValidationError `choose` would raise for a set alternative that cannot take them."""
        kind = label("service_type", referral.service_type).lower()
        if setting is None:
            raise NoDefault("offering", _l("inget ickevalsalternativ är inställt för %(kind)s", kind=kind))
        if setting.mode == "offering":
            return self._set_alternative(referral, setting, kind)
        choices = choice.choices_among(self.rows, self.taken, referral, secret=self.secret)
        if not choices:
            raise NoDefault("offering", _l("ingen tjänst för %(kind)s har lediga platser", kind=kind))
        if setting.mode == "nearest":
            # The client's home area; without one, the area of an earlier placement stands in.
            areas = [client.area] if client.area else self.earlier_areas.get(client.id, [])
            near = [c for c in choices if c.offering.area and c.offering.area in areas]
            if near:
                return near[0].offering
        return random.SystemRandom().choice(choices).offering

    def _set_alternative(self, referral: Referral, setting: DefaultChoiceSetting, kind: str) -> Offering:
        """The admin's offering, checked as `choose` checks any offering (type, published,
        provider approved, a free place)."""
        found = self.set_offerings.get(setting.offering_id) if setting.offering_id else None
        if found is None:
            raise NoDefault("offering", _l("ickevalsalternativet för %(kind)s finns inte längre", kind=kind))
        offering, provider = found
        if offering.service_type != referral.service_type or offering.status != "published":
            raise ValidationError("offering", _l("tjänsten går inte att välja för det här beslutet"))
        if provider.status != "approved":
            raise ValidationError("offering", _l("anordnaren kan inte ta emot deltagare just nu"))
        if self.taken.get(offering.id, 0) >= offering.capacity:
            raise ValidationError("offering", choice.NO_PLACE)
        return offering

    def take(self, offering: Offering) -> None:
        self.taken[offering.id] = self.taken.get(offering.id, 0) + 1


def _earlier_areas(session: Session, client_ids: list[int]) -> dict[int, list[str]]:
    """Areas of each client's earlier placements, for clients with no home area recorded."""
    areas: dict[int, list[str]] = {}
    if not client_ids:
        return areas
    for client_id, area in session.exec(
            select(Referral.client_id, Offering.area).join(Placement, Placement.offering_id == Offering.id)
            .join(Referral, Referral.id == Placement.referral_id)
            .where(Referral.client_id.in_(client_ids))).all():
        areas.setdefault(client_id, []).append(area)
    return areas


def _still_open(session: Session, overdue: list[Referral], today: date) -> dict[int, str]:
    """Lock the overdue referrals and say, per referral, why it can no longer be placed: a
    client may have chosen, or the decision been withdrawn, since the list was read (the same
    refusals, in the same words, as `choose`)."""
    ids = [r.id for r in overdue]
    locked = {r.id: r for r in session.exec(select(Referral).where(Referral.id.in_(ids))
                                             .with_for_update().execution_options(populate_existing=True)).all()}
    placements: dict[int, list[Placement]] = {}
    for p in session.exec(select(Placement).where(Placement.referral_id.in_(ids))).all():
        placements.setdefault(p.referral_id, []).append(p)
    refused = {}
    for rid in ids:
        referral, had = locked.get(rid), placements.get(rid, [])
        if referral is None or referral.valid_to < today or referral.withdrawn_on is not None:
            refused[rid] = "beslutet gäller inte längre"
        elif any(p.ended_on is None or p.ended_on >= today for p in had):
            refused[rid] = "du har redan en plats för det här beslutet"
        elif had:
            refused[rid] = "beslutet har redan haft en placering"
    return refused


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
    """Place every referral whose deadline passed without any placement; return a summary.

    Everything is read, and locked, before the first placement is chosen, and the placements
    are written together, so the job's statements do not grow with the number of referrals
    (only a refusal, told to the case worker, costs its own message).
    """
    overdue = overdue_referrals(session, today)
    settings = {s.service_type: s for s in session.exec(select(DefaultChoiceSetting)).all()}
    clients = {c.id: c for c in session.exec(select(Client).where(
        Client.id.in_({r.client_id for r in overdue}))).all()} if overdue else {}
    # Families with children are placed first when places are scarce.
    overdue = sorted(overdue, key=lambda r: not clients[r.client_id].children_in_household)
    refused = _still_open(session, overdue, today) if overdue else {}
    preload_keys(session, (f"default-failed:{r.ref}:{today}" for r in overdue))
    places = _Places(session, [r for r in overdue if r.id not in refused], settings, clients, today, secret)
    picks: list[tuple[Referral, Offering, Client]] = []
    failed = 0
    for referral in overdue:
        client = clients[referral.client_id]
        try:
            offering = places.pick(referral, client, settings.get(referral.service_type))
            if referral.id in refused:
                raise ValidationError("referral", refused[referral.id])
        except ValidationError as exc:
            failed += 1
            _tell_case_worker(session, referral, client, exc, today)
            continue
        places.take(offering)
        picks.append((referral, offering, client))
    choice.place_by_default(session, picks, today)
    return f"{len(picks)} placerade med ickevalsalternativ, {failed} kunde inte placeras"


def _tell_case_worker(session: Session, referral: Referral, client: Client, exc: ValidationError,
                      today: date) -> None:
    """The case worker (or, with none, every case worker) learns why the client was not placed."""
    message = exc.lazy_message if isinstance(exc, NoDefault) else (
        _l("ickevalsalternativet har inga lediga platser") if exc.msgid == msgid_of(choice.NO_PLACE)
        else exc.lazy_message)
    worker = referral.case_worker_id or client.case_worker_id
    notify(session, user_id=worker, role="" if worker else "case_worker",
           key=f"default-failed:{referral.ref}:{today}",
           subject=_l("Ickevalsalternativet kunde inte användas"),
           body=_l("Deltagare %(client)s, beslut %(referral)s: %(why)s. Kontakta deltagaren.", client=client.ref,
                   referral=referral.ref, why=message))


def default_placement_job(session: Session, today: date) -> JobOutcome:
    """Daily: place clients whose choice deadline has passed (chosen_by=default); idempotent per day."""
    secret = current_app.config["SECRET_KEY"] if has_app_context() else ""
    return run_once(session, "default_placement", today.isoformat(),
                    lambda s: place_overdue(s, today, secret))
