"""The management role (ledning): follow-up, budget, simulation and reports, and no personal data."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from app.auth.models import ROLES, User
from app.exchange.importer import import_document
from app.extensions import db
from tests.followup.helpers import bonus_document
from tests.tasks.helpers import follow

SECRET = "secret-password-123"
CLIENT_NAME = "Anna Andersson"  # a client in bonus_document()
PERSONAL_ID = "19850315-9645"


@pytest.fixture
def data(session):
    import_document(session, bonus_document())
    session.commit()


def test_management_is_a_role(app):
    assert "management" in ROLES


def test_users_create_makes_a_management_user(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "ledning@kommun.example",
                                 "--role", "management"], input=SECRET + "\n")

    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.exec(select(User).where(User.email == "ledning@kommun.example")).one()
        assert user.role == "management" and user.provider_id is None


def test_admin_creates_a_management_user_on_the_user_screen(app, client, auth):
    auth.login("admin")
    assert 'value="management"' in client.get("/admin/anvandare").text

    response = client.post("/admin/anvandare", data={"email": "chef@kommun.example", "name": "Chef",
                                                      "role": "management", "password": SECRET})

    assert response.status_code == 302
    with app.app_context():
        assert db.session.exec(select(User.role).where(User.email == "chef@kommun.example")).one() \
            == "management"


@pytest.mark.parametrize("path", ["/uppfoljning/?year=2026&through=2026-06", "/uppfoljning/budget?year=2026",
                                  "/uppfoljning/simulering", "/uppfoljning/nyckeltal.csv?year=2026",
                                  "/uppfoljning/budget.csv?year=2026"])
def test_management_reads_follow_up_budget_simulation_and_exports(path, client, auth, data):
    auth.login("management")
    assert client.get(path).status_code == 200


def test_management_downloads_the_monthly_report(client, auth, data):
    auth.login("management")
    page = follow(client, client.post("/uppfoljning/rapport", data={"through": "2026-06"}))
    link = re.search(r'href="(/jobb/\d+/fil)"', page.text).group(1)
    response = client.get(link)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_management_runs_a_simulation(client, auth, data):
    auth.login("management")
    response = client.post("/uppfoljning/simulering", data={
        "first": "2026-03", "last": "2026-06", "rule-0-include": "1",
        "rule-0-tiers": "90: 10000.00", "rule-0-sustain_amount": "0.00"})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert follow(client, response).status_code == 200


@pytest.mark.parametrize("path", ["/uppfoljning/mal", "/uppfoljning/budget/ramar"])
def test_management_may_not_change_targets_or_frames(path, client, auth):
    auth.login("management")
    assert client.get(path).status_code == 403
    assert client.post(path, data={"year": "2026"}).status_code == 403


@pytest.mark.parametrize("path", ["/handlaggare/deltagare", "/handlaggare/deltagare/1", "/handlaggare/resultat",
                                  "/admin/atkomstlogg", "/admin/granskningslogg", "/admin/anvandare",
                                  "/avrakning/", "/avrakning/visa/1"])
def test_management_sees_no_client_pages_names_or_settlement_detail(path, client, auth, data):
    auth.login("management")
    assert client.get(path).status_code == 403


def test_management_start_page_and_follow_up_show_no_personal_data(client, auth, data):
    auth.login("management")
    pages = [client.get("/").text, client.get("/uppfoljning/?year=2026&through=2026-06&dimension=provider").text,
             client.get("/uppfoljning/budget?year=2026").text]
    for text in pages:
        assert CLIENT_NAME not in text and PERSONAL_ID not in text and "Bashir" not in text
    start = pages[0]
    assert "Ledning" in start and "/uppfoljning/" in start and "/uppfoljning/budget" in start
    assert "/uppfoljning/simulering" in start and "/handlaggare" not in start


def test_management_menu_leads_to_follow_up(client, auth):
    auth.login("management")
    nav = client.get("/").text.split('class="main-nav"')[1].split("</nav>")[0]
    assert "/uppfoljning/" in nav and "/avrakning" not in nav and "/admin" not in nav
