"""The no-choice alternative: set from the import's flag, placing only the unplaced, messages that tell the truth."""
from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from app.kundval import service
from app.kundval.default_job import adopt_flagged_defaults, place_overdue, set_default
from app.kundval.models import DefaultChoiceSetting, Placement, Referral
from app.notifications.models import Notification
from tests.kundval import factories as f

TODAY = f.TODAY


def test_an_offering_flagged_default_choice_becomes_the_setting_of_its_service_type(session):
    prov = f.provider(session)
    flagged = f.offering(session, prov, title="Kommunens praktik")
    flagged.default_choice = True
    f.offering(session, prov, title="Annan praktik")
    assert adopt_flagged_defaults(session) == 1
    setting = session.get(DefaultChoiceSetting, "praktik")
    assert (setting.mode, setting.offering_id) == ("offering", flagged.id)
    assert adopt_flagged_defaults(session) == 0  # an admin's later choice is kept


def test_the_seed_import_sets_the_no_choice_alternative_for_every_service_type(app, session, runner):
    result = runner.invoke(args=["data", "import", "providers_seed/demo.json"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    types = {s.service_type for s in session.exec(select(DefaultChoiceSetting)).all()}
    assert types == {"arbetsprovning", "arbetstraning", "praktik", "utredning"}


def test_job_never_gives_a_second_placement_to_a_client_placed_under_another_decision(session):
    prov = f.provider(session)
    off = f.offering(session, prov)
    set_default(session, "praktik", "offering", off.id, None)
    c = f.client(session)
    chosen = f.referral(session, c, decided_on=TODAY - timedelta(days=20), deadline=TODAY - timedelta(days=10))
    f.placement(session, chosen, off, start=TODAY - timedelta(days=9))
    # An overlapping decision from before such were refused (or from an import).
    duplicate = Referral(ref="B-DUBBLETT", client_id=c.id, service_type="praktik", decided_on=TODAY - timedelta(days=8),
                         valid_from=TODAY - timedelta(days=8), valid_to=TODAY + timedelta(days=90),
                         choice_deadline=TODAY - timedelta(days=1))
    session.add(duplicate)
    session.flush()
    assert place_overdue(session, TODAY, "s").startswith("0 placerade")
    assert session.exec(select(Placement).where(Placement.referral_id == duplicate.id)).all() == []


def test_case_worker_is_told_the_alternative_is_not_set_rather_than_full(session):
    worker_client = f.client(session)
    f.referral(session, worker_client, service_type="utredning", decided_on=TODAY - timedelta(days=10),
               deadline=TODAY - timedelta(days=1))
    place_overdue(session, TODAY, "s")
    note = session.exec(select(Notification)).one()
    assert "inget ickevalsalternativ är inställt för utredning av arbetsförmåga" in note.body


def test_provider_reads_placed_through_no_choice_and_the_client_that_the_municipality_placed(session):
    prov = f.provider(session)
    off = f.offering(session, prov, title="Kommunens praktik")
    set_default(session, "praktik", "offering", off.id, None)
    c = f.client(session)
    service.client_user(session, c)
    f.referral(session, c, decided_on=TODAY - timedelta(days=10), deadline=TODAY - timedelta(days=1))
    place_overdue(session, TODAY, "s")
    to_provider = session.exec(select(Notification).where(Notification.provider_id == prov.id)).one()
    assert "placerad genom ickeval" in to_provider.body and "har valt" not in to_provider.body
    to_client = session.exec(select(Notification).where(Notification.user_id == c.user_id)).one()
    assert "Du valde inte själv" in to_client.body


def test_after_the_deadline_the_client_no_longer_reads_choose_by(app, client, auth, session):
    today = date.today()
    c = f.client(session)
    user = service.client_user(session, c)
    f.referral(session, c, decided_on=today - timedelta(days=10), deadline=today - timedelta(days=1))
    session.commit()
    auth.login_user(user)
    page = client.get("/deltagare/").text
    assert "Välj en anordnare senast" not in page
    assert "Sista dag att välja var" in page
    assert "väljer kommunen åt dig" not in page and "Din handläggare hör av sig" in page


def test_before_the_deadline_the_client_is_told_what_happens_when_the_alternative_is_set(
        app, client, auth, session):
    today = date.today()
    prov = f.provider(session)
    off = f.offering(session, prov)
    set_default(session, "praktik", "offering", off.id, None)
    c = f.client(session)
    user = service.client_user(session, c)
    f.referral(session, c, decided_on=today, deadline=today + timedelta(days=5))
    session.commit()
    auth.login_user(user)
    page = client.get("/deltagare/").text
    assert "Välj en anordnare senast" in page
    assert "placerar kommunen dig hos ickevalsalternativet" in page


def test_admin_screen_explains_the_three_modes(app, client, auth, session):
    auth.login("admin")
    page = client.get("/admin/ickeval").text
    for mode in ("En bestämd tjänst", "Närmast (samma område)", "Slumpvis bland tjänster med lediga platser"):
        assert page.count(mode) >= 2, mode  # in the explanation and in each list
    assert "lottas fram" in page




def test_the_done_page_of_a_client_placed_by_no_choice_does_not_say_they_chose(app, client, auth, session):
    from app.kundval import choice

    today = date.today()
    prov = f.provider(session)
    off = f.offering(session, prov)
    c = f.client(session)
    user = service.client_user(session, c)
    referral = f.referral(session, c, decided_on=today - timedelta(days=10), deadline=today - timedelta(days=1))
    choice.choose(session, referral, off.id, chosen_by="default", actor_id=None, today=today)
    session.commit()
    auth.login_user(user)
    page = client.get(f"/deltagare/beslut/{referral.id}/klart").text
    assert "kommunen har placerat dig hos ickevalsalternativet" in page and "får veta att du har valt" not in page
