"""Sessions end on the server: at logout, on deactivation, after 30 minutes idle and 12 hours."""
from __future__ import annotations

import time

import pyotp
import pytest
from sqlmodel import select

from app.auth.models import User
from app.auth.second_factor import enrol_known_secret
from app.auth.service import check_password
from app.common.errors import ValidationError
from app.exchange.cli import DEMO_PASSWORD
from app.extensions import db
from app.providers import service as provider_service
from app.providers.models import ApiToken
from tests.conftest import PASSWORD
from tests.providers.factories import ORG_A, seed

SECRET = pyotp.random_base32()


def _enrolled(app, user) -> None:
    with app.app_context():
        enrol_known_secret(db.session, db.session.get(User, user.id), SECRET)
        db.session.commit()


def _sign_in(client, email: str) -> str:
    """The password, then the second factor, as a person signs in."""
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    if response.location.endswith("/login/tva-steg/"):
        response = client.post("/login/tva-steg/", data={"code": pyotp.TOTP(SECRET).now()})
        assert response.status_code == 302
    return client.get_cookie("session").value


def _opens_start_page(app, cookie: str) -> bool:
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/").status_code == 200


def test_a_cookie_saved_before_logout_no_longer_works(app, client, auth):
    _enrolled(app, auth.user("finance", email="eva@test.example"))
    cookie = _sign_in(client, "eva@test.example")
    assert _opens_start_page(app, cookie)
    client.post("/logout")
    assert not _opens_start_page(app, cookie)


def test_a_session_ends_after_30_minutes_idle(app, client, auth):
    auth.login("case_worker")
    assert client.get("/").status_code == 200
    with client.session_transaction() as sess:
        sess["_seen"] = int(time.time()) - 31 * 60
    assert client.get("/").status_code == 302


def test_a_session_ends_12_hours_after_signing_in_even_when_busy(app, client, auth):
    auth.login("admin")
    with client.session_transaction() as sess:
        sess["_started"] = int(time.time()) - 12 * 3600 - 60
        sess["_seen"] = int(time.time())
    assert client.get("/").status_code == 302


def test_deactivating_a_user_ends_their_sessions_and_their_api_tokens(app, client, auth):
    with app.app_context():
        seed(db.session)
    provider_user = auth.user("provider", email="anna@test.example", provider_org_nr=ORG_A)
    with app.app_context():
        token, plain = provider_service.create_token(db.session, db.session.get(User, provider_user.id), "System")
        db.session.commit()
    _enrolled(app, provider_user)
    cookie = _sign_in(client, "anna@test.example")
    api = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/placements", headers=api).status_code == 200

    admin = app.test_client()
    auth.client = admin
    auth.login("admin")
    assert admin.post(f"/admin/anvandare/{provider_user.id}/aktiv").status_code == 302

    assert not _opens_start_page(app, cookie)
    assert client.get("/api/v1/placements", headers=api).status_code == 401
    with app.app_context():
        assert db.session.exec(select(ApiToken.revoked_at).where(ApiToken.id == token.id)).one() is not None


@pytest.mark.parametrize("password", ["kort-ord", "aaaaaaaaaaaa", "password1234", "qwertyuiop12",
                                      "123456789012", "abcdefghijkl"])
def test_short_common_or_easily_guessed_passwords_are_refused(password):
    with pytest.raises(ValidationError) as error:
        check_password(password)
    assert error.value.field == "password"


@pytest.mark.parametrize("password", [PASSWORD, DEMO_PASSWORD, "sju-blå-cyklar-i-regn"])
def test_the_demo_and_test_passwords_are_good_enough(password):
    check_password(password)


def test_a_common_password_is_refused_on_the_new_user_form(client, auth):
    auth.login("admin")
    response = client.post("/admin/anvandare", data={"email": "ny@test.example", "name": "", "role": "finance",
                                                     "provider_org_nr": "", "password": "password1234"})
    assert response.status_code == 400
    assert "för vanligt" in response.get_data(as_text=True)
