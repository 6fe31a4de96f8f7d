"""Changes dated in a settled month need a reason on every channel, are audited, and finance sees them."""
from __future__ import annotations

import json
from datetime import date

from sqlmodel import select

from app.common.models import AuditLog
from app.kundval.models import Attendance, Placement
from app.settlement import service as settlement_service
from app.settlement.models import Settlement
from tests.providers.factories import ORG_A, seed, switch_user
from tests.reporting.test_api import bearer, token_for


def _settled_march(session) -> int:
    """PL1 has 6 h on 10 March, and P1's March settlement is approved (the month was never
    marked reported); returns PL1's id."""
    seed(session)
    pid = session.exec(select(Placement.id).where(Placement.ref == "PL1")).one()
    session.add(Attendance(placement_id=pid, date=date(2026, 3, 10), status="present", hours=6))
    settlement_service.run_period(session, "2026-03")
    settlement_service.approve_period(session, "2026-03", ORG_A)
    session.commit()
    return pid


def _late_rows(session) -> list[AuditLog]:
    rows = list(session.exec(select(AuditLog).where(AuditLog.action == "late_change").order_by(AuditLog.id)))
    session.commit()
    return rows


def test_grid_change_in_a_settled_month_needs_a_reason_and_is_audited(client, auth, session):
    pid = _settled_march(session)
    user = auth.login("provider", provider_org_nr=ORG_A)
    page = client.get("/rapportering/2026-03").get_data(as_text=True)
    assert 'name="reason"' in page and "Månaden är avräknad" in page  # though never marked reported
    response = client.post("/rapportering/2026-03", data={f"c-{pid}-2026-03-11": "8"})
    assert response.status_code == 400 and "redan avräknad" in response.get_data(as_text=True)
    assert _late_rows(session) == []
    response = client.post("/rapportering/2026-03", data={f"c-{pid}-2026-03-11": "8",
                                                          "reason": "Glömd dag"})
    assert response.status_code == 302
    [row] = _late_rows(session)
    assert row.user_id == user.id and row.reason == "Glömd dag" and row.entity == "attendance"
    assert row.before["status"] is None and row.after["hours"] == "8.00" and row.after["period"] == "2026-03"


def test_api_change_in_a_settled_month_needs_a_reason(client, auth, session):
    _settled_march(session)
    token = token_for(session, auth, ORG_A)
    days = {"days": [{"date": "2026-03-10", "hours": "7"}]}
    response = client.put("/api/v1/placements/PL1/attendance/2026-03", headers=bearer(token), json=days)
    assert response.status_code == 422
    assert response.get_json()["error"]["errors"][0]["field"] == "reason"
    response = client.put("/api/v1/placements/PL1/attendance/2026-03", headers=bearer(token),
                          json={**days, "reason": "Rättad i vårt system"})
    assert response.status_code == 200
    [row] = _late_rows(session)
    assert response.get_json()["settled"] is True
    assert row.reason == "Rättad i vårt system" and row.after["channel"] == "api"
    assert (row.before["hours"], row.after["hours"]) == ("6.00", "7.00")


def test_a_result_dated_in_a_settled_month_needs_a_reason(client, auth, session):
    _settled_march(session)
    token = token_for(session, auth, ORG_A)
    result = {"kind": "studies", "result_date": "2026-03-16", "employer": "Komvux", "extent": "heltid"}
    response = client.post("/api/v1/placements/PL1/outcomes", headers=bearer(token), json=result)
    assert response.status_code == 422 and response.get_json()["error"]["errors"][0]["field"] == "reason"
    response = client.post("/api/v1/placements/PL1/outcomes", headers=bearer(token),
                           json={**result, "reason": "Rapporterades sent"})
    assert response.status_code == 201
    [row] = _late_rows(session)
    assert row.entity == "outcome" and row.after["result_date"] == "2026-03-16"


def test_import_into_a_settled_month_is_audited_with_the_files_name(runner, session, tmp_path):
    _settled_march(session)
    path = tmp_path / "rattelse-mars.json"
    path.write_text(json.dumps({"attendance": [
        {"placement": "PL1", "date": "2026-03-10", "status": "present", "hours": "5"},
        {"placement": "PL1", "date": "2026-04-01", "status": "present", "hours": "5"}]}), encoding="utf-8")
    assert runner.invoke(args=["data", "import", str(path)]).exit_code == 0
    [row] = _late_rows(session)  # April is not settled
    assert row.reason == "import: rattelse-mars.json" and row.after["channel"] == "import"
    assert (row.before["hours"], row.after["hours"]) == ("6.00", "5.00")


def test_finance_sees_late_changes_and_their_adjustment_on_the_next_settlement(client, auth, session):
    pid = _settled_march(session)
    auth.login("provider", provider_org_nr=ORG_A)
    client.post("/rapportering/2026-03", data={f"c-{pid}-2026-03-11": "8", "reason": "Glömd dag"})
    settlement_service.run_period(session, "2026-04")
    session.commit()
    april = session.exec(select(Settlement).where(Settlement.period == "2026-04",
                                                  Settlement.provider_id != None)).all()  # noqa: E711
    [april] = [s for s in april if s.total_excl_vat]
    session.commit()
    switch_user(auth, auth.user("finance"))
    page = client.get(f"/avrakning/visa/{april.id}").get_data(as_text=True)
    assert "Sena ändringar" in page and "Glömd dag" in page and "2026-03" in page
    assert "960,00" in page  # 8 h × 120.00 kr, the adjustment it caused
    march = session.exec(select(Settlement).where(Settlement.period == "2026-03",
                                                  Settlement.status == "approved")).first()
    session.commit()
    assert "Sena ändringar" not in client.get(f"/avrakning/visa/{march.id}").get_data(as_text=True)
