"""What the case worker and the provider are told about a client's placement and disputed days.

Staff read these, so they live apart from the client-facing sources (app/common/languages.py):
they are translated into the staff languages only. The client's own messages stay in choice.py.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from app.kundval.models import AttendanceDispute, Client, Placement
from app.notifications.service import notify
from app.offerings.models import Offering
from app.providers.models import Provider

# The case worker's subject, by how the place came (a placement's chosen_by, or a switch).
WORKER_SUBJECTS = {"client": _l("Deltagaren har valt anordnare"), "case_worker": _l("Placering registrerad"),
                   "default": _l("Deltagaren har placerats hos ickevalsalternativet"),
                   "switched": _l("Deltagaren har bytt anordnare")}


def tell_case_worker_placed(session: Session, worker_id: int, client: Client, offering: Offering,
                            provider: Provider, placement: Placement, how: str, key: str) -> None:
    notify(session, user_id=worker_id, key=key, subject=WORKER_SUBJECTS[how],
           body=_l("Deltagare %(client)s: %(offering)s hos %(provider)s, start %(start)s.", client=client.ref,
                   offering=offering.title, provider=provider.name, start=placement.start_date.isoformat()))


def tell_provider_placed(session: Session, offering: Offering, provider: Provider, placement: Placement,
                         key: str) -> None:
    names = {"offering": offering.title, "ref": placement.ref, "start": placement.start_date.isoformat()}
    how = {"client": _l("En ny deltagare har valt %(offering)s (placering %(ref)s, start %(start)s).", **names),
           "case_worker": _l("Handläggaren har placerat en ny deltagare i %(offering)s (placering %(ref)s, "
                             "start %(start)s).", **names),
           "default": _l("En ny deltagare är placerad genom ickeval i %(offering)s (placering %(ref)s, "
                         "start %(start)s).", **names)}[placement.chosen_by]
    notify(session, provider_id=provider.id, role="provider", key=key, subject=_l("Ny deltagare"),
           body=[how, _l("Ring deltagaren och boka första träffen inom tre arbetsdagar.")], sep=" ")


def tell_old_provider(session: Session, old: Placement) -> None:
    """The provider a client leaves learns the last day it may report."""
    offering = session.get(Offering, old.offering_id)
    notify(session, provider_id=offering.provider_id, key=f"switched:{old.ref}",
           subject=_l("Deltagaren byter anordnare"),
           body=_l("Placering %(ref)s (%(offering)s) slutar %(last)s: deltagaren byter till en annan anordnare. "
                   "Rapportera närvaro till och med %(last)s; senare dagar går inte att rapportera.",
                   ref=old.ref, offering=offering.title, last=old.ended_on.isoformat()))


def tell_provider_disputed(session: Session, provider_id: int, placement: Placement, row: AttendanceDispute) -> None:
    """The client says they were not there on a day the provider reported."""
    names = {"day": row.date.isoformat(), "ref": placement.ref, "hours": str(row.reported_hours)}
    notify(session, provider_id=provider_id, key=f"dispute:{row.id}",
           subject=_l("Deltagare ifrågasätter närvaro %(day)s (%(ref)s)", **names),
           body=_l("Deltagaren i placering %(ref)s säger att hen inte var där %(day)s, då ni rapporterade "
                   "%(hours)s timmar. Handläggaren går igenom det. Ersättningen hålls inte inne.", **names))


def tell_provider_resolved(session: Session, provider_id: int, placement: Placement, row: AttendanceDispute) -> None:
    """The case worker's decision on a disputed day: correct the report, or it stands."""
    names = {"day": row.date.isoformat(), "ref": placement.ref}
    if row.status == "correct":
        subject = _l("Rätta närvaron %(day)s (%(ref)s)", **names)
        body = _l("Handläggaren har gått igenom dagen %(day)s i placering %(ref)s: deltagaren var inte där. Rätta "
                  "rapporten i närvarorapporteringen; för en avräknad månad görs det som en rättelse med skäl.",
                  **names)
    else:
        subject = _l("Närvaron %(day)s står fast (%(ref)s)", **names)
        body = _l("Handläggaren har gått igenom dagen %(day)s i placering %(ref)s: er rapport står fast.", **names)
    notify(session, provider_id=provider_id, subject=subject, body=body, key=f"dispute-resolved:{row.id}")
