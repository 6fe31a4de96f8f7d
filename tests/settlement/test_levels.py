"""Levels (settlement.md, "Levels"): the rate and the bonus rule follow the referral's level."""
from __future__ import annotations

import copy
import json
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.common.errors import ValidationError
from app.exchange.importer import import_document
from app.kundval.models import Referral as ReferralRow
from app.offerings.models import Offering as OfferingRow
from app.settlement import fast, rules, service
from app.settlement.models import BonusRule as BonusRuleRow
from tests.settlement.test_rules import (
    bonus_rule,
    make_inputs,
    offering,
    outcome,
    placement,
    present,
    referral,
    summary,
)

D = Decimal


def leveled(ref="R1", level=None, **kw) -> rules.Referral:
    return replace(referral(ref, **kw), level=level)


def priced(level_rates: dict, **kw) -> rules.Offering:
    return replace(offering(**kw), level_rates={k: D(v) for k, v in level_rates.items()})


# --- The rate --------------------------------------------------------------------------------------

def test_the_rate_is_the_level_rate_when_the_offering_has_one_for_the_referrals_level():
    o = priced({"B": "140.00", "C": "175.00"})
    assert rules.placement_rate(o, leveled(level="C")) == D("175.00")
    assert rules.placement_rate(o, leveled(level="A")) == D("120.00")  # no rate for A
    assert rules.placement_rate(o, leveled(level=None)) == D("120.00")
    assert rules.placement_rate(offering(), leveled(level="C")) == D("120.00")


def test_day_line_at_a_level_rate_names_the_level_in_its_computation():
    inputs = make_inputs(offerings=[priced({"C": "750.00"}, rate_unit="day", rate="500.00", vat_rate=0)],
                         referrals=[leveled(level="C")],
                         attendance=[present("PL1", f"2026-03-0{n}") for n in range(2, 7)])
    (line,), _ = rules.owed(inputs, "P1", "2026-03")
    assert summary([line]) == [("PL1", "days", "5.00", "750.00", "3750.00", "0.00")]
    assert line.explanation == "5 dagar × 750,00 kr (nivå C)"


def test_a_level_without_a_level_rate_is_paid_the_rate_and_says_nothing_of_levels():
    inputs = make_inputs(offerings=[priced({"C": "750.00"}, rate_unit="day", rate="500.00")],
                         referrals=[leveled(level="A")], attendance=[present("PL1", "2026-03-02")])
    (line,), _ = rules.owed(inputs, "P1", "2026-03")
    assert line.unit_price == D("500.00") and line.explanation == "1 dag × 500,00 kr"


def test_weekly_cap_is_walked_the_same_with_level_rates_each_placement_at_its_own_rate():
    # Two hour placements under one capped level-B decision: 8 + 8 h on Monday, cap 12 h.
    inputs = make_inputs(
        offerings=[priced({"B": "140.00"}, ref="O1"), priced({"C": "175.00"}, ref="O2", provider="P2")],
        referrals=[leveled(level="B", cap="12")],
        placements=[placement("PL1", offering="O1", start="2026-03-02"),
                    placement("PL2", offering="O2", start="2026-03-03")],
        attendance=[present("PL1", "2026-03-03"), present("PL2", "2026-03-03")])
    assert summary(rules.owed(inputs, "P1", "2026-03")[0]) == [
        ("PL1", "hours", "8.00", "140.00", "1120.00", "280.00")]
    # O2 has no rate for B: the rate; the cap leaves it 4 h of the week.
    assert summary(rules.owed(inputs, "P2", "2026-03")[0]) == [
        ("PL2", "hours", "4.00", "120.00", "480.00", "120.00")]


def test_package_instalments_are_shares_of_the_level_rate():
    o = priced({"C": "9000.00"}, rate_unit="package", rate="6000.00", start_share=40)
    inputs = make_inputs(offerings=[o], referrals=[leveled(level="C")],
                         placements=[placement(ended_on="2026-04-10", end_reason="completed")],
                         attendance=[present("PL1", "2026-03-02")])
    (start,), _ = rules.owed(inputs, "P1", "2026-03")
    (completion,), _ = rules.owed(inputs, "P1", "2026-04")
    assert (start.kind, start.amount) == ("package_start", D("3600.00"))
    assert (completion.kind, completion.amount) == ("package_completion", D("5400.00"))
    assert "(nivå C)" in start.explanation and "(nivå C)" in completion.explanation


# --- Choosing the bonus rule -----------------------------------------------------------------------

def _rule_for(level, *bonus_rules):
    found = rules.bonus_rule_for(placement(start="2026-01-05"), offering(), bonus_rules, level)
    return found and found.ref


