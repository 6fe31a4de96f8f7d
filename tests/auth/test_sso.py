"""Staff single sign-on against a real OpenID provider: accounts by e-mail, the role from the groups."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlmodel import select

from app import create_app
from app.auth.models import User
from app.auth.service import create_user
from app.common.models import AuditLog
from app.extensions import db
from app.providers.models import Provider
from tests.conftest import PASSWORD
from tests.oidc.provider import CLIENT_HOST

ROLE_MAP = {"kundval-admin": "admin", "kundval-handlaggare": "case_worker", "kundval-ekonomi": "finance"}


@pytest.fixture
def make_sso_app(app, oidc_provider):
    made = []

    def make(**settings):
        client = oidc_provider.client("kundval-staff")
        application = create_app({**app.config, "STAFF_SSO_ISSUER": oidc_provider.issuer,
                                  "STAFF_SSO_CLIENT_ID": client["client_id"],
                                  "STAFF_SSO_CLIENT_SECRET": client["client_secret"],
                                  "STAFF_SSO_ROLE_MAP": ROLE_MAP, **settings})
        made.append(application)
        return application

    yield make
    for application in made:
        application.extensions["db_engine"].dispose()


@pytest.fixture
def sso_app(make_sso_app):
    return make_sso_app()


def _user(application, email: str, role: str = "case_worker", **kw):
    with application.app_context():
        user = create_user(db.session, email=email, role=role, password=PASSWORD, **kw)
        db.session.commit()
        return user


def _sso(web, oidc_provider, login: str, next_url: str | None = None):
    start = web.get("/login/sso/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302 and start.location.startswith(oidc_provider.issuer)
    callback = oidc_provider.sign_in(start.location, login)
    assert callback.startswith(CLIENT_HOST + "/login/sso/klar?")
    return web.get(callback[len(CLIENT_HOST):])


def test_the_login_page_offers_sso_when_it_is_configured(sso_app, client):
    assert "Logga in med kommunens konto" in sso_app.test_client().get("/login").text
    assert "Logga in med kommunens konto" not in client.get("/login").text


def test_a_known_staff_user_signs_in_with_sso_and_keeps_next(sso_app, oidc_provider):
    _user(sso_app, "anna.handlaggare@kommun.example")
    web = sso_app.test_client()
    response = _sso(web, oidc_provider, "anna.handlaggare@kommun.example", next_url="/mina-deltagare")
    assert response.status_code == 302 and response.location == "/mina-deltagare"
    assert "Inloggad som anna.handlaggare@kommun.example" in web.get("/").text
    with web.session_transaction() as sess:
        assert sess["second_factor_method"] == "sso"


def test_the_role_comes_from_the_group_claim_and_the_change_is_audited(sso_app, oidc_provider):
    user = _user(sso_app, "erik.ekonom@kommun.example", role="case_worker")
    web = sso_app.test_client()
    assert _sso(web, oidc_provider, "erik.ekonom@kommun.example").status_code == 302
    with sso_app.app_context():
        assert db.session.get(User, user.id).role == "finance"
        entry = db.session.exec(select(AuditLog).where(AuditLog.entity_id == user.id,
                                                       AuditLog.action == "update")).one()
    assert (entry.before, entry.after) == ({"role": "case_worker"}, {"role": "finance"})


def test_a_person_unknown_to_kundval_is_refused_with_a_clear_page(sso_app, oidc_provider):
    web = sso_app.test_client()
    response = _sso(web, oidc_provider, "okand@kommun.example")
    assert response.status_code == 403
    assert "Ditt konto finns inte i Kundval" in response.text
    assert web.get("/").status_code == 302
    with sso_app.app_context():
        assert db.session.exec(select(User)).first() is None  # nobody is created


def test_a_person_in_no_mapped_group_is_refused(sso_app, oidc_provider):
    _user(sso_app, "utan.grupp@kommun.example")
    web = sso_app.test_client()
    response = _sso(web, oidc_provider, "utan.grupp@kommun.example")
    assert response.status_code == 403 and "ingen roll i Kundval" in response.text
    assert web.get("/").status_code == 302


def test_a_cancelled_sso_sign_in_says_so(sso_app, oidc_provider):
    web = sso_app.test_client()
    start = web.get("/login/sso/")
    response = web.get(oidc_provider.cancel(start.location)[len(CLIENT_HOST):])
    assert response.status_code == 401 and "Du avbröt inloggningen" in response.text


def test_an_sso_answer_with_a_wrong_state_is_refused(sso_app, oidc_provider):
    _user(sso_app, "anna.handlaggare@kommun.example")
    web = sso_app.test_client()
    start = web.get("/login/sso/")
    callback = oidc_provider.sign_in(start.location, "anna.handlaggare@kommun.example")
    parts = urlsplit(callback)
    query = "&".join(p if not p.startswith("state=") else "state=fel" for p in parts.query.split("&"))
    response = web.get(f"{parts.path}?{query}")
    assert response.status_code == 401 and "gick inte att slutföra" in response.text
    assert web.get("/").status_code == 302


def test_kundvals_own_second_factor_can_be_asked_for_after_sso(make_sso_app, oidc_provider):
    application = make_sso_app(STAFF_SSO_LOCAL_SECOND_FACTOR=True)
    _user(application, "anna.handlaggare@kommun.example")
    web = application.test_client()
    assert _sso(web, oidc_provider, "anna.handlaggare@kommun.example").location == "/login/tva-steg/"
    assert web.get("/").status_code == 302


def test_with_passwords_off_staff_use_sso_but_providers_keep_their_password(make_sso_app):
    application = make_sso_app(STAFF_LOCAL_PASSWORDS=False)
    _user(application, "anna.handlaggare@kommun.example")
    with application.app_context():
        db.session.add(Provider(ref="P1", org_nr="556677-8899", name="Arbetsvägen AB", status="approved"))
        db.session.commit()
    _user(application, "a@arbetsvagen.example", role="provider", provider_org_nr="556677-8899")
    web = application.test_client()
    assert "Anordnare loggar in med e-post och lösenord" in web.get("/login").text
    refused = web.post("/login", data={"email": "anna.handlaggare@kommun.example", "password": PASSWORD})
    assert refused.status_code == 403 and "loggar in med kommunens konto" in refused.text
    assert web.get("/").status_code == 302
    provider = web.post("/login", data={"email": "a@arbetsvagen.example", "password": PASSWORD})
    assert provider.location == "/login/tva-steg/"


def test_without_configuration_sso_is_off(client):
    assert client.get("/login/sso/").status_code == 404
