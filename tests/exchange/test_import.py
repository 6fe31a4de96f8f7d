"""The import file of exchange.md: through `flask data import` and import_document, on both databases."""
from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import event, func, inspect, select, text
from stdnum import luhn

from app.common import clock
from app.common.errors import ValidationError
from app.common.models import AuditLog
from app.exchange.importer import import_document
from app.kundval.models import Attendance, Client, Outcome, Placement, Referral
from app.offerings.models import Offering
from app.providers.models import Provider
from app.settlement.models import BonusRule
from tests.conftest import CASES_DIR

CASE_FILES = sorted(CASES_DIR.glob("*.json"))
PID = "20020202-0202"
ORG = "556677-8899"


def base_doc() -> dict:
    """One of everything, as in the example of exchange.md."""
    return {
        "providers": [
            {"ref": "P1", "org_nr": ORG, "name": "Arbetsvägen AB", "status": "approved",
             "email": "info@arbetsvagen.example", "bankgiro": "5050-1055"},
        ],
        "offerings": [
            {"ref": "O1", "provider": "P1", "service_type": "praktik", "title": "Praktik i lager",
             "rate_unit": "hour", "rate": "120.00", "vat_rate": 25, "capacity": 10,
             "start_share": 50, "default_choice": False},
        ],
        "bonus_rules": [
            {"ref": "B1", "priority": 1, "service_types": ["praktik"], "min_age": 18, "max_age": 24,
             "newly_arrived": None, "placements_from": None, "placements_to": None,
             "outcome_kinds": ["employment", "studies"],
             "tiers": [{"max_days": 90, "amount": "10000.00"}, {"max_days": 180, "amount": "5000.00"}],
             "grace_days": 30, "sustain_days": 90, "sustain_amount": "5000.00"},
        ],
        "clients": [
            {"ref": "C1", "personal_id": PID, "name": "Test Testsson",
             "newly_arrived": False, "children_in_household": True},
        ],
        "referrals": [
            {"ref": "R1", "client": "C1", "service_type": "praktik", "decided_on": "2026-02-20",
             "valid_from": "2026-03-01", "valid_to": "2026-05-31", "max_hours_per_week": "20"},
        ],
        "placements": [
            {"ref": "PL1", "referral": "R1", "offering": "O1", "chosen_by": "client",
             "start_date": "2026-03-26", "ended_on": None, "end_reason": None},
        ],
        "attendance": [
            {"placement": "PL1", "date": "2026-03-26", "status": "present", "hours": "8"},
            {"placement": "PL1", "date": "2026-03-27", "status": "present", "hours": "7.5"},
            {"placement": "PL1", "date": "2026-03-30", "status": "absent", "hours": "0"},
        ],
        "outcomes": [
            {"ref": "U1", "placement": "PL1", "kind": "employment", "result_date": "2026-05-04",
             "verified_on": None, "sustained_verified_on": None},
        ],
    }


def personal_id(i: int) -> str:
    """A valid personnummer for a made-up person number i."""
    birth = date(1970, 1, 1) + timedelta(days=i)
    serial = f"{i % 999 + 1:03d}"
    return birth.strftime("%Y%m%d") + "-" + serial + luhn.calc_check_digit(birth.strftime("%y%m%d") + serial)


def write(tmp_path: Path, doc, name: str = "import.json") -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


def run_import(runner, tmp_path: Path, doc, name: str = "import.json"):
    return runner.invoke(args=["data", "import", write(tmp_path, doc, name)])


def table_counts(app) -> dict[str, int]:
    """Rows in every table of the database (whatever models exist), to prove nothing was written."""
    engine = app.extensions["db_engine"]
    with engine.connect() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        return {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar() for t in tables}


def count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar()


# --- the public cases and repeated imports ----------------------------------------------------------

