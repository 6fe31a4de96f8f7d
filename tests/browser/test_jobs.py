"""Long work as jobs in Chromium: finance runs a period for every provider and management runs a
bonus simulation; the page shows the job waiting and its progress, then the kept result.

The page's polling script is a static file (the CSP allows no other script without a nonce);
the tests fail on any CSP violation the browser reports.
"""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, shot
from tests.conftest import ROOT
from tests.tasks.helpers import many_providers, worker

pytestmark = pytest.mark.browser


def _watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    return problems


def test_finance_runs_all_providers_and_sees_the_progress_then_the_counts(live_server, page):
    from app.exchange.importer import import_document

    with live_server.session() as session:
        import_document(session, many_providers(60))
    user = live_server.user("finance")
    problems = _watch_console(page)
    login(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/avrakning/2026-03")
    page.get_by_role("button", name="Kör avräkning för alla").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Avräkning för alla anordnare 2026-03")
    expect(page.get_by_text("Jobbet väntar på sin tur i kön.")).to_be_visible()
    shot(page, "jobs-run-all-queued", full_page=False)

    with worker(live_server.database_url, live_server.app.config["TASKS_URL"]):
        # The script's polling takes the page from "queued" to the result without a reload by
        # the user; a fast worker may finish between two polls, so the running state is not
        # awaited here (tests/tasks check the live progress itself).
        expect(page.locator("#run-all-result")).to_contain_text(
            "Körningen är klar: 60 nya eller ändrade utkast, 0 oförändrade.", timeout=90_000)
    expect(page.locator("#task-done-count")).to_have_text("60 av 60")
    shot(page, "jobs-run-all-done", full_page=False)

    page.get_by_role("link", name="Till avräkningen 2026-03").click()
    expect(page.get_by_text("Utkast").first).to_be_visible()
    runs = page.get_by_role("table", name="Körningar av månaden")
    expect(runs).to_contain_text("klar")
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_management_simulates_a_bonus_and_finds_the_result_kept(live_server, page):
    from app.exchange.importer import import_document
    from app.settlement import service

    with live_server.session() as session:
        import_document(session, json.loads((ROOT / "providers_seed" / "demo.json").read_text("utf-8")))
        service.run_period(session, "2026-09")
    user = live_server.user("management")
    problems = _watch_console(page)
    login(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/uppfoljning/simulering")
    page.get_by_label("Första månad (ÅÅÅÅ-MM)").fill("2026-08")
    page.get_by_label("Sista månad (ÅÅÅÅ-MM)").fill("2026-11")
    page.locator("#rule-0-tiers").fill("90: 15000\n180: 5000")
    page.get_by_role("button", name="Simulera").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonussimulering 2026-08 – 2026-11")
    expect(page.locator("#task-progress")).to_be_visible()
    shot(page, "jobs-simulation-queued", full_page=False)

    with worker(live_server.database_url, live_server.app.config["TASKS_URL"]):
        expect(page.get_by_role("heading", name="Resultat 2026-08 – 2026-11")).to_be_visible(timeout=90_000)
    expect(page.locator("#task-progress")).to_have_count(0)
    expect(page.locator("tr.total")).to_contain_text("Totalt")
    shot(page, "jobs-simulation-done")

    # The result is kept: listed on the simulation page, and the form can start from it.
    page.get_by_role("link", name="Ändra och simulera igen").click()
    expect(page.locator("#rule-0-tiers")).to_have_value("90: 15000\n180: 5000")
    listed = page.get_by_role("table", name="Tidigare simuleringar")
    expect(listed).to_contain_text("2026-08 – 2026-11")
    listed.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Resultat 2026-08 – 2026-11")).to_be_visible()
    assert not [p for p in problems if "Content Security Policy" in p], problems
