"""The client's choice: which offerings a referral may choose, in a neutral order, and placing.

Placing locks the offering row and counts its active placements before inserting, so the last
free place goes to exactly one client (PostgreSQL: SELECT ... FOR UPDATE; SQLite: BEGIN IMMEDIATE
already serialises writers).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, select

from app.common.audit import record_change
from app.common.base import new_ref
from app.common.errors import ValidationError
from app.common.sql_dates import days_after
from app.kundval import notices
from app.kundval.models import END_REASONS, Client, Outcome, Placement, Referral
from app.notifications.service import notify, preload_keys
from app.offerings.models import Offering
from app.providers.models import Provider

NO_PLACE = _l("platsen är tyvärr redan tagen. Välj en annan tjänst.")


def _active_on(today: date):
    return or_(Placement.ended_on.is_(None), Placement.ended_on >= today)


def occupied(session: Session, offering_ids: list[int], today: date) -> dict[int, int]:
    if not offering_ids:
        return {}
    rows = session.exec(select(Placement.offering_id, func.count()).where(
        Placement.offering_id.in_(offering_ids), _active_on(today)).group_by(Placement.offering_id)).all()
    return dict(rows)


def stable_order_key(client_id: int, offering_id: int, secret: str) -> str:
    """Random-looking but the same every time for this client: no offering is favoured."""
    return hashlib.sha256(f"{client_id}:{offering_id}:{secret}".encode()).hexdigest()


@dataclass
class Choice:
    offering: Offering
    provider: Provider
    free: int


def available_offerings(session: Session, referral: Referral, today: date, *, secret: str,
                        area: str = "", language: str = "", text: str = "",
                        include_full: bool = False) -> list[Choice]:
    """Published offerings of the referral's service type from approved providers with free places."""
    rows = offering_rows(session, [referral.service_type], today)
    taken = occupied(session, [o.id for o, _ in rows], today)
    return choices_among(rows, taken, referral, secret=secret, area=area, language=language, text=text,
                         include_full=include_full)


def offering_rows(session: Session, service_types: list[str], today: date, *,
                  lock: bool = False) -> list[tuple[Offering, Provider]]:
    """(offering, provider) of every offering that may be chosen today, of these service types;
    `lock` locks the offerings (FOR UPDATE) so places are counted and taken by one writer."""
    stmt = (select(Offering, Provider).join(Provider, Provider.id == Offering.provider_id)
            .where(Offering.status == "published", Offering.service_type.in_(service_types),
                   Provider.status == "approved",
                   or_(Offering.available_from.is_(None), Offering.available_from <= today),
                   or_(Offering.available_to.is_(None), Offering.available_to >= today)))
    if lock:
        stmt = stmt.with_for_update(of=Offering)
    return list(session.exec(stmt).all())


def choices_among(rows: list[tuple[Offering, Provider]], taken: dict[int, int], referral: Referral, *,
                  secret: str, area: str = "", language: str = "", text: str = "",
                  include_full: bool = False) -> list[Choice]:
    """The rows the referral may choose (its service type, a free place unless `include_full`,
    the client's filters) in the client's own neutral order: read once, filtered per referral."""
    needle = text.strip().lower()
    result = []
    for offering, provider in rows:
        if offering.service_type != referral.service_type:
            continue
        free = max(offering.capacity - taken.get(offering.id, 0), 0)
        if free <= 0 and not include_full:
            continue
        if area and offering.area != area:
            continue
        if language and language not in (offering.languages or []):
            continue
        if needle and needle not in " ".join([offering.title, offering.description, offering.area,
                                              provider.name, offering.target_groups]).lower():
            continue
        result.append(Choice(offering, provider, free))
    result.sort(key=lambda c: stable_order_key(referral.client_id, c.offering.id, secret))
    return result


def filter_values(choices: list[Choice]) -> tuple[list[str], list[str]]:
    areas = sorted({c.offering.area for c in choices if c.offering.area})
    languages = sorted({lang for c in choices for lang in (c.offering.languages or [])})
    return areas, languages


# -- the provider's results ----------------------------------------------------------------------

@dataclass
class ProviderResults:
    ended: int                  # ended placements (not counting switches)
    shown: bool                 # at least the configured minimum
    within_90: int | None       # with work or studies within 90 days of ending
    base_90: int                # ended at least 90 days ago
    within_180: int | None
    base_180: int

    def share(self, days: int) -> int | None:
        base, hits = (self.base_90, self.within_90) if days == 90 else (self.base_180, self.within_180)
        if not base or hits is None:
            return None
        return round(100 * hits / base)


