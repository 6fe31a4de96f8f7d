"""A staff user who chose English reads the outbox's messages in English, also those written in Swedish
pages and jobs before they switched; a Swedish colleague reads the same message in Swedish."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from playwright.sync_api import expect

from app.notifications.service import notify
from tests.browser.conftest import login, shot


def test_an_admin_who_chose_english_reads_the_outbox_in_english(live_server, page):
    live_server.user("admin", email="eva@kommun.example")
    live_server.user("admin", email="sven@kommun.example")
    with live_server.session() as session:
        notify(session, role="admin", subject=_l("Avtal %(ref)s är godtaget", ref="AV-7"),
               body=_l("Anordnaren har godtagit avtal %(ref)s (%(email)s).", ref="AV-7", email="k@steget.example"))
    login(page, live_server.url, "eva@kommun.example")
    page.get_by_role("link", name="English").click()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Messages").click()
    message = page.locator("li.message")
    expect(message.get_by_role("heading", level=2)).to_have_text("Contract AV-7 has been accepted")
    expect(message.locator("p.body")).to_have_text("The provider has accepted contract AV-7 (k@steget.example).")
    shot(page, "outbox_english")
    message.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/sprak/sv?next=/login")
    login(page, live_server.url, "sven@kommun.example")
    page.goto(f"{live_server.url}/meddelanden/")
    expect(page.locator("li.message").get_by_role("heading", level=2)).to_have_text("Avtal AV-7 är godtaget")
    shot(page, "outbox_swedish")
