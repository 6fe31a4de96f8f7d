"""Parking made visible, in Chromium: finance opens the levels page from the follow-up dashboard."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_kundval_choice import check
from tests.kundval import factories as f


def test_finance_sees_providers_per_level_beside_the_municipality(live_server, page):
    from app.kundval.models import Attendance

    with live_server.session() as s:
        for name, org_nr, hours, interrupted in (("Steget AB", "556036-0793", "8", 1),
                                                 ("Parkering AB", "556016-0680", "1", 4)):
            prov = f.provider(s, name, org_nr=org_nr)
            off = f.offering(s, prov)
            for i in range(5):
                r = f.referral(s, f.client(s, i + (0 if name == "Steget AB" else 5)), decided_on=date(2025, 12, 1))
                r.level = "C"
                pl = f.placement(s, r, off, start=date(2026, 1, 5), ended_on=date(2026, 2, 1),
                                 end_reason="interrupted" if i < interrupted else "completed")
                for day in (5, 12, 19, 26):
                    s.add(Attendance(placement_id=pl.id, date=date(2026, 1, day), status="present",
                                     hours=Decimal(hours)))
    user = live_server.user("finance")
    login(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/uppfoljning/?year=2026")
    page.get_by_role("link", name="Nivåer och parkering").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nivåer och parkering 2026")
    expect(page.get_by_role("row", name="Parkering AB")).to_contain_text("80,0")
    expect(page.get_by_role("row", name="Hela kommunen")).to_be_visible()
    check(page, "parking-levels")
