"""Property: approved lines plus approved adjustments for a period equal what the rules give today.

Random attendance, random approvals and random late corrections, played on the database.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.exchange.importer import import_document
from app.settlement import rules, service
from app.settlement.models import Settlement, SettlementLine
from tests.conftest import clear_tables
from tests.settlement.helpers import base_document

PERIODS = ["2026-03", "2026-04", "2026-05", "2026-06"]
DAYS = [date(2026, 3, 2) + timedelta(days=i) for i in range(110)]

attendance_row = st.tuples(
    st.sampled_from(["PL1", "PL2"]), st.sampled_from(DAYS),
    st.sampled_from(["present", "present", "present", "absent"]),
    st.integers(min_value=0, max_value=40).map(lambda q: str(Decimal(q) / 4)))
batch = st.lists(attendance_row, min_size=1, max_size=25)


def _rows(items) -> list[dict]:
    return [{"placement": p, "date": d.isoformat(), "status": s, "hours": h if s == "present" else "0"}
            for p, d, s, h in items]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(batch, min_size=2, max_size=4), cap=st.sampled_from([None, "20"]),
       approve_mask=st.lists(st.booleans(), min_size=4, max_size=4))
def test_approved_plus_adjustments_equal_what_is_owed_today(app, database_url, batches, cap, approve_mask):
    from app.extensions import db

    clear_tables(database_url)
    with app.app_context():
        session = db.session
        doc = base_document(cap=cap)
        doc["attendance"] = _rows(batches[0])
        import_document(session, doc)
        session.commit()
        # Settle the months one by one; late batches arrive between them.
        for i, period in enumerate(PERIODS):
            if i + 1 < len(batches):
                import_document(session, {"attendance": _rows(batches[i + 1])})
            service.run_period(session, period)
            if approve_mask[i]:
                service.approve_period(session, period)
            else:
                service.close_period(session, period)
            session.commit()
        # A last correction, settled in July. A month approved for one provider may still be
        # open for another that had no lines then; closing the months settles those too.
        import_document(session, {"attendance": _rows(batches[-1][:3])})
        for period in PERIODS:
            service.close_period(session, period)
        service.run_period(session, "2026-07")
        service.approve_period(session, "2026-07")
        session.commit()

        loaded = service.load_inputs(session, date(2026, 2, 1), date(2026, 8, 31))
        provider_of = {ref: pid for ref, pid in loaded.provider_ids.items()}
        approved = defaultdict(Decimal)
        for provider_id, s_period, kind, ref_period, amount in session.execute(
                select(Settlement.provider_id, Settlement.period, SettlementLine.kind,
                       SettlementLine.ref_period, SettlementLine.amount)
                .join(Settlement).where(Settlement.status == "approved")):
            approved[(provider_id, ref_period if kind == "adjustment" else s_period)] += Decimal(str(amount))
        for period in PERIODS:
            for ref, pid in provider_of.items():
                owed = sum((line.amount for line in rules.owed(loaded.inputs, ref, period)[0]), Decimal("0"))
                assert approved[(pid, period)].quantize(Decimal("0.01")) == owed, (period, ref)
