"""An admin keeps the bonus rules; finance sees a late change on the next settlement, in Chromium."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser


def test_admin_creates_a_bonus_rule_with_tiers_and_sees_it_listed(live_server, page):
    user = live_server.user("admin")
    login(page, live_server.url, user.email)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Bonusregler").click()
    page.get_by_role("link", name="Ny bonusregel").click()
    page.get_by_label("Namn").fill("Snabbt till jobb")
    page.get_by_role("checkbox", name="Praktik").check()
    page.get_by_role("checkbox", name="Arbete").check()
    page.get_by_label("Nivå C").check()
    page.get_by_label("Rad 1: dagar").fill("90")
    page.get_by_label("Rad 1: belopp").fill("10000")
    page.get_by_label("Rad 2: dagar").fill("180")
    page.get_by_label("Rad 2: belopp").fill("5000")
    shot(page, "bonus-rule-new")
    page.get_by_role("button", name="Skapa regeln").click()
    expect(page.get_by_text("är skapad")).to_be_visible()
    shot(page, "bonus-rule-show")
    page.get_by_role("link", name="Alla bonusregler").click()
    expect(page.get_by_role("link", name="Snabbt till jobb")).to_be_visible()
    shot(page, "bonus-rules-list")


def test_finance_sees_late_changes_on_the_next_settlement(live_server, page):
    from datetime import date

    from sqlmodel import select

    from app.exchange.importer import import_document
    from app.kundval.models import Attendance, Placement
    from app.reporting import grid
    from app.settlement import service
    from app.settlement.models import Settlement
    from tests.providers.factories import ORG_A, portal_document

    with live_server.session() as session:
        import_document(session, portal_document())
        pid = session.exec(select(Placement.id).where(Placement.ref == "PL1")).one()
        session.add(Attendance(placement_id=pid, date=date(2026, 3, 10), status="present", hours=6))
        service.run_period(session, "2026-03")
        service.approve_period(session, "2026-03", ORG_A)
    provider = live_server.user("provider", email="p@test.example", provider_org_nr=ORG_A)
    with live_server.session() as session:
        grid.apply_changes(session, provider.provider_id, "2026-03",
                           {(pid, date(2026, 3, 11)): ("present", grid.Decimal("8"))}, {}, provider.id,
                           "Glömd dag i mars")
        service.run_period(session, "2026-04")
    with live_server.session() as session:
        april = session.exec(select(Settlement.id).where(Settlement.period == "2026-04",
                                                         Settlement.total_excl_vat != 0)).first()
    user = live_server.user("finance")
    login(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/avrakning/visa/{april}")
    expect(page.get_by_role("heading", name="Sena ändringar")).to_be_visible()
    expect(page.get_by_text("Glömd dag i mars")).to_be_visible()
    shot(page, "settlement-late-changes")
