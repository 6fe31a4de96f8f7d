"""Client e-ID against a real OpenID provider (oidc-provider on 127.0.0.1) sending a personnummer claim.

Each refusal is a check of the OpenID Connect code flow: the `state` ties the answer to this
browser, the `nonce` ties the ID token to this sign-in, `exp` limits how old the token may be.
"""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest

from app import create_app
from tests.kundval import factories as f
from tests.oidc.provider import CLIENT_HOST

PERSONNUMMER = "199001011239"  # factories.client(.., 0) has this one


@pytest.fixture
def eid_app(app, oidc_provider):
    client = oidc_provider.client("kundval-eid")
    application = create_app({**app.config, "OIDC_METADATA_URL": oidc_provider.metadata_url,
                              "OIDC_CLIENT_ID": client["client_id"],
                              "OIDC_CLIENT_SECRET": client["client_secret"]})
    with application.app_context():
        from app.extensions import db

        f.client(db.session, 0, name="Amina Ali")
        db.session.commit()
    yield application
    application.extensions["db_engine"].dispose()


def _start(web) -> str:
    response = web.get("/deltagare/e-legitimation")
    assert response.status_code == 302
    return response.headers["Location"]


def _back(web, callback_url: str):
    assert callback_url.startswith(CLIENT_HOST)
    return web.get(callback_url[len(CLIENT_HOST):], follow_redirects=True)


def _with_param(url: str, **params) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | params
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_a_registered_client_signs_in_with_e_id(eid_app, oidc_provider):
    web = eid_app.test_client()
    authorization = _start(web)
    assert authorization.startswith(oidc_provider.issuer) and "nonce=" in authorization
    page = _back(web, oidc_provider.sign_in(authorization, PERSONNUMMER))
    assert "Hej Amina!" in page.text
    assert PERSONNUMMER not in page.text


def test_a_cancelled_sign_in_says_so_and_signs_nobody_in(eid_app, oidc_provider):
    web = eid_app.test_client()
    callback = oidc_provider.cancel(_start(web))
    assert "error=access_denied" in callback
    page = _back(web, callback)
    assert "Du avbröt inloggningen med e-legitimation" in page.text
    assert web.get("/deltagare/").status_code == 302


def test_an_answer_with_a_wrong_state_is_refused(eid_app, oidc_provider, caplog):
    web = eid_app.test_client()
    callback = oidc_provider.sign_in(_start(web), PERSONNUMMER)
    page = _back(web, _with_param(callback, state="someone-elses-state"))
    assert "Inloggningen med e-legitimation gick inte att slutföra" in page.text
    assert "MismatchingStateError" in caplog.text
    assert web.get("/deltagare/").status_code == 302


def test_an_answer_for_another_browser_is_refused(eid_app, oidc_provider):
    """A callback made for one browser and opened in another (login CSRF): no state in its session."""
    callback = oidc_provider.sign_in(_start(eid_app.test_client()), PERSONNUMMER)
    other = eid_app.test_client()
    assert "gick inte att slutföra" in _back(other, callback).text
    assert other.get("/deltagare/").status_code == 302


def test_an_id_token_with_a_replayed_nonce_is_refused(eid_app, oidc_provider, caplog):
    first = eid_app.test_client()
    first_authorization = _start(first)
    old_nonce = parse_qs(urlsplit(first_authorization).query)["nonce"][0]
    assert "Hej Amina!" in _back(first, oidc_provider.sign_in(first_authorization, PERSONNUMMER)).text

    # An attacker gets an ID token carrying the nonce of that earlier sign-in for a new one.
    web = eid_app.test_client()
    authorization = _with_param(_start(web), nonce=old_nonce)
    page = _back(web, oidc_provider.sign_in(authorization, PERSONNUMMER))
    assert "gick inte att slutföra" in page.text
    assert "InvalidClaimError" in caplog.text  # the nonce claim
    assert web.get("/deltagare/").status_code == 302


def test_an_expired_id_token_is_refused(eid_app, oidc_provider, monkeypatch, caplog):
    web = eid_app.test_client()
    callback = oidc_provider.sign_in(_start(web), PERSONNUMMER)
    # The answer reaches the app two hours later; the provider's ID tokens live one hour.
    later = time.time() + 2 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    page = _back(web, callback)
    assert "gick inte att slutföra" in page.text
    assert "ExpiredTokenError" in caplog.text
    assert web.get("/deltagare/").status_code == 302


def test_a_personnummer_that_is_not_a_client_is_told_what_to_do(eid_app, oidc_provider, caplog):
    web = eid_app.test_client()
    page = _back(web, oidc_provider.sign_in(_start(web), "198112189876"))
    assert "Vi hittar dig inte i Kundval. Kontakta din handläggare." in page.text
    assert web.get("/deltagare/").status_code == 302
    assert "198112189876" not in caplog.text


def test_without_configuration_e_id_shows_a_clear_page(client):
    response = client.get("/deltagare/e-legitimation")
    assert response.status_code == 200
    assert "Inloggning med e-legitimation är inte påslagen" in response.text
    assert "Logga in med kod" in response.text
