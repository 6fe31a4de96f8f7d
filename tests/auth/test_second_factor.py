"""The second factor: no staff page opens on a password alone; TOTP, recovery codes and reset."""
from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pyotp
import pytest
from sqlmodel import select

from app.auth import second_factor
from app.auth.models import ROLES, RecoveryCode, TotpFactor, User
from app.common.models import AuditLog
from app.extensions import db
from app.providers.models import Provider
from tests.auth.test_access import _protected_requests
from tests.conftest import PASSWORD

STAFF_ROLES = [role for role in ROLES if role != "client"]
ORG_NR = "556677-8899"
SECRET_TEXT = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
CODE = re.compile(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>")


@pytest.fixture
def provider(app):
    with app.app_context():
        db.session.add(Provider(ref="P1", org_nr=ORG_NR, name="Arbetsvägen AB", status="approved"))
        db.session.commit()


def _user(auth, role: str, email: str | None = None):
    return auth.user(role, email=email, provider_org_nr=ORG_NR if role == "provider" else None)


def _password(client, email: str):
    return client.post("/login", data={"email": email, "password": PASSWORD})


def _enrol(client, email: str) -> tuple[str, list[str]]:
    """Sign in with the password, read the secret on the enrolment page, confirm it with a code."""
    assert _password(client, email).location == "/login/tva-steg/"
    page = client.get("/login/tva-steg/").get_data(as_text=True)
    secret = "".join(SECRET_TEXT.search(page).group(1).split())
    done = client.post("/login/tva-steg/", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    return secret, CODE.findall(done.get_data(as_text=True))


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_a_staff_user_with_only_a_password_reaches_no_staff_page(app, client, auth, provider, role):
    user = _user(auth, role)
    assert _password(client, user.email).location == "/login/tva-steg/"
    pages = [(m, p) for m, p, roles, by_token in _protected_requests(app) if role in roles and not by_token]
    assert pages, f"no pages for {role}"
    for method, path in pages:
        response = client.open(path, method=method)
        assert response.status_code in (302, 400), (method, path, response.status_code)
        if response.status_code == 302:
            assert urlsplit(response.location).path == "/login", (method, path)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_a_session_without_the_second_factor_is_signed_out(app, client, auth, provider, role):
    user = _user(auth, role)
    with client.session_transaction() as sess:  # as if something had signed in with the password alone
        sess["_user_id"] = str(user.id)
    response = client.get("/")
    assert urlsplit(response.location).path == "/login"
    with client.session_transaction() as sess:
        assert "_user_id" not in sess


def test_clients_need_no_second_factor(app):
    with app.app_context():
        assert not second_factor.required_for(User(email="c@x", role="client"))
        assert all(second_factor.required_for(User(email="s@x", role=r)) for r in STAFF_ROLES)
        assert second_factor.required_for(User(email="m@x", role="management"))


def test_first_sign_in_enrols_with_a_qr_code_and_gives_ten_recovery_codes(app, client, auth):
    user = _user(auth, "case_worker")
    _password(client, user.email)
    page = client.get("/login/tva-steg/").get_data(as_text=True)
    assert "Aktivera tvåstegsverifiering" in page and SECRET_TEXT.search(page)
    qr = client.get("/login/tva-steg/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data and b"<script" not in qr.data
    assert client.get("/").status_code == 302  # not signed in yet

    wrong = client.post("/login/tva-steg/", data={"code": "000000"})
    assert wrong.status_code == 401 and "Koden stämmer inte" in wrong.get_data(as_text=True)

    secret = "".join(SECRET_TEXT.search(page).group(1).split())
    done = client.post("/login/tva-steg/", data={"code": pyotp.TOTP(secret).now()})
    codes = CODE.findall(done.get_data(as_text=True))
    assert len(set(codes)) == 10
    assert client.get("/").status_code == 200
    with app.app_context():
        stored = db.session.exec(select(RecoveryCode.code_hash)).all()
        factor = db.session.exec(select(TotpFactor)).one()
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
    assert secret not in factor.secret_encrypted and factor.confirmed_at is not None
    assert client.get("/login/tva-steg/qr.svg").status_code == 404


def test_the_next_sign_in_asks_for_a_code_and_a_code_works_only_once(app, client, auth):
    user = _user(auth, "finance")
    secret, _codes = _enrol(client, user.email)
    client.post("/logout")
    _password(client, user.email)
    page = client.get("/login/tva-steg/").get_data(as_text=True)
    assert "Skriv in koden som din autentiseringsapp visar" in page and "totp-secret" not in page
    step = int(time.time() // 30) + 1
    code = pyotp.TOTP(secret).at(step * 30)
    assert client.post("/login/tva-steg/", data={"code": code}).location == "/"
    assert client.get("/").status_code == 200

    client.post("/logout")
    _password(client, user.email)
    replay = client.post("/login/tva-steg/", data={"code": code})
    assert replay.status_code == 401


def test_next_is_kept_through_the_second_step(app, client, auth):
    user = _user(auth, "admin")
    secret, _ = _enrol(client, user.email)
    client.post("/logout")
    client.post("/login?next=/admin/anvandare", data={"email": user.email, "password": PASSWORD})
    code = pyotp.TOTP(secret).at((int(time.time() // 30) + 1) * 30)
    assert client.post("/login/tva-steg/", data={"code": code}).location == "/admin/anvandare"


def test_a_recovery_code_signs_in_once(app, client, auth):
    user = _user(auth, "case_worker")
    _secret, codes = _enrol(client, user.email)
    client.post("/logout")
    _password(client, user.email)
    response = client.post("/login/tva-steg/", data={"code": codes[3].upper()})
    assert response.location == "/"
    assert "Du har 9 kvar" in client.get("/").get_data(as_text=True)

    client.post("/logout")
    _password(client, user.email)
    assert client.post("/login/tva-steg/", data={"code": codes[3]}).status_code == 401
    with app.app_context():
        assert db.session.exec(select(AuditLog).where(AuditLog.action == "use_recovery_code")).first()


def test_five_wrong_codes_send_the_user_back_to_the_password(app, client, auth):
    user = _user(auth, "case_worker")
    _enrol(client, user.email)
    client.post("/logout")
    _password(client, user.email)
    for _ in range(4):
        assert client.post("/login/tva-steg/", data={"code": "123456"}).status_code == 401
    last = client.post("/login/tva-steg/", data={"code": "123456"})
    assert urlsplit(last.location).path == "/login"
    assert urlsplit(client.get("/login/tva-steg/").location).path == "/login"


def test_the_pending_step_expires(app, client, auth, monkeypatch):
    user = _user(auth, "case_worker")
    _password(client, user.email)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 601)
    assert urlsplit(client.get("/login/tva-steg/").location).path == "/login"


def test_an_admin_resets_a_users_factors_and_it_is_audited(app, client, auth):
    user = _user(auth, "case_worker")
    _enrol(client, user.email)
    client.post("/logout")
    admin = auth.login("admin")
    page = client.get("/admin/anvandare").get_data(as_text=True)
    assert "Återställ tvåsteg" in page
    response = client.post(f"/admin/anvandare/{user.id}/tva-steg", follow_redirects=True)
    assert "Tvåstegsverifieringen för case_worker@test.example är återställd" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.exec(select(TotpFactor)).first() is None
        assert db.session.exec(select(RecoveryCode)).first() is None
        entry = db.session.exec(select(AuditLog).where(AuditLog.action == "reset_second_factor")).one()
    assert (entry.user_id, entry.entity_id) == (admin.id, user.id)

    auth.logout()
    _password(client, user.email)
    assert "Aktivera tvåstegsverifiering" in client.get("/login/tva-steg/").get_data(as_text=True)


def test_flask_users_create_makes_a_user_who_enrols_at_first_sign_in(app, client, runner):
    result = runner.invoke(args=["users", "create", "--email", "ny@test.example", "--role", "finance"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    _password(client, "ny@test.example")
    assert "Aktivera tvåstegsverifiering" in client.get("/login/tva-steg/").get_data(as_text=True)


def test_flask_users_reset_second_factor_lets_a_locked_out_admin_enrol_again(app, client, auth, runner):
    user = _user(auth, "admin")
    _enrol(client, user.email)
    client.post("/logout")
    result = runner.invoke(args=["users", "reset-second-factor", "--email", user.email])
    assert result.exit_code == 0, result.output
    _password(client, user.email)
    assert "Aktivera tvåstegsverifiering" in client.get("/login/tva-steg/").get_data(as_text=True)
    with app.app_context():
        entry = db.session.exec(select(AuditLog).where(AuditLog.action == "reset_second_factor")).one()
    assert entry.user_id is None and "flask users" in entry.reason
    unknown = runner.invoke(args=["users", "reset-second-factor", "--email", "nobody@test.example"])
    assert unknown.exit_code == 1 and "email:" in unknown.output
