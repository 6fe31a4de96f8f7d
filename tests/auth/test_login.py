"""Signing in and out through the real form: CSRF, safe redirects, argon2 and the rate limit."""
from __future__ import annotations

import os
import re
from urllib.parse import quote, urlsplit

import pyotp
import pytest
import redis

from app import create_app
from app.auth.second_factor import enrol_known_secret
from app.auth.service import create_user
from app.extensions import db

PASSWORD = "ratt-lösenord-123"
EMAIL = "anna@kommun.example"
REDIS_URL = "redis://127.0.0.1:6379/15"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SECRET = pyotp.random_base32()


@pytest.fixture
def make_app(app, database_url, tmp_path):
    """Further apps on the test database (which `app` has emptied), with some settings changed."""
    made = []

    def make(**settings):
        application = create_app({
            "TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
            "PERSONAL_ID_KEY": "test-personal-id-key", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
            "UPLOAD_DIR": str(tmp_path / "uploads"), **settings,
        })
        made.append(application)
        return application

    yield make
    for application in made:
        application.extensions["db_engine"].dispose()


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


def make_user(app, email: str = EMAIL, active: bool = True):
    with app.app_context():
        user = create_user(db.session, email=email, role="case_worker", password=PASSWORD)
        user.active = active
        enrol_known_secret(db.session, user, SECRET)
        db.session.commit()
        return user


def csrf_token(client, path: str = "/login") -> str:
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, email: str = EMAIL, password: str = PASSWORD, next_url: str | None = None):
    """Fill in the login form as a browser does: load the page, then post it with its token."""
    url = "/login" + (f"?next={quote(next_url, safe='')}" if next_url is not None else "")
    response = client.post(url, data={"email": email, "password": password,
                                      "csrf_token": csrf_token(client, url)})
    if response.status_code == 302 and urlsplit(response.location).path == "/login/tva-steg/":
        response = client.post("/login/tva-steg/", data={
            "code": pyotp.TOTP(SECRET).now(), "csrf_token": csrf_token(client, "/login/tva-steg/")})
    return response


def is_signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_login_post_without_csrf_token_gets_400_with_friendly_page(csrf_app, csrf_client):
    make_user(csrf_app)
    response = csrf_client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 400
    assert "Formuläret har gått ut" in response.get_data(as_text=True)
    assert not is_signed_in(csrf_client)


def test_login_with_the_form_redirects_to_the_start_page(csrf_app, csrf_client):
    make_user(csrf_app)
    response = sign_in(csrf_client)
    assert response.status_code == 302
    assert response.location == "/"
    assert f"Inloggad som {EMAIL}" in csrf_client.get("/").get_data(as_text=True)


def test_email_is_matched_without_regard_to_case(csrf_app, csrf_client):
    make_user(csrf_app)
    assert sign_in(csrf_client, email="Anna@Kommun.Example").status_code == 302


def test_wrong_password_gets_401_with_message(csrf_app, csrf_client):
    make_user(csrf_app)
    response = sign_in(csrf_client, password="fel-lösenord-123")
    assert response.status_code == 401
    assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)
    assert not is_signed_in(csrf_client)


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(csrf_app, csrf_client):
    response = sign_in(csrf_client, email="okand@kommun.example")
    assert response.status_code == 401
    assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)


def test_inactive_user_cannot_log_in(csrf_app, csrf_client):
    make_user(csrf_app, active=False)
    response = sign_in(csrf_client)
    assert response.status_code == 401
    assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)
    assert not is_signed_in(csrf_client)


@pytest.mark.parametrize("next_url, expected", [
    ("/admin/anvandare", "/admin/anvandare"),
    ("/avrakning/?period=2026-03", "/avrakning/?period=2026-03"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("/\t/evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("evil.example", "/"),
])
def test_next_only_accepts_local_paths(csrf_app, csrf_client, next_url, expected):
    make_user(csrf_app)
    response = sign_in(csrf_client, next_url=next_url)
    assert response.status_code == 302
    assert response.location == expected


@pytest.mark.parametrize("next_url, expected", [
    ("/avrakning/", "/avrakning/"),
    ("https://evil.example/", "/"),
    ("/\\evil.example", "/"),
])
def test_language_switch_only_returns_to_local_paths(client, next_url, expected):
    response = client.get(f"/sprak/en?next={quote(next_url, safe='')}")
    assert response.status_code == 302
    assert response.location == expected


def test_logout_requires_post_with_a_csrf_token(csrf_app, csrf_client):
    make_user(csrf_app)
    sign_in(csrf_client)

    assert csrf_client.get("/logout").status_code == 405
    assert csrf_client.post("/logout").status_code == 400
    assert is_signed_in(csrf_client)

    response = csrf_client.post("/logout", data={"csrf_token": csrf_token(csrf_client, "/")})
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"
    assert not is_signed_in(csrf_client)


def test_password_is_stored_as_an_argon2_hash(app):
    user = make_user(app)
    assert user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash


def _fail(client) -> int:
    return client.post("/login", data={"email": EMAIL, "password": "fel-lösenord-123"}).status_code


def _succeed(client) -> None:
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    client.post("/logout")


def test_fourth_failed_login_in_a_minute_gets_429_and_successes_do_not_count(make_app):
    limited = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute",
                       RATELIMIT_STORAGE_URI="memory://")
    make_user(limited)
    client = limited.test_client()

    assert [_fail(client), _fail(client)] == [401, 401]
    _succeed(client)
    _succeed(client)
    assert _fail(client) == 401

    response = client.post("/login", data={"email": EMAIL, "password": "fel-lösenord-123"})
    assert response.status_code == 429
    assert "För många försök" in response.get_data(as_text=True)


@pytest.fixture
def redis_prefix():
    """This run's key prefix in Redis db 15, its keys cleared before and after the test.

    Only our keys are deleted (not FLUSHDB), so another test run sharing the db is unharmed. The
    prefix is the same for every test of a run because Flask-Limiter keeps the first one it sees.
    """
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    prefix = ("kundval-test-" + os.environ.get("KUNDVAL_TEST_DB_SUFFIX", "")
              + os.environ.get("PYTEST_XDIST_WORKER", "main"))

    def clear() -> list:
        keys = list(client.scan_iter(match=f"*{prefix}*"))
        if keys:
            client.delete(*keys)
        return keys

    clear()
    yield prefix, clear
    clear()
    client.close()


def test_failed_logins_are_counted_across_workers_in_redis(make_app, redis_prefix):
    prefix, clear = redis_prefix
    settings = {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute",
                "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    first_worker = make_app(**settings)
    make_user(first_worker)
    assert [_fail(first_worker.test_client()), _fail(first_worker.test_client())] == [401, 401]

    # Flask-Limiter keeps one storage client per process and create_app() replaces it, so the
    # second worker sees the first one's failures only if they were stored in Redis.
    second_worker = make_app(**settings)
    assert _fail(second_worker.test_client()) == 401
    assert _fail(second_worker.test_client()) == 429
    assert _fail(first_worker.test_client()) == 429
    assert clear(), "the counts should be in Redis"
