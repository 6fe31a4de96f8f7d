"""The case worker's and the client's pages, through the Flask test client."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import select

from app.common.models import AccessLog
from app.common.workdays import add_working_days
from app.extensions import db
from app.kundval.models import Client, Outcome, Placement, Referral
from tests.kundval import factories as f

PNR = "19900101-1239"


def _register(client):
    r = client.post("/handlaggare/deltagare/ny", data={
        "personal_id": PNR, "name": "Amina Ali", "language": "ar", "children_in_household": "y", "phone": ""})
    assert r.status_code == 302, r.text
    return int(re.search(r"/deltagare/(\d+)/", r.headers["Location"]).group(1))


def _sign_in_as(auth, user):
    """Switch user; the session fixture keeps the app context (and Flask-Login's cached user in g)."""
    from flask import g, has_app_context
    auth.login_user(user)
    if has_app_context():
        g.pop("_login_user", None)


def _login(auth, role, **kw):
    user = auth.user(role, **kw)
    _sign_in_as(auth, user)
    return user


def _offerings(app, n=2, capacity=3):
    from app.extensions import db
    with app.app_context():
        p = f.provider(db.session, "Steget AB")
        ids = [f.offering(db.session, p, title=f"Praktik {i}", capacity=capacity).id for i in range(n)]
        db.session.commit()
        return ids


def _code(client, client_id):
    r = client.post(f"/handlaggare/deltagare/{client_id}/kod")
    assert r.status_code == 200
    return re.search(r'class="login-code"[^>]*>([A-Z0-9]{4}-[A-Z0-9]{4})<', r.text).group(1)


def test_case_worker_registers_client_and_decision_and_client_chooses(app, client, auth, session):
    offering_ids = _offerings(app)
    worker = _login(auth, "case_worker")
    client_id = _register(client)
    today = date.today()
    r = client.post(f"/handlaggare/deltagare/{client_id}/beslut/nytt", data={
        "service_type": "praktik", "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=90)).isoformat(), "max_hours_per_week": "20"})
    assert r.status_code == 302, r.text
    referral = session.exec(select(Referral)).one()
    assert referral.choice_deadline == add_working_days(today, 5)
    page = client.get("/handlaggare/deltagare")
    assert "Amina Ali" in page.text and "19900101-****" in page.text and PNR not in page.text
    assert "väntar på val" in page.text
    code = _code(client, client_id)

    auth.logout()
    r = client.post("/deltagare/logga-in", data={"code": code.lower()})
    assert r.status_code == 302 and r.headers["Location"].endswith("/deltagare/")
    assert 'lang="ar"' in client.get("/deltagare/").text  # the language the case worker recorded
    client.get("/sprak/sv")  # the client picks Swedish
    assert "Välj en anordnare senast" in client.get("/deltagare/").text
    listing = client.get(f"/deltagare/beslut/{referral.id}/tjanster")
    assert all(f"/tjanster/{oid}" in listing.text for oid in offering_ids)
    compare = client.get(f"/deltagare/beslut/{referral.id}/jamfor?o={offering_ids[0]}&o={offering_ids[1]}")
    assert compare.status_code == 200 and "Praktik 0" in compare.text and "Praktik 1" in compare.text
    confirm = client.get(f"/deltagare/beslut/{referral.id}/tjanster/{offering_ids[0]}/valj")
    assert "Bekräfta ditt val" in confirm.text
    r = client.post(f"/deltagare/beslut/{referral.id}/tjanster/{offering_ids[0]}/valj",
                    data={"offering_id": offering_ids[0]})
    assert r.status_code == 302
    done = client.get(r.headers["Location"])
    assert "ringer dig" in done.text and "Steget AB" in done.text
    session.expire_all()
    placement = session.exec(select(Placement)).one()
    assert placement.chosen_by == "client" and placement.offering_id == offering_ids[0]
    # the code works once only
    client.post("/logout")
    assert client.post("/deltagare/logga-in", data={"code": code}).status_code == 400

    pages = {page for page, user_id in session.exec(select(AccessLog.page, AccessLog.user_id)).all()
             if user_id == worker.id}
    assert "handläggare: nytt beslut" in pages


def test_personnummer_never_appears_in_urls_or_titles(app, client, auth):
    _login(auth, "case_worker")
    client_id = _register(client)
    page = client.get(f"/handlaggare/deltagare/{client_id}")
    title = re.search(r"<title>(.*?)</title>", page.text, re.S).group(1)
    assert "19900101" not in title and PNR not in page.text
    r = client.post("/handlaggare/deltagare/sok", data={"personal_id": PNR})
    assert r.headers["Location"].endswith(f"/handlaggare/deltagare/{client_id}")


def test_a_client_cannot_see_another_clients_decision(app, client, auth, session):
    other = f.client(session, 1)
    other_ref = f.referral(session, other)
    me = f.client(session, 0)
    f.referral(session, me)
    from app.kundval import service
    user = service.client_user(session, me)
    session.commit()
    _sign_in_as(auth, user)
    assert client.get(f"/deltagare/beslut/{other_ref.id}/tjanster").status_code == 404
    assert client.get("/handlaggare/deltagare").status_code == 403


def test_the_client_sees_who_has_viewed_their_data(app, client, auth, session):
    worker = _login(auth, "case_worker")
    client_id = _register(client)
    client.get(f"/handlaggare/deltagare/{client_id}")
    from app.kundval import service
    user = service.client_user(session, session.get(Client, client_id))
    session.commit()
    _sign_in_as(auth, user)
    client.get("/sprak/sv")  # recorded as Arabic; the client reads Swedish here
    page = client.get("/deltagare/mina-uppgifter")
    assert PNR in page.text and "Handläggare" in page.text
    assert worker.id in session.exec(select(AccessLog.user_id).where(AccessLog.client_id == client_id)).all()


def test_admin_searches_the_access_log_by_personnummer(app, client, auth, session):
    _login(auth, "case_worker", email="cw@test.example")
    client_id = _register(client)
    client.get(f"/handlaggare/deltagare/{client_id}")
    _login(auth, "admin")
    r = client.post("/admin/atkomstlogg", data={"personal_id": PNR})
    assert r.status_code == 200 and "cw@test.example" in r.text and "handläggare: deltagare" in r.text
    r = client.post("/admin/atkomstlogg", data={"personal_id": "19850615-1235"})
    assert "Inga träffar" in r.text


def test_case_worker_verifies_a_result_and_its_follow_up(app, client, auth, session):
    today = date.today()
    p = f.provider(session)
    c = f.client(session)
    r = f.referral(session, c, decided_on=today - timedelta(days=200))
    pl = f.placement(session, r, f.offering(session, p), start=today - timedelta(days=190))
    out = Outcome(ref="R1", placement_id=pl.id, kind="employment", result_date=today - timedelta(days=100),
                  employer="Hotell Stjärnan")
    session.add(out)
    session.commit()
    _login(auth, "case_worker")
    page = client.get("/handlaggare/resultat?visa=alla")
    assert "Hotell Stjärnan" in page.text
    client.post(f"/handlaggare/resultat/{out.id}/verifiera?visa=alla")
    page = client.get("/handlaggare/resultat?visa=alla")
    assert "Varar resultatet?" in page.text
    client.post(f"/handlaggare/uppfoljning/{pl.id}/sustain?visa=alla", data={"answer": "yes"})
    session.expire_all()
    out = session.get(Outcome, out.id)
    assert out.verified_on == today and out.sustained_verified_on == today


def test_admin_sets_the_default_offering(app, client, auth, session):
    p = f.provider(session)
    o = f.offering(session, p)
    session.commit()
    _login(auth, "admin")
    r = client.post("/admin/ickeval", data={"service_type": "praktik", "mode": "offering", "offering_id": o.id})
    assert r.status_code == 302
    session.expire_all()
    from app.kundval.models import DefaultChoiceSetting
    assert session.get(DefaultChoiceSetting, "praktik").offering_id == o.id


def test_every_kundval_route_declares_its_access(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("kundval.", "deltagare.")):
            view = app.view_functions[rule.endpoint]
            assert getattr(view, "access_roles", None) or getattr(view, "access_public", False), rule.rule


def _client_with_referral(session, decided_on=None):
    from app.kundval import service
    c = f.client(session, 0, name="Amina Ali")
    r = f.referral(session, c, decided_on=decided_on or date.today())
    user = service.client_user(session, c)
    session.commit()
    return c, r, user


def test_the_client_switches_once_then_is_asked_to_call(app, client, auth, session):
    p = f.provider(session)
    a, b, c2 = (f.offering(session, p, title=t) for t in ("A", "B", "C"))
    _c, r, user = _client_with_referral(session, date.today() - timedelta(days=10))
    f.placement(session, r, a, start=date.today() - timedelta(days=5))
    session.commit()
    _sign_in_as(auth, user)
    assert "Byt till den här" in client.get(f"/deltagare/beslut/{r.id}/tjanster/{b.id}").text
    assert client.post(f"/deltagare/beslut/{r.id}/tjanster/{b.id}/valj", data={"offering_id": b.id}).status_code == 302
    page = client.get(f"/deltagare/beslut/{r.id}/tjanster/{c2.id}/valj")
    assert "Du har redan bytt anordnare en gång" in page.text
    r2 = client.post(f"/deltagare/beslut/{r.id}/tjanster/{c2.id}/valj", data={"offering_id": c2.id})
    assert r2.status_code == 409 and "redan bytt" in r2.text


def test_results_are_shown_from_the_configured_minimum(app, client, auth, session):
    app.config["RESULTS_MIN_ENDED_PLACEMENTS"] = 2
    p = f.provider(session)
    o = f.offering(session, p, capacity=10)
    for i in (1, 2):
        old = f.referral(session, f.client(session, i), decided_on=date.today() - timedelta(days=400))
        pl = f.placement(session, old, o, start=date.today() - timedelta(days=390),
                         ended_on=date.today() - timedelta(days=200), end_reason="completed")
        if i == 1:
            session.add(Outcome(ref="R1", placement_id=pl.id, kind="employment", result_date=pl.ended_on,
                                verified_on=pl.ended_on))
    _c, r, user = _client_with_referral(session)
    _sign_in_as(auth, user)
    page = client.get(f"/deltagare/beslut/{r.id}/tjanster/{o.id}")
    assert "2 personer har slutat hos den här anordnaren." in page.text
    assert "<strong>50 %</strong> fick jobb eller började studera inom 90 dagar (1 av 2 personer)." in page.text


def test_case_worker_chooses_on_behalf_and_ends_the_placement(app, client, auth, session):
    p = f.provider(session)
    o = f.offering(session, p)
    c, r, _user = _client_with_referral(session)
    _login(auth, "case_worker")
    assert client.post(f"/handlaggare/beslut/{r.id}/placera", data={"offering_id": o.id}).status_code == 302
    session.expire_all()
    placement = session.exec(select(Placement)).one()
    assert placement.chosen_by == "case_worker"
    r2 = client.post(f"/handlaggare/placering/{placement.id}/avsluta",
                     data={"end_reason": "interrupted", "ended_on": date.today().isoformat()})
    assert r2.status_code == 302
    session.expire_all()
    assert session.get(Placement, placement.id).end_reason == "interrupted"


def test_two_clients_posting_for_the_last_place_at_once_one_gets_a_clear_message(app):
    import threading

    from app.extensions import db
    from app.kundval import service
    with app.app_context():
        p = f.provider(db.session)
        o = f.offering(db.session, p, capacity=1)
        arranged = []
        for i in range(2):
            c = f.client(db.session, i)
            r = f.referral(db.session, c)
            arranged.append((service.client_user(db.session, c).id, r.id))
        db.session.commit()
        offering_id = o.id
    barrier = threading.Barrier(2)
    answers = []

    def choose(user_id, referral_id):
        web = app.test_client()
        with web.session_transaction() as sess:
            sess["_user_id"] = str(user_id)
        barrier.wait()
        answers.append(web.post(f"/deltagare/beslut/{referral_id}/tjanster/{offering_id}/valj",
                                data={"offering_id": offering_id}))

    threads = [threading.Thread(target=choose, args=a) for a in arranged]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(a.status_code for a in answers) == [302, 409]
    refused = next(a for a in answers if a.status_code == 409)
    assert "Platsen är tyvärr redan tagen" in refused.text
    with app.app_context():
        assert len(db.session.exec(select(Placement)).all()) == 1


def test_the_login_code_never_travels_in_a_url(app, client, auth, caplog):
    _login(auth, "case_worker")
    client_id = _register(client)
    page = client.post(f"/handlaggare/deltagare/{client_id}/kod").text
    code = re.search(r'class="login-code"[^>]*>([A-Z0-9]{4}-[A-Z0-9]{4})<', page).group(1)
    plain = code.replace("-", "")
    # The link carries the code only after "#", which a browser never sends.
    assert f"/deltagare/logga-in#kod={plain}" in page
    assert f"/kod/{plain}" not in page
    auth.logout()
    assert client.get(f"/deltagare/kod/{plain}").status_code == 404
    login_page = client.get("/deltagare/logga-in").text
    assert "login-code.js" in login_page and "<script>" not in login_page
    r = client.post("/deltagare/logga-in", data={"code": plain})
    assert r.status_code == 302
    with app.app_context():
        logged = [page for (page,) in db.session.execute(select(AccessLog.page)).all()]
    assert not any(plain in p or code in p for p in logged)
    assert plain not in caplog.text and code not in caplog.text
