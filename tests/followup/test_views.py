"""The dashboard, targets and outside figures, and the key-figure CSV as a person sees them."""
from __future__ import annotations

import re
from decimal import Decimal

from app.exchange.importer import import_document
from app.followup import service
from tests.followup.helpers import bonus_document
from tests.tasks.helpers import follow


def load(session) -> None:
    import_document(session, bonus_document())
    session.commit()


def test_dashboard_hides_groups_under_five_and_shows_charts_with_tables(client, auth, session):
    load(session)
    auth.login("finance")
    page = client.get("/uppfoljning/?year=2026&through=2026-06&dimension=provider")
    assert page.status_code == 200
    text = page.text
    assert "Aktiva placeringar" in text and 'role="img"' in text and "<table>" in text
    assert "&lt;5" in text  # two placements: every non-zero count is hidden
    assert "Arbetsvägen AB" in text
    assert "Målen" not in text and "/uppfoljning/mal" not in text  # finance may not enter targets


def test_figures_csv_writes_hidden_cells_as_under_five(client, auth, session):
    load(session)
    auth.login("admin")
    response = client.get("/uppfoljning/nyckeltal.csv?year=2026&through=2026-04")
    rows = response.data.decode("utf-8-sig").splitlines()
    assert rows[0] == "nyckeltal;grupp;2026-01;2026-02;2026-03;2026-04;hittills i år"
    assert "Aktiva placeringar;Totalt;0;0;<5;<5;<5" in rows
    assert not any(";2;" in row or row.endswith(";2") for row in rows if row.startswith("Aktiva"))


def test_admin_enters_targets_and_outside_figures_and_the_chart_draws_the_target(client, auth, session):
    auth.login("admin")
    response = client.post("/uppfoljning/mal?year=2026", data={
        "year": "2026", "target-active": "40", "target-households_forsorjningsstod": "1200",
        "ext-households_forsorjningsstod-2026-01": "1310", "ext-local_unemployment-2026-02": "6,4"})
    assert response.status_code == 302
    assert service.targets(session, 2026) == {"active": Decimal("40.00"),
                                              "households_forsorjningsstod": Decimal("1200.00")}
    assert service.external_figures(session, 2026) == {
        "households_forsorjningsstod": {"2026-01": Decimal("1310.00")},
        "local_unemployment": {"2026-02": Decimal("6.40")}}
    page = client.get("/uppfoljning/?year=2026&through=2026-03").text
    assert "mål 2026" in page and 'stroke-dasharray="8 4"' in page
    form = client.get("/uppfoljning/mal?year=2026").text
    assert 'value="1310.00"' in form


def test_targets_form_names_the_bad_field(client, auth):
    auth.login("admin")
    response = client.post("/uppfoljning/mal?year=2026", data={"target-active": "många"})
    assert response.status_code == 400 and "ange ett belopp" in response.text


def test_blank_removes_a_target(session):
    service.set_targets(session, 2026, {"active": Decimal("5")})
    service.set_targets(session, 2026, {"active": None})
    assert service.targets(session, 2026) == {}


def test_committee_report_is_a_pdf_with_the_figures(client, auth, session):
    load(session)
    service.set_targets(session, 2026, {"active": Decimal("40")})
    session.commit()
    auth.login("finance")
    page = follow(client, client.post("/uppfoljning/rapport", data={"through": "2026-04"}))
    assert page.status_code == 200 and "Rapporten för 2026-04 är klar" in page.text
    link = re.search(r'href="(/jobb/\d+/fil)"', page.text).group(1)
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_committee_report_html_has_targets_and_hidden_groups(app, session):
    from datetime import date

    from flask import render_template

    from app.followup.report import report_context

    load(session)
    service.set_targets(session, 2026, {"active": Decimal("40")})
    with app.test_request_context():
        html = render_template("followup/report.html", **report_context(session, "2026-04", date(2026, 11, 24)))
    assert "Månadsrapport till socialnämnden, 2026-04" in html
    assert "mål 2026" in html and "&lt;5" in html and "Budget 2026 mot ram" in html


def test_xlsx_exports_have_the_same_rows_as_csv(client, auth, session):
    import io
    import zipfile

    load(session)
    auth.login("finance")
    for url in ("/uppfoljning/nyckeltal.xlsx?year=2026&through=2026-04", "/uppfoljning/budget.xlsx?year=2026"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
        book = zipfile.ZipFile(io.BytesIO(response.data))
        strings = book.read("xl/sharedStrings.xml").decode()
        assert ("&lt;5" in strings and "Aktiva placeringar" in strings) or "prognos" in strings
