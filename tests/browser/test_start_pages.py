"""What a person sees after signing in: each role's start page, the menu, errors and the layout."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, second_step, shot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

START_HEADINGS = {
    "admin": "Administration",
    "case_worker": "Handläggare",
    "finance": "Ekonomi",
    "provider": "Arbetsvägen AB",
    "client": "Hej!",
}


def _arrange(live_server, role: str):
    """A user of `role`; a provider user also needs its provider."""
    if role == "provider":
        provider = live_server.provider()
        return live_server.user("provider", provider_org_nr=provider["org_nr"])
    return live_server.user(role)


def _has_no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("role", list(START_HEADINGS))
def test_each_role_signs_in_and_sees_its_swedish_start_page(live_server, page, role):
    user = _arrange(live_server, role)

    login(page, live_server.url, user.email)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(START_HEADINGS[role])
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    nav = page.get_by_role("navigation", name="Huvudmeny")
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="Start")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text(f"Inloggad som {user.email}")).to_be_visible()
    if role == "client":
        expect(page.get_by_text("Du har inget beslut just nu")).to_be_visible()
    shot(page, f"start-{role}")


@pytest.mark.parametrize("role", list(START_HEADINGS))
def test_start_page_fits_a_320_px_phone(live_server, phone_page, role):
    user = _arrange(live_server, role)

    login(phone_page, live_server.url, user.email)

    expect(phone_page.get_by_role("heading", level=1)).to_have_text(START_HEADINGS[role])
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 320
    shot(phone_page, f"start-{role}-phone")


def test_signing_out_returns_to_the_login_page(live_server, page):
    user = live_server.user("admin")
    login(page, live_server.url, user.email)

    page.get_by_role("button", name="Logga ut").click()

    expect(page).to_have_url(f"{live_server.url}/login")
    expect(page.get_by_text("Du är utloggad.")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")


def test_wrong_password_is_explained_beside_the_field(live_server, page):
    user = live_server.user("finance")

    login(page, live_server.url, user.email, PASSWORD + "-fel")

    password = page.get_by_label("Lösenord")
    error = page.locator("#password-error")
    expect(error).to_have_text("Fel e-postadress eller lösenord.")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_attribute("aria-describedby", re.compile(r"\bpassword-error\b"))
    expect(page.get_by_label("E-postadress")).to_have_value(user.email)
    shot(page, "login-wrong-password")


def test_login_page_on_desktop_and_phone(live_server, page, phone_page):
    for name, pg in (("login", page), ("login-phone", phone_page)):
        pg.goto(f"{live_server.url}/login")
        expect(pg.get_by_role("heading", level=1)).to_have_text("Logga in")
        expect(pg.get_by_label("E-postadress")).to_be_visible()
        expect(pg.get_by_role("button", name="Logga in")).to_be_visible()
        assert _has_no_horizontal_scroll(pg)
        shot(pg, name)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 320


def test_language_switch_to_english_and_back(live_server, page):
    user = live_server.user("admin")
    page.goto(f"{live_server.url}/login")

    page.get_by_role("link", name="English").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    login_en = page.get_by_label("Email address")
    login_en.fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    second_step(page, user.email)
    expect(page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Home")
           ).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    shot(page, "start-admin-english")

    page.get_by_role("link", name="Svenska").click()

    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "sv")


def test_first_tab_reaches_a_visible_skip_link(live_server, page):
    page.goto(f"{live_server.url}/login")

    page.keyboard.press("Tab")

    focused = page.locator(":focus")
    expect(focused).to_have_text("Hoppa till innehållet")
    expect(focused).to_be_in_viewport()
    outline = focused.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    shot(page, "login-skip-link-focus", full_page=False)

    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/login#main")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("id", "email")


def test_every_control_shows_where_the_keyboard_focus_is(live_server, page):
    user = live_server.user("admin")
    login(page, live_server.url, user.email)

    seen = set()
    for _ in range(30):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => {
            const el = document.activeElement, style = getComputedStyle(el);
            return {tag: el.tagName, text: el.textContent.trim(),
                    outline: style.outlineStyle, shadow: style.boxShadow};
        }""")
        if info["tag"] == "BODY":
            break
        assert info["outline"] != "none" or info["shadow"] != "none", info
        seen.add(info["text"])
    assert {"Hoppa till innehållet", "Start", "Logga ut"} <= seen


def test_unknown_address_shows_the_friendly_swedish_404_page(live_server, page):
    response = page.goto(f"{live_server.url}/finns-inte")

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Sidan finns inte.")
    expect(page.get_by_text("Felkod 404")).to_be_visible()
    expect(page.get_by_role("link", name="Till startsidan")).to_be_visible()
    shot(page, "error-404")
