"""The client's reported days in Chromium: month by month in plain words, and "jag var inte där"."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_kundval_choice import check
from tests.kundval.test_disputes import _arrange


def test_the_client_reads_their_days_and_marks_one(live_server, phone_page):
    from app.kundval import service

    with live_server.session() as s:
        _prov, c, pl = _arrange(s)
        code = service.issue_login_code(s, c, actor_id=None)
        placement_id = pl.id
    phone = phone_page
    phone.goto(f"{live_server.url}/deltagare/logga-in")
    phone.get_by_label("Din kod").fill(code)
    phone.get_by_role("button", name="Logga in").click()
    phone.goto(f"{live_server.url}/deltagare/placering/{placement_id}/dagar?manad=2025-03")
    expect(phone.get_by_text("måndag 3 mars: 6 timmar")).to_be_visible()
    day = phone.locator("#day-2025-03-03")
    day.get_by_text("Jag var inte där", exact=True).click()
    day.get_by_label("Kommentar (frivilligt)").fill("Jag var sjuk den dagen.")
    check(phone, "client-days-dispute-open")
    day.get_by_role("button", name="Skicka: jag var inte där 3 mars").click()
    expect(phone.get_by_text("Vi har sparat att du inte var där")).to_be_visible()
    expect(phone.locator("#day-2025-03-03")).to_contain_text("Du har sagt att du inte var där.")
    check(phone, "client-days-disputed")