@pytest.mark.parametrize("case_file", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_every_import_step_of_a_public_case_succeeds(case_file, runner, session, tmp_path):
    steps = [s["import"] for s in json.loads(case_file.read_text(encoding="utf-8"))["steps"] if "import" in s]
    assert steps
    refs: dict[str, set] = {}
    keys: set = set()
    for index, doc in enumerate(steps):
        result = run_import(runner, tmp_path, doc, f"step-{index}.json")
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("Importerade: ")
        assert result.stderr == ""
        for section, records in doc.items():
            if section == "attendance":
                keys.update((r["placement"], r["date"]) for r in records)
            else:
                refs.setdefault(section, set()).update(r["ref"] for r in records)
    models = {"providers": Provider, "offerings": Offering, "bonus_rules": BonusRule, "clients": Client,
              "referrals": Referral, "placements": Placement, "outcomes": Outcome}
    for section, model in models.items():
        assert count(session, model) == len(refs.get(section, ())), section
    assert count(session, Attendance) == len(keys)


def test_importing_the_same_file_twice_creates_nothing_new(app, runner, tmp_path):
    doc = json.loads((CASES_DIR / "bonus-tiers.json").read_text(encoding="utf-8"))["steps"][0]["import"]
    doc["attendance"] = [{"placement": "PL1", "date": "2026-01-05", "status": "present", "hours": "6"}]
    first = run_import(runner, tmp_path, doc)
    assert first.exit_code == 0, first.output
    counts = table_counts(app)
    second = run_import(runner, tmp_path, doc)
    assert second.exit_code == 0, second.output
    assert second.stdout.strip() == "Importerade: inget nytt."
    after = table_counts(app)
    assert after.pop("auditlog") == counts.pop("auditlog") + 1  # each import is audited
    assert after == counts


def test_summary_counts_and_swedish_line(runner, session, tmp_path):
    result = run_import(runner, tmp_path, base_doc())
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "Importerade: 1 anordnare, 1 tjänst, 1 bonusregel, 1 deltagare, 1 beslut, 1 placering, "
        "3 närvarorader, 1 resultat.")
    summary = import_document(session, base_doc())
    assert sum(summary.created.values()) == 0 and sum(summary.updated.values()) == 0


def test_each_import_writes_one_audit_row_with_the_counts(runner, session, tmp_path):
    assert run_import(runner, tmp_path, base_doc()).exit_code == 0
    logs = session.execute(select(AuditLog).where(AuditLog.action == "import")).scalars().all()
    assert len(logs) == 1
    assert logs[0].entity == "exchange"
    assert logs[0].after["created"]["attendance"] == 3
    assert logs[0].after["created"]["providers"] == 1


def test_a_later_file_adds_end_dates_attendance_outcomes_and_verifications(runner, session, tmp_path):
    assert run_import(runner, tmp_path, base_doc(), "first.json").exit_code == 0
    later = {
        "placements": [{"ref": "PL1", "ended_on": "2026-05-04", "end_reason": "result"}],
        "attendance": [
            {"placement": "PL1", "date": "2026-03-27", "status": "present", "hours": "4"},  # replaces 7.5
            {"placement": "PL1", "date": "2026-03-31", "status": "present", "hours": "6.25"},
        ],
        "outcomes": [
            {"ref": "U1", "verified_on": "2026-05-10"},
            {"ref": "U2", "placement": "PL1", "kind": "studies", "result_date": "2026-05-20"},
        ],
    }
    result = run_import(runner, tmp_path, later, "later.json")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "Importerade: 1 närvarorad, 1 resultat; uppdaterade: 1 placering, 1 närvarorad, 1 resultat.")
    placement = session.execute(select(Placement)).scalar_one()
    assert (placement.ended_on, placement.end_reason) == (date(2026, 5, 4), "result")
    assert placement.start_date == date(2026, 3, 26)  # fields the later file leaves out stay
    hours = dict(session.execute(select(Attendance.date, Attendance.hours)).all())
    assert len(hours) == 4
    assert hours[date(2026, 3, 27)] == Decimal("4") and hours[date(2026, 3, 31)] == Decimal("6.25")
    outcomes = {o.ref: o for o in session.execute(select(Outcome)).scalars()}
    assert outcomes["U1"].verified_on == date(2026, 5, 10)
    assert outcomes["U1"].result_date == date(2026, 5, 4)
    assert outcomes["U2"].kind == "studies"


def test_a_later_row_for_the_same_placement_and_date_replaces_the_earlier(session):
    doc = base_doc()
    doc["attendance"] += [{"placement": "PL1", "date": "2026-03-26", "status": "absent", "hours": "0"}]
    summary = import_document(session, doc)
    assert summary.created["attendance"] == 3
    row = session.execute(select(Attendance).where(Attendance.date == date(2026, 3, 26))).scalar_one()
    assert (row.status, row.hours) == ("absent", Decimal("0"))


def test_an_absence_needs_no_hours(session):
    doc = base_doc()
    doc["attendance"] = [{"placement": "PL1", "date": "2026-03-26", "status": "absent"},
                         {"placement": "PL1", "date": "2026-03-27", "status": "absent", "hours": None}]
    import_document(session, doc)
    assert set(session.execute(select(Attendance.hours)).scalars()) == {Decimal("0")}


