"""Finance runs, reviews, approves and closes a month of the demo data in Chromium."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, shot
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

PERIOD = "2026-10"


def _load_demo(live_server) -> None:
    from app.exchange.importer import import_document

    with live_server.session() as session:
        import_document(session, json.loads((ROOT / "providers_seed" / "demo.json").read_text("utf-8")))


def test_finance_runs_reviews_approves_and_closes_a_month(live_server, page, task_worker):
    _load_demo(live_server)
    user = live_server.user("finance")
    login(page, live_server.url, user.email)

    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Avräkningar").click()
    page.get_by_role("link", name=PERIOD).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Avräkning {PERIOD}")
    expect(page.get_by_text("ingen avräkning").first).to_be_visible()

    # Run all: a job; its page counts the providers, then shows what it did.
    page.get_by_role("button", name="Kör avräkning för alla").click()
    expect(page.locator("#run-all-result")).to_contain_text("Körningen är klar", timeout=30_000)
    page.get_by_role("link", name=f"Till avräkningen {PERIOD}").click()
    expect(page.get_by_text("Utkast").first).to_be_visible()
    shot(page, "finance-period-drafts")

    # Review one settlement: lines grouped by placement with their computation, and the
    # warnings that say why an hour was not paid.
    rows_with_warnings = page.locator("tbody tr", has=page.locator(".badge.warn"))
    expect(rows_with_warnings.first).to_be_visible()
    rows_with_warnings.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Rader per placering")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"^[\d,]+ (h|dagar|veckor) × [\d\s,]+ kr$")).first).to_be_visible()
    warnings = page.locator("details.warnings").first
    warnings.locator("summary").click()
    expect(warnings.get_by_text("betalas inte").first).to_be_visible()
    shot(page, "finance-settlement-draft")

    # Approve this one, then the rest, then close the month.
    page.get_by_label("Jag bekräftar").check()
    page.get_by_role("button", name="Godkänn avräkningen").click()
    expect(page.get_by_text("AV-").first).to_be_visible()
    page.get_by_role("link", name=f"Avräkning {PERIOD}").click()
    page.get_by_label("Jag bekräftar Godkänn alla utkast").check()
    page.get_by_role("button", name="Godkänn alla utkast").click()
    expect(page.get_by_text("Godkända:")).to_be_visible()
    expect(page.get_by_text("Utkast", exact=True)).to_have_count(0)
    page.get_by_label("Jag vill stänga månaden").check()
    page.get_by_role("button", name="Stäng månaden").click()
    expect(page.get_by_text(f"{PERIOD} är stängd.")).to_be_visible()
    expect(page.get_by_role("heading", level=1).locator(".badge")).to_have_text("stängd")
    shot(page, "finance-period-closed")


def test_closing_needs_the_confirmation_box(live_server, page):
    _load_demo(live_server)
    user = live_server.user("finance")
    login(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/avrakning/{PERIOD}")
    page.get_by_role("button", name="Stäng månaden").click()
    # The browser's own required-field check stops the form; the month stays open.
    expect(page.get_by_role("heading", level=1).locator(".badge")).to_have_text("öppen")