def test_a_rule_with_levels_matches_only_referrals_of_those_levels():
    rule = bonus_rule("B1", levels=("B", "C"))
    assert _rule_for("C", rule) == "B1" and _rule_for("B", rule) == "B1"
    assert _rule_for("A", rule) is None


def test_a_referral_without_a_level_matches_only_rules_without_levels():
    assert _rule_for(None, bonus_rule("B1", levels=("A", "B", "C"))) is None
    assert _rule_for(None, bonus_rule("B1")) == "B1"
    assert _rule_for("A", bonus_rule("B1")) == "B1"  # a rule without levels takes every level


def test_the_first_rule_by_priority_whose_levels_match_is_chosen():
    high_c = bonus_rule("B1", priority=1, levels=("C",))
    high_b = bonus_rule("B2", priority=2, levels=("B",))
    general = bonus_rule("B3", priority=3)
    assert _rule_for("C", general, high_b, high_c) == "B1"
    assert _rule_for("B", general, high_b, high_c) == "B2"
    assert _rule_for("A", general, high_b, high_c) == "B3"
    assert _rule_for(None, general, high_b, high_c) == "B3"


def test_bonus_lines_follow_the_level_of_the_referral():
    rules_ = [bonus_rule("B1", priority=1, levels=("C",), tiers=((90, "12000.00"),)),
              bonus_rule("B2", priority=2, tiers=((90, "8000.00"),))]
    for level, amount in (("C", "12000.00"), ("A", "8000.00"), (None, "8000.00")):
        inputs = make_inputs(referrals=[leveled(level=level)], outcomes=[outcome()], bonus_rules=rules_)
        (line,), _ = rules.owed(inputs, "P1", "2026-04")
        assert (line.kind, line.amount) == ("bonus_result", D(amount)), level


# --- Fingerprint -----------------------------------------------------------------------------------

def test_a_changed_level_or_level_rate_or_rule_levels_changes_the_fingerprint():
    base = make_inputs(attendance=[present("PL1", "2026-03-02")], bonus_rules=[bonus_rule()])
    before = fast.fingerprint(base, "P1", "2026-03")
    changed = [
        make_inputs(referrals=[leveled(level="B")], attendance=base.attendance,
                    bonus_rules=base.bonus_rules),
        make_inputs(offerings=[priced({"B": "130.00"})], attendance=base.attendance,
                    bonus_rules=base.bonus_rules),
        make_inputs(attendance=base.attendance, bonus_rules=[bonus_rule(levels=("C",))]),
    ]
    assert all(fast.fingerprint(i, "P1", "2026-03") != before for i in changed)
    # The same level rates written differently are the same terms.
    one = make_inputs(offerings=[priced({"B": "130", "C": "140.00"})], attendance=base.attendance)
    two = make_inputs(offerings=[priced({"C": "140", "B": "130.00"})], attendance=base.attendance)
    assert fast.fingerprint(one, "P1", "2026-03") == fast.fingerprint(two, "P1", "2026-03")


# --- Through the database --------------------------------------------------------------------------

def _doc(level="C", level_rates=None, levels=None) -> dict:
    doc = {
        "providers": [{"ref": "P1", "org_nr": "556677-8899", "name": "Arbetsvägen AB",
                       "status": "approved", "email": "e@p1.example", "bankgiro": "5050-1055"}],
        "offerings": [{"ref": "O1", "provider": "P1", "service_type": "praktik", "title": "Praktik",
                       "rate_unit": "hour", "rate": "100.00", "vat_rate": 25, "capacity": 5,
                       "level_rates": {"B": "120.00", "C": "150.00"} if level_rates is None
                       else level_rates}],
        "bonus_rules": [{"ref": "B1", "priority": 1, "service_types": ["praktik"],
                         "levels": ["C"] if levels is None else levels,
                         "outcome_kinds": ["employment"],
                         "tiers": [{"max_days": 90, "amount": "5000.00"}]}],
        "clients": [{"ref": "C1", "personal_id": "19880412-2318", "name": "Sara Holm"}],
        "referrals": [{"ref": "R1", "client": "C1", "service_type": "praktik",
                       "decided_on": "2025-02-20", "valid_from": "2025-03-01",
                       "valid_to": "2025-08-31", "max_hours_per_week": "10", "level": level}],
        "placements": [{"ref": "PL1", "referral": "R1", "offering": "O1", "chosen_by": "client",
                        "start_date": "2025-03-03"}],
        "attendance": [{"placement": "PL1", "date": f"2025-03-0{n}", "status": "present",
                        "hours": "4"} for n in range(3, 7)],
    }
    return doc