def test_a_later_file_changing_only_the_offering_is_checked_against_the_stored_referral(session):
    doc = base_doc()
    doc["offerings"].append({**doc["offerings"][0], "ref": "O2", "service_type": "utredning"})
    import_document(session, doc)
    with pytest.raises(ValidationError) as info:
        import_document(session, {"placements": [{"ref": "PL1", "offering": "O2"}]})
    assert info.value.field == "placements[0].offering"
    assert info.value.message == "offering 'O2' is utredning, but referral 'R1' is for praktik"


def test_a_bonus_rule_without_a_name_is_named_by_its_description(session):
    doc = base_doc()
    doc["bonus_rules"][0]["description"] = "Praktik för unga 18–24 år"
    import_document(session, doc)
    assert session.execute(select(BonusRule.name)).scalar_one() == "Praktik för unga 18–24 år"


def test_providers_match_on_org_nr_and_clients_on_personal_id(session):
    import_document(session, base_doc())
    doc = {"providers": [{"ref": "ANOTHER-KEY", "org_nr": "5566778899", "name": "Arbetsvägen i Nacka AB"}],
           "clients": [{"ref": "C-NEW", "personal_id": "200202020202", "name": "Test Testsson"}]}
    summary = import_document(session, doc)
    assert summary.created["providers"] == 0 and summary.created["clients"] == 0
    provider = session.execute(select(Provider)).scalar_one()
    assert (provider.ref, provider.name, provider.org_nr) == ("ANOTHER-KEY", "Arbetsvägen i Nacka AB", ORG)
    assert session.execute(select(Client.ref)).scalar_one() == "C-NEW"


def test_references_resolve_to_records_already_in_the_database(session):
    import_document(session, base_doc())
    doc = {"clients": [{"ref": "C2", "personal_id": personal_id(5), "name": "Ny Person"}],
           "referrals": [{"ref": "R2", "client": "C2", "service_type": "praktik", "decided_on": "2026-03-01",
                          "valid_from": "2026-03-01", "valid_to": "2026-06-30"}],
           "placements": [{"ref": "PL2", "referral": "R2", "offering": "O1", "start_date": "2026-03-02"}]}
    summary = import_document(session, doc)
    assert (summary.created["clients"], summary.created["referrals"], summary.created["placements"]) == (1, 1, 1)
    placement = session.execute(select(Placement).where(Placement.ref == "PL2")).scalar_one()
    assert placement.chosen_by == "client"
    assert session.get(Offering, placement.offering_id).ref == "O1"


def test_client_personal_id_is_stored_encrypted_with_birth_date_and_gender(app, session):
    import_document(session, base_doc())
    session.commit()
    with app.extensions["db_engine"].connect() as conn:
        raw = " ".join(str(v) for v in conn.execute(text("SELECT * FROM client")).one())
    for digits in ("20020202", "0202020202", "0202-0202"):
        assert digits not in raw
    client = session.execute(select(Client)).scalar_one()
    from app.common.personal_data import cipher

    assert cipher().decrypt(client.personal_id_encrypted) == PID
    assert client.personal_id_hash == cipher().lookup_hash(PID)
    assert (client.birth_date, client.gender) == (date(2002, 2, 2), "F")


def test_samordningsnummer_gives_the_real_birth_date(session):
    doc = {"clients": [{"ref": "C2", "personal_id": "20040963-7782", "name": "Yusuf Warsame"}]}
    import_document(session, doc)
    assert session.execute(select(Client.birth_date)).scalar_one() == date(2004, 9, 3)


def test_tiers_are_stored_ascending_with_amounts_as_strings(session):
    doc = base_doc()
    doc["bonus_rules"][0]["tiers"] = [{"max_days": 180, "amount": "5000"}, {"max_days": 90, "amount": "10000.5"}]
    import_document(session, doc)
    rule = session.execute(select(BonusRule)).scalar_one()
    assert rule.tiers == [{"max_days": 90, "amount": "10000.50"}, {"max_days": 180, "amount": "5000.00"}]
    assert rule.sustain_amount == Decimal("5000.00")


