"""Management follows the demo data: key figures, the budget against the frame, a bonus simulation."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, shot
from tests.conftest import ROOT

pytestmark = pytest.mark.browser


def _demo_with_settlements(live_server) -> None:
    from app.exchange.importer import import_document
    from app.followup import budget
    from app.settlement import service

    with live_server.session() as session:
        import_document(session, json.loads((ROOT / "providers_seed" / "demo.json").read_text("utf-8")))
        for period in ("2026-08", "2026-09", "2026-10"):
            service.run_period(session, period)
        service.approve_period(session, "2026-08")
        service.approve_period(session, "2026-09")
        budget.set_frames(session, 2026, {"praktik": Decimal("2000000.00"),
                                          "arbetstraning": Decimal("900000.00"),
                                          "bonus": Decimal("20000.00")})


def test_manager_opens_dashboard_budget_and_simulation(live_server, page, task_worker):
    _demo_with_settlements(live_server)
    user = live_server.user("admin")
    login(page, live_server.url, user.email)

    page.get_by_role("link", name="Uppföljning Nyckeltal, budget mot ram").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("nyckeltal")
    page.goto(f"{live_server.url}/uppfoljning/?year=2026&through=2026-11")
    expect(page.get_by_role("heading", level=1)).to_contain_text("nyckeltal 2026")
    expect(page.get_by_role("img", name="Aktiva placeringar")).to_be_visible()
    expect(page.locator("#figure-active table")).to_contain_text("Hittills i år")
    expect(page.locator("#figure-active tbody tr").first).to_contain_text("2026-01")
    shot(page, "followup-dashboard", full_page=False)
    page.locator("#figure-work_or_studies_90").scroll_into_view_if_needed()
    shot(page, "followup-dashboard-shares", full_page=False)
    page.get_by_label("Indelning").select_option("service_type")
    page.get_by_role("button", name="Visa").click()
    expect(page.locator("#figure-active table")).to_contain_text("Praktik")
    page.locator("#figure-active").scroll_into_view_if_needed()
    shot(page, "followup-dashboard-service-type", full_page=False)

    page.get_by_role("link", name="Budget").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Budget 2026")
    expect(page.get_by_role("alert").first).to_contain_text("Bonus")
    expect(page.get_by_role("img", name="Avräknat per månad")).to_be_visible()
    shot(page, "followup-budget")

    page.goto(f"{live_server.url}/uppfoljning/simulering")
    page.get_by_label("Första månad (ÅÅÅÅ-MM)").fill("2026-08")
    page.get_by_label("Sista månad (ÅÅÅÅ-MM)").fill("2026-11")
    page.locator("#rule-0-tiers").fill("90: 15000\n180: 5000")
    page.get_by_role("button", name="Simulera").click()
    expect(page.get_by_role("heading", name="Resultat 2026-08 – 2026-11")).to_be_visible(timeout=60_000)
    expect(page.locator("tr.total")).to_contain_text("Totalt")
    shot(page, "followup-simulation")


def test_committee_report_pdf_of_the_demo_month(live_server, page, task_worker):
    from app.followup import service

    _demo_with_settlements(live_server)
    with live_server.session() as session:
        service.set_targets(session, 2026, {"active": Decimal("40"), "work_or_studies_90": Decimal("30")})
        for month, value in (("2026-08", "1310"), ("2026-09", "1295"), ("2026-10", "1288")):
            service.set_external_figure(session, "households_forsorjningsstod", month, Decimal(value))
    user = live_server.user("finance")
    login(page, live_server.url, user.email)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Uppföljning").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("nyckeltal")
    page.goto(f"{live_server.url}/uppfoljning/?year=2026&through=2026-10")
    page.get_by_role("link", name="Månadsrapport till nämnden (PDF)").click()
    expect(page.get_by_label("Till och med månad (ÅÅÅÅ-MM)")).to_have_value("2026-10")
    page.get_by_role("button", name="Gör rapporten").click()
    link = page.get_by_role("link", name="Hämta rapporten (PDF)")
    expect(link).to_be_visible(timeout=60_000)
    shot(page, "followup-report-job")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    out = ROOT / "test-artifacts" / "followup-report-2026-10.pdf"
    out.parent.mkdir(exist_ok=True)
    out.write_bytes(response.body())
    assert response.body().startswith(b"%PDF")
