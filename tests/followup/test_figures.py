"""Key figures, each with a hand-computed expectation, and the hiding of groups under five."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.exchange.importer import import_document
from app.followup import figures
from app.followup.figures import Cell, Facts, PlacementFact, ResultFact
from tests.followup.helpers import bonus_document

OCT = (date(2026, 10, 1), date(2026, 10, 31))
AS_OF = date(2026, 11, 24)


def placement(ref, start, ended=None, service_type="praktik", chosen_by="client", provider="Arbetsvägen AB",
              birth=date(1990, 1, 1), children=False, decided=None, newly=False, gender="F"):
    return PlacementFact(ref, provider, service_type, gender, birth, newly, children, chosen_by,
                         decided or start, start, ended)


def facts(placements, results=(), costs=()):
    return Facts({p.ref: p for p in placements}, list(results), list(costs))


def october(f, dimension="total"):
    return figures.compute(f, *OCT, dimension, AS_OF)


def test_active_and_new_placements_and_praktik_places():
    f = facts([
        placement("A", date(2026, 9, 1)),                        # active, not new
        placement("B", date(2026, 10, 5)),                       # active and new
        placement("C", date(2026, 8, 1), ended=date(2026, 10, 1)),  # ended on the 1st: active
        placement("D", date(2026, 8, 1), ended=date(2026, 9, 30)),  # ended before: not active
        placement("E", date(2026, 11, 2)),                       # starts later: not active
        placement("F", date(2026, 10, 20), service_type="arbetstraning"),
    ])
    cells = october(f)["total"]
    assert cells["active"] == Cell(4, 4)      # A, B, C, F
    assert cells["new"] == Cell(2, 2)         # B, F
    assert cells["praktik_in_use"] == Cell(3, 3)  # A, B, C


def test_who_chose_counts_new_placements():
    f = facts([placement("A", date(2026, 10, 1), chosen_by="client"),
               placement("B", date(2026, 10, 2), chosen_by="case_worker"),
               placement("C", date(2026, 10, 3), chosen_by="default"),
               placement("D", date(2026, 10, 4), chosen_by="default"),
               placement("E", date(2026, 9, 4), chosen_by="default")])  # not new in October
    cells = october(f)["total"]
    assert (cells["chosen_client"].value, cells["chosen_case_worker"].value,
            cells["chosen_default"].value) == (1, 1, 2)


def test_results_split_regular_subsidised_and_studies_with_average_days():
    f = facts([placement("A", date(2026, 9, 1)), placement("B", date(2026, 10, 1))], results=[
        ResultFact("A", "employment", "regular", date(2026, 10, 11)),        # day 40
        ResultFact("A", "employment", "lonebidrag", date(2026, 10, 21)),     # day 50
        ResultFact("B", "employment", "extratjanst", date(2026, 10, 31)),    # day 30
        ResultFact("B", "studies", "", date(2026, 10, 16)),                  # day 15
        ResultFact("B", "studies", "", date(2026, 11, 1)),                   # November
    ])
    cells = october(f)["total"]
    assert cells["results"].value == 4
    assert cells["results_employment_regular"].value == 1
    assert cells["results_employment_subsidised"].value == 2
    assert cells["results_studies"].value == 1
    assert cells["days_to_result"] == Cell(Decimal("33.75"), 4)  # (40 + 50 + 30 + 15) / 4


def test_share_with_work_or_studies_90_and_180_days_after_the_end():
    # Ended in October 2026 cannot be followed up 90 days later on 24 November: use May 2026.
    f = facts([
        placement("A", date(2026, 3, 1), ended=date(2026, 5, 10)),
        placement("B", date(2026, 3, 1), ended=date(2026, 5, 20)),
        placement("C", date(2026, 3, 1), ended=date(2026, 5, 31)),
        placement("D", date(2026, 3, 1), ended=date(2026, 5, 31)),
    ], results=[
        ResultFact("A", "employment", "regular", date(2026, 8, 8)),   # 90 days after 10 May
        ResultFact("B", "studies", "", date(2026, 9, 1)),             # 104 days: only the 180 figure
        ResultFact("C", "employment", "regular", date(2026, 2, 1)),   # before the start: never
    ])
    may = figures.compute(f, date(2026, 5, 1), date(2026, 5, 31), "total", AS_OF)["total"]
    assert may["work_or_studies_90"] == Cell(Decimal("25.00"), 4)    # A of A-D
    # On 24 November only A and B (10 and 20 May + 180 = 6 and 16 November) can be followed up
    # 180 days after the end; C and D (31 May + 180 = 27 November) not yet.
    assert may["work_or_studies_180"] == Cell(Decimal("100.00"), 2)
    december = figures.compute(f, date(2026, 5, 1), date(2026, 5, 31), "total", date(2026, 12, 1))
    assert december["total"]["work_or_studies_180"] == Cell(Decimal("50.00"), 4)


def test_households_with_children_days_waiting():
    f = facts([placement("A", date(2026, 10, 11), children=True, decided=date(2026, 10, 1)),   # 10
               placement("B", date(2026, 10, 21), children=True, decided=date(2026, 9, 21)),   # 30
               placement("C", date(2026, 10, 21), children=False, decided=date(2026, 1, 1))])
    cells = october(f)["total"]
    assert cells["children_new"].value == 2
    assert cells["children_waiting_days"].value == Decimal("20.00")


def test_cost_per_placement_and_per_result_by_provider():
    f = facts([placement("A", date(2026, 9, 1)), placement("B", date(2026, 10, 1)),
               placement("C", date(2026, 10, 1), provider="Nästa Steg")],
              results=[ResultFact("A", "employment", "regular", date(2026, 10, 5))],
              costs=[("A", "2026-10", Decimal("1000.00")), ("B", "2026-10", Decimal("500.50")),
                     ("A", "2026-09", Decimal("999.00")), ("C", "2026-10", Decimal("300.00"))])
    by_provider = october(f, "provider")
    own = by_provider["Arbetsvägen AB"]
    assert own["cost"].value == Decimal("1500.50")
    assert own["cost_per_placement"].value == Decimal("750.25")
    assert own["cost_per_result"].value == Decimal("1500.50")
    assert by_provider["Nästa Steg"]["cost_per_result"] == Cell(None, 0)


def test_groups_by_age_band_gender_and_newly_arrived():
    f = facts([placement("A", date(2026, 10, 1), birth=date(2005, 10, 2)),   # 20
               placement("B", date(2026, 10, 1), birth=date(2001, 10, 1), gender="M"),  # 25 that day
               placement("C", date(2026, 10, 1), birth=date(1960, 1, 1), newly=True)])  # 66
    assert {g: c["new"].value for g, c in october(f, "age_band").items()} == {
        "18-24": 1, "25-64": 1, "other": 1}
    assert {g: c["new"].value for g, c in october(f, "gender").items()} == {"F": 2, "M": 1}
    assert {g: c["new"].value for g, c in october(f, "newly_arrived").items()} == {"no": 2, "yes": 1}


def test_groups_of_one_to_four_people_are_hidden_zero_and_five_are_shown():
    assert [Cell(1, n).hidden for n in (0, 1, 4, 5)] == [False, True, True, False]


def test_year_to_date_pools_the_months():
    f = facts([placement("A", date(2026, 1, 10), ended=date(2026, 1, 31)),
               placement("B", date(2026, 2, 10))],
              results=[ResultFact("A", "employment", "regular", date(2026, 1, 20)),    # day 10
                       ResultFact("B", "studies", "", date(2026, 3, 2))])  # day 20, but in March
    tables = {t.figure: t for t in figures.year_tables(f, 2026, "2026-02", "total", AS_OF)}
    assert tables["active"].months == ["2026-01", "2026-02"]
    assert tables["active"].cells["total", "2026-02"].value == 1
    assert tables["active"].cells["total", "ytd"].value == 2
    assert tables["days_to_result"].cells["total", "ytd"].value == Decimal("10.00")
    assert tables["days_to_result"].cells["total", "2026-02"].value is None


def test_facts_are_loaded_from_the_database(session):
    import_document(session, bonus_document())
    session.commit()
    f = figures.load_facts(session)
    assert sorted(f.placements) == ["PL1", "PL2"]
    assert f.placements["PL1"].children and f.placements["PL1"].gender == "F"
    assert sorted((r.placement, r.kind) for r in f.results) == [("PL1", "employment"), ("PL2", "studies")]
    april = figures.compute(f, date(2026, 4, 1), date(2026, 4, 30), "total", AS_OF)["total"]
    assert april["results"].value == 1 and april["days_to_result"].value == Decimal("35.00")
