"""Pay from employer declarations: the file of exchange.md, all or nothing, only clients kept;
and the evidence it gives beside an employment result."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import text
from sqlmodel import select

from app.common.personal_data import cipher
from app.kundval import payroll
from app.kundval.models import Outcome, PayrollEntry, Placement
from tests.kundval import factories as f
from tests.tasks.helpers import follow

CLIENT = f.PERSONAL_IDS[0]  # 19900101-1239, made a client below
STRANGER = "19850315-9645"  # the example in exchange.md: not a client
TODAY = date.today()
LAST = payroll.add_months(payroll.month_of(TODAY), -1)
BEFORE = payroll.add_months(LAST, -1)


def _file(tmp_path, *rows, bom=True):
    path = tmp_path / "agi.csv"
    body = "personnummer;arbetsgivare_orgnr;period;kontant_bruttolon\n" + "".join(r + "\n" for r in rows)
    path.write_text(("\ufeff" if bom else "") + body, encoding="utf-8")
    return path


def _client(app):
    from app.extensions import db
    with app.app_context():
        c = f.client(db.session)
        db.session.commit()
        return c.id


def _all_text(session) -> str:
    """Every value in every table, as text: what a copied database file would reveal."""
    from app.models import metadata
    out = []
    for table in metadata.sorted_tables:
        for row in session.execute(text(f'SELECT * FROM "{table.name}"')):
            out.append(" ".join(str(v) for v in row))
    return "\n".join(out)


def test_a_file_with_bom_decimal_comma_and_spaces_in_thousands_is_read(app, runner, session, tmp_path):
    client_id = _client(app)
    path = _file(tmp_path, f"{CLIENT};556677-8899;{BEFORE};18500",
                 f"{CLIENT.replace('-', '')};556677-8899;{LAST};21 300,50",
                 f"{STRANGER};556677-8899;{LAST};30000")
    result = runner.invoke(args=["data", "import-payroll", str(path)])
    assert result.exit_code == 0, result.output
    assert "Använda rader: 2" in result.output and "Bortlagda rader: 1" in result.output
    entries = session.exec(select(PayrollEntry).order_by(PayrollEntry.period)).all()
    assert [(e.client_id, e.period, str(e.gross_pay)) for e in entries] == [
        (client_id, BEFORE, "18500.00"), (client_id, LAST, "21300.50")]
    assert entries[0].employer_org_nr == "556677-8899"


def test_importing_the_same_file_again_adds_nothing(app, runner, session, tmp_path):
    _client(app)
    path = _file(tmp_path, f"{CLIENT};556677-8899;{LAST};21300")
    assert runner.invoke(args=["data", "import-payroll", str(path)]).exit_code == 0
    again = runner.invoke(args=["data", "import-payroll", str(path)])
    assert again.exit_code == 0 and "Nya: 0, ändrade: 0" in again.output
    assert len(session.exec(select(PayrollEntry)).all()) == 1


def test_a_bad_row_names_line_and_column_and_nothing_is_stored(app, runner, session, tmp_path):
    _client(app)
    rows = [f"{CLIENT};556677-8899;{BEFORE};1000", f"{CLIENT};556036-0793;{LAST};2000",
        f"{CLIENT};556677-8899;2026-13;3000"]
    result = runner.invoke(args=["data", "import-payroll", str(_file(tmp_path, *rows))])
    assert result.exit_code == 1
    assert result.output.strip().startswith("rad 4, period: ange månaden som ÅÅÅÅ-MM")
    assert session.exec(select(PayrollEntry)).all() == []


def test_each_column_is_checked_and_named(app, session):
    client_ids = {cipher().lookup_hash(CLIENT): 1}
    future = payroll.add_months(payroll.month_of(TODAY), 1)
    cases = {
        f"{CLIENT};556677-8899;{future};100": "rad 2, period",
        f"{CLIENT};556677-8899;{LAST};12,345": "rad 2, kontant_bruttolon",
        f"{CLIENT};556677-8899;{LAST};1 00": "rad 2, kontant_bruttolon",
        f"{CLIENT};123;{LAST};100": "rad 2, arbetsgivare_orgnr",
        f"19900101-1230;556677-8899;{LAST};100": "rad 2, personnummer",
        f"9001011239;556677-8899;{LAST};100": "rad 2, personnummer",
        f"{CLIENT};556677-8899;{LAST}": "rad 2",
    }
    from app.common.errors import ValidationError
    for row, named in cases.items():
        lines = ["personnummer;arbetsgivare_orgnr;period;kontant_bruttolon", row]
        try:
            payroll.parse(lines, client_ids, TODAY)
        except ValidationError as exc:
            assert exc.field == named, row
            assert "1239" not in exc.message
        else:
            raise AssertionError(f"accepted {row}")


def test_a_sole_trader_employer_is_accepted_and_not_stored(app, session):
    client_ids = {cipher().lookup_hash(CLIENT): 1}
    rows, summary = payroll.parse(["personnummer;arbetsgivare_orgnr;period;kontant_bruttolon",
                                   f"{CLIENT};{STRANGER};{LAST};5000"], client_ids, TODAY)
    assert summary.used == 1 and rows[0]["employer_org_nr"] == ""


def test_no_personnummer_of_people_who_are_not_clients_is_stored(app, runner, session, tmp_path):
    _client(app)
    other = f.PERSONAL_IDS[3]  # 20000229-1235
    path = _file(tmp_path, f"{CLIENT};556677-8899;{LAST};100", f"{STRANGER};556677-8899;{LAST};30000",
                 f"{other};556036-0793;{LAST};100")
    result = runner.invoke(args=["data", "import-payroll", str(path)])
    assert result.exit_code == 0 and "Bortlagda rader: 2" in result.output
    stored = _all_text(session)
    for pnr in (STRANGER, other):
        digits = pnr.replace("-", "")
        assert digits not in stored and pnr not in stored and digits[2:] not in stored
        assert cipher().lookup_hash(pnr) not in stored
        assert pnr not in result.output
    assert "556036-0793" not in stored  # the employer of a non-client is not read either


def test_a_wrong_header_is_refused(app, runner, session, tmp_path):
    path = tmp_path / "agi.csv"
    path.write_text("pnr;orgnr;period;lon\n", encoding="utf-8")
    result = runner.invoke(args=["data", "import-payroll", str(path)])
    assert result.exit_code == 1 and result.output.startswith("rad 1:")


# -- evidence ------------------------------------------------------------------------------------

def _pay(*months):
    return {m: {"employer"} for m in months}


def test_pay_in_the_result_month_or_the_next_is_lon_finns():
    day = date(2026, 4, 20)
    assert payroll.evidence_of(day, _pay("2026-04"), "2026-05", 90).has_pay
    assert payroll.evidence_of(day, _pay("2026-05"), "2026-05", 90).has_pay
    late = payroll.evidence_of(day, _pay("2026-06"), "2026-06", 90)
    assert not late.has_pay and late.known  # "ingen lön"
    assert not payroll.evidence_of(day, _pay("2026-03"), "2026-06", 90).has_pay


def test_no_pay_is_not_evidence_until_the_pay_data_reaches_the_month_after():
    day = date(2026, 4, 20)
    assert not payroll.evidence_of(day, {}, "2026-04", 90).known
    assert payroll.evidence_of(day, {}, "2026-05", 90).known


def test_sustainment_is_suggested_when_pay_continues_through_result_date_plus_sustain_days():
    day = date(2026, 4, 20)  # + 90 days = 19 July
    assert payroll.evidence_of(day, _pay("2026-04", "2026-05", "2026-06", "2026-07"), "2026-07", 90).sustained
    assert not payroll.evidence_of(day, _pay("2026-04", "2026-05", "2026-07"), "2026-07", 90).sustained
    assert not payroll.evidence_of(day, _pay("2026-04", "2026-05", "2026-06"), "2026-06", 90).sustained


def test_a_result_without_pay_is_listed_two_months_after_result_date():
    day = date(2026, 4, 20)
    assert not payroll.evidence_of(day, {}, "2026-05", 90).listed
    assert payroll.evidence_of(day, {}, "2026-06", 90).listed
    assert not payroll.evidence_of(day, _pay("2026-06"), "2026-06", 90).listed


def _result(session, worker_id, result_date, verified=False):
    prov = f.provider(session, "Steget AB")
    c = f.client(session, 0, name="Amina Ali", case_worker_id=worker_id)
    r = f.referral(session, c, decided_on=result_date - timedelta(days=60), case_worker_id=worker_id)
    pl = f.placement(session, r, f.offering(session, prov), start=result_date - timedelta(days=50))
    outcome = Outcome(ref=f"R-{result_date}", placement_id=pl.id, kind="employment", result_date=result_date,
                      employer="Hotell Stjärnan", verified_on=result_date if verified else None)
    session.add(outcome)
    session.flush()
    return c, outcome


def test_the_case_worker_sees_the_evidence_beside_the_verify_button(app, client, auth, session):
    worker = auth.login("case_worker")
    c, _outcome = _result(session, worker.id, TODAY.replace(day=1) - timedelta(days=20))
    session.add(PayrollEntry(client_id=c.id, employer_key="k", employer_org_nr="556677-8899",
                             period=payroll.month_of(TODAY.replace(day=1) - timedelta(days=20)),
                             gross_pay="21000.00"))
    session.commit()
    page = client.get("/handlaggare/resultat").text
    row = re.search(r"Hotell Stjärnan.*?Verifiera", page, re.S).group(0)
    assert "lön finns" in row and "1 arbetsgivare" in row


def _someone_elses_pay(session, period):
    other = f.client(session, 5)
    session.add(PayrollEntry(client_id=other.id, employer_key="x", period=period, gross_pay="100.00"))


def test_results_with_no_pay_two_months_after_are_listed(app, client, auth, session):
    worker = auth.login("case_worker")
    _result(session, worker.id, TODAY - timedelta(days=80), verified=True)
    _someone_elses_pay(session, LAST)  # the pay data reaches last month
    session.commit()
    page = client.get("/handlaggare/resultat").text
    listed = page[page.index('id="no-pay"'):]
    assert "Amina Ali" in listed and "Hotell Stjärnan" in listed
    assert "ingen lön" in page


def test_finance_uploads_a_payroll_file_and_a_bad_one_shows_the_line(app, client, auth, session):
    import io
    _client(app)
    auth.login("finance")
    assert client.get("/lonedata").status_code == 200
    good = f"personnummer;arbetsgivare_orgnr;period;kontant_bruttolon\n{CLIENT};556677-8899;{LAST};100\n"
    r = follow(client, client.post("/lonedata", data={"file": (io.BytesIO(good.encode()), "agi.csv")},
                                   content_type="multipart/form-data"))
    assert r.status_code == 200 and "Använda rader: 1" in r.text
    bad = good + f"{CLIENT};556677-8899;{BEFORE};tusen\n"
    r = follow(client, client.post("/lonedata", data={"file": (io.BytesIO(bad.encode()), "agi.csv")},
                                   content_type="multipart/form-data"))
    assert "rad 3, kontant_bruttolon: Ange kronor" in r.text and 'id="task-error"' in r.text
    assert len(session.exec(select(PayrollEntry)).all()) == 1


def test_only_finance_and_case_workers_upload_payroll(app, client, auth):
    for role in ("admin", "client"):
        auth.login(role)
        assert client.get("/lonedata").status_code == 403
    auth.login("case_worker")
    assert client.get("/lonedata").status_code == 200


def test_without_any_pay_data_no_result_is_called_ingen_lon(app, client, auth, session):
    worker = auth.login("case_worker")
    _result(session, worker.id, TODAY - timedelta(days=80))
    session.commit()
    page = client.get("/handlaggare/resultat").text
    assert "ingen lön" not in page and "Inga resultat saknar lön." in page


def _rule(session, ref, priority, sustain_days, levels=()):
    from app.settlement.models import BonusRule
    session.add(BonusRule(ref=ref, name=ref, priority=priority, service_types=["praktik"],
                          outcome_kinds=["employment"], tiers=[{"max_days": 365, "amount": "1000.00"}],
                          sustain_days=sustain_days, levels=list(levels)))


def _pay_every_month(session, client_id, first, months, skip=0):
    period = payroll.add_months(payroll.month_of(first), skip)
    for _ in range(months):
        session.add(PayrollEntry(client_id=client_id, employer_key="k", period=period, gross_pay="21000.00"))
        period = payroll.add_months(period, 1)


def test_the_sustainment_hint_looks_as_far_as_the_rules_sustain_days(app, session):
    from app.kundval import followups
    from app.kundval.results import OutcomeRow

    c, outcome = _result(session, None, TODAY - timedelta(days=200), verified=True)
    _rule(session, "LEVEL-C", 1, 365, levels=["C"])  # the referral has no level: not this one
    _rule(session, "SLOW", 2, 180)
    _pay_every_month(session, c.id, outcome.result_date, 5)  # through result + 4 months: not 180 days
    session.commit()
    placement = session.get(Placement, outcome.placement_id)
    assert followups.sustain_days_of(session, [placement]) == {placement.id: 180}
    row = OutcomeRow(outcome, placement, c, None)
    evidence = payroll.evidence_for(session, [row])[outcome.id]
    assert evidence.sustain_until == outcome.result_date + timedelta(days=180)
    assert evidence.has_pay and not evidence.sustained  # 90 days would have said "sustained"
    _pay_every_month(session, c.id, outcome.result_date, 3, skip=5)  # through result + 7 months
    session.commit()
    assert payroll.evidence_for(session, [row])[outcome.id].sustained


def test_without_a_rule_the_hint_looks_90_days_ahead(app, session):
    from app.kundval import followups

    c, outcome = _result(session, None, TODAY - timedelta(days=100), verified=True)
    session.commit()
    placement = session.get(Placement, outcome.placement_id)
    assert followups.sustain_days_of(session, [placement]) == {placement.id: 90}
