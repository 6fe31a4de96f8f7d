"""Kept facts: the follow-up pages read stored figures that equal those computed from the raw rows."""
from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from app.exchange.importer import import_document
from app.followup import budget, figures, kept, parking, service
from app.followup.models import KeptCount, KeptFigure, KeptParking, KeptYear
from app.kundval import followups
from app.kundval.models import EMPLOYMENT_FORMS, Placement
from app.offerings.models import SERVICE_TYPES
from app.reporting import grid
from app.settlement import service as settlement
from app.tasks.models import Task
from tests.statements import statements
from tests.tasks.helpers import run_jobs

AS_OF = date(2026, 11, 24)
KINDS = ("company", "social_enterprise", "nonprofit", "own_unit")


def personal_id(rng: random.Random) -> str:
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(16000))
    digits = f"{born:%y%m%d}{rng.randrange(1000):03d}"
    total = sum(sum(divmod(int(d) * (2 - i % 2), 10)) for i, d in enumerate(digits))
    return f"{born:%Y%m%d}-{digits[6:]}{(10 - total % 10) % 10}"


def weekdays(first: date, last: date):
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def generated_document(seed: int = 17, clients: int = 48) -> dict:
    """Providers of every kind, placements over two years (some ended), attendance, results."""
    rng = random.Random(seed)
    doc: dict = {"providers": [], "offerings": [], "clients": [], "referrals": [], "placements": [],
                 "attendance": [], "outcomes": []}
    for i, kind in enumerate(KINDS, start=1):
        doc["providers"].append({"ref": f"P{i}", "org_nr": ["556677-8899", "559123-4561", "556016-0680",
                                                            "212000-0142"][i - 1],
                                 "name": f"Anordnare {i}", "status": "approved", "kind": kind})
        doc["offerings"].append({"ref": f"O{i}", "provider": f"P{i}", "service_type": SERVICE_TYPES[i - 1],
                                 "title": f"Insats {i}", "rate_unit": "hour", "rate": f"{90 + i}.50",
                                 "vat_rate": 25 if i % 2 else 0, "capacity": 100})
    for n in range(1, clients + 1):
        start = date(2025, 1, 6) + timedelta(days=rng.randrange(620))
        ended = start + timedelta(days=rng.randrange(20, 240)) if rng.random() < 0.5 else None
        if ended and ended > date(2026, 10, 31):
            ended = None
        decided = start - timedelta(days=rng.randrange(0, 40))
        offering = rng.randrange(1, len(KINDS) + 1)
        doc["clients"].append({"ref": f"C{n}", "personal_id": personal_id(rng), "name": f"Deltagare {n}",
                               "newly_arrived": rng.random() < 0.3, "children_in_household": rng.random() < 0.4})
        doc["referrals"].append({"ref": f"R{n}", "client": f"C{n}", "service_type": SERVICE_TYPES[offering - 1],
                                 "decided_on": decided.isoformat(), "valid_from": decided.isoformat(),
                                 "valid_to": "2027-06-30", "max_hours_per_week": None})
        doc["placements"].append({"ref": f"PL{n}", "referral": f"R{n}", "offering": f"O{offering}",
                                  "chosen_by": rng.choice(("client", "case_worker", "default")),
                                  "start_date": start.isoformat(), "ended_on": ended and ended.isoformat(),
                                  "end_reason": "completed" if ended else None})
        for day in weekdays(start, min(ended or date(2026, 10, 31), date(2026, 10, 31))):
            if rng.random() < 0.25:
                doc["attendance"].append({"placement": f"PL{n}", "date": day.isoformat(), "status": "present",
                                          "hours": rng.choice(("4", "6", "7.5"))})
        if rng.random() < 0.45:
            result = start + timedelta(days=rng.randrange(10, 300))
            if result <= date(2026, 11, 10):
                kind = rng.choice(("employment", "studies"))
                doc["outcomes"].append({"ref": f"U{n}", "placement": f"PL{n}", "kind": kind,
                                        "result_date": result.isoformat(),
                                        "verified_on": (result + timedelta(days=3)).isoformat(),
                                        "employment_form": rng.choice(EMPLOYMENT_FORMS) if kind == "employment"
                                        else ""})
    return doc


