"""Switching provider: the old placement ends the day before, history stays, each provider is paid its own days."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import select

from app.kundval import choice
from app.kundval.models import Placement
from app.reporting.models import Attendance
from app.settlement.service import compute_period
from tests.kundval import factories as f


def test_settlement_pays_each_provider_its_own_days_after_a_switch(session):
    first_provider = f.provider(session, "Första AB", org_nr="556036-0793")
    second_provider = f.provider(session, "Andra AB", org_nr="556016-0680")
    a = f.offering(session, first_provider, title="A")
    b = f.offering(session, second_provider, title="B")
    referral = f.referral(session, f.client(session), decided_on=date(2026, 3, 1))
    old = f.placement(session, referral, a, start=date(2026, 3, 2))
    new = choice.switch(session, referral, b.id, by="client", actor_id=None, today=date(2026, 3, 16))
    assert (old.ended_on, old.end_reason, new.start_date) == (date(2026, 3, 15), "switched", date(2026, 3, 16))
    day = date(2026, 3, 2)
    while day <= date(2026, 3, 20):  # the old provider also reports days after the switch: not paid
        session.add(Attendance(placement_id=old.id, date=day, status="present", hours=Decimal("4")))
        if day >= new.start_date:
            session.add(Attendance(placement_id=new.id, date=day, status="present", hours=Decimal("4")))
        day += timedelta(days=1)
    session.flush()
    lines = compute_period(session, "2026-03")
    hours = {pid: sum(line.quantity for line in ls if line.kind == "hours") for pid, (ls, _w, _d) in lines.items()}
    assert hours == {first_provider.id: Decimal("56"), second_provider.id: Decimal("20")}


def test_case_worker_switches_and_the_history_stays_visible(app, client, auth, session):
    today = date.today()
    p = f.provider(session, "Första AB", org_nr="556036-0793")
    q = f.provider(session, "Andra AB", org_nr="556016-0680")
    a, b = f.offering(session, p, title="Butik"), f.offering(session, q, title="Lager")
    c = f.client(session)
    referral = f.referral(session, c, decided_on=today - timedelta(days=10))
    f.placement(session, referral, a, start=today - timedelta(days=5))
    session.commit()
    auth.login("case_worker")
    form = client.get(f"/handlaggare/beslut/{referral.id}/placera")
    assert "Byt anordnare" in form.text
    r = client.post(f"/handlaggare/beslut/{referral.id}/placera", data={"offering_id": b.id})
    assert r.status_code == 302, r.text
    page = client.get(f"/handlaggare/deltagare/{c.id}")
    assert "Första AB" in page.text and "Andra AB" in page.text and "Bytt anordnare" in page.text
    session.expire_all()
    placements = session.exec(select(Placement).order_by(Placement.start_date)).all()
    assert [p.chosen_by for p in placements] == ["client", "case_worker"]
    assert placements[0].ended_on == today - timedelta(days=1)
