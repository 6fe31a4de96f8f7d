"""Bonus rules: the admin screen, and a rule that has paid out can't be changed, only retired or succeeded."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from app.common.errors import ValidationError
from app.common.models import AuditLog
from app.exchange.importer import import_document
from app.settlement import bonus_rules
from app.settlement import service as settlement_service
from app.settlement.models import BonusRule
from tests.settlement.helpers import base_document

RULE = {"ref": "B1", "name": "Snabbt resultat", "service_types": ["praktik"], "outcome_kinds": ["employment"],
        "tiers": [{"max_days": 90, "amount": "10000.00"}, {"max_days": 180, "amount": "5000.00"}]}


def _paid_rule(session) -> BonusRule:
    """B1 applies to PL1 and PL2; PL1's result paid 10 000 kr in April's approved settlement."""
    doc = base_document()
    doc["bonus_rules"] = [RULE]
    doc["outcomes"] = [{"ref": "U1", "placement": "PL1", "kind": "employment", "result_date": "2026-04-01",
                        "verified_on": "2026-04-10"}]
    import_document(session, doc)
    settlement_service.run_period(session, "2026-04")
    settlement_service.approve_period(session, "2026-04")
    session.commit()
    rule = session.exec(select(BonusRule)).one()
    session.commit()
    return rule


def _import(runner, tmp_path, doc):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return runner.invoke(args=["data", "import", str(path)])


def test_a_paid_rule_cannot_be_changed_by_import(app, runner, session, tmp_path):
    from tests.exchange.test_import import table_counts

    _paid_rule(session)
    before = table_counts(app)
    changed = {**RULE, "tiers": [{"max_days": 90, "amount": "20000.00"}]}
    result = _import(runner, tmp_path, {"bonus_rules": [changed]})
    assert result.exit_code == 1
    assert result.stderr.startswith("bonus_rules[0].tiers: cannot change once the rule has paid out")
    assert table_counts(app) == before
    session.expire_all()
    assert session.exec(select(BonusRule)).one().tiers[0]["amount"] == "10000.00"
    session.commit()
    # The same terms again, or an end date, are fine.
    assert _import(runner, tmp_path, {"bonus_rules": [{**RULE, "placements_to": "2026-06-30"}]}).exit_code == 0


def test_an_unpaid_rule_can_still_be_changed_by_import(runner, session, tmp_path):
    import_document(session, {**base_document(), "bonus_rules": [RULE]})
    session.commit()
    result = _import(runner, tmp_path, {"bonus_rules": [{**RULE, "tiers": [{"max_days": 60, "amount": "1.00"}]}]})
    assert result.exit_code == 0, result.output


def test_the_service_refuses_changing_a_paid_rule_but_retires_it(session):
    rule = _paid_rule(session)
    data = bonus_rules.RuleData.of(rule)
    data.sustain_amount = "3000.00"
    with pytest.raises(ValidationError) as error:
        bonus_rules.update_rule(session, rule, data, None)
    assert error.value.field == "sustain_amount"
    session.rollback()
    rule = session.get(BonusRule, rule.id)
    bonus_rules.retire(session, rule, date(2026, 6, 30), None)
    assert rule.placements_to == date(2026, 6, 30)


def test_usage_counts_placements_and_what_the_rule_paid(session):
    rule = _paid_rule(session)
    used = bonus_rules.usage(session)[rule.id]
    assert (used.placements, used.paid, used.has_paid) == (2, 10000, True)


def test_admin_creates_a_rule_on_the_screen_with_tiers_and_levels(client, auth, session):
    auth.login("admin")
    page = client.get("/admin/bonusregler/ny").get_data(as_text=True)
    assert 'name="tiers[0].max_days"' in page and 'name="levels" value="C"' in page
    form = {"name": "Nivå C", "priority": "2", "service_types": ["praktik"], "outcome_kinds": ["employment", "studies"],
            "levels": ["C"], "min_age": "", "max_age": "29", "newly_arrived": "yes", "placements_from": "2026-01-01",
            "tiers[0].max_days": "90", "tiers[0].amount": "12000,00", "tiers[1].max_days": "",
            "tiers[1].amount": "", "grace_days": "30", "sustain_days": "180", "sustain_amount": "4000"}
    bad = client.post("/admin/bonusregler/ny", data={**form, "tiers[0].amount": "12,345"})
    assert bad.status_code == 400 and "två decimaler" in bad.get_data(as_text=True)
    response = client.post("/admin/bonusregler/ny", data=form)
    assert response.status_code == 302
    rule = session.exec(select(BonusRule)).one()
    assert (rule.levels, rule.max_age, rule.newly_arrived, rule.tiers, rule.sustain_days) == (
        ["C"], 29, True, [{"max_days": 90, "amount": "12000.00"}], 180)
    assert session.exec(select(AuditLog).where(AuditLog.entity == "bonus_rule")).one().action == "create"
    session.commit()
    listing = client.get("/admin/bonusregler/").get_data(as_text=True)
    assert "Nivå C" in listing


def test_the_screen_locks_a_paid_rule_and_makes_new_terms_from_a_date(client, auth, session):
    rule = _paid_rule(session)
    auth.login("admin")
    page = client.get(f"/admin/bonusregler/{rule.id}").get_data(as_text=True)
    assert "har betalat ut bonus" in page and "Spara ändringarna" not in page
    assert "10\u00a0000,00\u00a0kr" in page  # what it has paid
    form = {k: v for k, v in {
        "name": "Snabbt resultat 2027", "priority": "1", "service_types": ["praktik"],
        "outcome_kinds": ["employment"], "tiers[0].max_days": "90", "tiers[0].amount": "12000.00",
        "grace_days": "30", "sustain_days": "90", "sustain_amount": "0"}.items()}
    response = client.post(f"/admin/bonusregler/{rule.id}", data={**form, "action": "save"})
    assert response.status_code == 400
    response = client.post(f"/admin/bonusregler/{rule.id}", data={**form, "action": "successor",
                                                                   "from_date": "2027-01-01"})
    assert response.status_code == 302
    session.expire_all()
    old, new = session.exec(select(BonusRule).order_by(BonusRule.id)).all()
    assert old.placements_to == date(2026, 12, 31) and old.tiers == RULE["tiers"]
    assert new.placements_from == date(2027, 1, 1) and new.tiers == [{"max_days": 90, "amount": "12000.00"}]
    actions = sorted(a.action for a in session.exec(select(AuditLog).where(AuditLog.entity == "bonus_rule")))
    assert actions == ["create", "retire"]


def test_finance_reads_rules_but_cannot_change_them(client, auth, session):
    rule = _paid_rule(session)
    auth.login("finance")
    assert client.get("/admin/bonusregler/").status_code == 200
    assert client.post(f"/admin/bonusregler/{rule.id}", data={"action": "retire",
                                                              "placements_to": "2026-06-30"}).status_code == 403
    assert client.get("/admin/bonusregler/ny").status_code == 403


@pytest.mark.parametrize(("field", "value"), [
    ("priority", "1e400"), ("min_age", "NaN"), ("placements_from", "9999-12-31"), ("name", "a\x00b"),
    ("tiers[0].amount", "1e400"), ("sustain_amount", "-5"), ("tier_rows", "99999999"),
])
def test_hostile_values_on_the_rule_form_are_refused_not_a_500(client, auth, session, field, value):
    auth.login("admin")
    form = {"name": "Regel", "priority": "1", "service_types": ["praktik"], "outcome_kinds": ["employment"],
            "tiers[0].max_days": "90", "tiers[0].amount": "100", "grace_days": "30", "sustain_days": "90",
            "sustain_amount": "0", field: value}
    response = client.post("/admin/bonusregler/ny", data=form)
    assert response.status_code in (302, 400)
    if field != "tier_rows":
        assert response.status_code == 400 and session.exec(select(BonusRule)).first() is None
