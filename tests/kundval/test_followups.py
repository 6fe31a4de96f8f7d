"""Follow-ups at the bonus rule's sustain_days and 90 days after the end: yes, no or not reached."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from app.common.base import new_ref
from app.common.errors import ValidationError
from app.kundval import followups
from app.kundval import service as kundval_service
from app.kundval.models import FollowUp, Outcome
from app.settlement.models import BonusRule
from tests.exchange.test_import import personal_id
from tests.kundval import factories as f
from tests.statements import statements

TODAY = date(2026, 12, 1)


def _placement(session, *, start, ended_on=None, end_reason=None):
    prov = f.provider(session)
    off = f.offering(session, prov)
    referral = f.referral(session, f.client(session), decided_on=start - timedelta(days=5))
    return f.placement(session, referral, off, start=start, ended_on=ended_on, end_reason=end_reason)


def _result(session, placement, result_date):
    o = Outcome(ref=new_ref("RES"), placement_id=placement.id, kind="employment", result_date=result_date,
                verified_on=result_date)
    session.add(o)
    session.flush()
    return o


def test_the_sustain_follow_up_comes_at_the_rules_sustain_days_not_90(session):
    session.add(BonusRule(ref="B1", service_types=["praktik"], outcome_kinds=["employment"], tiers=[],
                          sustain_days=180, sustain_amount=Decimal("1000.00")))
    p = _placement(session, start=date(2026, 1, 5))
    o = _result(session, p, date(2026, 5, 1))
    assert followups.due_page(session, date(2026, 8, 1), None, 1).rows == []  # 92 days: not yet, the rule says 180
    rows = followups.due_page(session, date(2026, 10, 28), None, 1).rows
    assert [(r.kind, r.due_on) for r in rows] == [("sustain", date(2026, 10, 28))]
    followups.record(session, p, kind="sustain", answer="yes", actor_id=None, today=date(2026, 10, 28))
    assert o.sustained_verified_on == date(2026, 10, 28)
    assert followups.due_page(session, date(2026, 10, 28), None, 1).rows == []


def test_ninety_days_after_the_end_the_case_worker_records_no_or_not_reached(session):
    p = _placement(session, start=date(2026, 3, 2), ended_on=date(2026, 6, 30), end_reason="completed")
    assert followups.due_page(session, date(2026, 9, 27), None, 1).rows == []
    assert [r.kind for r in followups.due_page(session, date(2026, 9, 28), None, 1).rows] == ["after_end"]
    followups.record(session, p, kind="after_end", answer="not_reached", actor_id=None, today=TODAY)
    assert session.exec(select(FollowUp)).one().answer == "not_reached"
    with pytest.raises(ValidationError, match="redan"):
        followups.record(session, p, kind="after_end", answer="no", actor_id=None, today=TODAY)


def test_a_switched_placement_is_not_followed_up_after_its_end(session):
    _placement(session, start=date(2026, 3, 2), ended_on=date(2026, 6, 30), end_reason="switched")
    assert followups.due_page(session, TODAY, None, 1).rows == []


def test_key_figures_count_the_unknown(session):
    p = _placement(session, start=date(2026, 3, 2), ended_on=date(2026, 6, 30), end_reason="completed")
    assert followups.figures(session, TODAY)["after_end"] == {"yes": 0, "no": 0, "not_reached": 0, "unknown": 1}
    followups.record(session, p, kind="after_end", answer="no", actor_id=None, today=TODAY)
    assert followups.figures(session, TODAY)["after_end"] == {"yes": 0, "no": 1, "not_reached": 0, "unknown": 0}


def test_case_worker_answers_on_screen(app, client, auth, session):
    worker = auth.login("case_worker")
    today = date.today()
    p = _placement(session, start=today - timedelta(days=200), ended_on=today - timedelta(days=95),
                   end_reason="completed")
    session.commit()
    page = client.get("/handlaggare/resultat?visa=alla")
    assert "90 dagar efter avslut" in page.text and "Inte nådd" in page.text
    r = client.post(f"/handlaggare/uppfoljning/{p.id}/after_end?visa=alla", data={"answer": "no"})
    assert r.status_code == 302
    assert session.exec(select(FollowUp)).one().recorded_by_id == worker.id


def test_key_figures_page_shows_the_unknown(app, client, auth, session):
    auth.login("admin")
    _placement(session, start=date(2026, 3, 2), ended_on=date(2026, 6, 30), end_reason="completed")
    session.commit()
    page = client.get("/uppfoljning/")
    assert page.status_code == 200 and "Okänd" in page.text


def test_the_follow_ups_due_page_in_the_database_oldest_first_each_once(app, client, auth, session):
    """Both kinds are one list, cut to pages of 50 in SQL ("uppfoljningar" in the URL, so the
    results to verify page on their own); a placement with two results due is followed up once."""
    auth.login("case_worker")
    today = date.today()
    off = f.offering(session, f.provider(session))

    def placed(i, **dates):
        person = kundval_service.register_client(session, personal_id=personal_id(i), name=f"Deltagare {i}")
        referral = f.referral(session, person, decided_on=today - timedelta(days=410))
        return f.placement(session, referral, off, **dates)
    placements = [placed(i, start=today - timedelta(days=300), ended_on=today - timedelta(days=91 + i),
                         end_reason="completed") for i in range(55)]
    running = placed(60, start=today - timedelta(days=400))
    _result(session, running, today - timedelta(days=200))
    _result(session, running, today - timedelta(days=150))  # a later result of the same placement
    session.commit()
    rows = followups.due_page(session, today, None, 1).rows + followups.due_page(session, today, None, 2).rows
    assert len(rows) == 56 and [r.due_on for r in rows] == sorted(r.due_on for r in rows)
    assert [r.kind for r in rows].count("sustain") == 1 and rows[0].placement.id == running.id
    assert {r.placement.id for r in rows if r.kind == "after_end"} == {p.id for p in placements}
    with statements(session) as seen:
        first = client.get("/handlaggare/resultat?visa=alla").text
    assert first.count("90 dagar efter avslut") == 49 and 'href="/handlaggare/resultat?uppfoljningar=2&amp;visa=alla"' in first
    assert any("LIMIT" in s and "UNION ALL" in s for s in seen)
    second = client.get("/handlaggare/resultat?uppfoljningar=2&visa=alla").text
    assert second.count("90 dagar efter avslut") == 6
    last = placements[0]  # the latest due, on page 2: after the answer the case worker is back there
    action = f"/handlaggare/uppfoljning/{last.id}/after_end?visa=alla&amp;uppfoljningar=2"
    assert action in second
    answered = client.post(action.replace("&amp;", "&"), data={"answer": "no"})
    assert answered.headers["Location"].endswith("/handlaggare/resultat?visa=alla&uppfoljningar=2")


def test_a_case_workers_follow_ups_are_their_clients_and_everyones_list_has_all(session, auth):
    """Both kinds, for the clients of the case worker who asks; without one, every client's."""
    mine, other = auth.user("case_worker", "mina@kommun.example"), auth.user("case_worker", "andra@kommun.example")
    prov = f.provider(session)
    off = f.offering(session, prov)
    found = {}
    for n, worker in enumerate((mine, other)):
        client = f.client(session, n, case_worker_id=worker.id)
        referral = f.referral(session, client, decided_on=date(2026, 1, 5))
        ended = f.placement(session, referral, off, start=date(2026, 1, 12), ended_on=date(2026, 6, 30),
                            end_reason="completed")
        _result(session, f.placement(session, referral, off, start=date(2026, 7, 1)), date(2026, 8, 3))
        found[worker.id] = ended.id
    session.flush()
    rows = followups.due_page(session, TODAY, mine.id, 1).rows
    assert {r.client.case_worker_id for r in rows} == {mine.id}
    assert sorted(r.kind for r in rows) == ["after_end", "sustain"]
    assert found[mine.id] in {r.placement.id for r in rows}
    everyone = followups.due_page(session, TODAY, None, 1)
    assert len(everyone.rows) == 4 and {r.client.case_worker_id for r in everyone.rows} == {mine.id, other.id}
