"""Security keys (WebAuthn): only a pending user gets a challenge, a bad answer is refused, keys are personal."""
from __future__ import annotations

import json

import pytest
from sqlmodel import select

from app.auth import second_factor
from app.auth.models import WebAuthnCredential
from app.common.models import AuditLog
from app.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def worker_with_key(app, auth):
    user = auth.user("case_worker")
    with app.app_context():
        second_factor.enrol_known_secret(db.session, user, "JBSWY3DPEHPK3PXP")
        db.session.add(WebAuthnCredential(user_id=user.id, credential_id="AAAA", public_key="BBBB",
                                          name="Nyckel"))
        db.session.commit()
    return user


def test_a_challenge_is_given_only_during_a_sign_in(client, worker_with_key):
    assert client.post("/login/tva-steg/nyckel/alternativ").status_code == 401
    client.post("/login", data={"email": worker_with_key.email, "password": PASSWORD})
    assert "Använd säkerhetsnyckel" in client.get("/login/tva-steg/").text
    options = json.loads(client.post("/login/tva-steg/nyckel/alternativ").data)
    assert options["challenge"] and [c["id"] for c in options["allowCredentials"]] == ["AAAA"]
    assert options["rpId"] == "localhost"


def test_a_bad_answer_from_a_key_is_refused(client, worker_with_key):
    client.post("/login", data={"email": worker_with_key.email, "password": PASSWORD})
    client.post("/login/tva-steg/nyckel/alternativ")
    response = client.post("/login/tva-steg/nyckel", json={"id": "AAAA", "rawId": "AAAA", "type": "public-key",
                                                           "response": {}})
    assert response.status_code == 401 and "godtogs inte" in response.json["error"]
    assert client.get("/").status_code == 302
    # The challenge is used once: a second try needs a new one.
    assert client.post("/login/tva-steg/nyckel", json={}).status_code == 401


def test_registration_options_exclude_the_users_keys(client, auth, worker_with_key):
    auth.login_user(worker_with_key)
    assert "Nyckel" in client.get("/konto/sakerhetsnycklar/").text
    options = json.loads(client.post("/konto/sakerhetsnycklar/alternativ").data)
    assert options["rp"]["id"] == "localhost" and options["user"]["name"] == worker_with_key.email
    assert [c["id"] for c in options["excludeCredentials"]] == ["AAAA"]
    assert client.post("/konto/sakerhetsnycklar/", json={"credential": {}}).status_code == 400


def test_a_user_removes_their_own_key_but_not_someone_elses(app, client, auth, worker_with_key):
    with app.app_context():
        key_id = db.session.exec(select(WebAuthnCredential.id)).one()
    auth.login("finance")
    assert client.post(f"/konto/sakerhetsnycklar/{key_id}/ta-bort").status_code == 404
    auth.login_user(worker_with_key)
    assert client.post(f"/konto/sakerhetsnycklar/{key_id}/ta-bort").status_code == 302
    with app.app_context():
        assert db.session.exec(select(WebAuthnCredential)).first() is None
        assert db.session.exec(select(AuditLog).where(AuditLog.action == "remove_security_key")).first()


def test_an_admin_reset_removes_the_keys_too(app, worker_with_key):
    with app.app_context():
        second_factor.reset(db.session, worker_with_key, actor_id=None)
        db.session.commit()
        assert db.session.exec(select(WebAuthnCredential)).first() is None


def test_clients_have_no_security_key_page(client, auth):
    auth.login("client")
    assert client.get("/konto/sakerhetsnycklar/").status_code == 403
