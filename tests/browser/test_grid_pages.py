"""The grid's search and page links in Chromium, on a phone: a person finds a placement by name."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import login, shot
from tests.browser.test_grid_save_button import PERIOD, _many_placements


def test_phone_user_pages_and_searches_the_grid(live_server, phone_page):
    _many_placements(live_server)  # 30 placements: two pages
    user = live_server.user("provider", provider_org_nr="556677-8899")
    page = phone_page
    login(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/rapportering/{PERIOD}")
    assert page.locator("tr.grid-row").count() == 25
    assert page.get_by_text("30 placeringar").is_visible()
    shot(page, "grid-pages-phone", full_page=False)
    page.get_by_role("link", name="Nästa sida →").click()
    expect(page.locator("tr.grid-row")).to_have_count(5)  # waits for the new page, not the old one
    page.get_by_label("Sök deltagare eller placering").fill("Nummer17")
    page.get_by_role("button", name="Sök", exact=True).click()
    expect(page.locator("tr.grid-row")).to_have_count(1)
    expect(page.locator("tr.grid-row")).to_contain_text("Nummer17")
    page.get_by_label("Sök deltagare eller placering").fill("19800101-2009")
    page.get_by_role("button", name="Sök", exact=True).click()
    expect(page.get_by_text("inte personnummer")).to_be_visible()
    assert "19800101" not in page.url
    shot(page, "grid-search-phone", full_page=False)
