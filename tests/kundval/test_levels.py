"""The assessment behind a level: answers give points, points suggest a level, the case worker decides."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.common.errors import ValidationError
from app.kundval import levels
from app.kundval.models import LevelAssessment, Referral
from tests.kundval import factories as f

DEFAULT = levels.parse_settings(levels.DEFAULT_ASSESSMENT)
EASY = {"forsorjningsstod": "under_1", "utbildning": "gymnasium", "svenska": "bra", "arbete": "ja",
        "halsa": "nej"}
HARD = {"forsorjningsstod": "over_3", "utbildning": "mindre", "svenska": "lite", "arbete": "nej",
        "halsa": "delvis"}


def test_points_add_up_and_the_thresholds_suggest_the_level():
    assert levels.score(DEFAULT, EASY).points == 0 and levels.score(DEFAULT, EASY).suggested == "A"
    assert levels.score(DEFAULT, HARD).points == 9 and levels.score(DEFAULT, HARD).suggested == "C"
    some = {**EASY, "forsorjningsstod": "over_3", "svenska": "viss"}
    assert levels.score(DEFAULT, some).points == 3 and levels.score(DEFAULT, some).suggested == "B"
    assert [DEFAULT.suggest(p) for p in (2, 3, 5, 6)] == ["A", "B", "B", "C"]


def test_an_unanswered_question_is_named():
    with pytest.raises(ValidationError) as err:
        levels.score(DEFAULT, {**EASY, "svenska": ""})
    assert err.value.field == "q_svenska"


def test_settings_from_a_json_file_replace_the_default(tmp_path):
    custom = {"questions": [{"key": "tid", "text": "Tid utan arbete",
                             "options": [{"key": "kort", "text": "Kort", "points": 0},
                                         {"key": "lang", "text": "Lång", "points": 4}]}],
              "thresholds": {"B": 2, "C": 4}}
    path = tmp_path / "levels.json"
    path.write_text(json.dumps(custom), encoding="utf-8")
    settings = levels.load_settings({"LEVEL_ASSESSMENT_FILE": str(path)})
    assert [q.key for q in settings.questions] == ["tid"]
    assert levels.score(settings, {"tid": "lang"}).suggested == "C"


def test_bad_settings_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="thresholds"):
        levels.parse_settings({**levels.DEFAULT_ASSESSMENT, "thresholds": {"B": 5, "C": 2}})
    with pytest.raises(ValueError, match="missing or bad"):
        levels.parse_settings({"questions": [{"key": "x"}], "thresholds": {"B": 1, "C": 2}})


def _referral(session):
    c = f.client(session)
    return f.referral(session, c)


def test_assessment_stores_answers_points_suggestion_and_level(session):
    referral = _referral(session)
    row = levels.assess(session, referral, DEFAULT, answers=HARD, level=None, reason="", actor_id=None)
    assert (row.points, row.suggested_level, row.level, row.answers["svenska"]) == (9, "C", "C", "lite")
    assert referral.level == "C"


def test_a_level_other_than_the_suggestion_needs_a_reason(session):
    referral = _referral(session)
    with pytest.raises(ValidationError) as err:
        levels.assess(session, referral, DEFAULT, answers=EASY, level="B", reason=" ", actor_id=None)
    assert err.value.field == "level_reason"
    row = levels.assess(session, referral, DEFAULT, answers=EASY, level="B",
                        reason="Nyligen sjukskriven länge", actor_id=None)
    assert (row.suggested_level, row.level, row.reason) == ("A", "B", "Nyligen sjukskriven länge")


def test_no_answers_means_no_level_and_a_level_needs_answers(session):
    referral = _referral(session)
    assert levels.assess(session, referral, DEFAULT, answers={}, level=None, reason="", actor_id=None) is None
    assert referral.level is None
    with pytest.raises(ValidationError):
        levels.assess(session, referral, DEFAULT, answers={}, level="C", reason="x", actor_id=None)


def _decision(client, client_id, **extra):
    today = date.today()
    return client.post(f"/handlaggare/deltagare/{client_id}/beslut/nytt", data={
        "service_type": "praktik", "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=90)).isoformat(), **extra})


def _client_id(app):
    from app.extensions import db
    with app.app_context():
        c = f.client(db.session)
        db.session.commit()
        return c.id


def test_the_decision_form_shows_questions_with_points_and_stores_the_assessment(app, client, auth, session):
    auth.login("case_worker")
    client_id = _client_id(app)
    page = client.get(f"/handlaggare/deltagare/{client_id}/beslut/nytt")
    assert "Hur länge har deltagaren haft försörjningsstöd i följd?" in page.text
    assert "(2 poäng)" in page.text and 'src="/static/levels.js"' in page.text
    assert not re.search(r"<script>\s*\S", page.text), "no inline script"
    r = _decision(client, client_id, **{f"q_{k}": v for k, v in HARD.items()})
    assert r.status_code == 302, r.text
    referral = session.exec(select(Referral)).one()
    row = session.exec(select(LevelAssessment)).one()
    assert referral.level == "C" and row.points == 9
    assert "Nivå C – långt från arbete" in client.get(f"/handlaggare/deltagare/{client_id}").text


def test_departing_without_a_reason_shows_the_error_beside_the_field(app, client, auth, session):
    auth.login("case_worker")
    client_id = _client_id(app)
    r = _decision(client, client_id, level="A", **{f"q_{k}": v for k, v in HARD.items()})
    assert r.status_code == 400
    assert "Skriv varför du väljer en annan nivå än förslaget." in r.text
    assert "Poäng: 9. Förslag: nivå C." in r.text
    assert session.exec(select(Referral)).all() == []


def test_a_half_answered_assessment_names_the_missing_question(app, client, auth, session):
    auth.login("case_worker")
    client_id = _client_id(app)
    r = _decision(client, client_id, q_forsorjningsstod="over_3")
    assert r.status_code == 400 and "Svara på frågan." in r.text
    assert "Poäng hittills: 2." in r.text


def test_the_client_sees_their_level_in_plain_words(app, client, auth, session):
    from app.kundval import service
    with app.app_context():
        from app.extensions import db
        c = f.client(db.session)
        referral = f.referral(db.session, c, decided_on=date.today())
        levels.assess(db.session, referral, DEFAULT, answers=HARD, level=None, reason="", actor_id=None)
        user = service.client_user(db.session, c)
        db.session.commit()
    auth.login_user(user)
    page = client.get("/deltagare/")
    assert "Nivå C: du har en längre väg till arbete." in page.text


def test_a_broken_settings_file_stops_the_form_with_a_message_not_an_error_page(app, client, auth, tmp_path):
    path = tmp_path / "levels.json"
    path.write_text('{"questions": []}', encoding="utf-8")
    app.config["LEVEL_ASSESSMENT_FILE"] = str(path)
    auth.login("case_worker")
    client_id = _client_id(app)
    r = client.get(f"/handlaggare/deltagare/{client_id}/beslut/nytt", follow_redirects=True)
    assert r.status_code == 200 and "Inställningen för nivåbedömningen är felaktig" in r.text
