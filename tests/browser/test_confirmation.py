"""Revoking an API token asks "Jag bekräftar" first, with JavaScript turned off."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import login, shot


def test_revoking_a_token_needs_the_confirmation_box_even_without_javascript(live_server, browser):
    live_server.provider()
    user = live_server.user("provider", provider_org_nr="556677-8899")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="sv-SE", java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, live_server.url, user.email)
        page.goto(f"{live_server.url}/anordnare/api-nycklar")
        page.get_by_label("Namn på nyckeln").fill("Lönesystemet")
        page.get_by_role("button", name="Skapa nyckel").click()
        expect(page.get_by_text("aktiv", exact=True)).to_be_visible()

        page.get_by_role("button", name="Återkalla Lönesystemet").click()
        expect(page.get_by_text("aktiv", exact=True)).to_be_visible()  # the browser's required check stopped it
        page.get_by_label("Jag bekräftar Lönesystemet").check()
        shot(page, "token-revoke-confirm")
        page.get_by_role("button", name="Återkalla Lönesystemet").click()
        expect(page.get_by_text("Nyckeln är återkallad")).to_be_visible()
        expect(page.get_by_text("återkallad", exact=True)).to_be_visible()
    finally:
        context.close()
