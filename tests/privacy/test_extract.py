"""The register extract (GDPR art. 15): a client downloads everything about them; an admin makes it on request."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from sqlalchemy import select

from app.common.audit import record_access
from app.common.models import AccessLog, AuditLog
from app.exchange.importer import import_document
from app.kundval import service as kundval
from app.kundval.models import Client
from app.settlement import service as settlement
from tests.conftest import ROOT
from tests.settlement.helpers import attendance, base_document

ARTIFACTS = ROOT / "test-artifacts" / "extract"


@pytest.fixture
def anna(app, session, auth):
    doc = base_document()
    doc["attendance"] = attendance("PL1", "2026-03-02", 12) + attendance("PL2", "2026-03-02", 5)
    doc["outcomes"] = [{"ref": "U1", "placement": "PL1", "kind": "employment", "result_date": "2026-03-20",
                        "employer": "Lagerbolaget i Exempelby AB", "extent": "heltid"}]
    import_document(session, doc)
    settlement.run_period(session, "2026-03")
    settlement.approve_period(session, "2026-03")
    client = session.execute(select(Client).where(Client.ref == "C1")).scalar_one()
    user = kundval.client_user(session, client)
    session.commit()
    worker = auth.user("case_worker", email="karin@kommun.example")
    record_access(session, worker.id, client.id, "handläggare: deltagare")
    session.commit()
    return client, user


def test_a_client_downloads_everything_stored_about_them_as_json(client, auth, session, anna):
    me, user = anna
    auth.login_user(user)
    response = client.get("/deltagare/mina-uppgifter/registerutdrag.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["person"]["name"] == "Anna Andersson" and data["person"]["personal_id"] == "19850315-9645"
    assert [d["ref"] for d in data["decisions"]] == ["R1"]
    assert [p["provider"] for p in data["placements"]] == ["Arbetsvägen AB"]
    assert len(data["attendance"]) == 12 and data["attendance"][0]["hours"] == "6.00"
    assert data["outcomes"][0]["employer"] == "Lagerbolaget i Exempelby AB"
    assert data["settlement_lines"] and all(line["placement"] == "PL1" for line in data["settlement_lines"])
    assert any(e["name"] == "karin@kommun.example" and e["role"] == "case_worker" for e in data["access_log"])
    assert "Bashir" not in response.text and "19920826" not in response.text  # nobody else's data


def test_making_an_extract_is_itself_logged(client, auth, session, anna):
    me, user = anna
    auth.login_user(user)
    client.get("/deltagare/mina-uppgifter/registerutdrag.pdf")
    pages = session.execute(select(AccessLog.page).where(AccessLog.client_id == me.id)).scalars().all()
    assert "registerutdrag (pdf)" in pages
    entry = session.execute(select(AuditLog).where(AuditLog.action == "register_extract")).scalar_one()
    assert (entry.user_id, entry.entity_id, entry.after) == (user.id, me.id, {"format": "pdf", "by": "client"})
    again = json.loads(client.get("/deltagare/mina-uppgifter/registerutdrag.json").data)
    assert any(e["page"] == "registerutdrag (pdf)" for e in again["access_log"])


def test_the_pdf_extract_reads_as_a_document(client, auth, session, anna):
    me, user = anna
    auth.login_user(user)
    response = client.get("/deltagare/mina-uppgifter/registerutdrag.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is missing")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / "registerutdrag.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("Registerutdrag från Kundval", "Anna Andersson", "19850315-9645", "Arbetsvägen AB",
                     "Vem har sett dina uppgifter", "karin@kommun.example", "Lagerbolaget i Exempelby AB",
                     "Exempelby kommun", "7 200,00", "Svenska"):
        assert expected in text, expected
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / "registerutdrag")], check=True)


def test_the_client_page_offers_the_extract(client, auth, anna):
    _me, user = anna
    auth.login_user(user)
    page = client.get("/deltagare/mina-uppgifter").get_data(as_text=True)
    assert "/deltagare/mina-uppgifter/registerutdrag.pdf" in page
    assert "/deltagare/mina-uppgifter/registerutdrag.json" in page


def test_an_admin_makes_the_extract_on_request_by_personnummer(client, auth, session, anna):
    me, _user = anna
    admin = auth.login("admin")
    found = client.post("/admin/registerutdrag", data={"personal_id": "19850315-9645"})
    assert found.status_code == 200 and "Anna Andersson" in found.text
    assert f"/admin/registerutdrag/{me.id}.pdf" in found.text
    seen = session.execute(select(AccessLog).where(AccessLog.page == "registerutdrag: sök")).scalar_one()
    assert (seen.user_id, seen.client_id) == (admin.id, me.id)
    response = client.get(f"/admin/registerutdrag/{me.id}.json")
    assert json.loads(response.data)["person"]["ref"] == "C1"
    entry = session.execute(select(AuditLog).where(AuditLog.action == "register_extract")).scalar_one()
    assert (entry.user_id, entry.after) == (admin.id, {"format": "json", "by": "admin"})
    pdf = client.get(f"/admin/registerutdrag/{me.id}.pdf")
    assert pdf.data.startswith(b"%PDF")


def test_an_unknown_personnummer_is_said_so(client, auth, anna):
    auth.login("admin")
    response = client.post("/admin/registerutdrag", data={"personal_id": "19771231-1237"})
    assert response.status_code == 404 and "Ingen deltagare med det personnumret" in response.text
    bad = client.post("/admin/registerutdrag", data={"personal_id": "12345"})
    assert bad.status_code == 404 and "personal_id-error" in bad.text


def test_only_the_admin_makes_extracts_on_request(client, auth, anna):
    me, _user = anna
    auth.login("case_worker")
    assert client.get(f"/admin/registerutdrag/{me.id}.pdf").status_code == 403
    assert client.get("/admin/registerutdrag").status_code == 403
