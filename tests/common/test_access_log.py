"""The access log: one row per view (a list is one row saying how many), providers' views on
screen and in the API included; a case worker sees the log of their own clients."""
from __future__ import annotations

from sqlmodel import select

from app.auth.models import User
from app.common.models import AccessLog
from app.extensions import db
from app.kundval.models import Client
from tests.providers.factories import ORG_A, seed
from tests.reporting.test_api import bearer, token_for


def _rows(app):
    with app.app_context():
        return db.session.exec(select(AccessLog).order_by(AccessLog.id)).all()


def test_a_provider_opening_the_grid_and_the_results_writes_one_row_each(app, client, auth):
    with app.app_context():
        seed(db.session)
    user = auth.login("provider", provider_org_nr=ORG_A)
    assert client.get("/rapportering/2026-03").status_code == 200
    assert client.get("/rapportering/resultat").status_code == 200
    rows = _rows(app)
    assert [(r.user_id, r.page, r.client_count) for r in rows] == [
        (user.id, "anordnare: närvaro 2026-03", 1), (user.id, "anordnare: resultat", 1)]
    assert rows[0].client_id is not None


def test_the_api_list_of_placements_is_logged_with_the_tokens_creator(app, client, auth, session):
    seed(session)
    token = token_for(session, auth, ORG_A)
    creator = session.exec(select(User).where(User.role == "provider")).first()
    session.commit()
    assert client.get("/api/v1/placements", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/placements/PL1/attendance/2026-03", headers=bearer(token)).status_code == 200
    rows = _rows(app)
    assert [(r.user_id, r.page) for r in rows] == [(creator.id, "API: placeringar"), (creator.id, "API: närvaro")]


def test_a_list_of_many_clients_is_one_row_shown_as_a_list(app, client, auth):
    from app.common.audit import record_list_access

    with app.app_context():
        seed(db.session)
        admin = auth.user("admin")
        ids = db.session.exec(select(Client.id)).all()
        record_list_access(db.session, admin.id, ids, "test: lista")
        db.session.commit()
    assert len(_rows(app)) == 1 and _rows(app)[0].client_count == 2 and _rows(app)[0].client_id is None
    auth.login_user(admin)
    page = client.get("/admin/atkomstlogg").get_data(as_text=True)
    assert "lista med 2 deltagare" in page


def test_a_case_worker_sees_the_access_log_of_their_own_clients_only(app, client, auth):
    with app.app_context():
        seed(db.session)
    worker = auth.login("case_worker")
    with app.app_context():
        own, other = db.session.exec(select(Client).order_by(Client.id)).all()
        own.case_worker_id = worker.id
        db.session.commit()
        own_id, other_id = own.id, other.id
    client.get(f"/handlaggare/deltagare/{own_id}")
    page = client.get(f"/handlaggare/deltagare/{own_id}/atkomstlogg")
    assert page.status_code == 200 and "handläggare: deltagare" in page.get_data(as_text=True)
    assert client.get(f"/handlaggare/deltagare/{other_id}/atkomstlogg").status_code == 404
