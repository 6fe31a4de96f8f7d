"""Client sign-in with e-ID through OIDC: off unless configured; the personnummer claim finds the client."""
from __future__ import annotations

import pytest

from app import create_app
from tests.kundval import factories as f

OIDC = {"OIDC_METADATA_URL": "https://idp.example/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": "kundval", "OIDC_CLIENT_SECRET": "hemligt"}


@pytest.fixture
def eid_app(app, database_url):
    application = create_app({**app.config, **OIDC})
    eid = application.extensions["kundval_oidc"].eid
    eid.load_server_metadata = lambda: {"issuer": "https://idp.example",
                                        "authorization_endpoint": "https://idp.example/auth",
                                        "token_endpoint": "https://idp.example/token"}
    yield application
    application.extensions["db_engine"].dispose()


def test_without_configuration_there_is_no_e_id_button(client):
    assert "BankID" not in client.get("/deltagare/logga-in").text


def test_e_id_login_redirects_to_the_identity_provider(eid_app):
    web = eid_app.test_client()
    assert "Logga in med BankID eller Freja" in web.get("/deltagare/logga-in").text
    web.get("/sprak/ar")
    assert "سجّل الدخول باستخدام BankID أو Freja" in web.get("/deltagare/logga-in").text  # the button too
    web.get("/sprak/sv")
    r = web.get("/deltagare/e-legitimation")
    assert r.status_code == 302 and r.headers["Location"].startswith("https://idp.example/auth?")
    assert "client_id=kundval" in r.headers["Location"] and "scope=openid" in r.headers["Location"]


def test_e_id_callback_signs_in_the_registered_client(eid_app):
    with eid_app.app_context():
        from app.extensions import db
        f.client(db.session, 0, name="Amina Ali")
        db.session.commit()
    eid = eid_app.extensions["kundval_oidc"].eid
    eid.authorize_access_token = lambda: {"userinfo": {"personal_number": "199001011239"}}
    web = eid_app.test_client()
    r = web.get("/deltagare/e-legitimation/klar?code=x&state=y")
    assert r.status_code == 302 and r.headers["Location"].endswith("/deltagare/")
    assert "Hej Amina!" in web.get("/deltagare/").text


def test_e_id_for_someone_not_registered_explains_what_to_do(eid_app):
    eid = eid_app.extensions["kundval_oidc"].eid
    eid.authorize_access_token = lambda: {"userinfo": {"personal_number": "199001011239"}}
    web = eid_app.test_client()
    r = web.get("/deltagare/e-legitimation/klar?code=x&state=y", follow_redirects=True)
    assert "Vi hittar dig inte i Kundval" in r.text
