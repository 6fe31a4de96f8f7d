"""Offerings: create, publish, withdraw; prices freeze once a placement uses them."""
from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from app.offerings.models import Offering
from app.providers.models import Provider
from tests.providers.factories import ORG_A, ORG_B, seed

FORM = {"service_type": "praktik", "title": "Praktik i verkstad", "description": "Svets och montering",
        "rate_unit": "hour", "rate": "135,50", "vat_rate": "25", "start_share": "50", "capacity": "4",
        "area": "Centrum", "address": "Verkstadsgatan 1", "languages": "sv, ar",
        "target_groups": "Unga vuxna", "available_from": "2026-01-01", "available_to": ""}


def _create(client, session, **overrides) -> Offering:
    response = client.post("/tjanster/ny", data={**FORM, **overrides})
    assert response.status_code == 302, response.get_data(as_text=True)
    offering = session.exec(select(Offering).where(Offering.title == FORM["title"])).one()
    session.commit()
    return offering


def test_provider_creates_and_publishes_an_offering(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    offering = _create(client, session)
    assert offering.status == "draft" and str(offering.rate) == "135.50"
    assert offering.languages == ["ar", "sv"]
    client.post(f"/tjanster/{offering.id}/publicera")
    session.expire_all()
    assert session.get(Offering, offering.id).status == "published"
    session.commit()
    client.post(f"/tjanster/{offering.id}/dra-tillbaka", data={"confirm": "yes"})
    session.expire_all()
    assert session.get(Offering, offering.id).status == "withdrawn"


def test_bad_rate_is_named_beside_the_field(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    response = client.post("/tjanster/ny", data={**FORM, "rate": "12,345"})
    assert response.status_code == 400
    assert "högst två decimaler" in response.get_data(as_text=True)


def test_only_approved_providers_publish(client, auth, session):
    seed(session)
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG_A)).one()
    session.commit()
    auth.login("provider", provider_org_nr=ORG_A)
    offering = _create(client, session)
    provider = session.get(Provider, provider.id)
    provider.status = "suspended"
    session.commit()
    client.post(f"/tjanster/{offering.id}/publicera")
    session.expire_all()
    assert session.get(Offering, offering.id).status == "draft"


def test_price_of_a_used_offering_is_frozen_and_explained(client, auth, session):
    seed(session)
    used = session.exec(select(Offering).where(Offering.title == "Praktik i lager")).one()
    session.commit()
    auth.login("provider", provider_org_nr=ORG_A)
    page = client.get(f"/tjanster/{used.id}").get_data(as_text=True)
    assert "Priset är låst" in page and "Nytt pris från datum" in page
    data = {**FORM, "title": "Praktik i lager", "rate": "150.00"}
    response = client.post(f"/tjanster/{used.id}", data=data)
    assert response.status_code == 400
    assert "priset är låst" in response.get_data(as_text=True)
    # Text may still change.
    response = client.post(f"/tjanster/{used.id}", data={**data, "rate": "120.00", "title": "Lagerpraktik"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Offering, used.id).title == "Lagerpraktik"


def test_new_price_from_a_date_makes_a_new_offering_and_closes_the_old(client, auth, session):
    seed(session)
    old = session.exec(select(Offering).where(Offering.title == "Praktik i lager")).one()
    session.commit()
    auth.login("provider", provider_org_nr=ORG_A)
    today = date.today()
    response = client.post(f"/tjanster/{old.id}/nytt-pris",
                           data={"from_date": today.isoformat(), "rate": "130.00", "vat_rate": "25"})
    assert response.status_code == 302
    session.expire_all()
    old = session.get(Offering, old.id)
    new = session.exec(select(Offering).where(Offering.replaces_id == old.id)).one()
    assert old.status == "closed" and old.available_to == today - timedelta(days=1)
    assert new.status == "published" and str(new.rate) == "130.00" and new.available_from == today


def test_a_provider_cannot_see_or_change_another_providers_offering(client, auth, session):
    seed(session)
    other = session.exec(select(Offering).where(Offering.title == "Praktik i café")).one()
    session.commit()
    auth.login("provider", provider_org_nr=ORG_A)
    assert "Praktik i café" not in client.get("/tjanster/").get_data(as_text=True)
    assert client.get(f"/tjanster/{other.id}").status_code == 404
    assert client.post(f"/tjanster/{other.id}/dra-tillbaka").status_code == 404
    assert client.post(f"/tjanster/{other.id}/nytt-pris", data={"from_date": "2030-01-01", "rate": "1.00",
                                                                "vat_rate": "0"}).status_code == 404
    session.expire_all()
    assert session.get(Offering, other.id).status == "published"
    assert ORG_B  # the other provider's data stays untouched
