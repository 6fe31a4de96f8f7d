"""The provider portal in Chromium: apply, approval, colleague, offering, month grid, result, API."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import expect
from sqlmodel import select

from tests.browser.conftest import login, shot
from tests.conftest import PASSWORD
from tests.providers.factories import ORG_A, ORG_B, PDF, png_bytes, portal_document

ORG = "556036-0793"


def _link(live_server, email: str | None = None, provider_name: str | None = None) -> str:
    from app.notifications.models import Notification
    from app.providers.models import Provider

    with live_server.session() as session:
        stmt = select(Notification).order_by(Notification.id.desc())
        if email:
            stmt = stmt.where(Notification.email == email)
        else:
            pid = session.exec(select(Provider.id).where(Provider.name == provider_name)).one()
            stmt = stmt.where(Notification.provider_id == pid)
        body = session.exec(stmt).first().body
    return "/anordnare/inbjudan/" + body.rsplit("/anordnare/inbjudan/", 1)[1].split()[0]


def _files(tmp_path: Path) -> dict[str, Path]:
    pdf = tmp_path / "intyg.pdf"
    pdf.write_bytes(PDF)
    png = tmp_path / "forsakring.png"
    png.write_bytes(png_bytes())
    return {"pdf": pdf, "png": png}


def _fill_application(page, files) -> None:
    page.get_by_label("Organisationsnummer").fill(ORG)
    page.get_by_label("Organisationens namn").fill("Språngbrädan ek. för.")
    page.get_by_label("Gatuadress").fill("Storgatan 2")
    page.get_by_label("Postnummer").fill("123 45")
    page.get_by_label("Ort").fill("Exempelby")
    page.get_by_label("Kontaktperson").fill("Maja Berg")
    page.get_by_label("E-postadress").fill("maja@sprangbradan.example")
    page.get_by_label("Bankgiro").fill("5050-1055")
    page.get_by_label("Vi är godkända för F-skatt").check()
    page.get_by_label("Ansvarsförsäkring (bolag och nummer)").fill("Folksam 123-456")
    page.get_by_label("Praktik").check()
    page.get_by_label("Beskriv verksamheten").fill("Café och second hand.")
    for kind, label, expiry in [("pdf", "F-skattebevis", "F-skattebevis gäller till"),
                                ("pdf", "Registreringsbevis", "Registreringsbevis gäller till"),
                                ("png", "Försäkringsbevis", "Försäkringen gäller till"),
                                ("pdf", "Kreditupplysning", "Kreditupplysningen gäller till")]:
        page.get_by_label(f"{label} (krävs)", exact=True).set_input_files(str(files[kind]))
        page.get_by_label(expiry).fill("2027-06-30")


def test_apply_approve_invite_and_offer(live_server, page, phone_page, tmp_path):
    files = _files(tmp_path)
    phone_page.goto(f"{live_server.url}/anordnare/ansok")
    shot(phone_page, "provider-application-phone")
    page.goto(f"{live_server.url}/anordnare/ansok")
    shot(page, "provider-application-desktop")
    # A wrong org number is named beside the field and nothing is lost.
    _fill_application(page, files)
    page.get_by_label("Organisationsnummer").fill("556677-8890")
    page.get_by_role("button", name="Skicka ansökan").click()
    expect(page.get_by_text("ogiltigt organisationsnummer", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Organisationsnummer: ogiltigt organisationsnummer")).to_be_visible()
    shot(page, "provider-application-error-desktop")
    # The chosen files are held on the server: only the org number needs fixing.
    expect(page.get_by_text("Redan bifogad: intyg.pdf")).to_have_count(3)
    expect(page.get_by_text("Redan bifogad: forsakring.png")).to_be_visible()
    page.get_by_label("Organisationsnummer").fill(ORG)
    page.get_by_role("button", name="Skicka ansökan").click()
    expect(page.get_by_role("heading", name="Tack, ansökan är skickad")).to_be_visible()

    live_server.user("admin")
    login(page, live_server.url, "admin@test.example")
    page.goto(f"{live_server.url}/admin/anordnare/")
    page.get_by_role("link", name="Språngbrädan ek. för.").click()
    page.get_by_label("Beslut").select_option("approve")
    page.get_by_role("button", name="Registrera beslut").click()
    expect(page.get_by_text("Beslutet är registrerat")).to_be_visible()
    page.get_by_role("button", name="Logga ut").click()

    page.goto(live_server.url + _link(live_server, provider_name="Språngbrädan ek. för."))
    page.get_by_label("Ditt namn").fill("Maja Berg")
    page.get_by_label("Välj ett lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Skapa konto").click()
    login(page, live_server.url, "maja@sprangbradan.example")
    page.goto(f"{live_server.url}/anordnare/")
    page.get_by_label("Kollegans e-postadress").fill("olle@sprangbradan.example")
    page.get_by_role("button", name="Skicka inbjudan").click()
    expect(page.get_by_text("En inbjudan har skickats")).to_be_visible()

    page.goto(f"{live_server.url}/tjanster/ny")
    page.get_by_label("Insatstyp").select_option("praktik")
    page.get_by_label("Rubrik").fill("Praktik i vårt café")
    page.get_by_label("Beskrivning").fill("Servering, kassa och bakning.")
    page.get_by_label("Ersättningsform").select_option("hour")
    page.get_by_label("Ersättning i kronor (exkl. moms)").fill("118,50")
    page.get_by_label("Momssats").select_option("0")
    page.get_by_label("Antal platser").fill("3")
    page.get_by_label("Område").fill("Centrum")
    page.get_by_label("Språk").fill("sv, ar")
    page.get_by_role("button", name="Spara").click()
    page.get_by_role("button", name="Publicera").click()
    expect(page.get_by_text("Tjänsten är publicerad.")).to_be_visible()
    shot(page, "provider-offering-desktop")
    phone_page.context.add_cookies(page.context.cookies())
    phone_page.goto(page.url)
    shot(phone_page, "provider-offering-phone")


def _seed_placements(live_server) -> None:
    from app.exchange.importer import import_document

    with live_server.session() as session:
        import_document(session, portal_document())
    live_server.user("provider", email="a@arbetsvagen.example", provider_org_nr=ORG_A)
    live_server.user("provider", email="b@nastasteg.example", provider_org_nr=ORG_B)


def test_frozen_offering_explains_new_price(live_server, page, phone_page):
    _seed_placements(live_server)
    login(page, live_server.url, "a@arbetsvagen.example")
    page.goto(f"{live_server.url}/tjanster/")
    page.get_by_role("link", name="Praktik i lager").click()
    expect(page.get_by_role("heading", name="Priset är låst")).to_be_visible()
    expect(page.get_by_role("heading", name="Nytt pris från datum")).to_be_visible()
    shot(page, "provider-offering-frozen-desktop")
    phone_page.context.add_cookies(page.context.cookies())
    phone_page.goto(page.url)
    shot(phone_page, "provider-offering-frozen-phone")


def test_month_grid_by_keyboard_then_api_and_second_provider_sees_nothing(live_server, page, phone_page):
    _seed_placements(live_server)
    login(page, live_server.url, "a@arbetsvagen.example")
    page.goto(f"{live_server.url}/rapportering/2026-03")
    assert page.get_by_text("Bashir Ali").count() == 0
    first = page.get_by_label("Anna Andersson 2026-03-10")
    first.click()
    for value in ["8", "8", "8", "F", "6"]:
        page.keyboard.type(value)
        page.keyboard.press("ArrowRight")
    # Week 11 (9–15 March): 8+8+8+6 = 30 h against a cap of 20.
    assert page.locator(".week-badge.over").first.inner_text().startswith("v11: 30/20")
    shot(page, "provider-grid-desktop")
    page.get_by_role("button", name="Spara närvaro").click()
    expect(page.get_by_text("Närvaron är sparad (5 ändringar).")).to_be_visible()
    page.get_by_role("button", name="Markera månaden som rapporterad").click()
    expect(page.get_by_text("Månaden är markerad som rapporterad")).to_be_visible()

    phone_page.context.add_cookies(page.context.cookies())
    phone_page.goto(f"{live_server.url}/rapportering/2026-03")
    assert phone_page.get_by_label("Anna Andersson 2026-03-10").input_value() == "8"
    shot(phone_page, "provider-grid-phone")

    page.goto(f"{live_server.url}/rapportering/resultat")
    page.get_by_label("Placering").select_option("PL1")
    page.get_by_label("Resultat", exact=True).select_option("employment")
    page.get_by_label("Startdatum").fill("2026-04-15")
    page.get_by_label("Arbetsgivare eller skola").fill("Lager AB")
    page.get_by_label("Omfattning").fill("heltid")
    page.get_by_label("Anställningsform").select_option("regular")
    page.get_by_role("button", name="Rapportera").click()
    expect(page.get_by_text("Väntar på verifiering")).to_be_visible()

    page.goto(f"{live_server.url}/anordnare/api-nycklar")
    page.get_by_label("Namn på nyckeln").fill("Verksamhetssystem")
    page.get_by_role("button", name="Skapa nyckel").click()
    token = page.locator("#new-token").inner_text()

    def call(method: str, path: str, body=None, key: str | None = None, tok: str = token):
        request = urllib.request.Request(f"{live_server.url}/api/v1{path}", method=method,
                                         data=json.dumps(body).encode() if body is not None else None)
        request.add_header("Authorization", f"Bearer {tok}")
        request.add_header("Content-Type", "application/json")
        if key:
            request.add_header("Idempotency-Key", key)
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    month = {"days": [{"date": "2026-03-10", "hours": "8"}, {"date": "2026-03-11", "hours": "8"},
                      {"date": "2026-03-12", "hours": "8"}, {"date": "2026-03-13", "status": "absent"},
                      {"date": "2026-03-14", "hours": "6"}], "reason": "Samma från systemet"}
    status, body = call("PUT", "/placements/PL1/attendance/2026-03", month, key="m-1")
    assert status == 200 and body["changed"] == 0 and body["submitted"] is True
    status, body = call("PUT", "/placements/PL1/attendance/2026-03",
                        {**month, "days": month["days"][:4]}, key="m-2")
    assert status == 200 and body["changed"] == 1
    assert call("PUT", "/placements/PL1/attendance/2026-03",
                {**month, "days": month["days"][:4]}, key="m-2")[1] == body

    # The second provider: nothing of A's on the screens, nothing through the API.
    page.get_by_role("button", name="Logga ut").click()
    login(page, live_server.url, "b@nastasteg.example")
    for path in ["/rapportering/2026-03", "/rapportering/resultat", "/tjanster/", "/anordnare/",
                 "/meddelanden/", "/anordnare/api-nycklar"]:
        page.goto(live_server.url + path)
        assert "Anna Andersson" not in page.content() and "Verksamhetssystem" not in page.content()
    page.goto(f"{live_server.url}/anordnare/api-nycklar")
    page.get_by_label("Namn på nyckeln").fill("B-system")
    page.get_by_role("button", name="Skapa nyckel").click()
    token_b = page.locator("#new-token").inner_text()
    assert call("GET", "/placements/PL1/attendance/2026-03", tok=token_b)[0] == 404
    assert [p["ref"] for p in call("GET", "/placements", tok=token_b)[1]["placements"]] == ["PL2"]


def test_phone_grid_shows_one_placement_per_screen(live_server, phone_page):
    from app.exchange.importer import import_document

    _seed_placements(live_server)
    with live_server.session() as session:
        import_document(session, {
            "clients": [{"ref": "C3", "personal_id": "19900101-0017", "name": "Cecilia Berg"}],
            "referrals": [{"ref": "R3", "client": "C3", "service_type": "praktik",
                           "decided_on": "2026-02-20", "valid_from": "2026-03-01",
                           "valid_to": "2026-06-30", "max_hours_per_week": None}],
            "placements": [{"ref": "PL3", "referral": "R3", "offering": "O1", "chosen_by": "client",
                            "start_date": "2026-03-02", "ended_on": None, "end_reason": None}]})
    login(phone_page, live_server.url, "a@arbetsvagen.example")
    phone_page.goto(f"{live_server.url}/rapportering/2026-03")
    anna = phone_page.get_by_label("Anna Andersson 2026-03-10")
    cecilia = phone_page.get_by_label("Cecilia Berg 2026-03-02")
    assert anna.is_visible() and not cecilia.is_visible()
    phone_page.get_by_role("button", name="Nästa placering").click()
    assert cecilia.is_visible() and not anna.is_visible()
    cecilia.fill("7,5")
    shot(phone_page, "provider-grid-phone-second-placement")
    phone_page.get_by_role("button", name="Spara närvaro").click()
    expect(phone_page.get_by_text("Närvaron är sparad (1 ändring).")).to_be_visible()