def test_extra_fields_are_stored_where_there_is_a_column_and_unknown_ones_ignored(session):
    doc = base_doc()
    doc["providers"][0].update(description="Lager och logistik", vat_number="SE556677889901", f_skatt=True,
                               contact_name="Eva Ek", phone="070-1740684", address="Storgatan 1",
                               service_types=["praktik"], something_new="ignored")
    doc["offerings"][0].update(area="Sickla", languages=["sv", "en"], description="Truck")
    doc["clients"][0]["language"] = "en"
    doc["bonus_rules"][0]["name"] = "Unga"
    doc["outcomes"][0].update(employer="ICA", extent="heltid", employment_form="lonebidrag")
    doc["referrals"][0]["choice_deadline"] = "2026-03-10"
    import_document(session, doc)
    provider = session.execute(select(Provider)).scalar_one()
    assert (provider.vat_number, provider.f_skatt, provider.service_types) == ("SE556677889901", True, ["praktik"])
    assert provider.bankgiro == "5050-1055"
    offering = session.execute(select(Offering)).scalar_one()
    assert (offering.area, offering.languages, offering.rate, offering.vat_rate) == (
        "Sickla", ["sv", "en"], Decimal("120.00"), 25)
    assert session.execute(select(Client.language)).scalar_one() == "en"
    assert session.execute(select(BonusRule.name)).scalar_one() == "Unga"
    assert session.execute(select(Outcome.employer, Outcome.employment_form)).one() == ("ICA", "lonebidrag")
    assert session.execute(select(Referral.choice_deadline)).scalar_one() == date(2026, 3, 10)


def test_lookups_are_bulk_not_one_query_per_row(app, session):
    """A document with many records costs a handful of statements, not one per row."""
    doc = base_doc()
    n = 150
    doc["clients"] += [{"ref": f"C{i}", "personal_id": personal_id(i), "name": f"P {i}"} for i in range(2, n)]
    doc["referrals"] += [{"ref": f"R{i}", "client": f"C{i}", "service_type": "praktik", "decided_on": "2026-02-20",
                          "valid_from": "2026-03-01", "valid_to": "2026-05-31"} for i in range(2, n)]
    doc["placements"] += [{"ref": f"PL{i}", "referral": f"R{i}", "offering": "O1", "start_date": "2026-03-02"}
                          for i in range(2, n)]
    doc["attendance"] += [{"placement": f"PL{i}", "date": f"2026-03-{d:02d}", "status": "present", "hours": "6"}
                          for i in range(2, n) for d in range(2, 28)]
    statements = []
    engine = app.extensions["db_engine"]

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        import_document(session, doc)
        import_document(session, doc)  # and again, now that everything exists
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert count(session, Attendance) == 3 + (n - 2) * 26
    assert len(statements) < 80, len(statements)


# --- bad input: exit 1, the exact field on stderr, nothing written ---------------------------------

def _set(section, index, name, value):
    def change(doc):
        doc[section][index][name] = value
    return change


def _drop(section, index, name):
    def change(doc):
        del doc[section][index][name]
    return change


def _add(section, record):
    def change(doc):
        doc[section].append(record)
    return change


def _whole(value):
    return lambda doc: value


