"""The grid's search and page links in Chromium, on a phone: a person finds a placement by name."""
from __future__ import annotations

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
    assert page.locator("tr.grid-row").count() == 5
    page.get_by_label("Sök deltagare eller placering").fill("Nummer17")
    page.get_by_role("button", name="Sök", exact=True).click()
    assert page.locator("tr.grid-row").count() == 1
    assert "Nummer17" not in page.url or "q=Nummer17" in page.url
    page.get_by_label("Sök deltagare eller placering").fill("19800101-2009")
    page.get_by_role("button", name="Sök", exact=True).click()
    assert "19800101" not in page.url
    assert page.get_by_text("inte personnummer").is_visible()
    shot(page, "grid-search-phone", full_page=False)
