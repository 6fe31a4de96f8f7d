"""Rows for kundval tests: providers, offerings, clients and referrals made directly."""
from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from app.common.base import new_ref
from app.kundval import service
from app.kundval.models import Placement
from app.offerings.models import Offering
from app.providers.models import Provider

TODAY = date(2026, 11, 24)
_numbers = itertools.count(1)
# Valid test personnummer (Luhn-correct), one per client.
PERSONAL_IDS = ["19900101-1239", "19850615-1235", "19771231-1237", "20000229-1235", "19910712-1239",
                "19800101-1231", "19650301-1238", "19880808-1239", "19991111-1236", "19720606-1231",
                "19840361-1232"]  # the last is a samordningsnummer
ORG_NRS = ["556036-0793", "556016-0680", "556000-4615", "556012-5790"]


def provider(session, name="Vägen till jobb AB", status="approved", org_nr=None) -> Provider:
    p = Provider(ref=new_ref("A"), org_nr=org_nr or ORG_NRS[next(_numbers) % len(ORG_NRS)], name=name,
                 status=status, phone="08-123 45 67", email="info@example.se")
    session.add(p)
    session.flush()
    return p


def offering(session, prov, *, title="Praktik i butik", service_type="praktik", capacity=5,
             area="Centrum", languages=("sv", "ar"), status="published") -> Offering:
    o = Offering(ref=new_ref("T"), provider_id=prov.id, service_type=service_type, title=title,
                 description="Du får prova på arbete i en butik med en handledare.", rate_unit="hour",
                 rate=Decimal("120.00"), vat_rate=25, capacity=capacity, area=area, address="Storgatan 2",
                 languages=list(languages), status=status)
    session.add(o)
    session.flush()
    return o


def client(session, index=0, *, case_worker_id=None, children=False, name=None):
    return service.register_client(session, personal_id=PERSONAL_IDS[index], name=name or f"Deltagare {index}",
                                   children_in_household=children, case_worker_id=case_worker_id)


def referral(session, c, *, service_type="praktik", decided_on=TODAY, deadline=None, case_worker_id=None):
    return service.create_referral(session, c, service_type=service_type, valid_from=decided_on,
                                   valid_to=decided_on + timedelta(days=180), decided_on=decided_on,
                                   choice_deadline=deadline, case_worker_id=case_worker_id)


def placement(session, ref, off, *, start, ended_on=None, end_reason=None, chosen_by="client"):
    p = Placement(ref=new_ref("PL"), referral_id=ref.id, offering_id=off.id, start_date=start,
                  ended_on=ended_on, end_reason=end_reason, chosen_by=chosen_by)
    session.add(p)
    session.flush()
    return p