BAD_INPUTS = [
    ("missing ref", _drop("offerings", 0, "ref"), "offerings[0].ref: required"),
    ("missing required field", _drop("clients", 0, "name"), "clients[0].name: required"),
    ("duplicate ref", _add("providers", {"ref": "P1", "org_nr": "559123-4561", "name": "Två"}),
     "providers[1].ref: duplicate ref 'P1' (also providers[0])"),
    ("duplicate org_nr", _add("providers", {"ref": "P2", "org_nr": "5566778899", "name": "Två"}),
     "providers[1].org_nr: the same organisationsnummer as another provider (also providers[0])"),
    ("unknown referral", _set("placements", 0, "referral", "R9"), "placements[0].referral: unknown referral 'R9'"),
    ("unknown provider", _set("offerings", 0, "provider", "P9"), "offerings[0].provider: unknown provider 'P9'"),
    ("unknown placement in attendance", _set("attendance", 2, "placement", "PL9"),
     "attendance[2].placement: unknown placement 'PL9'"),
    ("bad date", _set("referrals", 0, "valid_from", "2026/03/01"), "referrals[0].valid_from: not a date (YYYY-MM-DD)"),
    ("date as number", _set("referrals", 0, "decided_on", 20260220), "referrals[0].decided_on: not a date (YYYY-MM-DD)"),
    ("impossible date", _set("attendance", 1, "date", "2026-02-30"), "attendance[1].date: no such date"),
    ("hours 7.3", _set("attendance", 1, "hours", "7.3"), "attendance[1].hours: must be a multiple of 0.25"),
    ("hours as float", _set("attendance", 1, "hours", 7.5), 'attendance[1].hours: must be a string, e.g. "7.50"'),
    ("negative hours", _set("attendance", 0, "hours", "-1"), "attendance[0].hours: must not be negative"),
    ("more than 24 hours", _set("attendance", 0, "hours", "24.25"), "attendance[0].hours: must be at most 24"),
    ("hours not a number", _set("attendance", 0, "hours", "åtta"), 'attendance[0].hours: expected a string like "7.50"'),
    ("present without hours", _drop("attendance", 0, "hours"), "attendance[0].hours: required when status is present"),
    ("unknown attendance status", _set("attendance", 0, "status", "sick"), "attendance[0].status: unknown value 'sick'"),
    ("invalid org_nr", _set("providers", 0, "org_nr", "556677-8898"), "providers[0].org_nr: invalid organisationsnummer"),
    ("invalid bankgiro", _set("providers", 0, "bankgiro", "5050-1056"), "providers[0].bankgiro: invalid bankgiro number"),
    ("unknown provider status", _set("providers", 0, "status", "maybe"), "providers[0].status: unknown value 'maybe'"),
    ("top level list", _whole([base_doc()]), "$: the document must be a JSON object"),
    ("unknown section", lambda doc: {**doc, "providerz": []}, "$: unknown section 'providerz'"),
    ("section not a list", lambda doc: {**doc, "offerings": {"ref": "O1"}}, "offerings: must be a list"),
    ("record not an object", _add("outcomes", "U2"), "outcomes[1]: must be an object"),
    ("capacity ten", _set("offerings", 0, "capacity", "ten"), "offerings[0].capacity: must be a whole number"),
    ("capacity as bool", _set("offerings", 0, "capacity", True), "offerings[0].capacity: must be a whole number"),
    ("unknown service_type", _set("offerings", 0, "service_type", "snickeri"),
     "offerings[0].service_type: unknown value 'snickeri'"),
    ("unknown rate_unit", _set("offerings", 0, "rate_unit", "month"), "offerings[0].rate_unit: unknown value 'month'"),
    ("vat_rate 20", _set("offerings", 0, "vat_rate", 20), "offerings[0].vat_rate: must be one of 0, 6, 12, 25"),
    ("rate as float", _set("offerings", 0, "rate", 120.5), 'offerings[0].rate: must be a string, e.g. "120.50"'),
    ("rate with 3 decimals", _set("offerings", 0, "rate", "120.005"), "offerings[0].rate: must have at most 2 decimals"),
    ("negative rate", _set("offerings", 0, "rate", "-1.00"), "offerings[0].rate: must not be negative"),
    ("start_share over 100", _set("offerings", 0, "start_share", 150), "offerings[0].start_share: must be between 0 and 100"),
    ("tier amount as float", lambda doc: doc["bonus_rules"][0]["tiers"][1].update(amount=5000.0),
     'bonus_rules[0].tiers[1].amount: must be a string, e.g. "120.50"'),
    ("min_age above max_age", _set("bonus_rules", 0, "min_age", 30), "bonus_rules[0].max_age: must not be less than min_age"),
    ("unknown outcome kind", _set("outcomes", 0, "kind", "pension"), "outcomes[0].kind: unknown value 'pension'"),
    ("valid_to before valid_from", _set("referrals", 0, "valid_to", "2026-02-28"),
     "referrals[0].valid_to: must not be before valid_from"),
    ("weekly cap as number", _set("referrals", 0, "max_hours_per_week", 20),
     'referrals[0].max_hours_per_week: must be a string, e.g. "20"'),
    ("unknown chosen_by", _set("placements", 0, "chosen_by", "neighbour"),
     "placements[0].chosen_by: unknown value 'neighbour'"),
    ("ended_on before start", lambda doc: doc["placements"][0].update(ended_on="2026-03-01", end_reason="completed"),
     "placements[0].ended_on: must not be before start_date"),
    ("ended_on without end_reason", _set("placements", 0, "ended_on", "2026-04-30"),
     "placements[0].end_reason: required when ended_on is given"),
    ("end_reason without ended_on", _set("placements", 0, "end_reason", "completed"),
     "placements[0].ended_on: required when end_reason is given"),
    ("unknown end_reason", lambda doc: doc["placements"][0].update(ended_on="2026-04-30", end_reason="fired"),
     "placements[0].end_reason: unknown value 'fired'"),
    ("offering of another service type than the referral",
     lambda doc: doc["offerings"].append({**doc["offerings"][0], "ref": "O2", "service_type": "utredning"})
     or doc["placements"][0].update(offering="O2"),
     "placements[0].offering: offering 'O2' is utredning, but referral 'R1' is for praktik"),
    ("ref not a string", _set("clients", 0, "ref", 1), "clients[0].ref: must be a non-empty string"),
    ("newly_arrived not a bool", _set("clients", 0, "newly_arrived", "no"), "clients[0].newly_arrived: must be true or false"),
    ("rate 1e400", _set("offerings", 0, "rate", "1e400"), "offerings[0].rate: is too large"),
    ("rate above ten million", _set("offerings", 0, "rate", "10000000.01"), "offerings[0].rate: is too large"),
    ("hours NaN", _set("attendance", 0, "hours", "NaN"), 'attendance[0].hours: expected a string like "7.50"'),
    ("weekly cap 1e400", _set("referrals", 0, "max_hours_per_week", "1e400"),
     "referrals[0].max_hours_per_week: is too large"),
    ("date in year 9999", _set("referrals", 0, "valid_to", "9999-12-31"),
     "referrals[0].valid_to: must be between 1900-01-01 and 2100-12-31"),
]