def test_import_stores_levels_level_rates_and_rule_levels(session):
    import_document(session, _doc(levels=["C", "B"]))
    assert session.execute(select(ReferralRow.level)).scalar_one() == "C"
    assert session.execute(select(OfferingRow.level_rates)).scalar_one() == {"B": "120.00", "C": "150.00"}
    assert session.execute(select(BonusRuleRow.levels)).scalar_one() == ["B", "C"]


@pytest.mark.parametrize(("change", "field", "message"), [
    (lambda doc: doc["offerings"][0].update(level_rates={"D": "1.00"}),
     "offerings[0].level_rates.D", "unknown level"),
    (lambda doc: doc["offerings"][0].update(level_rates={"B": "1.005"}),
     "offerings[0].level_rates.B", "at most 2 decimals"),
    (lambda doc: doc["offerings"][0].update(level_rates={"B": 140}),
     "offerings[0].level_rates.B", "must be a string"),
    (lambda doc: doc["offerings"][0].update(level_rates=["B"]), "offerings[0].level_rates", "object"),
    (lambda doc: doc["referrals"][0].update(level="D"), "referrals[0].level", "unknown value"),
    (lambda doc: doc["bonus_rules"][0].update(levels=["X"]), "bonus_rules[0].levels[0]", "unknown value"),
])
def test_import_refuses_bad_levels_naming_the_field(session, change, field, message):
    doc = copy.deepcopy(_doc())
    change(doc)
    with pytest.raises(ValidationError) as error:
        import_document(session, doc)
    assert error.value.field == field and message in error.value.message


def test_level_rates_cannot_change_once_a_placement_uses_the_offering(session):
    import_document(session, _doc())
    with pytest.raises(ValidationError) as error:
        import_document(session, _doc(level_rates={"B": "120.00", "C": "160.00"}))
    assert error.value.field == "offerings[0].level_rates"


def test_weekly_cap_at_a_level_rate_through_the_database(session):
    import_document(session, _doc())
    computed = service.compute_period(session, "2025-03")
    ((lines, _warnings, _digest),) = computed.values()
    # 4 days × 4 h in one week, capped at 10 h, at level C's 150.00.
    assert summary(lines) == [("PL1", "hours", "10.00", "150.00", "1500.00", "375.00")]
    assert lines[0].explanation == "10,00 h × 150,00 kr (nivå C)"


def test_a_level_corrected_after_approval_is_paid_as_an_adjustment(runner, tmp_path):
    def cli(*args):
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output
        return result.stdout

    def imported(doc):
        path = tmp_path / "doc.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        cli("data", "import", str(path))

    imported(_doc(level="B"))
    cli("settlement", "run", "--period", "2025-03")
    cli("settlement", "approve", "--period", "2025-03")
    imported({"referrals": [dict(_doc()["referrals"][0], level="C")]})
    cli("settlement", "run", "--period", "2025-04")
    export = json.loads(cli("settlement", "export", "--period", "2025-04", "--format", "json"))
    (settlement,) = export["settlements"]
    # March approved 10 h × 120.00 (B) = 1200.00; owed now 10 h × 150.00 (C) = 1500.00.
    assert [(line["kind"], line["amount"], line["ref_period"], line["ref_kind"])
            for line in settlement["lines"]] == [("adjustment", "300.00", "2025-03", "hours")]


def test_pdf_table_shows_the_computation_of_a_line_paid_at_a_level_rate():
    from app.settlement.documents.data import DocumentLine
    from app.settlement.documents.pdf import line_blocks

    def line(explanation):
        return DocumentLine("PL1", "S.H.", "praktik", "days", D("5.00"), D("750.00"), D("3750.00"), 0,
                            D("0.00"), explanation=explanation)

    (block,) = line_blocks([line("5 dagar × 750,00 kr (nivå C)"), line("5 dagar × 500,00 kr")])
    texts = [text.strip() for text, is_explanation in block if is_explanation]
    assert texts == ["5 dagar × 750,00 kr (nivå C)"]  # the flat rate's text would repeat the row


def test_finance_sees_the_level_in_the_computation_on_the_settlement_page(session, client, auth):
    from app.settlement.models import Settlement

    import_document(session, _doc())
    service.run_period(session, "2025-03")
    session.commit()
    settlement_id = session.execute(select(Settlement.id)).scalar_one()
    session.commit()  # ends the read transaction, which holds SQLite's write lock
    auth.login("finance")
    page = client.get(f"/avrakning/visa/{settlement_id}").get_data(as_text=True)
    assert "10,00 h × 150,00 kr (nivå C)" in page
