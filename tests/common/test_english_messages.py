"""The English interface shows no Swedish: each staff role's common service errors read in English.

Each case signs in as a role, chooses English (/sprak/en), sends bad input to one of the role's main
forms and checks that the page (or the flashed message after the redirect) carries the English
sentence of the service's message, and not its Swedish msgid.
"""
from __future__ import annotations

import html
from datetime import date

import pytest

from app.common.languages import CLIENT_LANGUAGES
from tests.providers.factories import ORG_A, seed

PASSWORD = "korrekt-hast-batteri-häftapparat"


def _page(response) -> str:
    """The page's text, casefolded: a form shows a service's message as a sentence ("The end date ...")."""
    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ").casefold()


def _new_user(**changes) -> dict:
    return {"email": "ny@kommun.example", "name": "Ny Handläggare", "role": "case_worker",
            "provider_org_nr": "", "password": PASSWORD, **changes}


def admin_duplicate_user(client, auth, session):
    auth.login("admin")
    return client.post("/admin/anvandare", data=_new_user(email="admin@test.example"))


def admin_common_password(client, auth, session):
    auth.login("admin")
    return client.post("/admin/anvandare", data=_new_user(password="passwordpassword"))


def admin_bonus_rule_amount(client, auth, session):
    auth.login("admin")
    return client.post("/admin/bonusregler/ny", data={
        "name": "Nivå C", "priority": "2", "service_types": ["praktik"], "outcome_kinds": ["employment"],
        "levels": ["C"], "min_age": "", "max_age": "", "newly_arrived": "", "placements_from": "2026-01-01",
        "tiers[0].max_days": "90", "tiers[0].amount": "12,345", "tiers[1].max_days": "",
        "tiers[1].amount": "", "grace_days": "30", "sustain_days": "", "sustain_amount": ""})


def case_worker_duplicate_client(client, auth, session):
    seed(session)
    auth.login("case_worker")
    from tests.providers.factories import portal_document

    personal_id = portal_document()["clients"][0]["personal_id"]
    return client.post("/handlaggare/deltagare/ny", data={
        "personal_id": personal_id, "name": "Anna Andersson", "phone": "", "email": "", "language": "sv",
        "area": ""})


def case_worker_referral_dates(client, auth, session):
    seed(session)
    auth.login("case_worker")
    from sqlmodel import select

    from app.kundval.models import Client

    client_id = session.exec(select(Client.id)).first()
    return client.post(f"/handlaggare/deltagare/{client_id}/beslut/nytt", data={
        "service_type": "praktik", "decided_on": "2026-03-01", "valid_from": "2026-03-01",
        "valid_to": "2026-02-01", "choose_by": "", "max_hours_per_week": ""})


def provider_offering_rate(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    return client.post("/tjanster/ny", data={
        "service_type": "praktik", "title": "Praktik i verkstad", "description": "Svets", "rate_unit": "hour",
        "rate": "0", "vat_rate": "0", "start_share": "50", "capacity": "4", "area": "", "address": "",
        "languages": "sv", "target_groups": "", "available_from": "", "available_to": ""})


def provider_future_result(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    return client.post("/rapportering/resultat", data={
        "placement": "PL1", "kind": "employment", "result_date": "2099-04-15", "employer": "Lager AB",
        "extent": "heltid", "employment_form": "regular"})


def finance_approve_open_month(client, auth, session):
    auth.login("finance")
    today = date.today()
    period = f"{today.year:04d}-{today.month:02d}"
    return client.post(f"/avrakning/{period}/godkann", data={"confirm": "yes"}, follow_redirects=True)


def management_simulation_months(client, auth, session):
    auth.login("management")
    return client.post("/uppfoljning/simulering", data={"first": "2026-06", "last": "2026-03"})


# (role's form, the Swedish msgid the service raises, the English the page must show instead)
CASES = [
    (admin_duplicate_user, "det finns redan en användare med den e-postadressen",
     "there is already a user with that e-mail address"),
    (admin_common_password, "lösenordet är för vanligt", "the password is too common or too easy to guess"),
    (admin_bonus_rule_amount, "ange beloppet med högst två decimaler", "enter the amount with at most two decimals"),
    (case_worker_duplicate_client, "det finns redan en deltagare med det numret",
     "there is already a client with that number"),
    (case_worker_referral_dates, "slutdatum måste vara samma dag som eller efter startdatum",
     "the end date must be the same day as or after the start date"),
    (provider_offering_rate, "beloppet måste vara större än 0 och högst 1 000 000 kr",
     "the amount must be more than 0 and at most 1,000,000 kr"),
    (provider_future_result, "rapportera resultatet när det har börjat",
     "report the result when it has started: the start date is after today"),
    (finance_approve_open_month, "har inte tagit slut: månaden kan godkännas",
     "has not ended: the month can be approved on"),
    (management_simulation_months, "måste vara samma månad som eller senare än första månaden",
     "must be the same month as or later than the first month"),
]


@pytest.mark.parametrize(("provoke", "swedish", "english"), CASES, ids=[c[0].__name__ for c in CASES])
def test_a_staff_user_who_chose_english_reads_the_service_error_in_english(client, auth, session, provoke,
                                                                           swedish, english):
    client.get("/sprak/en")
    response = provoke(client, auth, session)
    assert response.status_code < 500
    page = _page(response)
    assert '<html lang="en"' in page
    assert english.casefold() in page
    assert swedish.casefold() not in page


@pytest.mark.parametrize(("provoke", "swedish", "english"), CASES[:2], ids=[c[0].__name__ for c in CASES[:2]])
def test_the_same_errors_stay_swedish_for_a_user_who_did_not_choose_english(client, auth, session, provoke,
                                                                            swedish, english):
    page = _page(provoke(client, auth, session))
    assert swedish.casefold() in page and english.casefold() not in page


def test_the_message_is_translated_when_shown_not_when_raised():
    """A service raises outside any request (a job, the CLI); the page that shows it picks the language."""
    from app import create_app
    from app.common.errors import ValidationError
    from app.kundval import choice

    error = ValidationError("offering", choice.NO_PLACE)
    assert error.message == "platsen är tyvärr redan tagen. Välj en annan tjänst."
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
    with app.test_request_context("/"):
        from flask import session as flask_session

        flask_session["lang"] = "en"
        assert error.message == "sorry, the place has already been taken. Choose another service."
        assert error.msgid == "platsen är tyvärr redan tagen. Välj en annan tjänst."
    assert "en" in CLIENT_LANGUAGES
