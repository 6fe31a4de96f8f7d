"""Switching provider: the old placement ends the day before, history stays, each provider is paid its own days."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import select

from app.kundval import choice
from app.kundval.models import Attendance, Placement
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


def test_switch_tells_the_old_provider_the_last_day_and_closes_its_grid_after_it(session):
    from app.common.errors import ValidationError
    from app.notifications.models import Notification
    from app.reporting import grid

    first_provider = f.provider(session, "Första AB", org_nr="556036-0793")
    second_provider = f.provider(session, "Andra AB", org_nr="556016-0680")
    a = f.offering(session, first_provider, title="A")
    b = f.offering(session, second_provider, title="B")
    referral = f.referral(session, f.client(session), decided_on=date(2026, 3, 1))
    old = f.placement(session, referral, a, start=date(2026, 3, 2))
    choice.switch(session, referral, b.id, by="case_worker", actor_id=None, today=date(2026, 3, 10),
                  start_date=date(2026, 3, 16))
    told = session.exec(select(Notification).where(Notification.provider_id == first_provider.id)).all()
    assert [n.subject for n in told] == ["Deltagaren byter anordnare"]
    assert "2026-03-15" in told[0].body and old.ref in told[0].body
    assert grid.apply_changes(session, first_provider.id, "2026-03", {(old.id, date(2026, 3, 13)): (
        "present", Decimal("4"))}, {}, None) == 1
    try:
        grid.apply_changes(session, first_provider.id, "2026-03",
                           {(old.id, date(2026, 3, 16)): ("present", Decimal("4"))}, {}, None)
    except ValidationError as exc:
        assert "utanför placeringens giltighetstid" in exc.message
    else:
        raise AssertionError("a day after the switch was accepted")


def test_the_client_picks_the_switch_date(app, client, auth, session):
    from app.kundval import service

    today = date.today()
    p = f.provider(session, "Första AB", org_nr="556036-0793")
    q = f.provider(session, "Andra AB", org_nr="556016-0680")
    a, b = f.offering(session, p, title="Butik"), f.offering(session, q, title="Lager")
    c = f.client(session)
    referral = f.referral(session, c, decided_on=today - timedelta(days=10))
    old = f.placement(session, referral, a, start=today - timedelta(days=5))
    user = service.client_user(session, c)
    session.commit()
    auth.login_user(user)
    day = today + timedelta(days=7)
    r = client.post(f"/deltagare/beslut/{referral.id}/tjanster/{b.id}/valj",
                    data={"offering_id": b.id, "start_date": day.isoformat()})
    assert r.status_code == 302, r.text
    session.expire_all()
    assert session.get(Placement, old.id).ended_on == day - timedelta(days=1)
    overview = client.get("/deltagare/").text
    assert "Tidigare placeringar" in overview and "Första AB" in overview and "Bytt anordnare" in overview
