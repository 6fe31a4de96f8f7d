"""Privacy in Chromium: the client downloads their register extract, the admin makes one on request
and sees the retention dry run."""
from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from tests.browser.conftest import login, shot
from tests.kundval import factories as f


def _client_with_code(live_server) -> tuple[str, str]:
    from app.kundval import service

    with live_server.session() as s:
        prov = f.provider(s, "Steget AB", org_nr="556036-0793")
        off = f.offering(s, prov, title="Praktik i butik")
        me = f.client(s, 0, name="Amina Ali")
        referral = f.referral(s, me, decided_on=date.today())
        f.placement(s, referral, off, start=date.today())
        return service.issue_login_code(s, me, actor_id=None), "19900101-1239"


def test_a_client_downloads_their_register_extract(live_server, page):
    code, _pnr = _client_with_code(live_server)
    page.goto(f"{live_server.url}/deltagare/logga-in")
    page.get_by_label("Din kod").fill(code)
    page.get_by_role("button", name="Logga in").click()
    page.goto(f"{live_server.url}/deltagare/mina-uppgifter")
    expect(page.get_by_role("heading", name="Allt vi har sparat om dig")).to_be_visible()
    shot(page, "privacy-client-my-data")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Hämta registerutdrag (PDF)").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as data:
        page.get_by_role("link", name="Hämta som fil (JSON)").click()
    assert "Amina Ali" in open(data.value.path(), encoding="utf-8").read()


def test_an_admin_makes_an_extract_on_request_and_sees_the_retention_plan(live_server, page):
    _code, personnummer = _client_with_code(live_server)
    live_server.user("admin")
    login(page, live_server.url, "admin@test.example")
    page.get_by_role("link", name="Registerutdrag").click()
    page.get_by_label("Personnummer").fill(personnummer)
    page.get_by_role("button", name="Sök").click()
    expect(page.get_by_role("heading", name="Amina Ali")).to_be_visible()
    assert personnummer not in page.url
    shot(page, "privacy-admin-extract")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Hämta utdraget som PDF").click()
    assert pdf.value.suggested_filename.endswith(".pdf")

    page.get_by_role("link", name="Gallring").click()
    expect(page.get_by_role("heading", name="Tidigare körningar")).to_be_visible()
    expect(page.locator("#due-clients")).to_have_text("0")
    shot(page, "privacy-admin-retention")
