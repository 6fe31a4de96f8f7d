"""Parking made visible: activity, interruptions and results per provider and level, beside the
municipality's average for the same level; small groups hidden."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.followup import parking
from app.followup.figures import Cell
from app.followup.parking import PlacementHistory

FIRST, LAST = date(2026, 1, 1), date(2026, 6, 30)


def _p(provider, level, hours, end_reason="completed", result=False, start=date(2026, 1, 1),
       ended=date(2026, 1, 28)):  # four weeks
    return PlacementHistory(provider, level, start, ended, end_reason, Decimal(hours), result)


def test_hours_per_participant_and_week_interruptions_and_results_per_provider_and_level():
    history = ([_p("Steget AB", "C", "40", result=True) for _ in range(3)]
               + [_p("Steget AB", "C", "0", end_reason="interrupted") for _ in range(2)]
               + [_p("Parkering AB", "C", "4", end_reason="interrupted") for _ in range(5)])
    tables = parking.compute(history, FIRST, LAST)
    municipality, parked, steget = tables["C"]
    assert municipality.provider == parking.MUNICIPALITY
    # Steget: 120 hours over 5 placements of 4 weeks = 6.00 an hour per week; 2 of 5 interrupted.
    assert steget.hours_per_week == Cell(Decimal("6.00"), 5)
    assert steget.interrupted == Cell(Decimal("40.00"), 5) and steget.result_rate == Cell(Decimal("60.00"), 5)
    assert parked.hours_per_week == Cell(Decimal("1.00"), 5)
    assert parked.interrupted == Cell(Decimal("100.00"), 5) and parked.result_rate == Cell(Decimal("0.00"), 5)
    assert municipality.hours_per_week == Cell(Decimal("3.50"), 10)
    assert municipality.interrupted == Cell(Decimal("70.00"), 10)


def test_small_groups_are_hidden_and_levels_are_kept_apart():
    history = [_p("Liten AB", "B", "10") for _ in range(3)] + [_p("Liten AB", "A", "10") for _ in range(6)]
    tables = parking.compute(history, FIRST, LAST)
    assert list(tables) == ["A", "B"]
    assert tables["B"][1].hours_per_week.hidden and not tables["A"][1].hours_per_week.hidden


def test_only_placements_ended_in_the_range_count_for_interruptions_and_results():
    history = [_p("Steget AB", "A", "10", ended=None) for _ in range(5)]
    row = parking.compute(history, FIRST, LAST)["A"][1]
    assert row.interrupted == Cell(None, 0) and row.hours_per_week.n == 5


def test_the_page_shows_providers_beside_the_municipality(app, client, auth, session):
    from app.kundval.models import Attendance
    from tests.kundval import factories as f

    prov = f.provider(session, "Steget AB")
    off = f.offering(session, prov)
    for i in range(5):
        r = f.referral(session, f.client(session, i), decided_on=date(2025, 12, 1))
        r.level = "C"
        pl = f.placement(session, r, off, start=date(2026, 1, 1), ended_on=date(2026, 1, 28),
                         end_reason="interrupted" if i < 2 else "completed")
        session.add(Attendance(placement_id=pl.id, date=date(2026, 1, 5), status="present", hours=Decimal("8")))
    session.commit()
    auth.login("finance")
    page = client.get("/uppfoljning/nivaer?year=2026").text
    assert "Nivå C" in page and "Hela kommunen" in page and "Steget AB" in page
    assert "40,0" in page  # interrupted share


def test_case_workers_and_providers_do_not_see_the_page(client, auth):
    auth.login("case_worker")
    assert client.get("/uppfoljning/nivaer").status_code == 403