@pytest.mark.parametrize("change,expected", [(c, e) for _, c, e in BAD_INPUTS], ids=[n for n, _, _ in BAD_INPUTS])
def test_bad_input_fails_naming_the_field_and_writes_nothing(change, expected, app, runner, tmp_path):
    doc = base_doc()
    doc = change(doc) or doc
    before = table_counts(app)
    result = run_import(runner, tmp_path, doc)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(expected), result.stderr
    assert result.stderr.count("\n") == 1
    assert "Importerade" not in result.stdout
    assert table_counts(app) == before


@pytest.mark.parametrize("bad", ["20020202-0203", "200202020203", "20021332-0202"])
def test_invalid_personal_id_is_refused_without_echoing_it(bad, app, runner, tmp_path):
    doc = base_doc()
    doc["clients"][0]["personal_id"] = bad
    before = table_counts(app)
    result = run_import(runner, tmp_path, doc)
    assert result.exit_code == 1
    assert result.stderr == "clients[0].personal_id: invalid personnummer or samordningsnummer\n"
    digits = bad.replace("-", "")
    assert digits not in result.output and bad not in result.output and digits[2:] not in result.output
    assert table_counts(app) == before


def test_the_same_person_twice_is_refused_without_echoing_the_number(runner, tmp_path):
    doc = base_doc()
    doc["clients"].append({"ref": "C2", "personal_id": "200202020202", "name": "Kopia"})
    result = run_import(runner, tmp_path, doc)
    assert result.exit_code == 1
    assert result.stderr == "clients[1].personal_id: the same personnummer as another client (also clients[0])\n"
    assert "0202" not in result.output


def test_malformed_json_names_line_and_column(app, runner, tmp_path):
    text_ = '{"providers": [\n  {"ref": "P1",}\n]}'
    with pytest.raises(json.JSONDecodeError) as info:
        json.loads(text_)
    result = run_import(runner, tmp_path, text_)
    assert result.exit_code == 1
    assert result.stderr == f"$: invalid JSON at line {info.value.lineno} column {info.value.colno}\n"
    assert info.value.lineno == 2
    assert sum(table_counts(app).values()) == 0


def test_a_missing_file_fails_with_exit_code_1(runner, tmp_path):
    result = runner.invoke(args=["data", "import", str(tmp_path / "nope.json")])
    assert result.exit_code == 1
    assert result.stderr.startswith("$: cannot read")


def test_an_error_in_the_last_row_after_many_valid_ones_writes_nothing(app, runner, tmp_path):
    doc = base_doc()
    first = date(2026, 3, 26)
    doc["attendance"] = [{"placement": "PL1", "date": (first + timedelta(days=i)).isoformat(),
                          "status": "present", "hours": "6"} for i in range(4000)]
    doc["attendance"][-1]["hours"] = "6.1"
    before = table_counts(app)
    with clock.fixed_today(date(2040, 1, 1)):  # the rows run eleven years on
        result = run_import(runner, tmp_path, doc)
    assert result.exit_code == 1
    assert result.stderr == "attendance[3999].hours: must be a multiple of 0.25\n"
    assert table_counts(app) == before


