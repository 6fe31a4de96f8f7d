"""The assessment behind a level in Chromium: the case worker answers, sees the points and the
suggestion change as they answer, departs from it with a reason; the client reads their level."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_kundval_choice import check
from tests.kundval import factories as f


def test_case_worker_assesses_the_level_and_the_client_reads_it(live_server, page, phone_page):
    worker = live_server.user("case_worker", name="Karin Handläggare")
    with live_server.session() as s:
        f.provider(s, "Steget AB", org_nr="556036-0793")
        c = f.client(s, 0, name="Amina Ali", case_worker_id=worker.id)
        client_id = c.id
    login(page, live_server.url, worker.email)
    page.goto(f"{live_server.url}/handlaggare/deltagare/{client_id}/beslut/nytt")
    suggestion = page.locator("#level-suggestion")
    expect(suggestion).to_have_text("Svara på alla frågor för att få ett förslag.")
    page.get_by_role("group", name="Hur länge har deltagaren haft försörjningsstöd i följd?") \
        .get_by_label("Mer än tre år").check()
    expect(suggestion).to_contain_text("Poäng hittills: 2.")
    page.get_by_label("Kortare än grundskola").check()
    page.get_by_label("Lite eller ingen").check()
    page.get_by_role("group", name="Har deltagaren arbetat de senaste fem åren?").get_by_label("Nej").check()
    page.get_by_label("Delvis: vissa arbeten eller kortare tid").check()
    expect(suggestion).to_have_text("Poäng: 9. Förslag: nivå C.")
    check(page, "levels-case-worker-assessment")

    page.get_by_label("Nivå", exact=True).select_option("B")
    page.get_by_role("button", name="Spara beslut").click()
    expect(page.get_by_text("Skriv varför du väljer en annan nivå än förslaget.")).to_be_visible()
    check(page, "levels-case-worker-reason-needed")
    page.get_by_label("Skäl till annan nivå än förslaget").fill("Har ett jobberbjudande på deltid.")
    page.get_by_role("button", name="Spara beslut").click()
    expect(page.get_by_text("Beslutet är sparat")).to_be_visible()
    expect(page.get_by_text("Nivå B – en bit från arbete")).to_be_visible()
    expect(page.get_by_text("9 poäng, förslag nivå C")).to_be_visible()
    check(page, "levels-case-worker-client")

    page.get_by_role("button", name="Skapa inloggningskod").click()
    code = page.locator(".login-code").inner_text().strip()
    phone_page.goto(f"{live_server.url}/deltagare/logga-in")
    phone_page.get_by_label("Din kod").fill(code)
    phone_page.get_by_role("button", name="Logga in").click()
    expect(phone_page.get_by_text("Nivå B: du har en bit kvar till ett arbete.", exact=False)).to_be_visible()
    check(phone_page, "levels-client-overview")
