"""Providers report results; the status follows the case worker's verification."""
from __future__ import annotations

from datetime import date

from sqlmodel import select

from app.kundval.models import Outcome
from tests.providers.factories import ORG_A, seed


def test_provider_reports_a_result_and_sees_its_status(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    page = client.get("/rapportering/resultat").get_data(as_text=True)
    assert "Anna Andersson" in page and "Bashir Ali" not in page
    response = client.post("/rapportering/resultat", data={
        "placement": "PL1", "kind": "employment", "result_date": "2026-04-15",
        "employer": "Lager AB", "extent": "heltid", "employment_form": "regular"})
    assert response.status_code == 302
    outcome = session.exec(select(Outcome)).one()
    assert outcome.reported_by_id is not None and outcome.kind == "employment"
    assert "Väntar på verifiering" in client.get("/rapportering/resultat").get_data(as_text=True)
    outcome.verified_on = date(2026, 4, 20)
    session.commit()
    assert "Verifierat" in client.get("/rapportering/resultat").get_data(as_text=True)


def test_result_for_another_providers_placement_is_refused(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    response = client.post("/rapportering/resultat", data={
        "placement": "PL2", "kind": "studies", "result_date": "2026-04-15",
        "employer": "Komvux", "extent": "50 %", "employment_form": ""})
    assert response.status_code == 400
    assert session.exec(select(Outcome)).first() is None


def test_result_before_the_placement_is_refused(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    response = client.post("/rapportering/resultat", data={
        "placement": "PL1", "kind": "studies", "result_date": "2026-01-15",
        "employer": "Komvux", "extent": "50 %", "employment_form": ""})
    assert response.status_code == 400
    assert "före placeringen" in response.get_data(as_text=True)


def test_the_same_result_twice_is_refused_on_screen_naming_the_existing_one(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    data = {"placement": "PL1", "kind": "employment", "result_date": "2026-04-15",
            "employer": "Lager AB", "extent": "heltid", "employment_form": "regular"}
    assert client.post("/rapportering/resultat", data=data).status_code == 302
    first = session.exec(select(Outcome)).one()
    again = client.post("/rapportering/resultat", data=data)
    assert again.status_code == 400
    assert first.ref in again.get_data(as_text=True)
    assert len(session.exec(select(Outcome)).all()) == 1


def test_the_same_result_twice_through_the_api_without_an_idempotency_key_is_refused(client, auth, session):
    from tests.reporting.test_api import bearer, token_for

    seed(session)
    token = token_for(session, auth, ORG_A)
    outcome = {"kind": "studies", "result_date": "2026-04-15", "employer": "Komvux", "extent": "50 %"}
    assert client.post("/api/v1/placements/PL1/outcomes", json=outcome, headers=bearer(token)).status_code == 201
    again = client.post("/api/v1/placements/PL1/outcomes", json=outcome, headers=bearer(token))
    assert again.status_code == 422
    error = again.get_json()["error"]
    assert error["errors"][0]["field"] == "result_date" and "redan rapporterat" in error["errors"][0]["message"]
    assert len(session.exec(select(Outcome)).all()) == 1


def test_the_form_offers_the_last_years_placements_and_takes_an_older_ones_ref(client, auth, session):
    """A provider with thousands of placements got every one as an option; now those of the last
    year, and an older placement's result can still be reported by its ref."""
    from app.common import clock

    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    with clock.fixed_today(date(2027, 9, 1)):  # PL1 ended over a year before
        page = client.get("/rapportering/resultat").get_data(as_text=True)
        assert 'value="PL1"' not in page and "det senaste året" in page
        response = client.post("/rapportering/resultat", data={
            "placement": "PL1", "kind": "employment", "result_date": "2026-04-15",
            "employer": "Lager AB", "extent": "heltid", "employment_form": "regular"})
        assert response.status_code == 302
    with clock.fixed_today(date(2026, 12, 1)):
        assert 'value="PL1"' in client.get("/rapportering/resultat").get_data(as_text=True)
