"""The heart of Kundval in Chromium: a case worker registers a client and a decision, the client
signs in with the code on a phone, compares and chooses; axe-core checks every client page."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, login, shot
from tests.kundval import factories as f

pytestmark = pytest.mark.browser
AXE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text()


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the current page, as readable lines."""
    page.evaluate(AXE)  # not a <script> tag: the Content-Security-Policy refuses inline scripts
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def check(page, name: str) -> None:
    shot(page, name)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} scrolls sideways"
    assert serious_violations(page) == [], name


def _arrange(live_server):
    with live_server.session() as s:
        good = f.provider(s, "Steget AB", org_nr="556036-0793")
        other = f.provider(s, "Nya Vägar i Exempelby ekonomisk förening", org_nr="556016-0680")
        f.offering(s, good, title="Praktik i butik", area="Centrum", languages=["sv", "ar", "so"])
        f.offering(s, other, title="Praktik på lager med truckutbildning", area="Norrby", languages=["sv", "ti"])
        f.offering(s, good, title="Praktik i kök", area="Söderby", languages=["sv", "en"], capacity=1)
    return live_server.user("case_worker", name="Karin Handläggare")


def _case_worker_registers(live_server, page, worker) -> str:
    login(page, live_server.url, worker.email)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Ny deltagare").click()
    page.get_by_label("Personnummer eller samordningsnummer").fill("19900101-1239")
    page.get_by_label("Namn").fill("Amina Ali")
    page.get_by_label("Språk deltagaren helst använder").select_option("ar")
    page.get_by_label("Nyanländ").check()
    page.get_by_label("Barn i hushållet (prioriteras)").check()
    shot(page, "kundval-case-worker-new-client")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nytt beslut för Amina Ali")
    page.get_by_label("Insatstyp").select_option("praktik")
    page.get_by_label("Högst timmar per vecka").fill("20")
    page.get_by_role("button", name="Spara beslut").click()
    expect(page.get_by_text("Beslutet är sparat")).to_be_visible()
    assert "19900101" not in page.url and "19900101" not in page.title()
    shot(page, "kundval-case-worker-client")
    page.get_by_role("button", name="Skapa inloggningskod").click()
    code = page.locator(".login-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    shot(page, "kundval-case-worker-code")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Mina deltagare").click()
    expect(page.get_by_role("cell", name=re.compile("Amina Ali"))).to_be_visible()
    expect(page.get_by_text("19900101-****")).to_be_visible()
    shot(page, "kundval-case-worker-my-clients")
    return code