def test_an_unknown_reference_in_the_last_section_writes_nothing(app, runner, tmp_path):
    doc = base_doc()
    doc["outcomes"].append({"ref": "U2", "placement": "PL2", "kind": "studies", "result_date": "2026-05-01"})
    result = run_import(runner, tmp_path, doc)
    assert result.exit_code == 1
    assert result.stderr == "outcomes[1].placement: unknown placement 'PL2'\n"
    assert sum(table_counts(app).values()) == 0


def test_a_failed_later_file_leaves_the_stored_records_as_they_were(app, runner, session, tmp_path):
    assert run_import(runner, tmp_path, base_doc(), "first.json").exit_code == 0
    snapshot = {t: session.execute(text(f'SELECT * FROM "{t}" ORDER BY id')).all()
                for t in ("provider", "offering", "client", "placement", "attendance", "outcome")}
    later = base_doc()
    later["providers"][0]["name"] = "Nytt namn AB"
    later["placements"][0].update(ended_on="2026-04-30", end_reason="completed")
    later["attendance"] = [{"placement": "PL1", "date": f"2026-04-{d:02d}", "status": "present", "hours": "5"}
                           for d in range(1, 30)] + [{"placement": "PL1", "date": "2026-04-31", "status": "present",
                                                      "hours": "5"}]
    result = run_import(runner, tmp_path, later, "later.json")
    assert result.exit_code == 1
    assert result.stderr == "attendance[29].date: no such date\n"
    session.rollback()
    for table, rows in snapshot.items():
        assert session.execute(text(f'SELECT * FROM "{table}" ORDER BY id')).all() == rows, table


def test_import_document_raises_validation_error_and_rollback_leaves_nothing(app, session):
    doc = base_doc()
    doc["attendance"][-1]["hours"] = 7.5
    with pytest.raises(ValidationError) as info:
        import_document(session, doc)
    assert (info.value.field, info.value.message) == ("attendance[2].hours", 'must be a string, e.g. "7.50"')
    session.rollback()
    assert sum(table_counts(app).values()) == 0


def test_ref_and_org_nr_naming_two_different_stored_providers_is_an_error(session):
    import_document(session, base_doc())
    import_document(session, {"providers": [{"ref": "P2", "org_nr": "559123-4561", "name": "Nästa Steg"}]})
    with pytest.raises(ValidationError) as info:
        import_document(session, {"providers": [{"ref": "P1", "org_nr": "559123-4561", "name": "X"}]})
    assert info.value.field == "providers[0].org_nr"
    assert "belongs to another provider (ref 'P2')" in info.value.message


def test_an_offerings_price_cannot_change_once_a_placement_uses_it(session):
    import_document(session, base_doc())
    with pytest.raises(ValidationError) as info:
        import_document(session, {"offerings": [{"ref": "O1", "rate": "130.00"}]})
    assert info.value.field == "offerings[0].rate"
    assert "cannot change once a placement uses" in info.value.message
    import_document(session, {"offerings": [{"ref": "O1", "title": "Praktik i stort lager", "rate": "120.00"}]})
    assert session.execute(select(Offering.title)).scalar_one() == "Praktik i stort lager"


# --- flask seed ------------------------------------------------------------------------------------

def seed_doc() -> dict:
    doc = base_doc()
    doc["providers"] = [
        {"ref": "P1", "org_nr": "559123-4561", "name": "Nästa Steg", "status": "approved"},
        {"ref": "P2", "org_nr": "212000-0142", "name": "Kommunen", "status": "approved"},
        {"ref": "P3", "org_nr": ORG, "name": "Ansökt AB", "status": "applied"},
    ]
    doc["clients"].append({"ref": "C2", "personal_id": personal_id(7), "name": "Väntar På Val"})
    doc["referrals"].append({"ref": "R2", "client": "C2", "service_type": "praktik", "decided_on": "2026-03-01",
                             "valid_from": "2026-03-01", "valid_to": "2026-06-30"})
    return doc


