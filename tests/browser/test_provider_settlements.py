"""Finance approves a settlement in Chromium; the provider is told and sees it in the portal."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import login, shot
from tests.settlement.helpers import ORG_A, attendance, base_document

PERIOD = "2026-03"


def _march_drafts(live_server) -> None:
    from app.exchange.importer import import_document
    from app.settlement import service

    doc = base_document()
    doc["attendance"] = attendance("PL1", "2026-03-02", 5) + attendance("PL2", "2026-03-02", 5)
    with live_server.session() as session:
        import_document(session, doc)
        service.run_period(session, PERIOD)


def test_approval_reaches_the_provider_who_sees_lines_and_documents(live_server, page):
    _march_drafts(live_server)
    finance = live_server.user("finance")
    provider = live_server.user("provider", email="anna@arbetsvagen.example", provider_org_nr=ORG_A)

    # Before approval the provider sees a preliminary draft, without documents.
    login(page, live_server.url, provider.email)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Avräkningar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Avräkningar")
    expect(page.get_by_text("Preliminär", exact=True)).to_be_visible()
    page.get_by_role("link", name=PERIOD).click()
    expect(page.get_by_text("Det här är ett utkast")).to_be_visible()
    expect(page.get_by_role("link", name="avräkningen (PDF)")).to_have_count(0)
    shot(page, "provider-settlement-preliminary")
    page.get_by_role("button", name="Logga ut").click()

    # Finance approves it, after confirming.
    login(page, live_server.url, finance.email)
    page.goto(f"{live_server.url}/avrakning/{PERIOD}")
    page.get_by_role("link", name="Arbetsvägen AB").click()
    page.get_by_role("button", name="Godkänn avräkningen").click()
    expect(page.get_by_text("AV-")).to_have_count(0)  # the browser stops the form without the box
    page.get_by_label("Jag bekräftar").check()
    page.get_by_role("button", name="Godkänn avräkningen").click()
    expect(page.get_by_text("Godkända: AV-")).to_be_visible()
    number = re.search(r"AV-\d{4}-\d{5}", page.get_by_text("Godkända: AV-").inner_text()).group(0)
    page.get_by_role("button", name="Logga ut").click()

    # The provider is told, and reads the approved settlement with its lines and documents.
    login(page, live_server.url, provider.email)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Meddelanden").click()
    expect(page.get_by_text(f"Avräkningen för {PERIOD} är godkänd ({number})")).to_be_visible()
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Avräkningar").click()
    row = page.locator("tbody tr", has_text=PERIOD)
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("Godkänd")
    row.get_by_role("link", name=PERIOD).click()
    expect(page.get_by_text(f"med nummer {number}")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"^[\d,]+ h × [\d\s,]+ kr$")).first).to_be_visible()
    shot(page, "provider-settlement-approved")
    pdf = page.request.get(live_server.url + page.get_by_role("link", name="avräkningen (PDF)").get_attribute("href"),
                           timeout=60_000)  # WeasyPrint is slow on a busy machine
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    assert number in pdf.headers["content-disposition"]
