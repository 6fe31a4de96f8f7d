"""CSV exports never hand a spreadsheet a formula: text starting with =, +, - or @ gets a leading '."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.common.spreadsheet import safe_cell
from app.followup.export import to_csv


@pytest.mark.parametrize(("value", "written"), [
    ('=HYPERLINK("http://evil.example","Klicka")', '\'=HYPERLINK("http://evil.example","Klicka")'),
    ("+46 70 123", "'+46 70 123"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"),
    ("-12,50", "-12,50"), ("+5", "+5"), ("-3.5", "-3.5"), ("Arbetsvägen AB", "Arbetsvägen AB"),
    ("<5", "<5"), (7, 7),
])
def test_formula_like_text_is_written_as_text_and_numbers_stay(value, written):
    assert safe_cell(value) == written


def test_the_followup_csv_escapes_a_provider_named_like_a_formula():
    text = to_csv([["nyckeltal", "grupp"], ["Aktiva", "=HYPERLINK(\"x\")", Decimal("-1.50"), 3]])
    assert "Aktiva;\"'=HYPERLINK" in text and ";-1,50;3" in text


def test_the_key_figures_csv_by_provider_escapes_the_name(client, auth, session):
    from app.exchange.importer import import_document
    from tests.followup.helpers import bonus_document

    doc = bonus_document()
    doc["providers"][0]["name"] = "=HYPERLINK(\"http://evil.example\")"
    import_document(session, doc)
    session.commit()
    auth.login("admin")
    response = client.get("/uppfoljning/nyckeltal.csv?year=2026&through=2026-04&dimension=provider")
    text = response.data.decode("utf-8-sig")
    assert "=HYPERLINK" in text
    assert not any(cell.lstrip("\"").startswith("=") for row in text.splitlines() for cell in row.split(";"))
