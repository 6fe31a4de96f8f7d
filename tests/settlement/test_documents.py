"""Settlement documents: the PDF, Peppol BIS Billing 3.0 (checked with the official rules) and SIE 4I.

The Peppol rules are the compiled Schematron of /work/shared/peppol (../shared/peppol from the
project root); those tests are skipped when it is absent. A document passes when no stylesheet
reports a fatal finding. A self-billing document follows the Peppol self-billing specification,
so the billing stylesheet may only object to its specification and profile identifiers (and
the self-billing stylesheet likewise to a billing document's); everything else, the Swedish
rules included, must pass on both.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import event, select

from app.exchange.importer import import_document
from app.providers.models import Provider
from app.settlement import service
from app.settlement.documents import load_documents, settings_from_config
from app.settlement.documents.peppol import build_peppol
from app.settlement.documents.sie import build_sie
from app.settlement.models import Settlement
from tests.conftest import ROOT
from tests.settlement.helpers import ORG_A, ORG_B, attendance, base_document
from tests.tasks.helpers import follow

PEPPOL_DIR = ROOT.parent / "shared" / "peppol"
STYLESHEETS = ("CEN-EN16931-UBL.xslt", "PEPPOL-EN16931-UBL.xslt", "PEPPOL-EN16931-UBL-SB.xslt")
SPECIFICATION_RULES = {"PEPPOL-EN16931-R004", "PEPPOL-EN16931-R007"}
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
UBL = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
       "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}
# The clients of helpers.base_document, and every way their personnummer could be written.
PERSONAL_IDS = ("19850315-9645", "198503159645", "850315-9645", "8503159645",
                "19920826-4177", "199208264177", "920826-4177", "9208264177")
NAME_PARTS = ("Anna", "Andersson", "Bashir", "Ali")
SIE_FIELD = re.compile(r'"((?:[^"\\]|\\.)*)"|(\{[^}]*\}|[^\s"]+)')  # a quoted string, {objects} or a word

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


# --- Validation with the official rules (compiled once per test session) -------------------------


@pytest.fixture(scope="session")
def peppol_rules():
    """Checks a UBL document with each stylesheet; returns {stylesheet: [(rule, text), ...]} of
    fatal findings."""
    if not PEPPOL_DIR.is_dir():
        pytest.skip(f"Peppol rules not found in {PEPPOL_DIR}")
    saxonche = pytest.importorskip("saxonche")
    with saxonche.PySaxonProcessor(license=False) as proc:
        compiled = {name: proc.new_xslt30_processor().compile_stylesheet(
            stylesheet_file=str(PEPPOL_DIR / name)) for name in STYLESHEETS}

        def check(xml: bytes) -> dict[str, list[tuple[str, str]]]:
            node = proc.parse_xml(xml_text=xml.decode("utf-8"))
            findings = {}
            for name, xslt in compiled.items():
                report = etree.fromstring(xslt.transform_to_string(xdm_node=node).encode("utf-8"))
                findings[name] = [
                    (f.get("id") or "", " ".join(f.findtext("svrl:text", "", SVRL).split()))
                    for f in report.xpath('//svrl:failed-assert[@flag="fatal"]', namespaces=SVRL)]
            return findings

        yield check


def assert_passes_official_rules(check, xml: bytes, self_billing: bool) -> None:
    findings = check(xml)
    own, other = (("PEPPOL-EN16931-UBL-SB.xslt", "PEPPOL-EN16931-UBL.xslt") if self_billing
                  else ("PEPPOL-EN16931-UBL.xslt", "PEPPOL-EN16931-UBL-SB.xslt"))
    assert findings["CEN-EN16931-UBL.xslt"] == []
    assert findings[own] == []
    assert {rule for rule, _ in findings[other]} <= SPECIFICATION_RULES, findings[other]


# --- Data: built through the import, as the cases are ----------------------------------------------


def documented(cap: str | None = None, vat_rate: int = 25, self_billing: bool = False) -> dict:
    """base_document() with what documents need of the providers: addresses, VAT, F-skatt, giro."""
    doc = base_document(vat_rate=vat_rate, cap=cap)
    doc["providers"][0].update(address="Sickla Industriväg 7", postal_code="131 54", city="Nacka",
                               f_skatt=True, bankgiro="5050-1055", self_billing=self_billing,
                               email="info@arbetsvagen.example")
    if vat_rate:
        doc["providers"][0]["vat_number"] = "SE556677889901"
    doc["providers"][1].update(address="Fisksätra torg 10", postal_code="133 41", city="Saltsjöbaden",
                               f_skatt=True, plusgiro="4711-8", vat_number="SE559123456101")
    return doc


def load(session, doc: dict) -> None:
    import_document(session, doc)
    session.commit()


def settle(session, period: str, provider: str | None = None) -> None:
    service.run_period(session, period, provider)
    service.approve_period(session, period, provider)
    session.commit()


def documents_of(app, session, period: str, org_nr: str = ORG_A, approved_only: bool = True):
    settings = settings_from_config(app.config)
    return {d.seller.org_nr: d for d in load_documents(session, settings, period=period,
                                                       approved_only=approved_only)}.get(org_nr)


def number_of(session, period: str, org_nr: str = ORG_A) -> str:
    from app.providers.models import Provider

    return session.execute(select(Settlement.number).join(Provider, Provider.id == Settlement.provider_id)
                           .where(Settlement.period == period, Provider.org_nr == org_nr)).scalar_one()


def mixed_rates(session) -> None:
    """March approved; then March is corrected down and April has lines at 25, 6 and 0 %."""
    doc = documented()
    doc["offerings"] += [
        {"ref": "O3", "provider": "P1", "service_type": "arbetstraning", "title": "Arbetsträning i verkstad",
         "rate_unit": "day", "rate": "950.00", "vat_rate": 0, "capacity": 10},
        {"ref": "O4", "provider": "P1", "service_type": "utredning", "title": "Utredning",
         "rate_unit": "package", "rate": "15000.00", "vat_rate": 6, "capacity": 10, "start_share": 40}]
    doc["referrals"] += [
        {"ref": "R3", "client": "C2", "service_type": "arbetstraning", "decided_on": "2026-02-20",
         "valid_from": "2026-03-01", "valid_to": "2026-12-31", "max_hours_per_week": None},
        {"ref": "R4", "client": "C1", "service_type": "utredning", "decided_on": "2026-02-20",
         "valid_from": "2026-03-01", "valid_to": "2026-12-31", "max_hours_per_week": None}]
    doc["placements"] += [
        {"ref": "PL3", "referral": "R3", "offering": "O3", "chosen_by": "client", "start_date": "2026-04-01",
         "ended_on": None, "end_reason": None},
        {"ref": "PL4", "referral": "R4", "offering": "O4", "chosen_by": "client", "start_date": "2026-04-01",
         "ended_on": None, "end_reason": None}]
    doc["attendance"] = attendance("PL1", "2026-03-02", 10)
    load(session, doc)
    settle(session, "2026-03", ORG_A)
    late = [dict(row, status="absent", hours="0") for row in attendance("PL1", "2026-03-02", 2)]
    load(session, {"attendance": late + attendance("PL1", "2026-04-01", 5) + attendance("PL3", "2026-04-01", 4)
                   + attendance("PL4", "2026-04-02", 1)})
    settle(session, "2026-04", ORG_A)


def credit_note(session, self_billing: bool = False) -> None:
    """March approved with ten days; every one of them later reported absent: April credits it."""
    doc = documented(self_billing=self_billing)
    doc["attendance"] = attendance("PL1", "2026-03-02", 10)
    load(session, doc)
    settle(session, "2026-03", ORG_A)
    load(session, {"attendance": [dict(row, status="absent", hours="0")
                                  for row in attendance("PL1", "2026-03-02", 10)]})
    settle(session, "2026-04", ORG_A)


def simple(session, vat_rate: int = 25, self_billing: bool = False) -> None:
    doc = documented(vat_rate=vat_rate, self_billing=self_billing)
    doc["attendance"] = attendance("PL1", "2026-03-02", 10) + attendance("PL2", "2026-03-02", 3)
    load(session, doc)
    settle(session, "2026-03")


SCENARIOS = {
    "invoice-vat-25": (lambda s: simple(s, 25), "2026-03"),
    "invoice-vat-0-exempt": (lambda s: simple(s, 0), "2026-03"),
    "invoice-mixed-rates-with-negative-line": (mixed_rates, "2026-04"),
    "self-billing-invoice": (lambda s: simple(s, 25, self_billing=True), "2026-03"),
    "credit-note": (credit_note, "2026-04"),
    "self-billing-credit-note": (lambda s: credit_note(s, self_billing=True), "2026-04"),
}


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, with spaces normalised."""
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")
    return re.sub(r"[ \u00a0\u202f\u2009]+", " ", text).replace("\u2212", "-")


