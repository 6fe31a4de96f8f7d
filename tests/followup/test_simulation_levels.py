"""The simulation tries level rates and level-bound bonuses on the real history, on the real engine.

The document (tests/followup/helpers.py) with levels: Anna's decision (R1, PL1 at 100.00 kr/h,
60 h in March, employment on day 35) is level C, Bashir's (R2, PL2 at 99.99 kr/h, 30 h, studies on
day 105) level B.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.common.errors import ValidationError
from app.common.money import from_db, percent_of
from app.exchange.importer import import_document
from app.followup import forms, simulation
from app.offerings.models import Offering
from app.settlement import service
from app.settlement.models import Settlement
from tests.followup.helpers import RULE, bonus_document
from tests.tasks.helpers import follow

FIRST, LAST = "2026-03", "2026-06"


def levelled_document(rule_levels: list[str] | None = None) -> dict:
    doc = bonus_document()
    doc["referrals"][0]["level"] = "C"
    doc["referrals"][1]["level"] = "B"
    if rule_levels is not None:
        doc["bonus_rules"] = [{**RULE, "levels": rule_levels}]
    return doc


def load(session, doc: dict) -> list:
    import_document(session, doc)
    session.commit()
    stored = [terms for _rule, terms in simulation.stored_rules(session)]
    session.rollback()  # no read transaction left open: the app's own session writes next
    return stored


def by_level(result: simulation.Simulation) -> dict[str, simulation.Diff]:
    return {row.key: row for row in result.levels}


def test_level_rates_raise_only_the_placements_at_that_level(session):
    stored = load(session, levelled_document())
    prices = simulation.LevelPrices({"C": Decimal("140")})
    result = simulation.simulate(session, FIRST, LAST, stored, prices)
    levels = by_level(result)
    # PL1, level C: 60 h × 140.00 instead of 100.00 = +2 400.00; the bonus is not a rate.
    assert (levels["C"].real, levels["C"].simulated) == (Decimal("16000.00"), Decimal("18400.00"))
    assert levels["B"].real == levels["B"].simulated == Decimal("7999.70")
    assert result.total.difference == Decimal("2400.00")
    assert {row.name: row.difference for row in result.rows} == {
        "Arbetsvägen AB": Decimal("2400.00"), "Nästa Steg Kooperativ": Decimal("0.00")}


def test_simulated_level_rates_equal_a_real_run_with_those_rates(session):
    stored = load(session, levelled_document())
    prices = simulation.LevelPrices({"B": Decimal("120.5"), "C": Decimal("140")})
    simulated = simulation.simulate(session, FIRST, LAST, stored, prices)
    for offering in session.execute(select(Offering)).scalars():
        rate = from_db(offering.rate)
        offering.level_rates = {"B": str(percent_of(rate, Decimal("120.5"))),
                                "C": str(percent_of(rate, Decimal("140")))}
    session.commit()
    for month in ("2026-03", "2026-04", "2026-05", "2026-06"):
        service.run_period(session, month)
    session.commit()
    real = session.execute(select(func.sum(Settlement.total_excl_vat))).scalar()
    # PL1 (C): 60 h × 140.00 = 8 400.00 + 10 000.00 bonus; PL2 (B): 30 h × round(99.99 × 1.205)
    # = 30 × 120.49 = 3 614.70 + 5 000.00 bonus.
    assert simulated.total.simulated == Decimal(str(real)).quantize(Decimal("0.01")) == Decimal("27014.70")


def test_level_prices_can_be_limited_to_service_types(session):
    stored = load(session, levelled_document())
    result = simulation.simulate(session, FIRST, LAST, stored,
                                 simulation.LevelPrices({"C": Decimal("200")}, ("arbetstraning",)))
    assert result.total.difference == 0


def test_a_new_rule_for_level_c_pays_a_larger_bonus_there_only(session):
    stored = load(session, levelled_document())
    form = {"new-0-include": "1", "new-0-priority": "0", "new-0-service_type-praktik": "1",
            "new-0-outcome_kind-employment": "1", "new-0-outcome_kind-studies": "1",
            "new-0-level-C": "1", "new-0-tiers": "90: 20000\n365: 8000", "new-0-sustain_amount": "0",
            "new-0-sustain_days": "90",
            "rule-0-include": "1", "rule-0-tiers": "90: 10000\n180: 5000", "rule-0-sustain_amount": "0",
            "rule-0-sustain_days": "90"}
    chosen = forms.simulated_rules(form, stored)
    assert [(r.ref, r.levels) for r in chosen] == [("B1", ()), ("SIMULERAD-1", ("C",))]
    result = simulation.simulate(session, FIRST, LAST, chosen)
    levels = by_level(result)
    assert (levels["C"].real_bonus, levels["C"].simulated_bonus) == (Decimal("10000.00"), Decimal("20000.00"))
    assert levels["B"].real_bonus == levels["B"].simulated_bonus == Decimal("5000.00")


def test_limiting_a_stored_rule_to_level_b_takes_the_bonus_from_level_c(session):
    stored = load(session, levelled_document())
    form = {"rule-0-include": "1", "rule-0-tiers": "90: 10000\n180: 5000", "rule-0-sustain_amount": "0",
            "rule-0-sustain_days": "90", "rule-0-level-B": "1"}
    result = simulation.simulate(session, FIRST, LAST, forms.simulated_rules(form, stored))
    levels = by_level(result)
    assert levels["C"].simulated_bonus == 0 and levels["C"].simulated_results == 0
    assert levels["B"].simulated_bonus == Decimal("5000.00")


def test_the_form_starts_with_each_rules_own_levels(session):
    stored = load(session, levelled_document(rule_levels=["B", "C"]))
    defaults = forms.simulation_defaults(stored, FIRST, LAST)
    assert defaults["rule-0-level-B"] == defaults["rule-0-level-C"] == "1"
    assert "rule-0-level-A" not in defaults
    assert forms.simulated_rules(defaults, stored) == stored


@pytest.mark.parametrize(("form", "field"), [
    ({"level-prices": "1", "level-C-percent": "mycket"}, "level-C-percent"),
    ({"level-prices": "1", "level-C-percent": "5000"}, "level-C-percent"),
    ({"level-prices": "1"}, "level-A-percent"),
])
def test_bad_level_prices_name_the_field(form, field):
    with pytest.raises(ValidationError) as error:
        forms.level_prices(form)
    assert error.value.field == field


@pytest.mark.parametrize(("form", "field"), [
    ({"new-0-include": "1", "new-0-outcome_kind-employment": "1", "new-0-tiers": "90: 1"}, "new-0-service_types"),
    ({"new-0-include": "1", "new-0-service_type-praktik": "1", "new-0-tiers": "90: 1"}, "new-0-outcome_kinds"),
    ({"new-0-include": "1", "new-0-service_type-praktik": "1", "new-0-outcome_kind-studies": "1",
      "new-0-priority": "först", "new-0-tiers": "90: 1"}, "new-0-priority"),
    ({"new-0-include": "1", "new-0-service_type-praktik": "1", "new-0-outcome_kind-studies": "1",
      "new-0-priority": "1", "new-0-tiers": "90: 1", "new-0-sustain_days": "-4"}, "new-0-sustain_days"),
])
def test_a_bad_new_rule_names_the_field(form, field):
    with pytest.raises(ValidationError) as error:
        forms.simulated_rules(form, [])
    assert error.value.field == field


def test_simulation_page_shows_level_prices_per_level(client, auth, session):
    load(session, levelled_document())
    auth.login("management")
    page = client.get("/uppfoljning/simulering")
    assert page.status_code == 200 and 'name="level-C-percent"' in page.text and "new-0-include" in page.text
    response = follow(client, client.post("/uppfoljning/simulering", data={
        "first": FIRST, "last": LAST, "rule-0-include": "1", "rule-0-tiers": "90: 10000\n180: 5000",
        "rule-0-sustain_amount": "0", "rule-0-sustain_days": "90",
        "level-prices": "1", "level-C-percent": "140"}))
    assert response.status_code == 200
    text = response.text.replace("\u00a0", " ")
    assert 'id="simulation-levels"' in text
    assert "Nivå C – långt från arbete" in text and "18 400,00" in text and "2 400,00" in text
    assert "nivå C: 140 %" in text  # the simulated prices are kept with the job's result
    assert session.execute(select(func.count()).select_from(Settlement)).scalar() == 0


def test_simulation_page_names_a_bad_percentage(client, auth, session):
    load(session, levelled_document())
    auth.login("finance")
    response = client.post("/uppfoljning/simulering", data={
        "first": FIRST, "last": LAST, "level-prices": "1", "level-B-percent": "-3"})
    assert response.status_code == 400
    assert "procent av grundpriset" in response.text
