"""The register extract a client downloads is in the language they read their pages in."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from app.privacy import extract
from tests.privacy.test_extract import ARTIFACTS, anna  # noqa: F401 (the fixture)


def test_a_client_reading_arabic_gets_a_right_to_left_extract(client, auth, session, anna, monkeypatch):  # noqa: F811
    me, user = anna
    rendered = []
    monkeypatch.setattr(extract, "render_pdf", lambda html: rendered.append(html) or b"%PDF-1.7")
    auth.login_user(user)
    client.get("/sprak/ar")
    assert client.get("/deltagare/mina-uppgifter/registerutdrag.pdf").status_code == 200
    assert '<html lang="ar" dir="rtl">' in rendered[0]
    assert "مستخرج السجل من Kundval" in rendered[0] and "من اطّلع على معلوماتك" in rendered[0]


def test_a_client_reading_tigrinya_gets_the_pdf_in_tigrinya(client, auth, session, anna):  # noqa: F811
    me, user = anna
    auth.login_user(user)
    client.get("/sprak/ti")
    response = client.get("/deltagare/mina-uppgifter/registerutdrag.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is missing")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / "registerutdrag-ti.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "ቅዳሕ መዝገብ ካብ Kundval" in text and "Anna Andersson" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                    str(ARTIFACTS / "registerutdrag-ti")], check=True)


def test_an_admin_still_gets_the_extract_in_swedish_after_choosing_arabic(client, auth, session, anna,  # noqa: F811
                                                                         monkeypatch):
    me, _user = anna
    rendered = []
    monkeypatch.setattr(extract, "render_pdf", lambda html: rendered.append(html) or b"%PDF-1.7")
    auth.login("admin")
    client.get("/sprak/ar")
    assert client.get(f"/admin/registerutdrag/{me.id}.pdf").status_code == 200
    assert '<html lang="sv">' in rendered[0] and "Registerutdrag från Kundval" in rendered[0]