def money_text(amount: Decimal) -> str:
    from app.common.i18n import fmt_money

    return re.sub(r"[\u00a0\u202f]", " ", fmt_money(amount, "sv")).replace("\u2212", "-")


# --- PDF -----------------------------------------------------------------------------------------


@needs_pdftotext
def test_pdf_shows_what_a_swedish_invoice_must(app, session):
    from app.settlement.documents.pdf import render_pdf

    mixed_rates(session)
    doc = documents_of(app, session, "2026-04")
    text = pdf_text(render_pdf(doc))

    assert "AVRÄKNING" in text and doc.number in text and doc.issue_date.isoformat() in text
    assert "2026-04-01 – 2026-04-30" in text
    for must in ("Arbetsvägen AB", ORG_A, "SE556677889901", "Sickla Industriväg 7", "131 54 Nacka",
                 "Godkänd för F-skatt", "5050-1055",
                 app.config["MUNICIPALITY_NAME"], app.config["MUNICIPALITY_ORG_NR"],
                 app.config["MUNICIPALITY_VAT_NUMBER"], app.config["MUNICIPALITY_ADDRESS"]):
        assert must in text, must
    rates = {g.rate: g for g in doc.vat_groups}
    assert set(rates) == {25, 6, 0}
    for group in rates.values():
        assert f"{group.rate} %" in text
        assert money_text(group.taxable) in text and money_text(group.vat) in text
    assert "undantagen" in text and "mervärdesskattelagen" in text  # why 0 % is exempt
    for total in (doc.total_excl_vat, doc.total_vat, doc.total_incl_vat):
        assert money_text(total) in text
    march = number_of(session, "2026-03")
    assert f"Avräkningen justerar {march} (period 2026-03)" in text
    for line in doc.lines:  # every line with quantity, unit price and amount
        assert re.search(rf"{line.placement_ref}\s+{re.escape(line.client_initials)}.*"
                         rf"{re.escape(money_text(line.amount)[:-3])}", text), line


