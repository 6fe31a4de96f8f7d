"""The second factor in Chromium: enrol with the QR page, sign in with a code, a recovery code, a reset."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, shot, totp_code


def _password(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def _sign_out(page) -> None:
    page.get_by_role("button", name="Logga ut").click()


def test_enrol_sign_in_with_a_code_and_with_a_recovery_code(live_server, page):
    user = live_server.user("case_worker", second_factor=False)
    _password(page, live_server.url, user.email)
    expect(page.get_by_role("heading", name="Aktivera tvåstegsverifiering")).to_be_visible()
    qr = page.get_by_role("img", name=f"QR-kod för {user.email} i Kundval")
    expect(qr).to_be_visible()
    # Visible comes before loaded (the image is its own request): wait for the picture itself.
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    shot(page, "second-factor-enrol")

    page.get_by_label("Kod").fill("000000")
    page.get_by_role("button", name="Aktivera").click()
    expect(page.get_by_text("Koden stämmer inte. Kontrollera")).to_be_visible()
    shot(page, "second-factor-enrol-wrong-code")

    secret = "".join(page.locator("#totp-secret").inner_text().split())
    page.get_by_label("Kod").fill(totp_code(secret))
    page.get_by_role("button", name="Aktivera").click()
    expect(page.get_by_role("heading", name="Tvåstegsverifieringen är aktiverad")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(set(codes)) == 10
    shot(page, "second-factor-recovery-codes")
    page.get_by_role("link", name="Jag har sparat koderna, fortsätt").click()
    expect(page.get_by_text(f"Inloggad som {user.email}")).to_be_visible()

    _sign_out(page)
    _password(page, live_server.url, user.email)
    expect(page.get_by_role("heading", name="Tvåstegsverifiering")).to_be_visible()
    shot(page, "second-factor-verify")
    page.get_by_label("Kod").fill(totp_code(secret))
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_text(f"Inloggad som {user.email}")).to_be_visible()

    _sign_out(page)
    _password(page, live_server.url, user.email)
    page.get_by_label("Kod").fill(codes[0])
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_text("Du loggade in med en reservkod. Du har 9 kvar.")).to_be_visible()
    shot(page, "second-factor-recovery-code-used")


def test_a_password_alone_opens_no_staff_page(live_server, page):
    user = live_server.user("finance")
    _password(page, live_server.url, user.email)
    expect(page.get_by_role("heading", name="Tvåstegsverifiering")).to_be_visible()
    page.goto(f"{live_server.url}/avrakning/")
    expect(page).to_have_url(f"{live_server.url}/login?next=/avrakning/")


def test_an_admin_resets_a_users_second_factor(live_server, page):
    from tests.browser.conftest import login

    live_server.user("admin")
    worker = live_server.user("case_worker", email="karin@test.example")
    login(page, live_server.url, "admin@test.example")
    page.goto(f"{live_server.url}/admin/anvandare")
    row = page.get_by_role("row", name="karin@test.example")
    expect(row.get_by_text("aktiverad", exact=True)).to_be_visible()
    shot(page, "second-factor-admin-users")
    row.get_by_role("button", name="Återställ tvåsteg").click()
    expect(page.get_by_text("Tvåstegsverifieringen för karin@test.example är återställd")).to_be_visible()
    expect(page.get_by_role("row", name="karin@test.example").get_by_text("ej aktiverad")).to_be_visible()
    shot(page, "second-factor-admin-reset")

    _sign_out(page)
    _password(page, live_server.url, worker.email)
    expect(page.get_by_role("heading", name="Aktivera tvåstegsverifiering")).to_be_visible()
