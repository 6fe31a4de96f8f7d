"""An offering's rates per level: optional, checked like the rate, frozen with it."""
from __future__ import annotations

from datetime import date

from sqlmodel import select

from app.offerings.models import Offering
from tests.offerings.test_offerings import FORM, _create
from tests.providers.factories import ORG_A, seed


def test_level_rates_are_optional_and_stored_as_amounts(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    offering = _create(client, session, rate_b="150,00", rate_c="1 175,5")
    assert offering.level_rates == {"B": "150.00", "C": "1175.50"}
    page = client.get(f"/tjanster/{offering.id}").get_data(as_text=True)
    assert 'value="150.00"' in page and "Ersättning för nivå C (långt från arbete)" in page


def test_no_level_rates_is_an_empty_dict(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    assert _create(client, session).level_rates == {}


def test_a_bad_level_rate_is_named_beside_its_field_and_nothing_is_saved(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    response = client.post("/tjanster/ny", data={**FORM, "rate_c": "12,345"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="rate_c-error">ange beloppet i kronor med högst två decimaler' in text
    response = client.post("/tjanster/ny", data={**FORM, "rate_b": "0"})
    assert response.status_code == 400 and 'id="rate_b-error"' in response.get_data(as_text=True)
    assert session.exec(select(Offering).where(Offering.title == FORM["title"])).all() == []


def test_level_rates_of_a_used_offering_are_frozen_and_change_with_a_new_price(client, auth, session):
    seed(session)
    used = session.exec(select(Offering).where(Offering.title == "Praktik i lager")).one()
    used.level_rates = {"C": "175.00"}
    session.commit()
    auth.login("provider", provider_org_nr=ORG_A)
    page = client.get(f"/tjanster/{used.id}").get_data(as_text=True)
    assert "Nivå C" in page and "175,00" in page and 'name="rate_c"' in page  # only in the new-price form
    response = client.post(f"/tjanster/{used.id}", data={**FORM, "title": "Lagerpraktik", "rate": "120.00",
                                                         "rate_c": "200"})
    assert response.status_code == 400 and "priset är låst" in response.get_data(as_text=True)
    response = client.post(f"/tjanster/{used.id}", data={**FORM, "title": "Lagerpraktik", "rate": "120.00"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Offering, used.id).level_rates == {"C": "175.00"}
    session.commit()
    response = client.post(f"/tjanster/{used.id}/nytt-pris", data={
        "from_date": date.today().isoformat(), "rate": "120.00", "vat_rate": "25", "rate_c": "190,00"})
    assert response.status_code == 302, response.get_data(as_text=True)
    new = session.exec(select(Offering).where(Offering.replaces_id == used.id)).one()
    assert new.level_rates == {"C": "190.00"} and str(new.rate) == "120.00"
