"""The register extract a client downloads is in the language they read their pages in."""
from __future__ import annotations

import re
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


def _extract_text(client, code: str, name: str) -> str:
    """The client's PDF extract in `code`, as text (pdftotext); page 1 and the last as PNG to look at."""
    client.get(f"/sprak/{code}")
    response = client.get("/deltagare/mina-uppgifter/registerutdrag.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is missing")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / f"{name}.pdf"
    pdf.write_bytes(response.data)
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(ARTIFACTS / name)], check=True)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


SWEDISH_IN_THE_EXTRACT = ("Sida ", "Närvarande", "Frånvaro", "handläggare: deltagare", "registerutdrag (pdf)",
                          "Systemet", "Arbete", "Timmar", "Skapad", "create client", "(arabiska)")


@pytest.mark.parametrize(("code", "words"), [
    ("en", ("Page 1 of", "Present", "Your details with the case worker", "Register extract (JSON)",
            "A register extract was made", "Work")),
    ("ar", ("الصفحة", "حاضر", "معلوماتك لدى موظف الحالة", "JSON", "تم إعداد مستخرج السجل", "العمل")),
    ("ti", ("ገጽ 1 ካብ", "ነይሩ", "ሓበሬታኻ ኣብ ሰራሕተኛ ጉዳይ", "ቅዳሕ መዝገብ (JSON)", "ቅዳሕ መዝገብ ተዳልዩ", "ስራሕ")),
])
def test_the_whole_extract_is_in_the_clients_language(client, auth, session, anna, code, words):  # noqa: F811
    """History, attendance, access-log pages, results and the page footer: nothing left in Swedish."""
    me, user = anna
    auth.login_user(user)
    client.get("/deltagare/mina-uppgifter/registerutdrag.json")  # so the access log has an extract in it
    text = _extract_text(client, code, f"registerutdrag-all-{code}")
    text = " ".join(re.sub("[\u202a-\u202e\u2066-\u2069]", "", text).split())  # pdftotext's bidi marks
    for expected in words:
        assert expected in text, expected
    for swedish in SWEDISH_IN_THE_EXTRACT:
        assert swedish not in text, swedish


def test_the_json_extract_says_its_codes_in_the_clients_language(client, auth, session, anna):  # noqa: F811
    me, user = anna
    auth.login_user(user)
    client.get("/sprak/ar")
    data = client.get("/deltagare/mina-uppgifter/registerutdrag.json").get_json()
    assert data["attendance"][0]["status"] == "present" and data["attendance"][0]["status_text"] == "حاضر"
    assert data["decisions"][0]["service"] == "التدريب العملي" or data["decisions"][0]["service"]
    assert {e["what"] for e in data["access_log"]} >= {"معلوماتك لدى موظف الحالة"}
    assert all(c["what"] and "Skapad" not in c["what"] for c in data["changes"])
    assert data["outcomes"][0]["kind_text"] == "العمل"
