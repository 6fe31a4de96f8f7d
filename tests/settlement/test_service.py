"""The settlement workflow on the database: drafts, approval, closing, adjustments, warnings."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from app.exchange.importer import import_document
from app.settlement import service
from app.settlement.models import Settlement, SettlementLine, SettlementWarning
from tests.settlement.helpers import ORG_A, ORG_B, attendance, base_document


def load(session, doc: dict) -> None:
    import_document(session, doc)
    session.commit()


def export(session, period: str) -> dict:
    return {s["provider_org_nr"]: s for s in service.export_period(session, period)["settlements"]}


def test_running_a_draft_twice_gives_identical_lines(session):
    doc = base_document()
    doc["attendance"] = attendance("PL1", "2026-03-02", 10) + attendance("PL2", "2026-03-02", 5)
    load(session, doc)
    service.run_period(session, "2026-03")
    session.commit()
    first = service.export_period(session, "2026-03")
    second_run = service.run_period(session, "2026-03")
    session.commit()
    assert second_run.drafted == [] and sorted(second_run.unchanged) == [ORG_A, ORG_B]
    assert service.export_period(session, "2026-03") == first
    assert session.execute(select(func.count()).select_from(Settlement)).scalar() == 2


def test_approved_settlement_never_changes_and_late_hours_become_an_adjustment(session):
    doc = base_document()
    doc["attendance"] = attendance("PL1", "2026-03-02", 5)
    load(session, doc)
    service.run_period(session, "2026-03")
    service.approve_period(session, "2026-03")
    session.commit()
    approved = export(session, "2026-03")[ORG_A]
    assert approved["total_excl_vat"] == "3000.00"

    load(session, {"attendance": attendance("PL1", "2026-03-09", 1) + attendance("PL1", "2026-04-01", 2)})
    result = service.run_period(session, "2026-03")
    session.commit()
    assert ORG_A in result.skipped_settled
    assert export(session, "2026-03")[ORG_A] == approved

    service.run_period(session, "2026-04")
    session.commit()
    april = export(session, "2026-04")[ORG_A]
    adjustment = [line for line in april["lines"] if line["kind"] == "adjustment"]
    assert adjustment == [{"placement": "PL1", "kind": "adjustment", "quantity": "1.00", "unit_price": "600.00",
                           "amount": "600.00", "vat_rate": 25, "vat": "150.00", "ref_period": "2026-03",
                           "ref_kind": "hours"}]
    assert april["total_excl_vat"] == "1800.00"


def test_approval_numbers_are_gapless_in_org_nr_order(session):
    doc = base_document()
    doc["attendance"] = attendance("PL1", "2026-03-02", 3) + attendance("PL2", "2026-03-02", 3)
    load(session, doc)
    service.run_period(session, "2026-03")
    result = service.approve_period(session, "2026-03")
    session.commit()
    year = result.approved[0][1].split("-")[1]
    assert result.approved == [(ORG_A, f"AV-{year}-00001"), (ORG_B, f"AV-{year}-00002")]
    load(session, {"attendance": attendance("PL1", "2026-04-01", 2)})
    service.run_period(session, "2026-04")
    assert service.approve_period(session, "2026-04").approved == [(ORG_A, f"AV-{year}-00003")]
    assert service.approve_period(session, "2026-04").approved == []


def test_close_drafts_missing_providers_approves_all_and_is_safe_to_repeat(session):
    doc = base_document()
    doc["attendance"] = attendance("PL1", "2026-03-02", 3) + attendance("PL2", "2026-03-02", 3)
    load(session, doc)
    service.run_period(session, "2026-03", ORG_A)
    result = service.close_period(session, "2026-03")
    session.commit()
    assert result.drafted == [ORG_B]
    assert [org for org, _ in result.approved] == [ORG_A, ORG_B]
    assert service.close_period(session, "2026-03").already_closed
    assert service.run_period(session, "2026-03").drafted == []


def test_skipped_attendance_is_reported_as_warnings(session):
    doc = base_document(cap="20")
    doc["attendance"] = (attendance("PL1", "2026-03-02", 5, hours="5")  # 25 h in one week: 5 over the cap
                         + [{"placement": "PL1", "date": "2026-03-01", "status": "present", "hours": "4"},
                            {"placement": "PL1", "date": "2026-03-10", "status": "absent", "hours": "0"}])
    load(session, doc)
    service.run_period(session, "2026-03")
    session.commit()
    reasons = dict(session.execute(
        select(SettlementWarning.reason, func.sum(SettlementWarning.hours)).group_by(SettlementWarning.reason)).all())
    assert set(reasons) == {"over_cap", "outside_window", "absent"}
    assert Decimal(str(reasons["over_cap"])) == Decimal("5")
    assert export(session, "2026-03")[ORG_A]["lines"][0]["quantity"] == "20.00"


def test_rerun_records_what_changed_since_the_previous_draft(session):
    from app.settlement.overview import settlement_detail

    doc = base_document()
    doc["attendance"] = attendance("PL1", "2026-03-02", 2)
    load(session, doc)
    service.run_period(session, "2026-03", ORG_A)
    session.commit()
    load(session, {"attendance": attendance("PL1", "2026-03-04", 1)})
    assert service.run_period(session, "2026-03", ORG_A).drafted == [ORG_A]
    session.commit()
    settlement = session.execute(select(Settlement)).scalar_one()
    changes = settlement_detail(session, settlement.id)["changes"]
    assert [(c.key, c.before, c.after) for c in changes] == [
        ("PL1 hours", "12.00 × 100.00 = 1200.00 (moms 300.00)", "18.00 × 100.00 = 1800.00 (moms 450.00)")]


def test_a_negative_total_is_a_credit_note(session):
    doc = base_document()
    doc["attendance"] = attendance("PL1", "2026-03-02", 5)
    doc["placements"][0]["ended_on"] = "2026-03-31"
    doc["placements"][0]["end_reason"] = "completed"
    load(session, doc)
    service.run_period(session, "2026-03")
    service.approve_period(session, "2026-03")
    session.commit()
    load(session, {"attendance": [{"placement": "PL1", "date": "2026-03-03", "status": "absent", "hours": "0"}]})
    service.run_period(session, "2026-04")
    session.commit()
    april = export(session, "2026-04")[ORG_A]
    assert april["credit_note"] is True and april["total_incl_vat"] == "-750.00"


def test_lines_of_a_replaced_draft_are_gone(session):
    doc = base_document()
    doc["attendance"] = attendance("PL1", "2026-03-02", 2)
    load(session, doc)
    service.run_period(session, "2026-03")
    service.run_period(session, "2026-03")
    load(session, {"attendance": attendance("PL1", "2026-03-04", 1)})
    service.run_period(session, "2026-03")
    session.commit()
    assert session.execute(select(func.count()).select_from(SettlementLine)).scalar() == 1
