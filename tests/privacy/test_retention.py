"""Retention (gallring) with the clock set years ahead: personal data goes, figures and settlements stay."""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from app.auth.models import User
from app.common.audit import record_access
from app.common.models import AccessLog, AuditLog
from app.exchange.importer import import_document
from app.kundval import service as kundval
from app.kundval.models import CaseFacts, Client, ClientLoginCode, Outcome
from app.privacy import retention
from app.privacy.models import RetentionRun
from app.scheduler import retention_job
from app.settlement import rules
from app.settlement import service as settlement
from app.settlement.models import Settlement, SettlementLine
from app.settlement.overview import settlement_detail
from tests.settlement.helpers import attendance, base_document

POLICY = retention.Policy()
PERIODS = ["2026-03", "2026-04", "2026-05"]


@pytest.fixture
def settled(session):
    """Two clients placed in 2026 (decisions to 2026-12-31), three months settled and approved,
    a third client whose decision runs to 2030; a login account, a code, an outcome and logs."""
    doc = base_document()
    doc["clients"].append({"ref": "C3", "personal_id": "19771231-1237", "name": "Cecilia Berg"})
    doc["referrals"].append({"ref": "R3", "client": "C3", "service_type": "praktik",
                             "decided_on": "2026-02-20", "valid_from": "2026-03-01",
                             "valid_to": "2030-12-31", "max_hours_per_week": None})
    doc["attendance"] = attendance("PL1", "2026-03-02", 40) + attendance("PL2", "2026-03-02", 30, "4")
    doc["outcomes"] = [{"ref": "U1", "placement": "PL1", "kind": "employment", "result_date": "2026-05-15",
                        "employer": "Lagerbolaget i Exempelby AB", "extent": "heltid"}]
    import_document(session, doc)
    for period in PERIODS:
        settlement.run_period(session, period)
        settlement.approve_period(session, period)
    anna = session.execute(select(Client).where(Client.ref == "C1")).scalar_one()
    kundval.client_user(session, anna)
    kundval.issue_login_code(session, anna, actor_id=None)
    record_access(session, None, anna.id, "test")
    session.flush()
    # The logs as written in mid-2026, whatever day the test runs.
    session.execute(update(AccessLog).values(at=datetime(2026, 6, 1, tzinfo=UTC)))
    session.execute(update(AuditLog).values(at=datetime(2026, 6, 1, tzinfo=UTC)))
    session.commit()
    return anna


def _approved_equal_what_the_rules_give(session) -> None:
    """The settlement invariant of tests/settlement/test_invariant.py, on the data as it is now."""
    loaded = settlement.load_inputs(session, date(2026, 2, 1), date(2026, 8, 31))
    approved = defaultdict(Decimal)
    for provider_id, s_period, kind, ref_period, amount in session.execute(
            select(Settlement.provider_id, Settlement.period, SettlementLine.kind,
                   SettlementLine.ref_period, SettlementLine.amount)
            .join(Settlement).where(Settlement.status == "approved")):
        approved[(provider_id, ref_period if kind == "adjustment" else s_period)] += Decimal(str(amount))
    assert approved, "nothing approved"
    for period in PERIODS:
        for ref, pid in loaded.provider_ids.items():
            owed = sum((line.amount for line in rules.owed(loaded.inputs, ref, period)[0]), Decimal("0"))
            assert approved[(pid, period)].quantize(Decimal("0.01")) == owed, (period, ref)


def test_nothing_is_due_while_the_five_years_run(session, settled):
    due = retention.plan(session, POLICY, date(2031, 5, 31))
    assert due.counts() == {"clients": 0, "settlements": 0, "access_log": 0, "audit_log": 0}


def test_the_dry_run_lists_what_the_run_then_removes(session, settled):
    today = date(2032, 6, 1)
    due = retention.plan(session, POLICY, today)
    assert [c.ref for c in due.clients] == ["C1", "C2"]  # C3's decision runs to 2030
    assert due.clients[0].last_ended == date(2026, 12, 31)
    assert due.settlements == [] and due.access_log == 1 and due.audit_log == 0
    assert session.execute(select(Client.name).where(Client.ref == "C1")).scalar_one() == "Anna Andersson"

    run = retention.apply(session, POLICY, today)
    session.commit()
    assert run.counts == due.counts()
    assert retention.plan(session, POLICY, today).counts() == {
        "clients": 0, "settlements": 0, "access_log": 0, "audit_log": 0}


