"""Request size limits: 413 with a Swedish page, or JSON for the API, before the body is read."""
from __future__ import annotations

import io

from tests.providers.factories import ORG_A, seed
from tests.reporting.test_api import bearer, token_for

MB = 1024 * 1024


def test_a_40_mb_login_post_gets_413_and_a_swedish_page(client):
    response = client.post("/login", data={"email": "a@b.se", "password": "x" * (40 * MB)})
    assert response.status_code == 413
    assert "för stort" in response.get_data(as_text=True)


def test_an_upload_above_10_mb_gets_413(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    response = client.post("/anordnare/dokument", data={
        "kind": "insurance", "expires_on": "2027-01-01", "file": (io.BytesIO(b"%PDF" + b"0" * (11 * MB)), "a.pdf")})
    assert response.status_code == 413


def test_the_application_takes_four_documents_but_not_four_times_40_mb(client):
    big = {f"{kind}_file": (io.BytesIO(b"%PDF" + b"0" * (40 * MB)), f"{kind}.pdf")
           for kind in ("f_skatt", "registration", "insurance", "credit_check")}
    assert client.post("/anordnare/ansok", data={"name": "X", **big}).status_code == 413
    small = {f"{kind}_file": (io.BytesIO(b"%PDF" + b"0" * (4 * MB)), f"{kind}.pdf")
             for kind in ("f_skatt", "registration", "insurance", "credit_check")}
    assert client.post("/anordnare/ansok", data={"name": "X", **small}).status_code != 413


def test_an_api_body_above_1_mb_gets_413_as_json(client, auth, session):
    seed(session)
    token = token_for(session, auth, ORG_A)
    body = b'{"days": [], "reason": "' + b"x" * (2 * MB) + b'"}'
    response = client.put("/api/v1/placements/PL1/attendance/2026-03", data=body,
                          content_type="application/json", headers=bearer(token))
    assert response.status_code == 413
    assert response.get_json()["error"]["status"] == 413
