"""The month grid: quarter hours or absence, inside the placement window, submit and correct."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from app.common.errors import ValidationError
from app.common.models import AuditLog
from app.kundval.models import Attendance, Placement
from app.reporting import grid
from app.reporting.models import MonthReport
from tests.providers.factories import ORG_A, seed


def _pid(session, ref: str) -> int:
    pid = session.exec(select(Placement.id).where(Placement.ref == ref)).one()
    session.commit()
    return pid


def test_cells_parse_quarter_hours_and_absence():
    assert grid.parse_cell("7,5", "c") == ("present", Decimal("7.50"))
    assert grid.parse_cell("F", "c") == ("absent", Decimal("0"))
    assert grid.parse_cell("  ", "c") is None
    for bad in ("7,3", "25", "0", "-1", "x"):
        with pytest.raises(ValidationError):
            grid.parse_cell(bad, "c")


def test_grid_shows_own_placements_with_window_and_cap(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    page = client.get("/rapportering/2026-03").get_data(as_text=True)
    assert "Anna Andersson" in page and "Bashir Ali" not in page
    assert "Tak: 20,00 h/vecka" in page
    # The placement starts on the 10th: earlier days have no input.
    pid = _pid(session, "PL1")
    assert f'name="c-{pid}-2026-03-10"' in page and f'name="c-{pid}-2026-03-09"' not in page
    assert "19850315" not in page  # never the personnummer


def test_saving_the_grid_stores_rows(client, auth, session):
    seed(session)
    pid = _pid(session, "PL1")
    auth.login("provider", provider_org_nr=ORG_A)
    response = client.post("/rapportering/2026-03", data={
        f"c-{pid}-2026-03-10": "7,5", f"c-{pid}-2026-03-11": "F", f"c-{pid}-2026-03-12": ""})
    assert response.status_code == 302
    rows = session.exec(select(Attendance).order_by(Attendance.date)).all()
    assert [(r.date.day, r.status, r.hours) for r in rows] == [(10, "present", Decimal("7.50")),
                                                                (11, "absent", Decimal("0.00"))]


def test_grid_refuses_dates_outside_the_window_and_bad_hours(client, auth, session):
    seed(session)
    pid = _pid(session, "PL1")
    auth.login("provider", provider_org_nr=ORG_A)
    response = client.post("/rapportering/2026-03", data={f"c-{pid}-2026-03-09": "4"})
    assert response.status_code == 400
    assert "utanför placeringens giltighetstid" in response.get_data(as_text=True)
    response = client.post("/rapportering/2026-03", data={f"c-{pid}-2026-03-10": "4,1"})
    assert response.status_code == 400
    assert "kvartar" in response.get_data(as_text=True)
    assert session.exec(select(Attendance)).first() is None


def test_a_refused_cell_keeps_what_was_typed_escaped_and_is_marked_for_the_reader(client, auth, session):
    """After a refused save the cell shows the typed text (as text, whatever it is), is marked
    has-error and aria-invalid, and links from the error summary; the other cells are as stored."""
    seed(session)
    pid = _pid(session, "PL1")
    auth.login("provider", provider_org_nr=ORG_A)
    hostile = '"><script>alert(1)</script>'
    response = client.post("/rapportering/2026-03", data={f"c-{pid}-2026-03-10": hostile,
                                                          f"c-{pid}-2026-03-11": "6"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<script>alert(1)" not in page
    name = f"c-{pid}-2026-03-10"
    cell = page[page.rindex("<td", 0, page.index(f'id="{name}"')):page.index("</td>", page.index(f'id="{name}"'))]
    assert 'class="cell has-error"' in cell and 'aria-invalid="true"' in cell
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in cell
    assert 'aria-label="Anna Andersson 2026-03-10"' in cell and f'<label class="day-label" for="{name}">10 ti</label>' in cell
    assert f'href="#{name}"' in page
    other = page[page.index(f'id="c-{pid}-2026-03-11"'):]
    assert other.startswith(f'id="c-{pid}-2026-03-11" name="c-{pid}-2026-03-11" value="6"')
    assert 'aria-invalid' not in other[:other.index("</td>")]
    before = page[:page.index(f'id="{name}"')]
    assert 'title="Utanför placeringens giltighetstid"' in before  # 1-9 March: outside the window


def test_another_providers_placement_cannot_be_written(client, auth, session):
    seed(session)
    other = _pid(session, "PL2")
    auth.login("provider", provider_org_nr=ORG_A)
    response = client.post("/rapportering/2026-03", data={f"c-{other}-2026-03-10": "4"})
    assert response.status_code == 400
    assert session.exec(select(Attendance)).first() is None


def test_submitted_month_needs_a_reason_and_changes_are_audited(client, auth, session):
    seed(session)
    pid = _pid(session, "PL1")
    auth.login("provider", provider_org_nr=ORG_A)
    client.post("/rapportering/2026-03", data={f"c-{pid}-2026-03-10": "6"})
    client.post("/rapportering/2026-03/klar")
    assert session.exec(select(MonthReport)).one().period == "2026-03"
    session.commit()
    response = client.post("/rapportering/2026-03", data={f"c-{pid}-2026-03-10": "8"})
    assert response.status_code == 400
    assert "ange ett skäl" in response.get_data(as_text=True)
    response = client.post("/rapportering/2026-03", data={f"c-{pid}-2026-03-10": "8",
                                                          "reason": "Felskrivning"})
    assert response.status_code == 302
    entry = session.exec(select(AuditLog).where(AuditLog.entity == "attendance")).one()
    assert entry.reason == "Felskrivning" and entry.before["hours"] == "6.00" and entry.after["hours"] == "8.00"


def test_week_hours_include_the_neighbouring_month_for_the_cap(session):
    seed(session)
    pid = _pid(session, "PL1")
    from app.providers.models import Provider

    provider_id = session.exec(select(Provider.id).where(Provider.org_nr == ORG_A)).one()
    session.add(Attendance(placement_id=pid, date=date(2026, 3, 30), status="present", hours=Decimal("8")))
    session.add(Attendance(placement_id=pid, date=date(2026, 4, 1), status="present", hours=Decimal("8")))
    session.commit()
    month = grid.month_grid(session, provider_id, "2026-04")
    row = month.rows[0]
    assert row.week_hours[14] == Decimal("16") and row.carry[14] == Decimal("8")


def test_month_report_reminder_on_the_3rd(session):
    from app.notifications.models import Notification
    from app.reporting.service import month_report_reminder_job

    seed(session)
    assert not month_report_reminder_job(session, date(2026, 4, 2)).ran
    outcome = month_report_reminder_job(session, date(2026, 4, 3))
    session.commit()
    assert outcome.ran
    notes = session.exec(select(Notification).where(Notification.key.like("month-report:2026-03:%"))).all()
    assert len(notes) == 2
    assert not month_report_reminder_job(session, date(2026, 4, 4)).ran
