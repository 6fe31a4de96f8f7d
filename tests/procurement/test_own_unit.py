"""The municipality's own unit on equal terms: settled like everyone, but internally, with no invoice."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from app.settlement.models import Settlement
from tests.settlement.helpers import ORG_A, ORG_B, attendance
from tests.settlement.test_documents import documented, documents_of, load, pdf_text, settle

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def own_unit_and_company(session) -> None:
    """P1 (ORG_A) is the municipality's own unit, P2 (ORG_B) a company; both settled in March."""
    doc = documented(vat_rate=0)
    doc["providers"][0]["kind"] = "own_unit"
    doc["attendance"] = attendance("PL1", "2026-03-02", 10) + attendance("PL2", "2026-03-02", 3)
    load(session, doc)
    settle(session, "2026-03")


def test_own_unit_is_settled_like_any_provider_but_internally(app, session):
    own_unit_and_company(session)
    own, company = documents_of(app, session, "2026-03", ORG_A), documents_of(app, session, "2026-03", ORG_B)
    assert own.internal and not company.internal
    assert own.total_excl_vat > 0 and own.number  # same rules, same numbered, approved settlement


def test_own_unit_gets_no_peppol_file_and_the_export_says_so(app, session, runner, tmp_path):
    from app.settlement.documents.peppol import build_peppol

    own_unit_and_company(session)
    with pytest.raises(ValueError, match="internal"):
        build_peppol(documents_of(app, session, "2026-03", ORG_A))
    result = runner.invoke(args=["settlement", "export", "--period", "2026-03", "--format", "peppol",
                                 "--out", str(tmp_path / "peppol"), "--folder"])
    assert result.exit_code == 0, result.output
    assert "egen regi avräknas internt, ingen Peppol-fil: " + ORG_A in result.output
    files = sorted(p.name for p in (tmp_path / "peppol").iterdir())
    assert len(files) == 1 and ORG_B.replace("-", "") in files[0]


def test_the_screen_offers_no_peppol_for_the_own_unit(client, auth, session):
    own_unit_and_company(session)
    own_id = session.execute(select(Settlement.id).where(Settlement.provider_id == 1)).scalar_one()
    session.commit()
    auth.login("finance")
    page = client.get(f"/avrakning/visa/{own_id}").get_data(as_text=True)
    assert "peppol.xml" not in page and "egen regi avräknas internt" in page
    assert client.get(f"/avrakning/visa/{own_id}/peppol.xml").status_code == 404
    period = client.get("/avrakning/2026-03").get_data(as_text=True)
    assert period.count("peppol.xml") == 1


def test_sie_books_the_own_unit_between_the_municipalitys_own_accounts(app, session):
    from app.settlement.documents import load_documents, settings_from_config
    from app.settlement.documents.sie import build_sie

    own_unit_and_company(session)
    settings = settings_from_config(app.config)
    own = documents_of(app, session, "2026-03", ORG_A)
    text = build_sie(load_documents(session, settings, period="2026-03"), settings,
                     own.issue_date).decode("cp437")
    voucher = text.split("Intern avräkning")[1].split("\r\n}")[0]
    amount = str(own.total_excl_vat)
    assert f"#TRANS 4619 {{}} {amount}" in voucher and f"#TRANS 3619 {{}} -{amount}" in voucher
    assert "2440" not in voucher and "#KONTO 3619" in text


@needs_pdftotext
def test_the_internal_document_is_no_invoice(app, session):
    from app.settlement.documents.pdf import render_pdf

    own_unit_and_company(session)
    pdf = render_pdf(documents_of(app, session, "2026-03", ORG_A))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "own-unit-internal-settlement.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-singlefile",
                        str(ARTIFACTS / "own-unit-internal-settlement.pdf"),
                        str(ARTIFACTS / "own-unit-internal-settlement")], check=True)
    text = pdf_text(pdf)
    assert "INTERN AVRÄKNING" in text and "Egen regi inom kommunen" in text
    assert "faktura" not in text.lower().replace("ingen faktura skickas", "")
    assert "Att betala" not in text and "Förfallodatum" not in text
