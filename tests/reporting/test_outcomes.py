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


def test_a_large_provider_gets_a_page_of_placements_and_a_search_not_every_one(client, auth, session):
    """30 placements: the form offers 25 in name order and says so; the search (posted, never a
    personnummer in the URL) narrows them; the access log counts the clients shown, not all 30;
    a posted placement that is not among those shown stays chosen after an error."""
    import random
    import re

    from app.common.audit import AccessLog
    from app.exchange.importer import import_document
    from tests.followup.test_kept import personal_id
    from tests.providers.factories import portal_document

    doc, rng = portal_document(), random.Random(3)
    for n in range(3, 32):
        doc["clients"].append({"ref": f"C{n}", "personal_id": personal_id(rng), "name": f"Zeta {n:02d}"})
        doc["referrals"].append({"ref": f"R{n}", "client": f"C{n}", "service_type": "praktik",
                                 "decided_on": "2026-02-20", "valid_from": "2026-03-01", "valid_to": "2026-12-31"})
        doc["placements"].append({"ref": f"PL{n}", "referral": f"R{n}", "offering": "O1", "chosen_by": "client",
                                  "start_date": "2026-03-10"})
    import_document(session, doc)
    session.commit()
    auth.login("provider", provider_org_nr=ORG_A)
    page = client.get("/rapportering/resultat").get_data(as_text=True)
    assert page.count('<option value="PL') == 25 and "Listan visar 25 av 30 placeringar" in page
    assert 'value="PL1"' in page and "Zeta 26" in page and "Zeta 27" not in page  # Anna first, by name
    logged = session.exec(select(AccessLog).where(AccessLog.page == "anordnare: resultat")).all()
    assert [row.client_count for row in logged] == [25]

    found = client.post("/rapportering/resultat/sok", data={"q": "zeta 3"})
    assert found.status_code == 302 and found.location.endswith("/rapportering/resultat?q=zeta+3")
    page = client.get(found.location).get_data(as_text=True)
    assert page.count('<option value="PL') == 2 and "Zeta 30" in page and "Zeta 31" in page  # Zeta 30, 31
    refused = client.post("/rapportering/resultat/sok", data={"q": "19850315-9645"}, follow_redirects=True)
    assert "inte personnummer" in refused.get_data(as_text=True) and "19850315" not in refused.request.url

    error = client.post("/rapportering/resultat", data={
        "placement": "PL31", "kind": "employment", "result_date": "", "employer": "Lager AB",
        "extent": "heltid", "employment_form": "regular"})
    assert error.status_code == 400
    assert re.search(r'<option (selected value="PL31"|value="PL31" selected)', error.get_data(as_text=True))
