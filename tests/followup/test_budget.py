"""Budget frames, settlements against them per month and the run-rate forecast."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.exchange.importer import import_document
from app.followup import budget
from app.followup.models import BudgetFrame
from app.settlement import service
from tests.followup.helpers import bonus_document
from tests.settlement.helpers import attendance


def settled_march_and_april(session) -> None:
    """March approved: praktik 6 000.00 + 2 999.70. April draft: praktik 5 × 6 h × 100.00 =
    3 000.00 and the 90-day bonus 10 000.00."""
    doc = bonus_document()
    doc["attendance"] += attendance("PL1", "2026-04-01", 5)
    import_document(session, doc)
    service.run_period(session, "2026-03")
    service.approve_period(session, "2026-03")
    service.run_period(session, "2026-04")
    session.commit()


def test_bonus_lines_and_their_adjustments_belong_to_the_bonus_post():
    assert budget.post_of("praktik", "bonus_result", None) == "bonus"
    assert budget.post_of("praktik", "adjustment", "bonus_sustained") == "bonus"
    assert budget.post_of("praktik", "adjustment", "hours") == "praktik"
    assert budget.post_of("utredning", "package_start", None) == "utredning"


def test_months_split_into_approved_and_draft_by_post(session):
    settled_march_and_april(session)
    view = budget.budget(session, 2026)
    praktik = {line.post: line for line in view.posts}["praktik"]
    assert praktik.months["2026-03"] == (Decimal("8999.70"), Decimal("0.00"))
    assert praktik.months["2026-04"] == (Decimal("0.00"), Decimal("3000.00"))
    bonus = {line.post: line for line in view.posts}["bonus"]
    assert bonus.months["2026-04"] == (Decimal("0.00"), Decimal("10000.00"))
    assert view.total.actual == Decimal("21999.70")
    assert view.last_month == "2026-04"
    assert view.run_rate_months == ["2026-02", "2026-03", "2026-04"]


def test_forecast_is_settled_so_far_plus_three_month_run_rate_and_warns_over_frame(session):
    settled_march_and_april(session)
    budget.set_frames(session, 2026, {"praktik": Decimal("50000.00"), "bonus": Decimal("30000.00")})
    session.commit()
    view = budget.budget(session, 2026)
    posts = {line.post: line for line in view.posts}
    # praktik: (0 + 8 999.70 + 3 000.00) / 3 = 3 999.90 a month; 11 999.70 + 8 × 3 999.90.
    assert posts["praktik"].run_rate == Decimal("3999.90")
    assert posts["praktik"].forecast == Decimal("43998.90")
    assert not posts["praktik"].over and posts["praktik"].remaining == Decimal("6001.10")
    # bonus: 10 000.00 / 3 = 3 333.33; 10 000.00 + 8 × 3 333.33 = 36 666.64 > 30 000.00.
    assert posts["bonus"].forecast == Decimal("36666.64") and posts["bonus"].over
    # total: 21 999.70 / 3 = 7 333.23; 21 999.70 + 8 × 7 333.23 = 80 665.54 > 80 000.00.
    assert view.total.frame == Decimal("80000.00")
    assert view.total.forecast == Decimal("80665.54") and view.total.over
    assert [line.post for line in view.warnings] == ["bonus", "total"]
    assert posts["arbetstraning"].frame is None and not posts["arbetstraning"].over


def test_a_year_without_settlements_forecasts_nothing(session):
    view = budget.budget(session, 2025)
    assert view.last_month is None and view.total.forecast == 0 and view.warnings == []


def test_frames_are_replaced_and_removed(session):
    budget.set_frames(session, 2026, {"praktik": Decimal("100.00"), "bonus": Decimal("5.00")})
    budget.set_frames(session, 2026, {"praktik": Decimal("200.00"), "bonus": None})
    session.commit()
    assert budget.frames(session, 2026) == {"praktik": Decimal("200.00")}
    assert len(session.execute(select(BudgetFrame)).all()) == 1


def test_admin_enters_frames_and_sees_the_warning(client, auth, session):
    settled_march_and_april(session)
    auth.login("admin")
    response = client.post("/uppfoljning/budget/ramar?year=2026", data={
        "year": "2026", "praktik": "50 000", "bonus": "30000,00"})
    assert response.status_code == 302
    page = client.get("/uppfoljning/budget?year=2026").text.replace("\u00a0", " ")
    assert "36 666,64" in page and "över ram" in page and "Varning" in page
    assert "<svg" in page and 'role="img"' in page


def test_frames_form_names_the_bad_field(client, auth):
    auth.login("admin")
    response = client.post("/uppfoljning/budget/ramar?year=2026", data={"praktik": "mycket"})
    assert response.status_code == 400 and 'id="frame-praktik-error"' in response.text


def test_budget_csv_has_every_post_and_the_forecast(client, auth, session):
    settled_march_and_april(session)
    auth.login("finance")
    response = client.get("/uppfoljning/budget.csv?year=2026")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = response.data.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("post;ram;2026-01 godkänt")
    bonus = next(r for r in rows if r.startswith("Bonus;")).split(";")
    assert bonus[-2:] == ["36666,64", "nej"]  # no frame: never over