def test_seed_imports_the_file_and_creates_the_demo_users_idempotently(app, runner, session, tmp_path):
    from app.auth.models import User
    from app.auth.service import authenticate

    path = write(tmp_path, seed_doc(), "seed.json")
    first = runner.invoke(args=["seed", "--file", path])
    assert first.exit_code == 0, first.output
    counts = table_counts(app)
    second = runner.invoke(args=["seed", "--file", path])
    assert second.exit_code == 0, second.output
    after = table_counts(app)
    assert after.pop("auditlog") == counts.pop("auditlog") + 1
    assert after == counts
    assert "Nya demoanvändare: 0." in second.stdout
    for email in ("admin@kundval.example", "handlaggare@kundval.example", "ekonomi@kundval.example",
                  "ledning@kundval.example", "anordnare@kundval.example", "deltagare@kundval.example"):
        assert email in second.stdout
    assert "kundval-demo-2026" in second.stdout

    users = {u.email: u for u in session.execute(select(User)).scalars()}
    assert {u.role for u in users.values()} == {"admin", "case_worker", "finance", "management", "provider", "client"}
    assert len(users) == 6
    provider = session.get(Provider, users["anordnare@kundval.example"].provider_id)
    assert provider.org_nr == "212000-0142"  # the first approved one by org_nr
    case_worker = users["handlaggare@kundval.example"].id
    assert set(session.execute(select(Client.case_worker_id)).scalars()) == {case_worker}
    assert set(session.execute(select(Referral.case_worker_id)).scalars()) == {case_worker}
    linked = session.execute(select(Client).where(Client.user_id.is_not(None))).scalar_one()
    assert linked.ref == "C2" and linked.user_id == users["deltagare@kundval.example"].id
    assert authenticate(session, "ekonomi@kundval.example", "kundval-demo-2026") is not None


def test_seed_with_a_bad_file_fails_and_writes_nothing(app, runner, tmp_path):
    doc = seed_doc()
    doc["attendance"][0]["hours"] = "9.1"
    result = runner.invoke(args=["seed", "--file", write(tmp_path, doc, "seed.json")])
    assert result.exit_code == 1
    assert result.stderr == "attendance[0].hours: must be a multiple of 0.25\n"
    assert sum(table_counts(app).values()) == 0


def test_seed_loads_the_demo_file_by_default(runner, session):
    from tests.conftest import ROOT

    if not (ROOT / "providers_seed" / "demo.json").exists():
        pytest.skip("providers_seed/demo.json is not there yet")
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Importerade: ")
    assert count(session, Provider) > 0 and count(session, Attendance) > 0
    assert session.execute(select(Client.id).where(Client.user_id.is_not(None))).first() is not None


def test_the_demo_has_a_journey_per_situation_and_the_demo_client_can_choose_today(runner, session, client):
    from datetime import date

    from app.auth.models import User
    from app.kundval.models import DefaultChoiceSetting, Placement
    from tests.conftest import ROOT

    if not (ROOT / "providers_seed" / "demo.json").exists():
        pytest.skip("providers_seed/demo.json is not there yet")
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    for email in ("deltagare@kundval.example", "deltagare-placerad@kundval.example",
                  "deltagare-bytt@kundval.example", "deltagare-ickeval@kundval.example"):
        assert email in result.stdout
    today = date.today()
    clients = {c.ref: c for c in session.execute(select(Client).where(Client.ref.like("DEMO-%"))).scalars()}
    waiting = clients["DEMO-VANTAR"]
    referral = session.execute(select(Referral).where(Referral.client_id == waiting.id)).scalar_one()
    assert referral.valid_from <= today <= referral.valid_to and referral.choice_deadline > today
    user = session.execute(select(User).where(User.email == "deltagare@kundval.example")).scalar_one()
    assert waiting.user_id == user.id

    def placements(ref):
        return session.execute(select(Placement).join(Referral, Referral.id == Placement.referral_id)
                               .where(Referral.client_id == clients[ref].id)
                               .order_by(Placement.start_date)).scalars().all()

    assert [p.chosen_by for p in placements("DEMO-PLACERAD")] == ["client"]
    assert [p.end_reason for p in placements("DEMO-BYTT")] == ["switched", None]
    assert [p.chosen_by for p in placements("DEMO-ICKEVAL")] == ["default"]
    assert count(session, DefaultChoiceSetting) == 4
    with client.session_transaction() as sess:
        sess["_user_id"], sess["_fresh"] = str(user.id), True
    page = client.get("/deltagare/").get_data(as_text=True)
    assert "Välj en anordnare senast" in page and "avslutat" not in page
    assert client.get(f"/deltagare/beslut/{referral.id}/tjanster").status_code == 200


def test_a_document_copy_is_not_changed_by_the_import(session):
    doc = base_doc()
    original = copy.deepcopy(doc)
    import_document(session, doc)
    assert doc == original