def test_pdf_keeps_its_outline_and_table_layout_with_its_own_user_agent_stylesheet(app, session):
    """The document replaces WeasyPrint's HTML5 user-agent stylesheet with a short one
    (avrakning-ua.css); the PDF's outline (from h1/h2) and its table layout come from it."""
    from app.settlement.documents.pdf import _weasyprint, render_html

    mixed_rates(session)
    doc = documents_of(app, session, "2026-04")
    html, stylesheet, fonts = _weasyprint()
    rendered = html(string=render_html(doc)).render(stylesheets=[stylesheet], font_config=fonts)
    outline = rendered.make_bookmark_tree()
    assert [label for label, *_ in outline] == ["AVRÄKNING"]  # (label, target, children, state)
    assert [label for label, *_ in outline[0][2]] == ["Utförare (säljare)", "Köpare"]
    first_page = rendered.pages[0]._page_box
    tables = [box for box in first_page.descendants() if box.element_tag == "table"
              and type(box).__name__ == "TableBox"]
    assert len(tables) >= 4  # head, parties, lines, summary laid out as tables, not as text


@needs_pdftotext
def test_credit_note_pdf_names_the_settlement_it_corrects(app, session):
    from app.settlement.documents.pdf import render_pdf

    credit_note(session)
    doc = documents_of(app, session, "2026-04")
    assert doc.credit_note and doc.total_incl_vat < 0
    text = pdf_text(render_pdf(doc))
    march = number_of(session, "2026-03")
    assert "KREDITNOTA" in text and doc.number in text
    assert f"Korrigerar {march}" in text
    assert f"Kreditnotan korrigerar {march} (period 2026-03)" in text
    assert f"Att kreditera {money_text(doc.total_incl_vat)}" in text


