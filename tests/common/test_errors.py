"""Error pages: friendly and in Swedish for people, JSON under /api/, never a traceback."""
from __future__ import annotations

from sqlalchemy import text

from app.auth.access import public, roles_required
from app.extensions import db

SECRET_DETAIL = "hemlig detalj ur databasen"


def _broken():
    raise RuntimeError(SECRET_DETAIL)


def _failing_query():
    db.session.execute(text("SELECT * FROM no_such_table"))
    return "unreachable"


def test_unknown_page_gives_a_swedish_404(client):
    response = client.get("/finns-inte")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Sidan finns inte" in page
    assert '<html lang="sv">' in page


def test_wrong_method_gives_a_friendly_405(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "Det går inte att göra så här på den här sidan." in response.get_data(as_text=True)


def test_unexpected_exception_gives_a_friendly_500_without_traceback(app, client):
    app.add_url_rule("/trasig", "broken", public(_broken))  # before the app's first request

    response = client.get("/trasig")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Något gick fel hos oss" in page
    assert "Traceback" not in page
    assert SECRET_DETAIL not in page
    assert "RuntimeError" not in page


def test_failed_query_gives_the_500_page_and_the_next_request_works(app, client, auth):
    app.add_url_rule("/trasig-fraga", "failing_query", roles_required("admin")(_failing_query))
    auth.login("admin")

    response = client.get("/trasig-fraga")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Något gick fel hos oss" in page
    assert "no_such_table" not in page
    assert "Inloggad som admin@test.example" in page
    assert client.get("/").status_code == 200


def test_api_paths_get_json_errors(app, client):
    app.add_url_rule("/api/trasig", "api_broken", public(_broken))

    missing = client.get("/api/finns-inte")
    assert missing.status_code == 404
    assert missing.is_json
    item = {"code": "not_found", "field": None, "message": "Sidan finns inte."}
    assert missing.get_json() == {"error": {"status": 404, **item, "errors": [item]}}
    english = client.get("/api/finns-inte", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert english.get_json()["error"]["message"] == "The page does not exist."

    broken = client.get("/api/trasig")
    assert broken.status_code == 500
    assert broken.is_json
    assert broken.get_json()["error"]["status"] == 500
    assert SECRET_DETAIL not in broken.get_data(as_text=True)
