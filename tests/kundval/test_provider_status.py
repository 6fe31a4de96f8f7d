"""A suspended provider can't be chosen; a terminated provider's users see no clients; case workers move them."""
from __future__ import annotations

import pytest
from sqlmodel import select

from app.common.errors import ValidationError
from app.kundval import choice, default_job
from app.kundval.models import Attendance
from app.providers.models import Provider
from tests.kundval import factories as f
from tests.providers.factories import ORG_A, ORG_B, seed


def _set_status(session, org_nr: str, status: str) -> None:
    session.exec(select(Provider).where(Provider.org_nr == org_nr)).one().status = status
    session.commit()

def test_a_terminated_providers_users_see_no_client_data_on_the_web(client, auth, session):
    seed(session)
    _set_status(session, ORG_A, "terminated")
    auth.login("provider", provider_org_nr=ORG_A)
    for url in ("/rapportering/2026-03", "/rapportering/resultat"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Anna Andersson" not in response.get_data(as_text=True)
    response = client.post("/rapportering/2026-03", data={"c-1-2026-03-10": "6"})
    assert response.status_code == 403
    assert session.exec(select(Attendance)).first() is None

def test_a_suspended_providers_users_still_report_for_their_open_placements(client, auth, session):
    seed(session)
    _set_status(session, ORG_A, "suspended")
    auth.login("provider", provider_org_nr=ORG_A)
    assert "Anna Andersson" in client.get("/rapportering/2026-03").get_data(as_text=True)

def test_a_suspended_provider_can_be_neither_chosen_nor_the_no_choice_alternative(session):
    prov = f.provider(session)
    offering = f.offering(session, prov)
    c = f.client(session)
    referral = f.referral(session, c)
    prov.status = "suspended"
    session.flush()
    assert choice.available_offerings(session, referral, f.TODAY, secret="s") == []
    for chosen_by in ("client", "case_worker", "default"):
        with pytest.raises(ValidationError):
            choice.choose(session, referral, offering.id, chosen_by=chosen_by, actor_id=None, today=f.TODAY)
    with pytest.raises(ValidationError) as error:
        default_job.set_default(session, "praktik", "offering", offering.id, None)
    assert error.value.field == "offering_id"

def test_case_workers_see_the_open_placements_of_suspended_and_terminated_providers(client, auth, session):
    seed(session)  # PL1 (P1) ended with its referral in May; PL2 (P2, Bashir) runs to December
    _set_status(session, ORG_B, "suspended")
    auth.login("case_worker")
    page = client.get("/handlaggare/avstangda-anordnare?visa=alla").get_data(as_text=True)
    assert "Bashir Ali" in page and "Nästa Steg Kooperativ" in page and "Byt anordnare" in page
    assert "Anna Andersson" not in page
    _set_status(session, ORG_B, "approved")
    page = client.get("/handlaggare/avstangda-anordnare?visa=alla").get_data(as_text=True)
    assert "Bashir Ali" not in page


def test_the_case_workers_start_page_says_how_many_of_their_clients_to_move(client, auth, session):
    from app.kundval.models import Client

    seed(session)
    worker = auth.login("case_worker")
    session.exec(select(Client).where(Client.name == "Bashir Ali")).one().case_worker_id = worker.id
    session.commit()
    assert "Deltagare att flytta" not in client.get("/").get_data(as_text=True)
    _set_status(session, ORG_B, "terminated")
    page = client.get("/").get_data(as_text=True)
    assert "Deltagare att flytta" in page and "1 av dina deltagare" in page
    page = client.get("/handlaggare/avstangda-anordnare").get_data(as_text=True)
    assert "Bashir Ali" in page and "Avslutad" in page
