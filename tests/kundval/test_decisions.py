"""Decisions: one per client and service type at a time; the case worker corrects or withdraws one."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.common.errors import ValidationError
from app.common.models import AuditLog
from app.kundval import choice, service
from app.kundval.default_job import place_overdue, set_default
from app.kundval.models import Placement, Referral
from app.notifications.models import Notification
from tests.kundval import factories as f

TODAY = f.TODAY


def test_an_overlapping_decision_for_the_same_service_type_is_refused_naming_the_existing_one(session):
    c = f.client(session)
    first = f.referral(session, c)
    with pytest.raises(ValidationError, match=first.ref) as exc:
        f.referral(session, c, decided_on=TODAY + timedelta(days=30))
    assert exc.value.field == "valid_from"
    f.referral(session, c, service_type="utredning")  # another service type is fine
    f.referral(session, c, decided_on=TODAY + timedelta(days=181))  # after the first ends


def test_a_withdrawn_decision_no_longer_blocks_a_new_one_and_its_placement_ends(session):
    prov = f.provider(session)
    off = f.offering(session, prov)
    c = f.client(session)
    referral = f.referral(session, c)
    placement = f.placement(session, referral, off, start=TODAY - timedelta(days=5))
    ended = service.withdraw_referral(session, referral, reason="fel insatstyp", actor_id=None, today=TODAY)
    assert ended == [placement]
    assert (placement.ended_on, placement.end_reason) == (TODAY, "interrupted")
    assert referral.withdrawn_on == TODAY and referral.withdrawal_reason == "fel insatstyp"
    audit = session.exec(select(AuditLog).where(AuditLog.action == "withdraw")).one()
    assert audit.reason == "fel insatstyp"
    told = session.exec(select(Notification).where(Notification.provider_id == prov.id)).one()
    assert "återkallat" in told.body
    f.referral(session, c)  # a new decision is accepted now
    with pytest.raises(ValidationError, match="gäller inte längre"):
        choice.choose(session, referral, off.id, chosen_by="client", actor_id=None, today=TODAY)


def test_withdrawing_needs_a_reason(session):
    referral = f.referral(session, f.client(session))
    with pytest.raises(ValidationError) as exc:
        service.withdraw_referral(session, referral, reason=" ", actor_id=None, today=TODAY)
    assert exc.value.field == "reason"


def test_the_no_choice_job_skips_a_withdrawn_decision(session):
    prov = f.provider(session)
    off = f.offering(session, prov)
    set_default(session, "praktik", "offering", off.id, None)
    referral = f.referral(session, f.client(session), decided_on=TODAY - timedelta(days=10),
                          deadline=TODAY - timedelta(days=1))
    service.withdraw_referral(session, referral, reason="flyttat", actor_id=None, today=TODAY)
    assert place_overdue(session, TODAY, "s") == "0 placerade med ickevalsalternativ, 0 kunde inte placeras"
    assert session.exec(select(Placement)).all() == []


def test_correcting_a_decision_is_audited_and_cannot_overlap_another(session):
    c = f.client(session)
    first = f.referral(session, c)
    later = f.referral(session, c, decided_on=TODAY + timedelta(days=200))
    with pytest.raises(ValidationError, match=first.ref):
        service.correct_referral(session, later, valid_from=TODAY + timedelta(days=100),
                                 valid_to=later.valid_to, max_hours_per_week=None, choice_deadline=None,
                                 reason="ny start", actor_id=None)
    service.correct_referral(session, first, valid_from=first.valid_from, valid_to=TODAY + timedelta(days=90),
                             max_hours_per_week="20", choice_deadline=None, reason="kortare", actor_id=None)
    assert first.valid_to == TODAY + timedelta(days=90)
    audit = session.exec(select(AuditLog).where(AuditLog.action == "correct", AuditLog.entity == "referral")).one()
    assert audit.reason == "kortare" and audit.before["valid_to"] != audit.after["valid_to"]


def test_case_worker_withdraws_on_screen_and_the_client_sees_it(app, client, auth, session):
    today = date.today()
    worker = auth.login("case_worker")
    c = f.client(session, case_worker_id=worker.id)
    referral = f.referral(session, c, decided_on=today)
    session.commit()
    page = client.get(f"/handlaggare/beslut/{referral.id}/aterkalla")
    assert "Återkalla beslut" in page.text
    r = client.post(f"/handlaggare/beslut/{referral.id}/aterkalla", data={"reason": ""})
    assert r.status_code == 400
    r = client.post(f"/handlaggare/beslut/{referral.id}/aterkalla", data={"reason": "Fattat av misstag"})
    assert r.status_code == 302
    assert "Återkallat" in client.get(f"/handlaggare/deltagare/{c.id}").text
    session.expire_all()
    assert session.get(Referral, referral.id).withdrawn_on == today


def test_a_duplicate_decision_on_screen_is_refused_naming_the_existing_one(app, client, auth, session):
    today = date.today()
    worker = auth.login("case_worker")
    c = f.client(session, case_worker_id=worker.id)
    existing = f.referral(session, c, decided_on=today)
    session.commit()
    r = client.post(f"/handlaggare/deltagare/{c.id}/beslut/nytt", data={
        "service_type": "praktik", "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=30)).isoformat()})
    assert r.status_code == 400 and existing.ref in r.text
    assert len(session.exec(select(Referral)).all()) == 1
