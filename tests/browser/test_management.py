"""Management (ledning) signs in and follows results and budget, without any client's data."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import login, shot
from tests.browser.test_followup import _demo_with_settlements


def test_management_follows_key_figures_and_budget_but_no_client(live_server, page):
    _demo_with_settlements(live_server)
    user = live_server.user("management", email="ledning@kommun.example")
    login(page, live_server.url, user.email)

    expect(page.get_by_role("heading", level=1)).to_have_text("Ledning")
    nav = page.get_by_role("navigation", name="Huvudmeny")
    expect(nav.get_by_role("link")).to_have_text(["Start", "Uppföljning", "Säkerhetsnycklar"])
    shot(page, "management-start")

    page.get_by_role("link", name="Budget Avräkningar per månad").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Budget")
    nav.get_by_role("link", name="Uppföljning").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("nyckeltal")
    expect(page.get_by_role("link", name="Mål och externa nyckeltal")).to_have_count(0)

    page.goto(f"{live_server.url}/handlaggare/deltagare")
    expect(page.get_by_text("Du har inte behörighet till den här sidan.")).to_be_visible()
