"""A security key in Chromium (a virtual authenticator over CDP): added by a signed-in user, then
used instead of the app's code. WebAuthn needs a host name, so the pages are opened on localhost."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, login, shot


def _virtual_key(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})


def test_a_security_key_is_added_and_then_signs_in(live_server, page):
    base = live_server.url.replace("127.0.0.1", "localhost")
    user = live_server.user("case_worker")
    _virtual_key(page)
    login(page, base, user.email)
    page.goto(f"{base}/konto/sakerhetsnycklar/")
    expect(page.get_by_text("Du har inga säkerhetsnycklar än.")).to_be_visible()
    page.get_by_label("Namn på nyckeln").fill("YubiKey på kontoret")
    page.get_by_role("button", name="Lägg till säkerhetsnyckel").click()
    expect(page.get_by_text("Säkerhetsnyckeln är tillagd.")).to_be_visible()
    expect(page.get_by_role("cell", name="YubiKey på kontoret", exact=True)).to_be_visible()
    shot(page, "passkeys-added")

    page.get_by_role("button", name="Logga ut").click()
    page.get_by_label("E-postadress").fill(user.email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("button", name="Använd säkerhetsnyckel")).to_be_visible()
    shot(page, "passkeys-verify")
    page.get_by_role("button", name="Använd säkerhetsnyckel").click()
    expect(page.get_by_text(f"Inloggad som {user.email}")).to_be_visible()