# --- Peppol --------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_peppol_document_passes_the_official_rules(app, session, peppol_rules, scenario):
    build, period = SCENARIOS[scenario]
    build(session)
    doc = documents_of(app, session, period)
    xml = build_peppol(doc)
    assert_passes_official_rules(peppol_rules, xml, doc.self_billing)

    root = etree.fromstring(xml)
    code = root.findtext("cbc:InvoiceTypeCode", None, UBL) or root.findtext("cbc:CreditNoteTypeCode", None, UBL)
    expected = {(False, False): "380", (False, True): "381", (True, False): "389", (True, True): "261"}
    assert code == expected[(doc.self_billing, doc.credit_note)]
    assert root.findtext("cbc:BuyerReference", None, UBL) == doc.number
    assert root.findtext("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", None, UBL) == "5566778899"
    assert root.find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", UBL).get("schemeID") == "0007"
    assert "Godkänd för F-skatt" in root.xpath(
        "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='TAX']/cbc:CompanyID/text()",
        namespaces=UBL)
    payable = Decimal(root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", None, UBL))
    assert payable == abs(doc.total_incl_vat)
    if doc.credit_note or doc.corrections:
        assert root.xpath("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID/text()",
                          namespaces=UBL) == [number_of(session, "2026-03")]
    for category in root.xpath("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory[cbc:ID='E']", namespaces=UBL):
        assert category.findtext("cbc:TaxExemptionReason", None, UBL)


def test_an_invoice_with_a_negative_line_keeps_prices_positive(app, session):
    mixed_rates(session)
    root = etree.fromstring(build_peppol(documents_of(app, session, "2026-04")))
    quantities = [Decimal(q) for q in root.xpath("cac:InvoiceLine/cbc:InvoicedQuantity/text()", namespaces=UBL)]
    prices = [Decimal(p) for p in root.xpath("cac:InvoiceLine/cac:Price/cbc:PriceAmount/text()", namespaces=UBL)]
    assert any(q < 0 for q in quantities) and all(p >= 0 for p in prices)


def test_only_approved_settlements_become_peppol_documents(app, session):
    doc = documented()
    doc["attendance"] = attendance("PL1", "2026-03-02", 3)
    load(session, doc)
    service.run_period(session, "2026-03")
    session.commit()
    draft = documents_of(app, session, "2026-03", approved_only=False)
    with pytest.raises(ValueError):
        build_peppol(draft)


# --- SIE -----------------------------------------------------------------------------------------


def parse_sie(data: bytes) -> tuple[list[list[str]], list[tuple[list[str], list[list[str]]]]]:
    """(header records, [(#VER fields, [#TRANS fields])]) of a SIE file, read as CP437."""
    text = data.decode("cp437")
    assert "\ufffd" not in text
    header, vouchers, current = [], [], None
    for raw in text.splitlines():
        fields = [m.group(1).replace('\\"', '"') if m.group(1) is not None else m.group(2)
                  for m in SIE_FIELD.finditer(raw)]
        if not fields:
            continue
        if fields[0] == "#VER":
            current = (fields, [])
            vouchers.append(current)
        elif fields[0] == "#TRANS":
            current[1].append(fields)
        elif fields[0] in ("{", "}"):
            continue
        else:
            header.append(fields)
    return header, vouchers


def test_sie_file_reads_back_with_every_voucher_balanced(app, session):
    doc = documented()
    doc["offerings"].append({"ref": "O3", "provider": "P1", "service_type": "arbetstraning", "title": "Verkstad",
                             "rate_unit": "day", "rate": "333.33", "vat_rate": 25, "capacity": 5})
    doc["referrals"].append({"ref": "R3", "client": "C2", "service_type": "arbetstraning",
                             "decided_on": "2026-02-20", "valid_from": "2026-03-01", "valid_to": "2026-12-31",
                             "max_hours_per_week": None})
    doc["placements"].append({"ref": "PL3", "referral": "R3", "offering": "O3", "chosen_by": "client",
                              "start_date": "2026-03-02", "ended_on": None, "end_reason": None})
    doc["attendance"] = (attendance("PL1", "2026-03-02", 7, hours="7.75") + attendance("PL2", "2026-03-02", 3)
                         + attendance("PL3", "2026-03-02", 5))
    load(session, doc)
    settle(session, "2026-03")
    app.config["SIE_COST_ACCOUNTS"] = {"praktik": "4650", "arbetstraning": "4660"}
    settings = settings_from_config(app.config)
    docs = load_documents(session, settings, period="2026-03")

    header, vouchers = parse_sie(build_sie(docs, settings, date(2026, 4, 5)))

    labels = [record[0] for record in header]
    assert labels[:5] == ["#FLAGGA", "#PROGRAM", "#FORMAT", "#GEN", "#SIETYP"]
    assert ["#FORMAT", "PC8"] in header and ["#SIETYP", "4"] in header and ["#GEN", "20260405"] in header
    assert ["#FNAMN", app.config["MUNICIPALITY_NAME"]] in header
    assert ["#KONTO", "2440", "Leverantörsskulder"] in header
    assert len(vouchers) == len(docs) == 2
    for (ver, transactions), settlement in zip(vouchers, docs, strict=True):
        assert settlement.number in ver[4]
        amounts = {t[1]: Decimal(t[3]) for t in transactions}
        assert sum(amounts.values()) == Decimal("0.00")  # balanced to the öre
        assert amounts["2440"] == -settlement.total_incl_vat
        assert amounts["2641"] == settlement.total_vat
    first = dict((t[1], Decimal(t[3])) for t in vouchers[0][1])
    assert set(first) == {"4650", "4660", "2641", "2440"}


def test_sie_credit_note_reverses_the_signs(app, session):
    credit_note(session)
    settings = settings_from_config(app.config)
    docs = load_documents(session, settings, period="2026-04")
    _, [(ver, transactions)] = parse_sie(build_sie(docs, settings, date(2026, 5, 5)))
    amounts = {t[1]: Decimal(t[3]) for t in transactions}
    assert "Kreditnota" in ver[4]
    assert amounts["2440"] > 0 and amounts["4613"] < 0 and sum(amounts.values()) == 0


# --- No personal data anywhere -------------------------------------------------------------------


@needs_pdftotext
def test_no_document_contains_a_personnummer_or_a_full_name(app, session):
    from app.settlement.documents.pdf import render_pdf

    mixed_rates(session)
    settings = settings_from_config(app.config)
    docs = load_documents(session, settings, period="2026-04") + load_documents(session, settings,
                                                                               period="2026-03")
    texts = []
    for doc in docs:
        texts += [pdf_text(render_pdf(doc)), build_peppol(doc).decode("utf-8")]
    texts.append(build_sie(docs, settings, date(2026, 5, 5)).decode("cp437"))
    for text in texts:
        digits = re.sub(r"\D", "", text)
        for personal_id in PERSONAL_IDS:
            assert personal_id not in text and personal_id.replace("-", "") not in digits
        for part in NAME_PARTS:
            assert not re.search(rf"\b{part}\b", text), part
    assert all("A.A." in text for text in texts[:-1])  # clients appear by initials only


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_exports_pdf_peppol_and_sie(app, session, runner, tmp_path):
    simple(session)
    load(session, {"attendance": attendance("PL1", "2026-04-01", 2)})
    service.run_period(session, "2026-04")
    session.commit()
    march = [number_of(session, "2026-03", ORG_A), number_of(session, "2026-03", ORG_B)]

    result = runner.invoke(args=["settlement", "export", "--period", "2026-03", "--format", "pdf",
                                 "--out", str(tmp_path / "pdf"), "--folder"])
    assert result.exit_code == 0, result.output
    pdfs = sorted((tmp_path / "pdf").iterdir())
    assert [p.name for p in pdfs] == [f"{march[0]}-5566778899.pdf", f"{march[1]}-5591234561.pdf"]
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)

    result = runner.invoke(args=["settlement", "export", "--period", "2026-03", "--format", "peppol",
                                 "--out", str(tmp_path / "peppol.zip")])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "peppol.zip") as archive:
        assert archive.namelist() == [f"{march[0]}-5566778899.xml", f"{march[1]}-5591234561.xml"]
        for name in archive.namelist():
            assert etree.fromstring(archive.read(name)).findtext("cbc:ID", None, UBL) in march

    result = runner.invoke(args=["settlement", "export", "--period", "2026-03", "--format", "sie"])
    assert result.exit_code == 0
    _, vouchers = parse_sie(result.stdout_bytes)
    assert len(vouchers) == 2

    result = runner.invoke(args=["settlement", "export", "--period", "2026-04", "--format", "pdf",
                                 "--out", str(tmp_path / "april"), "--folder"])
    assert result.exit_code == 0
    assert f"utkast får inga dokument: {ORG_A}" in result.stderr
    assert not (tmp_path / "april").exists()

    result = runner.invoke(args=["settlement", "export", "--period", "2026-03", "--format", "peppol"])
    assert result.exit_code == 1 and result.stderr.startswith("out: ")


