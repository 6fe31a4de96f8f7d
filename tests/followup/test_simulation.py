"""The bonus simulation recomputes past months with the real engine and writes nothing."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.common.errors import ValidationError
from app.exchange.importer import import_document
from app.followup import simulation
from app.settlement import rules, service
from app.settlement.models import BonusRule, Settlement
from tests.followup.helpers import bonus_document
from tests.tasks.helpers import follow

MONTHS = ["2026-03", "2026-04", "2026-05", "2026-06"]


def load(session, doc: dict) -> None:
    import_document(session, doc)
    session.commit()


def stored_terms(session) -> list[rules.BonusRule]:
    return [terms for _rule, terms in simulation.stored_rules(session)]


def with_first_tier(terms: list[rules.BonusRule], amount: str) -> list[rules.BonusRule]:
    rule = terms[0]
    tiers = (rules.Tier(90, Decimal(amount)), *rule.tiers[1:])
    return [dataclasses.replace(rule, tiers=tiers)]


def real_run_total(session) -> Decimal:
    for month in MONTHS:
        service.run_period(session, month)
    session.commit()
    return session.execute(select(func.sum(Settlement.total_excl_vat))).scalar()


def test_unchanged_rules_give_no_difference(session):
    load(session, bonus_document())
    result = simulation.simulate(session, "2026-03", "2026-06", stored_terms(session))
    total = result.total
    # 6 000.00 + 2 999.70 hours in March, 10 000.00 bonus in April, 5 000.00 bonus in June.
    assert total.real == total.simulated == Decimal("23999.70")
    assert total.difference == 0
    assert (total.real_results, total.simulated_results) == (2, 2)
    assert result.months == MONTHS


def test_a_higher_first_tier_costs_the_difference_per_provider(session):
    load(session, bonus_document())
    result = simulation.simulate(session, "2026-03", "2026-06",
                                 with_first_tier(stored_terms(session), "12000.00"))
    by_name = {row.name: row for row in result.rows}
    anna = by_name["Arbetsvägen AB"]  # PL1: day 35, the 90-day tier
    assert (anna.real, anna.simulated, anna.difference) == (
        Decimal("16000.00"), Decimal("18000.00"), Decimal("2000.00"))
    assert (anna.real_bonus, anna.simulated_bonus) == (Decimal("10000.00"), Decimal("12000.00"))
    bashir = by_name["Nästa Steg Kooperativ"]  # PL2: day 105, the 180-day tier is unchanged
    assert bashir.real == bashir.simulated == Decimal("7999.70")
    assert result.total.simulated == Decimal("25999.70")


def test_simulated_total_equals_a_real_run_with_the_changed_rule(session):
    load(session, bonus_document())
    simulated = simulation.simulate(session, "2026-03", "2026-06",
                                     with_first_tier(stored_terms(session), "12000.00"))
    assert session.execute(select(func.count()).select_from(Settlement)).scalar() == 0

    rule = session.execute(select(BonusRule)).scalar_one()
    rule.tiers = [{"max_days": 90, "amount": "12000.00"}, {"max_days": 180, "amount": "5000.00"}]
    session.commit()
    assert real_run_total(session) == simulated.total.simulated == Decimal("25999.70")


def test_simulated_total_equals_a_real_run_after_importing_the_changed_rule(session):
    load(session, bonus_document())
    simulated = simulation.simulate(session, "2026-03", "2026-06",
                                    with_first_tier(stored_terms(session), "7500.00"))
    load(session, bonus_document(tiers=[{"max_days": 90, "amount": "7500.00"},
                                        {"max_days": 180, "amount": "5000.00"}]))
    assert real_run_total(session) == simulated.total.simulated == Decimal("21499.70")


def test_leaving_out_every_rule_rewards_no_results(session):
    load(session, bonus_document())
    total = simulation.simulate(session, "2026-03", "2026-06", []).total
    assert total.simulated == Decimal("8999.70") and total.simulated_bonus == 0
    assert (total.real_results, total.simulated_results) == (2, 0)


def test_simulation_writes_nothing(session):
    load(session, bonus_document())
    simulation.simulate(session, "2026-03", "2026-06", with_first_tier(stored_terms(session), "1.00"))
    session.rollback()
    assert session.execute(select(func.count()).select_from(Settlement)).scalar() == 0
    assert session.execute(select(BonusRule.tiers)).scalar_one()[0]["amount"] in ("10000.00", "10000")


@pytest.mark.parametrize(("first", "last", "field"), [
    ("2026-13", "2026-06", "first"), ("2026-06", "2026-03", "last"), ("2024-01", "2026-06", "last")])
def test_month_range_errors_name_the_field(first, last, field):
    with pytest.raises(ValidationError) as error:
        simulation.months_between(first, last)
    assert error.value.field == field


def test_simulation_page_shows_the_difference(client, auth, session):
    load(session, bonus_document())
    auth.login("finance")
    page = client.get("/uppfoljning/simulering")
    assert page.status_code == 200 and "rule-0-tiers" in page.text
    response = follow(client, client.post("/uppfoljning/simulering", data={
        "first": "2026-03", "last": "2026-06", "rule-0-include": "1",
        "rule-0-tiers": "90: 12000\n180: 5000", "rule-0-sustain_amount": "0"}))
    assert response.status_code == 200
    text = response.text.replace("\u00a0", " ")
    assert "25 999,70" in text and "23 999,70" in text and "2 000,00" in text
    assert session.execute(select(func.count()).select_from(Settlement)).scalar() == 0


def test_simulation_page_names_a_bad_tier(client, auth, session):
    load(session, bonus_document())
    auth.login("admin")
    response = client.post("/uppfoljning/simulering", data={
        "first": "2026-03", "last": "2026-06", "rule-0-include": "1", "rule-0-tiers": "nittio"})
    assert response.status_code == 400
    assert "rad 1" in response.text
