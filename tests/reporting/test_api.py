"""The provider API: tokens, placements, attendance (bulk, idempotent), outcomes, settlements."""
from __future__ import annotations

from sqlmodel import select

from app.auth.models import User
from app.kundval.models import Attendance, Outcome
from app.providers import service as provider_service
from tests.providers.factories import ORG_A, ORG_B, seed

MONTH = {"days": [{"date": "2026-03-10", "status": "present", "hours": "7.5"},
                  {"date": "2026-03-11", "status": "absent"},
                  {"date": "2026-03-12", "hours": "4"}]}


def token_for(session, auth, org_nr: str) -> str:
    user = auth.user("provider", email=f"api-{org_nr}@test.example", provider_org_nr=org_nr)
    _token, plain = provider_service.create_token(session, session.get(User, user.id), "Verksamhetssystem")
    session.commit()
    return plain


def bearer(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


def test_without_a_valid_token_the_answer_is_401_json(client, session):
    seed(session)
    for headers in ({}, bearer("kv_abc_wrong"), bearer("nonsense")):
        response = client.get("/api/v1/placements", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["status"] == 401


def test_list_own_placements_without_personnummer(client, auth, session):
    seed(session)
    token = token_for(session, auth, ORG_A)
    response = client.get("/api/v1/placements", headers=bearer(token))
    assert response.status_code == 200
    placements = response.get_json()["placements"]
    assert [p["ref"] for p in placements] == ["PL1"]
    assert placements[0]["client_name"] == "Anna Andersson"
    assert placements[0]["window_from"] == "2026-03-10" and placements[0]["max_hours_per_week"] == "20.00"
    assert "19850315" not in response.get_data(as_text=True)


def test_replace_a_month_of_attendance_in_bulk(client, auth, session):
    seed(session)
    token = token_for(session, auth, ORG_A)
    response = client.put("/api/v1/placements/PL1/attendance/2026-03", json=MONTH, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["changed"] == 3
    assert body["days"] == [{"date": "2026-03-10", "status": "present", "hours": "7.50"},
                            {"date": "2026-03-11", "status": "absent", "hours": "0.00"},
                            {"date": "2026-03-12", "status": "present", "hours": "4.00"}]
    # Replacing with fewer days removes the others.
    response = client.put("/api/v1/placements/PL1/attendance/2026-03",
                          json={"days": MONTH["days"][:1]}, headers=bearer(token))
    assert response.get_json()["changed"] == 2
    assert client.get("/api/v1/placements/PL1/attendance/2026-03",
                      headers=bearer(token)).get_json()["days"] == body["days"][:1]


def test_errors_name_the_field(client, auth, session):
    seed(session)
    token = token_for(session, auth, ORG_A)
    cases = [
        ({"days": [{"date": "2026-03-10", "hours": "7.3"}]}, "days[0].hours"),
        ({"days": [{"date": "2026-03-09", "hours": "2"}]}, "days[0].date"),
        ({"days": [{"date": "2026-13-01", "hours": "2"}]}, "days[0].date"),
        ({"days": [{"date": "2026-03-10", "status": "sick"}]}, "days[0].status"),
        ({"days": "x"}, "days"),
        ([1, 2], "body"),
    ]
    for payload, field in cases:
        response = client.put("/api/v1/placements/PL1/attendance/2026-03", json=payload,
                              headers=bearer(token))
        assert response.status_code == 422, payload
        assert response.get_json()["error"]["errors"][0]["field"] == field
    response = client.put("/api/v1/placements/PL1/attendance/2026-3", json=MONTH, headers=bearer(token))
    assert response.status_code == 422
    assert session.exec(select(Attendance)).first() is None


def test_idempotency_key_never_counts_twice(client, auth, session):
    seed(session)
    token = token_for(session, auth, ORG_A)
    outcome = {"kind": "employment", "result_date": "2026-04-15", "employer": "Lager AB",
               "extent": "heltid", "employment_form": "regular"}
    headers = bearer(token, **{"Idempotency-Key": "abc-123"})
    first = client.post("/api/v1/placements/PL1/outcomes", json=outcome, headers=headers)
    again = client.post("/api/v1/placements/PL1/outcomes", json=outcome, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(session.exec(select(Outcome)).all()) == 1
    session.commit()
    other = client.post("/api/v1/placements/PL1/outcomes", json={**outcome, "extent": "deltid"},
                        headers=headers)
    assert other.status_code == 422
    listed = client.get("/api/v1/placements/PL1/outcomes", headers=bearer(token)).get_json()
    assert [o["status"] for o in listed["outcomes"]] == ["pending"]


def test_a_second_provider_sees_none_of_it(client, auth, session):
    seed(session)
    token_a = token_for(session, auth, ORG_A)
    token_b = token_for(session, auth, ORG_B)
    client.put("/api/v1/placements/PL1/attendance/2026-03", json=MONTH, headers=bearer(token_a))
    assert [p["ref"] for p in client.get("/api/v1/placements", headers=bearer(token_b))
            .get_json()["placements"]] == ["PL2"]
    for method, url, body in [
        ("get", "/api/v1/placements/PL1/attendance/2026-03", None),
        ("put", "/api/v1/placements/PL1/attendance/2026-03", MONTH),
        ("get", "/api/v1/placements/PL1/outcomes", None),
        ("post", "/api/v1/placements/PL1/outcomes", {"kind": "studies", "result_date": "2026-04-01",
                                                     "employer": "Komvux", "extent": "50 %"}),
    ]:
        response = getattr(client, method)(url, json=body, headers=bearer(token_b))
        assert response.status_code == 404, url
        assert "Anna" not in response.get_data(as_text=True)
    assert client.get("/api/v1/settlements", headers=bearer(token_b)).get_json() == {"settlements": []}


def test_a_revoked_token_stops_working(client, auth, session):
    seed(session)
    token = token_for(session, auth, ORG_A)
    user = session.exec(select(User).where(User.email == f"api-{ORG_A}@test.example")).one()
    from app.providers.models import ApiToken

    api_token = session.exec(select(ApiToken)).one()
    assert api_token.token_hash != token and token.startswith(f"kv_{api_token.prefix}_")
    provider_service.revoke_token(session, user, api_token.id)
    session.commit()
    assert client.get("/api/v1/placements", headers=bearer(token)).status_code == 401


def test_tokens_page_shows_a_new_token_once(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    page = client.post("/anordnare/api-nycklar", data={"name": "Lönesystem"}).get_data(as_text=True)
    assert 'id="new-token">kv_' in page
    assert 'id="new-token"' not in client.get("/anordnare/api-nycklar").get_data(as_text=True)


def test_settlements_list_with_lines_and_documents(client, auth, session):
    from app.settlement import service as settlement_service

    seed(session)
    token = token_for(session, auth, ORG_A)
    client.put("/api/v1/placements/PL1/attendance/2026-03", json=MONTH, headers=bearer(token))
    settlement_service.run_period(session, "2026-03")
    settlement_service.approve_period(session, "2026-03", ORG_A)
    session.commit()
    body = client.get("/api/v1/settlements", headers=bearer(token)).get_json()
    [settlement] = body["settlements"]
    assert settlement["period"] == "2026-03" and settlement["total_excl_vat"] == "1380.00"
    assert settlement["lines"][0]["placement"] == "PL1"
    xml = client.get(settlement["documents"]["peppol"], headers=bearer(token))
    assert xml.status_code == 200 and b"Invoice" in xml.data or b"CreditNote" in xml.data


def test_rate_limit_per_token(app, auth, session):
    from app import create_app

    seed(session)
    token_a = token_for(session, auth, ORG_A)
    token_b = token_for(session, auth, ORG_B)
    limited = create_app({**app.config, "RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"})
    try:
        client = limited.test_client()
        codes = [client.get("/api/v1/placements", headers=bearer(token_a)).status_code for _ in range(4)]
        other = client.get("/api/v1/placements", headers=bearer(token_b))
    finally:
        limited.extensions["db_engine"].dispose()
    assert codes == [200, 200, 200, 429]
    assert other.status_code == 200  # counted per token, not per address


def test_openapi_document_is_served(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.") and "/placements/{ref}/attendance/{period}" in doc["paths"]


def test_failed_tokens_are_counted_per_address_whatever_the_prefix(app, auth, session):
    from app import create_app

    seed(session)
    token = token_for(session, auth, ORG_A)
    limited = create_app({**app.config, "RATELIMIT_ENABLED": True, "API_FAILED_TOKEN_LIMIT": "3 per minute"})
    try:
        client = limited.test_client()
        codes = [client.get("/api/v1/placements", headers=bearer(f"kv_{i:08x}_guess")).status_code
                 for i in range(4)]
        after = client.get("/api/v1/placements", headers=bearer(token)).status_code
    finally:
        limited.extensions["db_engine"].dispose()
    assert codes == [401, 401, 401, 429]
    assert after == 429  # the address is blocked for a while, even with a real token


def test_a_token_expires_after_the_days_chosen_at_creation(client, auth, session):
    from datetime import timedelta

    from app.providers.models import ApiToken

    seed(session)
    user = auth.user("provider", email="tid@test.example", provider_org_nr=ORG_A)
    token, plain = provider_service.create_token(session, session.get(User, user.id), "Kort", valid_days=30)
    session.commit()
    assert timedelta(days=29) < token.expires_at - token.created_at <= timedelta(days=30)
    assert client.get("/api/v1/placements", headers=bearer(plain)).status_code == 200
    stored = session.get(ApiToken, token.id)
    stored.expires_at = stored.created_at - timedelta(seconds=1)
    session.commit()
    assert client.get("/api/v1/placements", headers=bearer(plain)).status_code == 401


def test_the_token_page_asks_for_an_expiry_and_shows_it(client, auth, session):
    seed(session)
    auth.login("provider", email="sida@test.example", provider_org_nr=ORG_A)
    page = client.get("/anordnare/api-nycklar").get_data(as_text=True)
    assert 'name="valid_days"' in page and 'selected value="365"' in page
    client.post("/anordnare/api-nycklar", data={"name": "Systemet", "valid_days": "90"})
    page = client.get("/anordnare/api-nycklar").get_data(as_text=True)
    assert "Gäller till" in page
