"""The loader's SQL merge of counted days is fast.merge_counted(), on both databases.

Together with test_merged_counted_days_give_the_same_lines_and_warnings (the rules give the
same lines and warnings for merged days as for the rows), this proves that a run on the
database settles exactly what the rules say about every attendance row.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.exchange.importer import import_document
from app.settlement import fast, rules, service
from tests.conftest import clear_tables
from tests.settlement.helpers import base_document

DAY0 = date(2026, 3, 2)  # a Monday; rows span three months from here
UNITS = ["hour", "day", "week", "package"]


@st.composite
def documents(draw):
    doc = base_document()
    for offering in doc["offerings"]:
        offering["rate_unit"] = draw(st.sampled_from(UNITS))
    for referral in doc["referrals"]:
        start = DAY0 + timedelta(days=draw(st.integers(-5, 20)))
        referral["valid_from"] = start.isoformat()
        referral["valid_to"] = (start + timedelta(days=draw(st.integers(10, 90)))).isoformat()
        referral["max_hours_per_week"] = draw(st.sampled_from([None, "20"]))
        referral["decided_on"] = (start - timedelta(days=10)).isoformat()
    for placement in doc["placements"]:
        start = DAY0 + timedelta(days=draw(st.integers(0, 25)))
        placement["start_date"] = start.isoformat()
        if draw(st.booleans()):
            placement["ended_on"] = (start + timedelta(days=draw(st.integers(5, 60)))).isoformat()
            placement["end_reason"] = draw(st.sampled_from(["completed", "interrupted"]))
    rows = {}
    for placement, referral in zip(doc["placements"], doc["referrals"], strict=True):
        ref = placement["ref"]
        edges = {date.fromisoformat(d) + timedelta(days=shift)
                 for d in (placement["start_date"], placement["ended_on"], referral["valid_from"],
                           referral["valid_to"]) if d for shift in (-1, 0, 1)}
        offsets = {(day - DAY0).days for day in edges}  # the window's edges are always tried
        for offset in offsets | draw(st.sets(st.integers(0, 85), min_size=1, max_size=40)):
            status = draw(st.sampled_from(["present"] * 4 + ["absent"]))
            hours = Decimal(draw(st.integers(0, 40))) / 4 if status == "present" else Decimal("0")
            rows[(ref, offset)] = {"placement": ref, "date": (DAY0 + timedelta(days=offset)).isoformat(),
                                   "status": status, "hours": str(hours)}
    doc["attendance"] = list(rows.values())
    return doc


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=documents(), first_offset=st.integers(0, 40), length=st.integers(0, 50))
def test_the_sql_merge_is_merge_counted(app, database_url, doc, first_offset, length):
    from app.extensions import db

    clear_tables(database_url)
    with app.app_context():
        session = db.session
        import_document(session, doc)
        session.commit()
        first = DAY0 + timedelta(days=first_offset)
        last = first + timedelta(days=length)
        rows = service.load_inputs(session, first, last, merged=False).inputs
        merged = service.load_inputs(session, first, last).inputs
        session.rollback()
    assert sorted(merged.attendance) == sorted(fast.merge_counted(rows))


def test_a_run_reads_merged_days(session):
    """A month of an uncapped hour placement reaches the rules as one record."""
    doc = base_document()
    doc["attendance"] = [{"placement": "PL2", "date": (DAY0 + timedelta(days=i)).isoformat(),
                          "status": "present", "hours": "6.25"} for i in range(20)]
    import_document(session, doc)
    session.commit()
    loaded = service.load_inputs(session, *rules.attendance_dates_needed("2026-03"))
    assert loaded.inputs.attendance == [rules.Attendance("PL2", DAY0, "present", Decimal("125.00"), 20)]
