"""User accounts: `flask users create` and the admin pages for users and the audit log."""
from __future__ import annotations

import pytest
from sqlmodel import select

from app.auth.models import User
from app.auth.service import verify_password
from app.common.models import AuditLog
from app.extensions import db
from app.providers.models import Provider

SECRET = "secret-password-123"
ORG_NR = "556677-8899"


@pytest.fixture
def provider(app):
    with app.app_context():
        provider = Provider(ref="P1", org_nr=ORG_NR, name="Arbetsvägen AB", status="approved")
        db.session.add(provider)
        db.session.commit()
        return provider


def users_create(runner, *args: str, password: str = SECRET):
    return runner.invoke(args=["users", "create", *args], input=password + "\n")


def all_users(app) -> list[User]:
    with app.app_context():
        return list(db.session.exec(select(User).order_by(User.id)).all())


def user_by_email(app, email: str) -> User | None:
    with app.app_context():
        return db.session.exec(select(User).where(User.email == email)).first()


def audit_rows(app) -> list[AuditLog]:
    with app.app_context():
        return list(db.session.exec(select(AuditLog).order_by(AuditLog.id)).all())


def test_users_create_reads_the_password_from_stdin(app, runner):
    result = users_create(runner, "--email", "Eva@Kommun.Example", "--role", "finance")

    assert result.exit_code == 0, result.output
    user = user_by_email(app, "eva@kommun.example")
    assert user.role == "finance"
    assert user.password_hash.startswith("$argon2")
    assert verify_password(user, SECRET)


def test_users_create_links_a_provider_user_to_its_provider(app, runner, provider):
    result = users_create(runner, "--email", "p@arbetsvagen.example", "--role", "provider",
                          "--provider", "5566778899")

    assert result.exit_code == 0, result.output
    assert user_by_email(app, "p@arbetsvagen.example").provider_id == provider.id


def test_users_create_has_no_password_option(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "eva@kommun.example",
                                 "--role", "finance", "--password", SECRET], input=SECRET + "\n")

    assert result.exit_code != 0
    assert "No such option" in result.output
    assert all_users(app) == []


@pytest.mark.parametrize("args, password, expected", [
    (["--role", "admin"], "kort", "password: "),
    (["--role", "boss"], SECRET, "role: "),
    (["--role", "provider"], SECRET, "provider: "),
    (["--role", "provider", "--provider", "559123-4561"], SECRET, "provider: "),
    (["--role", "provider", "--provider", "556677-8898"], SECRET, "provider: "),
    (["--role", "admin", "--provider", ORG_NR], SECRET, "provider: "),
])
def test_users_create_rejects_bad_input_naming_the_field(app, runner, provider, args, password,
                                                         expected):
    result = users_create(runner, "--email", "eva@kommun.example", *args, password=password)

    assert result.exit_code == 1
    assert result.stderr.startswith(expected)
    assert all_users(app) == []


def test_users_create_rejects_an_invalid_email(app, runner):
    result = users_create(runner, "--email", "inte-en-adress", "--role", "admin")

    assert result.exit_code == 1
    assert result.stderr.startswith("email: ")


def test_users_create_rejects_a_duplicate_email(app, runner):
    assert users_create(runner, "--email", "eva@kommun.example", "--role", "admin").exit_code == 0

    result = users_create(runner, "--email", "EVA@kommun.example", "--role", "finance")

    assert result.exit_code == 1
    assert result.stderr.startswith("email: ")
    assert len(all_users(app)) == 1


def test_users_page_lists_every_user(client, auth):
    auth.user("case_worker", email="karin@kommun.example")
    auth.login("admin")

    page = client.get("/admin/anvandare").get_data(as_text=True)

    assert "karin@kommun.example" in page
    assert "admin@test.example" in page


def _new_user_form(**changes) -> dict:
    return {"email": "ny@kommun.example", "name": "Ny Handläggare", "role": "case_worker",
            "provider_org_nr": "", "password": SECRET, **changes}


def test_admin_creates_a_user_and_the_audit_log_records_who(app, client, auth):
    admin = auth.login("admin")

    response = client.post("/admin/anvandare", data=_new_user_form())

    assert response.status_code == 302
    created = user_by_email(app, "ny@kommun.example")
    assert created.role == "case_worker"
    assert verify_password(created, SECRET)
    [row] = [r for r in audit_rows(app) if r.entity_id == created.id]
    assert (row.user_id, row.action, row.entity) == (admin.id, "create", "user")


def test_invalid_org_nr_is_shown_beside_the_field(app, client, auth):
    auth.login("admin")

    response = client.post("/admin/anvandare",
                           data=_new_user_form(role="provider", provider_org_nr="556677-8898"))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<p class="error" id="provider_org_nr-error">ogiltigt organisationsnummer</p>' in page
    assert user_by_email(app, "ny@kommun.example") is None


def test_too_short_password_is_shown_beside_the_field(app, client, auth):
    auth.login("admin")

    response = client.post("/admin/anvandare", data=_new_user_form(password="kort"))

    assert response.status_code == 400
    assert 'id="password-error"' in response.get_data(as_text=True)
    assert user_by_email(app, "ny@kommun.example") is None


def test_toggle_deactivates_a_user_who_is_then_signed_out(app, client, auth):
    karin = auth.user("case_worker", email="karin@kommun.example")
    admin = auth.login("admin")

    response = client.post(f"/admin/anvandare/{karin.id}/aktiv")

    assert response.status_code == 302
    assert user_by_email(app, "karin@kommun.example").active is False
    row = audit_rows(app)[-1]
    assert (row.user_id, row.action, row.entity_id) == (admin.id, "update", karin.id)
    assert (row.before, row.after) == ({"active": True}, {"active": False})

    auth.login_user(karin)
    assert client.get("/").status_code == 302


def test_toggle_activates_a_deactivated_user_again(app, client, auth):
    karin = auth.user("case_worker", email="karin@kommun.example")
    auth.login("admin")

    client.post(f"/admin/anvandare/{karin.id}/aktiv")
    client.post(f"/admin/anvandare/{karin.id}/aktiv")

    assert user_by_email(app, "karin@kommun.example").active is True


def test_admin_cannot_deactivate_own_account(app, client, auth):
    admin = auth.login("admin")

    response = client.post(f"/admin/anvandare/{admin.id}/aktiv", follow_redirects=True)

    assert "Du kan inte stänga av ditt eget konto." in response.get_data(as_text=True)
    assert user_by_email(app, admin.email).active is True
    assert [r for r in audit_rows(app) if r.action == "update"] == []


def test_audit_log_page_lists_the_change(client, auth):
    auth.login("admin")
    client.post("/admin/anvandare", data=_new_user_form())

    page = client.get("/admin/granskningslogg?entity=user").get_data(as_text=True)

    assert "admin@test.example" in page  # who
    assert "Skapad" in page and "Användare ny@kommun.example" in page  # the action and the record, in words
    assert "ny@kommun.example" in page  # what, from the stored after-values
