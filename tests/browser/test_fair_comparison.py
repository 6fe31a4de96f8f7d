"""The fair comparison in Chromium: the client compares two providers and reads, in plain Swedish,
whether each had more or fewer results than its mix of clients would predict."""
from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from tests.browser.test_kundval_choice import check
from tests.kundval.test_fairness import arrange_history


def test_the_client_compares_providers_fairly(live_server, phone_page):
    from app.kundval import service

    with live_server.session() as s:
        _me, mine, _offerings = arrange_history(s, date.today())
        code = service.issue_login_code(s, _me, actor_id=None)
        referral_id = mine.id
    phone = phone_page
    phone.goto(f"{live_server.url}/deltagare/logga-in")
    phone.get_by_label("Din kod").fill(code)
    phone.get_by_role("button", name="Logga in").click()
    phone.goto(f"{live_server.url}/deltagare/beslut/{referral_id}/tjanster")
    boxes = phone.get_by_role("checkbox", name="Jämför")
    boxes.nth(0).check()
    boxes.nth(1).check()
    phone.get_by_role("button", name="Jämför valda").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Jämför")
    expect(phone.get_by_text("Fler än väntat", exact=True)).to_be_visible()
    expect(phone.get_by_text("Färre än väntat", exact=True)).to_be_visible()
    expect(phone.locator("#fair-explained")).to_contain_text("Så räknar vi:")
    check(phone, "fair-comparison-client-320")