def periods(first: str, last: str) -> list[str]:
    out, year, month = [], int(first[:4]), int(first[5:])
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def municipality(session) -> None:
    """The generated document, settled and approved Jan-Aug 2026, drafts for Sep-Oct."""
    import_document(session, generated_document())
    for period in periods("2026-01", "2026-10"):
        settlement.run_period(session, period)
        if period <= "2026-08":
            settlement.approve_period(session, period)
    session.commit()


def test_kept_figures_equal_the_figures_computed_from_the_raw_rows(session):
    municipality(session)
    kept.refresh(session, None, AS_OF)
    session.commit()
    assert session.get(KeptYear, 2025) is not None and session.get(KeptYear, 2026) is not None
    facts = figures.load_facts(session)
    assert len(facts.placements) == 48 and facts.results and facts.costs  # the data has every part
    compared = 0
    for year, throughs in ((2025, ("2025-03", "2025-12")), (2026, ("2026-01", "2026-08", "2026-11"))):
        for through in throughs:
            for dimension in figures.DIMENSIONS:
                raw = figures.year_tables(facts, year, through, dimension, AS_OF)
                stored = kept.year_tables(session, year, through, dimension)
                assert [(t.figure, t.months, t.groups) for t in stored] == \
                    [(t.figure, t.months, t.groups) for t in raw], (year, through, dimension)
                for mine, theirs in zip(stored, raw, strict=True):
                    assert mine.cells == theirs.cells, (year, through, dimension, mine.figure)
                    compared += len(mine.cells)
    assert compared > 5000
    # Some cells are hidden (1-4 people) and some are not, as on the page today.
    cells = [c for t in kept.year_tables(session, 2026, "2026-08", "provider") for c in t.cells.values()]
    assert any(c.hidden for c in cells) and any(c.n >= figures.MIN_GROUP for c in cells)


def test_the_kept_levels_page_equals_the_one_computed_from_the_raw_rows(session):
    municipality(session)
    from app.kundval.models import Referral

    rng = random.Random(5)
    for referral in session.execute(select(Referral).order_by(Referral.id)).scalars():
        referral.level = rng.choice(("A", "B", "C", None))
    session.commit()
    kept.refresh(session, None, AS_OF)
    session.commit()
    for year in (2025, 2026):
        raw = parking.year_view(session, year, AS_OF)
        stored = kept.read_levels(session, year)
        assert stored is not None and stored.as_of == AS_OF
        assert list(stored.tables) == list(raw) and len(raw) == 4, year  # A, B, C, none
        assert stored.tables == raw, year
    rows = [row for rows in raw.values() for row in rows]
    assert any(r.hours_per_week.value for r in rows) and any(r.result_rate.value is not None for r in rows)
    # A year with no placements is kept with no rows, and reads as such (not as "not kept").
    kept.refresh(session, {2024}, AS_OF)
    session.commit()
    assert kept.read_levels(session, 2024).tables == {} == parking.year_view(session, 2024, AS_OF)
    assert kept.read_levels(session, 2023) is None


def test_the_levels_page_reads_the_kept_year_and_says_as_of_when(client, auth, session):
    municipality(session)
    kept.refresh(session, {2026}, AS_OF)
    session.commit()
    kept_rows = session.execute(select(func.count()).select_from(KeptParking)).scalar()
    assert kept_rows > 4
    session.rollback()
    auth.login("management")
    page = client.get("/uppfoljning/nivaer?year=2026")
    assert page.status_code == 200
    assert "Nyckeltalen är räknade per 2026-11-24" in page.text
    assert "Hela kommunen" in page.text and "Anordnare 1" in page.text
    # The page shows the kept rows, not a computation: a kept figure changed by hand shows.
    session.execute(KeptParking.__table__.update().where(KeptParking.provider == "")
                    .values(hours_per_week=1234.5, hours_n=50))
    session.commit()
    assert "1 234,5" in client.get("/uppfoljning/nivaer?year=2026").text.replace("\xa0", " ")


def test_the_budget_from_kept_amounts_equals_the_budget_from_settlement_lines(session):
    municipality(session)
    session.execute(delete(KeptYear))  # as before kept facts: every amount from the lines
    session.commit()
    raw = budget.budget(session, 2026)
    kept.refresh(session, {2026}, AS_OF)
    session.commit()
    stored = budget.budget(session, 2026)
    assert [(p.post, p.months, p.actual, p.forecast) for p in stored.posts] == \
        [(p.post, p.months, p.actual, p.forecast) for p in raw.posts]
    assert stored.total.months == raw.total.months and stored.last_month == raw.last_month == "2026-10"
    assert any(a > 0 and d == 0 for a, d in raw.total.months.values())  # approved months are there
    assert any(d > 0 for _a, d in raw.total.months.values())  # and drafts (read live)