def provider_results(session: Session, provider_ids: list[int], today: date,
                     minimum: int) -> dict[int, ProviderResults]:
    """Share of ended placements whose client began verified work or studies within 90/180 days.

    A placement counts in the 90-day share once it ended at least 90 days ago (180 likewise),
    so recent endings do not pull the share down before results could arrive.
    """
    if not provider_ids:
        return {}
    first = (select(Outcome.placement_id, func.min(Outcome.result_date).label("first"))
             .where(Outcome.verified_on.is_not(None)).group_by(Outcome.placement_id).subquery("first_result"))
    counts = [func.count()]
    for days in (90, 180):
        based = Placement.ended_on <= today - timedelta(days=days)
        hit = and_(based, first.c.first >= Placement.start_date, first.c.first <= days_after(Placement.ended_on, days))
        counts += [func.sum(case((based, 1), else_=0)), func.sum(case((hit, 1), else_=0))]
    rows = session.exec(select(Offering.provider_id, *counts)
                        .join(Offering, Offering.id == Placement.offering_id)
                        .outerjoin(first, first.c.placement_id == Placement.id)
                        .where(Offering.provider_id.in_(provider_ids), Placement.ended_on.is_not(None),
                               Placement.ended_on <= today, Placement.end_reason != "switched")
                        .group_by(Offering.provider_id)).all()
    stats = {pid: [0, 0, 0, 0, 0] for pid in provider_ids}  # ended, base90, hit90, base180, hit180
    for provider_id, *found in rows:
        stats[provider_id] = [int(n or 0) for n in found]
    out = {}
    for pid, (ended, b90, h90, b180, h180) in stats.items():
        shown = ended >= minimum
        out[pid] = ProviderResults(ended, shown, h90 if shown else None, b90 if shown else 0,
                                   h180 if shown else None, b180 if shown else 0)
    return out


# -- placing -------------------------------------------------------------------------------------

def _lock(session: Session, model, row_id: int):
    return session.exec(select(model).where(model.id == row_id).with_for_update()).first()


def _check_offering(session: Session, referral: Referral, offering_id: int, today: date) -> Offering:
    """Lock the offering, check it may be chosen and still has a free place."""
    offering = _lock(session, Offering, offering_id)
    if offering is None or offering.service_type != referral.service_type or offering.status != "published":
        raise ValidationError("offering", _l("tjänsten går inte att välja för det här beslutet"))
    provider = session.get(Provider, offering.provider_id)
    if provider is None or provider.status != "approved":
        raise ValidationError("offering", _l("anordnaren kan inte ta emot deltagare just nu"))
    taken = occupied(session, [offering.id], today).get(offering.id, 0)
    if taken >= offering.capacity:
        raise ValidationError("offering", NO_PLACE)
    return offering


def _notify(session: Session, referral: Referral, offering: Offering, placement: Placement,
            how: str, client: Client) -> None:
    """Tell the case worker, the client and the provider, each in words true to how the place came
    (`how`: a chosen_by or "switched"); each reads it in their own language. What staff are told is
    in notices.py; the client's message is here, among the client-facing sources."""
    provider = session.get(Provider, offering.provider_id)
    key = f"placement:{placement.ref}"
    worker_id = referral.case_worker_id or client.case_worker_id
    if worker_id:
        notices.tell_case_worker_placed(session, worker_id, client, offering, provider, placement, how, key)
    if client.user_id:
        names = {"provider": provider.name, "offering": offering.title}
        told = {"client": _l("Du har valt %(provider)s: %(offering)s.", **names),
                "case_worker": _l("Din handläggare har placerat dig hos %(provider)s: %(offering)s.", **names),
                "default": _l("Du valde inte själv, så kommunen har placerat dig hos %(provider)s: %(offering)s "
                              "(ickevalsalternativet).", **names)}[placement.chosen_by]
        then = _l("Du börjar tidigast %(start)s. %(provider)s ringer dig för att boka första träffen.",
                  start=placement.start_date.isoformat(), provider=provider.name)
        notify(session, user_id=client.user_id, key=key + ":client",
               subject=_l("Du har en plats"), body=[told, then], sep=" ")
    notices.tell_provider_placed(session, offering, provider, placement, key + ":provider")


def choose(session: Session, referral: Referral, offering_id: int, *, chosen_by: str,
           actor_id: int | None, today: date) -> Placement:
    """Place the referral's client with the offering, if a place is still free."""
    referral = _lock(session, Referral, referral.id)
    if referral.valid_to < today or referral.withdrawn_on is not None:
        raise ValidationError("referral", _l("beslutet gäller inte längre"))
    placements = session.exec(select(Placement).where(Placement.referral_id == referral.id)).all()
    if any(p.ended_on is None or p.ended_on >= today for p in placements):
        raise ValidationError("referral", _l("du har redan en plats för det här beslutet"))
    if chosen_by == "default" and placements:
        raise ValidationError("referral", _l("beslutet har redan haft en placering"))
    offering = _check_offering(session, referral, offering_id, today)
    placement = Placement(ref=new_ref("PL"), referral_id=referral.id, offering_id=offering.id,
                          chosen_by=chosen_by, start_date=max(today, referral.valid_from))
    session.add(placement)
    session.flush()
    client = session.get(Client, referral.client_id)
    record_change(session, actor_id, "create", "placement", placement.id,
                  after={"referral_id": referral.id, "offering_id": offering.id, "chosen_by": chosen_by,
                         "start_date": placement.start_date.isoformat()})
    _notify(session, referral, offering, placement, chosen_by, client)
    return placement


