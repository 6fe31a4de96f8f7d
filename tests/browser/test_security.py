"""In Chromium: a login link carries the code after "#", the page moves it into the form and out
of the address bar, and the Content-Security-Policy lets the app's own scripts run."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.kundval import factories as f

pytestmark = pytest.mark.browser


def test_a_login_link_fills_in_the_code_and_keeps_it_out_of_the_address(live_server, page):
    with live_server.session() as s:
        me = f.client(s, 0, name="Amina Ali")
        f.referral(s, me, decided_on=date.today())
        from app.kundval import service
        code = service.issue_login_code(s, me, actor_id=None)
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(f"{live_server.url}/deltagare/logga-in#kod={code.replace('-', '')}")
    expect(page.get_by_label("Din kod")).to_have_value(code.replace("-", ""))
    assert "#" not in page.url and code.replace("-", "") not in page.url
    expect(page.get_by_text("Koden från länken är ifylld")).to_be_visible()
    shot(page, "security-login-link")
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(f"{live_server.url}/deltagare/")
    assert violations == []
