"""Nothing dated after today is reported or paid; a month is approved or closed only after its last day."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from app.common import clock
from app.kundval.models import Attendance, Outcome, Placement
from app.settlement import service as settlement_service
from app.settlement.models import Period, Settlement
from tests.providers.factories import ORG_A, seed
from tests.reporting.test_api import bearer, token_for

TODAY = date(2026, 3, 20)  # a Friday in the middle of PL1's first month


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.fixed_today(TODAY):
        yield


def _pid(session, ref: str) -> int:
    pid = session.exec(select(Placement.id).where(Placement.ref == ref)).one()
    session.commit()
    return pid


def test_grid_refuses_attendance_after_today_but_takes_today(client, auth, session):
    seed(session)
    pid = _pid(session, "PL1")
    auth.login("provider", provider_org_nr=ORG_A)
    response = client.post("/rapportering/2026-03", data={f"c-{pid}-2026-03-23": "6"})
    assert response.status_code == 400
    assert "efter i dag" in response.get_data(as_text=True)
    assert session.exec(select(Attendance)).first() is None
    assert client.post("/rapportering/2026-03", data={f"c-{pid}-2026-03-20": "6"}).status_code == 302
    # Days that have not come yet get no input on the grid.
    page = client.get("/rapportering/2026-03").get_data(as_text=True)
    assert f'name="c-{pid}-2026-03-20"' in page and f'name="c-{pid}-2026-03-23"' not in page


def test_api_refuses_attendance_after_today_naming_the_day(client, auth, session):
    seed(session)
    token = token_for(session, auth, ORG_A)
    response = client.put("/api/v1/placements/PL1/attendance/2026-03", headers=bearer(token), json={
        "days": [{"date": "2026-03-19", "hours": "6"}, {"date": "2026-03-24", "hours": "6"}]})
    assert response.status_code == 422
    assert response.get_json()["error"]["errors"][0]["field"] == "days[1].date"
    assert session.exec(select(Attendance)).first() is None


def test_results_after_today_are_refused_on_screen_and_in_the_api(client, auth, session):
    seed(session)
    token = token_for(session, auth, ORG_A)
    response = client.post("/api/v1/placements/PL1/outcomes", headers=bearer(token), json={
        "kind": "studies", "result_date": "2026-03-21", "employer": "Komvux", "extent": "heltid"})
    assert response.status_code == 422
    assert response.get_json()["error"]["errors"][0]["field"] == "result_date"
    auth.login("provider", provider_org_nr=ORG_A)
    response = client.post("/rapportering/resultat", data={
        "placement": "PL1", "kind": "studies", "result_date": "2026-04-01", "employer": "Komvux",
        "extent": "heltid", "employment_form": ""})
    assert response.status_code == 400 and "efter i dag" in response.get_data(as_text=True)
    assert session.exec(select(Outcome)).first() is None


def test_case_worker_cannot_verify_on_a_day_after_today(session):
    from app.common.errors import ValidationError
    from app.kundval import results

    outcome = Outcome(ref="U1", placement_id=1, kind="studies", result_date=date(2026, 3, 12))
    with pytest.raises(ValidationError) as error:
        results.verify(session, outcome, on=date(2026, 3, 21), actor_id=None)
    assert error.value.field == "verified_on"


@pytest.mark.parametrize(("section", "row", "field"), [
    ("attendance", {"placement": "PL1", "date": "2026-03-23", "status": "present", "hours": "6"}, "date"),
    ("outcomes", {"ref": "U1", "placement": "PL1", "kind": "studies", "result_date": "2026-03-23"},
     "result_date"),
    ("outcomes", {"ref": "U1", "placement": "PL1", "kind": "studies", "result_date": "2026-03-12",
                  "verified_on": "2026-03-23"}, "verified_on"),
    ("outcomes", {"ref": "U1", "placement": "PL1", "kind": "studies", "result_date": "2026-03-12",
                  "verified_on": "2026-03-13", "sustained_verified_on": "2026-06-20"}, "sustained_verified_on"),
])
def test_import_refuses_dates_after_today_naming_the_field(app, runner, session, tmp_path, section, row, field):
    from tests.exchange.test_import import table_counts

    seed(session)
    ok = {"placement": "PL1", "date": "2026-03-12", "status": "present", "hours": "6"}
    doc = {section: [ok, row] if section == "attendance" else [row]}
    before = table_counts(app)
    path = tmp_path / "late.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(args=["data", "import", str(path)])
    assert result.exit_code == 1
    index = 1 if section == "attendance" else 0
    assert result.stderr.startswith(f"{section}[{index}].{field}: must not be after today")
    assert table_counts(app) == before


def test_a_month_that_has_not_ended_is_previewed_but_not_approved_or_closed(runner, session, client, auth):
    seed(session)
    session.add(Attendance(placement_id=_pid(session, "PL1"), date=date(2026, 3, 10), status="present",
                           hours=6))
    session.commit()
    assert runner.invoke(args=["settlement", "run", "--period", "2026-03"]).exit_code == 0
    export = json.loads(runner.invoke(args=["settlement", "export", "--period", "2026-03"]).stdout)
    assert [s["preliminary"] for s in export["settlements"]] == [True]
    for args in (["settlement", "approve", "--period", "2026-03"], ["period", "close", "2026-03"],
                 ["settlement", "approve", "--period", "2027-01"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, args
        assert "har inte tagit slut" in result.stderr
    session.expire_all()
    assert {s.status for s in session.exec(select(Settlement))} == {"draft"}
    assert session.exec(select(Period)).first() is None
    session.commit()
    # The screens mark the draft as preliminary and offer neither approving nor closing.
    auth.login("finance")
    page = client.get("/avrakning/2026-03").get_data(as_text=True)
    assert "Preliminär" in page and "Godkänn alla utkast" not in page and "Stäng månaden" not in page
    draft = session.exec(select(Settlement)).one()
    session.commit()
    page = client.get(f"/avrakning/visa/{draft.id}").get_data(as_text=True)
    assert "Preliminär" in page and "Godkänn avräkningen" not in page
    response = client.post("/avrakning/2026-03/godkann")
    assert response.status_code == 302
    session.expire_all()
    assert session.exec(select(Settlement)).one().status == "draft"


def test_the_month_can_be_approved_the_day_after_its_last_day(runner, session):
    seed(session)
    session.add(Attendance(placement_id=_pid(session, "PL1"), date=date(2026, 3, 10), status="present",
                           hours=6))
    session.commit()
    with clock.fixed_today(date(2026, 3, 31)):
        assert settlement_service.run_period(session, "2026-03").drafted
        session.commit()
        with pytest.raises(Exception, match="har inte tagit slut"):
            settlement_service.approve_period(session, "2026-03")
    session.rollback()
    with clock.fixed_today(date(2026, 4, 1)):
        assert runner.invoke(args=["settlement", "approve", "--period", "2026-03"]).exit_code == 0
        export = json.loads(runner.invoke(args=["settlement", "export", "--period", "2026-03"]).stdout)
    assert [(s["status"], s["preliminary"]) for s in export["settlements"]] == [("approved", False)]
