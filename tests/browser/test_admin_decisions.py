"""The admin decides on an applicant in Chromium: the certificates, the allowed decisions, the history in words."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import select

from tests.browser.conftest import login, shot


def test_admin_approves_with_a_reason_and_reads_the_history_in_swedish(live_server, page):
    from app.exchange.importer import import_document
    from app.providers.models import Provider

    with live_server.session() as session:
        import_document(session, {"providers": [{"ref": "P1", "org_nr": "556036-0793", "status": "applied",
                                                 "name": "Språngbrädan ek. för.",
                                                 "email": "maja@sprangbradan.example"}]})
    with live_server.session() as session:
        provider_id = session.exec(select(Provider.id)).one()
    admin = live_server.user("admin")
    login(page, live_server.url, admin.email)
    page.goto(f"{live_server.url}/admin/anordnare/{provider_id}")

    expect(page.locator("#document-problems")).to_contain_text("F-skattebevis saknas")
    expect(page.get_by_label("Beslut").locator("option")).to_have_text(["Godkänn", "Avslå"])
    page.get_by_label("Beslut").select_option("approve")
    page.get_by_role("button", name="Registrera beslut").click()
    expect(page.get_by_text("Ange ett skäl om anordnaren ska godkännas ändå")).to_be_visible()
    page.get_by_label("Skäl").fill("Intygen skickas per post")
    page.get_by_role("button", name="Registrera beslut").click()
    expect(page.get_by_text("Beslutet är registrerat")).to_be_visible()

    history = page.locator("ul.decision-history")
    expect(history).to_contain_text("Godkänd")
    expect(history).to_contain_text("Status: Ansökt → Godkänd")
    expect(history).to_contain_text("Skäl: Intygen skickas per post")
    expect(page.get_by_label("Beslut").locator("option")).to_have_text(["Stäng av tillfälligt", "Avsluta avtalet"])
    shot(page, "admin-provider-decided")

    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Granskningslogg").click()
    row = page.locator("tbody tr", has_text="Status: Ansökt → Godkänd")
    expect(row).to_contain_text("Godkänd")
    expect(row).to_contain_text("Anordnare")
    expect(row).not_to_contain_text("approve")
    shot(page, "admin-audit-log")
