"""Clients, referrals, login codes, choosing, switching, results and the default placement job."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from app.common.base import utcnow
from app.common.errors import ValidationError
from app.extensions import make_engine
from app.kundval import caselist, choice, followups, results, service
from app.kundval.default_job import default_placement_job, place_overdue, set_default
from app.kundval.models import ClientLoginCode, Outcome, Placement
from tests.kundval import factories as f
from tests.statements import statements

TODAY = f.TODAY


def test_personnummer_is_validated_and_stored_encrypted(session):
    with pytest.raises(ValidationError) as exc:
        service.register_client(session, personal_id="19900101-1234", name="A")
    assert exc.value.field == "personal_id" and "1234" not in exc.value.message
    c = f.client(session)
    assert "19900101" not in c.personal_id_encrypted
    assert service.masked_id(c) == "19900101-****"
    assert service.find_client(session, "199001011239").id == c.id


def test_samordningsnummer_is_accepted_with_its_real_birth_date(session):
    c = f.client(session, 10)
    assert c.birth_date.isoformat() == "1984-03-01"


def test_the_same_person_cannot_be_registered_twice(session):
    f.client(session)
    with pytest.raises(ValidationError, match="redan"):
        f.client(session)


def test_choice_deadline_defaults_to_five_working_days_without_public_holidays(session):
    r = f.referral(session, f.client(session))
    assert r.choice_deadline == date(2026, 12, 1)  # Tue 24 Nov + 5 working days
    christmas = f.referral(session, f.client(session, 1), decided_on=date(2026, 12, 22))
    assert christmas.choice_deadline == date(2026, 12, 30)  # 25 and 26 December are holidays


def test_families_with_children_come_first_in_the_caseload(session):
    f.client(session, 0, case_worker_id=None, name="Anna utan barn")
    f.client(session, 1, children=True, name="Örjan med barn")  # last by name, first in the list
    rows = caselist.case_list(session, case_worker_id=None, today=TODAY).rows
    assert [r.client.name for r in rows] == ["Örjan med barn", "Anna utan barn"]


def test_a_login_code_works_once(session):
    c = f.client(session)
    code = service.issue_login_code(session, c, actor_id=None)
    user = service.redeem_login_code(session, code.lower())
    assert user.role == "client" and c.user_id == user.id
    with pytest.raises(ValidationError):
        service.redeem_login_code(session, code)


def test_an_expired_login_code_is_refused(session):
    c = f.client(session)
    code = service.issue_login_code(session, c, actor_id=None)
    row = session.exec(select(ClientLoginCode)).one()
    row.expires_at = utcnow() - timedelta(minutes=1)
    session.flush()
    with pytest.raises(ValidationError):
        service.redeem_login_code(session, code)


def test_offerings_are_published_of_the_type_with_free_places_from_approved_providers(session):
    good = f.provider(session)
    bad = f.provider(session, "Ej godkänd AB", status="suspended")
    shown = f.offering(session, good, title="Visas")
    f.offering(session, good, title="Fel typ", service_type="utredning")
    f.offering(session, good, title="Utkast", status="draft")
    full = f.offering(session, good, title="Full", capacity=1)
    f.offering(session, bad, title="Avstängd")
    other = f.referral(session, f.client(session, 1))
    f.placement(session, other, full, start=TODAY)
    r = f.referral(session, f.client(session))
    titles = [c.offering.title for c in choice.available_offerings(session, r, TODAY, secret="s")]
    assert titles == [shown.title]


def test_the_order_is_random_but_stable_for_each_client(session):
    p = f.provider(session)
    for i in range(8):
        f.offering(session, p, title=f"Tjänst {i}")
    r1 = f.referral(session, f.client(session, 0))
    r2 = f.referral(session, f.client(session, 1))
    first = [c.offering.id for c in choice.available_offerings(session, r1, TODAY, secret="s")]
    again = [c.offering.id for c in choice.available_offerings(session, r1, TODAY, secret="s")]
    other = [c.offering.id for c in choice.available_offerings(session, r2, TODAY, secret="s")]
    assert first == again and first != other and sorted(first) == sorted(other)


def test_filters_by_area_language_and_text(session):
    p = f.provider(session)
    f.offering(session, p, title="Lager", area="Norr", languages=["sv", "so"])
    f.offering(session, p, title="Kök", area="Söder", languages=["sv"])
    r = f.referral(session, f.client(session))

    def titles(**kw):
        return [c.offering.title for c in choice.available_offerings(session, r, TODAY, secret="s", **kw)]
    assert titles(area="Norr") == ["Lager"]
    assert titles(language="so") == ["Lager"]
    assert titles(text="kök") == ["Kök"]


def test_results_are_shown_only_from_the_minimum_number_of_ended_placements(session):
    p = f.provider(session)
    o = f.offering(session, p, capacity=100)
    for i in range(4):
        r = f.referral(session, f.client(session, i), decided_on=TODAY - timedelta(days=400))
        pl = f.placement(session, r, o, start=TODAY - timedelta(days=390), ended_on=TODAY - timedelta(days=200),
                         end_reason="completed")
        if i < 3:
            session.add(Outcome(ref=f"R{i}", placement_id=pl.id, kind="employment",
                                result_date=pl.ended_on + timedelta(days=60 if i < 2 else 150),
                                verified_on=TODAY - timedelta(days=10)))
    session.flush()
    hidden = choice.provider_results(session, [p.id], TODAY, minimum=18)[p.id]
    assert hidden.ended == 4 and not hidden.shown and hidden.share(90) is None
    with statements(session) as seen:
        shown = choice.provider_results(session, [p.id], TODAY, minimum=4)[p.id]
    assert (shown.share(90), shown.share(180)) == (50, 75)
    assert len(seen) == 1  # counted in the database: no placement or outcome row is read


def test_choosing_places_the_client_and_tells_the_case_worker(session):
    p = f.provider(session)
    o = f.offering(session, p)
    r = f.referral(session, f.client(session))
    pl = choice.choose(session, r, o.id, chosen_by="client", actor_id=None, today=TODAY)
    assert pl.start_date == TODAY and pl.chosen_by == "client"
    with pytest.raises(ValidationError, match="redan"):
        choice.choose(session, r, o.id, chosen_by="client", actor_id=None, today=TODAY)


def test_switching_ends_the_current_placement_the_day_before(session):
    p = f.provider(session)
    a, b, c = f.offering(session, p, title="A"), f.offering(session, p, title="B"), f.offering(session, p, title="C")
    r = f.referral(session, f.client(session), decided_on=TODAY - timedelta(days=30))
    first = f.placement(session, r, a, start=TODAY - timedelta(days=20))
    new = choice.switch(session, r, b.id, by="client", actor_id=None, today=TODAY)
    assert new.start_date == TODAY and first.ended_on == TODAY - timedelta(days=1)
    assert first.end_reason == "switched"
    with pytest.raises(ValidationError, match="redan bytt"):
        choice.switch(session, r, c.id, by="client", actor_id=None, today=TODAY + timedelta(days=5))
    third = choice.switch(session, r, c.id, by="case_worker", actor_id=None, today=TODAY + timedelta(days=5))
    assert new.ended_on == TODAY + timedelta(days=4) and third.chosen_by == "case_worker"
    assert len(session.exec(select(Placement).where(Placement.referral_id == r.id)).all()) == 3


def test_verified_result_and_its_ninety_day_follow_up(session):
    p = f.provider(session)
    o = f.offering(session, p)
    r = f.referral(session, f.client(session), decided_on=TODAY - timedelta(days=200))
    pl = f.placement(session, r, o, start=TODAY - timedelta(days=190))
    out = Outcome(ref="R1", placement_id=pl.id, kind="employment", result_date=TODAY - timedelta(days=100))
    session.add(out)
    session.flush()
    assert [row.outcome.id for row in results.to_verify(session)] == [out.id]
    results.verify(session, out, on=TODAY - timedelta(days=95), actor_id=None)
    assert results.to_verify(session) == []
    assert [row.outcome.id for row in followups.due_page(session, TODAY, None, 1).rows] == [out.id]
    assert followups.due_page(session, TODAY - timedelta(days=11), None, 1).rows == []
    followups.record(session, pl, kind="sustain", answer="yes", actor_id=None, today=TODAY)
    assert out.sustained_verified_on == TODAY and followups.due_page(session, TODAY, None, 1).rows == []


def test_a_rejected_result_needs_a_reason(session):
    p = f.provider(session)
    r = f.referral(session, f.client(session))
    pl = f.placement(session, r, f.offering(session, p), start=TODAY)
    out = Outcome(ref="R1", placement_id=pl.id, kind="studies", result_date=TODAY)
    session.add(out)
    session.flush()
    with pytest.raises(ValidationError):
        results.reject(session, out, on=TODAY, reason=" ", actor_id=None)
    results.reject(session, out, on=TODAY, reason="Intyget saknas", actor_id=None)
    assert results.to_verify(session) == []


def test_default_job_places_overdue_clients_once(session):
    p = f.provider(session)
    default = f.offering(session, p, title="Standard")
    f.offering(session, p, title="Annan")
    set_default(session, "praktik", "offering", default.id, None)
    late = f.referral(session, f.client(session, 0), decided_on=TODAY - timedelta(days=20))
    f.referral(session, f.client(session, 1), decided_on=TODAY - timedelta(days=5))
    outcome = default_placement_job(session, TODAY)
    assert outcome.ran and outcome.detail.startswith("1 placerade")
    placed = session.exec(select(Placement)).all()
    assert [(p.referral_id, p.offering_id, p.chosen_by) for p in placed] == [(late.id, default.id, "default")]
    assert not default_placement_job(session, TODAY).ran
    assert place_overdue(session, TODAY + timedelta(days=1), "s").startswith("0 placerade")
    assert len(session.exec(select(Placement)).all()) == 1


def test_default_job_random_mode_uses_an_offering_with_free_places(session):
    p = f.provider(session)
    f.offering(session, p, title="Full", capacity=0)
    free = f.offering(session, p, title="Ledig")
    set_default(session, "praktik", "random", None, None)
    f.referral(session, f.client(session), decided_on=TODAY - timedelta(days=20))
    place_overdue(session, TODAY, "s")
    assert session.exec(select(Placement.offering_id)).all() == [free.id]


def test_default_job_nearest_mode_uses_an_offering_in_the_clients_home_area(session):
    p = f.provider(session)
    f.offering(session, p, title="Långt bort", area="Norrby")
    near = f.offering(session, p, title="Nära", area="Söderby")
    set_default(session, "praktik", "nearest", None, None)
    c = f.client(session)
    c.area = "Söderby"
    f.referral(session, c, decided_on=TODAY - timedelta(days=20))
    place_overdue(session, TODAY, "s")
    assert session.exec(select(Placement.offering_id)).all() == [near.id]


def _parallel(url: str, work, count: int = 2):
    engine = make_engine(url)
    barrier = threading.Barrier(count)
    results_, errors = [], []

    def worker(i):
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait()
            try:
                results_.append(work(s, i))
                s.commit()
            except Exception as exc:  # collected for the test
                s.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    engine.dispose()
    return results_, errors


def test_two_clients_choosing_the_last_place_at_once_exactly_one_gets_it(session, database_url):
    p = f.provider(session)
    o = f.offering(session, p, capacity=1)
    refs = [f.referral(session, f.client(session, i)).id for i in range(2)]
    session.commit()

    def work(s, i):
        from app.kundval.models import Referral
        return choice.choose(s, s.get(Referral, refs[i]), o.id, chosen_by="client", actor_id=None, today=TODAY).id

    done, errors = _parallel(database_url, work, count=2)
    assert len(done) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError) and "tagen" in errors[0].message
    session.expire_all()
    assert len(session.exec(select(Placement)).all()) == 1


def test_two_default_jobs_at_once_never_double_place(session, database_url):
    p = f.provider(session)
    o = f.offering(session, p)
    set_default(session, "praktik", "offering", o.id, None)
    for i in range(3):
        f.referral(session, f.client(session, i), decided_on=TODAY - timedelta(days=20))
    session.commit()
    _, errors = _parallel(database_url, lambda s, i: default_placement_job(s, TODAY), count=2)
    assert not errors
    session.expire_all()
    assert len(session.exec(select(Placement)).all()) == 3


def test_default_job_places_families_with_children_first_when_places_are_scarce(session):
    p = f.provider(session)
    o = f.offering(session, p, capacity=1)
    set_default(session, "praktik", "offering", o.id, None)
    f.referral(session, f.client(session, 0), decided_on=TODAY - timedelta(days=30))
    family = f.referral(session, f.client(session, 1, children=True), decided_on=TODAY - timedelta(days=20))
    assert place_overdue(session, TODAY, "s") == "1 placerade med ickevalsalternativ, 1 kunde inte placeras"
    assert session.exec(select(Placement.referral_id)).all() == [family.id]


def test_only_offerings_available_today_are_shown(session):
    """A new price from a later date is a second offering; clients see the one valid today."""
    p = f.provider(session)
    old = f.offering(session, p, title="Gammalt pris")
    new = f.offering(session, p, title="Nytt pris")
    old.available_to = TODAY
    new.available_from = TODAY + timedelta(days=1)
    session.flush()
    r = f.referral(session, f.client(session))
    assert [c.offering.title for c in choice.available_offerings(session, r, TODAY, secret="s")] == ["Gammalt pris"]
    tomorrow = TODAY + timedelta(days=1)
    assert [c.offering.title for c in choice.available_offerings(session, r, tomorrow, secret="s")] == ["Nytt pris"]


@pytest.mark.parametrize("cap, stored", [("168", "168.00"), ("37,5", "37.50"), ("", None)])
def test_a_weekly_cap_may_be_up_to_168_hours(session, cap, stored):
    c = f.client(session, 0)
    referral = service.create_referral(session, c, service_type="praktik", valid_from=f.TODAY,
                                       valid_to=f.TODAY + timedelta(days=30), decided_on=f.TODAY,
                                       max_hours_per_week=cap, case_worker_id=None)
    assert (str(referral.max_hours_per_week) if referral.max_hours_per_week is not None else None) == stored


@pytest.mark.parametrize("cap", ["168.25", "0", "-5", "NaN", "Infinity", "1e400", "tjugo"])
def test_a_weekly_cap_outside_0_to_168_or_not_a_number_names_the_field(session, cap):
    c = f.client(session, 0)
    with pytest.raises(ValidationError) as error:
        service.create_referral(session, c, service_type="praktik", valid_from=f.TODAY,
                                valid_to=f.TODAY + timedelta(days=30), decided_on=f.TODAY,
                                max_hours_per_week=cap, case_worker_id=None)
    assert error.value.field == "max_hours_per_week"
