"""The settlement workflow on the database: drafts, approval, closing, adjustments, warnings."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, text

from app.exchange.importer import import_document
from app.providers.models import Provider
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


def _shared_cap_document() -> dict:
    """P1's placement ends mid-week; P2 takes over under the same capped decision."""
    doc = base_document(cap="20")
    doc["placements"][0]["ended_on"] = "2026-03-11"
    doc["placements"][0]["end_reason"] = "switched"
    doc["placements"].append({"ref": "PL3", "referral": "R1", "offering": "O2", "chosen_by": "client",
                              "start_date": "2026-03-12", "ended_on": None, "end_reason": None})
    doc["attendance"] = (attendance("PL1", "2026-03-02", 8, "6") + attendance("PL3", "2026-03-12", 10, "6")
                         + attendance("PL2", "2026-03-02", 15, "4"))
    return doc


def test_running_one_provider_at_a_time_gives_what_running_all_gives(session):
    """The period page runs providers one by one; each run reads only that provider's data
    (and placements sharing its decisions), and must settle exactly as a run of all does."""
    load(session, _shared_cap_document())
    service.run_period(session, "2026-03")
    session.commit()
    all_at_once = service.export_period(session, "2026-03")
    fingerprints = dict(session.execute(select(Settlement.provider_id, Settlement.fingerprint)).all())
    session.execute(SettlementLine.__table__.delete())
    session.execute(SettlementWarning.__table__.delete())
    session.execute(Settlement.__table__.delete())
    session.commit()
    for org_nr in (ORG_B, ORG_A):
        result = service.run_period(session, "2026-03", org_nr)
        assert result.drafted == [org_nr]
        session.commit()
    assert service.export_period(session, "2026-03") == all_at_once
    assert dict(session.execute(select(Settlement.provider_id, Settlement.fingerprint)).all()) == fingerprints
    # PL3 shares PL1's weekly cap of 20 h: in week 11 PL1 had 18 h, so PL3 gets 2 + 20 + 18 h.
    pl3 = next(line for line in export(session, "2026-03")[ORG_B]["lines"] if line["placement"] == "PL3")
    assert pl3["quantity"] == "40.00"
    assert service.run_period(session, "2026-03", ORG_A).unchanged == [ORG_A]


def test_one_provider_run_reads_only_its_own_and_shared_placements(session):
    doc = _shared_cap_document()
    doc["placements"].append({"ref": "PL4", "referral": "R2", "offering": "O1", "chosen_by": "client",
                              "start_date": "2026-04-01", "ended_on": None, "end_reason": None})
    load(session, doc)
    p1 = session.execute(select(Provider.id).where(Provider.org_nr == ORG_A)).scalar_one()
    loaded = service.load_inputs(session, date(2026, 2, 23), date(2026, 3, 31), providers={p1})
    # P1's PL1 and PL4, PL3 under PL1's decision R1, and PL2 under PL4's decision R2.
    assert sorted(p.ref for p in loaded.inputs.placements) == ["PL1", "PL2", "PL3", "PL4"]
    nobody = service.load_inputs(session, date(2026, 2, 23), date(2026, 3, 31), providers=set())
    assert nobody.inputs.placements == [] and nobody.inputs.attendance == []


def test_lines_stored_in_bulk_are_stored_as_the_orm_stores_them(session):
    """Lines and warnings bypass the ORM; their values must be written exactly as it writes them
    (on SQLite the timestamp text, dates and numbers), so that both compare and sort alike."""
    doc = base_document(cap="20")
    doc["attendance"] = attendance("PL1", "2026-03-02", 5, "6") + [
        {"placement": "PL1", "date": "2026-03-09", "status": "absent", "hours": "0"}]
    load(session, doc)
    service.run_period(session, "2026-03")
    session.commit()
    rows = session.execute(text(
        "SELECT s.updated_at, l.created_at, w.created_at, w.first_date, l.quantity, w.last_date, w.days, "
        "w.day_hours, w.hours FROM settlement s "
        "JOIN settlementline l ON l.settlement_id = s.id JOIN settlementwarning w ON w.settlement_id = s.id")).all()
    assert rows and all(updated == line_created == warning_created for updated, line_created, warning_created, *_
                        in rows)
    # Over the cap on Thursday (4 h) and Friday (6 h): one run of two days; absent on Monday.
    assert {(str(first), str(last), days, day_hours, Decimal(str(hours)))
            for _, _, _, first, _, last, days, day_hours, hours in rows} == {
        ("2026-03-05", "2026-03-06", 2, "4.00 6.00", Decimal("10")),
        ("2026-03-09", "2026-03-09", 1, "0.00", Decimal("0"))}
    assert {Decimal(str(row[4])) for row in rows} == {Decimal("20")}
    found = session.execute(select(SettlementWarning).where(SettlementWarning.days == 2)).scalar_one()
    assert found.first_date == date(2026, 3, 5) and found.last_date == date(2026, 3, 6)  # as the ORM reads them
