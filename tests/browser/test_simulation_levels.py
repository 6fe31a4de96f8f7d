"""Management tries level prices and a level-bound bonus on the demo's real months."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, shot
from tests.conftest import ROOT

pytestmark = pytest.mark.browser


def _demo_with_levels(live_server) -> None:
    """The demo, with the case workers' levels on its decisions: every third C, every third B."""
    from sqlmodel import select

    from app.exchange.importer import import_document
    from app.kundval.models import Referral

    with live_server.session() as session:
        import_document(session, json.loads((ROOT / "providers_seed" / "demo.json").read_text("utf-8")))
        for index, referral in enumerate(session.exec(select(Referral).order_by(Referral.ref)).all()):
            referral.level = "ABC"[index % 3]
        session.commit()


def test_manager_simulates_level_prices_and_a_bonus_for_level_c(live_server, page, task_worker):
    _demo_with_levels(live_server)
    login(page, live_server.url, live_server.user("management").email)
    page.goto(f"{live_server.url}/uppfoljning/simulering")
    page.get_by_label("Första månad (ÅÅÅÅ-MM)").fill("2026-08")
    page.get_by_label("Sista månad (ÅÅÅÅ-MM)").fill("2026-10")

    new_rule = page.locator("#new-0-rule")
    new_rule.get_by_label("Pröva en ny regel").check()
    new_rule.get_by_label("Praktik").check()
    new_rule.get_by_label("Nivåer: högst antal dagar till resultat: belopp, en per rad").fill("90: 20000\n180: 10000")
    expect(new_rule.get_by_label("C", exact=True)).to_be_checked()

    prices = page.locator("#level-prices")
    prices.get_by_label("Pröva andra priser per nivå").check()
    prices.get_by_label("Nivå C – långt från arbete (%)").fill("140")
    shot(page, "simulation-levels-form")
    page.get_by_role("button", name="Simulera").click()

    expect(page.get_by_role("heading", name="Resultat 2026-08 – 2026-10")).to_be_visible(timeout=60_000)
    levels = page.locator("#simulation-levels")
    expect(levels).to_contain_text("Nivå C – långt från arbete")
    expect(page.get_by_text("nivå C: 140 %")).to_be_visible()
    row_c = levels.locator("tr", has_text="Nivå C")
    real, simulated = (row_c.locator("td").nth(i).inner_text() for i in (0, 1))
    assert real != simulated  # level C costs more under the simulated prices
    row_a = levels.locator("tr", has_text="Nivå A")
    assert row_a.locator("td").nth(0).inner_text() == row_a.locator("td").nth(1).inner_text()
    levels.scroll_into_view_if_needed()
    shot(page, "simulation-levels-result", full_page=False)


def test_a_bad_percentage_is_named_on_the_page(live_server, page):
    _demo_with_levels(live_server)
    login(page, live_server.url, live_server.user("finance").email)
    page.goto(f"{live_server.url}/uppfoljning/simulering")
    prices = page.locator("#level-prices")
    prices.get_by_label("Pröva andra priser per nivå").check()
    prices.get_by_label("Nivå B – en bit från arbete (%)").fill("mycket")
    page.get_by_role("button", name="Simulera").click()
    expect(page.get_by_role("alert")).to_contain_text("procent av grundpriset")
    expect(prices.locator(".field.has-error")).to_contain_text("procent av grundpriset")
