"""A provider describes an offering in the clients' languages; clients read it in theirs, Swedish otherwise."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from app.common.errors import ValidationError
from app.kundval import service as kundval
from app.offerings import service
from app.offerings.models import Offering
from tests.kundval import factories as f
from tests.offerings.test_offerings import FORM
from tests.providers.factories import ORG_A, seed


def test_provider_adds_a_description_in_arabic_and_tigrinya(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    page = client.get("/tjanster/ny").text
    assert re.search(r'<textarea dir="rtl" id="description_ar" lang="ar"[^>]*name="description_ar"', page)
    response = client.post("/tjanster/ny", data={**FORM, "description_ar": " لحام وتركيب ",
                                                 "description_ti": "ብየዳን ምትካልን", "description_uk": ""})
    assert response.status_code == 302
    offering = session.exec(select(Offering).where(Offering.title == FORM["title"])).one()
    assert offering.descriptions == {"ar": "لحام وتركيب", "ti": "ብየዳን ምትካልን"}
    assert "ብየዳን ምትካልን" in client.get(f"/tjanster/{offering.id}").text


def test_a_description_in_an_unknown_language_is_refused():
    with pytest.raises(ValidationError) as exc:
        service.check_descriptions({"xx": "text"})
    assert exc.value.field == "description_xx"


def _client_looks_at(client, auth, session, language: str):
    prov = f.provider(session, "Steget AB")
    offering = f.offering(session, prov, title="Praktik i butik")
    offering.descriptions = {"ar": "تتدرّب في متجر مع مشرف."}
    c = f.client(session, 0, name="Amina Ali")
    c.language = language
    referral = f.referral(session, c)
    user = kundval.client_user(session, c)
    session.commit()
    auth.login_user(user)
    return client.get(f"/deltagare/beslut/{referral.id}/tjanster/{offering.id}").text


def test_a_client_reading_arabic_sees_the_arabic_description(client, auth, session):
    page = _client_looks_at(client, auth, session, "ar")
    assert "تتدرّب في متجر مع مشرف." in page
    assert "Du får prova på arbete" not in page


def test_a_client_reading_tigrinya_sees_the_swedish_description_marked_as_swedish(client, auth, session):
    page = _client_looks_at(client, auth, session, "ti")
    assert '<p class="prewrap" lang="sv" dir="ltr">Du får prova på arbete i en butik' in page