def place_by_default(session: Session, picks: list[tuple[Referral, Offering, Client]],
                     today: date) -> list[Placement]:
    """The no-choice job's placements, written together: the caller has locked the referrals
    and offerings and checked each pick as `choose` does, so this only stores and tells.

    One flush for the placements and one for their audit rows and messages, so the job's
    statements do not grow with the number of clients it places."""
    placements = [Placement(ref=new_ref("PL"), referral_id=referral.id, offering_id=offering.id,
                            chosen_by="default", start_date=max(today, referral.valid_from))
                  for referral, offering, _client in picks]
    session.add_all(placements)
    session.flush()
    preload_keys(session, (f"placement:{p.ref}{who}" for p in placements for who in ("", ":client", ":provider")))
    for (referral, offering, client), placement in zip(picks, placements, strict=True):
        record_change(session, None, "create", "placement", placement.id,
                      after={"referral_id": referral.id, "offering_id": offering.id, "chosen_by": "default",
                             "start_date": placement.start_date.isoformat()})
        _notify(session, referral, offering, placement, "default", client)
    session.flush()
    return placements


def client_switches_used(placements: list[Placement]) -> int:
    """How many times the client has switched on their own under one referral."""
    ordered = sorted(placements, key=lambda p: (p.start_date, p.id or 0))
    return sum(1 for p in ordered[1:] if p.chosen_by == "client")


def switch(session: Session, referral: Referral, offering_id: int, *, by: str, actor_id: int | None,
           today: date, start_date: date | None = None) -> Placement:
    """End the current placement the day before the new one starts (reason `switched`)."""
    referral = _lock(session, Referral, referral.id)
    if referral.withdrawn_on is not None:
        raise ValidationError("referral", _l("beslutet gäller inte längre"))
    placements = session.exec(select(Placement).where(Placement.referral_id == referral.id)).all()
    current = next((p for p in placements if p.ended_on is None or p.ended_on >= today), None)
    if current is None:
        raise ValidationError("referral", _l("det finns ingen pågående placering att byta från"))
    if current.offering_id == offering_id:
        raise ValidationError("offering", _l("du är redan hos den här tjänsten"))
    if by == "client" and client_switches_used(placements) >= 1:
        raise ValidationError("referral", _l("du har redan bytt en gång. Prata med din handläggare om du vill byta igen"))
    start = start_date or max(today, current.start_date + timedelta(days=1))
    if start <= current.start_date:
        raise ValidationError("start_date", _l("den nya placeringen måste börja efter att den nuvarande började"))
    if start > referral.valid_to:
        raise ValidationError("start_date", _l("startdatum är efter att beslutet slutar gälla"))
    offering = _check_offering(session, referral, offering_id, start)
    before = {"ended_on": current.ended_on.isoformat() if current.ended_on else None,
              "end_reason": current.end_reason}
    current.ended_on = start - timedelta(days=1)
    current.end_reason = "switched"
    record_change(session, actor_id, "update", "placement", current.id, before=before,
                  after={"ended_on": current.ended_on.isoformat(), "end_reason": "switched"})
    placement = Placement(ref=new_ref("PL"), referral_id=referral.id, offering_id=offering.id,
                          chosen_by="client" if by == "client" else "case_worker", start_date=start)
    session.add(placement)
    session.flush()
    record_change(session, actor_id, "create", "placement", placement.id,
                  after={"referral_id": referral.id, "offering_id": offering.id, "switched_from": current.id,
                         "start_date": start.isoformat()})
    client = session.get(Client, referral.client_id)
    _notify(session, referral, offering, placement, "switched", client)
    notices.tell_old_provider(session, current)
    return placement


def end_placement(session: Session, placement: Placement, *, reason: str, ended_on: date,
                  actor_id: int | None) -> None:
    if reason not in END_REASONS or reason == "switched":
        raise ValidationError("end_reason", _l("välj varför placeringen slutar"))
    if ended_on is None or ended_on < placement.start_date:
        raise ValidationError("ended_on", _l("slutdatum kan inte vara före startdatum"))
    if placement.ended_on is not None and placement.end_reason:
        raise ValidationError("end_reason", _l("placeringen är redan avslutad"))
    placement.ended_on = ended_on
    placement.end_reason = reason
    record_change(session, actor_id, "update", "placement", placement.id,
                  after={"ended_on": ended_on.isoformat(), "end_reason": reason})