def _client_chooses(live_server, phone, code: str, prefix: str) -> None:
    phone.goto(f"{live_server.url}/login")
    phone.get_by_role("link", name=re.compile("Är du deltagare")).click()
    # The case worker recorded Arabic, which would come first; this journey is read in Swedish.
    phone.get_by_role("navigation", name="Välj språk").get_by_role("link", name="Svenska", exact=True).click()
    check(phone, f"{prefix}-login")
    phone.get_by_label("Din kod").fill(code)
    phone.get_by_role("button", name="Logga in").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hej Amina!")
    check(phone, f"{prefix}-overview")
    phone.get_by_role("link", name="Se vad du kan välja").click()
    expect(phone.get_by_text("3 av 3 tjänster visas.")).to_be_visible()
    check(phone, f"{prefix}-offerings")
    phone.get_by_label("Språk", exact=True).select_option("ti")
    phone.get_by_role("button", name="Visa").click()
    expect(phone.get_by_text("1 av 3 tjänster visas.")).to_be_visible()
    phone.get_by_label("Språk", exact=True).select_option("")
    phone.get_by_role("button", name="Visa").click()
    boxes = phone.get_by_role("checkbox", name="Jämför")
    boxes.nth(0).check()
    boxes.nth(1).check()
    phone.get_by_role("button", name=re.compile("Jämför valda")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Jämför")
    expect(phone.get_by_text(re.compile("Inga resultat visas än"))).to_have_count(2)
    check(phone, f"{prefix}-compare")
    phone.get_by_role("link", name="Tillbaka till listan").click()
    phone.get_by_role("link", name="Praktik i butik").click()
    expect(phone.get_by_role("heading", name="Vad gör du?")).to_be_visible()
    check(phone, f"{prefix}-offering")
    phone.get_by_role("link", name="Välj den här").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Bekräfta ditt val")
    check(phone, f"{prefix}-confirm")
    phone.get_by_role("button", name="Ja, jag väljer den här").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Klart! Du har en plats.")
    expect(phone.get_by_text("Steget AB ringer dig inom tre arbetsdagar.")).to_be_visible()
    check(phone, f"{prefix}-done")
    phone.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Mina uppgifter").click()
    expect(phone.get_by_text("Karin Handläggare").first).to_be_visible()
    check(phone, f"{prefix}-my-data")
    phone.get_by_role("link", name="English").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("My information")
    phone.get_by_role("link", name="My choice").click()
    expect(phone.get_by_text("You are with:")).to_be_visible()
    check(phone, f"{prefix}-overview-en")


def test_case_worker_registers_and_client_chooses_on_a_320_px_phone(live_server, page, phone_page):
    worker = _arrange(live_server)
    code = _case_worker_registers(live_server, page, worker)
    _client_chooses(live_server, phone_page, code, "kundval-client-320")


def test_client_pages_on_a_375_px_phone(live_server, page, browser):
    worker = _arrange(live_server)
    code = _case_worker_registers(live_server, page, worker)
    context, phone = _new_page(browser, {"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    try:
        _client_chooses(live_server, phone, code, "kundval-client-375")
    finally:
        context.close()


def test_the_last_place_taken_meanwhile_gives_a_clear_message(live_server, phone_page):
    today = date.today()
    with live_server.session() as s:
        prov = f.provider(s, "Steget AB", org_nr="556036-0793")
        last = f.offering(s, prov, title="Sista platsen", capacity=1)
        me, other = f.client(s, 0, name="Amina Ali"), f.client(s, 1)
        mine = f.referral(s, me, decided_on=today)
        theirs = f.referral(s, other, decided_on=today)
        from app.kundval import service
        code = service.issue_login_code(s, me, actor_id=None)
        ids = (mine.id, theirs.id, last.id)
    phone_page.goto(f"{live_server.url}/deltagare/logga-in")
    phone_page.get_by_label("Din kod").fill(code)
    phone_page.get_by_role("button", name="Logga in").click()
    phone_page.goto(f"{live_server.url}/deltagare/beslut/{ids[0]}/tjanster/{ids[2]}/valj")
    with live_server.session() as s:  # someone else takes it while the confirmation page is open
        from app.kundval import choice
        from app.kundval.models import Referral
        choice.choose(s, s.get(Referral, ids[1]), ids[2], chosen_by="client", actor_id=None, today=today)
    phone_page.get_by_role("button", name="Ja, jag väljer den här").click()
    expect(phone_page.get_by_role("alert")).to_contain_text("Platsen är tyvärr redan tagen")
    check(phone_page, "kundval-client-320-place-taken")


def test_admin_and_case_worker_pages_have_no_serious_violations(live_server, page):
    _arrange(live_server)
    live_server.user("admin")
    login(page, live_server.url, "admin@test.example")
    for name, path in (("default-choice", "/admin/ickeval"), ("access-log", "/admin/atkomstlogg")):
        page.goto(live_server.url + path)
        check(page, f"kundval-admin-{name}")


def test_case_worker_verifies_a_result_and_follows_it_up(live_server, page):
    from datetime import timedelta

    from app.kundval.models import Outcome

    worker = _arrange(live_server)
    today = date.today()
    with live_server.session() as s:
        prov = f.provider(s, "Resultat AB", org_nr="556000-4615")
        c = f.client(s, 0, name="Amina Ali", case_worker_id=worker.id, children=True)
        r = f.referral(s, c, decided_on=today - timedelta(days=100), case_worker_id=worker.id)
        pl = f.placement(s, r, f.offering(s, prov, title="Lager"), start=today - timedelta(days=98))
        s.add(Outcome(ref="R1", placement_id=pl.id, kind="employment", result_date=today - timedelta(days=91),
                      employer="Hotell Stjärnan", extent="heltid"))
        client_id, referral_id = c.id, r.id
    login(page, live_server.url, worker.email)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Resultat").click()
    expect(page.get_by_text("Hotell Stjärnan")).to_be_visible()
    check(page, "kundval-case-worker-outcomes")
    page.get_by_role("button", name="Verifiera").click()
    expect(page.get_by_text("Resultatet är verifierat.")).to_be_visible()
    expect(page.get_by_text("Varar resultatet?", exact=False)).to_be_visible()
    page.locator("form.followup").get_by_role("button", name="Ja", exact=True).click()
    expect(page.get_by_text("Uppföljningen är sparad.")).to_be_visible()
    expect(page.get_by_text("Inga uppföljningar att göra just nu.")).to_be_visible()
    page.goto(f"{live_server.url}/handlaggare/beslut/{referral_id}/placera")
    expect(page.get_by_role("heading", level=1)).to_have_text("Byt anordnare")
    check(page, "kundval-case-worker-switch")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Placeringen är registrerad.")).to_be_visible()
    expect(page.get_by_text("Bytt anordnare")).to_be_visible()
    assert page.url.endswith(f"/handlaggare/deltagare/{client_id}")
    check(page, "kundval-case-worker-client-history")
