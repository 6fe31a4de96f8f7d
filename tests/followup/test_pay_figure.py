"""The key figure "in work according to pay data 90 days after the end"."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.followup import figures
from app.followup.figures import Cell, Facts
from tests.followup.test_figures import AS_OF, OCT, placement


def test_in_work_by_pay_counts_pay_in_the_month_90_days_after_the_end():
    # Ended in July: + 90 days lands in October (ended 2026-07-10 -> 2026-10-08).
    ended = [placement(ref, date(2026, 3, 1), ended=date(2026, 7, 10)) for ref in "ABCDEF"]
    f = Facts({p.ref: p for p in ended}, [], [],
              pay={"A": frozenset({"2026-10"}), "B": frozenset({"2026-10", "2026-11"}),
                   "C": frozenset({"2026-09"}),  # pay ended before the 90 days: not counted
                   "D": frozenset({"2026-11"})})
    cells = figures.compute(f, date(2026, 7, 1), date(2026, 7, 31), "total", AS_OF)["total"]
    assert cells["work_by_pay_90"] == Cell(Decimal("33.33"), 6)


def test_placements_whose_90_days_have_not_passed_are_not_counted():
    f = Facts({"A": placement("A", date(2026, 3, 1), ended=date(2026, 10, 1))}, [], [],
              pay={"A": frozenset({"2026-12"})})
    assert figures.compute(f, *OCT, "total", AS_OF)["total"]["work_by_pay_90"] == Cell(None, 0)


def test_the_figure_reads_pay_from_the_database(app, session):
    from app.common.base import new_ref
    from app.kundval.models import PayrollEntry
    from tests.kundval import factories as f

    prov = f.provider(session)
    c = f.client(session)
    r = f.referral(session, c, decided_on=date(2026, 3, 1))
    pl = f.placement(session, r, f.offering(session, prov), start=date(2026, 3, 2), ended_on=date(2026, 7, 10),
                     end_reason="completed")
    session.add(PayrollEntry(client_id=c.id, employer_key=new_ref("E"), period="2026-10", gross_pay="100.00"))
    session.flush()
    assert figures.load_facts(session).pay == {pl.ref: frozenset({"2026-10"})}





def test_the_share_of_disputed_days_counts_reported_days_in_the_range():
    people = [placement(ref, date(2026, 9, 1), provider="Steget AB") for ref in "ABCDE"]
    attendance = {(p.ref, "2026-10"): (10, 0) for p in people}
    attendance["A", "2026-10"] = (10, 3)
    attendance["B", "2026-09"] = (10, 10)  # September: outside October
    f = Facts({p.ref: p for p in people}, [], [], attendance=attendance)
    cells = figures.compute(f, *OCT, "provider", AS_OF)["Steget AB"]
    assert cells["disputed_days"] == Cell(Decimal("6.00"), 5)


def test_disputed_days_are_read_from_the_database(app, session):
    from app.kundval import disputes
    from app.kundval.models import Attendance
    from tests.kundval import factories as f

    prov = f.provider(session)
    r = f.referral(session, f.client(session), decided_on=date(2026, 9, 1))
    pl = f.placement(session, r, f.offering(session, prov), start=date(2026, 9, 2))
    for day in (date(2026, 10, 5), date(2026, 10, 6)):
        session.add(Attendance(placement_id=pl.id, date=day, status="present", hours=Decimal("4")))
    session.flush()
    disputes.dispute(session, pl, date(2026, 10, 5), "", None)
    assert figures.load_facts(session).attendance == {(pl.ref, "2026-10"): (2, 1)}