def kept_rows(session) -> tuple[int, int]:
    """(count, highest id) of the kept figure rows: a rewrite deletes and inserts, so both move."""
    session.rollback()
    found = tuple(session.execute(select(func.count(), func.max(KeptFigure.id)).select_from(KeptFigure)).one())
    session.rollback()  # SQLite: a test's open transaction would hold the write lock the job needs
    return found


def rewrites_queued(session) -> list[int]:
    session.rollback()
    found = sorted(t.params["year"] for t in session.execute(
        select(Task).where(Task.kind == kept.KIND, Task.status == "queued")).scalars())
    session.rollback()
    return found


def drain(app, session) -> int:
    """Run the queued jobs (the test's session ends its transaction first, as a request would)."""
    session.rollback()
    return run_jobs(app)


def assert_year_equals_raw(session, year: int, through: str, as_of: date) -> None:
    session.rollback()
    facts = figures.load_facts(session)
    for dimension in figures.DIMENSIONS:
        assert kept.year_tables(session, year, through, dimension) == \
            figures.year_tables(facts, year, through, dimension, as_of), dimension


@contextmanager
def kept_writes(app) -> Iterator[list[str]]:
    """The statements that write kept figure rows, on any connection of the app, while the block runs."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        words = statement.lstrip().upper()
        if words.startswith(("INSERT", "DELETE", "UPDATE")) and "KEPTFIGURE" in words:
            seen.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_approving_a_settlement_writes_the_kept_facts_of_its_year_on_the_queue(app, session):
    import_document(session, generated_document())
    settlement.run_period(session, "2026-03")
    session.commit()
    settlement.approve_period(session, "2026-03")
    session.commit()
    assert session.get(KeptYear, 2026) is None  # nothing computed in the approving transaction
    assert rewrites_queued(session) == [2026]
    assert drain(app, session) == 1
    session.rollback()
    assert session.get(KeptYear, 2026) is not None
    march = {t.figure: t for t in kept.year_tables(session, 2026, "2026-03", "total")}
    raw = {t.figure: t for t in figures.year_tables(figures.load_facts(session), 2026, "2026-03", "total",
                                                      date.today())}
    assert march["cost"].cells["total", "2026-03"].value > 0
    assert march["cost"].cells == raw["cost"].cells


def test_finance_approves_without_a_rewrite_in_the_request_and_the_page_says_updating_until_the_job_ran(
        app, client, auth, session):
    municipality(session)
    kept.refresh(session, None, date.today())
    session.commit()
    before, computed_at = kept_rows(session), session.get(KeptYear, 2026).computed_at
    old_september = kept.year_tables(session, 2026, "2026-09", "total")
    session.rollback()
    auth.login("finance")
    with kept_writes(app) as written:
        response = client.post("/avrakning/2026-09/godkann", data={"confirm": "yes"})
    assert response.status_code == 302
    assert written == [] and kept_rows(session) == before  # not one kept row written by the request
    assert session.get(KeptYear, 2026).computed_at == computed_at
    assert rewrites_queued(session) == [2026] and kept.updating(session, 2026)
    assert kept.year_tables(session, 2026, "2026-09", "total") == old_september  # the old rows, whole
    session.rollback()
    page = client.get("/uppfoljning/?year=2026&through=2026-09&dimension=provider").text
    assert "Nyckeltalen uppdateras efter en ändring" in page and 'id="kept-updating"' in page
    assert "visar inte den ändringen ännu" in page
    # The budget does not wait for the job: it reads the approved lines while the kept ones are behind.
    session.rollback()
    stored = budget.budget(session, 2026)
    session.execute(delete(KeptYear))
    assert stored.total.months == budget.budget(session, 2026).total.months
    session.rollback()

    with kept_writes(app) as written:
        assert drain(app, session) == 1
    assert written  # the job wrote them
    assert not kept.updating(session, 2026) and rewrites_queued(session) == []
    assert session.get(KeptYear, 2026).computed_at > computed_at
    assert_year_equals_raw(session, 2026, "2026-11", date.today())
    session.rollback()
    page = client.get("/uppfoljning/?year=2026&through=2026-09&dimension=provider").text
    assert "Nyckeltalen uppdateras" not in page and "Nyckeltalen är räknade per" in page


def test_a_burst_of_late_changes_gives_one_rewrite_per_year_and_then_the_raw_figures(app, session):
    municipality(session)
    kept.refresh(session, None, date.today())
    session.commit()
    period, first, last = "2026-05", date(2026, 5, 1), date(2026, 5, 31)
    facts = figures.load_facts(session)
    # Placements with days reported in May: the providers remove them one by one (late changes).
    targets = [p for p in facts.placements.values() if (p.ref, period) in facts.attendance][:3]
    assert len(targets) == 3
    from app.kundval.models import Attendance, Placement
    from app.offerings.models import Offering

    def disputed_base() -> int:
        session.rollback()
        tables = {t.figure: t for t in kept.year_tables(session, 2026, "2026-10", "total")}
        return tables["disputed_days"].cells["total", period].n

    before, rows = disputed_base(), kept_rows(session)
    for target in targets:
        placement_id, provider_id = session.execute(
            select(Placement.id, Offering.provider_id).join(Offering, Offering.id == Placement.offering_id)
            .where(Placement.ref == target.ref)).one()
        days = session.execute(select(Attendance.date).where(
            Attendance.placement_id == placement_id, Attendance.date >= first,
            Attendance.date <= last)).scalars().all()
        with kept_writes(app) as written:
            grid.apply_changes(session, provider_id, period, {(placement_id, day): None for day in days}, {},
                               None, reason="Fel placering")
            session.commit()
        assert written == [] and kept_rows(session) == rows  # the change's transaction wrote no kept row
    assert disputed_base() == before  # the old figures until the queue has run
    assert rewrites_queued(session) == [2025, 2026]  # May reaches back into 2025; one job a year
    assert drain(app, session) == 2
    assert disputed_base() == before - 3
    assert_year_equals_raw(session, 2026, "2026-10", date.today())
    assert_year_equals_raw(session, 2025, "2025-12", date.today())
    assert not kept.updating(session, 2025) and not kept.updating(session, 2026)


def test_a_rewrite_that_dies_half_way_leaves_the_old_rows_whole_and_runs_again(app, client, auth, session,
                                                                                 monkeypatch):
    municipality(session)
    kept.refresh(session, None, AS_OF)
    session.commit()
    before = kept_rows(session)
    old = kept.year_tables(session, 2026, "2026-08", "provider")
    settlement.approve_period(session, "2026-09")
    session.commit()
    real_utcnow = kept.utcnow

    def dies(*_args):  # after the old rows were deleted and the new ones inserted
        raise RuntimeError("worker died")

    monkeypatch.setattr(kept, "utcnow", dies)
    assert drain(app, session) == 1
    monkeypatch.setattr(kept, "utcnow", real_utcnow)
    assert kept_rows(session) == before and kept.year_tables(session, 2026, "2026-08", "provider") == old
    assert session.get(KeptYear, 2026).as_of == AS_OF
    assert kept.updating(session, 2026)
    task_id, status = session.execute(select(Task.id, Task.status).where(Task.kind == kept.KIND)).one()
    assert status == "failed"
    session.rollback()
    auth.login("finance")
    assert "Nyckeltalen uppdateras" in client.get("/uppfoljning/?year=2026&through=2026-08").text
    assert client.post(f"/jobb/{task_id}/igen").status_code == 302
    assert drain(app, session) == 1
    session.rollback()
    assert session.execute(select(Task.status, Task.attempt)).all() == [("done", 2)]
    assert not kept.updating(session, 2026)
    assert_year_equals_raw(session, 2026, "2026-11", date.today())


def test_a_rewrite_computed_from_older_data_does_not_replace_a_newer_one(session):
    municipality(session)
    kept.refresh(session, None, AS_OF)
    session.commit()
    kept.data_changed(session, "2026-09")
    session.commit()
    old = kept.compute(session, {2026}, AS_OF)  # read at version 1
    session.rollback()
    kept.data_changed(session, "2026-09")
    session.commit()
    newer = kept.refresh(session, {2026}, date.today())  # read at version 2, stored first
    session.commit()
    assert kept.store(session, old, {2026: 1}) == 0
    session.commit()
    assert session.get(KeptYear, 2026).as_of == date.today() and not kept.updating(session, 2026)
    assert newer > 0


def test_a_rolled_back_change_leaves_the_kept_facts_as_they_were(app, session):
    municipality(session)
    drain(app, session)
    kept.refresh(session, None, AS_OF)
    session.commit()
    rows = session.execute(select(func.count()).select_from(KeptFigure)).scalar()
    kept.data_changed(session, "2026-05")
    session.rollback()
    session.commit()
    assert session.get(KeptYear, 2026).as_of == AS_OF
    assert session.execute(select(func.count()).select_from(KeptFigure)).scalar() == rows
    assert not kept.updating(session, 2026) and rewrites_queued(session) == []


def test_the_dashboard_reads_the_kept_year_and_says_as_of_when(client, auth, session):
    municipality(session)
    kept.refresh(session, {2026}, AS_OF)
    session.commit()
    view = service.dashboard(session, 2026, "2026-08", "provider", AS_OF)
    session.rollback()
    assert view.kept_as_of == AS_OF
    auth.login("finance")
    page = client.get("/uppfoljning/?year=2026&through=2026-08&dimension=provider")
    assert page.status_code == 200
    assert "Nyckeltalen är räknade per 2026-11-24" in page.text
    assert "Anordnare 1" in page.text


def an_ended_placement(session, today: date) -> Placement:
    """A placement whose follow-up 90 days after its end is due on `today`."""
    return session.execute(select(Placement).where(
        Placement.ended_on <= today - timedelta(days=followups.AFTER_END_DAYS)).order_by(Placement.id)).scalars().first()


def test_the_dashboards_counts_as_of_the_day_are_kept_and_equal_those_counted(session):
    municipality(session)
    followups.record(session, an_ended_placement(session, AS_OF), kind="after_end", answer="no",
                     actor_id=None, today=AS_OF)
    session.commit()
    assert kept.read_counts(session, 2026) is None  # not kept yet: the dashboard counts them
    kept.refresh(session, {2026}, AS_OF)
    session.commit()
    stored = kept.read_counts(session, 2026)
    assert stored == kept.counted(session, AS_OF)
    assert [k.kind for k in stored.kinds] == list(KINDS) and all(k.providers == 1 for k in stored.kinds)
    assert sum(k.active for k in stored.kinds) > 0
    assert stored.answers["after_end"]["no"] == 1 and stored.answers["after_end"]["unknown"] > 0
    assert stored.answers["sustain"]["unknown"] > 0


def test_the_dashboard_reads_its_counts_kept_and_a_follow_up_answer_queues_their_rewrite(
        app, client, auth, session):
    today = date.today()
    municipality(session)
    kept.refresh(session, None, today)
    session.commit()
    unknown = kept.read_counts(session, today.year).answers["after_end"]["unknown"]
    # The page shows the kept counts and counts nothing from the placements: one changed by hand shows.
    session.execute(KeptCount.__table__.update().where(
        KeptCount.year == today.year, KeptCount.section == "followups", KeptCount.grp == "after_end",
        KeptCount.item == "unknown").values(n=4321))
    session.commit()
    finance = auth.login("finance")
    session.commit()
    with statements(session) as sent:
        page = client.get("/uppfoljning/").text
    assert '<td class="num">4321</td>' in page and "Nyckeltalen är räknade per" in page
    assert not [s for s in sent if "FROM placement" in s or "FROM outcome" in s]
    # A case worker answers a follow-up: the rewrite is queued, and the page says it is behind.
    placement_id = an_ended_placement(session, today).id
    session.rollback()
    auth.login("case_worker")
    session.commit()
    response = client.post(f"/handlaggare/uppfoljning/{placement_id}/after_end?visa=alla", data={"answer": "yes"})
    assert response.status_code == 302
    assert rewrites_queued(session) == [today.year] and kept.updating(session, today.year)
    session.rollback()  # SQLite: the test's open transaction would hold the write lock
    auth.login_user(finance)
    assert "Nyckeltalen uppdateras efter en ändring" in client.get("/uppfoljning/").text
    assert drain(app, session) == 1
    answers = kept.read_counts(session, today.year).answers["after_end"]
    assert answers["yes"] == 1 and answers["unknown"] == unknown - 1
    assert answers == kept.counted(session, today).answers["after_end"]
    page = client.get("/uppfoljning/").text
    assert "Nyckeltalen uppdateras" not in page and '<td class="num">4321</td>' not in page


def test_the_nightly_job_rewrites_every_year_once_a_day(session):
    municipality(session)
    session.commit()
    assert kept.nightly_job(session, AS_OF).ran
    session.commit()
    assert {y.year for y in session.execute(select(KeptYear)).scalars()} == {2025, 2026}
    assert not kept.nightly_job(session, AS_OF).ran


def test_a_year_without_placements_is_kept_as_the_raw_figures_show_it(session):
    kept.refresh(session, {2026}, AS_OF)
    session.commit()
    raw = figures.year_tables(figures.load_facts(session), 2026, "2026-04", "total", AS_OF)
    assert kept.year_tables(session, 2026, "2026-04", "total") == raw
    assert kept.year_tables(session, 2026, "2026-04", "provider") == \
        figures.year_tables(figures.load_facts(session), 2026, "2026-04", "provider", AS_OF)



def test_a_figure_row_is_the_cells_as_one_string_and_numbers_need_no_escaping(app):
    """figure_row writes a number's text into the HTML unescaped: Babel's text of a number is
    digits, separators and signs in every language the pages use."""
    from app.common import i18n
    from app.common.languages import CLIENT_LANGUAGES
    from app.followup.views import figure_cell, figure_row

    values = [0, 7, -3, 1234567, Decimal("-1234.55"), Decimal("0.05")]
    for locale in {lang.locale for lang in CLIENT_LANGUAGES.values()}:
        for value in values:
            for decimals in (0, 1):
                text = i18n.fmt_number(value, decimals, locale)
                assert text and not set(text) & set("<>&\"'"), (locale, value, text)
    cells = {("a", "2026-01"): figures.Cell(3, 3), ("b", "2026-01"): figures.Cell(1234, 9),
             ("c", "2026-01"): figures.Cell(None, 0)}
    table = figures.FigureTable("active", "count", ["2026-01"], ["a", "b", "c"], cells)
    with app.test_request_context("/"):
        row = str(figure_row(table, "2026-01"))
        assert row == "".join(f'<td class="num">{figure_cell(cells[g, "2026-01"], "count")}</td>' for g in "abc")
        assert row.count("&lt;5</abbr>") == 1 and "1\xa0234" in row and row.endswith('<td class="num">–</td>')


@pytest.mark.parametrize("kept_first", [True, False], ids=["kept", "raw"])
def test_key_figures_by_provider_show_a_page_of_providers_and_the_export_has_them_all(
        client, auth, session, monkeypatch, kept_first):
    """A column per provider: GROUPS_PER_PAGE of them a page (here 3 of the 4), from the kept
    rows or, for a year not kept yet, from the raw ones; the other dimensions and the CSV whole."""
    municipality(session)
    if kept_first:
        kept.refresh(session, {2026}, AS_OF)
    else:
        session.execute(delete(KeptYear))
    session.commit()
    monkeypatch.setattr(service, "GROUPS_PER_PAGE", 3)
    auth.login("management")
    first = client.get("/uppfoljning/?year=2026&through=2026-08&dimension=provider").text
    assert "Anordnare 1–3 av 4" in first and "sida=2" in first
    assert all(f"Anordnare {n}</th>" in first for n in (1, 2, 3)) and "Anordnare 4</th>" not in first
    second = client.get("/uppfoljning/?year=2026&through=2026-08&dimension=provider&sida=2").text
    assert "Anordnare 4–4 av 4" in second and "Anordnare 4</th>" in second and "Anordnare 1</th>" not in second
    assert "Anordnare 4–4 av 4" in client.get(
        "/uppfoljning/?year=2026&through=2026-08&dimension=provider&sida=99").text  # the last page
    whole = client.get("/uppfoljning/?year=2026&through=2026-08&dimension=service_type").text
    assert " av 4" not in whole.split("<h2>")[0] and "sida=" not in whole
    export = client.get("/uppfoljning/nyckeltal.csv?year=2026&through=2026-08&dimension=provider").text
    assert all(f"Anordnare {n}" in export for n in (1, 2, 3, 4))