def test_a_removed_client_keeps_figures_but_loses_name_number_contact_and_free_text(session, settled):
    lines_before = session.execute(select(func.count()).select_from(SettlementLine)).scalar_one()
    session.get(Client, settled.id).email = "anna@example.se"  # the contact e-mail is removed too
    session.commit()
    retention.apply(session, POLICY, date(2032, 6, 1))
    session.commit()

    anna = session.get(Client, settled.id)
    assert (anna.name, anna.phone, anna.email, anna.area, anna.personal_id_encrypted) == ("", "", "", "", "")
    assert retention.is_removed(anna) and anna.birth_date == date(1985, 3, 15)
    assert kundval.find_client(session, "19850315-9645") is None
    cecilia = session.execute(select(Client).where(Client.ref == "C3")).scalar_one()
    assert cecilia.name == "Cecilia Berg" and kundval.find_client(session, "19771231-1237") is not None
    # The case worker's kept list (app/kundval/casefacts.py) no longer holds the name either.
    kept = {row.client_id: row.name_key for row in session.execute(select(CaseFacts)).scalars()}
    assert kept[anna.id] == "" and kept[cecilia.id] == "cecilia berg"

    account = session.get(User, anna.user_id)
    assert not account.active and account.name == "" and "c1" not in account.email
    assert session.execute(select(ClientLoginCode)).first() is None
    outcome = session.execute(select(Outcome)).scalar_one()
    assert (outcome.employer, outcome.kind, outcome.result_date) == ("", "employment", date(2026, 5, 15))
    assert session.execute(select(AccessLog)).first() is None

    assert session.execute(select(func.count()).select_from(SettlementLine)).scalar_one() == lines_before
    first = session.execute(select(Settlement).order_by(Settlement.id)).scalars().first()
    groups = settlement_detail(session, first.id)["groups"]
    assert [(g.placement_ref, g.client_initials) for g in groups] == [("PL1", "")]
    _approved_equal_what_the_rules_give(session)


def test_settlements_go_seven_years_after_the_end_of_their_year(session, settled):
    assert retention.plan(session, POLICY, date(2033, 12, 31)).settlements == []
    due = retention.plan(session, POLICY, date(2034, 1, 1))
    total = session.execute(select(func.count()).select_from(Settlement)).scalar_one()
    assert total >= 3 and len(due.settlements) == total
    assert {s.period for s in due.settlements} <= set(PERIODS)
    retention.apply(session, POLICY, date(2034, 1, 1))
    session.commit()
    assert session.execute(select(Settlement)).first() is None
    assert session.execute(select(SettlementLine)).first() is None


def test_the_audit_log_goes_after_its_years(session, settled):
    assert session.execute(select(func.count()).select_from(AuditLog)).scalar_one() > 0
    assert retention.plan(session, POLICY, date(2033, 5, 31)).audit_log == 0
    assert retention.plan(session, POLICY, date(2033, 6, 2)).audit_log > 0


def test_the_scheduled_job_runs_once_a_day_and_logs_counts_never_data(session, settled, caplog):
    caplog.set_level(logging.INFO)
    outcome = retention_job(session, date(2032, 6, 1))
    session.commit()
    assert outcome.ran and "clients=2" in outcome.detail
    assert not retention_job(session, date(2032, 6, 1)).ran
    session.commit()
    runs = session.execute(select(RetentionRun)).scalars().all()
    assert len(runs) == 1 and runs[0].counts["clients"] == 2 and runs[0].policy["client_years"] == 5
    assert "clients=2" in caplog.text
    for secret in ("Anna", "Bashir", "19850315", "198503159645", "C1"):
        assert secret not in caplog.text


def test_the_admin_page_shows_the_dry_run_and_earlier_runs(app, client, auth, session, settled, monkeypatch):
    from app.privacy import views

    retention.apply(session, POLICY, date(2032, 6, 1))
    session.commit()
    monkeypatch.setattr(views, "_today", lambda: date(2034, 1, 1))
    auth.login("admin")
    page = client.get("/admin/gallring").get_data(as_text=True)
    assert "Nästa körning" in page and "Tidigare körningar" in page
    total = session.execute(select(func.count()).select_from(Settlement)).scalar_one()
    assert f'id="due-settlements">{total}<' in page
    assert "Anna" not in page and "19850315" not in page
    assert "2026-03" in page


def test_only_the_admin_sees_the_retention_page(client, auth):
    auth.login("case_worker")
    assert client.get("/admin/gallring").status_code == 403