# --- Pages ---------------------------------------------------------------------------------------


def test_finance_downloads_each_document_from_the_pages(app, session, client, auth):
    simple(session)
    load(session, {"attendance": attendance("PL1", "2026-04-01", 2)})
    service.run_period(session, "2026-04")
    session.commit()
    approved = session.execute(select(Settlement).where(Settlement.period == "2026-03")).scalars().first()
    draft = session.execute(select(Settlement).where(Settlement.period == "2026-04")).scalar_one()
    session.commit()  # ends the read transaction, which holds SQLite's write lock
    auth.login("finance")

    page = client.get(f"/avrakning/visa/{approved.id}").get_data(as_text=True)
    for link in (f"/avrakning/visa/{approved.id}/avrakning.pdf", f"/avrakning/visa/{approved.id}/peppol.xml",
                 "/avrakning/2026-03/sie.se"):
        assert link in page
    assert "/avrakning/2026-03/sie.se" in client.get("/avrakning/2026-03").get_data(as_text=True)

    pdf = client.get(f"/avrakning/visa/{approved.id}/avrakning.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert approved.number in pdf.headers["Content-Disposition"]
    xml = client.get(f"/avrakning/visa/{approved.id}/peppol.xml")
    assert xml.status_code == 200 and etree.fromstring(xml.data).findtext("cbc:ID", None, UBL) == approved.number
    sie = client.get("/avrakning/2026-03/sie.se")
    assert sie.status_code == 200 and len(parse_sie(sie.data)[1]) == 2

    assert client.get(f"/avrakning/visa/{draft.id}/avrakning.pdf").status_code == 409
    assert client.get(f"/avrakning/visa/{draft.id}/peppol.xml").status_code == 409
    assert client.get("/avrakning/visa/99999/avrakning.pdf").status_code == 404
    assert client.get("/avrakning/2026-04/sie.se").status_code == 404


def test_provider_users_cannot_download_settlement_documents(app, session, client, auth):
    simple(session)
    approved = session.execute(select(Settlement).where(Settlement.period == "2026-03")).scalars().first()
    session.commit()
    auth.login("provider", provider_org_nr=ORG_A)
    for url in (f"/avrakning/visa/{approved.id}/avrakning.pdf", f"/avrakning/visa/{approved.id}/peppol.xml",
                "/avrakning/2026-03/sie.se"):
        assert client.get(url).status_code == 403


# --- Loading and rendering in bulk ---------------------------------------------------------------


def test_a_month_of_documents_is_loaded_in_three_queries(app, session):
    doc = documented()
    doc["attendance"] = attendance("PL1", "2026-03-02", 10) + attendance("PL2", "2026-03-02", 10)
    load(session, doc)
    settle(session, "2026-03")
    statements = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        docs = load_documents(session, settings_from_config(app.config), period="2026-03")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(docs) == 2 and len(statements) <= 3


def test_many_pdfs_are_rendered_on_worker_processes_in_order():
    from app.config import Config
    from app.settlement.documents import DocumentLine, Party, SettlementDocument
    from app.settlement.documents.pdf import render_pdfs

    settings = settings_from_config({k: getattr(Config, k) for k in dir(Config) if k.isupper()})
    line = DocumentLine("PL1", "A.A.", "praktik", "hours", Decimal("8.00"), Decimal("100.00"),
                        Decimal("800.00"), 25, Decimal("200.00"))
    docs = [SettlementDocument(
        settlement_id=n, number=f"AV-2026-{n:05d}", period="2026-03", status="approved",
        credit_note=False, self_billing=False, issue_date=date(2026, 4, 2), due_date=date(2026, 5, 2),
        seller=Party("Arbetsvägen AB", ORG_A), buyer=settings.buyer, lines=(line,),
        total_excl_vat=Decimal("800.00"), total_vat=Decimal("200.00"), total_incl_vat=Decimal("1000.00"))
        for n in range(1, 4)]
    rendered = list(render_pdfs(docs, workers=2))
    assert [d.number for d, _ in rendered] == [d.number for d in docs]
    assert all(pdf.startswith(b"%PDF") for _, pdf in rendered)
    if shutil.which("pdftotext"):
        assert all(doc.number in pdf_text(pdf) for doc, pdf in rendered)


def test_line_table_fits_the_text_width_of_a4():
    from app.settlement.documents.pdf import table_header, table_width

    assert table_width() <= 121 and len(table_header()) <= table_width()


# --- The demo month, end to end ------------------------------------------------------------------


def test_demo_month_approved_by_finance_gives_valid_documents(app, session, client, auth, runner,
                                                              peppol_rules, tmp_path):
    import json

    load(session, json.loads((ROOT / "providers_seed" / "demo.json").read_text(encoding="utf-8")))
    auth.login("finance")
    assert "Körningen är klar" in follow(client, client.post("/avrakning/2026-10/kor")).text
    assert client.post("/avrakning/2026-10/godkann", data={"confirm": "yes"}).status_code == 302
    settlements = session.execute(select(Settlement).where(Settlement.period == "2026-10")).scalars().all()
    session.commit()
    assert settlements and all(s.status == "approved" for s in settlements)

    own_unit = {p.id for p in session.execute(select(Provider).where(Provider.kind == "own_unit")).scalars()}
    assert own_unit  # the demo's own unit is settled internally: no Peppol file for it
    for settlement in settlements:
        page = client.get(f"/avrakning/visa/{settlement.id}").get_data(as_text=True)
        if settlement.provider_id in own_unit:
            assert f"/avrakning/visa/{settlement.id}/peppol.xml" not in page
            continue
        assert f"/avrakning/visa/{settlement.id}/peppol.xml" in page
        xml = client.get(f"/avrakning/visa/{settlement.id}/peppol.xml")
        assert xml.status_code == 200
        assert_passes_official_rules(peppol_rules, xml.data, self_billing=False)
    pdf = client.get(f"/avrakning/visa/{settlements[0].id}/avrakning.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    _, vouchers = parse_sie(client.get("/avrakning/2026-10/sie.se").data)
    assert len(vouchers) == len(settlements)
    assert all(sum(Decimal(t[3]) for t in transactions) == 0 for _, transactions in vouchers)

    result = runner.invoke(args=["settlement", "export", "--period", "2026-10", "--format", "pdf",
                                 "--out", str(tmp_path / "pdf.zip")])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "pdf.zip") as archive:
        assert len(archive.namelist()) == len(settlements)
